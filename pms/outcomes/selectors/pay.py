"""Reads for the bonus and raise plan pages: the plans with their totals, the simulation
(totals by department and by grade against the pool or budget), the lines with filters.

Totals are summed by the database per group (a few queries whatever the plan's size) and
shaped by ``pms.scoring.bonus.totals_of_groups``; the raise budget is checked by
``pms.scoring.raises.budget_check``, which suggests the scale-down factor when over. An
HRBP's figures are those of their scope only (``access.bonus_lines_visible``), and the
plan's budget is not set against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from pms.org.access import hr_scope_q
from pms.org.models import Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import BonusFactor, BonusLine, BonusMethod, BonusPlan, RaiseLine, RaisePlan
from pms.outcomes.pay_wording import pay_sentences
from pms.reviews.wording_outcomes import ZONE_LABELS, explain_outcome_step
from pms.scoring.bonus import GroupTotal, totals_of_groups
from pms.scoring.decimals import ZERO, q2
from pms.scoring.exact import exact, exact_q2
from pms.scoring.raises import ZONES, BudgetCheck, budget_check

__all__ = [
    "BonusSimulation",
    "GroupRow",
    "LineFilters",
    "RaiseSimulation",
    "bonus_factor_rows",
    "bonus_line_rows",
    "bonus_plan_rows",
    "bonus_simulation",
    "line_sentences",
    "raise_line_rows",
    "raise_plan_rows",
    "raise_simulation",
]


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    count: int
    total: Decimal
    mean: Decimal
    share: Decimal  # percent of the grand total


@dataclass(frozen=True)
class LineFilters:
    department: Department | None = None  # with its sub-departments
    grade: str = ""
    search: str = ""  # 工号 or name
    missing: bool = False  # only lines without their inputs (base, salary)

    def apply(self, rows: QuerySet[Any], missing: Q) -> QuerySet[Any]:
        if self.department is not None:
            rows = rows.filter(department__path__startswith=self.department.path)
        if self.grade:
            rows = rows.filter(grade=self.grade)
        if self.search:
            text = self.search.strip()
            rows = rows.filter(Q(employee__number=text) | Q(employee__name__contains=text))
        if self.missing:
            rows = rows.filter(missing)
        return rows


NO_BASE = Q(base__isnull=True)
NO_SALARY = Q(salary__isnull=True) | Q(range_min__isnull=True) | Q(range_max__isnull=True)


def _money(value: Decimal | None) -> Decimal:
    """A sum as the database gives it (SQLite drops trailing zeros) to the fen."""
    return q2(value or ZERO)


def _mean(total: Decimal, count: int) -> Decimal:
    return exact_q2(exact(total) / count) if count else ZERO


def _groups(lines: QuerySet[Any], by: str) -> list[GroupRow]:
    """The lines' amounts summed per department (by its path) or per grade: one query."""
    if by == "department":
        rows = (
            lines.values("department_id", "department__name", "department__path")
            .annotate(n=Count("pk"), total=Sum("amount"))
            .order_by("department__path")
        )
        data = [
            (str(row["department_id"]), row["department__name"], row["n"], _money(row["total"]))
            for row in rows
        ]
    else:
        rows = lines.values("grade").annotate(n=Count("pk"), total=Sum("amount")).order_by("grade")
        data = [(row["grade"], row["grade"] or "—", row["n"], _money(row["total"])) for row in rows]
    totals: tuple[GroupTotal, ...] = totals_of_groups((key, n, total) for key, _l, n, total in data)
    return [
        GroupRow(
            key=found.key,
            label=label,
            count=found.count,
            total=found.total,
            mean=found.mean,
            share=found.share,
        )
        for found, (_key, label, _n, _total) in zip(totals, data, strict=True)
    ]


def _grade_order(rows: list[GroupRow], grades: list[str]) -> list[GroupRow]:
    position = {grade: index for index, grade in enumerate(grades)}
    return sorted(
        rows, key=lambda row: (position.get(row.key, len(grades)), row.key == "", row.key)
    )


# --- bonus ---------------------------------------------------------------------------------


def bonus_plan_rows(principal: Principal) -> QuerySet[BonusPlan]:
    """The plans, newest cycle first, with the people and total of the reader's scope."""
    scope = hr_scope_q(principal, "lines__")
    return (
        access.bonus_plans_visible(principal)
        .select_related("cycle")
        .annotate(
            n_people=Count("lines", filter=scope),
            total=Sum("lines__amount", filter=scope),
        )
        .order_by("-cycle__start", "-cycle_id", "name")
    )


@dataclass(frozen=True)
class BonusSimulation:
    people: int
    total: Decimal
    mean: Decimal
    target: Decimal | None  # the pool, or the budget: what the total is held against
    over: Decimal  # how far the total is above the target (0 when within)
    left: Decimal | None  # what the target leaves (None without a target)
    by_department: list[GroupRow]
    by_grade: list[GroupRow]
    missing_base: int
    no_coefficient: int
    scoped: bool  # the figures are of the reader's scope, not the whole plan


def bonus_simulation(principal: Principal, plan: BonusPlan, grades: list[str]) -> BonusSimulation:
    """The plan's figures as the reader may see them: four queries."""
    lines = access.bonus_lines_visible(principal, plan)
    figures = lines.aggregate(
        n=Count("pk"),
        total=Sum("amount"),
        missing=Count("pk", filter=NO_BASE),
        no_coefficient=Count("pk", filter=Q(coefficient__isnull=True)),
    )
    people = figures["n"] or 0
    total = _money(figures["total"])
    scoped = not access.can_manage_pay(principal)
    wanted = plan.pool if plan.method == BonusMethod.POOL else plan.budget
    target = None if scoped or wanted is None else q2(wanted)
    over = max(total - target, ZERO) if target is not None else ZERO
    return BonusSimulation(
        people=people,
        total=total,
        mean=_mean(total, people),
        target=target,
        over=over,
        left=None if target is None else max(target - total, ZERO),
        by_department=_groups(lines, "department"),
        by_grade=_grade_order(_groups(lines, "grade"), grades),
        missing_base=figures["missing"] or 0,
        no_coefficient=figures["no_coefficient"] or 0,
        scoped=scoped,
    )


def bonus_line_rows(
    principal: Principal, plan: BonusPlan, filters: LineFilters
) -> QuerySet[BonusLine]:
    return (
        filters.apply(access.bonus_lines_visible(principal, plan), NO_BASE)
        .select_related("employee", "department")
        .order_by("department__path", "employee__number")
    )


def bonus_factor_rows(plan: BonusPlan) -> list[BonusFactor]:
    return list(
        BonusFactor.objects.filter(plan=plan)
        .select_related("department")
        .order_by("department__path")
    )


def line_sentences(line: BonusLine | RaiseLine) -> list[str]:
    """How a line's amount came about, in sentences."""
    return pay_sentences(line.explanation)


# --- raises --------------------------------------------------------------------------------


def raise_plan_rows(principal: Principal) -> QuerySet[RaisePlan]:
    scope = hr_scope_q(principal, "lines__")
    return (
        access.raise_plans_visible(principal)
        .select_related("cycle")
        .annotate(
            n_people=Count("lines", filter=scope),
            total=Sum("lines__amount", filter=scope),
        )
        .order_by("-cycle__start", "-cycle_id", "name")
    )


@dataclass(frozen=True)
class MatrixRow:
    grade: str
    cells: list[tuple[str, str, int]]  # (zone, percent, people in the cell)


@dataclass(frozen=True)
class RaiseSimulation:
    people: int
    total: Decimal
    mean: Decimal
    payroll: Decimal  # Σ monthly salaries of the lines with one
    budget: Decimal | None
    check: BudgetCheck | None  # against the budget, with the scale-down factor when over
    check_sentences: list[str]
    by_department: list[GroupRow]
    by_grade: list[GroupRow]
    missing_inputs: int
    scoped: bool
    matrix: list[MatrixRow] = field(default_factory=list)


def raise_simulation(principal: Principal, plan: RaisePlan, grades: list[str]) -> RaiseSimulation:
    """The plan's figures as the reader may see them, the matrix with the people in each
    cell: five queries."""
    lines = access.raise_lines_visible(principal, plan)
    figures = lines.aggregate(
        n=Count("pk"),
        total=Sum("amount"),
        payroll=Sum("salary"),
        missing=Count("pk", filter=NO_SALARY),
    )
    people = figures["n"] or 0
    total = _money(figures["total"])
    scoped = not access.can_manage_pay(principal)
    budget = None if scoped or plan.budget is None else q2(plan.budget)
    check = budget_check([total], budget) if budget is not None else None
    counts = {
        (row["grade"], row["zone"]): row["n"]
        for row in lines.values("grade", "zone").annotate(n=Count("pk")).order_by()
    }
    matrix = [
        MatrixRow(
            grade=grade,
            cells=[
                (zone, str(plan.matrix.get(grade, {}).get(zone, "")), counts.get((grade, zone), 0))
                for zone in ZONES
            ],
        )
        for grade in grades
    ]
    return RaiseSimulation(
        people=people,
        total=total,
        mean=_mean(total, people),
        payroll=_money(figures["payroll"]),
        budget=budget,
        check=check,
        check_sentences=[explain_outcome_step(step) for step in check.steps] if check else [],
        by_department=_groups(lines, "department"),
        by_grade=_grade_order(_groups(lines, "grade"), grades),
        missing_inputs=figures["missing"] or 0,
        scoped=scoped,
        matrix=matrix,
    )


def raise_line_rows(
    principal: Principal, plan: RaisePlan, filters: LineFilters
) -> QuerySet[RaiseLine]:
    return (
        filters.apply(access.raise_lines_visible(principal, plan), NO_SALARY)
        .select_related("employee", "department")
        .order_by("department__path", "employee__number")
    )


def zone_label(zone: str) -> str:
    return str(ZONE_LABELS.get(zone, zone or "—"))
