"""A scorecard's score from its weighted goals, and an OKR objective's from its key results.

Scorecard score = Σ weight × goal score / 100, with weights summing to 100. The sum is taken
on exact products and rounded once, so the total never drifts from the inputs by rounding
each line; the per-line points shown beside it are rounded for display. A veto item sends
the whole scorecard to a grade (and may cap its score) whatever the other goals scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pms.scoring.decimals import HUNDRED, ZERO, plain, q2, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.rules import GRADES, GoalScore
from pms.scoring.steps import Step

__all__ = [
    "Contribution",
    "ScorecardScore",
    "WeightCheck",
    "WeightedItem",
    "check_weights",
    "objective_score",
    "scorecard_score",
    "worst_grade",
]


@dataclass(frozen=True)
class WeightCheck:
    total: Decimal
    ok: bool
    difference: Decimal  # total − expected; negative when weight is missing


def check_weights(weights: Iterable[Decimal], *, expected: Decimal = Decimal(100)) -> WeightCheck:
    """Whether weights add up to ``expected``, compared after rounding to two decimals.

    Rounding first lets three goals of 33.333 pass, as a person reading "100.00" expects.
    """
    total = sum((require_finite(weight, "weight") for weight in weights), ZERO)
    total, expected = q2(total), q2(expected)
    return WeightCheck(total=total, ok=total == expected, difference=total - expected)


@dataclass(frozen=True)
class WeightedItem:
    key: str
    weight: Decimal
    score: GoalScore


@dataclass(frozen=True)
class Contribution:
    key: str
    weight: Decimal
    score: Decimal | None
    points: Decimal | None  # weight × score / 100, two decimals


@dataclass(frozen=True)
class ScorecardScore:
    """The scorecard total; ``score`` is None while a weighted goal is unscored (not partial)."""

    score: Decimal | None
    scored_weight: Decimal
    contributions: tuple[Contribution, ...]
    vetoed: bool
    veto_grade: str | None
    veto_keys: tuple[str, ...]
    steps: tuple[Step, ...]
    total_weight: Decimal = ZERO


def worst_grade(grades: Iterable[str]) -> str | None:
    """The worst of some grades (D worst … S best); an unknown grade counts as worst."""
    ranked = sorted(
        grades, key=lambda grade: GRADES.index(grade) if grade in GRADES else len(GRADES)
    )
    return ranked[-1] if ranked else None


@dataclass(frozen=True)
class _Sums:
    contributions: tuple[Contribution, ...]
    steps: list[Step]
    points: Decimal  # exact Σ weight × score / 100 over scored items
    scored_weight: Decimal
    total_weight: Decimal
    missing: bool  # an item with weight > 0 has no score


def _sum(items: Sequence[WeightedItem]) -> _Sums:
    contributions: list[Contribution] = []
    steps: list[Step] = []
    points = scored_weight = total_weight = ZERO
    missing = False
    for item in items:
        require_finite(item.weight, "weight")
        if item.weight < 0:
            raise ScoringError("negative", {"field": "weight", "key": item.key})
        total_weight += item.weight
        score = item.score.score
        if score is None:
            contributions.append(Contribution(item.key, item.weight, None, None))
            # A weight-0 item (a veto item, typically) cannot change the total, so an
            # unrecorded one does not hold the scorecard back.
            if item.weight > 0:
                missing = True
                steps.append(Step("missing_score", {"key": item.key, "weight": plain(item.weight)}))
            continue
        exact = item.weight * score / HUNDRED
        points += exact
        scored_weight += item.weight
        shown = q2(exact)
        contributions.append(Contribution(item.key, item.weight, score, shown))
        steps.append(
            Step(
                "contribution",
                {
                    "key": item.key,
                    "weight": plain(item.weight),
                    "score": plain(score),
                    "points": plain(shown),
                },
            )
        )
    return _Sums(tuple(contributions), steps, points, scored_weight, total_weight, missing)


def _apply_vetoes(
    items: Sequence[WeightedItem], score: Decimal | None, steps: list[Step]
) -> tuple[Decimal | None, str | None, tuple[str, ...], Decimal | None]:
    """Score after veto caps, the worst veto grade, the vetoing keys and the tightest cap."""
    vetoing = [item for item in items if item.score.vetoed]
    if not vetoing:
        return score, None, (), None
    keys = tuple(item.key for item in vetoing)
    grade = worst_grade(item.score.veto_grade or GRADES[-1] for item in vetoing)
    steps.append(Step("veto_grade", {"keys": ", ".join(keys), "grade": grade or ""}))
    caps = [item.score.veto_score_cap for item in vetoing if item.score.veto_score_cap is not None]
    cap = min(caps) if caps else None
    if cap is not None and score is not None and score > cap:
        capped = q2(cap)
        steps.append(
            Step("veto_cap", {"cap": plain(cap), "before": plain(score), "result": plain(capped)})
        )
        score = capped
    return score, grade, keys, cap


def scorecard_score(items: Sequence[WeightedItem], *, partial: bool = False) -> ScorecardScore:
    """Σ weight × score / 100 over the items, with vetoes applied.

    With ``partial=True`` and some weighted items unscored, the score so far is the scored
    points scaled up to the full weight (Σ points / scored weight × total weight — with
    weights summing to 100, Σ points / scored weight × 100), so a half-scored scorecard
    reads on the same 0–100 scale as a finished one.
    """
    sums = _sum(items)
    steps = sums.steps
    score: Decimal | None
    if not items or (sums.missing and (not partial or sums.scored_weight == 0)):
        score = None
    elif sums.missing:
        score = q2(sums.points / sums.scored_weight * sums.total_weight)
        steps.append(
            Step(
                "renormalise",
                {
                    "points": plain(q2(sums.points)),
                    "scored_weight": plain(sums.scored_weight),
                    "total_weight": plain(sums.total_weight),
                    "result": plain(score),
                },
            )
        )
    else:
        score = q2(sums.points)
        steps.append(
            Step(
                "weighted_sum",
                {
                    "points": plain(q2(sums.points)),
                    "weight": plain(sums.total_weight),
                    "result": plain(score),
                },
            )
        )
    score, grade, keys, _cap = _apply_vetoes(items, score, steps)
    return ScorecardScore(
        score=score,
        scored_weight=sums.scored_weight,
        contributions=sums.contributions,
        vetoed=bool(keys),
        veto_grade=grade,
        veto_keys=keys,
        steps=tuple(steps),
        total_weight=sums.total_weight,
    )


OBJECTIVE_RULE: dict[str, object] = {"type": "key_results"}


def objective_score(key_results: Sequence[WeightedItem]) -> GoalScore:
    """An OKR objective's score: its key results' weighted mean over the scored ones.

    KR weights are shares within the objective (summing to 100); unscored KRs are left out
    and the rest renormalised, since an OKR is read as progress so far. When every KR has
    weight 0 (weights not set), the KRs count equally. A vetoed KR vetoes the objective,
    which carries the veto up to the scorecard. ``rule`` is ``{"type": "key_results"}``,
    which is not a ``parse_rule`` type.
    """
    if key_results and all(kr.weight == 0 for kr in key_results):
        key_results = [WeightedItem(kr.key, Decimal(1), kr.score) for kr in key_results]
    sums = _sum(key_results)
    steps = sums.steps
    score: Decimal | None = None
    if sums.scored_weight > 0:
        score = q2(sums.points / sums.scored_weight * HUNDRED)
        steps.append(
            Step(
                "renormalise",
                {
                    "points": plain(q2(sums.points)),
                    "scored_weight": plain(sums.scored_weight),
                    "total_weight": plain(HUNDRED),
                    "result": plain(score),
                },
            )
        )
    score, grade, keys, cap = _apply_vetoes(key_results, score, steps)
    return GoalScore(
        score=score,
        attainment=None,
        vetoed=bool(keys),
        veto_grade=grade,
        steps=tuple(steps),
        rule=dict(OBJECTIVE_RULE),
        veto_score_cap=cap,
    )
