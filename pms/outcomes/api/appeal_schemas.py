"""Shapes of the appeals API: what the caller may read of an appeal — its person sees
their own, HR who may handle it sees it in full; nothing here for managers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Schema

from pms.core.api import PageOut


class AppealOut(Schema):
    uuid: UUID
    result: UUID
    cycle_name: str
    employee: str
    employee_number: str
    department: str
    status: str
    filed_at: dt.datetime
    due_on: dt.date
    overdue: bool
    handler: str | None
    reasons: str
    evidence_link: str
    has_evidence_file: bool
    decision: str
    new_score: Decimal | None
    new_grade: str
    decided_at: dt.datetime | None


class AppealPage(PageOut):
    items: list[AppealOut]


class AppealQuery(Schema):
    state: str = "all"
