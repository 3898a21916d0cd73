"""Rating scales as 0–100 points, their JSON form, and one rater's section score."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.ratings import (
    Answer,
    Level,
    LevelsScale,
    NumericScale,
    RatedItem,
    RatingScale,
    YesNoScale,
    rater_score,
    scale_from_data,
    scale_points,
    scale_to_data,
)
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY, money, review_scores

ONE_TO_FIVE = NumericScale(min=Decimal(1), max=Decimal(5), step=Decimal(1))
GRADED = LevelsScale(
    levels=(
        Level("S", Decimal(100), "Outstanding"),
        Level("A", Decimal(85)),
        Level("B", Decimal(70)),
        Level("C", Decimal(50)),
        Level("D", Decimal(0)),
    )
)


def error_of(call: object, *args: object) -> ScoringError:
    assert callable(call)
    with pytest.raises(ScoringError) as caught:
        call(*args)
    return caught.value


# --- numeric scales ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Decimal(1), "0.00"),
        (Decimal(3), "50.00"),
        (Decimal(5), "100.00"),
        (4, "75.00"),  # an int
        (" 2 ", "25.00"),  # a number from a form
    ],
)
def test_a_numeric_scale_reads_linearly_from_min_to_max(answer: Answer, expected: str) -> None:
    assert str(scale_points(ONE_TO_FIVE, answer)) == expected


def test_points_without_a_finite_decimal_are_rounded_half_up() -> None:
    one_to_four = NumericScale(min=Decimal(1), max=Decimal(4))
    assert scale_points(one_to_four, Decimal(2)) == Decimal("33.33")
    assert scale_points(one_to_four, Decimal(3)) == Decimal("66.67")
    # without a step any number in range is an answer
    assert scale_points(one_to_four, Decimal("2.5")) == Decimal(50)


def test_a_numeric_answer_outside_the_scale_is_refused() -> None:
    error = error_of(scale_points, ONE_TO_FIVE, Decimal(6))
    assert error.code == "out_of_range"
    assert error.params == {"field": "answer", "value": "6", "min": "1", "max": "5"}


def test_a_numeric_answer_off_the_step_is_refused() -> None:
    error = error_of(scale_points, ONE_TO_FIVE, Decimal("3.5"))
    assert error.code == "answer_off_step"
    assert error.params == {"value": "3.5", "min": "1", "step": "1"}
    half = NumericScale(min=Decimal(0), max=Decimal(10), step=Decimal("0.5"))
    assert scale_points(half, Decimal("7.5")) == Decimal(75)


@pytest.mark.parametrize("answer", [True, "four", None, [4]])
def test_a_numeric_answer_must_be_a_number(answer: object) -> None:
    assert error_of(scale_points, ONE_TO_FIVE, answer).code == "not_a_number"


@pytest.mark.parametrize(
    ("low", "high", "step", "code"),
    [
        ("5", "5", None, "scale_inverted"),
        ("5", "1", None, "scale_inverted"),
        ("0", "10", "0", "scale_step_invalid"),
        ("0", "10", "-1", "scale_step_invalid"),
        ("0", "10", "3", "scale_step_invalid"),  # 10 could not be answered
        ("0", "NaN", None, "not_finite"),
    ],
)
def test_numeric_scales_validate_themselves(
    low: str, high: str, step: str | None, code: str
) -> None:
    with pytest.raises(ScoringError) as caught:
        NumericScale(Decimal(low), Decimal(high), None if step is None else Decimal(step))
    assert caught.value.code == code


def test_a_numeric_scale_may_run_below_zero() -> None:
    centred = NumericScale(min=Decimal(-2), max=Decimal(2), step=Decimal(1))
    assert scale_points(centred, Decimal(-2)) == 0
    assert scale_points(centred, Decimal(0)) == 50


# --- levels and yes/no ------------------------------------------------------------------------


def test_a_level_scores_its_points() -> None:
    assert scale_points(GRADED, "S") == Decimal(100)
    assert scale_points(GRADED, " B ") == Decimal(70)
    assert str(scale_points(GRADED, "D")) == "0.00"


@pytest.mark.parametrize("answer", ["E", "s", 5, True])
def test_an_unknown_level_is_refused(answer: Answer) -> None:
    error = error_of(scale_points, GRADED, answer)
    assert error.code == "unknown_level"
    assert error.params["codes"] == "S, A, B, C, D"


@pytest.mark.parametrize(
    ("levels", "code", "params"),
    [
        ((Level("S", Decimal(100)),), "levels_too_few", {"count": "1"}),
        ((), "levels_too_few", {"count": "0"}),
        (
            (Level("S", Decimal(100)), Level(" S", Decimal(50))),
            "duplicate_key",
            {"field": "level", "key": "S"},
        ),
        (
            (Level("S", Decimal(100)), Level(" ", Decimal(50))),
            "code_empty",
            {"field": "level", "position": "2"},
        ),
        (
            (Level("S", Decimal(101)), Level("A", Decimal(50))),
            "out_of_range",
            {"field": "points", "min": "0", "max": "100", "position": "1"},
        ),
        (
            (Level("S", Decimal(100)), Level("A", Decimal(-1))),
            "out_of_range",
            {"field": "points", "min": "0", "max": "100", "position": "2"},
        ),
    ],
)
def test_levels_scales_validate_themselves(
    levels: tuple[Level, ...], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        LevelsScale(levels)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_yes_is_100_and_no_is_0_unless_set_otherwise() -> None:
    assert scale_points(YesNoScale(), answer=True) == 100
    assert scale_points(YesNoScale(), answer=False) == 0
    # a question asked the other way round ("any safety incident?")
    reversed_question = YesNoScale(yes=Decimal(0), no=Decimal(100))
    assert scale_points(reversed_question, answer=True) == 0


def test_a_yes_no_answer_must_be_a_bool() -> None:
    error = error_of(scale_points, YesNoScale(), "yes")
    assert (error.code, error.params) == ("not_a_boolean", {"field": "answer"})
    with pytest.raises(ScoringError) as caught:
        YesNoScale(yes=Decimal(120))
    assert caught.value.params == {"field": "yes", "min": "0", "max": "100"}


# --- JSON-like data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "numeric", "min": 1, "max": "5", "step": 1.0}, ONE_TO_FIVE),
        (
            {"kind": "numeric", "min": "0", "max": "100", "step": None},
            NumericScale(Decimal(0), Decimal(100)),
        ),
        (
            {
                "kind": "levels",
                "levels": [
                    {"code": " S ", "points": 100, "label": " Outstanding "},
                    {"code": "A", "points": "85"},
                    {"code": "B", "points": 70, "label": ""},
                    {"code": "C", "points": Decimal(50)},
                    {"code": "D", "points": 0},
                ],
            },
            GRADED,
        ),
        ({"kind": "yes_no"}, YesNoScale()),
        ({"kind": "yes_no", "yes": 0, "no": "100"}, YesNoScale(Decimal(0), Decimal(100))),
    ],
)
def test_scale_from_data_reads_the_documented_shapes(
    data: dict[str, object], expected: RatingScale
) -> None:
    assert scale_from_data(data) == expected


def test_scale_to_data_writes_normalised_strings() -> None:
    assert scale_to_data(ONE_TO_FIVE) == {"kind": "numeric", "min": "1", "max": "5", "step": "1"}
    assert scale_to_data(NumericScale(Decimal("0.0"), Decimal("10.50"))) == {
        "kind": "numeric",
        "min": "0",
        "max": "10.5",
    }
    assert scale_to_data(GRADED)["levels"] == [
        {"code": "S", "points": "100", "label": "Outstanding"},
        {"code": "A", "points": "85"},
        {"code": "B", "points": "70"},
        {"code": "C", "points": "50"},
        {"code": "D", "points": "0"},
    ]
    assert scale_to_data(YesNoScale()) == {"kind": "yes_no", "yes": "100", "no": "0"}


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        ([], "scale_malformed", {"field": "scale"}),
        ({}, "scale_missing_field", {"field": "kind"}),
        (
            {"kind": "stars"},
            "unknown_scale_kind",
            {"kind": "stars", "kinds": "numeric, levels, yes_no"},
        ),
        (
            {"kind": "numeric", "min": 1, "max": 5, "stp": 1},
            "scale_unknown_field",
            {"field": "stp"},
        ),
        ({"kind": "numeric", "min": 1}, "scale_missing_field", {"field": "max"}),
        ({"kind": "numeric", "min": "one", "max": 5}, "not_a_number", {"field": "min"}),
        ({"kind": "numeric", "min": 5, "max": 1}, "scale_inverted", {"min": "5", "max": "1"}),
        ({"kind": "levels"}, "scale_missing_field", {"field": "levels"}),
        ({"kind": "levels", "levels": "SABCD"}, "scale_malformed", {"field": "levels"}),
        (
            {"kind": "levels", "levels": [{"code": "S", "points": 100}, "A"]},
            "scale_malformed",
            {"field": "levels", "position": "2"},
        ),
        (
            {"kind": "levels", "levels": [{"code": "S"}, {"code": "A", "points": 1}]},
            "scale_missing_field",
            {"field": "points", "position": "1"},
        ),
        (
            {"kind": "levels", "levels": [{"code": 5, "points": 100}]},
            "scale_malformed",
            {"field": "code", "position": "1"},
        ),
        (
            {"kind": "levels", "levels": [{"code": "S", "points": 100, "label": 1}]},
            "scale_malformed",
            {"field": "label", "position": "1"},
        ),
        (
            {"kind": "levels", "levels": [{"code": "S", "points": 100, "colour": "red"}]},
            "scale_unknown_field",
            {"field": "colour", "position": "1"},
        ),
        (
            {"kind": "levels", "levels": [{"code": "S", "points": "lots"}]},
            "not_a_number",
            {"field": "points", "position": "1"},
        ),
        (
            {
                "kind": "levels",
                "levels": [{"code": "S", "points": 100}, {"code": "S", "points": 1}],
            },
            "duplicate_key",
            {"field": "level", "key": "S"},
        ),
        ({"kind": "yes_no", "yes": True}, "not_a_number", {"field": "yes"}),
    ],
)
def test_scale_from_data_refuses_invalid_scales_with_a_code(
    data: object, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        scale_from_data(data)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.params) == (code, params)


@st.composite
def scales(draw: st.DrawFn) -> RatingScale:
    kind = draw(st.sampled_from(["numeric", "levels", "yes_no"]))
    if kind == "numeric":
        low = draw(money(-10, 10))
        step = draw(st.none() | money(Decimal("0.01"), 5))
        span = (
            draw(money(Decimal("0.01"), 100)) if step is None else step * draw(st.integers(1, 20))
        )
        return NumericScale(min=low, max=low + span, step=step)
    if kind == "levels":
        codes = draw(st.lists(st.sampled_from("SABCDE12345"), min_size=2, unique=True))
        return LevelsScale(tuple(Level(code, draw(review_scores)) for code in codes))
    return YesNoScale(yes=draw(review_scores), no=draw(review_scores))


@PROPERTY
@given(scale=scales())
def test_scale_from_data_inverts_scale_to_data(scale: RatingScale) -> None:
    assert scale_from_data(scale_to_data(scale)) == scale


@st.composite
def answered(draw: st.DrawFn) -> tuple[RatingScale, Answer]:
    scale = draw(scales())
    match scale:
        case NumericScale(min=low, max=high, step=step):
            if step is None:
                return scale, draw(money(low, high))
            return scale, low + step * draw(st.integers(0, int((high - low) / step)))
        case LevelsScale():
            return scale, draw(st.sampled_from(scale.codes))
        case YesNoScale():
            return scale, draw(st.booleans())


@PROPERTY
@given(case=answered())
def test_every_valid_answer_scores_two_decimal_points_within_0_and_100(
    case: tuple[RatingScale, Answer],
) -> None:
    points = scale_points(*case)
    assert 0 <= points <= 100
    assert points.as_tuple().exponent == -2


@PROPERTY
@given(a=money(1, 5), b=money(1, 5))
def test_a_higher_numeric_answer_never_scores_less(a: Decimal, b: Decimal) -> None:
    scale = NumericScale(Decimal(1), Decimal(5))
    low, high = sorted((a, b))
    assert scale_points(scale, low) <= scale_points(scale, high)


# --- one rater's section score ----------------------------------------------------------------


def rated(key: str, answer: Answer | None, weight: str = "1") -> RatedItem:
    return RatedItem(key=key, scale=ONE_TO_FIVE, answer=answer, weight=Decimal(weight))


def test_items_count_equally_unless_weighted() -> None:
    # given three competencies answered 5, 4 and 2 on a 1–5 scale (100, 75, 25 points)
    items = [rated("teamwork", 5), rated("ownership", 4), rated("learning", 2)]

    result = rater_score(items)

    assert result.score == Decimal("66.67")
    assert (result.answered, result.items) == (3, 3)
    assert result.steps[0].code == "rating_item"
    assert result.steps[0].values == {
        "key": "teamwork",
        "weight": "1",
        "answer": "5",
        "points": "100.00",
    }
    assert result.steps[-1].values == {
        "answered": "3",
        "items": "3",
        "weight": "3",
        "result": "66.67",
    }


def test_weighted_items() -> None:
    items = [rated("teamwork", 5, "30"), rated("ownership", 3, "70")]
    assert rater_score(items).score == Decimal(65)  # 0.3 × 100 + 0.7 × 50


def test_unanswered_items_are_left_out_and_the_rest_renormalised() -> None:
    items = [rated("teamwork", 5, "30"), rated("ownership", None, "70")]
    result = rater_score(items)
    assert result.score == Decimal(100)
    assert (result.answered, result.items) == (1, 2)
    assert result.steps[1].code == "rating_item_unanswered"
    assert result.steps[1].values == {"key": "ownership", "weight": "70"}


def test_without_an_answered_item_there_is_no_score() -> None:
    assert rater_score([rated("teamwork", None)]).score is None
    assert rater_score([]).score is None
    assert rater_score([]).steps == ()


def test_a_weight_zero_item_never_counts_but_its_answer_is_still_checked() -> None:
    items = [rated("teamwork", 5), rated("comment", 1, "0")]
    result = rater_score(items)
    assert result.score == Decimal(100)
    assert (result.answered, result.items) == (1, 1)
    assert rater_score([rated("comment", 1, "0")]).score is None
    assert error_of(rater_score, [rated("comment", 9, "0")]).code == "out_of_range"


def test_items_on_different_scales_mix() -> None:
    items = [
        RatedItem("result", GRADED, "A"),
        RatedItem("on_time", YesNoScale(), answer=True),
        RatedItem("quality", ONE_TO_FIVE, Decimal(3)),
    ]
    result = rater_score(items)
    assert result.score == Decimal("78.33")  # (85 + 100 + 50) / 3
    assert [step.values.get("answer") for step in result.steps[:3]] == ["A", "yes", "3"]


def test_invalid_items_are_refused() -> None:
    duplicate = error_of(rater_score, [rated("a", 1), rated("a", 2)])
    assert (duplicate.code, duplicate.params) == ("duplicate_key", {"field": "item", "key": "a"})
    negative = error_of(rater_score, [rated("a", 1, "-1")])
    assert (negative.code, negative.params) == ("negative", {"field": "weight", "key": "a"})


@PROPERTY
@given(
    answers=st.lists(
        st.tuples(st.none() | st.integers(1, 5), money(0, 100)), min_size=1, max_size=8
    )
)
def test_a_rater_score_lies_between_the_lowest_and_highest_answered_points(
    answers: list[tuple[int | None, Decimal]],
) -> None:
    items = [
        RatedItem(str(i), ONE_TO_FIVE, answer, weight) for i, (answer, weight) in enumerate(answers)
    ]
    result = rater_score(items)
    points = [
        scale_points(ONE_TO_FIVE, answer)
        for answer, weight in answers
        if answer is not None and weight > 0
    ]
    if not points:
        assert result.score is None
    else:
        assert result.score is not None
        assert min(points) <= result.score <= max(points)
        assert result.answered == len(points)
    assert {step.code for step in result.steps} <= set(STEP_CODES)
