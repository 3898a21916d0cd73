"""Writes for notifications: reading them, a person's settings, the company's switches and
the chat robots. Who may call these is decided by ``pms.comms.access`` first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms import robots
from pms.comms.events import categories
from pms.comms.models import (
    Channel,
    ChatRobot,
    CommsSettings,
    Notification,
    NotificationPreference,
    RobotChannel,
)
from pms.comms.rendering import in_language
from pms.comms.sending import absolute_link
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import Department

# Reading a notification changes only the reader's own inbox: no audit entry (it would
# double the audit log for nothing anyone needs to trace).


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Actor) -> int:
    if actor.user is None:
        return 0
    now = timezone.now()
    return Notification.objects.filter(recipient=actor.user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


# --- a person's settings -------------------------------------------------------------------

PREFERENCE_AUDIT_FIELDS = ("disabled", "language")


def preference_for(user: User) -> NotificationPreference:
    """The person's settings, or the defaults (unsaved) when they have none yet."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found if found is not None else NotificationPreference(user=user)


@transaction.atomic
def preference_update(
    *, actor: Actor, user: User, disabled: Iterable[str], language: str
) -> NotificationPreference:
    """Save which "category:channel" pairs are off and the language of messages."""
    known = {f"{code}:{channel}" for code, _label in categories() for channel in Channel.values}
    pairs = sorted(set(disabled))
    unknown = [pair for pair in pairs if pair not in known]
    if unknown:
        raise ValidationError({"disabled": _("Unknown category or channel.")})
    if language and language not in {code for code, _label in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user
    )
    before = snapshot(preference, PREFERENCE_AUDIT_FIELDS)
    preference.disabled = pairs
    preference.language = language
    preference.full_clean()
    preference.save(update_fields=["disabled", "language", "updated_at"])
    after = snapshot(preference, PREFERENCE_AUDIT_FIELDS)
    if before != after:
        audit_record(
            actor=actor, instance=preference, action=AuditAction.UPDATE, before=before, after=after
        )
    return preference


# --- the company's switches ----------------------------------------------------------------

SETTINGS_FIELDS = (
    "email_enabled",
    "dingtalk_enabled",
    "wecom_enabled",
    "feishu_enabled",
    "site_url",
)


@transaction.atomic
def comms_settings_update(*, actor: Actor, changes: Mapping[str, Any]) -> CommsSettings:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown setting."))
    current, _created = CommsSettings.objects.select_for_update().get_or_create(singleton=1)
    before = snapshot(current, SETTINGS_FIELDS)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=[*changes, "updated_at"])
    after = snapshot(current, SETTINGS_FIELDS)
    if before != after:
        audit_record(
            actor=actor,
            instance=current,
            action=AuditAction.UPDATE,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return current


# --- chat robots ---------------------------------------------------------------------------

# the address and the secret are credentials: the audit log records only that they changed
ROBOT_AUDIT_FIELDS = ("channel", "name", "enabled")


def _robot_audit(robot: ChatRobot, departments: Iterable[Department]) -> dict[str, Any]:
    return {
        **snapshot(robot, ROBOT_AUDIT_FIELDS),
        "departments": sorted(d.code for d in departments),
    }


def _check_robot(robot: ChatRobot) -> None:
    if robot.channel == RobotChannel.WECOM and "key=" not in robot.webhook_url:
        raise ValidationError(
            {"webhook_url": _("A WeCom robot's address carries its key: …/webhook/send?key=…")}
        )
    robot.full_clean()


@transaction.atomic
def robot_create(
    *,
    actor: Actor,
    channel: str,
    name: str,
    webhook_url: str,
    secret: str = "",
    enabled: bool = True,
    departments: Iterable[Department] = (),
) -> ChatRobot:
    robot = ChatRobot(
        channel=channel,
        name=name.strip(),
        webhook_url=webhook_url.strip(),
        secret=secret.strip(),
        enabled=enabled,
    )
    _check_robot(robot)
    robot.save()
    served = list(departments)
    robot.departments.set(served)
    audit_record(
        actor=actor,
        instance=robot,
        action=AuditAction.CREATE,
        after=_robot_audit(robot, served),
    )
    return robot


ROBOT_CHANGEABLE = frozenset({"channel", "name", "webhook_url", "secret", "enabled"})


@transaction.atomic
def robot_update(
    *,
    actor: Actor,
    robot: ChatRobot,
    changes: Mapping[str, Any],
    departments: Iterable[Department] | None = None,
) -> ChatRobot:
    """Change a robot; a blank ``secret`` in ``changes`` keeps the current one."""
    unknown = set(changes) - ROBOT_CHANGEABLE
    if unknown:
        raise ValidationError(_("Unknown setting."))
    old_departments = list(robot.departments.all())
    before = _robot_audit(robot, old_departments)
    credentials_before = (robot.webhook_url, robot.secret)
    fields = []
    for name, value in changes.items():
        if name == "secret" and not value:
            continue
        setattr(robot, name, value.strip() if isinstance(value, str) else value)
        fields.append(name)
    _check_robot(robot)
    robot.save(update_fields=[*fields, "updated_at"])
    served = old_departments
    if departments is not None:
        served = list(departments)
        robot.departments.set(served)
    after = _robot_audit(robot, served)
    if (robot.webhook_url, robot.secret) != credentials_before:
        after["credentials"] = "changed"
    if before != after:
        audit_record(
            actor=actor, instance=robot, action=AuditAction.UPDATE, before=before, after=after
        )
    return robot


@transaction.atomic
def robot_delete(*, actor: Actor, robot: ChatRobot) -> None:
    before = _robot_audit(robot, robot.departments.all())
    audit_record(actor=actor, instance=robot, action=AuditAction.DELETE, before=before)
    robot.delete()


def robot_send_test(*, actor: Actor, robot: ChatRobot) -> None:
    """Post a test message through the robot now (not queued: HR waits for the answer).
    Raises ``ValidationError`` with the platform's or the network's answer."""
    user = actor.user
    language = ""
    if user is not None:
        found = NotificationPreference.objects.filter(user=user).first()
        language = found.language if found is not None else ""
    site = CommsSettings.objects.first()
    link = absolute_link("/notifications/", site.site_url if site is not None else "")
    with in_language(language):
        message = robots.Message(
            title=_("Test message from Jixiao"),
            body=_("If you can read this, the robot %(name)s works.") % {"name": robot.name},
            link=link if "://" in link else "",
            link_text=_("Open"),
        )
        try:
            robots.send(robot.channel, robot.webhook_url, robot.secret, message)
        except robots.SendError as exc:
            raise ValidationError(
                _("The test message was not delivered: %(error)s") % {"error": exc.message}
            ) from exc
