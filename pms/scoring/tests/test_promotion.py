"""Promotion eligibility: the latest results in a row at a grade or better, and tenure."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.promotion import (
    CycleResult,
    PromotionRule,
    promotion_eligibility,
    tenure_months,
)
from pms.scoring.rules import GRADES
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY


def results(*grades: str | None) -> list[CycleResult]:
    """One result a year, the latest first: 2024, 2023, …"""
    return [
        CycleResult(f"y{2024 - i}", date(2024 - i, 12, 31), grade) for i, grade in enumerate(grades)
    ]


def steps_of(result: object) -> list[tuple[str, dict[str, str]]]:
    return [(step.code, step.values) for step in result.steps]  # type: ignore[attr-defined]


def test_two_years_at_a_or_better() -> None:
    # given S last year and A the year before, B before that; results in any order
    history = results("S", "A", "B")
    result = promotion_eligibility(PromotionRule("A", 2), list(reversed(history)))

    assert result.eligible
    assert (result.streak, result.cycles, result.tenure_ok) == (2, ("y2024", "y2023"), True)
    assert steps_of(result) == [
        (
            "promotion_result",
            {"cycle": "y2024", "grade": "S", "min_grade": "A", "qualifies": "true"},
        ),
        (
            "promotion_result",
            {"cycle": "y2023", "grade": "A", "min_grade": "A", "qualifies": "true"},
        ),
        ("promotion_streak", {"streak": "2", "required": "2", "min_grade": "A"}),
    ]


def test_a_worse_result_breaks_the_run() -> None:
    result = promotion_eligibility(PromotionRule("A", 2), results("A", "B", "S"))
    assert not result.eligible
    assert result.streak == 1
    assert steps_of(result)[1][1]["qualifies"] == "false"


def test_a_cycle_without_a_grade_breaks_the_run() -> None:
    result = promotion_eligibility(PromotionRule("B", 2), results("A", None, "A"))
    assert not result.eligible
    assert steps_of(result)[1] == (
        "promotion_result",
        {"cycle": "y2023", "grade": "", "min_grade": "B", "qualifies": "false"},
    )


def test_too_few_results() -> None:
    result = promotion_eligibility(PromotionRule("A", 3), results("S", "S"))
    assert not result.eligible
    assert ("promotion_too_few", {"count": "2", "required": "3"}) in steps_of(result)


def test_nothing_asked_of_the_results() -> None:
    result = promotion_eligibility(PromotionRule("S", 0), [])
    assert result.eligible
    assert result.cycles == ()


def test_equal_end_dates_are_ordered_by_cycle() -> None:
    same_day = [
        CycleResult("2024-a", date(2024, 12, 31), "D"),
        CycleResult("2024-b", date(2024, 12, 31), "S"),
    ]
    result = promotion_eligibility(PromotionRule("A", 1), same_day)
    assert result.cycles == ("2024-b",)
    assert result.eligible


def test_tenure() -> None:
    rule = PromotionRule("A", 1, min_tenure_months=24)
    enough = promotion_eligibility(rule, results("S"), tenure=24)
    assert enough.eligible
    assert steps_of(enough)[-1] == (
        "promotion_tenure",
        {"months": "24", "required": "24", "ok": "true"},
    )
    short = promotion_eligibility(rule, results("S"), tenure=23)
    assert (short.eligible, short.tenure_ok) == (False, False)
    assert steps_of(short)[-1][1]["ok"] == "false"
    unknown = promotion_eligibility(rule, results("S"))
    assert not unknown.eligible
    assert steps_of(unknown)[-1] == ("promotion_tenure_unknown", {"required": "24"})


@pytest.mark.parametrize(
    ("hired", "as_of", "months"),
    [
        (date(2024, 1, 15), date(2024, 1, 15), 0),
        (date(2024, 1, 15), date(2024, 2, 14), 0),
        (date(2024, 1, 15), date(2024, 2, 15), 1),
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # the last day of a shorter month
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2024, 3, 31), date(2024, 4, 30), 1),
        (date(2020, 6, 1), date(2024, 5, 31), 47),
        (date(2020, 6, 1), date(2024, 6, 1), 48),
    ],
)
def test_tenure_in_whole_months(hired: date, as_of: date, months: int) -> None:
    assert tenure_months(hired, as_of) == months


@pytest.mark.parametrize(
    ("rule", "history", "tenure", "code", "params"),
    [
        (PromotionRule("E"), [], None, "bad_grade", {"grade": "E", "grades": "S, A, B, C, D"}),
        (PromotionRule("A", -1), [], None, "negative", {"field": "consecutive"}),
        (PromotionRule("A", 1, -1), [], None, "negative", {"field": "min_tenure_months"}),
        (PromotionRule("A"), [], -3, "negative", {"field": "tenure"}),
        (
            PromotionRule("A"),
            [*results("A"), *results("B")],
            None,
            "duplicate_key",
            {"field": "cycle", "key": "y2024"},
        ),
        (
            PromotionRule("A"),
            results("A+"),
            None,
            "bad_grade",
            {"grade": "A+", "grades": "S, A, B, C, D"},
        ),
    ],
)
def test_invalid_inputs_are_refused(
    rule: PromotionRule,
    history: list[CycleResult],
    tenure: int | None,
    code: str,
    params: dict[str, str],
) -> None:
    with pytest.raises(ScoringError) as caught:
        promotion_eligibility(rule, history, tenure=tenure)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_a_tenure_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        tenure_months(date(2024, 2, 1), date(2024, 1, 31))
    assert (caught.value.code, caught.value.params) == (
        "period_inverted",
        {"start": "2024-02-01", "end": "2024-01-31"},
    )


histories = st.lists(st.none() | st.sampled_from(GRADES), max_size=8)


@PROPERTY
@given(
    grades=histories,
    min_grade=st.sampled_from(GRADES),
    consecutive=st.integers(0, 6),
    seed=st.integers(0, 99),
)
def test_eligible_exactly_when_the_latest_results_all_qualify(
    grades: list[str | None], min_grade: str, consecutive: int, seed: int
) -> None:
    history = results(*grades)
    random.Random(seed).shuffle(history)
    result = promotion_eligibility(PromotionRule(min_grade, consecutive), history)
    latest = grades[:consecutive]
    qualifying = [
        grade is not None and GRADES.index(grade) <= GRADES.index(min_grade) for grade in latest
    ]
    assert result.eligible == (len(latest) == consecutive and all(qualifying))
    assert result.cycles == tuple(f"y{2024 - i}" for i in range(len(latest)))
    assert (result.streak >= consecutive) == result.eligible
    # an older result beyond the ones looked at never matters
    if len(grades) >= consecutive:
        older = results(*grades, "D")
        rule = PromotionRule(min_grade, consecutive)
        assert promotion_eligibility(rule, older).eligible == result.eligible
    assert {step.code for step in result.steps} <= set(STEP_CODES)


@PROPERTY
@given(
    hired=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 4000),
    more=st.integers(0, 400),
)
def test_tenure_never_shrinks(hired: date, days: int, more: int) -> None:
    start = date.fromordinal(hired.toordinal() + days)
    later = date.fromordinal(start.toordinal() + more)
    assert 0 <= tenure_months(hired, start) <= tenure_months(hired, later)
    assert tenure_months(hired, start) <= days // 28
