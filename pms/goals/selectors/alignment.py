"""The alignment view: the cascade from strategy to people, goals aligned to nothing,
strategic goals nobody works on, and how much of each department is aligned.

Everything here costs a fixed number of queries whatever the size of the company:

- The tree is read one level at a time (children of one node, 50 per page). Each level
  needs the page of children, two counts, the period's company and department goals (the
  "plan layer": a few thousand rows at most, reduced to ids, parents, weights and progress),
  one grouped count of the individual goals aligned to the page, and one grouped aggregate
  of the progress of individual goals below it (read through a partial index of the goals
  that have progress).
- A node's progress is its own when tracking has written one, else the roll-up of its
  children weighted by contribution (``pms.scoring.progress.rollup``): through the plan
  layer in Python, and for the individual goals from the grouped aggregate (their sums
  stand in for the individual rows, which can be tens of thousands under one goal).
- Coverage groups scorecards and department goals by department in two queries and rolls
  the figures up along the department paths in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from pms.goals import access
from pms.goals.models import Direction, Goal, GoalKind, GoalLevel, GoalStatus, Period, Scorecard
from pms.org.access import departments_visible
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.selectors import path_ids
from pms.scoring.decimals import normalized
from pms.scoring.progress import coverage, rollup

PLAN_LEVELS = (GoalLevel.COMPANY, GoalLevel.DEPARTMENT)
CHILDREN_PER_PAGE = 50
# past this many parent ids, one join on the parent's level beats a long IN list
IN_LIMIT = 500
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


# --- the plan layer and roll-ups -----------------------------------------------------------


@dataclass(frozen=True)
class ChildStats:
    """The active individual goals aligned to one goal, summed up."""

    count: int = 0
    known: int = 0  # how many have progress
    weight: Decimal = ZERO  # Σ contribution over those with progress
    weighted: Decimal = ZERO  # Σ contribution × progress
    progress_sum: Decimal = ZERO  # Σ progress


@dataclass
class PlanLayer:
    """The active company and department goals of a period, as roll-ups need them."""

    parent: dict[int, int | None] = field(default_factory=dict)
    contribution: dict[int, Decimal] = field(default_factory=dict)
    progress: dict[int, Decimal | None] = field(default_factory=dict)
    level: dict[int, str] = field(default_factory=dict)
    children: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def descendants(self, ids: Iterable[int]) -> set[int]:
        """The plan goals at or below ``ids`` (only those in the layer)."""
        found: set[int] = set()
        stack = [i for i in ids if i in self.level]
        while stack:
            goal_id = stack.pop()
            if goal_id in found:
                continue
            found.add(goal_id)
            stack.extend(self.children.get(goal_id, ()))
        return found

    def rolled_from(self, ids: Iterable[int]) -> set[int]:
        """The plan goals whose children a roll-up of ``ids`` reads: down from each goal
        until one has progress of its own (tracking's figure ends the roll-up there)."""
        found: set[int] = set()
        stack = [i for i in ids if i in self.level]
        while stack:
            goal_id = stack.pop()
            if goal_id in found:
                continue
            found.add(goal_id)
            if self.progress.get(goal_id) is None:
                stack.extend(self.children.get(goal_id, ()))
        return found


def plan_layer(period: Period) -> PlanLayer:
    """One query: ids, parents, weights and progress of the period's plan goals."""
    layer = PlanLayer()
    rows = Goal.objects.filter(period=period, level__in=PLAN_LEVELS, is_active=True).values_list(
        "pk", "parent_id", "contribution", "progress", "level"
    )
    for pk, parent_id, contribution, progress, level in rows.order_by():
        layer.parent[pk] = parent_id
        layer.contribution[pk] = contribution if contribution is not None else ZERO
        layer.progress[pk] = progress
        layer.level[pk] = level
    for child_id, above in layer.parent.items():
        if above is not None and above in layer.level:
            layer.children[above].append(child_id)
    return layer


def _decimal(value: object) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def individual_counts(period: Period, parent_ids: Iterable[int]) -> dict[int, int]:
    """One grouped query: how many active individual goals align directly to each goal of
    ``parent_ids`` (the goals on screen, a page at most)."""
    ids = set(parent_ids)
    if not ids:
        return {}
    # no period filter: the parents fix the period, and without it the database walks the
    # parent index instead of every goal of the period
    rows = (
        Goal.objects.filter(level=GoalLevel.INDIVIDUAL, is_active=True, parent_id__in=ids)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["parent_id"]: row["n"] for row in rows}


def individual_stats(
    period: Period, parent_ids: Iterable[int], *, with_progress_only: bool = False
) -> dict[int, ChildStats]:
    """One grouped query: for each goal in ``parent_ids``, the active individual goals
    aligned directly to it, counted and summed. ``with_progress_only`` reads only goals
    that have progress (all a roll-up needs): a partial index holds just those, so the
    query costs nothing while few goals have progress, whatever the company's size."""
    ids = set(parent_ids)
    if not ids:
        return {}
    rows = Goal.objects.filter(period=period, level=GoalLevel.INDIVIDUAL, is_active=True)
    if with_progress_only:
        rows = rows.filter(progress__isnull=False)
    if len(ids) <= IN_LIMIT:
        rows = rows.filter(parent_id__in=ids)
    else:
        rows = rows.filter(parent__level__in=PLAN_LEVELS)
    weight = Coalesce(F("contribution"), Value(ZERO), output_field=DecimalField())
    known = Q(progress__isnull=False)
    grouped = (
        rows.values("parent_id")
        .annotate(
            n=Count("pk"),
            known=Count("pk", filter=known),
            weight=Sum(weight, filter=known, output_field=DecimalField()),
            weighted=Sum(
                ExpressionWrapper(weight * F("progress"), output_field=DecimalField()),
                filter=known,
            ),
            progress_sum=Sum("progress"),
        )
        .order_by()
    )
    return {
        row["parent_id"]: ChildStats(
            count=row["n"],
            known=row["known"],
            weight=_decimal(row["weight"]),
            weighted=_decimal(row["weighted"]),
            progress_sum=_decimal(row["progress_sum"]),
        )
        for row in grouped
        if row["parent_id"] in ids
    }


def rolled_progress(
    own: Decimal | None,
    plan_children: list[tuple[Decimal, Decimal | None]],
    stats: ChildStats | None,
) -> Decimal | None:
    """``rollup`` over plan children given one by one and individual children given by
    their sums. When no child with progress carries weight, every such child counts once
    (as ``rollup`` does), so the individual ones enter with their number as weight."""
    if own is not None:
        return rollup(own, [])
    stats = stats or ChildStats()
    weight = sum((w for w, p in plan_children if p is not None), ZERO) + stats.weight
    pairs: list[tuple[Decimal, Decimal | None]]
    if weight > 0:
        pairs = list(plan_children)
        if stats.weight > 0:
            pairs.append((stats.weight, stats.weighted / stats.weight))
    else:
        pairs = [(ONE, p) for _w, p in plan_children]
        if stats.known:
            pairs.append((Decimal(stats.known), stats.progress_sum / stats.known))
    return rollup(None, pairs)


class Rollup:
    """Progress and child counts of goals, from the plan layer and individual aggregates."""

    def __init__(self, layer: PlanLayer, stats: dict[int, ChildStats]) -> None:
        self.layer = layer
        self.stats = stats
        self._memo: dict[int, Decimal | None] = {}

    @classmethod
    def for_goals(cls, period: Period, goals: Iterable[Goal]) -> Rollup:
        """Three queries: the plan layer, how many individual goals align to each of these
        goals, and the progress of the individual goals aligned to these goals and to every
        plan goal below them."""
        goals = list(goals)
        layer = plan_layer(period)
        ids = {g.pk for g in goals}
        counts = individual_counts(period, ids)
        sums = individual_stats(period, ids | layer.rolled_from(ids), with_progress_only=True)
        stats = {
            pk: ChildStats(
                count=counts.get(pk, 0),
                known=found.known,
                weight=found.weight,
                weighted=found.weighted,
                progress_sum=found.progress_sum,
            )
            for pk, found in sums.items()
        }
        for pk, count in counts.items():
            stats.setdefault(pk, ChildStats(count=count))
        return cls(layer, stats)

    def progress(self, goal: Goal) -> Decimal | None:
        if goal.pk in self.layer.level:
            return self._plan_progress(goal.pk)
        return rolled_progress(goal.progress, [], self.stats.get(goal.pk))

    def _plan_progress(self, goal_id: int) -> Decimal | None:
        if goal_id in self._memo:
            return self._memo[goal_id]
        self._memo[goal_id] = None  # a loop in bad data ends here instead of recursing
        own = self.layer.progress[goal_id]
        children: list[tuple[Decimal, Decimal | None]] = []
        if own is None:
            children = [
                (self.layer.contribution[c], self._plan_progress(c))
                for c in self.layer.children.get(goal_id, ())
            ]
        value = rolled_progress(own, children, self.stats.get(goal_id))
        self._memo[goal_id] = value
        return value

    def children(self, goal: Goal) -> int:
        stats = self.stats.get(goal.pk)
        return len(self.layer.children.get(goal.pk, ())) + (stats.count if stats else 0)


def bar_width(progress: Decimal | None) -> int:
    if progress is None:
        return 0
    return int(min(max(progress, ZERO), HUNDRED))


def target_text(goal: Goal) -> str:
    """The target as people write it: "500 万元", "≤ 0.3 %", "90–110 分", or a task's due
    date; empty when the goal has none yet."""
    unit = f" {goal.unit}" if goal.unit else ""
    if goal.kind == GoalKind.TASK or (goal.target is None and goal.due_date is not None):
        return goal.due_date.isoformat() if goal.due_date else ""
    if goal.target is None:
        return ""
    if goal.direction == Direction.RANGE and goal.target_max is not None:
        return f"{normalized(goal.target)}–{normalized(goal.target_max)}{unit}"
    sign = "≤ " if goal.direction == Direction.LOWER else ""
    return f"{sign}{normalized(goal.target)}{unit}"


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlignmentNode:
    goal: Goal
    progress: Decimal | None
    children: int

    @property
    def bar(self) -> int:
        """Width of the progress bar in percent (progress above 100 fills it)."""
        return bar_width(self.progress)

    @property
    def target(self) -> str:
        return target_text(self.goal)


@dataclass(frozen=True)
class NodePage:
    nodes: list[AlignmentNode]
    total: int  # nodes this user may see at this level
    hidden: int  # nodes at this level this user may not see (counted only)
    offset: int
    next_offset: int | None


def visible_goals(principal: Principal) -> QuerySet[Goal]:
    """Plan goals this user may see, and individual goals of people whose scorecards they
    may see, as one queryset (the conditions are OR-ed, not sub-selected)."""
    return access.plan_goals_visible(principal) | access.individual_goals_visible(principal)


def _shaped(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    level_order = Case(
        When(level=GoalLevel.COMPANY, then=Value(0)),
        When(level=GoalLevel.DEPARTMENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return goals.select_related("owner", "department", "employee", "parent").order_by(
        level_order, "department__path", "sort_order", "pk"
    )


def _page(
    principal: Principal, period: Period, candidates: QuerySet[Goal], offset: int
) -> NodePage:
    """One page of a level: two counts, the page, the plan layer, one aggregate."""
    offset = max(offset, 0)
    listed = candidates & visible_goals(principal)
    total = listed.count()
    hidden = candidates.count() - total
    goals = list(_shaped(listed)[offset : offset + CHILDREN_PER_PAGE])
    figures = Rollup.for_goals(period, goals)
    nodes = [
        AlignmentNode(goal=g, progress=figures.progress(g), children=figures.children(g))
        for g in goals
    ]
    following = offset + CHILDREN_PER_PAGE
    return NodePage(
        nodes=nodes,
        total=total,
        hidden=max(hidden, 0),
        offset=offset,
        next_offset=following if following < total else None,
    )


def alignment_roots(
    principal: Principal,
    period: Period,
    *,
    department: Department | None = None,
    offset: int = 0,
) -> NodePage:
    """The top of the tree: the period's strategy; or, for a department, the goals of its
    subtree that align to nothing inside the subtree (where the department's own part of
    the cascade starts)."""
    candidates = Goal.objects.filter(period=period, is_active=True)
    if department is None:
        candidates = candidates.filter(level=GoalLevel.COMPANY)
    else:
        candidates = candidates.filter(
            level=GoalLevel.DEPARTMENT, department__path__startswith=department.path
        ).exclude(
            parent__level=GoalLevel.DEPARTMENT,
            parent__department__path__startswith=department.path,
        )
    return _page(principal, period, candidates, offset)


def alignment_children(principal: Principal, goal: Goal, *, offset: int = 0) -> NodePage:
    """One page of the goals aligned directly to ``goal``."""
    candidates = Goal.objects.filter(parent=goal, is_active=True)
    return _page(principal, goal.period, candidates, offset)


def alignment_node(principal: Principal, goal: Goal) -> AlignmentNode:
    """One goal as the root of the tree (the goal page's "show in the cascade")."""
    figures = Rollup.for_goals(goal.period, [goal])
    return AlignmentNode(
        goal=goal, progress=figures.progress(goal), children=figures.children(goal)
    )


# --- orphans -------------------------------------------------------------------------------


def _in_department(goals: QuerySet[Goal], department: Department | None) -> QuerySet[Goal]:
    if department is None:
        return goals
    return goals.filter(department__path__startswith=department.path)


def orphan_candidates(period: Period, department: Department | None = None) -> QuerySet[Goal]:
    """Department and individual goals of the period aligned to nothing (any status)."""
    goals = Goal.objects.filter(
        period=period,
        is_active=True,
        parent__isnull=True,
        level__in=[GoalLevel.DEPARTMENT, GoalLevel.INDIVIDUAL],
    )
    return _in_department(goals, department)


def orphan_goals(
    principal: Principal, period: Period, department: Department | None = None
) -> QuerySet[Goal]:
    """The orphans this user may see, department goals first, then people by department."""
    return _shaped(orphan_candidates(period, department) & visible_goals(principal))


# --- uncovered strategy --------------------------------------------------------------------


@dataclass(frozen=True)
class UncoveredGoal:
    goal: Goal
    department_goals: int  # department goals below it (none of which reaches a person)


def uncovered_strategy(principal: Principal, period: Period) -> list[UncoveredGoal]:
    """Strategic goals no individual goal works on, directly or through department goals
    (three queries: the plan layer, the plan goals people align to, the goals shown)."""
    layer = plan_layer(period)
    reached = set(
        Goal.objects.filter(
            period=period,
            level=GoalLevel.INDIVIDUAL,
            is_active=True,
            parent__level__in=PLAN_LEVELS,
        )
        .order_by()
        .values_list("parent_id", flat=True)
        .distinct()
    )
    uncovered: dict[int, int] = {}
    for goal_id, level in layer.level.items():
        if level != GoalLevel.COMPANY:
            continue
        below = layer.descendants([goal_id])
        if below & reached:
            continue
        uncovered[goal_id] = len(below) - 1
    goals = _shaped(
        access.plan_goals_visible(principal).filter(pk__in=list(uncovered), period=period)
    )
    return [UncoveredGoal(goal=g, department_goals=uncovered[g.pk]) for g in goals]


# --- coverage per department ---------------------------------------------------------------


@dataclass
class CoverageRow:
    """A department with the figures of its whole subtree."""

    department: Department
    people: int = 0  # people with a scorecard in the period
    aligned: int = 0  # of those, people with a goal aligned upward
    goals: int = 0  # department goals (active)
    goals_approved: int = 0

    @property
    def percent(self) -> Decimal | None:
        return coverage(self.aligned, self.people)


def coverage_by_department(
    principal: Principal, period: Period, department: Department | None = None
) -> list[CoverageRow]:
    """Coverage for every open department (of ``department``'s subtree), in tree order:
    three queries whatever the number of departments (departments, scorecards grouped by
    department, department goals grouped by department), rolled up along the paths."""
    departments = departments_visible(principal).filter(is_active=True)
    if department is not None:
        departments = departments.filter(path__startswith=department.path)
    rows = {d.pk: CoverageRow(department=d) for d in departments.order_by("path")}
    prefix = department.path if department is not None else ""

    # a goal aligned upward: to anything not on the person's own scorecard (a key result
    # under the person's own objective is not alignment)
    upward = Goal.objects.filter(
        scorecard=OuterRef("pk"), is_active=True, parent__isnull=False
    ).exclude(parent__scorecard=OuterRef("pk"))
    cards = (
        Scorecard.objects.filter(period=period, department__path__startswith=prefix)
        .annotate(upward=Exists(upward))
        .values("department_id", "department__path")
        .annotate(people=Count("pk"), aligned=Count("pk", filter=Q(upward=True)))
        .order_by()
    )
    for row in cards:
        for department_id in path_ids(row["department__path"]):
            if department_id in rows:
                rows[department_id].people += row["people"]
                rows[department_id].aligned += row["aligned"]

    goals = (
        Goal.objects.filter(
            period=period,
            level=GoalLevel.DEPARTMENT,
            is_active=True,
            department__path__startswith=prefix,
        )
        .values("department_id", "department__path")
        .annotate(
            n=Count("pk"),
            approved=Count("pk", filter=Q(status=GoalStatus.APPROVED)),
        )
        .order_by()
    )
    for counted in goals:
        for department_id in path_ids(counted["department__path"]):
            if department_id in rows:
                rows[department_id].goals += counted["n"]
                rows[department_id].goals_approved += counted["approved"]
    return list(rows.values())
