"""Raises: compa-ratio and zone in the salary range, the raise matrix, the budget and its
scale-down factor."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.raises import (
    DEFAULT_RAISE_MATRIX,
    ZONES,
    SalaryRange,
    SalaryZone,
    budget_check,
    check_raise_matrix,
    compa_ratio,
    raise_for,
    raise_from_table,
    raise_matrix_to_data,
    salary_zone,
    scale_amount,
)
from pms.scoring.rules import GRADES
from pms.scoring.tests.strategies import PROPERTY, money

D = Decimal
RANGE = SalaryRange(D(8000), D(10000), D(12000))


def steps_of(result: object) -> list[tuple[str, dict[str, str]]]:
    return [(step.code, step.values) for step in result.steps]  # type: ignore[attr-defined]


# --- position in the range --------------------------------------------------------------------


def test_a_raise_from_grade_and_position() -> None:
    # given 9,500 in an 8,000–10,000–12,000 range: second quarter, 95 % of the midpoint
    result = raise_for(salary=D("9500.00"), salary_range=RANGE, grade="A")

    # then A in q2 gets 7 %
    assert (result.zone, result.compa_ratio, result.percent) == (SalaryZone.Q2, D("95.00"), 7)
    assert (result.amount, result.new_salary) == (D("665.00"), D("10165.00"))
    assert steps_of(result) == [
        ("compa_ratio", {"salary": "9500.00", "midpoint": "10000", "result": "95.00"}),
        (
            "salary_zone",
            {"salary": "9500.00", "min": "8000", "mid": "10000", "max": "12000", "zone": "q2"},
        ),
        ("raise_percent", {"grade": "A", "zone": "q2", "percent": "7"}),
        (
            "raise_amount",
            {"salary": "9500.00", "percent": "7", "result": "665.00", "new_salary": "10165.00"},
        ),
    ]


@pytest.mark.parametrize(
    ("salary", "zone"),
    [
        ("0", "below"),
        ("7999.99", "below"),
        ("8000", "q1"),
        ("8999.99", "q1"),
        ("9000", "q2"),
        ("9999.99", "q2"),
        ("10000", "q3"),
        ("10999.99", "q3"),
        ("11000", "q4"),
        ("12000", "q4"),
        ("12000.01", "above"),
    ],
)
def test_zones_of_the_range(salary: str, zone: str) -> None:
    assert salary_zone(D(salary), RANGE) == zone


def test_the_zones_respect_a_midpoint_off_the_middle() -> None:
    lopsided = SalaryRange(D(8000), D(9000), D(14000))
    assert salary_zone(D(8499), lopsided) == SalaryZone.Q1
    assert salary_zone(D(11499), lopsided) == SalaryZone.Q3
    assert salary_zone(D(11500), lopsided) == SalaryZone.Q4
    point = SalaryRange(D(10000), D(10000), D(10000))
    assert salary_zone(D(10000), point) == SalaryZone.Q4
    assert salary_zone(D(9999), point) == SalaryZone.BELOW


def test_compa_ratio_is_rounded_half_up() -> None:
    # 10,000 / 30,000 = 33.333…
    assert compa_ratio(D(10000), SalaryRange(D(20000), D(30000), D(40000))) == D("33.33")
    assert compa_ratio(D("20000.5"), SalaryRange(D(1), D(40000), D(50000))) == D("50.00")


@pytest.mark.parametrize(
    ("bounds", "code", "params"),
    [
        (("0", "1", "2"), "salary_range_invalid", {"min": "0", "mid": "1", "max": "2"}),
        (("3", "2", "4"), "salary_range_invalid", {"min": "3", "mid": "2", "max": "4"}),
        (("1", "5", "4"), "salary_range_invalid", {"min": "1", "mid": "5", "max": "4"}),
        (("NaN", "5", "4"), "not_finite", {"field": "minimum"}),
        (("1", "Infinity", "4"), "not_finite", {"field": "midpoint"}),
        (("1", "2", "NaN"), "not_finite", {"field": "maximum"}),
    ],
)
def test_invalid_ranges_are_refused(
    bounds: tuple[str, str, str], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        SalaryRange(*(D(bound) for bound in bounds))
    assert (caught.value.code, caught.value.params) == (code, params)


def test_a_negative_salary_is_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        raise_for(salary=D(-1), salary_range=RANGE, grade="A")
    assert (caught.value.code, caught.value.params) == ("negative", {"field": "salary"})
    with pytest.raises(ScoringError) as caught:
        salary_zone(D("NaN"), RANGE)
    assert caught.value.params == {"field": "salary"}


@PROPERTY
@given(
    a=money(0, 30000), b=money(0, 30000), bounds=st.lists(money(1, 30000), min_size=3, max_size=3)
)
def test_a_higher_salary_is_never_in_a_lower_zone(
    a: Decimal, b: Decimal, bounds: list[Decimal]
) -> None:
    salary_range = SalaryRange(*sorted(bounds))
    low, high = sorted((a, b))
    assert ZONES.index(salary_zone(low, salary_range)) <= ZONES.index(
        salary_zone(high, salary_range)
    )
    assert compa_ratio(low, salary_range) <= compa_ratio(high, salary_range)


# --- the matrix -------------------------------------------------------------------------------


def test_the_default_matrix_gives_more_to_better_grades_lower_in_the_range() -> None:
    table = check_raise_matrix(DEFAULT_RAISE_MATRIX)
    assert list(table) == list(GRADES)
    for grade in GRADES:
        percents = [table[grade][SalaryZone(zone)] for zone in ZONES]
        assert percents == sorted(percents, reverse=True)
    for zone in SalaryZone:
        column = [table[grade][zone] for grade in GRADES]
        assert column == sorted(column, reverse=True)
    assert table["S"][SalaryZone.BELOW] == 15


def test_the_matrix_to_and_from_data() -> None:
    data = raise_matrix_to_data(DEFAULT_RAISE_MATRIX)
    assert data["A"] == {"below": "12", "q1": "9", "q2": "7", "q3": "5", "q4": "4", "above": "2"}
    assert check_raise_matrix(data) == check_raise_matrix(DEFAULT_RAISE_MATRIX)
    custom = {"top": dict.fromkeys(ZONES, 2.5), "rest": dict.fromkeys(ZONES, "0")}
    result = raise_for(
        salary=D(10001), salary_range=RANGE, grade="top", matrix=custom, grades=("top", "rest")
    )
    assert (result.percent, result.amount) == (D("2.5"), D("250.03"))


def full(**changes: object) -> dict[str, dict[str, object]]:
    matrix: dict[str, dict[str, object]] = {g: dict.fromkeys(ZONES, "1") for g in GRADES}
    for grade, row in changes.items():
        if row is None:
            del matrix[grade]
        else:
            matrix[grade] = {**matrix.get(grade, {}), **row}  # type: ignore[dict-item]
    return matrix


@pytest.mark.parametrize(
    ("matrix", "code", "params"),
    [
        (full(E={"q1": "1"}), "bad_grade", {"grade": "E", "grades": "S, A, B, C, D"}),
        (
            full(S={"q5": "1"}),
            "unknown_zone",
            {"zone": "q5", "zones": "below, q1, q2, q3, q4, above"},
        ),
        (full(D=None), "raise_matrix_incomplete", {"grade": "D", "zone": "below"}),
        (
            {g: {"below": "1"} for g in GRADES},
            "raise_matrix_incomplete",
            {"grade": "S", "zone": "q1"},
        ),
        (
            full(B={"q3": "100.01"}),
            "out_of_range",
            {"field": "raise_percent", "min": "0", "max": "100", "grade": "B", "zone": "q3"},
        ),
        (
            full(B={"q3": -1}),
            "out_of_range",
            {"field": "raise_percent", "min": "0", "max": "100", "grade": "B", "zone": "q3"},
        ),
        (
            full(A={"above": "a lot"}),
            "not_a_number",
            {"field": "raise_percent", "grade": "A", "zone": "above"},
        ),
    ],
)
def test_invalid_matrices_are_refused(
    matrix: dict[str, dict[str, object]], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        check_raise_matrix(matrix)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_a_grade_outside_the_matrix_is_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        raise_for(salary=D(9000), salary_range=RANGE, grade="E")
    assert (caught.value.code, caught.value.params) == (
        "bad_grade",
        {"grade": "E", "grades": "S, A, B, C, D"},
    )


# --- the budget -------------------------------------------------------------------------------


def test_within_budget() -> None:
    result = budget_check([D(500), D(300)], D(1000))
    assert (result.cost, result.within, result.over, result.factor) == (D(800), True, 0, None)
    assert steps_of(result) == [("raise_budget", {"cost": "800", "budget": "1000", "over": "0"})]


def test_over_budget_suggests_a_scale_down_factor() -> None:
    # given raises of 1,000 against a budget of 800
    result = budget_check([D("500.00"), D("300.00"), D("200.00")], D("800.00"))

    assert (result.within, result.over, result.factor) == (False, D("200.00"), D("0.8000"))
    assert steps_of(result) == [
        ("raise_budget", {"cost": "1000.00", "budget": "800.00", "over": "200.00"}),
        ("raise_scale", {"factor": "0.8000"}),
    ]
    scaled = [scale_amount(amount, D("0.8000")) for amount in (D(500), D(300), D(200))]
    assert scaled == [D("400.00"), D("240.00"), D("160.00")]


def test_the_factor_is_rounded_down() -> None:
    assert budget_check([D(3)], D(2)).factor == D("0.6666")
    assert budget_check([D(1)], D(0)).factor == D("0.0000")
    assert budget_check([], D(0)).within


@pytest.mark.parametrize(
    ("amounts", "budget", "code", "params"),
    [
        ([D(1)], D(-1), "negative", {"field": "budget"}),
        ([D(-1)], D(1), "negative", {"field": "amount"}),
        ([D("NaN")], D(1), "not_finite", {"field": "amount"}),
        ([D(1)], D("Infinity"), "not_finite", {"field": "budget"}),
    ],
)
def test_invalid_budgets_are_refused(
    amounts: list[Decimal], budget: Decimal, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        budget_check(amounts, budget)
    assert (caught.value.code, caught.value.params) == (code, params)
    with pytest.raises(ScoringError):
        scale_amount(D("NaN"), D(1))


@PROPERTY
@given(amounts=st.lists(money(0, 100_000), max_size=30), budget=money(0, 1_000_000))
def test_scaled_raises_stay_within_the_budget(amounts: list[Decimal], budget: Decimal) -> None:
    result = budget_check(amounts, budget)
    cost = sum(amounts, D(0))
    assert result.cost == cost
    assert result.within == (cost <= budget)
    if result.within:
        assert result.factor is None
        return
    factor = result.factor
    assert factor is not None
    assert 0 <= factor < 1
    assert result.over == cost - budget
    assert sum(scale_amount(amount, factor) for amount in amounts) <= budget
    # the largest four-decimal factor that keeps the exact scaled cost within budget
    assert Fraction(cost) * Fraction(factor) <= Fraction(budget)
    assert Fraction(cost) * (Fraction(factor) + Fraction(1, 10_000)) > Fraction(budget)


@PROPERTY
@given(salary=money(0, 50_000), grade=st.sampled_from(GRADES))
def test_the_new_salary_is_the_salary_plus_its_raise(salary: Decimal, grade: str) -> None:
    assume(salary > 0)
    result = raise_for(salary=salary, salary_range=RANGE, grade=grade)
    assert result.new_salary == salary + result.amount
    assert abs(Fraction(result.amount) - Fraction(salary) * Fraction(result.percent) / 100) <= (
        Fraction(1, 200)
    )


@PROPERTY
@given(salary=money(0, 50_000), grade=st.sampled_from(GRADES))
def test_a_matrix_checked_once_gives_the_same_raise(salary: Decimal, grade: str) -> None:
    table = check_raise_matrix(raise_matrix_to_data(DEFAULT_RAISE_MATRIX))
    once = raise_from_table(salary=salary, salary_range=RANGE, grade=grade, table=table)
    assert once == raise_for(salary=salary, salary_range=RANGE, grade=grade)


def test_a_checked_matrix_still_refuses_a_grade_it_lacks() -> None:
    table = check_raise_matrix(DEFAULT_RAISE_MATRIX)
    with pytest.raises(ScoringError) as caught:
        raise_from_table(salary=D(9000), salary_range=RANGE, grade="E", table=table)
    assert (caught.value.code, caught.value.params) == (
        "bad_grade",
        {"grade": "E", "grades": "S, A, B, C, D"},
    )
