"""What the goals API returns for the strategy cascade: strategic and department goals, and
alignment coverage per department. Objects are named by uuid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.org.schemas import DepartmentRef, EmployeeRef


class PlanGoalFilters(Schema):
    period: UUID | None = Field(None, description="Only goals of this period.")
    level: Literal["company", "department"] | None = Field(
        None, description="company (strategy) or department."
    )
    department: UUID | None = Field(None, description="Only goals of this department.")
    below: bool = Field(False, description="With department: include its sub-departments.")
    status: Literal["draft", "submitted", "returned", "approved"] | None = None


class PeriodRef(Schema):
    uuid: UUID
    name: str


class PlanGoalOut(Schema):
    uuid: UUID
    period: PeriodRef
    level: str
    kind: str
    title: str
    description: str
    perspective: str
    department: DepartmentRef | None
    owner: EmployeeRef | None
    parent: UUID | None = Field(description="The goal this one is aligned to.")
    contribution: Decimal | None = Field(description="Share of the parent goal, in percent.")
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
    progress: Decimal | None = Field(description="Attainment to date recorded on this goal.")
    is_active: bool
    version: int
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    updated_at: dt.datetime


class PlanGoalDetailOut(PlanGoalOut):
    children_count: int = Field(description="Goals aligned directly to this one (all levels).")
    rolled_progress: Decimal | None = Field(
        description="Own progress, else rolled up from the goals aligned to it."
    )


class PlanGoalPage(PageOut):
    items: list[PlanGoalOut]


class CoverageOut(Schema):
    department: DepartmentRef
    depth: int
    people: int = Field(description="People with a scorecard in the period (with sub-departments).")
    aligned: int = Field(description="Of those, people with at least one goal aligned upward.")
    percent_aligned: Decimal | None
    department_goals: int
    department_goals_approved: int


class CoveragePage(PageOut):
    items: list[CoverageOut]
