"""The one way an app notifies people: inbox rows now, deliveries by e-mail and chat robots
after the caller's transaction commits, no duplicates."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Recipient:
    """What deciding a person's deliveries reads (as ``email_address``, ``preference_of``
    and the department ``robot_for`` looks at), loaded for a whole call in one query."""

    email: str
    department_path: str
    preference: NotificationPreference | None


def _recipients(ids: Sequence[int]) -> dict[int, _Recipient]:
    rows = User.objects.filter(pk__in=ids, is_active=True).values_list(
        "pk",
        "email",
        "employee__email",
        "employee__department__path",
        "notification_preference__disabled",
    )
    return {
        pk: _Recipient(
            email=email or employee_email or "",
            department_path=path or "",
            preference=NotificationPreference(disabled=disabled) if disabled is not None else None,
        )
        for pk, email, employee_email, path, disabled in rows
    }


def _notify(
    *, event: str, recipients: Iterable[User], params: Mapping[str, Any], url: str, key: str
) -> int:
    """A fixed number of queries whatever the number of recipients: the keys already
    used, the recipients with their preferences and departments, the company's settings
    and robots, and the bulk inserts."""
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
    key = key[:200]
    if key:
        existing = set(
            Notification.objects.filter(event=event, key=key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in existing]
        if not ids:
            return 0
    people = _recipients(ids)
    clean = _clean_params(params)
    link = url[:500]
    rows = [
        Notification(recipient_id=pk, event=event, params=clean, url=link, key=key)
        for pk in ids
        if pk in people
    ]
    if not rows:
        return 0
    created = _create_notifications(rows)
    deliveries = _deliveries(created, people=people, category=found.category)
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        delivery_ids = [d.pk for d in deliveries]

        def enqueue() -> None:
            from pms.comms.tasks import enqueue_deliveries

            enqueue_deliveries(delivery_ids)

        transaction.on_commit(enqueue, robust=True)
    return len(created)


def _deliveries(
    created: list[Notification], *, people: Mapping[int, _Recipient], category: str
) -> list[Delivery]:
    """One delivery per channel the company and the recipient keep on: e-mail when they
    have an address, a chat platform when a robot serves their department."""
    company = company_settings()
    channels = [channel for channel in Channel if company.channel_on(channel)]
    robots = enabled_robots() if any(c in CHAT_CHANNELS for c in channels) else []
    # people of one department share their robots: found once per department and channel
    serving: dict[tuple[str, str], ChatRobot | None] = {}
    deliveries = []
    for notification in created:
        person = people[notification.recipient_id]
        preference = person.preference
        for channel in channels:
            if preference is not None and not preference.allows(category, channel):
                continue
            if channel == Channel.EMAIL:
                if person.email:
                    deliveries.append(Delivery(notification_id=notification.pk, channel=channel))
                continue
            path = person.department_path
            if (channel, path) not in serving:
                serving[(channel, path)] = robot_for(robots, channel, path)
            robot = serving[(channel, path)]
            if robot is not None:
                deliveries.append(
                    Delivery(notification_id=notification.pk, channel=channel, robot_id=robot.pk)
                )
    return deliveries
