"""What the coaching API returns: check-ins, action items and coaching plans, named by uuid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.org.schemas import EmployeeRef

CheckInStatusName = Literal["scheduled", "prepared", "held", "closed", "cancelled"]
ActionStatusName = Literal["open", "done", "dropped"]
PlanStatusName = Literal["open", "closed"]


class CheckInFilters(Schema):
    status: CheckInStatusName | None = Field(None, description="Only check-ins in this state.")
    employee: UUID | None = Field(None, description="Only this person's check-ins.")
    due_from: dt.date | None = Field(None, description="Due on or after this day.")
    due_until: dt.date | None = Field(None, description="Due on or before this day.")


class CheckInOut(Schema):
    uuid: UUID
    employee: EmployeeRef
    manager: EmployeeRef | None
    status: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    scheduled_at: dt.datetime | None
    held_at: dt.datetime | None


class GoalNoteOut(Schema):
    goal: UUID | None
    goal_title: str
    progress: Decimal | None = Field(description="The goal's progress (%) when noted.")
    comment: str

    @staticmethod
    def resolve_goal(obj: object) -> UUID | None:
        goal = getattr(obj, "goal", None)
        return goal.uuid if goal is not None else None


class ObstacleOut(Schema):
    uuid: UUID
    kind: str
    category: str
    description: str
    goal: UUID | None
    adjustment: UUID | None = Field(description="The goal adjustment it led to, if any.")

    @staticmethod
    def resolve_goal(obj: object) -> UUID | None:
        goal = getattr(obj, "goal", None)
        return goal.uuid if goal is not None else None

    @staticmethod
    def resolve_adjustment(obj: object) -> UUID | None:
        adjustment = getattr(obj, "adjustment", None)
        return adjustment.uuid if adjustment is not None else None


class ActionItemOut(Schema):
    uuid: UUID
    checkin: UUID
    title: str
    owner: EmployeeRef
    due_date: dt.date
    status: str
    done_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_checkin(obj: object) -> UUID:
        return obj.checkin.uuid  # type: ignore[attr-defined,no-any-return]


class CheckInDetailOut(CheckInOut):
    improvement_plan: str
    data_comment: str
    observation: str
    minutes: str
    goal_notes: list[GoalNoteOut]
    obstacles: list[ObstacleOut]
    action_items: list[ActionItemOut]

    @staticmethod
    def resolve_goal_notes(obj: object) -> list[object]:
        return list(obj.goal_notes.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_obstacles(obj: object) -> list[object]:
        return list(obj.obstacles.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_action_items(obj: object) -> list[object]:
        return list(obj.action_items.all())  # type: ignore[attr-defined]


class CheckInPage(PageOut):
    items: list[CheckInOut]


class ActionFilters(Schema):
    status: ActionStatusName | None = Field(None, description="Only items in this state.")
    mine: bool = Field(False, description="Only items the caller owns.")


class ActionDoneIn(Schema):
    note: str = Field("", max_length=5000)


class ActionItemPage(PageOut):
    items: list[ActionItemOut]


class PlanFilters(Schema):
    status: PlanStatusName | None = Field(None, description="Only plans in this state.")


class PlanActionOut(Schema):
    kind: str
    description: str


class MilestoneOut(Schema):
    uuid: UUID
    title: str
    due_date: dt.date
    done_at: dt.datetime | None


class PlanOut(Schema):
    uuid: UUID
    employee: EmployeeRef
    coach: EmployeeRef
    target_skill: str
    status: str
    outcome: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    milestone_count: int = 0
    milestones_done: int = 0


class PlanDetailOut(PlanOut):
    outcome_note: str
    obstacle: UUID | None
    actions: list[PlanActionOut]
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_obstacle(obj: object) -> UUID | None:
        obstacle = getattr(obj, "obstacle", None)
        return obstacle.uuid if obstacle is not None else None

    @staticmethod
    def resolve_actions(obj: object) -> list[object]:
        return list(obj.actions.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_milestones(obj: object) -> list[object]:
        return list(obj.milestones.all())  # type: ignore[attr-defined]


class PlanPage(PageOut):
    items: list[PlanOut]
