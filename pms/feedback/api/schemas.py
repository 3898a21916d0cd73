"""Shapes of the feedback API. No schema has a field that could carry the author of an
anonymous item: anonymous items appear only in ``UpwardOut``, without any person."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut

KindName = Literal["recognition", "constructive"]
TEXT = Field("", max_length=4000)


class PersonOut(Schema):
    uuid: UUID
    number: str
    name: str
    department: str


class GoalRef(Schema):
    uuid: UUID
    title: str


class FeedbackOut(Schema):
    uuid: UUID
    kind: str
    giver: PersonOut
    receiver: PersonOut
    situation: str
    behaviour: str
    impact: str
    suggestion: str
    goal: GoalRef | None
    public: bool
    upward: bool
    request: UUID | None
    created_at: dt.datetime


class FeedbackPage(PageOut):
    items: list[FeedbackOut]


class FeedbackIn(Schema):
    receiver: UUID
    kind: KindName
    situation: str = TEXT
    behaviour: str = TEXT
    impact: str = TEXT
    suggestion: str = TEXT
    goal: UUID | None = None
    public: bool = False
    anonymous: bool = False


class AnonymousAck(Schema):
    """What the author of anonymous feedback gets back: no id to look it up by."""

    anonymous: bool = True
    window: str


class AnswerIn(Schema):
    kind: KindName
    situation: str = TEXT
    behaviour: str = TEXT
    impact: str = TEXT
    suggestion: str = TEXT
    public: bool = False


class DeclineIn(Schema):
    reason: str = TEXT


class RequestIn(Schema):
    asked: UUID
    about: str = Field(..., max_length=4000)
    goal: UUID | None = None
    due_date: dt.date | None = None


class RequestOut(Schema):
    uuid: UUID
    requester: PersonOut
    asked: PersonOut
    about: str
    goal: GoalRef | None
    due_date: dt.date | None
    status: str
    decline_reason: str
    answer: UUID | None
    created_at: dt.datetime


class RequestPage(PageOut):
    items: list[RequestOut]


class RequestFilters(Schema):
    role: Literal["asked", "made"] = "asked"


class AnonymousCommentOut(Schema):
    kind: str
    situation: str
    behaviour: str
    impact: str
    suggestion: str


class WindowOut(Schema):
    window: str
    shown: int
    recognition: int
    constructive: int
    comments: list[AnonymousCommentOut]


class UpwardOut(Schema):
    k: int
    windows: list[WindowOut]
