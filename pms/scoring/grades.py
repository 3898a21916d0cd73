"""Grades from score bands (S ≥ 90, A ≥ 80, B ≥ 70, C ≥ 60, D below), and vetoes on them.

Rules (they define the product's numbers, DESIGN.md §5):

Bands are data: a list of (grade, min score), best grade first. Mins must be strictly
descending (``grade_bands_not_descending``), grades not empty (``code_empty``) and unique
(``duplicate_key``), and the last band must start at 0 (``grade_bands_floor``) so that
every score has a grade — "D below 60" is the band (D, 0). A score gets the grade of the
first band whose min it reaches; a higher score never gets a worse grade. Scores may exceed
100 and are not negative.

A veto grade (a triggered veto of the review, ``ReviewScore.veto_grade``) overrides the
score's grade — but never lifts it: the result is the worse of the two, in the bands'
order, and the step says so. A veto grade must be one of the bands' grades. Without a score
(not rated yet) there is no grade, unless a veto already decides it.

Bands are stored as JSON: ``[{"grade": "S", "min_score": "90"}, …]``
(``grade_bands_from_data`` / ``grade_bands_to_data``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pms.scoring.decimals import ZERO, normalized, plain, require_finite, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_GRADE_BANDS",
    "GradeBand",
    "check_grade_bands",
    "grade_bands_from_data",
    "grade_bands_to_data",
    "grade_for",
]


@dataclass(frozen=True)
class GradeBand:
    """Scores from ``min_score`` up (to the next band's min) get ``grade``."""

    grade: str
    min_score: Decimal


DEFAULT_GRADE_BANDS: tuple[GradeBand, ...] = (
    GradeBand("S", Decimal(90)),
    GradeBand("A", Decimal(80)),
    GradeBand("B", Decimal(70)),
    GradeBand("C", Decimal(60)),
    GradeBand("D", Decimal(0)),
)


def check_grade_bands(bands: Sequence[GradeBand]) -> tuple[GradeBand, ...]:
    """The bands as a tuple, or ``ScoringError`` when they are not valid bands."""
    if not bands:
        raise ScoringError("grade_bands_empty")
    seen: set[str] = set()
    previous: Decimal | None = None
    for position, band in enumerate(bands, start=1):
        where = str(position)
        if not band.grade.strip():
            raise ScoringError("code_empty", {"field": "grade", "position": where})
        if band.grade in seen:
            raise ScoringError("duplicate_key", {"field": "grade", "key": band.grade})
        seen.add(band.grade)
        require_finite(band.min_score, "min_score")
        if previous is not None and band.min_score >= previous:
            raise ScoringError("grade_bands_not_descending", {"position": where})
        previous = band.min_score
    if previous != 0:
        raise ScoringError("grade_bands_floor", {"min": normalized(bands[-1].min_score)})
    return tuple(bands)


def grade_bands_from_data(data: object) -> tuple[GradeBand, ...]:
    """Bands from a JSON-like list of ``{"grade": …, "min_score": …}``, validated."""
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise ScoringError("grade_bands_malformed")
    bands: list[GradeBand] = []
    for position, raw in enumerate(data, start=1):
        where = {"position": str(position)}
        if (
            not isinstance(raw, Mapping)
            or set(raw) != {"grade", "min_score"}
            or not isinstance(raw["grade"], str)
        ):
            raise ScoringError("grade_bands_malformed", where)
        minimum = to_decimal(raw["min_score"], "min_score", where)
        bands.append(GradeBand(grade=raw["grade"].strip(), min_score=minimum))
    return check_grade_bands(bands)


def grade_bands_to_data(bands: Sequence[GradeBand]) -> list[dict[str, str]]:
    """The JSON-like list of bands, mins as normalised strings ("90", "59.5")."""
    return [{"grade": band.grade, "min_score": normalized(band.min_score)} for band in bands]


def grade_for(
    score: Decimal | None,
    bands: Sequence[GradeBand] = DEFAULT_GRADE_BANDS,
    *,
    veto_grade: str | None = None,
) -> tuple[str | None, tuple[Step, ...]]:
    """The grade of ``score`` under ``bands``, made no better than ``veto_grade`` if given."""
    bands = check_grade_bands(bands)
    grades = [band.grade for band in bands]
    if veto_grade is not None and veto_grade not in grades:
        raise ScoringError("bad_grade", {"grade": veto_grade, "grades": ", ".join(grades)})
    steps: list[Step] = []
    grade: str | None = None
    if score is not None:
        require_finite(score, "score")
        if score < ZERO:
            raise ScoringError("negative", {"field": "score"})
        # the last band starts at 0, so a score that is not negative always finds one
        band = next(band for band in bands if score >= band.min_score)
        grade = band.grade
        steps.append(
            Step(
                "grade_band",
                {"grade": band.grade, "min": plain(band.min_score), "score": plain(score)},
            )
        )
    if veto_grade is None:
        return grade, tuple(steps)
    final = veto_grade if grade is None else max(veto_grade, grade, key=grades.index)
    values = {"grade": final, "veto_grade": veto_grade}
    if grade is not None:
        values["score_grade"] = grade
    steps.append(Step("grade_veto", values))
    return final, tuple(steps)
