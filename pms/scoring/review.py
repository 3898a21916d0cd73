"""A review's score: rater types blended per section, sections weighted, vetoes applied.

Rules (they define the product's numbers, DESIGN.md §5):

Rater-type blend (``blend_rater_types``), per section. Raters come in types — self,
manager, dotted-line manager, skip-level manager, peer, upward (direct reports), cross
(other departments) — and the review template weights the types, e.g. manager 60, peer 20,
self 10, upward 10. Each type's score is the mean of its raters' scores; the section's
score is Σ weight × type mean / Σ weights of the types that answered. A type nobody
answered is left out and the others renormalised, never counted as 0: a manager without
direct reports is judged on manager, peers and self. A type of weight 0 never counts (its
answers are still listed, by count). A type with fewer answers than its minimum
(``min_count``, 1 unless set; e.g. peers 3 so that no single peer's score can be worked
out) is treated as not answered, and its mean is not published at all. No counted type: no
score. Means and the blend are exact; the result is rounded once.
The blend's output and steps never hold an individual rater's score or who rated: per type
only the count and, when counted, the mean — so they may be shown to the reviewee. With a
minimum of 1 the mean of a single rater is that rater's score; set ``min_count`` where that
matters.

Review score (``review_score``). Sections (e.g. goals, competencies, values) have weights
summing to 100 (``weights_not_100`` otherwise, compared after rounding to two decimals as
``check_weights`` does) and a score or None. Complete: Σ weight × score / 100. A section of
positive weight without a score leaves the review unscored, unless ``partial``: then the
score so far is the scored points scaled up to the full weight, as ``scorecard_score`` does.
Section scores may exceed 100 (a goals section scored up to 120).

Vetoes (一票否决) on a review: each has a key, whether it was triggered (None: not decided
yet, listed in ``open_vetoes``; the score is not held back), a grade (D unless set) and an
optional score cap. A triggered veto sends the review to its grade — the worst grade of all
triggered vetoes — and the score is capped at the tightest cap, exactly as a veto goal does
on a scorecard (steps ``veto_grade``, ``veto_cap``). ``pms.scoring.grades.grade_for`` turns
the score and the veto grade into the final grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pms.scoring.decimals import HUNDRED, ZERO, plain, q2, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.exact import mean_ratio, ratio_q2
from pms.scoring.rules import GRADES
from pms.scoring.scorecard import Contribution, check_weights, worst_grade
from pms.scoring.steps import Step

__all__ = [
    "RATER_TYPES",
    "RaterBlend",
    "RaterTypeMean",
    "ReviewScore",
    "ReviewSection",
    "ReviewVeto",
    "blend_rater_types",
    "review_score",
]

RATER_TYPES: tuple[str, ...] = ("self", "manager", "dotted", "skip", "peer", "upward", "cross")


def _check_rater_types(mapping: Mapping[str, object]) -> None:
    for key in mapping:
        if key not in RATER_TYPES:
            raise ScoringError(
                "unknown_rater_type", {"type": str(key), "types": ", ".join(RATER_TYPES)}
            )


# --- rater-type blend -------------------------------------------------------------------------


@dataclass(frozen=True)
class RaterTypeMean:
    """One rater type in a blend; ``mean`` is None below the minimum number of answers."""

    rater_type: str
    weight: Decimal
    count: int
    minimum: int
    mean: Decimal | None
    counted: bool  # weight > 0 and at least ``minimum`` answers


@dataclass(frozen=True)
class RaterBlend:
    """A section's score from its rater types; None when no weighted type counts."""

    score: Decimal | None
    types: tuple[RaterTypeMean, ...]  # in ``RATER_TYPES`` order, types named in the input
    weight: Decimal  # Σ weights of the counted types
    total_weight: Decimal  # Σ weights of all types
    steps: tuple[Step, ...]


def _rater_scores(rater_type: str, values: Sequence[Decimal]) -> Sequence[Decimal]:
    for value in values:
        require_finite(value, "score")
        if not ZERO <= value <= HUNDRED:
            # no value in the params: an error message must not show a rater's score either
            raise ScoringError(
                "out_of_range", {"field": "score", "min": "0", "max": "100", "type": rater_type}
            )
    return values


def blend_rater_types(
    scores: Mapping[str, Sequence[Decimal]],
    weights: Mapping[str, Decimal],
    *,
    min_count: Mapping[str, int] | None = None,
) -> RaterBlend:
    """Σ weight × type mean / Σ weights of the types that answered (enough), rounded once.

    ``scores`` maps a rater type to its raters' scores (0–100, in any order); ``weights``
    maps a type to its template weight (any scale: 60/20/10/10 or 6/2/1/1 blend alike).
    """
    minimums = min_count or {}
    _check_rater_types(scores)
    _check_rater_types(weights)
    _check_rater_types(minimums)
    steps: list[Step] = []
    types: list[RaterTypeMean] = []
    # Σ weight × mean, exact, as a numerator and a denominator (integers: Fraction's
    # operators cost ~10× more; the result depends on the value only)
    total, total_of = 0, 1
    counted_weight = total_weight = ZERO
    for rater_type in RATER_TYPES:
        if rater_type not in scores and rater_type not in weights:
            continue
        weight = require_finite(weights.get(rater_type, ZERO), "weight")
        if weight < 0:
            raise ScoringError("negative", {"field": "weight", "type": rater_type})
        minimum = minimums.get(rater_type, 1)
        if minimum < 0:
            raise ScoringError("negative", {"field": "min_count", "type": rater_type})
        minimum = max(minimum, 1)
        values = _rater_scores(rater_type, scores.get(rater_type, ()))
        count = len(values)
        mean = mean_ratio(values) if count >= minimum else None
        shown = None if mean is None else ratio_q2(*mean)
        counted = weight > 0 and mean is not None
        types.append(RaterTypeMean(rater_type, weight, count, minimum, shown, counted))
        total_weight += weight
        if weight == 0:
            if count:
                values_shown = {"type": rater_type, "count": str(count)}
                if shown is not None:
                    values_shown["mean"] = plain(shown)
                steps.append(Step("rater_type_unweighted", values_shown))
        elif count == 0:
            steps.append(Step("rater_type_missing", {"type": rater_type, "weight": plain(weight)}))
        elif mean is None or shown is None:
            steps.append(
                Step(
                    "rater_type_too_few",
                    {
                        "type": rater_type,
                        "count": str(count),
                        "minimum": str(minimum),
                        "weight": plain(weight),
                    },
                )
            )
        else:
            top, bottom = weight.as_integer_ratio()
            total = total * bottom * mean[1] + top * mean[0] * total_of
            total_of *= bottom * mean[1]
            counted_weight += weight
            steps.append(
                Step(
                    "rater_type",
                    {
                        "type": rater_type,
                        "count": str(count),
                        "mean": plain(shown),
                        "weight": plain(weight),
                    },
                )
            )
    score: Decimal | None = None
    if counted_weight > 0:
        top, bottom = counted_weight.as_integer_ratio()
        score = ratio_q2(total * bottom, total_of * top)
        steps.append(
            Step(
                "rater_blend",
                {
                    "weight": plain(counted_weight),
                    "total_weight": plain(total_weight),
                    "result": plain(score),
                },
            )
        )
    return RaterBlend(
        score=score,
        types=tuple(types),
        weight=counted_weight,
        total_weight=total_weight,
        steps=tuple(steps),
    )


# --- review score -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSection:
    """A section of a review (goals, competencies, values…) with its weight and score."""

    key: str
    weight: Decimal
    score: Decimal | None


@dataclass(frozen=True)
class ReviewVeto:
    """A veto item of a review; ``triggered`` None means not decided yet."""

    key: str
    triggered: bool | None
    grade: str = "D"
    score_cap: Decimal | None = None

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ScoringError("bad_grade", {"grade": str(self.grade), "grades": ", ".join(GRADES)})
        if self.score_cap is not None:
            require_finite(self.score_cap, "score_cap")
            if self.score_cap < 0:
                raise ScoringError("negative", {"field": "score_cap", "key": self.key})


@dataclass(frozen=True)
class ReviewScore:
    """The review total; ``score`` is None while a weighted section is unscored (not partial)."""

    score: Decimal | None
    scored_weight: Decimal
    total_weight: Decimal
    contributions: tuple[Contribution, ...]
    vetoed: bool
    veto_grade: str | None
    veto_keys: tuple[str, ...]
    open_vetoes: tuple[str, ...]  # vetoes not decided yet
    steps: tuple[Step, ...]


def _check_sections(sections: Sequence[ReviewSection]) -> None:
    seen: set[str] = set()
    for section in sections:
        if section.key in seen:
            raise ScoringError("duplicate_key", {"field": "section", "key": section.key})
        seen.add(section.key)
        require_finite(section.weight, "weight")
        if section.weight < 0:
            raise ScoringError("negative", {"field": "weight", "key": section.key})
        if section.score is not None:
            require_finite(section.score, "score")
            if section.score < 0:
                raise ScoringError("negative", {"field": "score", "key": section.key})
    if sections:
        check = check_weights(section.weight for section in sections)
        if not check.ok:
            raise ScoringError("weights_not_100", {"total": plain(check.total)})


def review_score(
    sections: Sequence[ReviewSection],
    *,
    vetoes: Sequence[ReviewVeto] = (),
    partial: bool = False,
) -> ReviewScore:
    """Σ section weight × section score / 100, with vetoes applied (see the module doc)."""
    _check_sections(sections)
    steps: list[Step] = []
    contributions: list[Contribution] = []
    # Σ weight × score / 100, exact, as a numerator and a positive denominator
    points, points_of = 0, 1
    scored_weight = total_weight = ZERO
    missing = False
    for section in sections:
        total_weight += section.weight
        if section.score is None:
            contributions.append(Contribution(section.key, section.weight, None, None))
            if section.weight > 0:
                missing = True
                steps.append(
                    Step("missing_score", {"key": section.key, "weight": plain(section.weight)})
                )
            continue
        weight_top, weight_bottom = section.weight.as_integer_ratio()
        score_top, score_bottom = section.score.as_integer_ratio()
        top, bottom = weight_top * score_top, weight_bottom * score_bottom * 100
        points, points_of = points * bottom + top * points_of, points_of * bottom
        scored_weight += section.weight
        shown = ratio_q2(top, bottom)
        contributions.append(Contribution(section.key, section.weight, section.score, shown))
        steps.append(
            Step(
                "contribution",
                {
                    "key": section.key,
                    "weight": plain(section.weight),
                    "score": plain(section.score),
                    "points": plain(shown),
                },
            )
        )
    score: Decimal | None
    if not sections or (missing and (not partial or scored_weight == 0)):
        score = None
    elif missing:
        scored_top, scored_bottom = scored_weight.as_integer_ratio()
        total_top, total_bottom = total_weight.as_integer_ratio()
        score = ratio_q2(points * scored_bottom * total_top, points_of * scored_top * total_bottom)
        steps.append(
            Step(
                "renormalise",
                {
                    "points": plain(ratio_q2(points, points_of)),
                    "scored_weight": plain(scored_weight),
                    "total_weight": plain(total_weight),
                    "result": plain(score),
                },
            )
        )
    else:
        score = ratio_q2(points, points_of)
        steps.append(
            Step(
                "weighted_sum",
                {
                    "points": plain(score),
                    "weight": plain(total_weight),
                    "result": plain(score),
                },
            )
        )
    score, grade, keys, open_keys = _apply_vetoes(vetoes, score, steps)
    return ReviewScore(
        score=score,
        scored_weight=scored_weight,
        total_weight=total_weight,
        contributions=tuple(contributions),
        vetoed=bool(keys),
        veto_grade=grade,
        veto_keys=keys,
        open_vetoes=open_keys,
        steps=tuple(steps),
    )


def _apply_vetoes(
    vetoes: Sequence[ReviewVeto], score: Decimal | None, steps: list[Step]
) -> tuple[Decimal | None, str | None, tuple[str, ...], tuple[str, ...]]:
    """Score after caps, the worst veto grade, the triggered keys and the undecided keys."""
    seen: set[str] = set()
    for veto in vetoes:
        if veto.key in seen:
            raise ScoringError("duplicate_key", {"field": "veto", "key": veto.key})
        seen.add(veto.key)
        if veto.triggered is None:
            steps.append(Step("review_veto_open", {"key": veto.key}))
        elif not veto.triggered:
            steps.append(Step("review_veto_clear", {"key": veto.key}))
        else:
            values = {"key": veto.key, "grade": veto.grade}
            if veto.score_cap is not None:
                values["score_cap"] = plain(veto.score_cap)
            steps.append(Step("review_veto", values))
    triggered = [veto for veto in vetoes if veto.triggered]
    open_keys = tuple(veto.key for veto in vetoes if veto.triggered is None)
    if not triggered:
        return score, None, (), open_keys
    keys = tuple(veto.key for veto in triggered)
    grade = worst_grade(veto.grade for veto in triggered)
    steps.append(Step("veto_grade", {"keys": ", ".join(keys), "grade": grade or ""}))
    caps = [veto.score_cap for veto in triggered if veto.score_cap is not None]
    if caps and score is not None and score > min(caps):
        cap = min(caps)
        capped = q2(cap)
        steps.append(
            Step("veto_cap", {"cap": plain(cap), "before": plain(score), "result": plain(capped)})
        )
        score = capped
    return score, grade, keys, open_keys
