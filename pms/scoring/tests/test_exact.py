"""Rounding once on exact fractions agrees with ``q2`` wherever ``q2`` applies."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given

from pms.scoring.decimals import q2
from pms.scoring.exact import exact, exact_mean, exact_q2
from pms.scoring.tests.strategies import PROPERTY, money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(80005, 1000), "80.01"),  # a tie rounds up
        (Fraction(-80005, 1000), "-80.01"),  # and away from zero below it
        (Fraction(1, 3), "0.33"),
        (Fraction(2, 3), "0.67"),
        (Fraction(0), "0.00"),
        (Fraction(-1, 1000), "0.00"),
        (Fraction(100), "100.00"),
    ],
)
def test_exact_q2_rounds_half_up_to_two_places(value: Fraction, expected: str) -> None:
    result = exact_q2(value)
    assert str(result) == expected


def test_exact_mean() -> None:
    assert exact_mean([]) is None
    assert exact_mean([Decimal(80), Decimal(80), Decimal("80.01")]) == Fraction(24001, 300)


@PROPERTY
@given(value=money(-1_000_000, 1_000_000, places=4))
def test_exact_q2_of_a_decimal_is_q2(value: Decimal) -> None:
    assert exact(value) == value
    assert exact_q2(exact(value)) == q2(value)
    assert exact_q2(exact(value)).as_tuple().exponent == -2
