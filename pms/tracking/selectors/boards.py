"""Reads for the progress boards (进度看板): the manager's team, a department's subtree and
the company. Each takes the querysets ``pms.tracking.access`` allows and shapes them, so a
board issues the same number of queries whatever the size of the team or the company.

Figures come from ``GoalProgress`` (one row per measured goal, kept up to date by
``pms.tracking.services.progress``). People's figures count their individual goals;
department goals are shown with their own progress, never mixed into people's counts.
Aggregation is done by the database (``GROUP BY`` the people's department), rolled up the
department tree in Python along the materialised paths, so the Python side follows the
number of departments, not the number of people or goals.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.goals.models import Goal, GoalLevel, Period
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.selectors import board_rows, path_ids
from pms.tracking.models import GoalProgress, PaceStatus

NEEDS_ATTENTION = (PaceStatus.OFF_TRACK, PaceStatus.AT_RISK)
# worst first: the order goals are listed in, and people by their worst goals
SEVERITY: dict[str, int] = {
    PaceStatus.OFF_TRACK: 0,
    PaceStatus.AT_RISK: 1,
    PaceStatus.NO_DATA: 2,
    PaceStatus.ON_TRACK: 3,
}
WORST_SHOWN = 2
CENT = Decimal("0.01")

ATTENTION = "attention"
ALL_ON_TRACK = "on_track"
UNMEASURED = "unmeasured"
PEOPLE_FILTERS: list[tuple[str, Promise]] = [
    (ATTENTION, _("Needs attention (at risk or off track)")),
    (PaceStatus.OFF_TRACK, _("Has a goal off track")),
    (PaceStatus.AT_RISK, _("Has a goal at risk")),
    (ALL_ON_TRACK, _("Everything on track")),
    (PaceStatus.NO_DATA, _("Has a goal without values yet")),
    (UNMEASURED, _("No measured goals")),
]


# --- figures -----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


@dataclass
class Tally:
    """Measured goals counted by status, with the sums their averages come from (so
    tallies add up along the department tree)."""

    goals: int = 0
    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    no_data: int = 0
    people: int = 0
    # goals with an attainment (values arrived), and the sums over those goals
    with_values: int = 0
    attainment_sum: Decimal = Decimal(0)
    expected_sum: Decimal = Decimal(0)

    def add(self, other: Tally) -> None:
        for name in (
            "goals",
            "on_track",
            "at_risk",
            "off_track",
            "no_data",
            "people",
            "with_values",
            "attainment_sum",
            "expected_sum",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count(self, status: str, attainment: Decimal | None, expected: Decimal | None) -> None:
        self.goals += 1
        if status in SEVERITY:
            setattr(self, status, getattr(self, status) + 1)
        if attainment is not None:
            self.with_values += 1
            self.attainment_sum += attainment
            self.expected_sum += expected or Decimal(0)

    @property
    def attention(self) -> int:
        return self.at_risk + self.off_track

    @property
    def on_track_percent(self) -> int:
        return _percent(self.on_track, self.goals)

    @property
    def attainment(self) -> Decimal | None:
        """Average attainment (%) of the goals that have values."""
        if not self.with_values:
            return None
        return (self.attainment_sum / self.with_values).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def expected(self) -> Decimal | None:
        """Average attainment expected by now (%), over the same goals."""
        if not self.with_values:
            return None
        return (self.expected_sum / self.with_values).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def gap(self) -> Decimal | None:
        if self.attainment is None or self.expected is None:
            return None
        return self.attainment - self.expected

    @property
    def bar(self) -> list[tuple[str, int]]:
        """Shares of the goals by status, worst first, for a stacked bar (CSS widths)."""
        return [
            (status, _percent(getattr(self, status), self.goals))
            for status in (
                PaceStatus.OFF_TRACK,
                PaceStatus.AT_RISK,
                PaceStatus.ON_TRACK,
                PaceStatus.NO_DATA,
            )
            if getattr(self, status)
        ]


def _tally_aggregates(prefix: str = "") -> dict[str, Any]:
    with_values = Q(**{f"{prefix}attainment__isnull": False})
    return {
        "n_goals": Count(f"{prefix}pk"),
        **{
            f"n_{status}": Count(f"{prefix}pk", filter=Q(**{f"{prefix}status": status}))
            for status in SEVERITY
        },
        "n_people": Count(f"{prefix}employee_id", distinct=True),
        "n_values": Count(f"{prefix}attainment"),
        "s_attainment": Sum(f"{prefix}attainment"),
        "s_expected": Sum(f"{prefix}expected", filter=with_values),
    }


def _tally_from(row: dict[str, Any]) -> Tally:
    return Tally(
        goals=row["n_goals"],
        on_track=row[f"n_{PaceStatus.ON_TRACK}"],
        at_risk=row[f"n_{PaceStatus.AT_RISK}"],
        off_track=row[f"n_{PaceStatus.OFF_TRACK}"],
        no_data=row[f"n_{PaceStatus.NO_DATA}"],
        people=row.get("n_people", 0),
        with_values=row["n_values"],
        attainment_sum=Decimal(row["s_attainment"] or 0),
        expected_sum=Decimal(row["s_expected"] or 0),
    )


def departments_under(paths: Iterable[str]) -> QuerySet[Department]:
    """The departments of these subtrees. Filtering people by ``department__in`` this
    (rather than by their department's path) lets the database start from the few
    departments and their people, not from every person in the company."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


def people_progress(
    progress: QuerySet[GoalProgress], period: Period, *, under: Iterable[str] | None = None
) -> QuerySet[GoalProgress]:
    """The individual goals' progress of current people for ``period``; ``under`` keeps
    the people of those department subtrees (paths) only."""
    rows = progress.filter(
        period=period, employee__isnull=False, employee__status__in=CURRENT_STATUSES
    )
    if under is not None:
        rows = rows.filter(employee__department__in=departments_under(under))
    return rows


def progress_totals(progress: QuerySet[GoalProgress]) -> Tally:
    """All of ``progress`` added up (one query)."""
    return _tally_from(progress.order_by().aggregate(**_tally_aggregates()))


# --- people: the team board and the people needing attention on a department board -------


def _progress_of_person(period: Period) -> QuerySet[GoalProgress]:
    return GoalProgress.objects.filter(period=period, employee=OuterRef("pk"))


def _counted(rows: QuerySet[GoalProgress]) -> Coalesce:
    return Coalesce(
        Subquery(rows.order_by().values("employee").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
    )


def _filter_people(people: QuerySet[Employee], period: Period, status: str) -> QuerySet[Employee]:
    mine = _progress_of_person(period)
    if status == ATTENTION:
        return people.filter(Exists(mine.filter(status__in=NEEDS_ATTENTION)))
    if status in (PaceStatus.OFF_TRACK, PaceStatus.AT_RISK, PaceStatus.NO_DATA):
        return people.filter(Exists(mine.filter(status=status)))
    if status == ALL_ON_TRACK:
        return people.filter(Exists(mine)).exclude(Exists(mine.filter(status__in=NEEDS_ATTENTION)))
    if status == UNMEASURED:
        return people.exclude(Exists(mine))
    return people


def board_people(
    members: QuerySet[Employee],
    period: Period,
    *,
    status: str = "",
    search: str = "",
    direct_of: Employee | None = None,
    by_attainment: bool = True,
) -> QuerySet[Employee]:
    """People ordered worst first: most goals off track, then at risk, then (with
    ``by_attainment``) the lowest average attainment; people without measured goals last.
    The order's figures are annotations (``off_track``, ``at_risk``, ``mean_attainment``);
    the rows' figures come from ``person_rows`` for the page shown."""
    people = members.select_related("department", "manager")
    if direct_of is not None:
        people = people.filter(manager=direct_of)
    if search:
        people = people.filter(Q(name__icontains=search) | Q(number__icontains=search))
    people = _filter_people(people, period, status)
    mine = _progress_of_person(period)
    people = people.annotate(
        off_track=_counted(mine.filter(status=PaceStatus.OFF_TRACK)),
        at_risk=_counted(mine.filter(status=PaceStatus.AT_RISK)),
    )
    order: list[Any] = [F("off_track").desc(), F("at_risk").desc()]
    if by_attainment:
        mean = Subquery(
            mine.order_by().values("employee").annotate(m=Avg("attainment")).values("m")[:1]
        )
        people = people.annotate(mean_attainment=mean)
        order.append(F("mean_attainment").asc(nulls_last=True))
    return people.order_by(*order, "department__path", "number", "pk")


def attention_people(people: QuerySet[Employee], period: Period) -> QuerySet[Employee]:
    """The people with a goal at risk or off track: most goals off track first, then at
    risk, then by department. (Not by attainment: over a whole company that tie-break
    reads every goal's row and more than doubles the time of the page.)"""
    return board_people(people, period, status=ATTENTION, by_attainment=False)


@dataclass(frozen=True)
class GoalLine:
    """One measured goal's progress as a board shows it (read as plain values: a page of
    fifty people has some five hundred of these)."""

    goal_id: int
    goal_uuid: Any
    title: str
    employee_id: int | None
    status: str
    attainment: Decimal | None
    expected: Decimal | None
    forecast: Decimal | None
    forecast_low: Decimal | None
    forecast_high: Decimal | None
    last_value_on: Any

    @property
    def status_label(self) -> str:
        return str(dict(PaceStatus.choices).get(self.status, self.status))

    @property
    def order(self) -> tuple[int, Decimal, int]:
        """Worst first: by status, then the furthest behind what is expected by now."""
        gap = (
            self.attainment - (self.expected or Decimal(0))
            if self.attainment is not None
            else Decimal(0)
        )
        return (SEVERITY.get(self.status, 9), gap, self.goal_id)


_LINE_FIELDS = (
    "goal_id",
    "goal__uuid",
    "goal__title",
    "employee_id",
    "status",
    "attainment",
    "expected",
    "forecast",
    "forecast_low",
    "forecast_high",
    "last_value_on",
)


def _lines(progress: QuerySet[GoalProgress]) -> list[GoalLine]:
    return [GoalLine(*row) for row in progress.order_by().values_list(*_LINE_FIELDS)]


@dataclass
class PersonRow:
    person: Employee
    tally: Tally
    worst: list[GoalLine] = field(default_factory=list)


def person_rows(people: Iterable[Employee], period: Period) -> list[PersonRow]:
    """Each person's goals counted by status, their averages and worst goals (one query
    for the whole page)."""
    shown = list(people)
    by_person: dict[int | None, list[GoalLine]] = defaultdict(list)
    for line in _lines(
        GoalProgress.objects.filter(period=period, employee_id__in=[p.pk for p in shown])
    ):
        by_person[line.employee_id].append(line)
    result = []
    for person in shown:
        goals = sorted(by_person.get(person.pk, []), key=lambda line: line.order)
        tally = Tally()
        for line in goals:
            tally.count(line.status, line.attainment, line.expected)
        tally.people = 1 if goals else 0
        worst = [g for g in goals if g.status in NEEDS_ATTENTION][:WORST_SHOWN]
        result.append(PersonRow(person=person, tally=tally, worst=worst))
    return result


def person_goals(
    progress: QuerySet[GoalProgress], person: Employee, period: Period
) -> list[GoalLine]:
    """A person's measured goals for ``period`` with their progress, worst first."""
    lines = _lines(progress.filter(period=period, employee=person))
    return sorted(lines, key=lambda line: line.order)


# --- departments -------------------------------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department
    tally: Tally
    has_children: bool
    direct_only: bool = False  # the people placed directly in the department, not below


@dataclass
class DepartmentBoard:
    focus: Department | None
    total: Tally
    rows: list[DepartmentRow]


Tallies = tuple[dict[int, Tally], dict[int, Tally]]


def _tallies_by_department(
    progress: QuerySet[GoalProgress], period: Period, under: tuple[str, ...] | None
) -> Tallies:
    """``_count_by_department``, cached for ``PMS_BOARD_CACHE_SECONDS``: a company-wide board
    reads every progress row of the period (about half a second at 100,000 people), and
    several people opening it at once would each pay for it. The figures depend only on the
    period and the subtrees counted, never on who asks (names are filtered separately), so
    one cached answer serves everyone; they may be that many seconds old."""
    seconds = int(getattr(settings, "PMS_BOARD_CACHE_SECONDS", 60))
    if seconds <= 0:
        return _count_by_department(progress, period, under)
    subtrees = hashlib.sha256("|".join(sorted(under)).encode()).hexdigest() if under else "all"
    rows = "none" if progress.query.is_empty() else "rows"
    key = f"tracking:tallies:{period.pk}:{subtrees}:{rows}"
    found: Tallies | None = cache.get(key)
    if found is None:
        found = _count_by_department(progress, period, under)
        cache.set(key, found, seconds)
    return found


def _count_by_department(
    progress: QuerySet[GoalProgress], period: Period, under: tuple[str, ...] | None
) -> Tallies:
    """Direct and subtree tallies per department, rolled up in Python along each
    department's path. Three queries: the goals grouped by the people's department, the
    people with measured goals per department (counted apart: a ``COUNT(DISTINCT)`` in the
    first would double its cost), and the departments' paths."""
    counted = people_progress(progress, period, under=under)
    aggregates = _tally_aggregates()
    del aggregates["n_people"]
    grouped = counted.values("employee__department_id").annotate(**aggregates).order_by()
    people = Employee.objects.filter(status__in=CURRENT_STATUSES).filter(
        Exists(progress.filter(period=period, employee=OuterRef("pk")))
    )
    scope = Department.objects.all()
    if under is not None:
        scope = departments_under(under)
        people = people.filter(department__in=scope)
    heads = dict(
        people.values("department_id").annotate(n=Count("pk")).values_list("department_id", "n")
    )
    paths = dict(scope.values_list("pk", "path"))
    direct: dict[int, Tally] = {}
    total: dict[int, Tally] = defaultdict(Tally)
    for values in grouped:
        row: dict[str, Any] = dict(values)
        department_id = row["employee__department_id"]
        tally = _tally_from(row)
        tally.people = heads.get(department_id, 0)
        direct[department_id] = tally
        for above in path_ids(paths.get(department_id, "")):
            total[above].add(tally)
    return direct, total


def department_board(
    progress: QuerySet[GoalProgress],
    departments: QuerySet[Department],
    period: Period,
    *,
    under: tuple[str, ...] | None,
    focus: Department | None,
    roots: tuple[str, ...],
) -> DepartmentBoard:
    """Tallies for ``focus`` and each department right below it (or, without a focus, for
    the departments the user's scope starts from: ``roots``, or the top departments),
    counting the people of the subtrees ``under`` (everyone when None) and the
    individual goals of ``progress`` (what the user may aggregate). Five queries."""
    direct, total = _tallies_by_department(progress, period, under)
    shown, has_children = board_rows(departments, focus=focus, roots=roots)
    rows = [
        DepartmentRow(
            department=department,
            tally=total.get(department.pk, Tally()),
            has_children=department.pk in has_children,
        )
        for department in shown
    ]
    if focus is not None:
        summary = total.get(focus.pk, Tally())
        here = direct.get(focus.pk)
        if here is not None and here.goals:
            rows.insert(
                0, DepartmentRow(department=focus, tally=here, has_children=False, direct_only=True)
            )
    else:
        summary = Tally()
        for row in rows:
            summary.add(row.tally)
    # the departments most in trouble first: the largest share off track or at risk
    rows.sort(
        key=lambda r: (
            not r.direct_only,
            -_percent(r.tally.attention, r.tally.goals),
        )
    )
    return DepartmentBoard(focus=focus, total=summary, rows=rows)


def plan_goals(
    plan: QuerySet[Goal], period: Period, *, department: Department | None
) -> QuerySet[Goal]:
    """Department goals of ``department`` (or, without one, the company's strategy) for
    ``period``, with their tracked progress where they are measured."""
    goals = plan.filter(period=period, is_active=True)
    if department is None:
        goals = goals.filter(level=GoalLevel.COMPANY)
    else:
        goals = goals.filter(level=GoalLevel.DEPARTMENT, department=department)
    return goals.select_related("tracked").order_by("sort_order", "id")


def top_department(departments: QuerySet[Department]) -> Department | None:
    """The company's one top department (总部), when there is exactly one."""
    tops = list(departments.filter(parent__isnull=True, is_active=True)[:2])
    return tops[0] if len(tops) == 1 else None
