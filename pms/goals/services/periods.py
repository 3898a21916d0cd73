"""Periods goals are set for: created, changed and moved through their stages by HR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Period

PERIOD_AUDIT_FIELDS = ("name", "kind", "start", "end", "parent", "status", "adjustment_limit")


def _check(period: Period) -> None:
    if period.start > period.end:
        raise ValidationError({"end": _("The end must not be before the start.")})
    parent = period.parent
    if parent is not None and (period.start < parent.start or period.end > parent.end):
        raise ValidationError({"parent": _("A period must lie within the period it belongs to.")})
    others = Period.objects.filter(name=period.name)
    if period.pk is not None:
        others = others.exclude(pk=period.pk)
    if others.exists():
        raise ValidationError({"name": _("A period with this name exists already.")})


@transaction.atomic
def period_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    parent: Period | None = None,
    adjustment_limit: Decimal = Decimal(15),
) -> Period:
    period = Period(
        name=name.strip(),
        kind=kind,
        start=start,
        end=end,
        parent=parent,
        adjustment_limit=adjustment_limit,
    )
    _check(period)
    period.full_clean()
    period.save()
    audit_record(
        actor=actor,
        instance=period,
        action=AuditAction.CREATE,
        after=snapshot(period, PERIOD_AUDIT_FIELDS),
    )
    return period


@transaction.atomic
def period_update(
    *, actor: Actor, period: Period, changes: dict[str, Any], reason: str = ""
) -> Period:
    """Rename, re-date, change the stage or the flexibility limit."""
    allowed = {"name", "kind", "start", "end", "parent", "status", "adjustment_limit"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    before = snapshot(period, PERIOD_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(period, name, value.strip() if isinstance(value, str) and name == "name" else value)
    if period.parent_id is not None and period.parent_id == period.pk:
        raise ValidationError({"parent": _("A period cannot lie within itself.")})
    _check(period)
    period.full_clean()
    after = snapshot(period, PERIOD_AUDIT_FIELDS)
    changed = [name for name in PERIOD_AUDIT_FIELDS if before[name] != after[name]]
    if not changed:
        return period
    period.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        instance=period,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return period
