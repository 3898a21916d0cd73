"""Periods over JSON: what integrations need to name a period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from pms.accounts.models import TokenScope
from pms.core.api import ErrorOut, principal
from pms.goals import access
from pms.goals.models import Period

router = Router(tags=["goals"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PeriodOut(Schema):
    uuid: UUID
    name: str
    kind: str
    start: dt.date
    end: dt.date
    status: str
    parent: UUID | None
    adjustment_limit: Decimal


def _out(period: Period) -> PeriodOut:
    return PeriodOut(
        uuid=period.uuid,
        name=period.name,
        kind=period.kind,
        start=period.start,
        end=period.end,
        status=period.status,
        parent=period.parent.uuid if period.parent else None,
        adjustment_limit=period.adjustment_limit,
    )


@router.get("/periods", response={200: list[PeriodOut], **ERRORS}, summary="List periods")
def period_list(request: HttpRequest) -> list[PeriodOut]:
    """Every period (there are few), newest first. Scope: read_goals."""
    who = principal(request, TokenScope.READ_GOALS)
    return [_out(p) for p in access.periods_visible(who).select_related("parent")]


@router.get("/periods/{uuid}", response={200: PeriodOut, **ERRORS}, summary="One period")
def period_detail(request: HttpRequest, uuid: UUID) -> PeriodOut:
    who = principal(request, TokenScope.READ_GOALS)
    return _out(access.access_period(who, uuid))
