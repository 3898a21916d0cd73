"""Shapes of the results API. Rater types appear with counts and means only; anonymous
types only as released aggregates (no schema here has a field for an anonymous rater, an
individual anonymous answer or a time); named ratings carry the rater's name where the
caller may read them, as on the page."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ninja import Schema

from pms.core.api import PageOut


class TypeMeanOut(Schema):
    rater_type: str
    weight: str
    count: int
    minimum: int
    mean: str | None
    counted: bool


class GoalResultOut(Schema):
    title: str
    kind: str
    weight: str | None
    unit: str
    target: str
    actual: str | None
    attainment: str | None
    score: str | None
    rule: str
    source: str
    vetoed: bool
    explanation: list[str]
    key_results: list[GoalResultOut]


class SectionResultOut(Schema):
    title: str
    kind: str
    weight: str
    score: str | None
    rater_types: list[TypeMeanOut]
    held: list[str]
    goals: list[GoalResultOut]
    explanation: list[str]


class VetoOut(Schema):
    title: str
    triggered: bool | None
    grade: str


class ItemAggregateOut(Schema):
    title: str
    answers: int
    shown: bool
    mean: Decimal | None
    distribution: dict[str, int]
    comments: list[str]


class SectionAggregateOut(Schema):
    title: str
    kind: str
    items: list[ItemAggregateOut]


class AnonymousTypeOut(Schema):
    rater_type: str
    asked: int
    submitted: int
    released: bool
    withheld: str
    sections: list[SectionAggregateOut]
    comments: list[str]


class NamedAnswerOut(Schema):
    section: str
    title: str
    value: str
    comment: str


class NamedRatingOut(Schema):
    rater_type: str
    rater: str
    answers: list[NamedAnswerOut]
    overall_comment: str


class ReviewRef(Schema):
    uuid: UUID
    employee: str
    employee_number: str
    department: str
    cycle: UUID
    cycle_name: str


class ResultOut(Schema):
    review: ReviewRef
    computed: bool
    score: Decimal | None
    grade: str
    complete: bool
    frozen: bool
    version: int | None
    error: str
    sections: list[SectionResultOut]
    vetoes: list[VetoOut]
    explanation: list[str]
    anonymous: list[AnonymousTypeOut]
    named: list[NamedRatingOut]


class CycleResultOut(Schema):
    review: UUID
    employee: str
    employee_number: str
    department: str
    score: Decimal | None
    grade: str
    computed: bool
    complete: bool
    frozen: bool


class CycleResultPage(PageOut):
    items: list[CycleResultOut]


class RecomputeIn(Schema):
    reason: str = ""
    freeze: bool = False


class RecomputeOut(Schema):
    uuid: UUID
    status: str
    total: int
    freeze: bool
    reason: str
