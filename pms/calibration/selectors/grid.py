"""The session grid: people with proposed and calibrated score and grade, filtered and
sorted; grade counts; the nine-box; the distribution by pool."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from pms.calibration.distribution import PoolDeviation, deviations_of_session, rule_grades
from pms.calibration.models import CalibrationEntry, CalibrationSession

SORTS: dict[str, tuple[str, ...]] = {
    "department": ("department__path", "employee__name", "pk"),
    "name": ("employee__name", "pk"),
    "score": ("-score", "employee__name", "pk"),
    "score_asc": ("score", "employee__name", "pk"),
    "proposed": ("-proposed_score", "employee__name", "pk"),
    "grade": ("grade", "-score", "pk"),
    "changed": ("-changed", "-updated_at", "pk"),
}


@dataclass(frozen=True)
class GridFilters:
    department: int | None = None
    pool: str = ""
    grade: str = ""
    manager: int | None = None
    changed: bool = False
    potential: str = ""
    box: int | None = None
    query: str = ""
    sort: str = "department"

    def apply(self, entries: QuerySet[CalibrationEntry]) -> QuerySet[CalibrationEntry]:
        if self.department is not None:
            entries = entries.filter(department_id=self.department)
        if self.pool:
            entries = entries.filter(pool=self.pool)
        if self.grade:
            entries = entries.filter(grade=self.grade)
        if self.manager is not None:
            entries = entries.filter(manager_id=self.manager)
        if self.changed:
            entries = entries.filter(changed=True)
        if self.potential == "none":
            entries = entries.filter(potential="")
        elif self.potential:
            entries = entries.filter(potential=self.potential)
        if self.box is not None:
            entries = entries.filter(box=self.box)
        if self.query:
            entries = entries.filter(
                Q(employee__name__icontains=self.query) | Q(employee__number=self.query)
            )
        return entries.order_by(*SORTS.get(self.sort, SORTS["department"]))


def grid_rows(
    entries: QuerySet[CalibrationEntry], filters: GridFilters
) -> QuerySet[CalibrationEntry]:
    """The rows of the grid, joined for display (paginate the result)."""
    return filters.apply(entries).select_related(
        "employee", "department", "manager", "employee__position"
    )


@dataclass(frozen=True)
class GradeCount:
    grade: str
    proposed: int
    now: int


def grade_counts(
    session: CalibrationSession, entries: QuerySet[CalibrationEntry]
) -> list[GradeCount]:
    """Per grade of the rule: how many were proposed, how many are there now (2 queries)."""
    proposed = Counter(
        dict(entries.values_list("proposed_grade").annotate(n=Count("pk")).order_by())
    )
    now = Counter(dict(entries.values_list("grade").annotate(n=Count("pk")).order_by()))
    grades = list(rule_grades(session))
    extra = sorted((set(proposed) | set(now)) - set(grades))
    return [GradeCount(g, proposed.get(g, 0), now.get(g, 0)) for g in [*grades, *extra]]


def distribution(session: CalibrationSession) -> list[PoolDeviation]:
    return deviations_of_session(session)


@dataclass
class Box:
    number: int
    count: int = 0
    people: list[dict[str, Any]] = field(default_factory=list)


PER_BOX = 30


def nine_box(entries: QuerySet[CalibrationEntry], per_box: int = PER_BOX) -> tuple[list[Box], int]:
    """The nine boxes (top row first: 7 8 9 / 4 5 6 / 1 2 3) with up to ``per_box`` people
    each, and how many have no potential rated yet (2 queries)."""
    boxes = {n: Box(n) for n in range(1, 10)}
    unplaced = 0
    for box, count in entries.values_list("box").annotate(n=Count("pk")).order_by():
        if box is None:
            unplaced += count
        else:
            boxes[box].count = count
    # the best scores first in each box; only as many as a box shows
    rows = (
        entries.filter(box__isnull=False)
        .order_by("box", "-score", "employee__name", "pk")
        .values("uuid", "box", "grade", "score", "potential", "employee__name", "department__name")
    )
    for row in rows:
        number = row["box"]
        if number is None:
            continue
        target = boxes[number]
        if len(target.people) < per_box:
            target.people.append(dict(row))
    order = [7, 8, 9, 4, 5, 6, 1, 2, 3]
    return [boxes[n] for n in order], unplaced
