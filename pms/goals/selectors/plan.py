"""Reads for the strategy pages: the strategy by BSC perspective, a department's goals, the
decision inbox, one goal with its discussion. Each takes what the access functions allow
and returns it shaped, so a page runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.goals import access
from pms.goals.models import Comment, Goal, GoalLevel, GoalStatus, Period, Perspective
from pms.goals.selectors.alignment import PLAN_LEVELS, Rollup, bar_width, target_text
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.selectors import path_ids

PERSPECTIVES: tuple[str, ...] = (
    Perspective.FINANCIAL,
    Perspective.CUSTOMER,
    Perspective.PROCESS,
    Perspective.LEARNING,
)


@dataclass(frozen=True)
class PlanRow:
    """A goal with its rolled-up progress and the number of goals aligned to it."""

    goal: Goal
    progress: Decimal | None
    children: int

    @property
    def bar(self) -> int:
        return bar_width(self.progress)

    @property
    def target(self) -> str:
        return target_text(self.goal)


@dataclass(frozen=True)
class PerspectiveGroup:
    perspective: str
    label: str | Promise
    rows: list[PlanRow]


def _rows(period: Period, goals: Sequence[Goal]) -> list[PlanRow]:
    figures = Rollup.for_goals(period, goals)
    return [
        PlanRow(goal=g, progress=figures.progress(g), children=figures.children(g)) for g in goals
    ]


def plan_goals(
    visible: QuerySet[Goal],
    *,
    period: Period | None = None,
    level: str = "",
    department: Department | None = None,
    below: bool = False,
    status: str = "",
) -> QuerySet[Goal]:
    """Company and department goals, filtered; ``below`` takes the department's subtree."""
    goals = visible.filter(level__in=PLAN_LEVELS).select_related(
        "period", "department", "owner", "parent"
    )
    if period is not None:
        goals = goals.filter(period=period)
    if level:
        goals = goals.filter(level=level)
    if department is not None:
        if below:
            goals = goals.filter(department__path__startswith=department.path)
        else:
            goals = goals.filter(department=department)
    if status:
        goals = goals.filter(status=status)
    return goals.order_by("period__start", "level", "department__path", "sort_order", "pk")


def strategy_by_perspective(principal: Principal, period: Period) -> list[PerspectiveGroup]:
    """The period's strategic goals in the four BSC perspectives (and one group for goals
    without a perspective yet), with progress and aligned-goal counts (three queries)."""
    goals = list(
        access.plan_goals_visible(principal)
        .filter(period=period, level=GoalLevel.COMPANY, is_active=True)
        .select_related("owner")
        .order_by("sort_order", "pk")
    )
    rows = _rows(period, goals)
    groups = [
        PerspectiveGroup(
            perspective=p,
            label=Perspective(p).label,
            rows=[r for r in rows if r.goal.perspective == p],
        )
        for p in PERSPECTIVES
    ]
    unsorted = [r for r in rows if r.goal.perspective not in PERSPECTIVES]
    if unsorted:
        groups.append(
            PerspectiveGroup(perspective="", label=_("No perspective yet"), rows=unsorted)
        )
    return groups


def department_goal_rows(
    principal: Principal, period: Period, department: Department, *, below: bool = False
) -> list[PlanRow]:
    """A department's goals (or its subtree's) with parent, progress and counts; the
    number of goals of one department is small, so they are not paginated."""
    goals = list(
        plan_goals(
            access.plan_goals_visible(principal).filter(is_active=True),
            period=period,
            level=GoalLevel.DEPARTMENT,
            department=department,
            below=below,
        ).annotate(comment_count=Count("comments"))
    )
    return _rows(period, goals)


def decision_inbox(principal: Principal) -> QuerySet[Goal]:
    """Submitted goals waiting for this user's decision: department goals for the
    committee, strategic goals for executives and the committee (oldest first)."""
    q = Q(pk__in=[])
    if principal.is_committee:
        q |= Q(level=GoalLevel.DEPARTMENT)
    if principal.is_committee or principal.is_executive:
        q |= Q(level=GoalLevel.COMPANY)
    return (
        access.plan_goals_visible(principal)
        .filter(q, status=GoalStatus.SUBMITTED, is_active=True)
        .select_related("period", "department", "owner", "parent__department")
        .order_by("submitted_at", "pk")
    )


def goal_comments(goal: Goal) -> QuerySet[Comment]:
    return Comment.objects.filter(goal=goal).select_related("author")


def goal_detail(visible: QuerySet[Goal], goal: Goal) -> Goal:
    """The goal with what its page shows, in one query."""
    return visible.select_related(
        "period", "department", "owner", "parent__department", "approved_by"
    ).get(pk=goal.pk)


def parent_choices(
    principal: Principal, period: Period, department: Department, exclude: Goal | None = None
) -> QuerySet[Goal]:
    """Goals a goal of ``department`` may align to: the strategy, and for a sub-department
    the goals of its own and its parent departments (what the service accepts)."""
    q = Q(level=GoalLevel.COMPANY)
    if department.parent_id is not None:
        q |= Q(level=GoalLevel.DEPARTMENT, department_id__in=path_ids(department.path))
    goals = (
        access.plan_goals_visible(principal)
        .filter(q, period=period, is_active=True)
        .select_related("department")
        .order_by("level", "department__path", "sort_order", "pk")
    )
    if exclude is not None:
        goals = goals.exclude(pk=exclude.pk)
    return goals
