"""Reads for interviews: a result's interview, the guides for a grade, the interviews a
manager holds, and HR's list of interviews overdue. Fixed numbers of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import (
    Interview,
    InterviewGuide,
    InterviewStatus,
    PerformanceResult,
)
from pms.outcomes.services.results import outcome_settings
from pms.reviews.models import CycleStatus

__all__ = ["guides_for", "interview_due", "my_interviews", "overdue_interviews"]

HELD = (InterviewStatus.RECORDED, InterviewStatus.SIGNED)


def guides_for(grade: str) -> list[InterviewGuide]:
    """The guides for ``grade`` and those for every grade (one query)."""
    return list(
        InterviewGuide.objects.filter(Q(grade="") | Q(grade=grade)).order_by("grade", "title")
    )


def interview_due(result: PerformanceResult, days: int) -> dt.date | None:
    """The day by which the interview should have been held."""
    if result.published_at is None:
        return None
    return timezone.localdate(result.published_at) + dt.timedelta(days=days)


def my_interviews(principal: Principal) -> QuerySet[Interview]:
    """The interviews this person holds or is interviewed in, not cancelled, latest first."""
    me = principal.employee
    if me is None:
        return Interview.objects.none()
    return (
        Interview.objects.filter(Q(interviewer=me) | Q(result__employee=me))
        .exclude(status=InterviewStatus.CANCELLED)
        .select_related("result__employee", "result__cycle", "interviewer")
        .order_by("-scheduled_at", "-pk")
    )


def overdue_interviews(
    principal: Principal, now: dt.datetime | None = None
) -> tuple[int, QuerySet[PerformanceResult]]:
    """HR's list: results in scope of running or closed cycles whose interview was due
    more than ``interview_days`` after publication and has not been held (recorded or
    signed) — with the time of a scheduled one (``scheduled_at``). Returns the days too."""
    now = now or timezone.now()
    days = outcome_settings().interview_days
    scheduled = Subquery(
        Interview.objects.filter(result=OuterRef("pk"), status=InterviewStatus.SCHEDULED)
        .order_by("-scheduled_at")
        .values("scheduled_at")[:1],
        output_field=DateTimeField(),
    )
    rows = (
        access.results_in_scope(principal)
        .filter(
            published_at__lt=now - dt.timedelta(days=days),
            cycle__status__in=(CycleStatus.RUNNING, CycleStatus.CLOSED),
        )
        .exclude(interviews__status__in=HELD)
        .select_related("employee", "department", "cycle", "review__manager")
        .annotate(scheduled_at=scheduled)
        .order_by("published_at", "department__path", "employee__number")
    )
    return days, rows
