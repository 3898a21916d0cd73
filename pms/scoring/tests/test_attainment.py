"""Attainment per direction: the documented formulas, their edge cases, and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.attainment import LOWER_CEILING, Direction, attainment, explain_attainment
from pms.scoring.errors import ScoringError
from pms.scoring.steps import ATTAINMENT_METHODS
from pms.scoring.tests.strategies import PROPERTY, money

HIGHER, LOWER, RANGE = Direction.HIGHER, Direction.LOWER, Direction.RANGE


def att(actual: str, target: str, direction: Direction = HIGHER, **extra: str) -> Decimal:
    return attainment(
        actual=Decimal(actual),
        target=Decimal(target),
        direction=direction,
        **{key: Decimal(value) for key, value in extra.items()},
    )


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        ("80", "100", Decimal("80.00")),
        ("130", "100", Decimal("130.00")),  # not capped: rules cap
        ("1", "3", Decimal("33.33")),
        ("2", "3", Decimal("66.67")),
        ("0.125", "1", Decimal("12.50")),
        ("0.00125", "1", Decimal("0.13")),  # half-up, not banker's rounding
        ("-5", "100", Decimal("0.00")),  # never negative
    ],
)
def test_higher_is_actual_over_target(actual: str, target: str, expected: Decimal) -> None:
    assert att(actual, target) == expected


def test_higher_from_a_baseline_measures_growth() -> None:
    # given last year's 100 and a target of 120
    # then 110 is half the way, 100 is nothing yet, and 90 is not negative
    assert att("110", "120", baseline="100") == Decimal("50.00")
    assert att("100", "120", baseline="100") == Decimal("0.00")
    assert att("90", "120", baseline="100") == Decimal("0.00")
    assert att("130", "120", baseline="100") == Decimal("150.00")


def test_higher_with_baseline_equal_to_target_falls_back_to_the_ratio() -> None:
    assert att("90", "100", baseline="100") == Decimal("90.00")


def test_higher_zero_target_without_baseline_is_an_error() -> None:
    with pytest.raises(ScoringError) as caught:
        att("5", "0")
    assert caught.value.code == "zero_target"


def test_higher_zero_target_from_a_negative_baseline_is_growth() -> None:
    # a loss of 10 to break even: a loss of 5 is half the way
    assert att("-5", "0", baseline="-10") == Decimal("50.00")


def test_higher_negative_target_rises_with_the_actual_value() -> None:
    assert att("-10", "-10") == Decimal("100.00")
    assert att("-5", "-10") == Decimal("150.00")
    assert att("-20", "-10") == Decimal("0.00")


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        ("4", "5", Decimal("125.00")),
        ("10", "5", Decimal("50.00")),
        ("5", "5", Decimal("100.00")),
        ("1", "5", LOWER_CEILING),  # 500 % would explode near 0: bounded at 200
        ("0", "5", LOWER_CEILING),
        ("-1", "5", LOWER_CEILING),
    ],
)
def test_lower_is_target_over_actual_bounded_at_200(
    actual: str, target: str, expected: Decimal
) -> None:
    assert att(actual, target, LOWER) == expected


def test_lower_zero_target_costs_100_points_per_unit() -> None:
    assert att("0", "0", LOWER) == Decimal("100.00")
    assert att("0.25", "0", LOWER) == Decimal("75.00")
    assert att("1", "0", LOWER) == Decimal("0.00")
    assert att("3", "0", LOWER) == Decimal("0.00")


def test_lower_negative_target_mirrors_the_higher_rule() -> None:
    assert att("-10", "-10", LOWER) == Decimal("100.00")
    assert att("-15", "-10", LOWER) == Decimal("150.00")
    assert att("0", "-10", LOWER) == Decimal("0.00")
    assert att("-100", "-10", LOWER) == LOWER_CEILING


def test_lower_ignores_the_baseline() -> None:
    assert att("4", "5", LOWER, baseline="10") == Decimal("125.00")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("90", Decimal("100.00")),  # bounds are inclusive
        ("100", Decimal("100.00")),
        ("110", Decimal("100.00")),
        ("81", Decimal("90.00")),  # 9 under 90: 1 − 9/90
        ("121", Decimal("90.00")),  # 11 over 110: 1 − 11/110
        ("0", Decimal("0.00")),
        ("500", Decimal("0.00")),
    ],
)
def test_range_by_distance_from_the_nearest_bound(actual: str, expected: Decimal) -> None:
    assert att(actual, "90", RANGE, target_max="110") == expected


def test_range_with_small_bounds_uses_a_reference_of_at_least_one() -> None:
    assert att("-0.5", "0", RANGE, target_max="0.5") == Decimal("50.00")
    assert att("1", "0", RANGE, target_max="0.5") == Decimal("50.00")


def test_range_needs_an_upper_bound_not_below_the_lower() -> None:
    with pytest.raises(ScoringError) as missing:
        att("5", "1", RANGE)
    with pytest.raises(ScoringError) as inverted:
        att("5", "10", RANGE, target_max="1")
    assert missing.value.code == "missing_target_max"
    assert missing.value.params == {"field": "target_max"}
    assert inverted.value.code == "range_inverted"
    assert inverted.value.params == {"target": "10", "target_max": "1"}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_input_is_an_error(value: str) -> None:
    with pytest.raises(ScoringError) as caught:
        att(value, "100")
    assert caught.value.code == "not_finite"
    assert caught.value.params == {"field": "actual"}


def test_huge_ratios_do_not_overflow_the_decimal_context() -> None:
    value = att("1E+30", "1E-10")
    assert value == Decimal("1E+42")
    assert value.as_tuple().exponent == -2


def test_direction_may_be_given_as_its_string_value() -> None:
    assert attainment(actual=Decimal(1), target=Decimal(2), direction="lower") == Decimal("200.00")  # type: ignore[arg-type]


def test_the_step_explains_inputs_method_and_result() -> None:
    value, step = explain_attainment(
        actual=Decimal("110"), target=Decimal("120"), direction=HIGHER, baseline=Decimal("100")
    )
    assert value == Decimal("50.00")
    assert step.code == "attainment"
    assert step.values == {
        "method": "growth",
        "direction": "higher",
        "actual": "110",
        "target": "120",
        "baseline": "100",
        "result": "50.00",
    }


@PROPERTY
@given(
    actual=money(-1_000_000, 1_000_000),
    target=money(-1_000_000, 1_000_000),
    direction=st.sampled_from(Direction),
    target_max=st.none() | money(-1_000_000, 1_000_000),
)
def test_attainment_is_never_negative_and_has_two_decimals(
    actual: Decimal, target: Decimal, direction: Direction, target_max: Decimal | None
) -> None:
    # given any inputs that make a valid goal
    assume(direction is not HIGHER or target != 0)
    if direction is RANGE:
        assume(target_max is not None and target_max >= target)

    value, step = explain_attainment(
        actual=actual, target=target, direction=direction, target_max=target_max
    )

    assert value >= 0
    assert value == value.quantize(Decimal("0.01"))
    assert step.values["method"] in ATTAINMENT_METHODS
    if direction is LOWER:
        assert value <= LOWER_CEILING


@PROPERTY
@given(a=money(-10_000, 10_000), b=money(-10_000, 10_000), target=money(-10_000, 10_000))
def test_higher_never_falls_as_the_actual_rises(a: Decimal, b: Decimal, target: Decimal) -> None:
    assume(target != 0)
    low, high = sorted((a, b))
    assert att(str(low), str(target)) <= att(str(high), str(target))


@PROPERTY
@given(a=money(-10_000, 10_000), b=money(-10_000, 10_000), target=money(-10_000, 10_000))
def test_lower_never_rises_as_the_actual_rises(a: Decimal, b: Decimal, target: Decimal) -> None:
    low, high = sorted((a, b))
    assert att(str(low), str(target), LOWER) >= att(str(high), str(target), LOWER)


@PROPERTY
@given(actual=money(-1000, 1000), low=money(-1000, 1000), width=money(0, 1000))
def test_range_is_100_inside_and_at_most_100_outside(
    actual: Decimal, low: Decimal, width: Decimal
) -> None:
    high = low + width
    value = att(str(actual), str(low), RANGE, target_max=str(high))
    if low <= actual <= high:
        assert value == 100
    assert value <= 100
