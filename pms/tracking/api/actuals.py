"""/api/v1/actuals: values pushed by other systems (scope ``write_actuals``), and values
read back with their history (scope ``read_tracking``), always through ``access``.

A push is for integration tokens and HR's sessions, within the reach of the token's user
as an upload would be: items outside it are rejected one by one, with the reason.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pms.accounts.models import TokenScope
from pms.core.access import Forbidden
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org import access as org_access
from pms.org.roles import Principal
from pms.tracking import access
from pms.tracking.models import Actual
from pms.tracking.schemas import (
    ActualFilters,
    ActualHistoryOut,
    ActualPage,
    ActualPushIn,
    ActualPushOut,
)
from pms.tracking.services.actual_inputs import RawActual
from pms.tracking.services.actual_push import MAX_PUSH_ITEMS, OUTCOMES, actuals_push

router = Router(tags=["tracking"])

READ = TokenScope.READ_TRACKING
WRITE = TokenScope.WRITE_ACTUALS
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


@router.post(
    "/actuals",
    response={200: ActualPushOut, **ERRORS},
    summary="Push actual values",
    description="Up to 10,000 values per call, each with the sending system's id for it. "
    "Resending a batch records nothing new; a changed value becomes a new version. The "
    "answer has one result per item, in the order sent.",
)
def actual_push(request: HttpRequest, payload: ActualPushIn) -> Any:
    who = principal(request, WRITE)
    if not (access.can_push_actuals(who) and access.can_import_actuals(who)):
        raise Forbidden
    if len(payload.items) > MAX_PUSH_ITEMS:
        message = _("At most %(max)d items per call; this one has %(count)d. Nothing was written.")
        return Status(
            400,
            {
                "error": {
                    "code": "too_many_items",
                    "message": message % {"max": MAX_PUSH_ITEMS, "count": len(payload.items)},
                    "fields": {
                        "items": [message % {"max": MAX_PUSH_ITEMS, "count": len(payload.items)}]
                    },
                }
            },
        )
    raws = [
        RawActual(
            employee_number=_text(item.employee_number),
            department_code=_text(item.department_code),
            indicator_code=_text(item.indicator_code),
            date=_text(item.date),
            start=_text(item.start),
            end=_text(item.end),
            value=_text(item.value),
            external_id=_text(item.external_id),
            note=_text(item.note),
            evidence_url=_text(item.evidence_url),
        )
        for item in payload.items
    ]
    result = actuals_push(
        actor=Actor(user=who.user, channel=AuditChannel.API),
        principal=who,
        source_name=payload.source,
        items=raws,
        all_or_nothing=payload.all_or_nothing,
    )
    return {
        "batch": result.batch.uuid,
        "source": result.batch.source_name,
        "written": result.written,
        "counts": {outcome: result.count(outcome) for outcome in OUTCOMES},
        "items": [
            {
                "index": item.index,
                "outcome": item.outcome,
                "errors": item.errors,
                "uuid": item.uuid,
                "version": item.version,
            }
            for item in result.items
        ],
    }


def _actuals(who: Principal) -> QuerySet[Actual]:
    return access.actuals_visible(who).select_related(
        "employee", "department", "indicator", "goal", "batch", "entered_by"
    )


@router.get(
    "/actuals",
    response={200: ActualPage, **ERRORS},
    summary="List actual values",
    description="Values you may see, latest spans first; filter by person, department (with "
    "its people and the departments below), indicator, dates and source.",
)
def actual_list(
    request: HttpRequest, filters: Query[ActualFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    values = _actuals(who)
    if filters.current:
        values = values.filter(is_current=True)
    if filters.employee:
        values = values.filter(employee__number=filters.employee.strip())
    if filters.department:
        department = (
            org_access.departments_visible(who).filter(code=filters.department.strip()).first()
        )
        if department is None:
            raise ValidationError({"department": _("No department with this code.")})
        values = values.filter(
            Q(department__path__startswith=department.path)
            | Q(employee__department__path__startswith=department.path)
        )
    if filters.indicator:
        values = values.filter(indicator__code=filters.indicator.strip())
    if filters.date_from is not None:
        values = values.filter(start__gte=filters.date_from)
    if filters.date_to is not None:
        values = values.filter(end__lte=filters.date_to)
    if filters.source is not None:
        values = values.filter(source=filters.source)
    return paginate(values.order_by("-start", "series", "-version"), paging)


@router.get(
    "/actuals/{uuid:uuid}/history",
    response={200: ActualHistoryOut, **ERRORS},
    summary="Every version of a value",
    description="The value's series: the person or department, indicator and span; every "
    "version with who sent it, when and why, newest first.",
)
def actual_history(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    who = principal(request, READ)
    actual = access.access_actual(who, uuid)
    versions = _actuals(who).filter(series=actual.series).order_by("-version")
    return {"series": actual.series, "versions": list(versions)}
