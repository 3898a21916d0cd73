"""Reads for the plan pages and API: one improvement or development plan with its parts and
history, the person's own plans, a manager's team (overdue checkpoints first), HR's lists
with their filters, the results whose grade calls for a PIP, a mentor's actions. Each
issues a fixed number of queries whatever the number of plans; who may call which is
``pms.outcomes.access``'s to decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from pms.core.models import AuditEntry
from pms.core.selectors import object_history
from pms.org.models import Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import (
    OPEN_PIP,
    DevelopmentAction,
    DevelopmentPlan,
    IdpStatus,
    ImprovementGoal,
    ImprovementPlan,
    PerformanceResult,
    PipStatus,
    PlanCheckpoint,
)
from pms.outcomes.services.pip import RUNNING, pip_grades, plan_warnings

__all__ = [
    "IdpFilters",
    "IdpPage",
    "PipFilters",
    "PipPage",
    "idp_page",
    "idp_rows",
    "mentoring_rows",
    "my_idps",
    "my_pips",
    "pip_candidates",
    "pip_page",
    "pip_rows",
    "team_idp_rows",
    "team_pip_rows",
    "visible_idp_rows",
    "visible_pip_rows",
]


# --- one improvement plan ------------------------------------------------------------------


@dataclass(frozen=True)
class PipPage:
    plan: ImprovementPlan
    goals: list[ImprovementGoal]
    checkpoints: list[PlanCheckpoint]
    history: list[AuditEntry]  # oldest first: the plan's dated record
    warnings: list[str]
    overdue: list[PlanCheckpoint]


def _history(instance: ImprovementPlan | DevelopmentPlan) -> list[AuditEntry]:
    return list(object_history(instance._meta.label_lower, instance.pk).order_by("at", "id"))


def pip_page(plan: ImprovementPlan, today: dt.date) -> PipPage:
    """The plan (found through ``access.access_pip``) with its goals, checkpoints and
    history: three queries."""
    goals = list(plan.goals.all())
    checkpoints = list(plan.checkpoints.select_related("recorded_by"))
    overdue = (
        [c for c in checkpoints if c.held_on is None and c.due_on < today]
        if plan.status in RUNNING
        else []
    )
    return PipPage(
        plan=plan,
        goals=goals,
        checkpoints=checkpoints,
        history=_history(plan),
        warnings=plan_warnings(plan) if plan.status in OPEN_PIP else [],
        overdue=overdue,
    )


# --- lists of improvement plans ------------------------------------------------------------


def _pip_rows(rows: QuerySet[ImprovementPlan], today: dt.date) -> QuerySet[ImprovementPlan]:
    """Rows with ``overdue`` (a checkpoint of a running plan past its day, not recorded),
    ``next_due`` (the first checkpoint not recorded) and ``is_closed``."""
    late = PlanCheckpoint.objects.filter(
        plan=OuterRef("pk"), held_on__isnull=True, due_on__lt=today
    )
    pending = (
        PlanCheckpoint.objects.filter(plan=OuterRef("pk"), held_on__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return rows.select_related("employee__department", "owner", "result__cycle").annotate(
        overdue=Case(
            When(Q(status__in=RUNNING) & Exists(late), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        next_due=Subquery(pending),
        is_closed=Case(
            When(status__in=OPEN_PIP, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def my_pips(principal: Principal) -> QuerySet[ImprovementPlan]:
    """The person's own plans once started, newest first."""
    me = principal.employee
    if me is None:
        return ImprovementPlan.objects.none()
    return (
        access.pips_visible(principal)
        .filter(employee=me)
        .select_related("owner", "result__cycle")
        .order_by("-start", "-id")
    )


def team_pip_rows(principal: Principal, today: dt.date) -> QuerySet[ImprovementPlan]:
    """The manager's team: plans with an overdue checkpoint first, then the open ones by
    their next checkpoint, then the closed ones."""
    return _pip_rows(access.team_pips(principal), today).order_by(
        F("overdue").desc(),
        F("is_closed").asc(),
        F("next_due").asc(nulls_last=True),
        "-start",
        "-id",
    )


@dataclass(frozen=True)
class PipFilters:
    status: str = ""
    department: Department | None = None  # with its sub-departments
    overdue: bool = False


def pip_rows(
    principal: Principal, filters: PipFilters, today: dt.date
) -> QuerySet[ImprovementPlan]:
    """HR's list of the plans in scope, filtered; overdue ones first."""
    rows = access.pips_in_scope(principal)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.department is not None:
        rows = rows.filter(employee__department__path__startswith=filters.department.path)
    annotated = _pip_rows(rows, today)
    if filters.overdue:
        annotated = annotated.filter(Q(overdue=True))
    return annotated.order_by(
        F("overdue").desc(),
        F("is_closed").asc(),
        F("next_due").asc(nulls_last=True),
        "-start",
        "-id",
    )


def pip_candidates(principal: Principal) -> QuerySet[PerformanceResult]:
    """Published results whose grade calls for a PIP and that have no plan (a cancelled
    one aside), of people without a plan under way: HR's scope, or a manager's team."""
    planned = ImprovementPlan.objects.filter(result=OuterRef("pk")).exclude(
        status=PipStatus.CANCELLED
    )
    running = ImprovementPlan.objects.filter(employee=OuterRef("employee"), status__in=OPEN_PIP)
    rows = access.pip_candidate_results(principal).filter(grade__in=pip_grades())
    if principal.employee is not None:
        rows = rows.exclude(employee=principal.employee)
    return (
        rows.exclude(Exists(planned))
        .exclude(Exists(running))
        .select_related("employee__department", "cycle")
        .order_by("-cycle__start", "-cycle_id", "employee__department__path", "employee__number")
    )


# --- development plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class IdpPage:
    plan: DevelopmentPlan
    actions: list[DevelopmentAction]
    history: list[AuditEntry]
    progress: int  # the mean of the actions' progress, per cent


def idp_page(plan: DevelopmentPlan) -> IdpPage:
    """The plan (found through ``access.access_idp``) with its actions and history: two
    queries."""
    actions = list(plan.actions.select_related("mentor"))
    progress = round(sum(a.progress for a in actions) / len(actions)) if actions else 0
    return IdpPage(plan=plan, actions=actions, history=_history(plan), progress=progress)


def _idp_rows(rows: QuerySet[DevelopmentPlan]) -> QuerySet[DevelopmentPlan]:
    return rows.select_related("employee__department", "target_position").annotate(
        action_count=Count("actions", distinct=True),
        done_count=Count("actions", filter=Q(actions__done_at__isnull=False), distinct=True),
        mean_progress=Avg("actions__progress"),
        # submitted (waiting for agreement) first, then being prepared, under way, done
        waiting=Case(
            When(status=IdpStatus.SUBMITTED, then=Value(0)),
            When(status=IdpStatus.DRAFT, then=Value(1)),
            When(status=IdpStatus.ACTIVE, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
    )


def my_idps(principal: Principal) -> QuerySet[DevelopmentPlan]:
    me = principal.employee
    if me is None:
        return DevelopmentPlan.objects.none()
    return _idp_rows(access.idps_visible(principal).filter(employee=me)).order_by(
        F("waiting").asc(), "-start", "-id"
    )


def team_idp_rows(principal: Principal) -> QuerySet[DevelopmentPlan]:
    """The team's plans, those waiting for agreement first."""
    return _idp_rows(access.team_idps(principal)).order_by(
        F("waiting").asc(), "employee__number", "-start", "-id"
    )


@dataclass(frozen=True)
class IdpFilters:
    status: str = ""
    department: Department | None = None


def idp_rows(principal: Principal, filters: IdpFilters) -> QuerySet[DevelopmentPlan]:
    rows = access.idps_in_scope(principal)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.department is not None:
        rows = rows.filter(employee__department__path__startswith=filters.department.path)
    return _idp_rows(rows).order_by(
        F("waiting").asc(), "employee__department__path", "-start", "-id"
    )


def mentoring_rows(principal: Principal) -> QuerySet[DevelopmentAction]:
    """The actions this person mentors: open ones first, by due date."""
    return (
        access.mentored_actions(principal)
        .select_related("plan__employee__department")
        .order_by(F("done_at").asc(nulls_first=True), F("due_on").asc(nulls_last=True), "id")
    )


# --- the API: every plan the caller may read -----------------------------------------------


def visible_pip_rows(
    principal: Principal, today: dt.date, status: str = ""
) -> QuerySet[ImprovementPlan]:
    rows = access.pips_visible(principal)
    if status:
        rows = rows.filter(status=status)
    return _pip_rows(rows, today).order_by("-start", "-id")


def visible_idp_rows(principal: Principal, status: str = "") -> QuerySet[DevelopmentPlan]:
    rows = access.idps_visible(principal)
    if status:
        rows = rows.filter(status=status)
    return _idp_rows(rows).order_by("-start", "-id")
