"""A person's own notifications over JSON: list, mark one read, mark all read. Titles and
bodies come rendered in the caller's language."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from pms.comms import access, selectors, services
from pms.comms.models import Notification
from pms.core.access import NotFound
from pms.core.api import ErrorOut, PageOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel

router = Router(tags=["notifications"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NotificationOut(Schema):
    uuid: UUID
    event: str = Field(description='The event code, e.g. "goals.scorecard_submitted".')
    title: str
    body: str
    url: str = Field(description="The page the notification is about ('' when none).")
    read: bool
    read_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationPage(PageOut):
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")


class ReadAllOut(Schema):
    updated: int = Field(description="How many notifications were marked read.")


def _actor(request: HttpRequest) -> Actor:
    who = principal(request)
    return Actor(user=who.user, channel=AuditChannel.API)


def _require_inbox(request: HttpRequest) -> None:
    if not access.can_use_inbox(principal(request)):
        raise NotFound


@router.get(
    "/notifications",
    response={200: NotificationPage, **ERRORS},
    summary="My notifications, unread first",
)
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    _require_inbox(request)
    rows = selectors.inbox(
        access.notifications_visible(principal(request)), unread_only=filters.unread
    )
    return paginate(rows, paging)


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **ERRORS},
    summary="Mark all my notifications read",
)
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    _require_inbox(request)
    return {"updated": services.notifications_mark_all_read(actor=_actor(request))}


@router.post(
    "/notifications/{uuid}/read",
    response={200: NotificationOut, **ERRORS},
    summary="Mark one of my notifications read",
)
def notification_read(request: HttpRequest, uuid: UUID) -> Notification:
    notification = access.access_notification(principal(request), uuid)
    return services.notification_mark_read(actor=_actor(request), notification=notification)
