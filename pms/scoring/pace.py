"""Progress and pace of a measured goal during its period (过程监控: "本月目标完成率60%，剩余10天需
完成40%，日均4%").

Given the period, the target and the values recorded so far, ``pace`` answers: how far is
the goal (attainment to date), how far should it be by now, what is left and how much per
day that means, where does the current rate lead by the period's end (with a range), and
is it on track. All numbers are Decimals rounded half-up to two places at the end (the
elapsed share to four); ``Pace.steps`` explains them with codes the Django layer words.

Time. Days are counted on a ``basis``: calendar days, or working days of a
``WorkCalendar`` (weekends, holidays, make-up days). Both ends of the period are included
and the ``as_of`` day counts as elapsed ("剩余10天" on day 20 of a 30-day month). An
``as_of`` after the end is clamped to the end: the result is final. When the period has
no working day at all, calendar days are used instead (a ``pace_basis_fallback`` step).
Observations dated before the start or after ``as_of`` are not counted.

Aggregation of the observations (date, value):

SUM — values accumulate (sales, cost, defects): each value is what one interval brought.
    The actual is their sum; by now the target pro-rated by the elapsed share is expected
    (a baseline is pro-rated alike). The pace index is the attainment of the actual against
    that pro-rated target under the goal's own attainment rules, so lower-is-better works
    as it should: being under the pro-rated budget scores ≥ 100. Remaining is the target
    minus the actual (for lower-is-better: the budget still available, for a range: what
    is missing to the lower bound), never below 0.
    Forecast: the average rate so far carried to the end, ``actual + actual / elapsed ×
    left``. Range: the same if the rest of the period went one (sample) standard deviation
    of the interval rates slower or faster, ``± σ × left``; an interval runs from the day
    after the previous observation (or the start) to the observation's date, so uneven
    reporting (daily, weekly) does not distort the rates. With all values ≥ 0 the low end
    is never below the actual (what is done stays done). One interval: no spread.
LATEST — the latest value is the level (satisfaction rate, headcount). Expected by now is
    the target level itself (100 %), so the pace index is the level's attainment.
    Forecast: the least-squares trend of the levels continued from the latest level, but
    no further ahead than the observations reach back (two points a week apart say little
    about the next three months); the range spans holding the latest level and following
    the trend. One observation date: the level holds.
AVERAGE — the mean of the values is the level (average handling time). Expected as for
    LATEST. ``required_level`` is what the rest of the period must average to end on the
    target. Forecast: the mean; range: the rest of the period averaging one standard
    deviation below or above it, i.e. ``mean ± σ × left / total``.

Status: ``not_started`` while no day (on the basis) has elapsed; ``no_data`` without an
observation; else ``on_track`` when the pace index reaches ``Thresholds.on_track`` (95) or
the forecast's attainment reaches 100, ``at_risk`` when the pace index reaches
``Thresholds.at_risk`` (80), ``off_track`` below. More actual (less, when lower is
better) never worsens the status.

Invalid goals raise ``ScoringError`` whatever ``as_of`` is: an inverted period
(``period_inverted``), a zero target with no baseline when higher is better
(``zero_target``), a range without or with an inverted upper bound, unknown enum values,
non-finite numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from operator import itemgetter
from typing import TypeVar

from pms.scoring.attainment import Direction, attainment, explain_attainment
from pms.scoring.calendar import WorkCalendar, calendar_days
from pms.scoring.decimals import HUNDRED, ZERO, plain, quantize, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_THRESHOLDS",
    "STATUS_RANK",
    "Aggregation",
    "Basis",
    "Pace",
    "PaceGoal",
    "PaceStatus",
    "Phase",
    "Thresholds",
    "pace",
    "pace_many",
]


class Aggregation(StrEnum):
    SUM = "sum"  # values accumulate over the period (sales, cost)
    LATEST = "latest"  # the latest value is the level (satisfaction rate)
    AVERAGE = "average"  # the mean of the values is the level


class Basis(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class Phase(StrEnum):
    BEFORE = "before"  # as_of is before the period starts
    RUNNING = "running"
    FINAL = "final"  # as_of is on or after the last day


class PaceStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"  # the period runs but nothing is recorded yet
    NOT_STARTED = "not_started"  # no day of the period has elapsed: nothing is due yet


# Boards list the goals that need attention first.
STATUS_RANK: dict[PaceStatus, int] = {
    PaceStatus.OFF_TRACK: 0,
    PaceStatus.AT_RISK: 1,
    PaceStatus.NO_DATA: 2,
    PaceStatus.ON_TRACK: 3,
    PaceStatus.NOT_STARTED: 4,
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Pace index (percent of what is expected by now) from which a goal is on track or at
    risk."""

    on_track: Decimal = Decimal(95)
    at_risk: Decimal = Decimal(80)

    def __post_init__(self) -> None:
        require_finite(self.on_track, "on_track")
        require_finite(self.at_risk, "at_risk")
        if self.at_risk < 0:
            raise ScoringError("negative", {"field": "at_risk"})
        if self.at_risk > self.on_track:
            raise ScoringError(
                "thresholds_inverted",
                {"on_track": plain(self.on_track), "at_risk": plain(self.at_risk)},
            )


DEFAULT_THRESHOLDS = Thresholds()
DEFAULT_CALENDAR = WorkCalendar()


@dataclass(frozen=True, slots=True)
class PaceGoal:
    """A measured goal over its period, with the values recorded so far.

    ``observations`` are ``(date, value)`` pairs in any order; with ``latest`` the last one
    given wins among several on the same date. ``thresholds`` overrides the caller's.
    """

    start: date
    end: date
    target: Decimal
    direction: Direction = Direction.HIGHER
    aggregation: Aggregation = Aggregation.SUM
    observations: Sequence[tuple[date, Decimal]] = ()
    target_max: Decimal | None = None
    baseline: Decimal | None = None
    basis: Basis = Basis.CALENDAR
    thresholds: Thresholds | None = None


@dataclass(frozen=True, slots=True)
class Pace:
    """Where a goal stands on ``as_of``. Percentages are in percent (60 = 60 %); amounts are
    in the goal's unit; "days" are calendar or working days as ``basis`` says; None means
    "does not apply here" (no observation yet, nothing left, before the start)."""

    start: date
    end: date
    as_of: date  # clamped into the period's end
    phase: Phase
    status: PaceStatus
    direction: Direction
    aggregation: Aggregation
    basis: Basis  # the basis actually used (calendar after a fallback)
    target: Decimal
    target_max: Decimal | None
    days_total: int
    days_elapsed: int  # including as_of
    days_left: int  # after as_of
    elapsed_share: Decimal  # days_elapsed / days_total, 0..1, four places
    observations: int  # how many were counted
    actual_to_date: Decimal | None  # the aggregated actual (sum, latest level or mean)
    attainment_to_date: Decimal | None  # attainment rules, actual vs the whole target
    progress: Decimal | None  # SUM only: actual as % of the target (of the budget, lower)
    expected_to_date: Decimal  # SUM: pro-rated target; levels: the target
    expected_attainment: Decimal  # attainment of expected_to_date (SUM higher: the share)
    pace_index: Decimal | None  # attainment of the actual vs expected_to_date; 100 = on pace
    remaining: Decimal | None  # to do (higher), still available (lower, SUM), level gap
    remaining_share: Decimal | None  # remaining as % of |target|
    required_rate: Decimal | None  # remaining per day left (SUM, LATEST)
    required_share_rate: Decimal | None  # remaining_share per day left ("日均4%")
    required_level: Decimal | None  # AVERAGE: what the rest of the period must average
    forecast: Decimal | None  # value at the period end at the current rate
    forecast_low: Decimal | None
    forecast_high: Decimal | None
    forecast_attainment: Decimal | None  # attainment rules, forecast vs the target
    steps: tuple[Step, ...]


# (start, end, as_of, basis) → (basis used, days in period, days elapsed)
Clock = Callable[[date, date, date, Basis], tuple[Basis, int, int]]

_E = TypeVar("_E", Direction, Aggregation, Basis)
_SHARE_PLACES = 4
_CENT = Decimal("0.01")
_FULL = Decimal("100.00")  # a level at its target


def pace(
    goal: PaceGoal,
    *,
    as_of: date,
    calendar: WorkCalendar | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    explain: bool = True,
) -> Pace:
    """The pace of one goal on ``as_of`` (see the module docstring); ``explain=False`` skips
    building the steps."""
    workdays = calendar or DEFAULT_CALENDAR

    def clock(start: date, end: date, as_of: date, basis: Basis) -> tuple[Basis, int, int]:
        return _clock(workdays, start, end, as_of, basis)

    return _pace(
        goal, as_of=as_of, workdays=workdays, thresholds=thresholds, explain=explain, clock=clock
    )


def pace_many(
    goals: Iterable[PaceGoal],
    *,
    as_of: date,
    calendar: WorkCalendar | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    explain: bool = False,
) -> Iterator[Pace | ScoringError]:
    """``pace`` for each goal, in order, lazily: a board over a whole company.

    A goal that cannot be computed yields its ``ScoringError`` instead of stopping the
    rest. Day counts are shared between goals with the same period, and steps are skipped
    unless asked for.
    """
    workdays = calendar or DEFAULT_CALENDAR
    counted: dict[tuple[date, date, date, Basis], tuple[Basis, int, int]] = {}

    def clock(start: date, end: date, as_of: date, basis: Basis) -> tuple[Basis, int, int]:
        key = (start, end, as_of, basis)
        found = counted.get(key)
        if found is None:
            if len(counted) > 10_000:  # periods are few; bound the memory anyway
                counted.clear()
            found = counted[key] = _clock(workdays, start, end, as_of, basis)
        return found

    for goal in goals:
        try:
            yield _pace(
                goal,
                as_of=as_of,
                workdays=workdays,
                thresholds=thresholds,
                explain=explain,
                clock=clock,
            )
        except ScoringError as error:
            yield error


# --- the computation --------------------------------------------------------------------------


def _clock(
    workdays: WorkCalendar, start: date, end: date, as_of: date, basis: Basis
) -> tuple[Basis, int, int]:
    if basis is Basis.WORKING:
        total = workdays.working_days(start, end)
        if total > 0:
            return basis, total, workdays.working_days(start, min(as_of, end))
        basis = Basis.CALENDAR
    return basis, calendar_days(start, end), calendar_days(start, min(as_of, end))


def _enum(kind: type[_E], value: str, code: str) -> _E:
    if type(value) is kind:
        return value
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        # one literal code per call site keeps test_codes able to read them
        if code == "unknown_direction":
            raise ScoringError(
                "unknown_direction", {"direction": str(value), "directions": choices}
            ) from None
        if code == "unknown_aggregation":
            raise ScoringError(
                "unknown_aggregation", {"aggregation": str(value), "aggregations": choices}
            ) from None
        raise ScoringError("unknown_basis", {"basis": str(value), "bases": choices}) from None


def _pace(
    goal: PaceGoal,
    *,
    as_of: date,
    workdays: WorkCalendar,
    thresholds: Thresholds,
    explain: bool,
    clock: Clock,
) -> Pace:
    direction = _enum(Direction, goal.direction, "unknown_direction")
    aggregation = _enum(Aggregation, goal.aggregation, "unknown_aggregation")
    basis = _enum(Basis, goal.basis, "unknown_basis")
    start, end = goal.start, goal.end
    if end < start:
        raise ScoringError("period_inverted", {"start": start.isoformat(), "end": end.isoformat()})
    target, target_max, baseline = goal.target, goal.target_max, goal.baseline
    # Refuses what attainment refuses (zero target, range bounds, NaN) whatever the date.
    explain_attainment(
        actual=target,
        target=target,
        direction=direction,
        target_max=target_max,
        baseline=baseline,
    )
    limits = goal.thresholds or thresholds
    steps: list[Step] = []

    def rate(actual: Decimal, of: Decimal, of_max: Decimal | None, base: Decimal | None) -> Decimal:
        return attainment(
            actual=actual, target=of, direction=direction, target_max=of_max, baseline=base
        )

    # --- time
    phase = Phase.BEFORE if as_of < start else Phase.FINAL if as_of >= end else Phase.RUNNING
    as_of = min(as_of, end)
    used_basis, total, elapsed = clock(start, end, as_of, basis)  # elapsed 0 before the start
    left = total - elapsed
    share = Decimal(elapsed) / Decimal(total)
    if explain:
        if used_basis is not basis:
            steps.append(Step("pace_basis_fallback", {"start": _iso(start), "end": _iso(end)}))
        steps.append(
            Step(
                "pace_period",
                {
                    "start": _iso(start),
                    "end": _iso(end),
                    "as_of": _iso(as_of),
                    "phase": phase.value,
                    "basis": used_basis.value,
                    "days_total": str(total),
                    "days_elapsed": str(elapsed),
                    "days_left": str(left),
                    "share": plain(_q2(share * HUNDRED)),
                },
            )
        )

    # --- the actual so far
    # every value is checked, counted or not, so a bad value fails whatever the date
    used = sorted(
        (
            (day, value)
            for day, value in goal.observations
            if require_finite(value, "value") is not None and start <= day <= as_of
        ),
        key=itemgetter(0),
    )
    values = [value for _day, value in used]
    actual: Decimal | None = None
    if values:
        if aggregation is Aggregation.SUM:
            actual = sum(values, ZERO)
        elif aggregation is Aggregation.LATEST:
            actual = values[-1]
        else:
            actual = sum(values, ZERO) / len(values)
    attained: Decimal | None = None
    if actual is not None:
        if explain:
            steps.append(
                Step(
                    "pace_actual",
                    {
                        "aggregation": aggregation.value,
                        "count": str(len(values)),
                        "result": plain(_q2(actual)),
                        "latest": _iso(used[-1][0]),
                    },
                )
            )
            attained, step = explain_attainment(
                actual=actual,
                target=target,
                direction=direction,
                target_max=target_max,
                baseline=baseline,
            )
            steps.append(step)
        else:
            attained = rate(actual, target, target_max, baseline)
    elif explain and phase is not Phase.BEFORE:
        steps.append(Step("pace_no_data", {"aggregation": aggregation.value}))

    # --- expected by now, and the pace index
    summed = aggregation is Aggregation.SUM
    if summed:
        expected = target * share
        expected_max = None if target_max is None else target_max * share
        expected_base = None if baseline is None else baseline * share
    else:
        expected, expected_max, expected_base = target, target_max, baseline
    # a level at its target attains 100 under every rule
    expected_attained = rate(expected, target, target_max, baseline) if summed else _FULL
    index: Decimal | None = None
    if actual is not None and elapsed > 0:
        index = rate(actual, expected, expected_max, expected_base) if summed else attained
    progress = None
    if summed and actual is not None and target > 0:
        progress = _q2(actual / target * HUNDRED)
    if explain and elapsed > 0:
        values_expected = {
            "aggregation": aggregation.value,
            "target": plain(target),
            "share": plain(_q2(share * HUNDRED)),
            "expected": plain(_q2(expected)),
            "expected_attainment": plain(expected_attained),
        }
        if target_max is not None:
            values_expected["target_max"] = plain(target_max)
            values_expected["expected_max"] = plain(
                _q2(expected if expected_max is None else expected_max)
            )
        steps.append(Step("pace_expected", values_expected))
        if index is not None and actual is not None:
            steps.append(
                Step(
                    "pace_index",
                    {
                        "actual": plain(_q2(actual)),
                        "expected": plain(_q2(expected)),
                        "result": plain(index),
                    },
                )
            )

    # --- what is left, and per day
    remaining = remaining_share = required = required_share = level = None
    gap_to: Decimal | None = None  # the bound the level has to reach (levels only)
    if summed:
        remaining = max(target - (actual or ZERO), ZERO)
    elif actual is not None:
        gap_to = _bound(direction, actual, target, target_max)
        if gap_to is None:  # inside the range
            remaining = ZERO
        elif direction is Direction.HIGHER:
            remaining = max(gap_to - actual, ZERO)
        elif direction is Direction.LOWER:
            remaining = max(actual - gap_to, ZERO)
        else:
            remaining = abs(gap_to - actual)
    if remaining is not None:
        if target != 0:
            remaining_share = remaining / abs(target) * HUNDRED
        if left > 0 and aggregation is not Aggregation.AVERAGE:
            required = remaining / left
            if remaining_share is not None:
                required_share = remaining_share / left
    if (
        aggregation is Aggregation.AVERAGE
        and actual is not None
        and left > 0
        and elapsed > 0
        and gap_to is not None
    ):
        level = (gap_to * total - actual * elapsed) / left
    if explain and remaining is not None:
        values_left = {
            "aggregation": aggregation.value,
            "direction": direction.value,
            "remaining": plain(_q2(remaining)),
            "days_left": str(left),
        }
        _put(values_left, "remaining_share", remaining_share)
        _put(values_left, "required_rate", required)
        _put(values_left, "required_share_rate", required_share)
        _put(values_left, "required_level", level)
        steps.append(Step("pace_remaining", values_left))

    # --- forecast
    forecast = low = high = forecast_attained = None
    if actual is not None and elapsed > 0:
        if left == 0:
            method, forecast, low, high = "final", actual, actual, actual
        elif aggregation is Aggregation.SUM:
            method = "rate"
            forecast = actual + actual / elapsed * left
            spread = _deviation(_interval_rates(used, start, used_basis, workdays)) * left
            low, high = forecast - spread, forecast + spread
            if min(values) >= 0:
                low = max(low, actual)
        elif aggregation is Aggregation.LATEST:
            method, forecast = _trend(used, start, used_basis, workdays, left)
            low, high = min(actual, forecast), max(actual, forecast)
        else:
            method = "mean"
            forecast = actual
            spread = _deviation(values) * left / total
            low, high = actual - spread, actual + spread
        forecast_attained = rate(forecast, target, target_max, baseline)
        if explain:
            steps.append(
                Step(
                    "pace_forecast",
                    {
                        "method": method,
                        "result": plain(_q2(forecast)),
                        "low": plain(_q2(low)),
                        "high": plain(_q2(high)),
                        "attainment": plain(forecast_attained),
                    },
                )
            )

    # --- status
    if elapsed == 0:
        status = PaceStatus.NOT_STARTED
    elif index is None:
        status = PaceStatus.NO_DATA
    elif index >= limits.on_track or (
        forecast_attained is not None and forecast_attained >= HUNDRED
    ):
        status = PaceStatus.ON_TRACK
    elif index >= limits.at_risk:
        status = PaceStatus.AT_RISK
    else:
        status = PaceStatus.OFF_TRACK
    if explain:
        values_status = {
            "status": status.value,
            "on_track": plain(limits.on_track),
            "at_risk": plain(limits.at_risk),
        }
        _put(values_status, "pace_index", index)
        _put(values_status, "forecast_attainment", forecast_attained)
        steps.append(Step("pace_status", values_status))

    return Pace(
        start=start,
        end=end,
        as_of=as_of,
        phase=phase,
        status=status,
        direction=direction,
        aggregation=aggregation,
        basis=used_basis,
        target=target,
        target_max=target_max,
        days_total=total,
        days_elapsed=elapsed,
        days_left=left,
        elapsed_share=quantize(share, _SHARE_PLACES),
        observations=len(values),
        actual_to_date=_q(actual),
        attainment_to_date=attained,
        progress=progress,
        expected_to_date=_q2(expected),
        expected_attainment=expected_attained,
        pace_index=index,
        remaining=_q(remaining),
        remaining_share=_q(remaining_share),
        required_rate=_q(required),
        required_share_rate=_q(required_share),
        required_level=_q(level),
        forecast=_q(forecast),
        forecast_low=_q(low),
        forecast_high=_q(high),
        forecast_attainment=forecast_attained,
        steps=tuple(steps),
    )


def _bound(
    direction: Direction, actual: Decimal, target: Decimal, target_max: Decimal | None
) -> Decimal | None:
    """The level to reach: the target, or for a range the bound it is outside of."""
    if direction is not Direction.RANGE or target_max is None:
        return target
    if actual < target:
        return target
    if actual > target_max:
        return target_max
    return None


def _units(day: date, start: date, basis: Basis, workdays: WorkCalendar) -> int:
    """Days from the start through ``day`` on the basis."""
    if basis is Basis.WORKING:
        return workdays.working_days(start, day)
    return (day - start).days + 1


def _interval_rates(
    used: Sequence[tuple[date, Decimal]], start: date, basis: Basis, workdays: WorkCalendar
) -> list[Decimal]:
    """Per-day rate of each reporting interval (see the module docstring). A value dated on
    a day that adds no working day joins the next interval (or the last one)."""
    rates: list[Decimal] = []
    before = 0
    pending = ZERO
    last: tuple[Decimal, int] | None = None
    for day, value in used:
        pending += value
        through = _units(day, start, basis, workdays)
        if through > before:
            last = (pending, through - before)
            rates.append(pending / (through - before))
            pending, before = ZERO, through
    if pending and last is not None:
        rates[-1] = (last[0] + pending) / last[1]
    return rates


def _deviation(numbers: Sequence[Decimal]) -> Decimal:
    """Sample standard deviation; 0 for fewer than two numbers."""
    count = len(numbers)
    if count < 2:
        return ZERO
    mean = sum(numbers, ZERO) / count
    variance = sum(((number - mean) ** 2 for number in numbers), ZERO) / (count - 1)
    return variance.sqrt()


def _trend(
    used: Sequence[tuple[date, Decimal]],
    start: date,
    basis: Basis,
    workdays: WorkCalendar,
    left: int,
) -> tuple[str, Decimal]:
    """The latest level moved along the least-squares slope, no further ahead than the
    observations reach back."""
    latest = used[-1][1]
    xs = [Decimal(_units(day, start, basis, workdays)) for day, _value in used]
    span = xs[-1] - xs[0]
    if span <= 0:
        return "level", latest
    count = len(xs)
    mean_x = sum(xs, ZERO) / count
    mean_y = sum((value for _day, value in used), ZERO) / count
    spread_x = sum(((x - mean_x) ** 2 for x in xs), ZERO)
    slope = (
        sum(
            ((x - mean_x) * (value - mean_y) for x, (_day, value) in zip(xs, used, strict=True)),
            ZERO,
        )
        / spread_x
    )
    return "trend", latest + slope * min(Decimal(left), span)


def _q2(value: Decimal) -> Decimal:
    """``decimals.q2`` without building a context for every number: a board rounds
    millions of them. Values too long for the default context take the careful way."""
    try:
        return value.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return quantize(value, 2)


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else _q2(value)


def _put(values: dict[str, str], key: str, value: Decimal | None) -> None:
    if value is not None:
        values[key] = plain(_q2(value))


def _iso(day: date) -> str:
    return day.isoformat()
