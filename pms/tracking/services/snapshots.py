"""Snapshots (快照): the values a review used, frozen when its phase locks.

Versions are never changed or deleted, so a snapshot needs only its moment: the values in
force at ``taken_at`` are the versions created by then and not yet replaced. A correction
made afterwards is a new version, shown as changed after the snapshot and audited; the
review keeps reading the snapshot until it is recomputed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Period
from pms.tracking.models import Actual, ActualSnapshot


def in_force_at(when: dt.datetime) -> Q:
    """Versions that were current at ``when``."""
    return Q(created_at__lte=when) & (Q(replaced_at__isnull=True) | Q(replaced_at__gt=when))


def snapshot_values(snap: ActualSnapshot) -> QuerySet[Actual]:
    """The values frozen by this snapshot: in force at its moment, within its period."""
    return Actual.objects.filter(
        in_force_at(snap.taken_at), start__gte=snap.period.start, end__lte=snap.period.end
    )


def snapshot_take(*, actor: Actor, period: Period, name: str, reason: str = "") -> ActualSnapshot:
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the snapshot a name.")]})
    with transaction.atomic():
        snap = ActualSnapshot(
            period=period,
            name=name,
            taken_at=timezone.now(),
            taken_by=actor.user,
            reason=reason.strip(),
        )
        snap.values = Actual.objects.filter(
            is_current=True, start__gte=period.start, end__lte=period.end
        ).count()
        snap.full_clean()
        snap.save()
        audit_record(
            actor=actor,
            instance=snap,
            action=AuditAction.CREATE,
            after=snapshot(snap, ["period", "name", "taken_at", "values"]),
            reason=snap.reason,
        )
    return snap
