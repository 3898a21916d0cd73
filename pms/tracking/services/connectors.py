"""Setting up data connectors (数据接口): the export address, its credential, the field
mapping and the schedule. Who may do this is decided by ``pms.tracking.access``
first.

The address and the header's value are credentials (an address often carries a key): the
audit log records only that they changed, never their text.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.tracking.connector_feed import FIELDS, Source
from pms.tracking.models import Connector, ConnectorSchedule

AUDIT_FIELDS = (
    "name",
    "format",
    "auth_header",
    "items_path",
    "mapping",
    "schedule",
    "every",
    "daily_at",
    "enabled",
)
CHANGEABLE = frozenset({*AUDIT_FIELDS, "url", "auth_secret"})
_SCHEDULE_FIELDS = frozenset({"schedule", "every", "daily_at", "enabled"})
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_MAX_SOURCE_NAME = 100
# the most a "minutes" or "hours" schedule may wait between runs
_MAX_EVERY: dict[str, int] = {ConnectorSchedule.MINUTES: 1440, ConnectorSchedule.HOURS: 168}


def source_of(connector: Connector) -> Source:
    return Source(
        url=connector.url,
        format=connector.format,
        auth_header=connector.auth_header,
        auth_secret=connector.auth_secret,
        items_path=connector.items_path,
        mapping=connector.mapping or {},
    )


def next_due(connector: Connector, after: dt.datetime) -> dt.datetime:
    """When the connector runs next after ``after`` (daily runs at the local time)."""
    if connector.schedule == ConnectorSchedule.MINUTES:
        return after + dt.timedelta(minutes=connector.every)
    if connector.schedule == ConnectorSchedule.HOURS:
        return after + dt.timedelta(hours=connector.every)
    local = timezone.localtime(after)
    candidate = timezone.make_aware(dt.datetime.combine(local.date(), connector.daily_at))
    if candidate <= after:
        candidate = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), connector.daily_at)
        )
    return candidate


def first_due(connector: Connector, now: dt.datetime) -> dt.datetime:
    """A new or rescheduled connector: interval schedules run at the next tick, daily ones
    at their time."""
    if connector.schedule == ConnectorSchedule.DAILY:
        return next_due(connector, now)
    return now


def _check(connector: Connector) -> None:
    errors: dict[str, list[str]] = {}
    connector.name = connector.name.strip()
    connector.url = connector.url.strip()
    connector.auth_header = connector.auth_header.strip()
    connector.items_path = connector.items_path.strip()
    parts = urllib.parse.urlsplit(connector.url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        errors["url"] = [_("The export address must start with http:// or https://.")]
    elif any(c.isspace() for c in connector.url):
        errors["url"] = [_("The export address must not contain spaces.")]
    if connector.auth_header and not _HEADER_NAME.match(connector.auth_header):
        errors["auth_header"] = [_("Not a header name: letters, digits and dashes only.")]
    if connector.auth_secret and any(ord(c) < 32 or ord(c) == 127 for c in connector.auth_secret):
        errors["auth_secret"] = [_("The header value must be on one line.")]
    if connector.auth_secret and not connector.auth_header:
        errors["auth_header"] = [_("Name the header the value is sent in.")]
    mapping = connector.mapping if isinstance(connector.mapping, dict) else None
    if mapping is None or set(mapping) - set(FIELDS):
        errors["mapping"] = [_("Unknown field in the mapping.")]
    else:
        cleaned = {k: str(v).strip() for k, v in mapping.items() if str(v or "").strip()}
        if any(len(v) > _MAX_SOURCE_NAME for v in cleaned.values()):
            errors["mapping"] = [
                _("Too long: at most %(max)d characters.") % {"max": _MAX_SOURCE_NAME}
            ]
        connector.mapping = {k: cleaned[k] for k in FIELDS if k in cleaned and cleaned[k] != k}
    limit = _MAX_EVERY.get(connector.schedule)
    if limit is not None and not 1 <= connector.every <= limit:
        errors["every"] = [_("Give a whole number from 1 to %(max)d.") % {"max": limit}]
    if connector.schedule == ConnectorSchedule.DAILY:
        connector.every = 1
    try:
        connector.full_clean(exclude=[*errors, "last_run"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _audit(connector: Connector) -> dict[str, Any]:
    data = snapshot(connector, [f for f in AUDIT_FIELDS if f != "daily_at"])
    data["daily_at"] = connector.daily_at.strftime("%H:%M")
    data["secret"] = bool(connector.auth_secret)
    return data


def connector_create(
    *,
    actor: Actor,
    name: str,
    url: str,
    format: str = "json",
    auth_header: str = "",
    auth_secret: str = "",
    items_path: str = "",
    mapping: Mapping[str, str] | None = None,
    schedule: str = ConnectorSchedule.DAILY,
    every: int = 1,
    daily_at: dt.time = dt.time(2, 0),
    enabled: bool = True,
) -> Connector:
    connector = Connector(
        name=name,
        url=url,
        format=format,
        auth_header=auth_header,
        auth_secret=auth_secret.strip(),
        items_path=items_path,
        mapping=dict(mapping or {}),
        schedule=schedule,
        every=every,
        daily_at=daily_at,
        enabled=enabled,
        created_by=actor.user,
    )
    _check(connector)
    connector.next_run_at = first_due(connector, timezone.now())
    with transaction.atomic():
        connector.save()
        audit_record(
            actor=actor, instance=connector, action=AuditAction.CREATE, after=_audit(connector)
        )
    return connector


def connector_update(
    *,
    actor: Actor,
    connector: Connector,
    changes: Mapping[str, Any],
    clear_secret: bool = False,
) -> Connector:
    """Change a connector; a blank ``auth_secret`` keeps the current one, unless
    ``clear_secret`` removes it."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValidationError(_("Unknown setting."))
    before = _audit(connector)
    credentials_before = (connector.url, connector.auth_secret)
    fields: set[str] = set()
    for name, value in changes.items():
        if name == "auth_secret" and not value:
            continue
        if name == "mapping":
            connector.mapping = dict(value or {})
        else:
            setattr(connector, name, value.strip() if isinstance(value, str) else value)
        fields.add(name)
    if clear_secret and not changes.get("auth_secret"):
        connector.auth_secret = ""
        fields.add("auth_secret")
    _check(connector)
    if fields & _SCHEDULE_FIELDS:
        connector.next_run_at = first_due(connector, timezone.now())
        fields.add("next_run_at")
    after = _audit(connector)
    if (connector.url, connector.auth_secret) != credentials_before:
        after["credentials"] = "changed"
    with transaction.atomic():
        connector.save(update_fields=[*sorted(fields | {"every", "mapping"}), "updated_at"])
        if before != after:
            audit_record(
                actor=actor,
                instance=connector,
                action=AuditAction.UPDATE,
                before=before,
                after=after,
            )
    return connector
