"""Check-ins, action items and coaching plans over JSON. The same access functions and
selectors as the pages; a token reads with the "read tracking" scope and marks action items
done with "write tracking"."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router

from pms.coaching import access, selectors
from pms.coaching.api.schemas import (
    ActionDoneIn,
    ActionFilters,
    ActionItemOut,
    ActionItemPage,
    CheckInDetailOut,
    CheckInFilters,
    CheckInPage,
    PlanDetailOut,
    PlanFilters,
    PlanPage,
)
from pms.coaching.models import ActionItem, CheckIn, CheckInGoalNote, CoachingPlan, Obstacle
from pms.coaching.services import checkins as services
from pms.core.access import Forbidden, get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel

router = Router(tags=["coaching"])

READ = access.READ_SCOPE
WRITE = access.WRITE_SCOPE
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/checkins",
    response={200: CheckInPage, **ERRORS},
    tags=["checkins"],
    summary="List check-ins the caller may see",
)
def checkin_list(
    request: HttpRequest, filters: Query[CheckInFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    rows = access.checkins_visible(who)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.employee is not None:
        rows = rows.filter(employee__uuid=filters.employee)
    if filters.due_from is not None:
        rows = rows.filter(due_date__gte=filters.due_from)
    if filters.due_until is not None:
        rows = rows.filter(due_date__lte=filters.due_until)
    return paginate(selectors.shaped_checkins(rows).order_by("-due_date", "-id"), paging)


@router.get(
    "/checkins/{uuid}",
    response={200: CheckInDetailOut, **ERRORS},
    tags=["checkins"],
    summary="One check-in with the preparation, obstacles and action items",
)
def checkin_detail(request: HttpRequest, uuid: UUID) -> CheckIn:
    who = principal(request, READ)
    rows = selectors.shaped_checkins(access.checkins_visible(who)).prefetch_related(
        Prefetch("goal_notes", queryset=CheckInGoalNote.objects.select_related("goal")),
        Prefetch("obstacles", queryset=Obstacle.objects.select_related("goal", "adjustment")),
        Prefetch(
            "action_items",
            queryset=ActionItem.objects.select_related("owner", "checkin").order_by("due_date"),
        ),
    )
    return get_visible(rows, uuid=uuid)


@router.get(
    "/action-items",
    response={200: ActionItemPage, **ERRORS},
    tags=["checkins"],
    summary="List action items the caller may see",
)
def action_item_list(
    request: HttpRequest, filters: Query[ActionFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    items = access.action_items_visible(who)
    if filters.mine:
        items = items.filter(owner=who.employee) if who.employee else items.none()
    return paginate(selectors.action_item_list(items, filters.status or ""), paging)


@router.post(
    "/action-items/{uuid}/done",
    response={200: ActionItemOut, **ERRORS},
    tags=["checkins"],
    summary="Mark an action item done",
)
def action_item_done(request: HttpRequest, uuid: UUID, payload: ActionDoneIn) -> ActionItem:
    who = principal(request, WRITE)
    item = access.access_action_item(who, uuid)
    if not access.can_update_action(who, item):
        raise Forbidden
    return services.action_item_complete(
        actor=Actor(user=who.user, channel=AuditChannel.API), item=item, note=payload.note
    )


@router.get(
    "/coaching-plans",
    response={200: PlanPage, **ERRORS},
    tags=["coaching"],
    summary="List coaching plans the caller may see",
)
def plan_list(
    request: HttpRequest, filters: Query[PlanFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    return paginate(selectors.plan_list(access.plans_visible(who), filters.status or ""), paging)


@router.get(
    "/coaching-plans/{uuid}",
    response={200: PlanDetailOut, **ERRORS},
    tags=["coaching"],
    summary="One coaching plan with its actions and milestones",
)
def plan_detail(request: HttpRequest, uuid: UUID) -> CoachingPlan:
    who = principal(request, READ)
    return get_visible(
        selectors.plan_list(access.plans_visible(who))
        .select_related("obstacle")
        .prefetch_related("actions", "milestones"),
        uuid=uuid,
    )
