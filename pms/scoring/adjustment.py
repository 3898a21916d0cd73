"""How much a goal adjustment changes a goal, for the flexibility limit (default 15 %).

Goals may be adjusted during a period only within a limit, so a target cannot be quietly
lowered to fit the result. A change is measured relative to the old value; a goal added or
removed counts as a full (100 %) change. Ratios are rounded up to two decimals: a non-zero
change never shows as 0.00, and comparing the rounded ratio with a limit of at most two
decimals gives the same answer as comparing the exact ratio.
"""

from __future__ import annotations

from decimal import Decimal

from pms.scoring.decimals import HUNDRED, ZERO, q2_up, require_finite

__all__ = [
    "DEFAULT_LIMIT",
    "change_ratio",
    "weight_change_points",
    "weight_within_limit",
    "within_limit",
]

DEFAULT_LIMIT = Decimal(15)


def change_ratio(before: Decimal | None, after: Decimal | None) -> Decimal:
    """|after − before| / |before| × 100, rounded up to two decimals.

    Added (before None) or removed (after None): 100. Both None, or equal: 0. From 0 to
    anything else: 100, since no ratio exists and it is a new commitment.
    """
    if before is not None:
        require_finite(before, "before")
    if after is not None:
        require_finite(after, "after")
    if before is None and after is None:
        return q2_up(ZERO)
    if before is None or after is None:
        return q2_up(HUNDRED)
    if before == after:
        return q2_up(ZERO)
    if before == 0:
        return q2_up(HUNDRED)
    return q2_up(abs(after - before) / abs(before) * HUNDRED)


def within_limit(*, before: Decimal | None, after: Decimal | None, limit: Decimal) -> bool:
    return change_ratio(before, after) <= limit


def weight_change_points(before: Decimal | None, after: Decimal | None) -> Decimal:
    """The change in weight, in percentage points (None counts as weight 0)."""
    before = ZERO if before is None else require_finite(before, "before")
    after = ZERO if after is None else require_finite(after, "after")
    return q2_up(abs(after - before))


def weight_within_limit(*, before: Decimal | None, after: Decimal | None, limit: Decimal) -> bool:
    """Whether a weight moves by at most ``limit`` percentage points (15 → 30 → 45 fails)."""
    return weight_change_points(before, after) <= limit
