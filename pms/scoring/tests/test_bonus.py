"""Bonus: one person's base × coefficient × factors, a pool shared to the fen with caps,
and totals by group."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.bonus import (
    DEFAULT_COEFFICIENTS,
    BonusFactor,
    GroupTotal,
    PoolMember,
    allocate_pool,
    check_coefficients,
    person_bonus,
    totals_by,
    totals_of_groups,
)
from pms.scoring.errors import ScoringError
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY, money

D = Decimal


def steps_of(result: object) -> list[tuple[str, dict[str, str]]]:
    return [(step.code, step.values) for step in result.steps]  # type: ignore[attr-defined]


# --- coefficients -----------------------------------------------------------------------------


def test_default_coefficients() -> None:
    assert dict(DEFAULT_COEFFICIENTS) == {
        "S": D("1.5"),
        "A": D("1.2"),
        "B": D("1.0"),
        "C": D("0.8"),
        "D": D("0.5"),
    }
    assert check_coefficients(DEFAULT_COEFFICIENTS, ["S", "A", "B", "C", "D"]) == dict(
        DEFAULT_COEFFICIENTS
    )
    with pytest.raises(TypeError):
        DEFAULT_COEFFICIENTS["S"] = D(2)  # type: ignore[index]


def test_a_table_checked_against_grades_comes_in_their_order() -> None:
    table = {"B": D(1), "A": D(2)}
    assert list(check_coefficients(table, ["A", "B"])) == ["A", "B"]
    assert check_coefficients(table) == table


@pytest.mark.parametrize(
    ("table", "grades", "code", "params"),
    [
        ({"S": D("-0.1")}, None, "negative", {"field": "coefficient", "grade": "S"}),
        ({"S": D("Infinity")}, None, "not_finite", {"field": "coefficient"}),
        ({"S": D(1), "E": D(1)}, ["S"], "bad_grade", {"grade": "E", "grades": "S"}),
        ({"S": D(1)}, ["S", "A"], "grade_unmapped", {"grade": "A"}),
    ],
)
def test_invalid_coefficients_are_refused(
    table: dict[str, Decimal], grades: list[str] | None, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        check_coefficients(table, grades)
    assert (caught.value.code, caught.value.params) == (code, params)


# --- one person -------------------------------------------------------------------------------


def test_base_times_coefficient_times_the_factors() -> None:
    # given a base of 10,000, grade A and company 0.9 and department 1.1 factors
    result = person_bonus(
        base=D("10000.00"),
        grade="A",
        factors=[BonusFactor("company", D("0.9")), BonusFactor("dept-7", D("1.1"))],
    )

    # then 10,000 × 1.2 × 0.99
    assert (result.amount, result.coefficient, result.factor) == (
        D("11880.00"),
        D("1.2"),
        D("0.99"),
    )
    assert steps_of(result) == [
        ("bonus_coefficient", {"grade": "A", "coefficient": "1.2"}),
        ("bonus_factor", {"key": "company", "factor": "0.9"}),
        ("bonus_factor", {"key": "dept-7", "factor": "1.1"}),
        (
            "bonus_amount",
            {"base": "10000.00", "coefficient": "1.2", "factor": "0.99", "result": "11880.00"},
        ),
    ]


def test_one_rounding_half_up_to_the_fen() -> None:
    # 333.33 × 1.5 = 499.995
    assert person_bonus(base=D("333.33"), grade="S").amount == D("500.00")
    # 0.01 × 0.5 = 0.005 and then × 0.999: rounded once, on the exact product
    result = person_bonus(base=D("0.01"), grade="D", factors=[BonusFactor("company", D("0.999"))])
    assert result.amount == D("0.00")
    assert result.steps[-1].values["factor"] == "0.999"


def test_a_custom_table() -> None:
    result = person_bonus(base=D(1000), grade="top", coefficients={"top": D(2)})
    assert result.amount == D("2000.00")
    assert result.factor == 1


@pytest.mark.parametrize(
    ("kwargs", "code", "params"),
    [
        ({"base": D(-1)}, "negative", {"field": "base"}),
        ({"base": D("NaN")}, "not_finite", {"field": "base"}),
        ({"grade": "E"}, "bad_grade", {"grade": "E", "grades": "S, A, B, C, D"}),
        (
            {"factors": [BonusFactor("company", D("-0.5"))]},
            "negative",
            {"field": "factor", "key": "company"},
        ),
        ({"coefficients": {"A": D(-1)}}, "negative", {"field": "coefficient", "grade": "A"}),
    ],
)
def test_invalid_person_inputs_are_refused(
    kwargs: dict[str, object], code: str, params: dict[str, str]
) -> None:
    arguments: dict[str, object] = {"base": D(100), "grade": "A", **kwargs}
    with pytest.raises(ScoringError) as caught:
        person_bonus(**arguments)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.params) == (code, params)


# --- a pool -----------------------------------------------------------------------------------


def member(
    key: str, coefficient: str, base: str | None = None, cap: str | None = None
) -> PoolMember:
    return PoolMember(
        key,
        D(coefficient),
        None if base is None else D(base),
        None if cap is None else D(cap),
    )


def amounts(result: object) -> dict[str, Decimal]:
    return {a.key: a.amount for a in result.allocations}  # type: ignore[attr-defined]


def test_the_fen_left_over_go_to_the_largest_remainders() -> None:
    # given 10,000 yuan for three people of the same coefficient
    result = allocate_pool(D("10000.00"), [member("c", "1"), member("b", "1"), member("a", "1")])

    # then 3,333.33 each and the one fen left to the first by key (equal remainders)
    assert amounts(result) == {"c": D("3333.33"), "b": D("3333.33"), "a": D("3333.34")}
    assert (result.allocated, result.unallocated) == (D("10000.00"), D("0.00"))
    assert steps_of(result) == [
        (
            "bonus_pool",
            {"pool": "10000.00", "people": "3", "basis": "coefficient", "total_weight": "3"},
        ),
        *[
            (
                "bonus_share",
                {
                    "key": key,
                    "pool": "10000.00",
                    "weight": "1",
                    "total_weight": "3",
                    "exact": "3333.3333",
                    "result": result,
                    **extra,
                },
            )
            for key, result, extra in [
                ("c", "3333.33", {}),
                ("b", "3333.33", {}),
                ("a", "3333.34", {"extra": "0.01"}),
            ]
        ],
    ]
    assert result.allocations[2].exact == D("3333.3333")
    assert not result.allocations[2].capped


def test_without_explanation_the_amounts_are_the_same() -> None:
    people = [member("c", "1", cap="2000"), member("b", "1"), member("a", "1")]
    explained = allocate_pool(D("10000.00"), people)
    quiet = allocate_pool(D("10000.00"), people, explain=False)
    assert quiet.allocations == explained.allocations
    assert [code for code, _values in steps_of(quiet)] == ["bonus_pool", "bonus_capped"]


def test_shares_by_coefficient() -> None:
    result = allocate_pool(D(3000), [member("s", "1.5"), member("b", "1.0"), member("d", "0.5")])
    assert amounts(result) == {"s": D("1500.00"), "b": D("1000.00"), "d": D("500.00")}


def test_shares_by_coefficient_times_base() -> None:
    # weights 1.2 × 10,000 = 12,000 and 1.0 × 20,000 = 20,000
    result = allocate_pool(
        D(1000), [member("a", "1.2", base="10000"), member("b", "1.0", base="20000")]
    )
    assert amounts(result) == {"a": D("375.00"), "b": D("625.00")}
    assert result.steps[0].values["basis"] == "coefficient_base"
    assert result.allocations[0].weight == D("12000")


def test_a_capped_share_is_shared_again_among_the_others() -> None:
    # a's share would be 600, capped at 300; b and c share the other 700
    result = allocate_pool(
        D(1000), [member("a", "3", cap="300"), member("b", "1"), member("c", "1", cap="400")]
    )
    assert amounts(result) == {"a": D("300.00"), "b": D("350.00"), "c": D("350.00")}
    assert [a.capped for a in result.allocations] == [True, False, False]
    assert result.allocations[0].exact == D("300.0000")
    assert steps_of(result)[1] == (
        "bonus_capped",
        {"key": "a", "share": "600.0000", "cap": "300.00"},
    )
    assert steps_of(result)[2][1]["pool"] == "700.00"


def test_caps_reached_in_turn() -> None:
    # a is over its cap first (500 > 100); then b's share of the 900 left (450) is over 300
    result = allocate_pool(
        D(1000), [member("a", "2", cap="100"), member("b", "1", cap="300"), member("c", "1")]
    )
    assert amounts(result) == {"a": D("100.00"), "b": D("300.00"), "c": D("600.00")}
    assert result.unallocated == D("0.00")
    assert steps_of(result)[1:] == [
        ("bonus_capped", {"key": "a", "share": "500.0000", "cap": "100.00"}),
        ("bonus_capped", {"key": "b", "share": "450.0000", "cap": "300.00"}),
        (
            "bonus_share",
            {
                "key": "c",
                "pool": "600.00",
                "weight": "1",
                "total_weight": "1",
                "exact": "600.0000",
                "result": "600.00",
            },
        ),
    ]


def test_what_nobody_can_take_is_left() -> None:
    result = allocate_pool(D(500), [member("a", "0"), member("b", "0")])
    assert amounts(result) == {"a": D("0.00"), "b": D("0.00")}
    assert (result.allocated, result.unallocated) == (D("0.00"), D("500.00"))
    assert allocate_pool(D(500), []).unallocated == D("500.00")
    everybody_capped = allocate_pool(D(500), [member("a", "1", cap="100"), member("b", "0")])
    assert amounts(everybody_capped) == {"a": D("100.00"), "b": D("0.00")}
    assert steps_of(everybody_capped)[-1] == ("bonus_unallocated", {"amount": "400.00"})


@pytest.mark.parametrize(
    ("pool", "members", "code", "params"),
    [
        ("100.005", [], "not_in_fen", {"field": "pool", "value": "100.005"}),
        ("-1", [], "negative", {"field": "pool"}),
        (
            "100",
            [member("a", "1", cap="0.001")],
            "not_in_fen",
            {"field": "cap", "value": "0.001", "key": "a"},
        ),
        ("100", [member("a", "1", cap="-1")], "negative", {"field": "cap", "key": "a"}),
        ("100", [member("a", "1", base="1"), member("b", "1")], "bases_mixed", {}),
        (
            "100",
            [member("a", "1"), member("a", "2")],
            "duplicate_key",
            {"field": "person", "key": "a"},
        ),
        ("100", [member("a", "-1")], "negative", {"field": "coefficient", "key": "a"}),
        ("100", [member("a", "1", base="-5")], "negative", {"field": "base", "key": "a"}),
    ],
)
def test_invalid_pools_are_refused(
    pool: str, members: list[PoolMember], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        allocate_pool(D(pool), members)
    assert (caught.value.code, caught.value.params) == (code, params)


pool_members = st.lists(
    st.tuples(money(0, 3, places=1), st.none() | money(0, 5000)),
    min_size=1,
    max_size=12,
)


def build(raw: list[tuple[Decimal, Decimal | None]], with_base: bool = False) -> list[PoolMember]:
    return [
        PoolMember(f"p{i:02}", coefficient, Decimal(1000 + 100 * i) if with_base else None, cap)
        for i, (coefficient, cap) in enumerate(raw)
    ]


@PROPERTY
@given(pool=money(0, 1_000_000), raw=pool_members, with_base=st.booleans(), seed=st.integers(0, 99))
def test_the_amounts_add_up_to_the_pool_to_the_fen(
    pool: Decimal, raw: list[tuple[Decimal, Decimal | None]], with_base: bool, seed: int
) -> None:
    members = build(raw, with_base)
    result = allocate_pool(pool, members)
    assert sum(a.amount for a in result.allocations) + result.unallocated == pool
    assert result.allocated + result.unallocated == pool
    for allocation, person in zip(result.allocations, members, strict=True):
        assert allocation.amount >= 0
        assert allocation.amount == allocation.amount.quantize(D("0.01"))
        if person.cap is not None:
            assert allocation.amount <= person.cap
        if allocation.capped:
            assert allocation.amount == allocation.exact == person.cap
    if result.unallocated:
        # only when nobody uncapped with a weight is left
        assert all(a.capped or a.weight == 0 for a in result.allocations)
    assert {step.code for step in result.steps} <= set(STEP_CODES)
    shuffled = list(members)
    random.Random(seed).shuffle(shuffled)
    assert amounts(allocate_pool(pool, shuffled)) == amounts(result)


@PROPERTY
@given(
    pool=money(0, 1_000_000), coefficients=st.lists(money(0, 3, places=2), min_size=1, max_size=12)
)
def test_without_caps_each_amount_is_within_a_fen_of_its_exact_share(
    pool: Decimal, coefficients: list[Decimal]
) -> None:
    assume(any(coefficients))
    members = [PoolMember(f"p{i:02}", c) for i, c in enumerate(coefficients)]
    result = allocate_pool(pool, members)
    assert result.unallocated == 0
    total = sum(Fraction(c) for c in coefficients)
    for allocation, coefficient in zip(result.allocations, coefficients, strict=True):
        exact = Fraction(pool) * Fraction(coefficient) / total
        assert abs(Fraction(allocation.amount) - exact) < Fraction(1, 100)
    # a larger weight never gets less
    for a in result.allocations:
        for b in result.allocations:
            if a.weight > b.weight:
                assert a.amount >= b.amount
    # weights scaled by a constant share the same way
    scaled = [PoolMember(m.key, m.coefficient * 3) for m in members]
    assert amounts(allocate_pool(pool, scaled)) == amounts(result)


# --- totals -----------------------------------------------------------------------------------


def test_totals_by_group() -> None:
    rows = [("sales", D("100.00")), ("rnd", D("300.00")), ("sales", D("50.50"))]
    assert totals_by(rows) == (
        GroupTotal("sales", 2, D("150.50"), D("75.25"), D("33.41")),
        GroupTotal("rnd", 1, D("300.00"), D("300.00"), D("66.59")),
    )


def test_totals_of_nothing_and_of_zeros() -> None:
    assert totals_by([]) == ()
    assert totals_by([("S", D(0))]) == (GroupTotal("S", 1, D(0), D("0.00"), D(0)),)
    with pytest.raises(ScoringError) as caught:
        totals_by([("S", D("NaN"))])
    assert caught.value.params == {"field": "amount"}


@PROPERTY
@given(rows=st.lists(st.tuples(st.sampled_from("SABCD"), money(0, 10_000)), max_size=30))
def test_group_totals_add_up_to_the_grand_total(rows: list[tuple[str, Decimal]]) -> None:
    totals = totals_by(rows)
    assert sum(t.total for t in totals) == sum(amount for _key, amount in rows)
    assert sum(t.count for t in totals) == len(rows)
    if any(amount for _key, amount in rows):
        assert abs(sum(t.share for t in totals) - 100) <= D("0.01") * len(totals)


def test_totals_of_groups_summed_elsewhere() -> None:
    groups = [("sales", 2, D("150.50")), ("rnd", 1, D("300.00")), ("empty", 0, D(0))]
    assert totals_of_groups(groups) == (
        GroupTotal("sales", 2, D("150.50"), D("75.25"), D("33.41")),
        GroupTotal("rnd", 1, D("300.00"), D("300.00"), D("66.59")),
        GroupTotal("empty", 0, D(0), D(0), D("0.00")),
    )
    assert totals_of_groups([]) == ()
    assert totals_of_groups([("S", 3, D(0))]) == (GroupTotal("S", 3, D(0), D("0.00"), D(0)),)


def test_totals_of_groups_refuse_what_cannot_be_a_sum() -> None:
    with pytest.raises(ScoringError) as caught:
        totals_of_groups([("S", 1, D("NaN"))])
    assert caught.value.params == {"field": "amount"}
    with pytest.raises(ScoringError) as caught:
        totals_of_groups([("S", -1, D(1))])
    assert (caught.value.code, caught.value.params) == (
        "negative",
        {"field": "headcount", "key": "S"},
    )


@PROPERTY
@given(rows=st.lists(st.tuples(st.sampled_from("SABCD"), money(0, 10_000)), max_size=30))
def test_totals_of_groups_agree_with_totals_by(rows: list[tuple[str, Decimal]]) -> None:
    sums: dict[str, tuple[int, Decimal]] = {}
    for key, amount in rows:
        count, total = sums.get(key, (0, D(0)))
        sums[key] = (count + 1, total + amount)
    grouped = totals_of_groups((key, count, total) for key, (count, total) in sums.items())
    assert grouped == totals_by(rows)
