"""The one audit mechanism every service uses.

A service describes the object before and after the change as plain JSON values
(``snapshot``) and calls ``audit_record`` inside its transaction. Bulk work (imports)
collects entries and writes them with ``audit_bulk``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from pms.core.models import AuditAction, AuditChannel, AuditEntry

if TYPE_CHECKING:
    from pms.accounts.models import User


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and through which channel (page, API, import, command)."""

    user: User | None
    channel: str = AuditChannel.WEB

    @property
    def label(self) -> str:
        if self.user is None:
            return "system"
        return self.user.display_name

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, channel=AuditChannel.SYSTEM)


def _json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


json_value = _json_value  # for other modules that store values the audit way


def snapshot(instance: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    """The audited fields of an instance as JSON values; foreign keys by their text."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        data[name] = _json_value(value)
    return data


def build_entry(
    *,
    actor: Actor,
    instance: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    batch: str = "",
) -> AuditEntry:
    return AuditEntry(
        actor=actor.user,
        actor_label=actor.label[:200],
        channel=actor.channel,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        action=action,
        before=before,
        after=after,
        reason=reason,
        batch=batch,
    )


def audit_record(
    *,
    actor: Actor,
    instance: models.Model,
    action: str = AuditAction.UPDATE,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    batch: str = "",
) -> AuditEntry:
    entry = build_entry(
        actor=actor,
        instance=instance,
        action=action,
        before=before,
        after=after,
        reason=reason,
        batch=batch,
    )
    entry.save()
    return entry


def audit_bulk(entries: Iterable[AuditEntry], *, batch_size: int = 1000) -> None:
    AuditEntry.objects.bulk_create(list(entries), batch_size=batch_size)
