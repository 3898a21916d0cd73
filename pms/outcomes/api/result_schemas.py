"""Shapes of the published-results API. A change made on appeal carries its reason only
for readers who may read appeals (the person and appeal HR), as on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema

from pms.core.api import PageOut


class ResultOut(Schema):
    uuid: UUID
    cycle: UUID
    cycle_name: str
    employee: str
    employee_number: str
    department: str
    grade: str
    score: Decimal | None
    coefficient: Decimal | None
    review_grade: str
    review_score: Decimal | None
    source: str
    version: int
    published_at: dt.datetime | None
    ack_status: str
    ack_deadline: dt.date | None
    ack_at: dt.datetime | None


class ResultPage(PageOut):
    items: list[ResultOut]


class ChangeOut(Schema):
    source: str
    score_before: Decimal | None
    score_after: Decimal | None
    grade_before: str
    grade_after: str
    reason: str | None
    changed_at: dt.datetime


class ResultDetailOut(ResultOut):
    explanation: list[str]
    changes: list[ChangeOut]
    confirm_by: dt.date | None
    appeal_until: dt.date | None


class CycleResultsQuery(Schema):
    department: UUID | None = None
    grade: str = ""
    ack_status: str = ""
