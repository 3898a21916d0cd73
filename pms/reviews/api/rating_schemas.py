"""Shapes of the ratings API (the rater's own to-do list and ratings). Only the rater ever
receives a rating; nothing here names another rater."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class PersonRef(Schema):
    uuid: UUID
    number: str
    name: str
    department: str


class CycleRef(Schema):
    uuid: UUID
    name: str
    phase: str


class TodoOut(Schema):
    uuid: UUID
    reviewee: PersonRef
    cycle: CycleRef
    rater_type: str
    status: str
    deadline: dt.date | None
    open_now: bool
    overdue: bool
    submitted_at: dt.datetime | None


class TodoListOut(Schema):
    items: list[TodoOut]
    open_count: int
    overdue_count: int


class ChoiceOut(Schema):
    value: str
    label: str
    anchor: str = Field("", description="The behaviour that earns this level (BARS).")


class GoalOut(Schema):
    uuid: UUID
    title: str
    kind: str
    completion_standard: str
    due_date: dt.date | None
    target: Decimal | None
    unit: str
    weight: Decimal | None
    attainment: Decimal | None = Field(
        None, description="Attainment to date in percent, from tracking (read-only)."
    )


class QuestionOut(Schema):
    key: str = Field(description="Send answers under this key.")
    mode: str = Field(description="scale: rate it; text: answer in words; goal: read-only.")
    title: str
    description: str
    required: bool
    scale: dict[str, Any] | None
    choices: list[ChoiceOut]
    anchors: dict[str, str]
    value: str
    comment: str
    goal: GoalOut | None


class SectionOut(Schema):
    uuid: UUID
    kind: str
    title: str
    description: str
    questions: list[QuestionOut]


class RatingOut(Schema):
    uuid: UUID
    reviewee: PersonRef
    cycle: CycleRef
    rater_type: str
    anonymous: bool
    status: str
    editable: bool
    can_decline: bool
    deadline: dt.date | None
    overall_comment: str
    submitted_at: dt.datetime | None
    sections: list[SectionOut]


class AnswerIn(Schema):
    value: str | bool | int | float | None = Field(
        None,
        description=(
            'A number, a level\'s code, "yes"/"no" (or true/false); for an open question '
            "the text. Empty clears the answer; left out keeps it."
        ),
    )
    comment: str | None = Field(None, max_length=4000)


class RatingDraftIn(Schema):
    answers: dict[str, AnswerIn] = Field(default_factory=dict)
    overall_comment: str | None = Field(None, max_length=4000)


class DeclineIn(Schema):
    reason: str = Field(max_length=500)
