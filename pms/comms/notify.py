"""The one way an app notifies people: inbox rows now, deliveries by e-mail and chat robots
after the caller's transaction commits, no duplicates."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction

from pms.accounts.models import User
from pms.comms.events import event_or_none
from pms.comms.models import (
    CHAT_CHANNELS,
    Channel,
    ChatRobot,
    CommsSettings,
    Delivery,
    Notification,
    NotificationPreference,
)
from pms.org.models import Employee

logger = logging.getLogger(__name__)


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    params: Mapping[str, str | int | float] | None = None,
    url: str = "",
    key: str = "",
) -> int:
    """Notify each recipient of ``event`` (registered in ``pms.comms.events``).

    ``params`` fill the event's title and body; they must never name an anonymous author.
    ``url`` is the page the message links to. ``key`` makes the call idempotent: a second
    call with the same event, recipient and key creates nothing. Deliveries are scheduled
    on commit of the caller's transaction. Returns the number of new notifications.

    Recipients who are missing, inactive or repeated are left out. A failure here is
    logged and never breaks the caller's work (it runs in its own savepoint).
    """
    try:
        with transaction.atomic():
            return _notify(
                event=event, recipients=recipients, params=params or {}, url=url, key=key
            )
    except Exception:
        logger.exception("notify %s failed", event)
        return 0


def _clean_params(params: Mapping[str, Any]) -> dict[str, str | int | float]:
    return {
        str(name): value if isinstance(value, str | int | float) else str(value)
        for name, value in params.items()
    }


def employee_of(user: User) -> Employee | None:
    try:
        return user.employee
    except ObjectDoesNotExist:
        return None


def preference_of(user: User) -> NotificationPreference | None:
    try:
        return user.notification_preference
    except ObjectDoesNotExist:
        return None


def email_address(user: User) -> str:
    if user.email:
        return user.email
    employee = employee_of(user)
    return employee.email if employee is not None else ""


def company_settings() -> CommsSettings:
    """The company's switches (defaults until HR saves them)."""
    return CommsSettings.objects.first() or CommsSettings()


def enabled_robots() -> list[ChatRobot]:
    return list(ChatRobot.objects.filter(enabled=True).prefetch_related("departments"))


def robot_for(robots: Sequence[ChatRobot], channel: str, department_path: str) -> ChatRobot | None:
    """The robot of ``channel`` serving the nearest department above the person (its own
    included); a robot without departments serves everyone, after the more specific ones."""
    best: ChatRobot | None = None
    best_depth = -1
    for robot in robots:
        if robot.channel != channel:
            continue
        departments = list(robot.departments.all())
        if not departments:
            depth = 0
        else:
            matching = [
                len(d.path)
                for d in departments
                if d.is_active and department_path and department_path.startswith(d.path)
            ]
            if not matching:
                continue
            depth = max(matching)
        if depth > best_depth:
            best, best_depth = robot, depth
    return best


def _create_notifications(rows: list[Notification]) -> list[Notification]:
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        # another process notified the same key meanwhile: keep the ones still new
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
        return created


def _notify(
    *, event: str, recipients: Iterable[User], params: Mapping[str, Any], url: str, key: str
) -> int:
    found = event_or_none(event)
    if found is None:
        logger.error("notify: unknown event %s", event)
        return 0
    ids = list(
        dict.fromkeys(
            user.pk
            for user in recipients
            if user is not None and user.pk is not None and user.is_active
        )
    )
    if not ids:
        return 0
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=ids, is_active=True).select_related(
            "employee__department", "notification_preference"
        )
    }
    key = key[:200]
    if key:
        existing = set(
            Notification.objects.filter(event=event, key=key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in existing]
    clean = _clean_params(params)
    rows = [
        Notification(recipient=users[pk], event=event, params=clean, url=url[:500], key=key)
        for pk in ids
        if pk in users
    ]
    if not rows:
        return 0
    created = _create_notifications(rows)
    deliveries = _deliveries(created, category=found.category)
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        delivery_ids = [d.pk for d in deliveries]

        def enqueue() -> None:
            from pms.comms.tasks import enqueue_deliveries

            enqueue_deliveries(delivery_ids)

        transaction.on_commit(enqueue, robust=True)
    return len(created)


def _deliveries(created: list[Notification], *, category: str) -> list[Delivery]:
    company = company_settings()
    channels = [channel for channel in Channel if company.channel_on(channel)]
    robots = enabled_robots() if any(c in CHAT_CHANNELS for c in channels) else []
    deliveries = []
    for notification in created:
        user = notification.recipient
        preference = preference_of(user)
        employee = employee_of(user)
        path = employee.department.path if employee is not None else ""
        for channel in channels:
            if preference is not None and not preference.allows(category, channel):
                continue
            if channel == Channel.EMAIL:
                if email_address(user):
                    deliveries.append(Delivery(notification=notification, channel=channel))
                continue
            robot = robot_for(robots, channel, path)
            if robot is not None:
                deliveries.append(Delivery(notification=notification, channel=channel, robot=robot))
    return deliveries
