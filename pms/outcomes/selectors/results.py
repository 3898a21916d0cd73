"""Reads for the result pages: my results, one result with how it was decided and what
changed, the manager's team, HR's list of a cycle with its counts per grade. Each issues a
fixed number of queries whatever the number of results; who may call which is
``pms.outcomes.access``'s to decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from pms.org.models import Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.explain import result_sentences
from pms.outcomes.models import (
    AckStatus,
    Appeal,
    Interview,
    InterviewStatus,
    PerformanceResult,
    ReleaseStatus,
    ResultChange,
    ResultRelease,
    ResultSource,
)
from pms.outcomes.services.results import coefficient_table
from pms.reviews.access import monitor_reviews
from pms.reviews.models import Cycle, ReviewStatus

__all__ = [
    "EXPORT_FIELDS",
    "ChangeRow",
    "CycleSummary",
    "ResultFilters",
    "ResultPage",
    "cycle_result_export_rows",
    "cycle_result_rows",
    "cycle_summary",
    "my_result_rows",
    "result_page",
    "team_cycles",
    "team_result_rows",
]


def my_result_rows(principal: Principal) -> list[PerformanceResult]:
    """My published results, newest cycle first (one query)."""
    return list(
        access.my_results(principal)
        .select_related("cycle__release")
        .order_by("-cycle__start", "-cycle_id")
    )


# --- one result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    change: ResultChange
    source_label: str
    reason: str | None  # None: not this reader's to see (an appeal, for a manager)


@dataclass(frozen=True)
class ResultPage:
    result: PerformanceResult
    release: ResultRelease | None
    sentences: list[str]
    changes: list[ChangeRow]
    appeals: list[Appeal]
    interview: Interview | None
    # the last day the person may appeal (their own window when published late)
    appeal_until: dt.date | None = None


def result_page(principal: Principal, result: PerformanceResult) -> ResultPage:
    """The result as ``principal`` may read it (the caller found it through
    ``access.access_result``): its steps, its changes, the person's appeals (for them and
    appeal HR) and its interview (for those who may see it). Three queries."""
    with_appeals = access.can_see_change_reason(principal, result, ResultSource.APPEAL)
    labels = dict(ResultSource.choices)
    changes = [
        ChangeRow(
            change=change,
            source_label=str(labels.get(change.source, change.source)),
            reason=change.reason
            if access.can_see_change_reason(principal, result, change.source)
            else None,
        )
        for change in ResultChange.objects.filter(result=result).select_related("changed_by")
    ]
    appeals = (
        list(Appeal.objects.filter(result=result).select_related("handler")) if with_appeals else []
    )
    interview = (
        Interview.objects.filter(result=result)
        .exclude(status=InterviewStatus.CANCELLED)
        .select_related("interviewer")
        .first()
    )
    if interview is not None:
        interview.result = result
        if not access.can_see_interview(principal, interview):
            interview = None
    release = access.release_of(result.cycle)
    return ResultPage(
        result=result,
        release=release,
        sentences=result_sentences(result, with_appeal_reason=with_appeals),
        changes=changes,
        appeals=appeals,
        interview=interview,
        appeal_until=access.appeal_until_for(release, result.published_at)
        if release is not None
        else None,
    )


# --- the manager's team --------------------------------------------------------------------


def _interview_status() -> Subquery:
    return Subquery(
        Interview.objects.filter(result=OuterRef("pk"))
        .exclude(status=InterviewStatus.CANCELLED)
        .order_by("-created_at")
        .values("status")[:1]
    )


def team_cycles(principal: Principal) -> QuerySet[Cycle]:
    """Cycles in which the manager's people have published results."""
    ids = access.team_results(principal).values("cycle_id")
    return Cycle.objects.filter(pk__in=ids).order_by("-start", "name")


def team_result_rows(principal: Principal, cycle: Cycle) -> QuerySet[PerformanceResult]:
    """The team's results of a cycle with the interview's state (``interview_status``)."""
    return (
        access.team_results(principal)
        .filter(cycle=cycle)
        .select_related("employee", "department")
        .annotate(interview_status=_interview_status())
        .order_by("department__path", "employee__number")
    )


# --- HR: a cycle's results -----------------------------------------------------------------


@dataclass(frozen=True)
class ResultFilters:
    department: Department | None = None  # with its sub-departments
    grade: str = ""
    ack: str = ""

    def apply(
        self, rows: QuerySet[PerformanceResult], *, grade: bool = True
    ) -> QuerySet[PerformanceResult]:
        if self.department is not None:
            rows = rows.filter(department__path__startswith=self.department.path)
        if grade and self.grade:
            rows = rows.filter(grade=self.grade)
        if self.ack:
            rows = rows.filter(ack_status=self.ack)
        return rows


def cycle_result_rows(
    principal: Principal, cycle: Cycle, filters: ResultFilters
) -> QuerySet[PerformanceResult]:
    """HR's rows: the results in scope, filtered, with the interview's state."""
    return (
        filters.apply(access.cycle_results(principal, cycle))
        .select_related("employee", "department")
        .annotate(interview_status=_interview_status())
        .order_by("department__path", "employee__number")
    )


@dataclass(frozen=True)
class CycleSummary:
    release: ResultRelease | None
    total: int
    by_grade: list[tuple[str, int]]  # every grade of the table, then any other, then none
    by_ack: list[tuple[str, str, int]]  # (status, label, count)
    waiting: int  # published, but the worker has not written these people's results yet


def cycle_summary(principal: Principal, cycle: Cycle, filters: ResultFilters) -> CycleSummary:
    """Counts per grade (under the other filters) and per confirmation state, and once
    published how many results the worker has still to write (five queries)."""
    rows = filters.apply(access.cycle_results(principal, cycle), grade=False)
    grades: dict[str, int] = {
        row["grade"]: row["n"] for row in rows.values("grade").annotate(n=Count("pk")).order_by()
    }
    order = list(coefficient_table())
    by_grade = [(grade, grades.pop(grade, 0)) for grade in order]
    by_grade += sorted((g, n) for g, n in grades.items() if g)
    if grades.get(""):
        by_grade.append(("", grades[""]))
    acks: dict[str, Any] = {
        row["ack_status"]: row["n"]
        for row in filters.apply(access.cycle_results(principal, cycle))
        .values("ack_status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    release = ResultRelease.objects.filter(cycle=cycle).first()
    waiting = 0
    if release is not None and release.status == ReleaseStatus.PUBLISHED:
        waiting = (
            monitor_reviews(principal, cycle)
            .filter(outcome__isnull=True)
            .exclude(status=ReviewStatus.REMOVED)
            .count()
        )
    return CycleSummary(
        release=release,
        waiting=waiting,
        total=sum(n for _, n in by_grade),
        by_grade=by_grade,
        by_ack=[(value, str(label), acks.get(value, 0)) for value, label in AckStatus.choices],
    )


# --- HR: a cycle's results as a file -------------------------------------------------------

EXPORT_FIELDS = (
    "employee__number",
    "employee__name",
    "department__name",
    "employee__position__title",
    "score",
    "grade",
    "coefficient",
    "calibrated",
    "published_at",
    "ack_status",
    "ack_at",
    "appeal_status",
    "interview_status",
)


def cycle_result_export_rows(
    principal: Principal, cycle: Cycle, filters: ResultFilters
) -> QuerySet[PerformanceResult, tuple[Any, ...]]:
    """HR's rows of a cycle as plain values (``EXPORT_FIELDS``, in that order), for the
    .xlsx file: the same results and filters as the page, one query however many.
    ``calibrated``: a calibration session changed the result. ``appeal_status``: the latest
    appeal, only where the reader may handle the person's appeals (``access.appeals_to_handle``);
    otherwise empty, as managers see only that a result is appealed."""
    calibrated = Exists(
        ResultChange.objects.filter(result=OuterRef("pk"), source=ResultSource.CALIBRATION)
    )
    appeal = Subquery(
        access.appeals_to_handle(principal)
        .filter(result=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("status")[:1]
    )
    return (
        filters.apply(access.cycle_results(principal, cycle))
        .annotate(
            calibrated=calibrated,
            appeal_status=appeal,
            interview_status=_interview_status(),
        )
        .order_by("department__path", "employee__number", "pk")
        .values_list(*EXPORT_FIELDS)
    )
