"""The SMART checker in words: ``pms.scoring.smart.check_goal`` findings as translated
sentences, for a goal being written (form data) or one already saved.

Findings are advice while a goal is written; they never block saving. What must hold
before a scorecard goes to the manager (weights totalling 100 %, targets present) is
checked by ``scorecard_problems`` at submission.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.goals.models import Goal, GoalKind, Period
from pms.scoring.attainment import Direction
from pms.scoring.smart import Finding, GoalDraft, Severity, check_goal

__all__ = ["FINDING_MESSAGES", "SmartFinding", "finding_message", "findings_for_goal"]

# One sentence per code of ``pms.scoring.smart.FINDING_CODES`` (a test checks none is missing).
FINDING_MESSAGES: dict[str, Promise] = {
    "title_too_short": _(
        "The goal is only %(length)s characters long; say what is to be achieved "
        "(at least %(min)s characters)."
    ),
    "vague_verb": _(
        "“%(words)s” without a number is vague: say by how much and by when, "
        "e.g. “raise the renewal rate from 80%% to 90%% by 30 June”."
    ),
    "no_metric": _("Name the metric this goal is measured by."),
    "no_target": _("Give a target value, so that attainment can be measured."),
    "range_incomplete": _(
        "A target within a range needs an upper target that is not below the target."
    ),
    "target_below_baseline": _(
        "The target %(target)s is no improvement on the baseline %(baseline)s; "
        "check the direction or the numbers."
    ),
    "no_deadline": _("Give a due date: when must this be done?"),
    "deadline_after_period": _(
        "The due date %(due)s is after the end of the period (%(period_end)s)."
    ),
    "no_completion_standard": _(
        "Say what counts as done (completion standard), e.g. “3 rounds of user tests and "
        "a bug rate ≤ 0.3%%”."
    ),
    "weight_out_of_range": _(
        "A weight of %(weight)s%% is outside the usual %(min)s–%(max)s%% for one goal."
    ),
}


@dataclass(frozen=True)
class SmartFinding:
    code: str
    severity: str
    message: str

    @property
    def is_warning(self) -> bool:
        return self.severity == Severity.WARNING


def finding_message(finding: Finding) -> str:
    """The translated sentence of one finding; an unknown code shows as itself."""
    message = FINDING_MESSAGES.get(finding.code)
    if message is None:
        return finding.code
    values: defaultdict[str, str] = defaultdict(str, finding.params)
    return str(message) % values


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _draft_from_data(data: Mapping[str, Any], period: Period) -> GoalDraft:
    kind = _text(data.get("kind")) or GoalKind.KPI
    if kind not in GoalKind.values:
        kind = GoalKind.KPI
    direction = _text(data.get("direction")) or Direction.HIGHER
    if direction not in {d.value for d in Direction}:
        direction = Direction.HIGHER
    # a key result's weight is its share within the objective, not of the scorecard
    weight = None if kind == GoalKind.KEY_RESULT else _decimal(data.get("weight"))
    return GoalDraft(
        title=_text(data.get("title")),
        description=_text(data.get("description")),
        kind=kind,
        metric=_text(data.get("metric")),
        unit=_text(data.get("unit")),
        target=_decimal(data.get("target")),
        target_max=_decimal(data.get("target_max")),
        baseline=_decimal(data.get("baseline")),
        direction=Direction(direction),
        due_date=_date(data.get("due_date")),
        completion_standard=_text(data.get("completion_standard")),
        weight=weight,
        period_end=period.end,
    )


def _data_from_goal(goal: Goal) -> dict[str, Any]:
    return {
        name: getattr(goal, name)
        for name in (
            "title",
            "description",
            "kind",
            "metric",
            "unit",
            "target",
            "target_max",
            "baseline",
            "direction",
            "due_date",
            "completion_standard",
            "weight",
        )
    }


def findings_for_goal(
    goal_or_form_data: Goal | Mapping[str, Any], period: Period
) -> list[SmartFinding]:
    """The SMART findings for a saved goal or for what a goal form holds right now (raw
    strings are read leniently: a number being typed that does not parse yet counts as
    missing)."""
    if isinstance(goal_or_form_data, Goal):
        data: Mapping[str, Any] = _data_from_goal(goal_or_form_data)
    else:
        data = goal_or_form_data
    draft = _draft_from_data(data, period)
    return [
        SmartFinding(code=f.code, severity=str(f.severity), message=finding_message(f))
        for f in check_goal(draft)
    ]
