"""What the goals API returns for scorecards: the list with its figures, and one scorecard
with its goals, their terms and the signatures of the target responsibility letter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.org.schemas import DepartmentRef, EmployeeRef, PositionRef

ScorecardStatusName = Literal["draft", "submitted", "returned", "approved", "signed"]


class ScorecardFilters(Schema):
    period: UUID | None = Field(None, description="Only scorecards of this period.")
    department: UUID | None = Field(
        None, description="People of this department and the departments below it."
    )
    status: ScorecardStatusName | None = None
    employee: str = Field("", max_length=40, description="The person's employee number.")


class ScorecardPeriodRef(Schema):
    uuid: UUID
    name: str
    start: dt.date
    end: dt.date


class ScorecardOut(Schema):
    uuid: UUID
    period: ScorecardPeriodRef
    employee: EmployeeRef
    department: DepartmentRef | None = Field(description="The department when it was started.")
    position: PositionRef | None
    status: ScorecardStatusName
    version: int = Field(description="The letter's edition; an approved adjustment adds one.")
    goal_count: int = Field(description="Goals in force, key results not counted.")
    total_weight: Decimal = Field(description="Sum of the weights of those goals, in percent.")
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    signed_at: dt.datetime | None
    updated_at: dt.datetime


class ScorecardPage(PageOut):
    items: list[ScorecardOut]


class IndicatorRef(Schema):
    uuid: UUID
    code: str
    name: str


class ScorecardGoalOut(Schema):
    uuid: UUID
    kind: str
    section: str
    title: str
    description: str
    perspective: str
    indicator: IndicatorRef | None
    objective: UUID | None = Field(description="A key result's objective on this scorecard.")
    aligned_to: UUID | None = Field(description="The company, department or manager's goal.")
    contribution: Decimal | None
    weight: Decimal | None = Field(
        description="Percent of the scorecard; for a key result, percent of its objective."
    )
    metric: str
    unit: str
    direction: str
    baseline: Decimal | None
    target: Decimal | None
    target_max: Decimal | None
    due_date: dt.date | None
    completion_standard: str
    scoring_rule: dict[str, object]
    status: str
    progress: Decimal | None
    version: int
    is_active: bool


class SignatureOut(Schema):
    role: Literal["employee", "manager"]
    version: int
    signer_name: str
    signed_at: dt.datetime
    fingerprint: str = Field(description="SHA-256 of the letter's terms when signed.")


class ScorecardDetailOut(ScorecardOut):
    goals: list[ScorecardGoalOut]
    signatures: list[SignatureOut] = Field(description="Signatures of the current edition.")
    fingerprint: str = Field(description="SHA-256 of the letter's current terms.")
    problems: list[str] = Field(description="What stops submission, while still a draft.")
