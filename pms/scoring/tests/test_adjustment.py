"""The flexibility limit for goal adjustments: change ratios and weight points."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given

from pms.scoring.adjustment import (
    DEFAULT_LIMIT,
    change_ratio,
    weight_change_points,
    weight_within_limit,
    within_limit,
)
from pms.scoring.tests.strategies import PROPERTY, money

LIMIT = DEFAULT_LIMIT


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("100", "115", Decimal(15)),
        ("100", "85", Decimal(15)),
        ("100", "100", Decimal(0)),
        ("0", "0", Decimal(0)),
        ("0", "5", Decimal(100)),  # from nothing: a new commitment
        ("-20", "-10", Decimal(50)),
        ("3", "3.001", Decimal("0.04")),  # 0.0333… rounds up, never shows as 0.00
        ("100", "300", Decimal(200)),
        (None, "100", Decimal(100)),  # goal added
        ("100", None, Decimal(100)),  # goal removed
        (None, None, Decimal(0)),
    ],
)
def test_change_ratio(before: str | None, after: str | None, expected: Decimal) -> None:
    value = change_ratio(
        None if before is None else Decimal(before), None if after is None else Decimal(after)
    )
    assert value == expected
    assert value.as_tuple().exponent == -2


def test_within_the_default_15_percent() -> None:
    assert within_limit(before=Decimal(100), after=Decimal(115), limit=LIMIT)
    assert not within_limit(before=Decimal(100), after=Decimal("115.01"), limit=LIMIT)
    assert not within_limit(before=Decimal(100), after=Decimal("115.001"), limit=LIMIT)
    assert not within_limit(before=None, after=Decimal(1), limit=LIMIT)


def test_weight_changes_are_measured_in_points() -> None:
    assert weight_change_points(Decimal(20), Decimal(30)) == Decimal(10)
    assert weight_change_points(None, Decimal(15)) == Decimal(15)
    assert weight_change_points(Decimal(15), None) == Decimal(15)
    assert weight_within_limit(before=Decimal(15), after=Decimal(30), limit=LIMIT)
    assert not weight_within_limit(before=Decimal(15), after=Decimal("30.5"), limit=LIMIT)


@PROPERTY
@given(before=money(-10_000, 10_000), after=money(-10_000, 10_000, places=4))
def test_change_ratio_is_zero_exactly_when_nothing_changed(before: Decimal, after: Decimal) -> None:
    ratio = change_ratio(before, after)
    assert ratio >= 0
    assert (ratio == 0) == (before == after)


@PROPERTY
@given(before=money(-10_000, 10_000), after=money(-10_000, 10_000), factor=money(-100, 100))
def test_change_ratio_ignores_units_and_sign(
    before: Decimal, after: Decimal, factor: Decimal
) -> None:
    assume(factor != 0)
    assert change_ratio(-before, -after) == change_ratio(before, after)
    assert change_ratio(before * factor, after * factor) == change_ratio(before, after)


@PROPERTY
@given(before=money(-10_000, 10_000), after=money(-10_000, 10_000, places=4), limit=money(0, 50))
def test_the_rounded_ratio_judges_the_limit_like_the_exact_one(
    before: Decimal, after: Decimal, limit: Decimal
) -> None:
    assume(before != 0)
    exact = abs(after - before) / abs(before) * 100
    assert within_limit(before=before, after=after, limit=limit) == (exact <= limit)


@PROPERTY
@given(before=money(0, 100), after=money(0, 100))
def test_weight_points_are_symmetric(before: Decimal, after: Decimal) -> None:
    assert weight_change_points(before, after) == weight_change_points(after, before)
    assert weight_change_points(before, after) == abs(after - before)
