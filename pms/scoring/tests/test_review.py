"""The rater-type blend of a section, and a review's score from its sections and vetoes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.review import (
    RATER_TYPES,
    RaterBlend,
    RaterTypeMean,
    ReviewSection,
    ReviewVeto,
    blend_rater_types,
    review_score,
)
from pms.scoring.rules import GRADES, GoalScore
from pms.scoring.scorecard import Contribution, WeightedItem, scorecard_score
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import (
    PROPERTY,
    money,
    rater_type_inputs,
    review_scores,
    weights_summing_to,
)

TEMPLATE = {
    "manager": Decimal(60),
    "peer": Decimal(20),
    "self": Decimal(10),
    "upward": Decimal(10),
}


def d(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def blend(
    scores: Mapping[str, Sequence[Decimal]],
    weights: Mapping[str, Decimal] = TEMPLATE,
    **minimums: int,
) -> RaterBlend:
    return blend_rater_types(scores, weights, min_count=minimums or None)


# --- rater-type blend -------------------------------------------------------------------------


def test_a_missing_rater_type_is_left_out_not_counted_as_zero() -> None:
    # given a manager without direct reports: nobody answers the upward part
    scores = {"manager": d("80"), "peer": d("70", "90", "75"), "self": d("95")}

    result = blend(scores)

    # then (60 × 80 + 20 × 78.33… + 10 × 95) / 90
    assert result.score == Decimal("81.30")
    assert (result.weight, result.total_weight) == (Decimal(90), Decimal(100))
    assert [(step.code, step.values) for step in result.steps] == [
        ("rater_type", {"type": "self", "count": "1", "mean": "95.00", "weight": "10"}),
        ("rater_type", {"type": "manager", "count": "1", "mean": "80.00", "weight": "60"}),
        ("rater_type", {"type": "peer", "count": "3", "mean": "78.33", "weight": "20"}),
        ("rater_type_missing", {"type": "upward", "weight": "10"}),
        ("rater_blend", {"weight": "90", "total_weight": "100", "result": "81.30"}),
    ]
    assert result.types[-1] == RaterTypeMean("upward", Decimal(10), 0, 1, None, counted=False)


def test_with_every_type_answered_the_blend_is_the_weighted_mean() -> None:
    scores = {"manager": d("80"), "peer": d("70"), "self": d("90"), "upward": d("60")}
    assert blend(scores).score == Decimal(77)  # 48 + 14 + 9 + 6


def test_a_type_below_its_minimum_is_treated_as_not_answered_and_its_mean_is_hidden() -> None:
    # given two peers answered where three are needed to keep each one's score unknowable
    scores = {"manager": d("80"), "peer": d("40", "50")}

    result = blend(scores, peer=3)

    assert result.score == Decimal(80)
    too_few = next(step for step in result.steps if step.code == "rater_type_too_few")
    assert too_few.values == {"type": "peer", "count": "2", "minimum": "3", "weight": "20"}
    peer = next(t for t in result.types if t.rater_type == "peer")
    assert (peer.count, peer.minimum, peer.mean, peer.counted) == (2, 3, None, False)
    # with the third peer the type counts
    assert blend({"manager": d("80"), "peer": d("40", "50", "60")}, peer=3).score == Decimal("72.5")


def test_a_type_of_weight_zero_is_listed_by_count_but_never_counts() -> None:
    weights = {"manager": Decimal(100), "self": Decimal(0)}
    result = blend({"manager": d("70"), "self": d("100")}, weights)
    assert result.score == Decimal(70)
    assert result.steps[0].code == "rater_type_unweighted"
    assert result.steps[0].values == {"type": "self", "count": "1", "mean": "100.00"}
    hidden = blend({"manager": d("70"), "peer": d("100")}, {"manager": Decimal(1)}, peer=2)
    assert hidden.steps[1].values == {"type": "peer", "count": "1"}


def test_nothing_weighted_answered_means_no_score() -> None:
    assert blend({}).score is None
    assert blend({"peer": d("80")}, {"manager": Decimal(100), "peer": Decimal(0)}).score is None
    assert blend({}, {}).steps == ()
    only_missing = blend({"manager": []}, {"manager": Decimal(60)})
    assert only_missing.score is None
    assert [step.code for step in only_missing.steps] == ["rater_type_missing"]


def test_invalid_blend_inputs_are_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        blend({"boss": d("80")})
    assert caught.value.code == "unknown_rater_type"
    assert caught.value.params["type"] == "boss"
    with pytest.raises(ScoringError) as caught:
        blend({}, {"manager": Decimal(-1)})
    assert caught.value.params == {"field": "weight", "type": "manager"}
    with pytest.raises(ScoringError) as caught:
        blend({"manager": d("80")}, manager=-1)
    assert caught.value.params == {"field": "min_count", "type": "manager"}
    with pytest.raises(ScoringError) as caught:
        blend({"peer": d("80", "100.01")})
    # the error names the type but never the score a rater gave
    assert (caught.value.code, caught.value.params) == (
        "out_of_range",
        {"field": "score", "min": "0", "max": "100", "type": "peer"},
    )


ALLOWED_BLEND_VALUES = {"type", "count", "mean", "minimum", "weight", "total_weight", "result"}


@PROPERTY
@given(case=rater_type_inputs(), minimum=st.integers(0, 4))
def test_the_blend_shows_only_counts_and_means_per_type(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]], minimum: int
) -> None:
    scores, weights = case
    minimums = dict.fromkeys(scores, minimum)
    result = blend_rater_types(scores, weights, min_count=minimums)
    for step in result.steps:
        assert step.code in STEP_CODES
        assert set(step.values) <= ALLOWED_BLEND_VALUES
        shown_type = step.values.get("type")
        if shown_type is not None and "mean" in step.values:
            # a mean is only published for a type with enough answers
            assert len(scores[shown_type]) >= max(minimum, 1)
    # the raters' order carries nothing: reversed lists give the same blend
    reversed_scores = {key: list(reversed(values)) for key, values in scores.items()}
    assert blend_rater_types(reversed_scores, weights, min_count=minimums) == result


@PROPERTY
@given(case=rater_type_inputs())
def test_the_blend_lies_between_the_lowest_and_highest_counted_type_mean(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]],
) -> None:
    result = blend_rater_types(*case)
    means = [t.mean for t in result.types if t.counted and t.mean is not None]
    if not means:
        assert result.score is None
    else:
        assert result.score is not None
        assert min(means) <= result.score <= max(means)
        assert result.score.as_tuple().exponent == -2


@PROPERTY
@given(case=rater_type_inputs(), factor=money(Decimal("0.01"), 1000))
def test_weights_scaled_by_a_constant_give_the_same_blend(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]], factor: Decimal
) -> None:
    scores, weights = case
    scaled = {key: weight * factor for key, weight in weights.items()}
    assert blend_rater_types(scores, scaled).score == blend_rater_types(scores, weights).score


@PROPERTY
@given(case=rater_type_inputs(), extra=st.lists(review_scores, max_size=4))
def test_adding_a_type_of_weight_zero_changes_nothing(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]], extra: list[Decimal]
) -> None:
    scores, weights = case
    unused = [t for t in RATER_TYPES if t not in scores]
    assume(unused)
    with_extra = blend_rater_types({**scores, unused[0]: extra}, {**weights, unused[0]: Decimal(0)})
    assert with_extra.score == blend_rater_types(scores, weights).score


@PROPERTY
@given(case=rater_type_inputs(min_types=2), data=st.data())
def test_a_type_nobody_answered_is_the_same_as_a_type_not_in_the_template(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]], data: st.DataObject
) -> None:
    scores, weights = case
    dropped = data.draw(st.sampled_from(sorted(scores)))
    unanswered = blend_rater_types({**scores, dropped: []}, weights)
    others = blend_rater_types(
        {k: v for k, v in scores.items() if k != dropped},
        {k: v for k, v in weights.items() if k != dropped},
    )
    assert unanswered.score == others.score


@PROPERTY
@given(case=rater_type_inputs(), data=st.data())
def test_a_higher_rater_score_never_lowers_the_blend(
    case: tuple[dict[str, list[Decimal]], dict[str, Decimal]], data: st.DataObject
) -> None:
    scores, weights = case
    answered = sorted(key for key, values in scores.items() if values)
    assume(answered)
    rater_type = data.draw(st.sampled_from(answered))
    position = data.draw(st.integers(0, len(scores[rater_type]) - 1))
    raised = list(scores[rater_type])
    raised[position] = data.draw(money(raised[position], 100))
    before = blend_rater_types(scores, weights).score
    after = blend_rater_types({**scores, rater_type: raised}, weights).score
    assert (before is None) == (after is None)
    if before is not None and after is not None:
        assert after >= before


# --- review score -----------------------------------------------------------------------------


def section(key: str, weight: str, score: str | None) -> ReviewSection:
    return ReviewSection(key, Decimal(weight), None if score is None else Decimal(score))


SECTIONS = [section("goals", "70", "90"), section("competencies", "30", "80")]


def test_a_review_is_the_weighted_sum_of_its_sections() -> None:
    result = review_score(SECTIONS)
    assert result.score == Decimal(87)
    assert result.contributions == (
        Contribution("goals", Decimal(70), Decimal(90), Decimal(63)),
        Contribution("competencies", Decimal(30), Decimal(80), Decimal(24)),
    )
    assert [step.code for step in result.steps] == ["contribution", "contribution", "weighted_sum"]
    assert result.steps[-1].values == {"points": "87.00", "weight": "100", "result": "87.00"}
    assert not result.vetoed
    assert result.open_vetoes == ()


def test_a_section_without_a_score_leaves_the_review_unscored_unless_partial() -> None:
    sections = [section("goals", "70", "90"), section("competencies", "30", None)]
    assert review_score(sections).score is None
    partial = review_score(sections, partial=True)
    assert partial.score == Decimal(90)
    assert partial.steps[-1].code == "renormalise"
    assert partial.steps[-1].values == {
        "points": "63.00",
        "scored_weight": "70",
        "total_weight": "100",
        "result": "90.00",
    }
    assert review_score([section("goals", "100", None)], partial=True).score is None
    assert review_score([]).score is None


def test_section_weights_must_sum_to_100() -> None:
    with pytest.raises(ScoringError) as caught:
        review_score([section("goals", "70", "90"), section("competencies", "20", "80")])
    assert (caught.value.code, caught.value.params) == ("weights_not_100", {"total": "90.00"})
    thirds = [section(key, "33.333", "90") for key in "abc"]
    assert review_score(thirds).score is not None  # 99.999 reads as 100.00


def test_invalid_sections_are_refused() -> None:
    cases = [
        ([section("a", "50", "1"), section("a", "50", "1")], "duplicate_key"),
        ([section("a", "-10", "1"), section("b", "110", "1")], "negative"),
        ([section("a", "100", "-1")], "negative"),
    ]
    for sections, code in cases:
        with pytest.raises(ScoringError) as caught:
            review_score(sections)
        assert caught.value.code == code


def test_a_triggered_veto_sends_the_review_to_its_grade() -> None:
    # given a strong review and a breach of the code of conduct
    vetoes = [ReviewVeto("conduct", triggered=True), ReviewVeto("safety", triggered=False)]

    result = review_score(SECTIONS, vetoes=vetoes)

    # then the score stands and the grade is D
    assert result.score == Decimal(87)
    assert (result.vetoed, result.veto_grade, result.veto_keys) == (True, "D", ("conduct",))
    assert [(step.code, step.values) for step in result.steps[-3:]] == [
        ("review_veto", {"key": "conduct", "grade": "D"}),
        ("review_veto_clear", {"key": "safety"}),
        ("veto_grade", {"keys": "conduct", "grade": "D"}),
    ]


def test_the_worst_veto_grade_and_the_tightest_cap_apply() -> None:
    vetoes = [
        ReviewVeto("audit", triggered=True, grade="C", score_cap=Decimal(70)),
        ReviewVeto("safety", triggered=True, grade="B", score_cap=Decimal(60)),
        ReviewVeto("ethics", triggered=None),
    ]
    result = review_score(SECTIONS, vetoes=vetoes)
    assert (result.veto_grade, result.veto_keys) == ("C", ("audit", "safety"))
    assert result.open_vetoes == ("ethics",)
    assert result.score == Decimal(60)
    assert result.steps[-1].values == {"cap": "60", "before": "87.00", "result": "60.00"}
    assert ("review_veto", {"key": "audit", "grade": "C", "score_cap": "70"}) in [
        (step.code, step.values) for step in result.steps
    ]
    assert ("review_veto_open", {"key": "ethics"}) in [
        (step.code, step.values) for step in result.steps
    ]


def test_an_undecided_veto_holds_nothing_back_and_a_veto_without_score_caps_nothing() -> None:
    open_only = review_score(SECTIONS, vetoes=[ReviewVeto("ethics", triggered=None)])
    assert (open_only.score, open_only.vetoed) == (Decimal(87), False)
    unscored = [section("goals", "100", None)]
    capped = review_score(unscored, vetoes=[ReviewVeto("x", True, score_cap=Decimal(50))])
    assert (capped.score, capped.veto_grade) == (None, "D")
    assert capped.steps[-1].code == "veto_grade"


def test_invalid_vetoes_are_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        ReviewVeto("x", triggered=True, grade="E")
    assert caught.value.params == {"grade": "E", "grades": ", ".join(GRADES)}
    with pytest.raises(ScoringError) as caught:
        ReviewVeto("x", triggered=True, score_cap=Decimal(-1))
    assert caught.value.code == "negative"
    with pytest.raises(ScoringError) as caught:
        review_score(SECTIONS, vetoes=[ReviewVeto("x", None), ReviewVeto("x", False)])
    assert caught.value.params == {"field": "veto", "key": "x"}


def goal(score: Decimal | None) -> GoalScore:
    return GoalScore(score, None, vetoed=False, veto_grade=None, steps=(), rule={})


@PROPERTY
@given(data=st.data(), n=st.integers(1, 6), partial=st.booleans())
def test_a_review_scores_as_a_scorecard_of_the_same_weights_would(
    data: st.DataObject, n: int, partial: bool
) -> None:
    weights = data.draw(weights_summing_to(n))
    scores = [data.draw(st.none() | money(0, 120)) for _ in range(n)]
    sections = [
        ReviewSection(str(i), weight, score)
        for i, (weight, score) in enumerate(zip(weights, scores, strict=True))
    ]
    items = [WeightedItem(s.key, s.weight, goal(s.score)) for s in sections]

    review = review_score(sections, partial=partial)
    card = scorecard_score(items, partial=partial)

    assert review.score == card.score
    assert [(s.code, s.values) for s in review.steps] == [(s.code, s.values) for s in card.steps]
