"""A goal's pace in words: "Target attainment so far 60%; 10 days left, 40% still to do, 4% a
day." (本月目标完成率60%，剩余10天需完成40%，日均4%).

``pms.scoring.pace`` computes and explains with codes; this module turns a ``Pace`` into
translated sentences: a headline, what is needed, the forecast, the status — and, for "how
was this computed", one sentence per step. Numbers are shown without trailing zeros.
``pms.goals.rules`` is imported lazily so that it may, in turn, use the tables here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pms.scoring.attainment import Direction
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError
from pms.scoring.pace import Aggregation, Basis, Pace, PaceStatus, Phase
from pms.scoring.steps import Step

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = [
    "AGGREGATION_LABELS",
    "BASIS_LABELS",
    "PACE_ERROR_MESSAGES",
    "PACE_STEP_SENTENCES",
    "STATUS_LABELS",
    "explain_pace",
    "explain_pace_step",
    "pace_error_message",
    "pace_sentences",
    "pace_summary",
    "status_label",
]

STATUS_LABELS: dict[str, Promise] = {
    PaceStatus.ON_TRACK: gettext_lazy("On track"),
    PaceStatus.AT_RISK: gettext_lazy("At risk"),
    PaceStatus.OFF_TRACK: gettext_lazy("Off track"),
    PaceStatus.NO_DATA: gettext_lazy("No data yet"),
    PaceStatus.NOT_STARTED: gettext_lazy("Not started"),
}

AGGREGATION_LABELS: dict[str, Promise] = {
    Aggregation.SUM: gettext_lazy("Adds up over the period"),
    Aggregation.LATEST: gettext_lazy("Latest value"),
    Aggregation.AVERAGE: gettext_lazy("Average of the values"),
}

BASIS_LABELS: dict[str, Promise] = {
    Basis.CALENDAR: gettext_lazy("Calendar days"),
    Basis.WORKING: gettext_lazy("Working days"),
}

# Messages of the error codes that pms.scoring.calendar and pms.scoring.pace add; the other
# codes are worded in pms.goals.rules.ERROR_MESSAGES.
PACE_ERROR_MESSAGES: dict[str, Promise] = {
    "bad_weekday": gettext_lazy("“%(day)s” is not a day of the week (0 is Monday, 6 Sunday)."),
    "calendar_conflict": gettext_lazy(
        "%(date)s cannot be both a holiday and a make-up working day."
    ),
    "unknown_direction": gettext_lazy(
        "Unknown direction “%(direction)s”; expected %(directions)s."
    ),
    "unknown_aggregation": gettext_lazy(
        "Unknown way to combine values “%(aggregation)s”; expected %(aggregations)s."
    ),
    "unknown_basis": gettext_lazy("Unknown day basis “%(basis)s”; expected %(bases)s."),
    "thresholds_inverted": gettext_lazy(
        "The at-risk threshold %(at_risk)s%% is above the on-track threshold %(on_track)s%%."
    ),
}

# One sentence per pace step code (the general form; explain_pace_step picks sharper
# wording by aggregation, direction, method and basis).
PACE_STEP_SENTENCES: dict[str, Promise] = {
    "pace_basis_fallback": gettext_lazy(
        "The period %(start)s – %(end)s has no working day, so calendar days are counted."
    ),
    "pace_period": gettext_lazy(
        "Period %(start)s – %(end)s, as of %(as_of)s: %(days_elapsed)s of %(days_total)s days "
        "gone (%(share)s%%), %(days_left)s left"
    ),
    "pace_actual": gettext_lazy("Actual so far from %(count)s values = %(result)s"),
    "pace_no_data": gettext_lazy("Nothing recorded yet."),
    "pace_expected": gettext_lazy(
        "Expected by now: %(expected)s (attainment %(expected_attainment)s%%)"
    ),
    "pace_index": gettext_lazy(
        "Pace: actual %(actual)s against %(expected)s expected by now = %(result)s%%"
    ),
    "pace_remaining": gettext_lazy("Still to do: %(remaining)s in %(days_left)s days"),
    "pace_forecast": gettext_lazy(
        "Forecast for the end of the period: %(result)s (%(low)s – %(high)s), attainment "
        "%(attainment)s%%"
    ),
    "pace_status": gettext_lazy(
        "%(status)s: pace %(pace_index)s%%; on track from %(on_track)s%% or when the forecast "
        "reaches the target, at risk from %(at_risk)s%%"
    ),
}

_PERIOD_WORKING = gettext_lazy(
    "Period %(start)s – %(end)s, as of %(as_of)s: %(days_elapsed)s of %(days_total)s working "
    "days gone (%(share)s%%), %(days_left)s left"
)

_ACTUAL: dict[str, Promise] = {
    Aggregation.SUM: gettext_lazy("Sum of the %(count)s values recorded so far = %(result)s"),
    Aggregation.LATEST: gettext_lazy("Latest value, of %(latest)s = %(result)s"),
    Aggregation.AVERAGE: gettext_lazy(
        "Average of the %(count)s values recorded so far = %(result)s"
    ),
}

_EXPECTED_SUM = gettext_lazy(
    "Expected by now: target %(target)s × %(share)s%% of the period = %(expected)s "
    "(attainment %(expected_attainment)s%%)"
)
_EXPECTED_SUM_RANGE = gettext_lazy(
    "Expected by now: %(share)s%% of %(target)s – %(target_max)s = %(expected)s – %(expected_max)s"
)
_EXPECTED_LEVEL = gettext_lazy("Expected by now: the target level %(target)s")
_EXPECTED_LEVEL_RANGE = gettext_lazy("Expected by now: a level within %(target)s – %(target_max)s")

_REMAINING_TO_DO = gettext_lazy(
    "Still to do: %(remaining)s (%(remaining_share)s%% of the target) in %(days_left)s days "
    "= %(required_rate)s a day (%(required_share_rate)s%% of the target)"
)
_REMAINING_AVAILABLE = gettext_lazy(
    "Still available: %(remaining)s (%(remaining_share)s%% of the budget) for %(days_left)s "
    "days = at most %(required_rate)s a day"
)
_REMAINING_LEVEL = gettext_lazy(
    "Gap to the target level: %(remaining)s over %(days_left)s days = %(required_rate)s a day"
)
_REMAINING_AVERAGE = gettext_lazy(
    "Gap to the target: %(remaining)s; the rest of the period must average %(required_level)s"
)
_REMAINING_OVER = gettext_lazy("Left at the end of the period: %(remaining)s")

_FORECAST: dict[str, Promise] = {
    "rate": gettext_lazy(
        "Forecast at the average rate so far: %(result)s; between %(low)s and %(high)s if the "
        "rest goes one standard deviation of the rates slower or faster; attainment "
        "%(attainment)s%%"
    ),
    "trend": gettext_lazy(
        "Forecast following the trend of the levels: %(result)s; between %(low)s (the latest "
        "level holds) and %(high)s; attainment %(attainment)s%%"
    ),
    "level": gettext_lazy(
        "Forecast: the latest level %(result)s holds; attainment %(attainment)s%%"
    ),
    "mean": gettext_lazy(
        "Forecast: the average %(result)s; between %(low)s and %(high)s if the rest averages "
        "one standard deviation lower or higher; attainment %(attainment)s%%"
    ),
    "final": gettext_lazy(
        "The period is over: final value %(result)s, attainment %(attainment)s%%"
    ),
}


def _fill(message: Promise | str, params: Mapping[str, str]) -> str:
    """``message % params`` that never breaks on a missing value."""
    values: defaultdict[str, str] = defaultdict(str, params)
    return str(message) % values


def _n(value: Decimal | None) -> str:
    return "" if value is None else normalized(value)


def _tidy(values: Mapping[str, str]) -> dict[str, str]:
    """Step values with numbers shown without trailing zeros ("4.00" → "4")."""
    tidy = {}
    for key, value in values.items():
        try:
            number = Decimal(value)
        except InvalidOperation:
            tidy[key] = value
            continue
        tidy[key] = normalized(number) if number.is_finite() else value
    return tidy


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _days_left(pace: Pace) -> str:
    count = pace.days_left
    if pace.basis is Basis.WORKING:
        return ngettext("%(count)s working day", "%(count)s working days", count) % {"count": count}
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


# --- sentences for a page ---------------------------------------------------------------------


def pace_summary(pace: Pace) -> str:
    """The headline: attainment so far and what the rest of the period needs."""
    params = {
        "attainment": _n(pace.attainment_to_date),
        "actual": _n(pace.actual_to_date),
        "target": _n(pace.target),
        "target_max": _n(pace.target_max),
        "progress": _n(pace.progress),
        "elapsed": normalized(pace.elapsed_share * 100),
        "days": _days_left(pace),
        "remaining": _n(pace.remaining),
        "remaining_share": _n(pace.remaining_share),
        "rate": _n(pace.required_rate),
        "rate_share": _n(pace.required_share_rate),
        "start": pace.start.isoformat(),
    }
    summed = pace.aggregation is Aggregation.SUM
    lower = pace.direction is Direction.LOWER
    if pace.phase is Phase.BEFORE:
        return _("The period starts on %(start)s; nothing is due yet.") % params
    if pace.status is PaceStatus.NOT_STARTED:
        return _("No working day of the period has passed yet; nothing is due.")
    if pace.phase is Phase.FINAL:
        if pace.attainment_to_date is None:
            return _("The period is over and nothing was recorded.")
        return _("Final attainment %(attainment)s%%.") % params
    if pace.actual_to_date is None:
        if summed and pace.required_share_rate is not None and not lower:
            return (
                _(
                    "Nothing recorded yet; %(days)s left, %(remaining_share)s%% still to do, "
                    "%(rate_share)s%% a day."
                )
                % params
            )
        return _("Nothing recorded yet; %(days)s left.") % params
    if summed and lower:
        if pace.progress is None:
            return _("%(actual)s so far against a limit of %(target)s; %(days)s left.") % params
        if pace.remaining == 0:
            return (
                _(
                    "%(progress)s%% of the budget used with %(elapsed)s%% of the period gone: "
                    "the budget is used up."
                )
                % params
            )
        return (
            _(
                "%(progress)s%% of the budget used with %(elapsed)s%% of the period gone; "
                "%(days)s left, %(remaining)s still available, at most %(rate)s a day."
            )
            % params
        )
    if summed:
        if pace.remaining == 0:
            return _("Target attainment so far %(attainment)s%%: the target is reached.") % params
        if pace.required_share_rate is None:
            return (
                _(
                    "Target attainment so far %(attainment)s%%; %(days)s left, %(remaining)s "
                    "still to do, %(rate)s a day."
                )
                % params
            )
        return (
            _(
                "Target attainment so far %(attainment)s%%; %(days)s left, "
                "%(remaining_share)s%% still to do, %(rate_share)s%% a day."
            )
            % params
        )
    if pace.direction is Direction.RANGE:
        return (
            _(
                "Now %(actual)s against a target range of %(target)s – %(target_max)s "
                "(attainment %(attainment)s%%); %(days)s left."
            )
            % params
        )
    return (
        _(
            "Now %(actual)s against a target of %(target)s (attainment %(attainment)s%%); "
            "%(days)s left."
        )
        % params
    )


def _need(pace: Pace) -> str | None:
    """What a level (latest, average) still needs, when something does."""
    if pace.phase is not Phase.RUNNING or not pace.remaining:
        return None
    params = {
        "remaining": _n(pace.remaining),
        "rate": _n(pace.required_rate),
        "level": _n(pace.required_level),
    }
    if pace.aggregation is Aggregation.LATEST and pace.required_rate is not None:
        if pace.direction is Direction.HIGHER:
            return _("The level needs to rise by %(remaining)s, %(rate)s a day.") % params
        if pace.direction is Direction.LOWER:
            return _("The level needs to fall by %(remaining)s, %(rate)s a day.") % params
        return _("The level needs to move by %(remaining)s to be within the range.") % params
    if pace.aggregation is Aggregation.AVERAGE and pace.required_level is not None:
        if pace.direction is Direction.HIGHER:
            return _("The rest of the period needs to average at least %(level)s.") % params
        if pace.direction is Direction.LOWER:
            return _("The rest of the period needs to average at most %(level)s.") % params
        return _("The rest of the period needs to average about %(level)s.") % params
    return None


def _forecast(pace: Pace) -> str | None:
    if pace.forecast is None or pace.phase is Phase.FINAL:
        return None
    params = {
        "forecast": _n(pace.forecast),
        "low": _n(pace.forecast_low),
        "high": _n(pace.forecast_high),
        "attainment": _n(pace.forecast_attainment),
    }
    if pace.forecast_low == pace.forecast_high:
        return (
            _("Forecast at the current pace: %(forecast)s, attainment %(attainment)s%%.") % params
        )
    return (
        _(
            "Forecast at the current pace: %(forecast)s (between %(low)s and %(high)s), "
            "attainment %(attainment)s%%."
        )
        % params
    )


def _status(pace: Pace) -> str:
    label = status_label(pace.status)
    if pace.pace_index is None:
        return _("Status: %(status)s.") % {"status": label}
    return _("Status: %(status)s (%(index)s%% of what is expected by now).") % {
        "status": label,
        "index": _n(pace.pace_index),
    }


def pace_sentences(pace: Pace) -> list[str]:
    """Headline, what is needed, forecast and status, as separate sentences."""
    sentences = [pace_summary(pace), _need(pace), _forecast(pace), _status(pace)]
    return [sentence for sentence in sentences if sentence]


# --- how was this computed --------------------------------------------------------------------


def explain_pace_step(step: Step) -> str:
    """One step of a pace computation as a translated sentence (other codes: pms.goals)."""
    if step.code not in PACE_STEP_SENTENCES:
        from pms.goals.rules import explain_step

        return explain_step(step)
    values = _tidy(step.values)
    aggregation = values.get("aggregation")
    sentence: Promise = PACE_STEP_SENTENCES[step.code]
    if step.code == "pace_period" and values.get("basis") == Basis.WORKING:
        sentence = _PERIOD_WORKING
    elif step.code == "pace_actual" and aggregation in _ACTUAL:
        sentence = _ACTUAL[aggregation]
    elif step.code == "pace_expected":
        ranged = "target_max" in values
        if aggregation == Aggregation.SUM:
            sentence = _EXPECTED_SUM_RANGE if ranged else _EXPECTED_SUM
        elif aggregation in _ACTUAL:
            sentence = _EXPECTED_LEVEL_RANGE if ranged else _EXPECTED_LEVEL
    elif step.code == "pace_remaining":
        sentence = _remaining_sentence(values)
    elif step.code == "pace_forecast" and values.get("method") in _FORECAST:
        sentence = _FORECAST[values["method"]]
    elif step.code == "pace_status":
        values["status"] = status_label(values.get("status", ""))
    return capfirst(_fill(sentence, values))


def _remaining_sentence(values: Mapping[str, str]) -> Promise:
    if values.get("days_left") in (None, "0"):
        return _REMAINING_OVER
    aggregation = values.get("aggregation")
    if aggregation == Aggregation.AVERAGE:
        return _REMAINING_AVERAGE
    if aggregation == Aggregation.LATEST:
        return _REMAINING_LEVEL
    if "remaining_share" not in values:  # a target of 0: no percent of it
        return PACE_STEP_SENTENCES["pace_remaining"]
    if values.get("direction") == Direction.LOWER:
        return _REMAINING_AVAILABLE
    return _REMAINING_TO_DO


def explain_pace(pace: Pace) -> list[str]:
    """ "How was this computed": one translated sentence per step."""
    return [explain_pace_step(step) for step in pace.steps]


def pace_error_message(error: ScoringError) -> str:
    """The translated message of a ``ScoringError`` raised while computing a pace."""
    message = PACE_ERROR_MESSAGES.get(error.code)
    if message is None:
        from pms.goals.rules import rule_error_message

        return rule_error_message(error)
    return capfirst(_fill(message, error.params))
