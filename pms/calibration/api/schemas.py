"""Shapes of the calibration API. A session's people appear with proposed and calibrated
score and grade, potential and nine-box; nothing here names a rater."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut

Sort = Literal["department", "name", "score", "score_asc", "proposed", "grade", "changed"]
PotentialFilter = Literal["", "none", "low", "mid", "high"]


class SessionOut(Schema):
    uuid: UUID
    name: str
    cycle: UUID
    cycle_name: str
    status: str
    facilitator: str
    people: int
    enforcement: str
    min_group_size: int
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str


class SessionPage(PageOut):
    items: list[SessionOut]


class GradeRuleOut(Schema):
    grade: str
    share: str
    mode: str


class QuotaOut(Schema):
    """One grade of a pool: its quota with the rounding (exact share, rounded down,
    remainder, whether it got a seat left over) and the count now."""

    grade: str
    mode: str
    share: str
    exact: str
    floor: int
    remainder: str
    seat: bool
    quota: int
    count: int
    difference: int
    status: str


class PoolOut(Schema):
    key: str
    name: str
    headcount: int
    enforced: bool
    complies: bool
    ungraded: int
    grades: list[QuotaOut]


class GradeCountOut(Schema):
    grade: str
    proposed: int
    now: int


class MemberOut(Schema):
    name: str
    role: str


class SessionDetailOut(SessionOut):
    departments: list[str]
    subtree: bool
    role_family: str | None
    distribution: list[GradeRuleOut]
    pools: list[PoolOut]
    grade_counts: list[GradeCountOut]
    members: list[MemberOut]
    my_role: str | None
    can_decide: bool


class EntryQuery(Schema):
    department: UUID | None = None
    pool: str = Field("", max_length=40)
    grade: str = Field("", max_length=2)
    manager: UUID | None = None
    changed: bool = False
    potential: PotentialFilter = ""
    box: int | None = Field(None, ge=1, le=9)
    q: str = Field("", max_length=100)
    sort: Sort = "department"


class EntryOut(Schema):
    uuid: UUID
    employee: str
    employee_number: str
    department: str
    manager: str | None
    pool: str
    proposed_score: Decimal | None
    proposed_grade: str
    score: Decimal | None
    grade: str
    potential: str
    box: int | None
    box_code: str
    changed: bool


class EntryPage(PageOut):
    items: list[EntryOut]


class ChangeOut(Schema):
    at: dt.datetime
    by: str
    field: str
    before: str
    after: str
    reason: str


class ChangePage(PageOut):
    items: list[ChangeOut]


class EntryDetailOut(EntryOut):
    """One person in a session with the whole history of their changes, oldest first."""

    session: UUID
    session_name: str
    session_status: str
    cycle: UUID
    cycle_name: str
    changes: list[ChangeOut]


class ChangeIn(Schema):
    """A change of score, grade and/or potential; the reason is required."""

    reason: str = Field("", max_length=2000)
    score: str | None = Field(None, max_length=20)
    grade: str | None = Field(None, max_length=2)
    potential: str | None = Field(None, max_length=4)
