"""Progress roll-up through a goal tree, and coverage percentages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.errors import ScoringError
from pms.scoring.progress import coverage, rollup
from pms.scoring.tests.strategies import PROPERTY, money, percents


def test_a_node_with_its_own_progress_shows_it() -> None:
    assert rollup(Decimal(40), [(Decimal(1), Decimal(90))]) == Decimal(40)
    assert rollup(Decimal(130), []) == Decimal(130)  # not capped above
    assert rollup(Decimal(-5), []) == Decimal(0)  # floored at 0


def test_otherwise_the_contribution_weighted_mean_of_children() -> None:
    children = [(Decimal(60), Decimal(50)), (Decimal(40), Decimal(100))]
    assert rollup(None, children) == Decimal(70)


def test_children_without_progress_are_left_out_not_counted_as_zero() -> None:
    children = [(Decimal(60), Decimal(50)), (Decimal(40), None)]
    assert rollup(None, children) == Decimal(50)
    assert rollup(None, [(Decimal(1), None)]) is None
    assert rollup(None, []) is None


def test_children_of_weight_zero_count_equally() -> None:
    assert rollup(None, [(Decimal(0), Decimal(20)), (Decimal(0), Decimal(40))]) == Decimal(30)


def test_negative_contributions_are_refused() -> None:
    with pytest.raises(ScoringError) as caught:
        rollup(None, [(Decimal(-1), Decimal(20))])
    assert caught.value.code == "negative"


@PROPERTY
@given(children=st.lists(st.tuples(money(0, 100), st.none() | percents), max_size=8))
def test_rollup_lies_between_the_lowest_and_highest_child(
    children: list[tuple[Decimal, Decimal | None]],
) -> None:
    result = rollup(None, children)
    known = [progress for _weight, progress in children if progress is not None]
    if not known:
        assert result is None
    else:
        assert result is not None
        assert min(known) <= result <= max(known)


@pytest.mark.parametrize(
    ("covered", "total", "expected"),
    [(1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")), (3, 3, Decimal(100)), (0, 5, Decimal(0))],
)
def test_coverage_is_a_one_decimal_percent(covered: int, total: int, expected: Decimal) -> None:
    assert coverage(covered, total) == expected


def test_coverage_of_nothing_is_none_and_impossible_counts_are_refused() -> None:
    assert coverage(0, 0) is None
    with pytest.raises(ScoringError) as above:
        coverage(4, 3)
    assert above.value.code == "covered_above_total"
    with pytest.raises(ScoringError) as negative:
        coverage(-1, 3)
    assert negative.value.params == {"field": "covered"}
