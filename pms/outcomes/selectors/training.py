"""Training needs (培训需求) from competency gaps, for HR and for managers.

For a cycle whose results are published (the latest unless one is chosen): every
competency (an item of a competencies section of the review templates, grouped by its
title across template versions) and the people whose mean rating on it, by their named
managers (direct, dotted-line, skip-level: submitted, never anonymous ratings), is below
``OutcomeSettings.training_gap_percent`` of the scale. An answer counts as its points on
0–100 (``pms.scoring.ratings.scale_points``), so the threshold reads as a share of any
scale. Peer, upward and cross-department answers, which may be anonymous, are not read
at all: nobody learns here what one of those raters said.

Whose gaps: the results the reader may see for training (``access.training_results``:
HR's scope, a manager's people), filtered by department if asked.

Four queries whatever the size: the settings, the people, the competency items, and the
answers streamed in review order (one review's answers at a time are kept).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from typing import Any

from django.db.models import QuerySet

from pms.org.models import Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import ReleaseStatus
from pms.outcomes.services.results import outcome_settings
from pms.reviews.models import (
    MANAGER_TYPES,
    Answer,
    Cycle,
    RatingStatus,
    Review,
    SectionKind,
    TemplateItem,
)
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact, exact_q2
from pms.scoring.ratings import RatingScale, YesNoScale, scale_from_data, scale_points

__all__ = [
    "CompetencyNeed",
    "NeedPerson",
    "TrainingNeeds",
    "training_cycles",
    "training_needs",
]

_CHUNK = 5000
_YES = frozenset({"yes", "true", "1", "y", "是"})
_NO = frozenset({"no", "false", "0", "n", "否"})


@dataclass(frozen=True)
class NeedPerson:
    employee_uuid: uuid.UUID
    number: str
    name: str
    department: str
    points: Decimal  # the mean of the managers' answers on 0–100, two decimals
    raters: int


@dataclass(frozen=True)
class CompetencyNeed:
    title: str
    people: list[NeedPerson]  # by department, then 工号
    by_department: list[tuple[str, int]]  # (department, people), most first

    @property
    def count(self) -> int:
        return len(self.people)


@dataclass(frozen=True)
class TrainingNeeds:
    cycle: Cycle | None
    threshold: int  # percent of the scale
    competencies: list[CompetencyNeed]  # the templates' order; those without a need too
    rated: int  # people with at least one manager's competency answer


def training_cycles(principal: Principal) -> QuerySet[Cycle]:
    """Cycles with published results the reader may read for training, latest first."""
    cycle_ids = access.training_results(principal).values("cycle_id")
    return Cycle.objects.filter(pk__in=cycle_ids, release__status=ReleaseStatus.PUBLISHED).order_by(
        "-end", "-name"
    )


def _scale(data: Any) -> RatingScale | None:
    try:
        return scale_from_data(data) if data else None
    except ScoringError:
        return None


def _points(scale: RatingScale | None, value: str) -> Decimal | None:
    """The answer's points, or None when blank or not valid on the scale."""
    text = value.strip()
    if scale is None or not text:
        return None
    answer: Any = text
    if isinstance(scale, YesNoScale):
        lowered = text.lower()
        if lowered not in _YES and lowered not in _NO:
            return None
        answer = lowered in _YES
    try:
        return scale_points(scale, answer)
    except ScoringError:
        return None


def training_needs(
    principal: Principal, cycle: Cycle | None, *, department: Department | None = None
) -> TrainingNeeds:
    """The needs of ``cycle`` as the reader may see them (see the module's rules)."""
    threshold = outcome_settings().training_gap_percent
    if cycle is None:
        return TrainingNeeds(cycle=None, threshold=threshold, competencies=[], rated=0)
    results = access.training_results(principal).filter(cycle=cycle)
    if department is not None:
        results = results.filter(department__path__startswith=department.path)
    people = {
        row[0]: row[1:]
        for row in results.values_list(
            "review_id", "employee__uuid", "employee__number", "employee__name", "department__name"
        ).iterator(chunk_size=_CHUNK)
    }
    items: dict[int, tuple[str, RatingScale | None]] = {}
    titles: list[str] = []
    for pk, title, scale in (
        TemplateItem.objects.filter(
            section__kind=SectionKind.COMPETENCIES,
            section__template_id__in=Review.objects.filter(cycle=cycle).values("template_id"),
        )
        .order_by("section__sort_order", "sort_order", "pk")
        .values_list("pk", "title", "section__scale")
    ):
        items[pk] = (title, _scale(scale))
        if title not in titles:
            titles.append(title)
    answers = (
        Answer.objects.filter(
            rating__review_id__in=results.values("review_id"),
            rating__status=RatingStatus.SUBMITTED,
            rating__anonymous=False,
            rating__rater_type__in=MANAGER_TYPES,
            item__section__kind=SectionKind.COMPETENCIES,
        )
        .order_by("rating__review_id")
        .values_list("rating__review_id", "item_id", "value")
    )
    limit = Fraction(threshold)
    needs: dict[str, list[NeedPerson]] = {title: [] for title in titles}
    rated = 0
    for review_id, group in groupby(answers.iterator(chunk_size=_CHUNK), key=lambda row: row[0]):
        person = people.get(review_id)
        if person is None:
            continue
        sums: dict[str, list[Decimal]] = {}
        for _review, item_id, value in group:
            title, scale = items.get(item_id, ("", None))
            points = _points(scale, value)
            if points is not None:
                sums.setdefault(title, []).append(points)
        if sums:
            rated += 1
        for title, values in sums.items():
            mean = sum((exact(v) for v in values), Fraction(0)) / len(values)
            if mean < limit:
                person_uuid, number, name, department_name = person
                needs.setdefault(title, []).append(
                    NeedPerson(
                        employee_uuid=person_uuid,
                        number=number,
                        name=name,
                        department=department_name,
                        points=exact_q2(mean),
                        raters=len(values),
                    )
                )
    competencies = []
    for title, found in needs.items():
        found.sort(key=lambda p: (p.department, p.number))
        counts = Counter(p.department for p in found)
        competencies.append(
            CompetencyNeed(
                title=title,
                people=found,
                by_department=sorted(counts.items(), key=lambda item: (-item[1], item[0])),
            )
        )
    return TrainingNeeds(cycle=cycle, threshold=threshold, competencies=competencies, rated=rated)
