"""What the goals API returns for adjustments and goal versions. Objects are named by uuid;
the diff keeps the stored values (decimals as text, dates in ISO form) so an integration
reads exactly what was approved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.goals.models import AdjustmentDecision, GoalAdjustment, GoalVersion
from pms.goals.schemas.plan import PeriodRef
from pms.org.schemas import EmployeeRef

AdjustmentStatusName = Literal["manager", "hr", "committee", "approved", "rejected", "withdrawn"]


class AdjustmentFilters(Schema):
    status: AdjustmentStatusName | None = Field(
        None, description="Only adjustments in this state (manager, hr, committee: waiting)."
    )
    period: UUID | None = Field(None, description="Only adjustments of this period.")


class AdjustmentScorecardRef(Schema):
    uuid: UUID
    employee: EmployeeRef


class AdjustmentGoalRef(Schema):
    uuid: UUID
    title: str
    level: str


class AdjustmentOut(Schema):
    uuid: UUID
    status: str
    scorecard: AdjustmentScorecardRef | None = Field(description="For an individual scorecard.")
    goal: AdjustmentGoalRef | None = Field(description="For a company or department goal.")
    period: PeriodRef
    requested_by: str
    reason_category: str
    reason_code: str
    reason: str
    effective_from: dt.date
    needs_committee: bool = Field(description="Beyond the period's flexibility limit.")
    largest_change: Decimal = Field(
        description="The largest change against the limit: percent of a target, or points "
        "of weight."
    )
    goals_touched: int
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_period(obj: GoalAdjustment) -> Any:
        if obj.scorecard is not None:
            return obj.scorecard.period
        return obj.goal.period if obj.goal is not None else None

    @staticmethod
    def resolve_requested_by(obj: GoalAdjustment) -> str:
        return obj.requested_by.display_name

    @staticmethod
    def resolve_goals_touched(obj: GoalAdjustment) -> int:
        return len(obj.changes)


class AdjustmentChangeOut(Schema):
    op: Literal["change", "remove", "add"]
    goal: UUID | None
    title: str
    fields: dict[str, list[Any]] = Field(description="name → [before, after]")
    change: Decimal | None = Field(description="This line's measure against the limit.")
    beyond_limit: bool


class AdjustmentDecisionOut(Schema):
    step: str
    decision: str
    decided_by: str
    comment: str
    decided_at: dt.datetime

    @staticmethod
    def resolve_decided_by(obj: AdjustmentDecision) -> str:
        return obj.decided_by.display_name

    @staticmethod
    def resolve_decided_at(obj: AdjustmentDecision) -> dt.datetime:
        return obj.created_at


class AdjustmentDetailOut(AdjustmentOut):
    changes: list[AdjustmentChangeOut]
    decisions: list[AdjustmentDecisionOut]

    @staticmethod
    def resolve_decisions(obj: GoalAdjustment) -> list[AdjustmentDecision]:
        return list(obj.decisions.select_related("decided_by").order_by("created_at"))


class AdjustmentPage(PageOut):
    items: list[AdjustmentOut]


class AdjustmentRef(Schema):
    uuid: UUID
    reason_category: str
    reason_code: str
    reason: str


class GoalVersionOut(Schema):
    number: int
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="None while in force.")
    terms: dict[str, Any] = Field(
        description="title, weight, target, target_max, baseline, unit, direction, due_date, "
        "scoring_rule, is_active"
    )
    adjustment: AdjustmentRef | None = Field(description="The adjustment that made it.")

    @staticmethod
    def resolve_adjustment(obj: GoalVersion) -> GoalAdjustment | None:
        return obj.adjustment


class GoalVersionPage(PageOut):
    items: list[GoalVersionOut]
