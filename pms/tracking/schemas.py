"""What the tracking API takes and returns: pushed values, actual values and their
history, goal progress, and batches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.tracking.models import Actual, ActualBatch, ActualSource, GoalProgress, PaceStatus

# --- pushing -------------------------------------------------------------------------------


class ActualPushItemIn(Schema):
    """One value. Problems with an item reject that item (see its ``errors``), not the call."""

    employee_number: str | None = Field(
        None, description="The person's employee number (工号); or give department_code."
    )
    department_code: str | None = Field(
        None, description="The department's code (部门编码), for a department's value."
    )
    indicator_code: str | None = Field(None, description="The library indicator's code.")
    date: str | None = Field(
        None,
        description="YYYY-MM-DD, a day of the span: the value covers the indicator's "
        "frequency period containing it (the month of a monthly indicator). Or give start "
        "and end.",
    )
    start: str | None = Field(None, description="YYYY-MM-DD, first day of an explicit span.")
    end: str | None = Field(None, description="YYYY-MM-DD, last day of an explicit span.")
    value: int | float | str | None = Field(
        None, description="A number, at most 4 decimal places (a string is read exactly)."
    )
    external_id: str | None = Field(
        None,
        description="Required: the value's id in the sending system. With the system's name "
        "it makes a resend harmless; a changed value under the same id is a new version.",
    )
    note: str | None = Field(None, description="Optional note, at most 500 characters.")
    evidence_url: str | None = Field(None, description="Optional link to the evidence.")


class ActualPushIn(Schema):
    source: str = Field(
        ..., min_length=1, max_length=100, description="The sending system's name, e.g. CRM."
    )
    items: list[ActualPushItemIn] = Field(..., description="At most 10,000 values per call.")
    all_or_nothing: bool = Field(
        False, description="When true, one rejected item means none is written."
    )


class PushedItemOut(Schema):
    index: int = Field(..., description="The item's position in the request, from 0.")
    outcome: str = Field(
        ...,
        description="created, changed (a new version), unchanged, rejected, or skipped "
        "(all_or_nothing and another item was rejected).",
    )
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Field name → messages, for rejected items."
    )
    uuid: UUID | None = Field(None, description="The value now current for this item.")
    version: int | None = None


class PushCounts(Schema):
    created: int
    changed: int
    unchanged: int
    rejected: int
    skipped: int


class ActualPushOut(Schema):
    batch: UUID
    source: str
    written: bool = Field(..., description="False when all_or_nothing refused the call.")
    counts: PushCounts
    items: list[PushedItemOut]


# --- reading values ------------------------------------------------------------------------


class ActualOut(Schema):
    uuid: UUID
    employee_number: str | None
    employee_name: str | None
    department_code: str | None
    department_name: str | None
    indicator_code: str | None
    goal: UUID | None = Field(None, description="For a goal's own metric.")
    start: dt.date
    end: dt.date
    value: Decimal
    version: int
    is_current: bool
    replaced_at: dt.datetime | None
    source: ActualSource
    source_name: str
    external_id: str
    batch: UUID | None
    entered_by: str | None
    note: str
    evidence_url: str
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_employee_number(obj: Actual) -> str | None:
        return obj.employee.number if obj.employee is not None else None

    @staticmethod
    def resolve_employee_name(obj: Actual) -> str | None:
        return obj.employee.name if obj.employee is not None else None

    @staticmethod
    def resolve_department_code(obj: Actual) -> str | None:
        return obj.department.code if obj.department is not None else None

    @staticmethod
    def resolve_department_name(obj: Actual) -> str | None:
        return obj.department.name if obj.department is not None else None

    @staticmethod
    def resolve_indicator_code(obj: Actual) -> str | None:
        return obj.indicator.code if obj.indicator is not None else None

    @staticmethod
    def resolve_goal(obj: Actual) -> UUID | None:
        return obj.goal.uuid if obj.goal is not None else None

    @staticmethod
    def resolve_batch(obj: Actual) -> UUID | None:
        return obj.batch.uuid if obj.batch is not None else None

    @staticmethod
    def resolve_entered_by(obj: Actual) -> str | None:
        return obj.entered_by.display_name if obj.entered_by is not None else None


class ActualPage(PageOut):
    items: list[ActualOut]


class ActualFilters(Schema):
    employee: str = Field("", max_length=40, description="Employee number.")
    department: str = Field(
        "",
        max_length=40,
        description="Department code: its values and its people's, with the departments below.",
    )
    indicator: str = Field("", max_length=40, description="Indicator code.")
    date_from: dt.date | None = Field(
        None, alias="from", description="Values whose span starts on or after this day."
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Values whose span ends on or before this day."
    )
    source: ActualSource | None = None
    current: bool = Field(True, description="Only the current version of each value.")


class ActualHistoryOut(Schema):
    series: str
    versions: list[ActualOut] = Field(..., description="Every version, newest first.")


# --- progress ------------------------------------------------------------------------------


class ProgressOut(Schema):
    goal: UUID
    goal_title: str
    period: UUID
    period_name: str
    employee_number: str | None
    department_code: str | None
    status: PaceStatus
    actual: Decimal | None
    attainment: Decimal | None = Field(None, description="Percent of the target to date.")
    expected: Decimal | None = Field(None, description="Percent expected by now.")
    forecast: Decimal | None
    forecast_low: Decimal | None
    forecast_high: Decimal | None
    values: int
    last_value_on: dt.date | None
    as_of: dt.date | None

    @staticmethod
    def resolve_goal(obj: GoalProgress) -> UUID:
        return obj.goal.uuid

    @staticmethod
    def resolve_goal_title(obj: GoalProgress) -> str:
        return obj.goal.title

    @staticmethod
    def resolve_period(obj: GoalProgress) -> UUID:
        return obj.period.uuid

    @staticmethod
    def resolve_period_name(obj: GoalProgress) -> str:
        return obj.period.name

    @staticmethod
    def resolve_employee_number(obj: GoalProgress) -> str | None:
        return obj.employee.number if obj.employee is not None else None

    @staticmethod
    def resolve_department_code(obj: GoalProgress) -> str | None:
        return obj.department.code if obj.department is not None else None


class ProgressDetailOut(ProgressOut):
    explanation: dict[str, Any] = Field(
        default_factory=dict, description="The pace's inputs, figures and steps."
    )


class ProgressPage(PageOut):
    items: list[ProgressOut]


class ProgressFilters(Schema):
    period: UUID | None = None
    employee: str = Field("", max_length=40, description="Employee number.")
    department: str = Field(
        "", max_length=40, description="Department code, with the departments below."
    )
    status: PaceStatus | None = None


# --- batches -------------------------------------------------------------------------------


class BatchOut(Schema):
    uuid: UUID
    source: ActualSource
    source_name: str
    created_by: str | None
    import_job: UUID | None
    items: int
    created: int
    changed: int
    unchanged: int
    rejected: int
    created_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: ActualBatch) -> str | None:
        return obj.created_by.display_name if obj.created_by is not None else None

    @staticmethod
    def resolve_import_job(obj: ActualBatch) -> UUID | None:
        return obj.import_job.uuid if obj.import_job is not None else None


class BatchPage(PageOut):
    items: list[BatchOut]


class BatchFilters(Schema):
    source: ActualSource | None = None
