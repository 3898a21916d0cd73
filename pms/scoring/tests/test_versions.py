"""Prorating re-baselined goal versions by days, and splitting a period at change dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.tests.strategies import PROPERTY, percents
from pms.scoring.versions import Segment, prorate, split_period

JAN = Segment(date(2025, 1, 1), date(2025, 1, 31), Decimal(80), "v1")
FEB = Segment(date(2025, 2, 1), date(2025, 2, 28), Decimal(100), "v2")


def test_prorate_weights_each_version_by_its_days() -> None:
    score, steps = prorate([FEB, JAN])  # order does not matter

    # (80 × 31 + 100 × 28) / 59
    assert score == Decimal("89.49")
    assert [step.code for step in steps] == ["segment", "segment", "prorate"]
    assert steps[0].values == {
        "label": "v1",
        "start": "2025-01-01",
        "end": "2025-01-31",
        "days": "31",
        "score": "80",
    }
    assert steps[-1].values == {"days": "59", "result": "89.49"}


def test_unscored_versions_are_left_out() -> None:
    unscored = Segment(date(2025, 3, 1), date(2025, 3, 31), None, "v3")
    score, steps = prorate([JAN, unscored])
    assert score == Decimal(80)
    assert steps[1].code == "segment_unscored"


def test_nothing_scored_is_none() -> None:
    assert prorate([]) == (None, ())
    score, _steps = prorate([Segment(date(2025, 1, 1), date(2025, 1, 1), None)])
    assert score is None


def test_gaps_are_allowed_and_single_days_count_as_one() -> None:
    one_day = Segment(date(2025, 3, 1), date(2025, 3, 1), Decimal(0))
    score, _steps = prorate([JAN, one_day])
    assert score == Decimal("77.50")  # 80 × 31 / 32


def test_overlapping_or_inverted_segments_are_refused() -> None:
    overlapping = Segment(date(2025, 1, 31), date(2025, 2, 10), Decimal(50))
    with pytest.raises(ScoringError) as overlap:
        prorate([JAN, overlapping])
    assert overlap.value.code == "segments_overlap"
    assert overlap.value.params == {"first": "2025-01-01", "second": "2025-01-31"}

    with pytest.raises(ScoringError) as inverted:
        prorate([Segment(date(2025, 2, 1), date(2025, 1, 1), Decimal(1))])
    assert inverted.value.code == "segment_inverted"


@st.composite
def segments(draw: st.DrawFn, score: st.SearchStrategy[Decimal | None]) -> list[Segment]:
    """Consecutive segments, possibly with gaps, from 2025-01-01."""
    start = date(2025, 1, 1)
    result = []
    for _ in range(draw(st.integers(1, 6))):
        start += timedelta(days=draw(st.integers(0, 10)))
        end = start + timedelta(days=draw(st.integers(0, 120)))
        result.append(Segment(start, end, draw(score)))
        start = end + timedelta(days=1)
    return result


@PROPERTY
@given(parts=segments(st.none() | percents))
def test_prorate_lies_between_the_lowest_and_highest_segment_score(parts: list[Segment]) -> None:
    score, _steps = prorate(parts)
    scores = [part.score for part in parts if part.score is not None]
    if not scores:
        assert score is None
    else:
        assert score is not None
        assert min(scores) <= score <= max(scores)


@PROPERTY
@given(data=st.data(), value=percents)
def test_prorating_equal_scores_gives_that_score(data: st.DataObject, value: Decimal) -> None:
    parts = data.draw(segments(st.just(value)))
    assert prorate(parts)[0] == value


def test_split_period_cuts_before_each_change() -> None:
    pieces = split_period(
        date(2025, 1, 1),
        date(2025, 12, 31),
        [
            date(2025, 5, 1),
            date(2025, 5, 1),  # duplicate
            date(2024, 12, 1),  # before the period
            date(2026, 1, 1),  # after the period
            date(2025, 3, 1),
            date(2025, 1, 1),  # the start itself: no cut
        ],
    )
    assert pieces == [
        (date(2025, 1, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 12, 31)),
    ]


def test_split_period_edges() -> None:
    assert split_period(date(2025, 1, 1), date(2025, 1, 31), []) == [
        (date(2025, 1, 1), date(2025, 1, 31))
    ]
    assert split_period(date(2025, 1, 1), date(2025, 1, 31), [date(2025, 1, 31)]) == [
        (date(2025, 1, 1), date(2025, 1, 30)),
        (date(2025, 1, 31), date(2025, 1, 31)),
    ]
    with pytest.raises(ScoringError) as caught:
        split_period(date(2025, 2, 1), date(2025, 1, 1), [])
    assert caught.value.code == "period_inverted"


@PROPERTY
@given(
    length=st.integers(0, 400),
    offsets=st.lists(st.integers(-50, 450), max_size=10),
)
def test_split_period_tiles_the_period_exactly(length: int, offsets: list[int]) -> None:
    start = date(2025, 1, 1)
    end = start + timedelta(days=length)
    changes = [start + timedelta(days=offset) for offset in offsets]

    pieces = split_period(start, end, changes)

    assert pieces[0][0] == start
    assert pieces[-1][1] == end
    for (_first_start, first_end), (second_start, _second_end) in pairwise(pieces):
        assert second_start == first_end + timedelta(days=1)
    assert all(piece_start <= piece_end for piece_start, piece_end in pieces)
    assert len(pieces) == 1 + len({c for c in changes if start < c <= end})
    # the pieces make valid, non-overlapping segments
    prorate([Segment(s, e, Decimal(1)) for s, e in pieces])
