"""Promotion eligibility (晋升资格) for HR: the people whose latest published results meet
the company's rule (``OutcomeSettings``: at least ``promotion_count`` results in a row at
``promotion_grade`` or better, and ``promotion_tenure_months`` in the company), judged by
``pms.scoring.promotion``.

The results looked at are those of the latest cycles of one kind (annual with annual,
quarterly with quarterly) whose results are published, the latest first: as many cycles
as the rule asks for. A person who has no result in one of them (not reviewed, not yet
hired) has no grade there, which breaks the run. Only current employees of HR's scope
(by their department now) are listed, filtered by department if asked.

Three queries whatever the company's size: the settings, the cycles, and the results of
those cycles streamed in people order; the rule runs in Python per person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db.models import QuerySet

from pms.org.models import CURRENT_STATUSES, Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import ReleaseStatus
from pms.outcomes.services.results import coefficient_table, outcome_settings
from pms.reviews.models import Cycle, CycleKind
from pms.reviews.wording_outcomes import explain_outcome_step, outcome_error_message
from pms.scoring.errors import ScoringError
from pms.scoring.promotion import CycleResult, PromotionRule, promotion_eligibility, tenure_months

__all__ = [
    "PromotionList",
    "PromotionRow",
    "promotion_kinds",
    "promotion_list",
]

_CHUNK = 2000


@dataclass(frozen=True)
class PromotionRow:
    employee_uuid: uuid.UUID
    number: str
    name: str
    department: str
    hire_date: dt.date | None
    tenure: int | None  # whole months
    grades: list[tuple[str, str]]  # (cycle, grade) the rule looked at, the latest first
    sentences: list[str]  # how the rule decided


@dataclass(frozen=True)
class PromotionList:
    kind: str
    rule: PromotionRule
    cycles: list[Cycle]  # looked at, the latest first
    rows: list[PromotionRow]  # the eligible people
    considered: int  # people judged
    error: str = ""  # the rule cannot be applied (a grade the company does not use)


def published_cycles(kind: str) -> QuerySet[Cycle]:
    """Cycles of ``kind`` whose results are published, the latest first (the order the
    rule reads them in)."""
    return Cycle.objects.filter(kind=kind, release__status=ReleaseStatus.PUBLISHED).order_by(
        "-end", "-name"
    )


def promotion_kinds() -> list[tuple[str, str]]:
    """The kinds of cycle with published results, as (kind, label)."""
    found = set(
        Cycle.objects.filter(release__status=ReleaseStatus.PUBLISHED)
        .values_list("kind", flat=True)
        .distinct()
    )
    return [(value, str(label)) for value, label in CycleKind.choices if value in found]


def promotion_list(
    principal: Principal,
    kind: str,
    *,
    today: dt.date,
    department: Department | None = None,
) -> PromotionList:
    """The eligible people of HR's scope (see the module's rules)."""
    settings = outcome_settings()
    grades = list(coefficient_table(settings))
    rule = PromotionRule(
        min_grade=settings.promotion_grade,
        consecutive=settings.promotion_count,
        min_tenure_months=settings.promotion_tenure_months,
    )
    cycles = list(published_cycles(kind)[: max(rule.consecutive, 1)])
    looked_at = cycles[: rule.consecutive]
    empty = PromotionList(kind=kind, rule=rule, cycles=looked_at, rows=[], considered=0)
    if rule.min_grade not in grades:
        error = ScoringError("bad_grade", {"grade": rule.min_grade, "grades": ", ".join(grades)})
        return PromotionList(
            kind=kind,
            rule=rule,
            cycles=looked_at,
            rows=[],
            considered=0,
            error=outcome_error_message(error),
        )
    if not cycles:
        return empty
    results = access.promotion_results(principal).filter(
        cycle__in=cycles, employee__status__in=CURRENT_STATUSES
    )
    if department is not None:
        results = results.filter(employee__department__path__startswith=department.path)
    stream = results.order_by("employee_id").values_list(
        "employee_id",
        "employee__uuid",
        "employee__number",
        "employee__name",
        "employee__department__name",
        "employee__hire_date",
        "cycle_id",
        "grade",
    )
    rows: list[PromotionRow] = []
    considered = 0
    for _employee_id, group in groupby(stream.iterator(chunk_size=_CHUNK), key=lambda row: row[0]):
        found = list(group)
        considered += 1
        row = _judge(rule, found, looked_at, grades, today)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda row: (row.department, row.number))
    return PromotionList(kind=kind, rule=rule, cycles=looked_at, rows=rows, considered=considered)


def _judge(
    rule: PromotionRule,
    found: list[tuple[Any, ...]],
    cycles: list[Cycle],
    grades: list[str],
    today: dt.date,
) -> PromotionRow | None:
    first = found[0]
    _id, person_uuid, number, name, department, hired = first[:6]
    by_cycle = {cycle_id: grade for *_rest, cycle_id, grade in found}
    results = [
        CycleResult(
            cycle=cycle.name,
            ended=cycle.end,
            grade=_grade(by_cycle.get(cycle.pk), grades),
        )
        for cycle in cycles
    ]
    tenure = tenure_months(hired, today) if hired is not None and hired <= today else None
    eligibility = promotion_eligibility(rule, results, tenure=tenure, grades=grades)
    if not eligibility.eligible:
        return None
    return PromotionRow(
        employee_uuid=person_uuid,
        number=number,
        name=name,
        department=department,
        hire_date=hired,
        tenure=tenure,
        grades=[(result.cycle, result.grade or "—") for result in results],
        sentences=[explain_outcome_step(step) for step in eligibility.steps],
    )


def _grade(grade: str | None, grades: list[str]) -> str | None:
    """A result's grade as the rule reads it: none for no grade or one no longer used."""
    return grade if grade and grade in grades else None
