"""Weight checks, the scorecard total with vetoes, and OKR objectives from key results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.rules import (
    DEFAULT_RULE,
    DeductionRule,
    GoalInput,
    GoalScore,
    VetoRule,
    score_goal,
)
from pms.scoring.scorecard import (
    Contribution,
    WeightedItem,
    check_weights,
    objective_score,
    scorecard_score,
    worst_grade,
)
from pms.scoring.tests.strategies import PROPERTY, money, percents, weights_summing_to


def scored(value: str | None) -> GoalScore:
    """A linear goal whose actual value against a target of 100 is ``value``."""
    actual = None if value is None else Decimal(value)
    return score_goal(DEFAULT_RULE, GoalInput(actual=actual, target=Decimal(100)))


def item(key: str, weight: str, value: str | None) -> WeightedItem:
    return WeightedItem(key=key, weight=Decimal(weight), score=scored(value))


def incident(count: int, *, grade: str = "D", cap: str | None = None) -> GoalScore:
    rule = VetoRule(grade=grade, score=None if cap is None else Decimal(cap))
    return score_goal(rule, GoalInput(count=Decimal(count)))


# --- check_weights ----------------------------------------------------------------------------


def test_weights_adding_up_to_100_are_ok() -> None:
    check = check_weights([Decimal(30), Decimal(30), Decimal(40)])
    assert check.ok
    assert check.total == Decimal(100)
    assert check.difference == 0


def test_missing_weight_shows_as_a_negative_difference() -> None:
    check = check_weights([Decimal(30), Decimal(30)])
    assert not check.ok
    assert check.difference == Decimal(-40)


def test_weights_are_compared_after_rounding_to_two_decimals() -> None:
    assert check_weights([Decimal("33.333")] * 3).ok
    assert not check_weights([Decimal("33.33")] * 3).ok
    assert check_weights([Decimal(50)], expected=Decimal(50)).ok
    assert check_weights([]).difference == Decimal(-100)


@PROPERTY
@given(weights=st.lists(money(0, 100), max_size=8))
def test_check_weights_is_ok_exactly_when_the_sum_is_100(weights: list[Decimal]) -> None:
    check = check_weights(weights)
    assert check.ok == (sum(weights) == 100)
    assert check.difference == sum(weights) - 100


@PROPERTY
@given(weights=st.integers(1, 8).flatmap(weights_summing_to))
def test_generated_weights_sum_to_100(weights: list[Decimal]) -> None:
    assert check_weights(weights).ok


# --- scorecard_score --------------------------------------------------------------------------


def test_scorecard_is_the_weighted_sum_of_goal_scores() -> None:
    # given sales at 90 % (weight 40) and quality at 80 % (weight 60)
    items = [item("sales", "40", "90"), item("quality", "60", "80")]

    result = scorecard_score(items)

    # then 36 + 48 points
    assert result.score == Decimal(84)
    assert result.scored_weight == Decimal(100)
    assert result.total_weight == Decimal(100)
    assert result.contributions == (
        Contribution("sales", Decimal(40), Decimal(90), Decimal(36)),
        Contribution("quality", Decimal(60), Decimal(80), Decimal(48)),
    )
    assert [step.code for step in result.steps] == ["contribution", "contribution", "weighted_sum"]
    assert result.steps[-1].values == {"points": "84.00", "weight": "100", "result": "84.00"}
    assert not result.vetoed


def test_the_total_is_rounded_once_not_line_by_line() -> None:
    # three goals of 33.33 % each scoring 80.01: lines round to 26.67, the total is 80.01
    items = [item(key, weight, "80.01") for key, weight in (("a", "33.33"), ("b", "33.33"))]
    items.append(item("c", "33.34", "80.01"))
    result = scorecard_score(items)
    assert result.score == Decimal("80.01")
    assert [c.points for c in result.contributions] == [Decimal("26.67")] * 2 + [Decimal("26.68")]


def test_an_unscored_goal_leaves_the_scorecard_unscored() -> None:
    items = [item("sales", "40", "90"), item("quality", "60", None)]
    result = scorecard_score(items)
    assert result.score is None
    assert result.scored_weight == Decimal(40)
    assert result.contributions[1] == Contribution("quality", Decimal(60), None, None)
    assert result.steps[1].code == "missing_score"


def test_partial_gives_the_score_so_far_renormalised() -> None:
    items = [item("sales", "40", "90"), item("quality", "60", None)]
    result = scorecard_score(items, partial=True)
    assert result.score == Decimal(90)
    assert result.steps[-1].code == "renormalise"
    assert result.steps[-1].values == {
        "points": "36.00",
        "scored_weight": "40",
        "total_weight": "100",
        "result": "90.00",
    }


def test_partial_with_nothing_scored_and_no_items_have_no_score() -> None:
    assert scorecard_score([item("sales", "100", None)], partial=True).score is None
    assert scorecard_score([]).score is None
    assert scorecard_score([], partial=True).score is None


def test_a_weight_zero_veto_item_not_recorded_does_not_hold_the_scorecard_back() -> None:
    unrecorded = score_goal(VetoRule(), GoalInput())
    items = [item("sales", "100", "90"), WeightedItem("safety", Decimal(0), unrecorded)]
    assert scorecard_score(items).score == Decimal(90)


def test_a_safety_incident_vetoes_the_scorecard_to_grade_d() -> None:
    # given a good scorecard with a veto item for safety incidents
    items = [item("sales", "100", "110"), WeightedItem("safety", Decimal(0), incident(1))]

    # when one incident is recorded
    result = scorecard_score(items)

    # then the score stands but the scorecard goes to D
    assert result.score == Decimal(110)
    assert result.vetoed
    assert result.veto_grade == "D"
    assert result.veto_keys == ("safety",)
    assert result.steps[-1].values == {"keys": "safety", "grade": "D"}


def test_the_worst_veto_grade_wins_and_the_tightest_cap_applies() -> None:
    items = [
        item("sales", "100", "95"),
        WeightedItem("audit", Decimal(0), incident(1, grade="C", cap="70")),
        WeightedItem("safety", Decimal(0), incident(2, grade="B", cap="60")),
        WeightedItem("ethics", Decimal(0), incident(0)),
    ]
    result = scorecard_score(items)
    assert result.veto_grade == "C"
    assert result.veto_keys == ("audit", "safety")
    assert result.score == Decimal(60)
    assert result.steps[-1].code == "veto_cap"
    assert result.steps[-1].values == {"cap": "60", "before": "95.00", "result": "60.00"}


def test_a_cap_above_the_score_changes_nothing() -> None:
    items = [item("sales", "100", "50"), WeightedItem("safety", Decimal(0), incident(1, cap="60"))]
    assert scorecard_score(items).score == Decimal(50)


def test_worst_grade() -> None:
    assert worst_grade(["A", "D", "B"]) == "D"
    assert worst_grade(["S", "A"]) == "A"
    assert worst_grade(["A", "X"]) == "X"
    assert worst_grade([]) is None


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        scorecard_score([item("sales", "-10", "90")])
    assert caught.value.code == "negative"
    assert caught.value.params == {"field": "weight", "key": "sales"}


@PROPERTY
@given(data=st.data(), n=st.integers(1, 8))
def test_scorecard_score_lies_between_the_lowest_and_highest_goal_score(
    data: st.DataObject, n: int
) -> None:
    # given weights summing to 100 and every goal scored, no veto
    weights = data.draw(weights_summing_to(n))
    actuals = [data.draw(percents) for _ in range(n)]
    items = [
        item(str(i), str(w), str(a)) for i, (w, a) in enumerate(zip(weights, actuals, strict=True))
    ]

    result = scorecard_score(items)

    scores = [i.score.score for i in items if i.score.score is not None]
    assert result.score is not None
    assert min(scores) <= result.score <= max(scores)
    assert result.score == scorecard_score(items, partial=True).score


@PROPERTY
@given(data=st.data(), n=st.integers(2, 8))
def test_partial_score_lies_between_the_scored_goal_scores(data: st.DataObject, n: int) -> None:
    weights = data.draw(weights_summing_to(n))
    actuals = [data.draw(st.none() | percents) for _ in range(n)]
    items = [
        item(str(i), str(w), None if a is None else str(a))
        for i, (w, a) in enumerate(zip(weights, actuals, strict=True))
    ]

    result = scorecard_score(items, partial=True)

    scores = [i.score.score for i in items if i.score.score is not None and i.weight > 0]
    if not scores:
        assert result.score is None
    else:
        assert result.score is not None
        assert min(scores) <= result.score <= max(scores)


# --- objective_score --------------------------------------------------------------------------


def test_an_objective_is_the_weighted_mean_of_its_key_results() -> None:
    result = objective_score([item("kr1", "50", "80"), item("kr2", "50", "60")])
    assert result.score == Decimal(70)
    assert result.rule == {"type": "key_results"}
    assert result.attainment is None


def test_an_objective_renormalises_over_scored_key_results() -> None:
    result = objective_score([item("kr1", "30", "80"), item("kr2", "70", None)])
    assert result.score == Decimal(80)
    assert objective_score([item("kr1", "100", None)]).score is None
    assert objective_score([]).score is None


def test_key_results_without_weights_count_equally() -> None:
    result = objective_score([item("kr1", "0", "90"), item("kr2", "0", "60")])
    assert result.score == Decimal(75)


def test_a_vetoed_key_result_vetoes_the_objective_and_the_scorecard() -> None:
    objective = objective_score(
        [item("kr1", "100", "90"), WeightedItem("kr2", Decimal(0), incident(1, cap="50"))]
    )
    assert objective.vetoed
    assert objective.veto_grade == "D"
    assert objective.veto_score_cap == Decimal(50)
    assert objective.score == Decimal(50)

    card = scorecard_score([WeightedItem("okr", Decimal(100), objective)])
    assert card.vetoed
    assert card.veto_keys == ("okr",)


def test_deductions_and_linear_goals_mix_on_one_scorecard() -> None:
    complaints = score_goal(DeductionRule(), GoalInput(count=Decimal(3)))
    result = scorecard_score(
        [item("sales", "70", "100"), WeightedItem("service", Decimal(30), complaints)]
    )
    assert result.score == Decimal("98.20")  # 70 + 30 × 94 %
