"""Shapes of the plans API: improvement plans (PIP) with their goals and checkpoints,
development plans (IDP) with their actions, and a mentor's actions."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut


class PlanQuery(Schema):
    status: str = ""


class PipOut(Schema):
    uuid: UUID
    employee: str
    employee_number: str
    department: str
    manager: str
    trigger: str
    result: UUID | None
    start: dt.date
    end: dt.date
    original_end: dt.date | None
    status: str
    started_at: dt.datetime | None
    employee_signed_at: dt.datetime | None
    closed_at: dt.datetime | None
    next_checkpoint: dt.date | None
    checkpoint_overdue: bool


class PipPage(PageOut):
    items: list[PipOut]


class PipGoalOut(Schema):
    uuid: UUID
    title: str
    measure: str
    met: bool | None


class CheckpointOut(Schema):
    uuid: UUID
    day: int
    due_on: dt.date
    held_on: dt.date | None
    verdict: str
    notes: str
    recorded_by: str | None


class PipDetailOut(PipOut):
    reason: str
    training: str
    coaching: str
    reassignment: str
    sign_refused_at: dt.datetime | None
    sign_note: str
    extended_at: dt.datetime | None
    extension_reason: str
    outcome: str
    goals: list[PipGoalOut]
    checkpoints: list[CheckpointOut]


# a development plan's status: being prepared, submitted (waiting for the manager's
# agreement), under way (agreed), completed
IdpStatusValue = Literal["draft", "submitted", "active", "done"]


class IdpQuery(Schema):
    status: IdpStatusValue | Literal[""] = Field(
        "", description="draft, submitted (waiting for agreement), active or done; empty: all"
    )


class IdpOut(Schema):
    uuid: UUID
    employee: str
    employee_number: str
    department: str
    title: str
    target_position: str | None
    result: UUID | None
    start: dt.date
    end: dt.date
    status: IdpStatusValue
    submitted_at: dt.datetime | None
    returned_at: dt.datetime | None
    manager_agreed_at: dt.datetime | None
    completed_at: dt.datetime | None
    action_count: int
    done_count: int
    progress: int | None


class IdpPage(PageOut):
    items: list[IdpOut]


class ActionOut(Schema):
    uuid: UUID
    kind: str
    goal: str
    competency: str
    mentor: str | None
    due_on: dt.date | None
    progress: int
    done_at: dt.datetime | None
    note: str


class IdpDetailOut(IdpOut):
    aspiration: str
    returned_reason: str
    actions: list[ActionOut]


class MentoredActionOut(ActionOut):
    plan_title: str
    employee: str


class MentoredPage(PageOut):
    items: list[MentoredActionOut]
