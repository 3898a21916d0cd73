"""Reads for appeals: HR's list (with the overdue flag), the person's own, statistics per
department. Fixed numbers of queries whatever the number of appeals or results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, QuerySet, Value, When

from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import OPEN_APPEAL, Appeal, AppealStatus
from pms.reviews.models import Cycle
from pms.scoring.decimals import q1

__all__ = [
    "AppealFilters",
    "DepartmentAppeals",
    "appeal_rows",
    "appeal_stats",
    "my_appeals",
]


@dataclass(frozen=True)
class AppealFilters:
    state: str = "open"  # open, overdue, decided, withdrawn, all
    mine: bool = False  # only those I handle
    cycle: Cycle | None = None


def _overdue(today: dt.date) -> Case:
    return Case(
        When(status__in=OPEN_APPEAL, due_on__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def appeal_rows(principal: Principal, filters: AppealFilters, today: dt.date) -> QuerySet[Appeal]:
    """HR's appeals (``access.appeals_to_handle``) with ``overdue`` set, oldest due first."""
    rows = access.appeals_to_handle(principal)
    if filters.state == "open":
        rows = rows.filter(status__in=OPEN_APPEAL)
    elif filters.state == "overdue":
        rows = rows.filter(status__in=OPEN_APPEAL, due_on__lt=today)
    elif filters.state == "decided":
        rows = rows.filter(status__in=(AppealStatus.UPHELD, AppealStatus.ADJUSTED))
    elif filters.state == "withdrawn":
        rows = rows.filter(status=AppealStatus.WITHDRAWN)
    if filters.mine and principal.user is not None:
        rows = rows.filter(handler=principal.user)
    if filters.cycle is not None:
        rows = rows.filter(result__cycle=filters.cycle)
    return (
        rows.select_related("result__employee", "result__department", "result__cycle", "handler")
        .annotate(overdue=_overdue(today))
        .order_by("due_on", "created_at", "pk")
    )


def my_appeals(principal: Principal) -> QuerySet[Appeal]:
    me = principal.employee
    if me is None:
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(result__employee=me)
        .select_related("result__cycle")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class DepartmentAppeals:
    department: str
    results: int
    filed: int
    open: int
    upheld: int
    adjusted: int
    withdrawn: int
    per_100: Decimal | None  # appeals filed per 100 results
    days_to_decide: Decimal | None  # mean, one decimal

    @property
    def decided(self) -> int:
        return self.upheld + self.adjusted


def appeal_stats(principal: Principal, cycle: Cycle | None = None) -> list[DepartmentAppeals]:
    """Per department (recorded at launch) of the results in HR's scope: results, appeals
    filed, open, upheld, adjusted, withdrawn, appeals per 100 results and the mean days
    from filing to decision; a total row last. Three queries."""
    results = access.results_in_scope(principal)
    appeals = access.appeals_in_scope(principal)
    if cycle is not None:
        results = results.filter(cycle=cycle)
        appeals = appeals.filter(result__cycle=cycle)
    names: dict[int, str] = {}
    paths: dict[int, str] = {}
    counts: dict[int, int] = {}
    for found in (
        results.values("department_id", "department__name", "department__path")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        names[found["department_id"]] = found["department__name"]
        paths[found["department_id"]] = found["department__path"]
        counts[found["department_id"]] = found["n"]
    by_status: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for department_id, status, n in (
        appeals.values("result__department_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("result__department_id", "status", "n")
    ):
        by_status[department_id][status] += n
    days: dict[int, list[float]] = defaultdict(list)
    for department_id, filed, decided in appeals.filter(
        status__in=(AppealStatus.UPHELD, AppealStatus.ADJUSTED), decided_at__isnull=False
    ).values_list("result__department_id", "created_at", "decided_at"):
        if decided is not None:
            days[department_id].append((decided - filed).total_seconds() / 86400)

    def row(
        name: str, results_n: int, statuses: dict[str, int], spans: list[float]
    ) -> DepartmentAppeals:
        filed = sum(statuses.values())
        return DepartmentAppeals(
            department=name,
            results=results_n,
            filed=filed,
            open=statuses.get(AppealStatus.FILED, 0) + statuses.get(AppealStatus.IN_REVIEW, 0),
            upheld=statuses.get(AppealStatus.UPHELD, 0),
            adjusted=statuses.get(AppealStatus.ADJUSTED, 0),
            withdrawn=statuses.get(AppealStatus.WITHDRAWN, 0),
            per_100=q1(Decimal(filed) * 100 / Decimal(results_n)) if results_n else None,
            days_to_decide=q1(Decimal(str(sum(spans) / len(spans)))) if spans else None,
        )

    rows = [
        row(names[d], counts[d], by_status.get(d, {}), days.get(d, []))
        for d in sorted(names, key=lambda d: paths[d])
    ]
    total_statuses: dict[str, int] = defaultdict(int)
    for statuses in by_status.values():
        for status, n in statuses.items():
            total_statuses[status] += n
    rows.append(
        row(
            "",
            sum(counts.values()),
            total_statuses,
            [span for spans in days.values() for span in spans],
        )
    )
    return rows
