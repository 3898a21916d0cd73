"""The composite across review periods (年度综合), renormalised over the parts with scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.composite import (
    DEFAULT_COMPOSITE_SPLITS,
    CompositePart,
    PartScore,
    composite_score,
)
from pms.scoring.errors import ScoringError
from pms.scoring.scorecard import check_weights
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY, money

MONTHLY = [Decimal(score) for score in (80, 85, 90, 70, 75, 80, 85, 90, 95, 80, 85, 90)]


def part(key: str, weight: str, *scores: str) -> CompositePart:
    return CompositePart(key, Decimal(weight), [Decimal(score) for score in scores])


def test_sales_monthly_40_and_annual_60() -> None:
    # given twelve monthly review scores (mean 83.75) and an annual review of 90
    parts = [CompositePart("monthly", Decimal(40), MONTHLY), part("annual", "60", "90")]

    result = composite_score(parts)

    # then 0.4 × 83.75 + 0.6 × 90
    assert result.score == Decimal("87.50")
    assert result.parts == (
        PartScore("monthly", Decimal(40), 12, Decimal("83.75")),
        PartScore("annual", Decimal(60), 1, Decimal(90)),
    )
    assert [(step.code, step.values) for step in result.steps] == [
        ("composite_part", {"key": "monthly", "weight": "40", "count": "12", "mean": "83.75"}),
        ("composite_part", {"key": "annual", "weight": "60", "count": "1", "mean": "90.00"}),
        ("composite", {"weight": "100", "total_weight": "100", "result": "87.50"}),
    ]


def test_a_new_hire_is_judged_on_the_parts_that_exist() -> None:
    # given a new hire with two monthly reviews and no annual review yet
    result = composite_score([part("monthly", "40", "80", "90"), part("annual", "60")])

    assert result.score == Decimal(85)
    assert result.parts[1] == PartScore("annual", Decimal(60), 0, None)
    assert result.steps[1].code == "composite_part_missing"
    assert result.steps[1].values == {"key": "annual", "weight": "60"}
    assert result.steps[-1].values == {"weight": "40", "total_weight": "100", "result": "85.00"}


def test_the_composite_is_rounded_once_on_exact_means() -> None:
    # monthly mean 80.005 (shown 80.01), annual 90: exactly 85.0025, not 85.005
    result = composite_score([part("monthly", "50", "80", "80.01"), part("annual", "50", "90")])
    assert result.parts[0].mean == Decimal("80.01")
    assert result.score == Decimal("85.00")


def test_without_a_scored_part_there_is_no_composite() -> None:
    assert composite_score([]).score is None
    assert composite_score([part("monthly", "40"), part("annual", "60")]).score is None
    assert composite_score([part("other", "0", "80")]).score is None


def test_a_part_of_weight_zero_is_reported_but_never_counts() -> None:
    result = composite_score([part("annual", "100", "70"), part("other", "0", "100", "90")])
    assert result.score == Decimal(70)
    assert result.parts[1] == PartScore("other", Decimal(0), 2, Decimal(95))
    assert [step.code for step in result.steps] == ["composite_part", "composite"]


def test_weights_need_not_sum_to_100() -> None:
    assert composite_score([part("a", "2", "80"), part("b", "3", "90")]).score == Decimal(86)


@pytest.mark.parametrize(
    ("parts", "code", "params"),
    [
        (
            [part("a", "50", "1"), part("a", "50", "1")],
            "duplicate_key",
            {"field": "part", "key": "a"},
        ),
        ([part("a", "-1", "1")], "negative", {"field": "weight", "key": "a"}),
        ([part("a", "1", "-1")], "negative", {"field": "score", "key": "a"}),
        ([part("a", "1", "NaN")], "not_finite", {"field": "score"}),
    ],
)
def test_invalid_parts_are_refused(
    parts: list[CompositePart], code: str, params: dict[str, str]
) -> None:
    with pytest.raises(ScoringError) as caught:
        composite_score(parts)
    assert (caught.value.code, caught.value.params) == (code, params)


def test_default_splits_from_the_seed() -> None:
    assert set(DEFAULT_COMPOSITE_SPLITS) == {"sales", "service", "rnd", "management"}
    assert dict(DEFAULT_COMPOSITE_SPLITS["sales"]) == {"monthly": 40, "annual": 60}
    assert DEFAULT_COMPOSITE_SPLITS["service"] == DEFAULT_COMPOSITE_SPLITS["sales"]
    assert dict(DEFAULT_COMPOSITE_SPLITS["rnd"]) == {"quarterly": 30, "half_year": 20, "annual": 50}
    assert dict(DEFAULT_COMPOSITE_SPLITS["management"]) == {"annual": 70, "other": 30}
    for split in DEFAULT_COMPOSITE_SPLITS.values():
        assert check_weights(weight for _key, weight in split).ok
    with pytest.raises(TypeError):
        DEFAULT_COMPOSITE_SPLITS["sales"] = ()  # type: ignore[index]


# --- properties -------------------------------------------------------------------------------

part_lists = st.lists(
    st.tuples(money(0, 100), st.lists(money(0, 120), max_size=12)), min_size=1, max_size=5
)


def build(raw: list[tuple[Decimal, list[Decimal]]]) -> list[CompositePart]:
    return [CompositePart(f"p{i}", weight, scores) for i, (weight, scores) in enumerate(raw)]


@PROPERTY
@given(raw=part_lists)
def test_the_composite_lies_between_the_lowest_and_highest_counted_part_mean(
    raw: list[tuple[Decimal, list[Decimal]]],
) -> None:
    result = composite_score(build(raw))
    means = [p.mean for p in result.parts if p.weight > 0 and p.mean is not None]
    if not means:
        assert result.score is None
    else:
        assert result.score is not None
        assert min(means) <= result.score <= max(means)
    assert [p.count for p in result.parts] == [len(scores) for _weight, scores in raw]
    assert {step.code for step in result.steps} <= set(STEP_CODES)


@PROPERTY
@given(raw=part_lists, factor=money(Decimal("0.01"), 1000))
def test_weights_scaled_by_a_constant_give_the_same_composite(
    raw: list[tuple[Decimal, list[Decimal]]], factor: Decimal
) -> None:
    scaled = [(weight * factor, scores) for weight, scores in raw]
    assert composite_score(build(scaled)).score == composite_score(build(raw)).score


@PROPERTY
@given(raw=part_lists, extra=st.lists(money(0, 120), max_size=4))
def test_adding_a_part_of_weight_zero_changes_nothing(
    raw: list[tuple[Decimal, list[Decimal]]], extra: list[Decimal]
) -> None:
    parts = build(raw)
    with_extra = [*parts, CompositePart("extra", Decimal(0), extra)]
    assert composite_score(with_extra).score == composite_score(parts).score


@PROPERTY
@given(raw=part_lists, data=st.data())
def test_a_part_without_scores_is_the_same_as_no_such_part(
    raw: list[tuple[Decimal, list[Decimal]]], data: st.DataObject
) -> None:
    parts = build(raw)
    dropped = data.draw(st.integers(0, len(parts) - 1))
    emptied = [
        CompositePart(p.key, p.weight, []) if i == dropped else p for i, p in enumerate(parts)
    ]
    others = [p for i, p in enumerate(parts) if i != dropped]
    assert composite_score(emptied).score == composite_score(others).score


@PROPERTY
@given(raw=part_lists, data=st.data())
def test_a_higher_score_never_lowers_the_composite_and_order_does_not_matter(
    raw: list[tuple[Decimal, list[Decimal]]], data: st.DataObject
) -> None:
    parts = build(raw)
    scored = [i for i, p in enumerate(parts) if p.scores]
    assume(scored)
    index = data.draw(st.sampled_from(scored))
    scores = list(parts[index].scores)
    position = data.draw(st.integers(0, len(scores) - 1))
    scores[position] = data.draw(money(scores[position], 120))
    raised = [
        CompositePart(p.key, p.weight, scores) if i == index else p for i, p in enumerate(parts)
    ]
    before, after = composite_score(parts).score, composite_score(raised).score
    if before is not None and after is not None:
        assert after >= before
    shuffled = [CompositePart(p.key, p.weight, list(reversed(p.scores))) for p in parts]
    assert composite_score(shuffled) == composite_score(parts)
