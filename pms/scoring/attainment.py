"""Attainment: how far a measured goal's actual value reaches its target, in percent.

100 means the target is met. Attainment is not capped here — caps belong to the scoring
rule (e.g. linear 0–120 %) — but it is never negative and always has two decimals
(half-up), so the same inputs give the same digits on every page and in every export.

The rules, by direction:

HIGHER (higher is better, e.g. sales)
    With a baseline different from the target: growth from the baseline,
    ``(actual − baseline) / (target − baseline) × 100`` — reaching the baseline is 0 %,
    reaching the target 100 %. Otherwise ``actual / target × 100``. A target of 0 has no
    meaningful ratio and raises ``ScoringError("zero_target")``. A negative target (a loss
    to shrink) uses ``(1 + (actual − target) / |target|) × 100``, which equals the plain
    ratio for positive targets and still rises with the actual value.

LOWER (lower is better, e.g. cost, defects)
    ``target / actual × 100``, bounded at ``LOWER_CEILING`` (200 %): the ratio explodes as
    the actual value nears 0, and an actual of 0 or below (nothing went wrong) scores the
    ceiling, so attainment never falls as the actual value falls. A target of 0 ("zero
    incidents"): an actual of 0 or below is 100 %, anything above costs 100 points per unit
    (``100 − actual × 100``, so one whole unit is already 0 %). A negative target uses the
    mirror of the higher rule, ``(1 + (target − actual) / |target|) × 100``, also ≤ 200 %.
    The baseline is not used.

RANGE (within bounds, e.g. a staff turnover of 5–8 %)
    ``target`` is the lower bound and ``target_max`` (required) the upper bound, both
    inclusive. Inside: 100 %. Outside: ``100 × (1 − distance / reference)`` where distance
    is from the nearest bound and reference is ``max(|that bound|, 1)`` — so missing a
    lower bound of 90 by 9 gives 90 %, like the higher ratio 81/90 would. The baseline is
    not used.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pms.scoring.decimals import HUNDRED, ZERO, plain, q2, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "LOWER_CEILING",
    "Direction",
    "ScoringError",
    "attainment",
    "explain_attainment",
]

LOWER_CEILING = Decimal(200)
_ONE = Decimal(1)


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"


def attainment(
    *,
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    target_max: Decimal | None = None,
    baseline: Decimal | None = None,
) -> Decimal:
    """Attainment in percent, ≥ 0, two decimals, not capped (see the module docstring)."""
    result, _step = explain_attainment(
        actual=actual,
        target=target,
        direction=direction,
        target_max=target_max,
        baseline=baseline,
    )
    return result


def explain_attainment(
    *,
    actual: Decimal,
    target: Decimal,
    direction: Direction,
    target_max: Decimal | None = None,
    baseline: Decimal | None = None,
) -> tuple[Decimal, Step]:
    """Attainment and the ``attainment`` step that explains it (with the method used)."""
    if not (actual.is_finite() and target.is_finite()):
        require_finite(actual, "actual")
        require_finite(target, "target")
    if target_max is not None:
        require_finite(target_max, "target_max")
    if baseline is not None:
        require_finite(baseline, "baseline")
    if direction.__class__ is not Direction:
        direction = Direction(direction)

    if direction is Direction.HIGHER:
        method, raw = _higher(actual, target, baseline)
    elif direction is Direction.LOWER:
        method, raw = _lower(actual, target)
    else:
        method, raw = _range(actual, target, target_max)
    result = q2(max(raw, ZERO))

    values = {
        "method": method,
        "direction": direction.value,
        "actual": plain(actual),
        "target": plain(target),
    }
    if target_max is not None:
        values["target_max"] = plain(target_max)
    if baseline is not None:
        values["baseline"] = plain(baseline)
    values["result"] = plain(result)
    return result, Step("attainment", values)


def _higher(actual: Decimal, target: Decimal, baseline: Decimal | None) -> tuple[str, Decimal]:
    if baseline is not None and target != baseline:
        return "growth", (actual - baseline) / (target - baseline) * HUNDRED
    if target == 0:
        raise ScoringError("zero_target")
    if target > 0:
        return "ratio", actual / target * HUNDRED
    return "signed_ratio", (_ONE + (actual - target) / abs(target)) * HUNDRED


def _lower(actual: Decimal, target: Decimal) -> tuple[str, Decimal]:
    if target > 0:
        if actual <= 0:
            return "inverse_ratio", LOWER_CEILING
        return "inverse_ratio", min(LOWER_CEILING, target / actual * HUNDRED)
    if target == 0:
        if actual <= 0:
            return "zero_target", HUNDRED
        return "zero_target", HUNDRED - actual * HUNDRED
    return "inverse_signed", min(LOWER_CEILING, (_ONE + (target - actual) / abs(target)) * HUNDRED)


def _range(actual: Decimal, low: Decimal, high: Decimal | None) -> tuple[str, Decimal]:
    if high is None:
        raise ScoringError("missing_target_max", {"field": "target_max"})
    if high < low:
        raise ScoringError("range_inverted", {"target": plain(low), "target_max": plain(high)})
    if actual < low:
        return "range_below", HUNDRED * (_ONE - (low - actual) / max(abs(low), _ONE))
    if actual > high:
        return "range_above", HUNDRED * (_ONE - (actual - high) / max(abs(high), _ONE))
    return "range_inside", HUNDRED
