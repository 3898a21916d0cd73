"""Reads for a person's progress page and a goal's values."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from pms.goals.models import Goal, GoalLevel, Period
from pms.org.models import Employee
from pms.tracking.models import Actual, ActualSnapshot
from pms.tracking.services.progress import measured_goals


def person_goals(employee: Employee, period: Period) -> QuerySet[Goal]:
    """The person's measured goals in force for the period, with their progress."""
    return (
        Goal.objects.filter(measured_goals(), level=GoalLevel.INDIVIDUAL)
        .filter(employee=employee, period=period)
        .select_related("indicator", "tracked")
        .order_by("sort_order", "id")
    )


def goal_actuals_q(goal: Goal) -> Q:
    """The values that belong to this goal's measure and subject (any span)."""
    subject = (
        Q(employee_id=goal.employee_id)
        if goal.level == GoalLevel.INDIVIDUAL
        else Q(department_id=goal.department_id)
    )
    measure = Q(indicator_id=goal.indicator_id) if goal.indicator_id else Q(goal_id=goal.pk)
    return subject & measure


def goal_values(goal: Goal) -> QuerySet[Actual]:
    """Current values within the goal's period, earliest first, each with its number of
    versions (more than one: it was corrected)."""
    versions = (
        Actual.objects.filter(series=OuterRef("series"))
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Actual.objects.filter(
            goal_actuals_q(goal),
            is_current=True,
            start__gte=goal.period.start,
            end__lte=goal.period.end,
        )
        .select_related("entered_by", "batch")
        .annotate(version_count=Subquery(versions))
        .order_by("start", "end")
    )


def series_versions(actual: Actual) -> QuerySet[Actual]:
    return (
        Actual.objects.filter(series=actual.series)
        .select_related("entered_by", "batch")
        .order_by("-version")
    )


def latest_snapshot(period: Period) -> ActualSnapshot | None:
    return ActualSnapshot.objects.filter(period=period).order_by("-taken_at").first()
