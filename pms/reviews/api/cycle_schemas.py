"""Shapes of the review-cycle API. The monitor carries counts only: no schema here has a
field for a rater, so nothing in it can say who rated whom."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Schema

from pms.core.api import PageOut


class CycleOut(Schema):
    uuid: UUID
    name: str
    kind: str
    status: str
    phase: str
    start: dt.date
    end: dt.date
    period: str | None
    reviews: int
    launched_at: dt.datetime | None
    closed_at: dt.datetime | None


class CyclePage(PageOut):
    items: list[CycleOut]


class PhaseOut(Schema):
    phase: str
    status: str
    opens_on: dt.date | None
    deadline: dt.date | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None


class CycleDetailOut(CycleOut):
    phases: list[PhaseOut]
    default_template: str | None


class CompletionOut(Schema):
    asked: int
    submitted: int
    draft: int
    pending: int
    declined: int
    percent: int | None


class TypeCompletionOut(CompletionOut):
    rater_type: str


class PhaseCompletionOut(CompletionOut):
    phase: str
    deadline: dt.date | None
    types: list[TypeCompletionOut]


class DepartmentCompletionOut(CompletionOut):
    department: UUID
    name: str
    own_people_only: bool


class MonitorOut(Schema):
    cycle: UUID
    reviews: int
    overdue: int
    total: CompletionOut
    phases: list[PhaseCompletionOut]
    departments: list[DepartmentCompletionOut]


class MonitorQuery(Schema):
    department: UUID | None = None
