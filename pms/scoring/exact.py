"""Exact means and weighted means for review scores: fractions inside, one rounding out.

The mean of three scores, or the points of "2" on a 1–4 scale (33⅓), has no finite
decimal. Summing rounded Decimals would let the last digit of a review score depend on the
order of the raters or on whether weights are written 60/40 or 3/2. Intermediate values are
therefore kept as exact fractions (a Decimal converts to a Fraction without loss) and the
published number is rounded half-up to two places once, on the exact value — the same
result ``q2`` gives whenever the value is a finite decimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from math import gcd

__all__ = ["exact", "exact_mean", "exact_q2", "mean_ratio", "ratio_q2"]


def exact(value: Decimal) -> Fraction:
    """A finite Decimal as the fraction it denotes (no rounding)."""
    return Fraction(value)


def exact_mean(values: Iterable[Decimal]) -> Fraction | None:
    """The exact arithmetic mean, or None when there are no values."""
    found = mean_ratio(values)
    return None if found is None else Fraction(*found)


def mean_ratio(values: Iterable[Decimal]) -> tuple[int, int] | None:
    """``exact_mean`` as a numerator and a positive denominator, not reduced: summed on
    integers over a common denominator (Fraction's operators cost ~10× more)."""
    numerator, denominator, count = 0, 1, 0
    for value in values:
        if isinstance(value, Decimal | int | Fraction):
            top, bottom = value.as_integer_ratio()
        else:
            top, bottom = Fraction(value).as_integer_ratio()
        if bottom == denominator:
            numerator += top
        else:
            common = denominator // gcd(denominator, bottom) * bottom
            numerator = numerator * (common // denominator) + top * (common // bottom)
            denominator = common
        count += 1
    return (numerator, denominator * count) if count else None


def exact_q2(value: Fraction) -> Decimal:
    """Two decimals, half-up (ties away from zero), rounded once on the exact value.

    Integer arithmetic on the fraction, so a value that lies exactly on a tie (80.005)
    always rounds up and one that does not never does, whatever its denominator.
    """
    if not isinstance(value, Fraction | int):
        value = Fraction(value)
    return ratio_q2(value.numerator, value.denominator)


def ratio_q2(numerator: int, denominator: int) -> Decimal:
    """``exact_q2`` of numerator / denominator (denominator > 0, the ratio not necessarily
    reduced: the result depends on the value only)."""
    cents, remainder = divmod(abs(numerator) * 100, denominator)
    if 2 * remainder >= denominator:
        cents += 1
    result = Decimal(cents).scaleb(-2)
    return -result if numerator < 0 and cents else result
