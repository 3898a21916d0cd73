"""Hypothesis strategies for scoring inputs: two-decimal Decimals and valid rules."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import settings
from hypothesis import strategies as st

from pms.scoring.distribution import DistributionRule, GradeShare, QuotaMode, Unit
from pms.scoring.rules import (
    GRADES,
    BandsRule,
    DeductionRule,
    LinearRule,
    MilestoneRule,
    PassFailRule,
    Rule,
    VetoRule,
)

# Modest example counts keep the whole scoring suite well under 20 s; deadline off because
# the first example of a run pays for imports.
PROPERTY = settings(max_examples=150, deadline=None)


def money(
    min_value: Decimal | int = 0, max_value: Decimal | int = 1_000_000, places: int = 2
) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


percents = money(0, 300)


@st.composite
def linear_rules(draw: st.DrawFn) -> LinearRule:
    low, high = sorted((draw(percents), draw(percents)))
    return LinearRule(floor=low, cap=high)


@st.composite
def bands_rules(draw: st.DrawFn) -> BandsRule:
    mins = sorted(draw(st.sets(percents, min_size=1, max_size=6)), reverse=True)
    scores = sorted((draw(percents) for _ in mins), reverse=True)
    below = draw(money(0, scores[-1]))
    return BandsRule(bands=tuple(zip(mins, scores, strict=True)), below=below)


@st.composite
def pass_fail_rules(draw: st.DrawFn) -> PassFailRule:
    fail, passed = sorted((draw(percents), draw(percents)))
    return PassFailRule(threshold=draw(percents), pass_score=passed, fail_score=fail)


@st.composite
def deduction_rules(draw: st.DrawFn) -> DeductionRule:
    floor, start = sorted((draw(percents), draw(percents)))
    return DeductionRule(start=start, per_unit=draw(money(0, 50)), floor=floor)


rules: st.SearchStrategy[Rule] = st.one_of(
    linear_rules(),
    bands_rules(),
    pass_fail_rules(),
    st.builds(MilestoneRule, cap=percents),
    deduction_rules(),
    st.builds(VetoRule, grade=st.sampled_from(GRADES), score=st.none() | percents),
)


@st.composite
def weights_summing_to(draw: st.DrawFn, n: int, total: int = 100) -> list[Decimal]:
    """``n`` two-decimal weights adding up to exactly ``total``."""
    cents = total * 100
    cuts = sorted(draw(st.integers(0, cents)) for _ in range(n - 1))
    bounds = [0, *cuts, cents]
    return [Decimal(high - low) / 100 for low, high in pairwise(bounds)]


# --- reviews ----------------------------------------------------------------------------------

# A rater's, a section's or a review's score on 0–100.
review_scores = money(0, 100)


@st.composite
def rater_type_inputs(
    draw: st.DrawFn, *, min_types: int = 1
) -> tuple[dict[str, list[Decimal]], dict[str, Decimal]]:
    """Scores per rater type (possibly none for a type) and the template's weights."""
    from pms.scoring.review import RATER_TYPES

    types = draw(st.lists(st.sampled_from(RATER_TYPES), min_size=min_types, unique=True))
    scores = {rater_type: draw(st.lists(review_scores, max_size=5)) for rater_type in types}
    weights = {rater_type: draw(money(0, 100)) for rater_type in types}
    return scores, weights


# --- calibration and outcomes -----------------------------------------------------------------


@st.composite
def distribution_rules(draw: st.DrawFn, *, max_grades: int = 6) -> DistributionRule:
    """A valid rule: 1–6 grades whose two-decimal shares add up to 100, any modes."""
    count = draw(st.integers(1, max_grades))
    shares = draw(weights_summing_to(count))
    modes = draw(st.lists(st.sampled_from(QuotaMode), min_size=count, max_size=count))
    return DistributionRule(
        shares=tuple(
            GradeShare(f"g{i}", share, mode)
            for i, (share, mode) in enumerate(zip(shares, modes, strict=True))
        ),
        min_group_size=draw(st.integers(0, 12)),
    )


@st.composite
def unit_trees(draw: st.DrawFn, *, max_units: int = 12) -> list[Unit]:
    """Units forming a forest: each unit's parent, if any, is an earlier unit."""
    size = draw(st.integers(1, max_units))
    units: list[Unit] = []
    for index in range(size):
        parent = draw(st.none() | st.sampled_from([u.key for u in units])) if units else None
        units.append(Unit(f"u{index}", parent, draw(st.integers(0, 15))))
    return units
