"""Grades from score bands, their JSON form, and a veto's grade over the score's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.grades import (
    DEFAULT_GRADE_BANDS,
    GradeBand,
    check_grade_bands,
    grade_bands_from_data,
    grade_bands_to_data,
    grade_for,
)
from pms.scoring.tests.strategies import PROPERTY, money


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("120", "S"),
        ("90", "S"),
        ("89.99", "A"),
        ("80", "A"),
        ("79.99", "B"),
        ("70", "B"),
        ("60", "C"),
        ("59.99", "D"),
        ("0", "D"),
    ],
)
def test_default_bands(score: str, grade: str) -> None:
    assert grade_for(Decimal(score))[0] == grade


def test_the_step_names_the_band() -> None:
    grade, steps = grade_for(Decimal("85.50"))
    assert grade == "A"
    assert [(step.code, step.values) for step in steps] == [
        ("grade_band", {"grade": "A", "min": "80", "score": "85.50"}),
    ]


def test_without_a_score_there_is_no_grade() -> None:
    assert grade_for(None) == (None, ())


def test_a_veto_grade_overrides_the_score() -> None:
    grade, steps = grade_for(Decimal(95), veto_grade="D")
    assert grade == "D"
    assert steps[-1].code == "grade_veto"
    assert steps[-1].values == {"grade": "D", "veto_grade": "D", "score_grade": "S"}


def test_a_veto_never_lifts_a_grade() -> None:
    grade, steps = grade_for(Decimal(50), veto_grade="C")
    assert grade == "D"
    assert steps[-1].values == {"grade": "D", "veto_grade": "C", "score_grade": "D"}


def test_a_veto_decides_the_grade_before_there_is_a_score() -> None:
    grade, steps = grade_for(None, veto_grade="D")
    assert grade == "D"
    assert [(step.code, step.values) for step in steps] == [
        ("grade_veto", {"grade": "D", "veto_grade": "D"}),
    ]


def test_a_veto_grade_must_be_a_grade_of_the_bands() -> None:
    with pytest.raises(ScoringError) as caught:
        grade_for(Decimal(80), veto_grade="E")
    assert (caught.value.code, caught.value.params) == (
        "bad_grade",
        {"grade": "E", "grades": "S, A, B, C, D"},
    )


def test_a_negative_score_is_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        grade_for(Decimal(-1))
    assert (caught.value.code, caught.value.params) == ("negative", {"field": "score"})


def test_custom_bands() -> None:
    bands = [GradeBand("excellent", Decimal(85)), GradeBand("good", Decimal(0))]
    assert grade_for(Decimal("84.99"), bands)[0] == "good"
    assert grade_for(Decimal(85), bands)[0] == "excellent"


def band(grade: str, minimum: str) -> GradeBand:
    return GradeBand(grade, Decimal(minimum))


@pytest.mark.parametrize(
    ("bands", "code", "params"),
    [
        ([], "grade_bands_empty", {}),
        (
            [band("A", "80"), band("B", "80"), band("C", "0")],
            "grade_bands_not_descending",
            {"position": "2"},
        ),
        (
            [band("A", "70"), band("B", "80"), band("C", "0")],
            "grade_bands_not_descending",
            {"position": "2"},
        ),
        ([band("A", "80"), band("A", "0")], "duplicate_key", {"field": "grade", "key": "A"}),
        ([band("A", "80"), band(" ", "0")], "code_empty", {"field": "grade", "position": "2"}),
        ([band("A", "80"), band("B", "60")], "grade_bands_floor", {"min": "60"}),
        ([band("A", "80"), band("B", "-10")], "grade_bands_floor", {"min": "-10"}),
        ([band("A", "NaN")], "not_finite", {"field": "min_score"}),
    ],
)
def test_invalid_bands_are_refused(
    bands: list[GradeBand], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        check_grade_bands(bands)
    assert (caught.value.code, caught.value.params) == (code, params)
    with pytest.raises(ScoringError):
        grade_for(Decimal(50), bands)


def test_bands_to_and_from_data() -> None:
    data = grade_bands_to_data(DEFAULT_GRADE_BANDS)
    assert data[0] == {"grade": "S", "min_score": "90"}
    assert data[-1] == {"grade": "D", "min_score": "0"}
    assert grade_bands_from_data(data) == DEFAULT_GRADE_BANDS
    assert grade_bands_from_data(
        [{"grade": " A ", "min_score": 80.5}, {"grade": "B", "min_score": "0"}]
    ) == (band("A", "80.5"), band("B", "0"))


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        ({"S": 90}, "grade_bands_malformed", {}),
        ("S90", "grade_bands_malformed", {}),
        ([["S", 90]], "grade_bands_malformed", {"position": "1"}),
        ([{"grade": "S"}], "grade_bands_malformed", {"position": "1"}),
        ([{"grade": "S", "min_score": 0, "x": 1}], "grade_bands_malformed", {"position": "1"}),
        ([{"grade": 1, "min_score": 0}], "grade_bands_malformed", {"position": "1"}),
        (
            [{"grade": "S", "min_score": "high"}],
            "not_a_number",
            {"field": "min_score", "position": "1"},
        ),
        ([], "grade_bands_empty", {}),
    ],
)
def test_malformed_band_data_is_refused(data: object, code: str, params: dict[str, str]) -> None:
    with pytest.raises(ScoringError) as caught:
        grade_bands_from_data(data)
    assert (caught.value.code, caught.value.params) == (code, params)


@st.composite
def grade_bands(draw: st.DrawFn) -> tuple[GradeBand, ...]:
    mins = sorted(draw(st.sets(money(Decimal("0.01"), 100), max_size=6)), reverse=True)
    return tuple(GradeBand(f"g{i}", minimum) for i, minimum in enumerate([*mins, Decimal(0)]))


@PROPERTY
@given(bands=grade_bands(), a=money(0, 150), b=money(0, 150))
def test_a_higher_score_never_gets_a_worse_grade(
    bands: tuple[GradeBand, ...], a: Decimal, b: Decimal
) -> None:
    order = [band.grade for band in bands]
    low, high = sorted((a, b))
    low_grade, high_grade = grade_for(low, bands)[0], grade_for(high, bands)[0]
    assert low_grade is not None
    assert high_grade is not None
    assert order.index(high_grade) <= order.index(low_grade)
    assert grade_bands_from_data(grade_bands_to_data(bands)) == bands


@PROPERTY
@given(bands=grade_bands(), score=st.none() | money(0, 150), data=st.data())
def test_a_veto_never_gives_a_better_grade_than_the_veto_or_the_score(
    bands: tuple[GradeBand, ...], score: Decimal | None, data: st.DataObject
) -> None:
    order = [band.grade for band in bands]
    veto = data.draw(st.sampled_from(order))
    grade, steps = grade_for(score, bands, veto_grade=veto)
    score_grade = grade_for(score, bands)[0]
    assert grade is not None
    assert order.index(grade) >= order.index(veto)
    if score_grade is not None:
        assert order.index(grade) == max(order.index(veto), order.index(score_grade))
    assert steps[-1].code == "grade_veto"
