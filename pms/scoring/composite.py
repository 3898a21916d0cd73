"""The composite score across review periods (年度综合), e.g. monthly 40 % + annual 60 %.

Rules (they define the product's numbers, DESIGN.md §5):

A composite has parts, each a key, a weight and the scores of the reviews it covers — the
twelve monthly review scores for "monthly", the one annual review score for "annual". A
part's score is the mean of its scores (None without any). The composite is Σ weight ×
part mean / Σ weights of the parts that have a score: a part without scores is left out
and the rest renormalised, so a new hire with no monthly review yet is judged on what
exists, and the steps say which parts were missing. Parts of weight 0 never count. No
counted part: no composite. Weights are relative (40/60 and 2/3 give the same result) and
need not sum to 100. Means and the sum are exact; the result is rounded once, so the
composite may differ by a cent from a sum of the rounded part means shown beside it.
Scores may exceed 100 (a scorecard capped at 120) but not be negative.

``DEFAULT_COMPOSITE_SPLITS`` holds the default weights per role family from the seed:
sales and customer service monthly 40 + annual 60; R&D quarterly 30 + half-year 20 +
annual 50; management annual 70 + other 30.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from pms.scoring.decimals import ZERO, plain, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact, exact_mean, exact_q2
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_COMPOSITE_SPLITS",
    "CompositePart",
    "CompositeScore",
    "PartScore",
    "composite_score",
]

# Role family → (part key, weight) in the order shown.
DEFAULT_COMPOSITE_SPLITS: Mapping[str, tuple[tuple[str, Decimal], ...]] = MappingProxyType(
    {
        "sales": (("monthly", Decimal(40)), ("annual", Decimal(60))),
        "service": (("monthly", Decimal(40)), ("annual", Decimal(60))),
        "rnd": (("quarterly", Decimal(30)), ("half_year", Decimal(20)), ("annual", Decimal(50))),
        "management": (("annual", Decimal(70)), ("other", Decimal(30))),
    }
)


@dataclass(frozen=True)
class CompositePart:
    """One part of a composite: its weight and the review scores it averages."""

    key: str
    weight: Decimal
    scores: Sequence[Decimal]


@dataclass(frozen=True)
class PartScore:
    key: str
    weight: Decimal
    count: int
    mean: Decimal | None  # two decimals; None without scores


@dataclass(frozen=True)
class CompositeScore:
    """The composite; ``score`` is None when no part of positive weight has a score."""

    score: Decimal | None
    parts: tuple[PartScore, ...]
    weight: Decimal  # Σ weights of the parts that count
    total_weight: Decimal  # Σ weights of all parts
    steps: tuple[Step, ...]


def _check_part(part: CompositePart, seen: set[str]) -> None:
    if part.key in seen:
        raise ScoringError("duplicate_key", {"field": "part", "key": part.key})
    seen.add(part.key)
    require_finite(part.weight, "weight")
    if part.weight < 0:
        raise ScoringError("negative", {"field": "weight", "key": part.key})
    for value in part.scores:
        require_finite(value, "score")
        if value < 0:
            raise ScoringError("negative", {"field": "score", "key": part.key})


def composite_score(parts: Sequence[CompositePart]) -> CompositeScore:
    """Σ weight × part mean / Σ weights of the parts with scores, rounded once."""
    seen: set[str] = set()
    steps: list[Step] = []
    results: list[PartScore] = []
    total = Fraction(0)
    counted_weight = total_weight = ZERO
    for part in parts:
        _check_part(part, seen)
        mean = exact_mean(part.scores)
        shown = None if mean is None else exact_q2(mean)
        results.append(PartScore(part.key, part.weight, len(part.scores), shown))
        total_weight += part.weight
        if part.weight == 0:
            continue
        if mean is None or shown is None:
            steps.append(
                Step("composite_part_missing", {"key": part.key, "weight": plain(part.weight)})
            )
            continue
        total += exact(part.weight) * mean
        counted_weight += part.weight
        steps.append(
            Step(
                "composite_part",
                {
                    "key": part.key,
                    "weight": plain(part.weight),
                    "count": str(len(part.scores)),
                    "mean": plain(shown),
                },
            )
        )
    score: Decimal | None = None
    if counted_weight > 0:
        score = exact_q2(total / exact(counted_weight))
        steps.append(
            Step(
                "composite",
                {
                    "weight": plain(counted_weight),
                    "total_weight": plain(total_weight),
                    "result": plain(score),
                },
            )
        )
    return CompositeScore(
        score=score,
        parts=tuple(results),
        weight=counted_weight,
        total_weight=total_weight,
        steps=tuple(steps),
    )
