"""Reads for the inbox, the badge and the settings pages: a fixed number of queries each."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from pms.comms.models import ChatRobot, Delivery, Notification


def inbox(
    notifications: QuerySet[Notification], *, unread_only: bool = False
) -> QuerySet[Notification]:
    """A person's notifications (already access-filtered): unread first, newest first."""
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    unread_first = Case(
        When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return notifications.order_by(unread_first, "-created_at", "-id")


def unread_count(notifications: QuerySet[Notification]) -> int:
    return notifications.filter(read_at__isnull=True).count()


def robot_list(robots: QuerySet[ChatRobot]) -> QuerySet[ChatRobot]:
    return robots.prefetch_related("departments").order_by("channel", "name", "id")


def recent_deliveries(limit: int = 20) -> QuerySet[Delivery]:
    """The latest deliveries by chat and e-mail, for HR to see whether sending works."""
    return Delivery.objects.select_related("robot", "notification__recipient").order_by(
        "-updated_at", "-id"
    )[:limit]
