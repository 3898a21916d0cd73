"""Goal adjustments and goal versions over JSON (read only). The same access functions and
selectors as the pages; a token needs the "read goals" scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.access import get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.goals import access
from pms.goals.models import GoalAdjustment
from pms.goals.schemas.adjustments import (
    AdjustmentDetailOut,
    AdjustmentFilters,
    AdjustmentPage,
    GoalVersionPage,
)
from pms.goals.selectors import adjustments as selectors

router = Router(tags=["goals"])

READ = TokenScope.READ_GOALS
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/adjustments",
    response={200: AdjustmentPage, **ERRORS},
    tags=["adjustments"],
    summary="List goal adjustments",
)
def adjustment_list(
    request: HttpRequest, filters: Query[AdjustmentFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    period = None
    if filters.period is not None:
        period = access.periods_visible(who).filter(uuid=filters.period).first()
        if period is None:
            raise ValidationError({"period": _("No period with this identifier.")})
    adjustments = selectors.adjustment_list(
        access.adjustments_visible(who), status=filters.status, period=period
    )
    return paginate(adjustments, paging)


@router.get(
    "/adjustments/{uuid}",
    response={200: AdjustmentDetailOut, **ERRORS},
    tags=["adjustments"],
    summary="One goal adjustment, with its diff and decisions",
)
def adjustment_detail(request: HttpRequest, uuid: UUID) -> GoalAdjustment:
    who = principal(request, READ)
    return get_visible(selectors.shaped(access.adjustments_visible(who)), uuid=uuid)


@router.get(
    "/goals/{uuid}/versions",
    response={200: GoalVersionPage, **ERRORS},
    tags=["adjustments"],
    summary="A goal's versions, each with the adjustment that made it",
)
def goal_versions(request: HttpRequest, uuid: UUID, paging: Query[PageQuery]) -> dict[str, Any]:
    who = principal(request, READ)
    goal = access.access_goal_history(who, uuid)
    return paginate(selectors.goal_versions(goal), paging)
