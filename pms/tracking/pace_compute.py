"""The bridge from stored goals and values to ``pms.scoring.pace``: plain inputs in, the
figures tracking stores out, with the whole ``Pace`` (inputs, figures, steps) as JSON so the
page can say how it came about without computing again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pms.scoring.attainment import Direction, attainment
from pms.scoring.calendar import WorkCalendar
from pms.scoring.errors import ScoringError
from pms.scoring.pace import Aggregation, Basis, Pace, PaceGoal, PaceStatus, Phase, pace
from pms.scoring.steps import Step

RULE = "pace/1"  # the method's version, stored with every explanation


@dataclass(frozen=True)
class PaceOutcome:
    status: str
    actual: Decimal | None = None
    attainment: Decimal | None = None
    expected: Decimal | None = None
    forecast: Decimal | None = None
    forecast_low: Decimal | None = None
    forecast_high: Decimal | None = None
    values: int = 0
    last_value_on: dt.date | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


def compute_pace(
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    target: Decimal | None,
    target_max: Decimal | None,
    baseline: Decimal | None,
    direction: str,
    aggregation: str,
    observations: Sequence[tuple[dt.date, dt.date, Decimal]],
    calendar: WorkCalendar,
    basis: str,
) -> PaceOutcome:
    """Observations are ``(start, end, value)`` spans; a span still running counts up to
    ``as_of`` (a month's value so far), one not yet begun does not count."""
    dated = [(min(e, as_of), v) for s, e, v in observations if s <= as_of]
    last = max((e for s, e, _v in observations if s <= as_of), default=None)
    if target is None:
        return PaceOutcome(
            status=PaceStatus.NO_DATA,
            values=len(dated),
            last_value_on=last,
            explanation={"rule": RULE, "error": "no_target"},
        )
    goal = PaceGoal(
        start=start,
        end=end,
        target=target,
        direction=Direction(direction),
        aggregation=Aggregation(aggregation),
        observations=dated,
        target_max=target_max,
        baseline=baseline,
        basis=Basis(basis),
    )
    try:
        result = pace(goal, as_of=as_of, calendar=calendar)
    except ScoringError as error:
        return PaceOutcome(
            status=PaceStatus.NO_DATA,
            values=len(dated),
            last_value_on=last,
            explanation={"rule": RULE, "error": error.code, "params": dict(error.params)},
        )
    low, high = _forecast_range(result, target=target, target_max=target_max, baseline=baseline)
    return PaceOutcome(
        status=result.status,
        actual=result.actual_to_date,
        attainment=result.attainment_to_date,
        expected=result.expected_attainment,
        forecast=result.forecast_attainment,
        forecast_low=low,
        forecast_high=high,
        values=result.observations,
        last_value_on=last,
        explanation={"rule": RULE, "pace": pace_to_json(result)},
    )


def _forecast_range(
    result: Pace, *, target: Decimal, target_max: Decimal | None, baseline: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The forecast range as attainment, worst first (for lower-is-better the high value is
    the worse one)."""
    if result.forecast_low is None or result.forecast_high is None:
        return None, None
    try:
        ends = sorted(
            attainment(
                actual=value,
                target=target,
                direction=result.direction,
                target_max=target_max,
                baseline=baseline,
            )
            for value in (result.forecast_low, result.forecast_high)
        )
    except ScoringError:
        return None, None
    return ends[0], ends[1]


# --- the stored form ---------------------------------------------------------------------

_DECIMAL = {f.name for f in dataclasses.fields(Pace) if "Decimal" in str(f.type)}
_DATE = {"start", "end", "as_of"}
_ENUMS: dict[str, Any] = {
    "phase": Phase,
    "status": PaceStatus,
    "direction": Direction,
    "aggregation": Aggregation,
    "basis": Basis,
}


def pace_to_json(result: Pace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in dataclasses.fields(Pace):
        value = getattr(result, item.name)
        if item.name == "steps":
            data["steps"] = [{"code": s.code, "values": dict(s.values)} for s in value]
        elif isinstance(value, Decimal | dt.date):
            data[item.name] = str(value)
        else:
            data[item.name] = value if not isinstance(value, str) else str(value)
    return data


def pace_from_json(data: dict[str, Any]) -> Pace | None:
    """The stored ``Pace`` back, or None when the explanation is not one (an error, an
    older method)."""
    try:
        values: dict[str, Any] = {}
        for item in dataclasses.fields(Pace):
            raw = data[item.name]
            if item.name == "steps":
                values["steps"] = tuple(Step(s["code"], dict(s["values"])) for s in raw)
            elif raw is None:
                values[item.name] = None
            elif item.name in _DATE:
                values[item.name] = dt.date.fromisoformat(raw)
            elif item.name in _ENUMS:
                values[item.name] = _ENUMS[item.name](raw)
            elif item.name in _DECIMAL:
                values[item.name] = Decimal(raw)
            else:
                values[item.name] = raw
        return Pace(**values)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None
