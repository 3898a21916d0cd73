"""Reads for the session list, a session's page and its filters: each a fixed number of
queries whatever the session's size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from pms.calibration.distribution import PoolDeviation
from pms.calibration.models import (
    CalibrationChange,
    CalibrationEntry,
    CalibrationSession,
    SessionMember,
)
from pms.org.models import Department, Employee
from pms.scoring.decimals import normalized
from pms.scoring.distribution import GradeDeviation, GradeQuota


def session_list(visible: QuerySet[CalibrationSession]) -> QuerySet[CalibrationSession]:
    """Sessions with their cycle, facilitator and number of people, newest cycle first."""
    return (
        visible.select_related("cycle", "facilitator", "role_family")
        .annotate(n_entries=Count("entries"))
        .order_by("-cycle__start", "cycle__name", "name", "pk")
    )


def session_members(session: CalibrationSession) -> QuerySet[SessionMember]:
    return SessionMember.objects.filter(session=session).select_related("user", "user__employee")


def session_departments(session: CalibrationSession) -> QuerySet[Department]:
    return session.departments.order_by("path")


def entry_departments(entries: QuerySet[CalibrationEntry]) -> QuerySet[Department]:
    """The departments people of the session belong to (for the grid's filter)."""
    return Department.objects.filter(pk__in=entries.values("department_id")).order_by("path")


def entry_managers(entries: QuerySet[CalibrationEntry]) -> QuerySet[Employee]:
    """The managers who proposed the grades in the session (for the grid's filter)."""
    return Employee.objects.filter(pk__in=entries.values("manager_id")).order_by("name", "pk")


def entry_changes(entry: CalibrationEntry) -> QuerySet[CalibrationChange]:
    """An entry's history, oldest first, with who made each change."""
    return CalibrationChange.objects.filter(entry=entry).select_related("changed_by")


@dataclass(frozen=True)
class QuotaRow:
    """One grade of a pool: how its quota was rounded and where the pool stands now."""

    quota: GradeQuota
    now: GradeDeviation

    @property
    def exact(self) -> str:
        return normalized(self.quota.exact)

    @property
    def remainder(self) -> str:
        return normalized(self.quota.remainder)

    @property
    def share(self) -> str:
        return normalized(self.quota.share)


@dataclass(frozen=True)
class PoolPanel:
    key: str
    name: str
    headcount: int
    enforced: bool
    complies: bool
    ungraded: int
    rows: list[QuotaRow]


def pool_panels(pools: list[PoolDeviation]) -> list[PoolPanel]:
    """The distribution of every pool, its quotas with their rounding beside the counts."""
    return [
        PoolPanel(
            key=pool.key,
            name=pool.name,
            headcount=pool.deviation.headcount,
            enforced=pool.deviation.enforced,
            complies=pool.complies,
            ungraded=pool.deviation.ungraded,
            rows=[
                QuotaRow(quota=quota, now=now)
                for quota, now in zip(pool.quotas.grades, pool.deviation.rows, strict=True)
            ],
        )
        for pool in pools
    ]
