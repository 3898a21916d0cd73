"""Shapes of the review template API (read-only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema

from pms.core.api import PageOut


class TemplateOut(Schema):
    uuid: UUID
    code: str
    version: int
    name: str
    description: str
    status: str
    role_families: list[str]  # role family codes
    positions: list[str]  # position codes
    rater_types: list[str]
    rater_weights: dict[str, Decimal]
    anonymous_types: list[str]
    peer_min: int
    peer_max: int
    grade_bands: list[dict[str, str]]  # [] = the company's bands
    previous: UUID | None
    reviews: int  # reviews launched with this edition
    updated_at: dt.datetime


class TemplatePage(PageOut):
    items: list[TemplateOut]


class ItemOut(Schema):
    uuid: UUID
    title: str
    description: str
    weight: Decimal
    anchors: dict[str, str]  # level (or point, yes/no) → the behaviour that earns it
    required: bool
    veto_grade: str
    veto_score_cap: Decimal | None


class SectionOut(Schema):
    uuid: UUID
    kind: str
    title: str
    description: str
    weight: Decimal
    scale: dict[str, Any]  # pms.scoring scale data; {} for none
    rater_types: list[str]  # [] = every type the template asks
    goal_sections: list[str]  # scorecard sections feeding it; [] = all
    items: list[ItemOut]


class TemplateDetailOut(TemplateOut):
    sections: list[SectionOut]
