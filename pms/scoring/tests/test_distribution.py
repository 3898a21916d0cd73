"""Forced distribution: largest-remainder quotas, pooling of small departments, deviation
from the rule, and grades from a ranking where equal scores share a grade."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.distribution import (
    DEFAULT_DISTRIBUTION,
    QUOTA_MODES,
    DistributionRule,
    GradeShare,
    QuotaMode,
    QuotaStatus,
    Unit,
    check_distribution_rule,
    deviation,
    distribution_rule_from_data,
    distribution_rule_to_data,
    grades_by_rank,
    pools,
    quotas,
)
from pms.scoring.errors import ScoringError
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY, distribution_rules, money, unit_trees

D = Decimal
EXACT, AT_MOST, AT_LEAST, TARGET = (
    QuotaMode.EXACT,
    QuotaMode.AT_MOST,
    QuotaMode.AT_LEAST,
    QuotaMode.TARGET,
)


def rule(*shares: tuple[str, str, QuotaMode], min_group_size: int = 10) -> DistributionRule:
    return DistributionRule(
        tuple(GradeShare(grade, D(share), mode) for grade, share, mode in shares),
        min_group_size,
    )


def codes_and_values(steps: tuple[object, ...]) -> list[tuple[str, dict[str, str]]]:
    return [(step.code, step.values) for step in steps]  # type: ignore[attr-defined]


# --- the rule ---------------------------------------------------------------------------------


def test_the_default_rule() -> None:
    assert check_distribution_rule(DEFAULT_DISTRIBUTION) == DEFAULT_DISTRIBUTION
    assert DEFAULT_DISTRIBUTION.grades == ("S", "A", "B", "C", "D")
    assert [(s.share, s.mode) for s in DEFAULT_DISTRIBUTION.shares] == [
        (10, AT_MOST),
        (20, AT_MOST),
        (50, TARGET),
        (15, AT_LEAST),
        (5, AT_LEAST),
    ]
    assert DEFAULT_DISTRIBUTION.min_group_size == 10
    assert QUOTA_MODES == ("exact", "at_most", "at_least", "target")


def test_modes_given_as_text_are_read_as_modes() -> None:
    checked = check_distribution_rule(
        DistributionRule((GradeShare("A", D(40), "at_most"), GradeShare("B", D(60))))  # type: ignore[arg-type]
    )
    assert [type(share.mode) for share in checked.shares] == [QuotaMode, QuotaMode]
    assert checked.shares[1].mode == TARGET


@pytest.mark.parametrize(
    ("shares", "min_group_size", "code", "params"),
    [
        ((), 10, "distribution_empty", {}),
        ((("A", "50"), (" ", "50")), 10, "code_empty", {"field": "grade", "position": "2"}),
        ((("A", "50"), ("A", "50")), 10, "duplicate_key", {"field": "grade", "key": "A"}),
        (
            (("A", "101"), ("B", "-1")),
            10,
            "out_of_range",
            {"field": "share", "min": "0", "max": "100", "position": "1"},
        ),
        (
            (("A", "100"), ("B", "-0.01")),
            10,
            "out_of_range",
            {"field": "share", "min": "0", "max": "100", "position": "2"},
        ),
        ((("A", "NaN"),), 10, "not_finite", {"field": "share"}),
        ((("A", "60"), ("B", "30")), 10, "shares_not_100", {"total": "90"}),
        ((("A", "60"), ("B", "40.01")), 10, "shares_not_100", {"total": "100.01"}),
        ((("A", "100"),), -1, "negative", {"field": "min_group_size"}),
    ],
)
def test_invalid_rules_are_refused(
    shares: tuple[tuple[str, str], ...], min_group_size: int, code: str, params: dict[str, str]
) -> None:
    bad = DistributionRule(tuple(GradeShare(g, D(s)) for g, s in shares), min_group_size)
    with pytest.raises(ScoringError) as caught:
        check_distribution_rule(bad)
    assert (caught.value.code, caught.value.params) == (code, params)
    with pytest.raises(ScoringError):
        quotas(bad, 10)


def test_an_unknown_mode_is_refused() -> None:
    bad = DistributionRule((GradeShare("A", D(100), "most"),))  # type: ignore[arg-type]
    with pytest.raises(ScoringError) as caught:
        check_distribution_rule(bad)
    assert (caught.value.code, caught.value.params) == (
        "unknown_quota_mode",
        {"mode": "most", "modes": "exact, at_most, at_least, target"},
    )


def test_rules_to_and_from_data() -> None:
    data = distribution_rule_to_data(DEFAULT_DISTRIBUTION)
    assert data == {
        "grades": [
            {"grade": "S", "share": "10", "mode": "at_most"},
            {"grade": "A", "share": "20", "mode": "at_most"},
            {"grade": "B", "share": "50", "mode": "target"},
            {"grade": "C", "share": "15", "mode": "at_least"},
            {"grade": "D", "share": "5", "mode": "at_least"},
        ],
        "min_group_size": 10,
    }
    assert distribution_rule_from_data(data) == DEFAULT_DISTRIBUTION
    # numbers as JSON gives them, the mode target unless said, the group size 10 unless said
    assert distribution_rule_from_data(
        {"grades": [{"grade": " A ", "share": 12.5}, {"grade": "B", "share": "87.5"}]}
    ) == rule(("A", "12.5", TARGET), ("B", "87.5", TARGET))


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        ([], "distribution_malformed", {}),
        ({"grades": [], "extra": 1}, "distribution_malformed", {}),
        ({"min_group_size": 10}, "distribution_malformed", {}),
        ({"grades": "S10"}, "distribution_malformed", {}),
        ({"grades": [["S", 10]]}, "distribution_malformed", {"position": "1"}),
        ({"grades": [{"grade": "S"}]}, "distribution_malformed", {"position": "1"}),
        (
            {"grades": [{"grade": "S", "share": 100, "x": 1}]},
            "distribution_malformed",
            {"position": "1"},
        ),
        ({"grades": [{"grade": 1, "share": 100}]}, "distribution_malformed", {"position": "1"}),
        (
            {"grades": [{"grade": "S", "share": "lots"}]},
            "not_a_number",
            {"field": "share", "position": "1"},
        ),
        (
            {"grades": [{"grade": "S", "share": 100, "mode": 3}]},
            "unknown_quota_mode",
            {"mode": "3", "modes": "exact, at_most, at_least, target"},
        ),
        (
            {"grades": [{"grade": "S", "share": 100}], "min_group_size": True},
            "distribution_malformed",
            {},
        ),
        (
            {"grades": [{"grade": "S", "share": 100}], "min_group_size": "10"},
            "distribution_malformed",
            {},
        ),
        ({"grades": []}, "distribution_empty", {}),
    ],
)
def test_malformed_rule_data_is_refused(data: object, code: str, params: dict[str, str]) -> None:
    with pytest.raises(ScoringError) as caught:
        distribution_rule_from_data(data)
    assert (caught.value.code, caught.value.params) == (code, params)


# --- quotas -----------------------------------------------------------------------------------


def test_quotas_of_twelve_people_show_the_rounding() -> None:
    # given 12 people under S 10 / A 20 / B 50 / C 15 / D 5
    result = quotas(DEFAULT_DISTRIBUTION, 12)

    # then the floors take 10 and the largest remainders (C 0.8, D 0.6) the other two
    assert result.by_grade == {"S": 1, "A": 2, "B": 6, "C": 2, "D": 1}
    assert codes_and_values(result.steps) == [
        (
            "quota_exact",
            {
                "grade": grade,
                "headcount": "12",
                "share": share,
                "exact": exact,
                "floor": floor,
                "remainder": remainder,
            },
        )
        for grade, share, exact, floor, remainder in [
            ("S", "10", "1.2", "1", "0.2"),
            ("A", "20", "2.4", "2", "0.4"),
            ("B", "50", "6", "6", "0"),
            ("C", "15", "1.8", "1", "0.8"),
            ("D", "5", "0.6", "0", "0.6"),
        ]
    ] + [
        ("quota_leftover", {"headcount": "12", "floors": "10", "seats": "2"}),
        ("quota_seat", {"grade": "C", "remainder": "0.8", "quota": "2"}),
        ("quota_seat", {"grade": "D", "remainder": "0.6", "quota": "1"}),
    ]
    d = result.grades[-1]
    assert (d.exact, d.floor, d.remainder, d.seat, d.quota) == (D("0.6"), 0, D("0.6"), True, 1)


def test_equal_remainders_go_to_the_better_grade() -> None:
    # 10 people: C 1.5 and D 0.5 tie for the one seat left
    assert quotas(DEFAULT_DISTRIBUTION, 10).by_grade == {"S": 1, "A": 2, "B": 5, "C": 2, "D": 0}


def test_the_alabama_paradox_of_the_docstring() -> None:
    paradox = rule(
        ("S", "10", AT_MOST),
        ("A", "30", AT_MOST),
        ("B", "40", TARGET),
        ("C", "15", AT_LEAST),
        ("D", "5", AT_LEAST),
    )
    assert quotas(paradox, 11).by_grade["D"] == 1
    assert quotas(paradox, 12).by_grade["D"] == 0


def test_the_default_rule_has_no_alabama_paradox() -> None:
    # its remainders repeat every 20 people, so two rounds show every case
    previous = quotas(DEFAULT_DISTRIBUTION, 0).by_grade
    assert previous == dict.fromkeys("SABCD", 0)
    for headcount in range(1, 41):
        current = quotas(DEFAULT_DISTRIBUTION, headcount).by_grade
        assert all(current[grade] >= previous[grade] for grade in current)
        previous = current


def test_quotas_of_nobody_and_a_negative_headcount() -> None:
    result = quotas(DEFAULT_DISTRIBUTION, 0)
    assert sum(result.by_grade.values()) == 0
    assert result.steps[-1] == result.steps[5]
    assert result.steps[5].values == {"headcount": "0", "floors": "0", "seats": "0"}
    with pytest.raises(ScoringError) as caught:
        quotas(DEFAULT_DISTRIBUTION, -1)
    assert (caught.value.code, caught.value.params) == ("negative", {"field": "headcount"})


@PROPERTY
@given(distribution=distribution_rules(), headcount=st.integers(0, 500))
def test_quotas_add_up_and_stay_within_one_of_the_exact_quota(
    distribution: DistributionRule, headcount: int
) -> None:
    result = quotas(distribution, headcount)
    assert sum(result.by_grade.values()) == headcount
    for row in result.grades:
        assert Fraction(row.exact) == Fraction(headcount) * Fraction(row.share) / 100
        assert row.floor <= row.exact < row.floor + 1
        assert row.quota == row.floor + row.seat
        assert abs(row.quota - row.exact) < 1
    seated = [row.remainder for row in result.grades if row.seat]
    unseated = [row.remainder for row in result.grades if not row.seat]
    if seated and unseated:
        assert min(seated) >= max(unseated)
    assert {step.code for step in result.steps} <= set(STEP_CODES)


@PROPERTY
@given(distribution=distribution_rules(), headcount=st.integers(0, 300), more=st.integers(0, 300))
def test_more_people_cost_a_grade_at_most_one_seat(
    distribution: DistributionRule, headcount: int, more: int
) -> None:
    # the Alabama paradox allows a loss, never of more than one seat; and once the exact
    # quota has grown by a whole person the grade has at least its former quota
    before = quotas(distribution, headcount)
    after = quotas(distribution, headcount + more)
    for old, new in zip(before.grades, after.grades, strict=True):
        assert new.quota >= old.quota - 1
        if new.exact >= old.exact + 1:
            assert new.quota >= old.quota


# --- pools ------------------------------------------------------------------------------------

COMPANY = [
    Unit("company", None, 0),
    Unit("sales", "company", 4),
    Unit("north", "sales", 6),
    Unit("south", "sales", 3),
    Unit("rnd", "company", 12),
    Unit("qa", "rnd", 2),
    Unit("hr", "company", 3),
]


def test_small_teams_are_pooled_into_their_parents() -> None:
    result = pools(COMPANY, 10)

    # sales 4 + north 6 + south 3 = 13; rnd 12 + qa 2; hr's 3 reach the top with nobody else
    assert dict(result.pool_of) == {
        "company": "company",
        "sales": "sales",
        "north": "sales",
        "south": "sales",
        "rnd": "rnd",
        "qa": "rnd",
        "hr": "company",
    }
    assert [(p.key, p.size, p.units, p.enforced) for p in result.pools] == [
        ("company", 3, ("company", "hr"), False),
        ("sales", 13, ("sales", "north", "south"), True),
        ("rnd", 14, ("rnd", "qa"), True),
    ]
    assert codes_and_values(result.steps) == [
        ("pool_up", {"unit": "north", "size": "6", "min_size": "10", "parent": "sales"}),
        ("pool_up", {"unit": "south", "size": "3", "min_size": "10", "parent": "sales"}),
        ("pool_formed", {"key": "sales", "size": "13", "units": "sales, north, south"}),
        ("pool_up", {"unit": "qa", "size": "2", "min_size": "10", "parent": "rnd"}),
        ("pool_formed", {"key": "rnd", "size": "14", "units": "rnd, qa"}),
        ("pool_up", {"unit": "hr", "size": "3", "min_size": "10", "parent": "company"}),
        (
            "pool_small",
            {"key": "company", "size": "3", "min_size": "10", "units": "company, hr"},
        ),
    ]


def test_small_units_pool_upwards_through_several_levels() -> None:
    units = [
        Unit("a", None, 1),
        Unit("b", "a", 2),
        Unit("c", "b", 3),
        Unit("d", "c", 4),
    ]
    result = pools(units, 10)
    assert [(p.key, p.size, p.units, p.enforced) for p in result.pools] == [
        ("a", 10, ("a", "b", "c", "d"), True),
    ]


def test_without_a_minimum_every_unit_is_its_own_pool() -> None:
    result = pools(COMPANY, 0)
    assert dict(result.pool_of) == {unit.key: unit.key for unit in COMPANY}
    assert all(pool.enforced for pool in result.pools)


def test_pooling_nothing() -> None:
    assert pools([], 10).pools == ()


@pytest.mark.parametrize(
    ("units", "min_size", "code", "params"),
    [
        (
            [Unit("a", None, 1), Unit("a", None, 2)],
            10,
            "duplicate_key",
            {"field": "unit", "key": "a"},
        ),
        ([Unit("a", "x", 1)], 10, "unknown_parent", {"key": "a", "parent": "x"}),
        (
            [Unit("r", None, 1), Unit("a", "b", 1), Unit("b", "a", 1)],
            10,
            "unit_cycle",
            {"key": "a"},
        ),
        ([Unit("a", "a", 1)], 10, "unit_cycle", {"key": "a"}),
        ([Unit("a", None, -1)], 10, "negative", {"field": "headcount", "key": "a"}),
        ([Unit("a", None, 1)], -1, "negative", {"field": "min_group_size"}),
    ],
)
def test_invalid_units_are_refused(
    units: list[Unit], min_size: int, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        pools(units, min_size)
    assert (caught.value.code, caught.value.params) == (code, params)


def ancestors(units: list[Unit], key: str) -> list[str]:
    parents = {unit.key: unit.parent for unit in units}
    chain = [key]
    while (parent := parents[chain[-1]]) is not None:
        chain.append(parent)
    return chain


@PROPERTY
@given(units=unit_trees(), min_size=st.integers(0, 25), seed=st.integers(0, 1000))
def test_every_unit_is_in_exactly_one_pool_of_enough_people(
    units: list[Unit], min_size: int, seed: int
) -> None:
    result = pools(units, min_size)
    members = [member for pool in result.pools for member in pool.units]
    assert sorted(members) == sorted(unit.key for unit in units)
    assert sum(pool.size for pool in result.pools) == sum(unit.count for unit in units)
    counts = {unit.key: unit.count for unit in units}
    roots = {unit.key for unit in units if unit.parent is None}
    for pool in result.pools:
        assert pool.size == sum(counts[member] for member in pool.units)
        assert pool.units[0] == pool.key
        if pool.enforced:
            assert pool.size >= min_size
        else:
            assert pool.key in roots
            assert pool.size < min_size
    for unit in units:
        # a unit is pooled with itself or an ancestor, and a large unit is its own pool
        assert result.pool_of[unit.key] in ancestors(units, unit.key)
        if unit.count >= min_size:
            assert result.pool_of[unit.key] == unit.key
    # the order of the input changes nothing but the order of the pools
    shuffled = list(units)
    random.Random(seed).shuffle(shuffled)
    assert dict(pools(shuffled, min_size).pool_of) == dict(result.pool_of)


# --- deviation --------------------------------------------------------------------------------


def test_deviation_of_twenty_people() -> None:
    # given quotas S 2, A 4, B 10, C 3, D 1 and one person not graded yet
    result = deviation(DEFAULT_DISTRIBUTION, 20, {"S": 3, "A": 4, "B": 9, "C": 2, "D": 1})

    assert result.enforced
    assert result.ungraded == 1
    assert [(r.grade, r.quota, r.count, r.difference, r.status) for r in result.rows] == [
        ("S", 2, 3, 1, QuotaStatus.OVER),
        ("A", 4, 4, 0, QuotaStatus.OK),
        ("B", 10, 9, -1, QuotaStatus.OK),  # a target is never broken
        ("C", 3, 2, -1, QuotaStatus.UNDER),
        ("D", 1, 1, 0, QuotaStatus.OK),
    ]
    assert [row.grade for row in result.violations] == ["S", "C"]
    assert not result.complies
    rows = [values for code, values in codes_and_values(result.steps) if code == "distribution_row"]
    assert rows[0] == {
        "grade": "S",
        "mode": "at_most",
        "quota": "2",
        "count": "3",
        "difference": "+1",
        "status": "over",
    }
    assert (rows[1]["difference"], rows[3]["difference"]) == ("0", "-1")


def test_at_most_and_at_least_allow_the_other_side() -> None:
    result = deviation(DEFAULT_DISTRIBUTION, 20, {"S": 1, "A": 3, "B": 10, "C": 4, "D": 2})
    assert result.complies
    assert {row.status for row in result.rows} == {QuotaStatus.OK}


def test_an_exact_quota_is_broken_both_ways() -> None:
    exact = rule(("A", "50", EXACT), ("B", "50", EXACT))
    result = deviation(exact, 10, {"A": 6, "B": 4})
    assert [row.status for row in result.rows] == [QuotaStatus.OVER, QuotaStatus.UNDER]
    assert deviation(exact, 10, {"A": 5, "B": 5}).complies


def test_a_small_group_is_not_forced() -> None:
    result = deviation(DEFAULT_DISTRIBUTION, 5, {"S": 3, "B": 2})
    assert not result.enforced
    assert result.complies
    assert result.violations == ()
    assert result.rows[0].status == QuotaStatus.OVER  # shown for guidance
    assert ("distribution_small_group", {"headcount": "5", "min_size": "10"}) in (
        codes_and_values(result.steps)
    )


@pytest.mark.parametrize(
    ("counts", "code", "params"),
    [
        ({"E": 1}, "bad_grade", {"grade": "E", "grades": "S, A, B, C, D"}),
        ({"S": -1}, "negative", {"field": "headcount", "grade": "S"}),
        ({"S": 5, "B": 6}, "counts_exceed_headcount", {"counted": "11", "headcount": "10"}),
    ],
)
def test_invalid_counts_are_refused(
    counts: dict[str, int], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        deviation(DEFAULT_DISTRIBUTION, 10, counts)
    assert (caught.value.code, caught.value.params) == (code, params)


@PROPERTY
@given(distribution=distribution_rules(), data=st.data())
def test_a_group_complies_exactly_when_no_binding_quota_is_broken(
    distribution: DistributionRule, data: st.DataObject
) -> None:
    counts = {g: data.draw(st.integers(0, 8), label=g) for g in distribution.grades}
    headcount = sum(counts.values()) + data.draw(st.integers(0, 3))
    result = deviation(distribution, headcount, counts)
    broken = [
        row
        for row in result.rows
        if (row.mode in (EXACT, AT_MOST) and row.count > row.quota)
        or (row.mode in (EXACT, AT_LEAST) and row.count < row.quota)
    ]
    assert [row.status != QuotaStatus.OK for row in result.rows] == [
        row in broken for row in result.rows
    ]
    assert result.enforced == (headcount >= distribution.min_group_size)
    assert result.complies == (not result.enforced or not broken)
    assert all(row.difference == row.count - row.quota for row in result.rows)
    # grades whose counts are their quotas always comply
    assert deviation(distribution, headcount, quotas(distribution, headcount).by_grade).complies


# --- grades from a ranking --------------------------------------------------------------------


def people(*scores: str) -> list[tuple[str, Decimal]]:
    return [(f"p{i:02}", D(score)) for i, score in enumerate(scores, start=1)]


def test_ten_people_fill_the_quotas_from_the_top() -> None:
    # quotas of 10: S 1, A 2, B 5, C 2, D 0
    scored = people("91", "88", "85", "80", "79", "78", "77", "76", "70", "65")
    result = grades_by_rank(DEFAULT_DISTRIBUTION, list(reversed(scored)))

    assert [person.grade for person in result.people] == list("SAABBBBBCC")
    assert [person.key for person in result.people] == [key for key, _score in scored]
    assert dict(result.counts) == {"S": 1, "A": 2, "B": 5, "C": 2, "D": 0}
    assert result.by_key["p01"] == "S"
    ranks = [(c, v) for c, v in codes_and_values(result.steps) if c.startswith("rank")]
    assert ranks == [
        (
            "rank_grade",
            {
                "grade": "S",
                "quota": "1",
                "count": "1",
                "first": "1",
                "last": "1",
                "high": "91",
                "low": "91",
            },
        ),
        (
            "rank_grade",
            {
                "grade": "A",
                "quota": "2",
                "count": "2",
                "first": "2",
                "last": "3",
                "high": "88",
                "low": "85",
            },
        ),
        (
            "rank_grade",
            {
                "grade": "B",
                "quota": "5",
                "count": "5",
                "first": "4",
                "last": "8",
                "high": "80",
                "low": "76",
            },
        ),
        (
            "rank_grade",
            {
                "grade": "C",
                "quota": "2",
                "count": "2",
                "first": "9",
                "last": "10",
                "high": "70",
                "low": "65",
            },
        ),
        ("rank_grade", {"grade": "D", "quota": "0", "count": "0"}),
    ]


def test_equal_scores_across_a_boundary_all_get_the_better_grade() -> None:
    # given two people tied at the top where S has one place
    scored = people("95", "95", "90", "85", "80", "75", "74", "73", "72", "60")
    result = grades_by_rank(DEFAULT_DISTRIBUTION, scored)

    # then both are S and A keeps only one of its two places
    assert [person.grade for person in result.people] == list("SSABBBBBCC")
    assert [person.rank for person in result.people[:3]] == [1, 1, 3]
    assert dict(result.counts) == {"S": 2, "A": 1, "B": 5, "C": 2, "D": 0}
    steps = codes_and_values(result.steps)
    tie = steps.index(("rank_tie", {"grade": "S", "score": "95", "people": "2", "beyond": "1"}))
    assert steps[tie - 1][1]["grade"] == "S"  # right after the grade it concerns
    assert deviation(DEFAULT_DISTRIBUTION, 10, result.counts).violations[0].grade == "S"


def test_a_tie_can_leave_a_grade_empty() -> None:
    # S 1 and A 2 places, four people tied at the top: all S, nobody A
    scored = people("90", "90", "90", "90", "80", "79", "78", "77", "76", "50")
    result = grades_by_rank(DEFAULT_DISTRIBUTION, scored)
    assert dict(result.counts) == {"S": 4, "A": 0, "B": 4, "C": 2, "D": 0}
    assert ("rank_tie", {"grade": "S", "score": "90", "people": "4", "beyond": "3"}) in (
        codes_and_values(result.steps)
    )


def test_everybody_equal_get_the_best_grade_with_a_place() -> None:
    result = grades_by_rank(DEFAULT_DISTRIBUTION, people("80", "80", "80", "80", "80"))
    assert set(result.by_key.values()) == {"S"}


def test_ranking_nobody() -> None:
    result = grades_by_rank(DEFAULT_DISTRIBUTION, [])
    assert result.people == ()
    assert dict(result.counts) == dict.fromkeys("SABCD", 0)


@pytest.mark.parametrize(
    ("scored", "code", "params"),
    [
        ([("a", D(1)), ("a", D(2))], "duplicate_key", {"field": "person", "key": "a"}),
        ([("a", D("NaN"))], "not_finite", {"field": "score"}),
    ],
)
def test_invalid_rankings_are_refused(
    scored: list[tuple[str, Decimal]], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        grades_by_rank(DEFAULT_DISTRIBUTION, scored)
    assert (caught.value.code, caught.value.params) == (code, params)


ranked_scores = st.lists(money(0, 100, places=0), max_size=40)


@PROPERTY
@given(distribution=distribution_rules(), scores=ranked_scores, seed=st.integers(0, 1000))
def test_ranked_grades_follow_the_scores_and_the_quotas(
    distribution: DistributionRule, scores: list[Decimal], seed: int
) -> None:
    scored = [(f"p{i}", score) for i, score in enumerate(scores)]
    result = grades_by_rank(distribution, scored)
    order = list(distribution.grades)
    grade_of = result.by_key
    score_of = dict(scored)
    assert sorted(grade_of) == sorted(score_of)
    for a in grade_of:
        for b in grade_of:
            if score_of[a] == score_of[b]:
                assert grade_of[a] == grade_of[b]
            elif score_of[a] > score_of[b]:
                assert order.index(grade_of[a]) <= order.index(grade_of[b])
    quota = result.quotas.by_grade
    assert sum(result.counts.values()) == len(scored)
    # the better grades together have at least their quotas, more only through a tie
    largest_tie = max([scores.count(score) for score in scores], default=1)
    given_so_far = quota_so_far = 0
    for grade in order:
        given_so_far += result.counts[grade]
        quota_so_far += quota[grade]
        assert quota_so_far <= given_so_far <= quota_so_far + largest_tie - 1
    if len(set(scores)) == len(scores):
        assert dict(result.counts) == quota
    shuffled = list(scored)
    random.Random(seed).shuffle(shuffled)
    assert grades_by_rank(distribution, shuffled) == result
