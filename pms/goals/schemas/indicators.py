"""What the indicator library API returns."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from pms.core.api import PageOut
from pms.goals.models import Aggregation, DataSource, Direction, EntryBy, Frequency, Indicator
from pms.goals.rules import describe_rule


class RoleFamilyRef(Schema):
    code: str
    name: str


class IndicatorOut(Schema):
    uuid: UUID
    code: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: Direction
    data_source: DataSource
    source_system: str
    frequency: Frequency
    aggregation: Aggregation
    entry_by: EntryBy
    perspective: str = Field(description="financial, customer, process, learning or empty.")
    role_families: list[RoleFamilyRef]
    scoring_rule: dict[str, Any] = Field(
        description='The rule as data, e.g. {"type": "linear", "floor": "0", '
        '"cap": "120"}; numbers as strings.'
    )
    scoring_rule_text: str = Field(description="The rule in words, in the caller's language.")
    enabled: bool
    employee_selectable: bool
    sort_order: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_role_families(obj: Indicator) -> list[dict[str, str]]:
        return [{"code": f.code, "name": f.name} for f in obj.role_families.all()]

    @staticmethod
    def resolve_scoring_rule_text(obj: Indicator) -> str:
        return describe_rule(obj.scoring_rule)


class IndicatorPage(PageOut):
    items: list[IndicatorOut]


class IndicatorFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the name or code.")
    role_family: str = Field("", max_length=40, description="Role family code.")
    enabled: bool | None = Field(
        None, description="Library keepers only; everyone else sees enabled indicators only."
    )
