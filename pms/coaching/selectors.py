"""Reads of the coaching app, shaped so that each page issues a fixed number of queries
whatever the company's size. The querysets passed in are already limited by
``pms.coaching.access``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from pms.coaching.models import (
    ACTIVE_CHECKIN,
    OPEN_CHECKIN,
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInGoalNote,
    CoachingNote,
    CoachingPlan,
    Milestone,
    Obstacle,
    ResourceRequest,
    ResourceRequestEntry,
)
from pms.coaching.services.cadence import Rule, effective_rules
from pms.goals.models import AGREED_SCORECARD, Goal, Scorecard
from pms.org.models import CURRENT_STATUSES, Employee, RoleFamily

DUE_SOON_DAYS = 7

# --- check-ins -----------------------------------------------------------------------------


def shaped_checkins(checkins: QuerySet[CheckIn]) -> QuerySet[CheckIn]:
    return checkins.select_related("employee__department", "manager")


def upcoming_checkins(checkins: QuerySet[CheckIn]) -> QuerySet[CheckIn]:
    return shaped_checkins(checkins.filter(status__in=ACTIVE_CHECKIN)).order_by("due_date", "id")


def past_checkins(checkins: QuerySet[CheckIn]) -> QuerySet[CheckIn]:
    return shaped_checkins(checkins.exclude(status__in=ACTIVE_CHECKIN)).order_by("-due_date", "-id")


def team_board(checkins: QuerySet[CheckIn], today: dt.date, state: str = "") -> QuerySet[CheckIn]:
    """The team's check-ins still to hold, overdue first, then by due date; ``state``
    narrows to "overdue" or "soon" (due within a week)."""
    rows = checkins.filter(status__in=ACTIVE_CHECKIN)
    if state == "overdue":
        rows = rows.filter(due_date__lt=today, status__in=OPEN_CHECKIN)
    elif state == "soon":
        rows = rows.filter(
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
            status__in=OPEN_CHECKIN,
        )
    return shaped_checkins(rows).order_by("due_date", "employee__name", "id")


def team_counts(checkins: QuerySet[CheckIn], today: dt.date) -> dict[str, int]:
    """One query: overdue, due within a week, held but not closed."""
    return checkins.aggregate(
        overdue=Count("pk", filter=Q(status__in=OPEN_CHECKIN, due_date__lt=today)),
        soon=Count(
            "pk",
            filter=Q(
                status__in=OPEN_CHECKIN,
                due_date__gte=today,
                due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
            ),
        ),
        held=Count("pk", filter=Q(status="held")),
    )


def current_scorecard(employee: Employee, day: dt.date) -> Scorecard | None:
    """The person's scorecard for ``day``: an agreed one if there is, the shortest period
    first (a monthly card before the annual one)."""
    cards = list(
        Scorecard.objects.filter(employee=employee, period__start__lte=day, period__end__gte=day)
        .select_related("period")
        .order_by("id")
    )
    if not cards:
        return None
    cards.sort(key=lambda c: (c.status not in AGREED_SCORECARD, c.period.end - c.period.start))
    return cards[0]


@dataclass
class GoalRow:
    """One goal on the preparation form: the goal as it stands now (``goal`` is None for a
    note whose goal is gone) and the person's note, if any."""

    title: str
    goal: Goal | None
    note: CheckInGoalNote | None

    @property
    def progress_now(self) -> Decimal | None:
        return self.goal.progress if self.goal is not None else None

    @property
    def key(self) -> str:
        return self.goal.uuid.hex if self.goal is not None else ""


def checkin_goal_rows(checkin: CheckIn) -> tuple[Scorecard | None, list[GoalRow]]:
    """The goals of the person's current scorecard with their notes, then notes of goals no
    longer on it. Three queries."""
    card = current_scorecard(checkin.employee, min(checkin.due_date, checkin.period_end))
    notes = {n.goal_id: n for n in CheckInGoalNote.objects.filter(checkin=checkin)}
    rows: list[GoalRow] = []
    if card is not None:
        goals = Goal.objects.filter(scorecard=card, is_active=True).order_by("sort_order", "id")
        for goal in goals:
            rows.append(GoalRow(title=goal.title, goal=goal, note=notes.pop(goal.pk, None)))
    rows.extend(GoalRow(title=n.goal_title, goal=None, note=n) for n in notes.values())
    return card, rows


def checkin_obstacles(checkin: CheckIn) -> list[Obstacle]:
    return list(
        checkin.obstacles.select_related("goal", "adjustment", "coaching_plan")
        .prefetch_related(
            Prefetch(
                "resource_requests",
                queryset=ResourceRequest.objects.select_related("department").order_by("id"),
            )
        )
        .order_by("id")
    )


def checkin_action_items(checkin: CheckIn) -> list[ActionItem]:
    return list(checkin.action_items.select_related("owner").order_by("due_date", "id"))


def previous_checkin(checkin: CheckIn) -> CheckIn | None:
    return (
        CheckIn.objects.filter(employee_id=checkin.employee_id, due_date__lt=checkin.due_date)
        .exclude(status="cancelled")
        .order_by("-due_date")
        .first()
    )


# --- action items --------------------------------------------------------------------------


def shaped_action_items(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return items.select_related("owner", "checkin__employee")


def open_action_items(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return shaped_action_items(items.filter(status=ActionStatus.OPEN)).order_by("due_date", "id")


def action_item_list(items: QuerySet[ActionItem], status: str = "") -> QuerySet[ActionItem]:
    if status:
        items = items.filter(status=status)
    return shaped_action_items(items).order_by("due_date", "id")


# --- coaching plans ------------------------------------------------------------------------


def plan_list(plans: QuerySet[CoachingPlan], status: str = "") -> QuerySet[CoachingPlan]:
    if status:
        plans = plans.filter(status=status)
    return (
        plans.select_related("employee", "coach")
        .annotate(
            milestone_count=Count("milestones", distinct=True),
            milestones_done=Count(
                "milestones", filter=Q(milestones__done_at__isnull=False), distinct=True
            ),
        )
        .order_by("status", "-created_at", "-id")
    )


def plan_detail(plan_id: int) -> CoachingPlan:
    return (
        CoachingPlan.objects.select_related(
            "employee__department", "coach", "obstacle__checkin", "obstacle__goal"
        )
        .prefetch_related(
            "actions",
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
            Prefetch(
                "notes",
                queryset=CoachingNote.objects.select_related("author").order_by("created_at", "id"),
            ),
        )
        .get(pk=plan_id)
    )


# --- resource requests ---------------------------------------------------------------------


def resource_request_list(
    requests: QuerySet[ResourceRequest], status: str = ""
) -> QuerySet[ResourceRequest]:
    if status:
        requests = requests.filter(status=status)
    return requests.select_related(
        "department", "obstacle__checkin__employee", "requested_by"
    ).order_by("-created_at", "-id")


def resource_request_history(request: ResourceRequest) -> list[ResourceRequestEntry]:
    return list(request.entries.select_related("author").order_by("created_at", "id"))


# --- cadence -------------------------------------------------------------------------------


@dataclass
class CadenceRow:
    family: RoleFamily | None
    rule: Rule
    people: int = 0


@dataclass
class CadenceTable:
    company: CadenceRow
    families: list[CadenceRow] = field(default_factory=list)


def cadence_table() -> CadenceTable:
    """The company default and each role family with the cadence that applies and how many
    current people it concerns. Four queries."""
    rules = effective_rules()
    counts: dict[int | None, int] = dict(
        Employee.objects.filter(status__in=CURRENT_STATUSES)
        .values_list("position__role_family")
        .annotate(n=Count("pk"))
        .values_list("position__role_family", "n")
    )
    return CadenceTable(
        company=CadenceRow(family=None, rule=rules.company, people=counts.get(None, 0)),
        families=[
            CadenceRow(family=f, rule=rules.for_family(f.pk), people=counts.get(f.pk, 0))
            for f in RoleFamily.objects.order_by("sort_order", "code")
        ],
    )


def obstacle_goals(checkin: CheckIn) -> QuerySet[Goal]:
    """The goals an obstacle of this check-in may be about: the person's goals in force on a
    scorecard."""
    return Goal.objects.filter(employee=checkin.employee, is_active=True, scorecard__isnull=False)
