"""The nine-box grid: performance from the grade, potential as assessed, box 1–9."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.ninebox import (
    BOX_CODES,
    BOX_LEVELS,
    DEFAULT_PERFORMANCE_LEVELS,
    BoxLevel,
    box_levels,
    box_number,
    check_performance_levels,
    nine_box,
)
from pms.scoring.rules import GRADES
from pms.scoring.tests.strategies import PROPERTY

LOW, MID, HIGH = BoxLevel.LOW, BoxLevel.MID, BoxLevel.HIGH


def test_the_grid_is_numbered_from_low_low_to_high_high() -> None:
    assert [[box_number(perf, pot) for perf in BOX_LEVELS] for pot in reversed(BOX_LEVELS)] == [
        [7, 8, 9],
        [4, 5, 6],
        [1, 2, 3],
    ]
    assert BOX_CODES[9] == "star"
    assert BOX_CODES[1] == "risk"
    assert len(set(BOX_CODES.values())) == 9


def test_a_grade_and_a_potential_make_a_box() -> None:
    result = nine_box("S", "high")
    assert (result.performance, result.potential, result.box, result.code) == (
        HIGH,
        HIGH,
        9,
        "star",
    )
    assert [(step.code, step.values) for step in result.steps] == [
        ("ninebox_performance", {"grade": "S", "level": "high"}),
        (
            "ninebox_box",
            {"performance": "high", "potential": "high", "box": "9", "code": "star"},
        ),
    ]


@pytest.mark.parametrize(
    ("grade", "potential", "box"),
    [("A", "low", 3), ("B", "mid", 5), ("C", "high", 7), ("D", "low", 1), ("B", "high", 8)],
)
def test_default_levels(grade: str, potential: str, box: int) -> None:
    assert nine_box(grade, potential).box == box


def test_a_custom_mapping_and_grade_list() -> None:
    mapping = {"excellent": "high", "good": "mid", "poor": "low"}
    grades = ("excellent", "good", "poor")
    assert nine_box("good", "mid", mapping, grades).code == "core"
    assert check_performance_levels(mapping, grades) == {
        "excellent": HIGH,
        "good": MID,
        "poor": LOW,
    }


@pytest.mark.parametrize(
    ("mapping", "code", "params"),
    [
        (
            {**DEFAULT_PERFORMANCE_LEVELS, "E": "low"},
            "bad_grade",
            {"grade": "E", "grades": "S, A, B, C, D"},
        ),
        ({"S": "high", "A": "high", "B": "mid", "C": "low"}, "grade_unmapped", {"grade": "D"}),
        (
            {**DEFAULT_PERFORMANCE_LEVELS, "B": "average"},
            "unknown_box_level",
            {"level": "average", "levels": "low, mid, high"},
        ),
        (
            {**DEFAULT_PERFORMANCE_LEVELS, "C": "mid", "B": "low"},
            "box_levels_not_ordered",
            {"grade": "C"},
        ),
    ],
)
def test_invalid_mappings_are_refused(
    mapping: dict[str, str], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        check_performance_levels(mapping)
    assert (caught.value.code, caught.value.params) == (code, params)
    with pytest.raises(ScoringError):
        nine_box("S", "high", mapping)


def test_an_unknown_grade_or_potential_is_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        nine_box("E", "high")
    assert (caught.value.code, caught.value.params) == (
        "bad_grade",
        {"grade": "E", "grades": "S, A, B, C, D"},
    )
    with pytest.raises(ScoringError) as caught:
        nine_box("S", "great")
    assert caught.value.code == "unknown_box_level"
    with pytest.raises(ScoringError) as caught:
        box_number("high", 2)  # type: ignore[arg-type]
    assert caught.value.params == {"level": "2", "levels": "low, mid, high"}


@pytest.mark.parametrize("box", [0, 10, -1])
def test_there_are_nine_boxes(box: int) -> None:
    with pytest.raises(ScoringError) as caught:
        box_levels(box)
    assert (caught.value.code, caught.value.params) == (
        "out_of_range",
        {"field": "box", "min": "1", "max": "9"},
    )


@PROPERTY
@given(performance=st.sampled_from(BoxLevel), potential=st.sampled_from(BoxLevel))
def test_box_levels_undo_box_number(performance: BoxLevel, potential: BoxLevel) -> None:
    box = box_number(performance, potential)
    assert 1 <= box <= 9
    assert box_levels(box) == (performance, potential)


@PROPERTY
@given(
    levels=st.lists(st.sampled_from(BOX_LEVELS), min_size=5, max_size=5),
    grade=st.sampled_from(GRADES),
    potential=st.sampled_from(BOX_LEVELS),
)
def test_a_better_grade_never_lands_left_of_a_worse_one(
    levels: list[str], grade: str, potential: str
) -> None:
    # a mapping that rises with the grade is accepted, any other refused
    mapping = dict(zip(GRADES, sorted(levels, key=BOX_LEVELS.index, reverse=True), strict=True))
    box = nine_box(grade, potential, mapping).box
    for worse in GRADES[GRADES.index(grade) :]:
        assert nine_box(worse, potential, mapping).box <= box
    shuffled = dict(zip(GRADES, levels, strict=True))
    ordered = all(BOX_LEVELS.index(a) >= BOX_LEVELS.index(b) for a, b in pairwise(levels))
    if not ordered:
        with pytest.raises(ScoringError):
            check_performance_levels(shuffled)
