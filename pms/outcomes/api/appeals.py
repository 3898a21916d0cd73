"""/api/v1/appeals: the appeals the caller may read (their own, and for HR the ones they
may handle, never their own people's), and one appeal. Tokens need the ``read_results``
scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.outcomes import access
from pms.outcomes.models import OPEN_APPEAL, Appeal, AppealStatus

from .appeal_schemas import AppealOut, AppealPage, AppealQuery

router = Router(tags=["appeals"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
STATES = ("all", "open", "overdue", "decided", "withdrawn")


def _out(appeal: Appeal) -> AppealOut:
    result = appeal.result
    today = timezone.localdate()
    return AppealOut(
        uuid=appeal.uuid,
        result=result.uuid,
        cycle_name=result.cycle.name,
        employee=result.employee.name,
        employee_number=result.employee.number,
        department=result.department.name,
        status=appeal.status,
        filed_at=appeal.created_at,
        due_on=appeal.due_on,
        overdue=appeal.status in OPEN_APPEAL and appeal.due_on < today,
        handler=appeal.handler.display_name if appeal.handler is not None else None,
        reasons=appeal.reasons,
        evidence_link=appeal.evidence_link,
        has_evidence_file=bool(appeal.evidence_file),
        decision=appeal.decision,
        new_score=appeal.new_score,
        new_grade=appeal.new_grade,
        decided_at=appeal.decided_at,
    )


def _state(rows: QuerySet[Appeal], state: str) -> QuerySet[Appeal]:
    today = timezone.localdate()
    if state == "open":
        return rows.filter(status__in=OPEN_APPEAL)
    if state == "overdue":
        return rows.filter(status__in=OPEN_APPEAL, due_on__lt=today)
    if state == "decided":
        return rows.filter(status__in=(AppealStatus.UPHELD, AppealStatus.ADJUSTED))
    if state == "withdrawn":
        return rows.filter(status=AppealStatus.WITHDRAWN)
    return rows


@router.get("/appeals", response={200: AppealPage, **ERRORS}, summary="Appeals")
def appeal_list(
    request: HttpRequest, filters: Query[AppealQuery], paging: Query[PageQuery]
) -> dict[str, Any]:
    """The caller's own appeals and, for HR, those they may handle; oldest due first."""
    who = principal(request, access.READ_SCOPE)
    if filters.state not in STATES:
        raise ValidationError(
            {"state": [_("Choose one of %(states)s.") % {"states": ", ".join(STATES)}]}
        )
    rows = _state(access.appeals_visible(who), filters.state).select_related(
        "result__cycle", "result__employee", "result__department", "handler"
    )
    return paginate(rows.order_by("due_on", "created_at", "pk"), paging, _out)


@router.get("/appeals/{uuid:uuid}", response={200: AppealOut, **ERRORS}, summary="An appeal")
def appeal_detail(request: HttpRequest, uuid: UUID) -> AppealOut:
    who = principal(request, access.READ_SCOPE)
    return _out(access.access_appeal(who, uuid))
