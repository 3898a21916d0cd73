"""/api/v1/bonus-plans and /api/v1/raise-plans: the plans and their lines, paged, through
the same access functions and selectors as the pages. Pay is confidential: HR and system
admins only (an HRBP gets the lines of their scope), and tokens need the ``read_pay``
scope (browser sessions hold every scope). Everybody else gets "not found"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema

from pms.core.access import NotFound
from pms.core.api import ErrorOut, PageOut, PageQuery, paginate, principal
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import BonusLine, BonusPlan, RaiseLine, RaisePlan
from pms.outcomes.selectors import pay as selectors
from pms.scoring.decimals import q2

router = Router(tags=["pay"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PlanOut(Schema):
    uuid: UUID
    cycle: UUID
    cycle_name: str
    name: str
    status: str
    computed_at: dt.datetime | None
    locked_at: dt.datetime | None
    people: int  # in the caller's scope
    total: Decimal  # in the caller's scope


class BonusPlanOut(PlanOut):
    method: str
    pool: Decimal | None
    budget: Decimal | None
    company_factor: Decimal
    weigh_by_base: bool
    cap: Decimal | None


class RaisePlanOut(PlanOut):
    budget: Decimal | None
    effective_on: dt.date | None
    matrix: dict[str, dict[str, str]]


class BonusPlanPage(PageOut):
    items: list[BonusPlanOut]


class RaisePlanPage(PageOut):
    items: list[RaisePlanOut]


class LineOut(Schema):
    uuid: UUID
    employee_number: str
    employee: str
    department: str
    grade: str
    amount: Decimal


class BonusLineOut(LineOut):
    coefficient: Decimal | None
    base: Decimal | None
    factor: Decimal


class RaiseLineOut(LineOut):
    salary: Decimal | None
    range_min: Decimal | None
    range_max: Decimal | None
    zone: str
    percent: Decimal


class BonusLinePage(PageOut):
    items: list[BonusLineOut]


class RaiseLinePage(PageOut):
    items: list[RaiseLineOut]


def _reader(request: HttpRequest) -> Principal:
    who = principal(request, access.PAY_READ_SCOPE)
    if not access.can_read_pay(who):
        raise NotFound
    return who


def _plan_fields(plan: Any) -> dict[str, Any]:
    return {
        "uuid": plan.uuid,
        "cycle": plan.cycle.uuid,
        "cycle_name": plan.cycle.name,
        "name": plan.name,
        "status": plan.status,
        "computed_at": plan.computed_at,
        "locked_at": plan.locked_at,
        "people": getattr(plan, "n_people", 0) or 0,
        "total": q2(getattr(plan, "total", None) or Decimal(0)),
    }


def _bonus_plan(plan: BonusPlan) -> BonusPlanOut:
    return BonusPlanOut(
        **_plan_fields(plan),
        method=plan.method,
        pool=plan.pool,
        budget=plan.budget,
        company_factor=plan.company_factor,
        weigh_by_base=plan.weigh_by_base,
        cap=plan.cap,
    )


def _raise_plan(plan: RaisePlan) -> RaisePlanOut:
    return RaisePlanOut(
        **_plan_fields(plan),
        budget=plan.budget,
        effective_on=plan.effective_on,
        matrix=plan.matrix,
    )


def _line(line: BonusLine | RaiseLine) -> dict[str, Any]:
    return {
        "uuid": line.uuid,
        "employee_number": line.employee.number,
        "employee": line.employee.name,
        "department": line.department.name,
        "grade": line.grade,
        "amount": line.amount,
    }


def _bonus_line(line: BonusLine) -> BonusLineOut:
    return BonusLineOut(
        **_line(line), coefficient=line.coefficient, base=line.base, factor=line.factor
    )


def _raise_line(line: RaiseLine) -> RaiseLineOut:
    return RaiseLineOut(
        **_line(line),
        salary=line.salary,
        range_min=line.range_min,
        range_max=line.range_max,
        zone=line.zone,
        percent=line.percent,
    )


@router.get("/bonus-plans", response={200: BonusPlanPage, **ERRORS}, summary="Bonus plans")
def bonus_plans(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """The bonus plans, newest cycle first, with the people and total of the caller's
    scope."""
    who = _reader(request)
    return paginate(selectors.bonus_plan_rows(who), paging, _bonus_plan)


@router.get(
    "/bonus-plans/{uuid:uuid}/lines",
    response={200: BonusLinePage, **ERRORS},
    summary="The lines of a bonus plan",
)
def bonus_lines(request: HttpRequest, uuid: UUID, paging: Query[PageQuery]) -> dict[str, Any]:
    """One line per person of the caller's scope: grade, coefficient, base, department
    factor and the bonus (a simulation until the plan is locked)."""
    who = _reader(request)
    plan = access.access_bonus_plan(who, uuid)
    rows = selectors.bonus_line_rows(who, plan, selectors.LineFilters())
    return paginate(rows, paging, _bonus_line)


@router.get("/raise-plans", response={200: RaisePlanPage, **ERRORS}, summary="Raise plans")
def raise_plans(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    who = _reader(request)
    return paginate(selectors.raise_plan_rows(who), paging, _raise_plan)


@router.get(
    "/raise-plans/{uuid:uuid}/lines",
    response={200: RaiseLinePage, **ERRORS},
    summary="The lines of a raise plan",
)
def raise_lines(request: HttpRequest, uuid: UUID, paging: Query[PageQuery]) -> dict[str, Any]:
    """One line per person of the caller's scope: monthly salary and range, the position
    in the range, the raise percent and amount."""
    who = _reader(request)
    plan = access.access_raise_plan(who, uuid)
    rows = selectors.raise_line_rows(who, plan, selectors.LineFilters())
    return paginate(rows, paging, _raise_line)
