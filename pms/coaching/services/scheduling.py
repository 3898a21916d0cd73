"""The periodic work of the coaching app, registered in ``CoachingConfig.ready``:

- ``coaching.schedule_checkins`` (daily) makes sure every current employee with a manager
  has a check-in for the cadence window containing today, with the manager they have then.
  People are read once (ids only), existing check-ins of the windows' due dates once, and
  the missing ones inserted in batches with ``ignore_conflicts`` on the unique (employee,
  due date): a second run, or one racing the first, creates nothing.
- ``coaching.due_reminders`` (daily) tells the person and the manager once that a check-in
  is due soon, and an action item's owner once that it is due; ``reminded_at`` marks what
  was told, and the notification key keeps a repeated call from notifying twice.

HR's "schedule now" calls the same function as the job.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pms.coaching.cadence import Window, window_containing
from pms.coaching.events import ACTION_DUE, CHECKIN_DUE
from pms.coaching.models import (
    FREQUENCY_MONTHS,
    OPEN_CHECKIN,
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInOrigin,
    Frequency,
)
from pms.coaching.services.cadence import effective_rules
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_bulk
from pms.core.models import AuditAction, AuditEntry
from pms.org.models import CURRENT_STATUSES, Employee

BATCH = 2000
CHECKIN_REMIND_DAYS = 3  # tell people this many days before a check-in is due
ACTION_REMIND_DAYS = 1
REMIND_LOOKBACK_DAYS = 14  # overdue but never told (the scheduler was down): still tell


def _windows(today: dt.date) -> dict[str, Window]:
    return {f: window_containing(today, FREQUENCY_MONTHS[Frequency(f)]) for f in Frequency.values}


def _insert(batch: list[CheckIn], actor: Actor, label: str) -> int:
    """Insert a batch (conflicts skipped) and audit the rows that were really inserted."""
    CheckIn.objects.bulk_create(batch, ignore_conflicts=True)
    inserted = CheckIn.objects.filter(uuid__in=[c.uuid for c in batch]).values_list(
        "pk", "employee__name", "due_date", "period_start", "manager__name"
    )
    entries = [
        AuditEntry(
            actor=actor.user,
            actor_label=actor.label[:200],
            channel=actor.channel,
            object_type=CheckIn._meta.label_lower,
            object_id=str(pk),
            object_repr=f"{name} · {due:%Y-%m-%d}"[:300],
            action=AuditAction.CREATE,
            after={
                "status": "scheduled",
                "due_date": due.isoformat(),
                "period_start": start.isoformat(),
                "manager": manager_name,
            },
            batch=label,
        )
        for pk, name, due, start, manager_name in inserted
    ]
    audit_bulk(entries)
    return len(entries)


def schedule_checkins(now: dt.datetime, *, actor: Actor | None = None) -> int:
    """Create the check-ins of the current windows that do not exist yet; returns how many
    were created. Queries: a handful plus three per batch of new check-ins."""
    actor = actor or Actor.system()
    today = timezone.localdate(now)
    rules = effective_rules()
    windows = _windows(today)
    due_dates = {w.due_date for w in windows.values()}
    existing = set(
        CheckIn.objects.filter(due_date__in=due_dates).values_list("employee_id", "due_date")
    )
    people = (
        Employee.objects.filter(status__in=CURRENT_STATUSES, manager__isnull=False)
        .values_list("id", "manager_id", "position__role_family_id")
        .order_by("id")
    )
    label = f"schedule:{today.isoformat()}:{uuid.uuid4().hex[:8]}"
    created = 0
    batch: list[CheckIn] = []
    with transaction.atomic():
        for person_id, manager_id, family_id in people.iterator(chunk_size=BATCH):
            rule = rules.for_family(family_id)
            if not rule.enabled:
                continue
            window = windows[rule.frequency]
            if (person_id, window.due_date) in existing:
                continue
            batch.append(
                CheckIn(
                    employee_id=person_id,
                    manager_id=manager_id,
                    period_start=window.start,
                    period_end=window.end,
                    due_date=window.due_date,
                    origin=CheckInOrigin.SCHEDULE,
                )
            )
            if len(batch) >= BATCH:
                created += _insert(batch, actor, label)
                batch = []
        if batch:
            created += _insert(batch, actor, label)
    return created


def run_schedule(now: dt.datetime) -> int:
    return schedule_checkins(now)


# --- reminders -----------------------------------------------------------------------------


def _remind_checkins(now: dt.datetime, today: dt.date) -> int:
    due = (
        CheckIn.objects.filter(
            status__in=OPEN_CHECKIN,
            reminded_at__isnull=True,
            due_date__lte=today + dt.timedelta(days=CHECKIN_REMIND_DAYS),
            due_date__gte=today - dt.timedelta(days=REMIND_LOOKBACK_DAYS),
        )
        .select_related("employee__user", "manager__user")
        .order_by("id")
    )
    count = 0
    while True:
        chunk = list(due[:BATCH])
        if not chunk:
            return count
        with transaction.atomic():
            for checkin in chunk:
                people = [checkin.employee, checkin.manager]
                recipients = [p.user for p in people if p is not None and p.user is not None]
                notify(
                    event=CHECKIN_DUE,
                    recipients=recipients,
                    params={"name": checkin.employee.name, "due": checkin.due_date.isoformat()},
                    url=reverse("coaching:checkin", args=[checkin.uuid]),
                    key=f"checkin-due:{checkin.uuid}",
                )
            CheckIn.objects.filter(pk__in=[c.pk for c in chunk]).update(reminded_at=now)
        count += len(chunk)


def _remind_actions(now: dt.datetime, today: dt.date) -> int:
    due = (
        ActionItem.objects.filter(
            status=ActionStatus.OPEN,
            reminded_at__isnull=True,
            due_date__lte=today + dt.timedelta(days=ACTION_REMIND_DAYS),
            due_date__gte=today - dt.timedelta(days=REMIND_LOOKBACK_DAYS),
        )
        .select_related("owner__user")
        .order_by("id")
    )
    count = 0
    while True:
        chunk = list(due[:BATCH])
        if not chunk:
            return count
        with transaction.atomic():
            for item in chunk:
                user = item.owner.user
                notify(
                    event=ACTION_DUE,
                    recipients=[user] if user is not None else [],
                    params={"title": item.title, "due": item.due_date.isoformat()},
                    url=reverse("coaching:actions"),
                    key=f"action-due:{item.uuid}",
                )
            ActionItem.objects.filter(pk__in=[i.pk for i in chunk]).update(reminded_at=now)
        count += len(chunk)


def due_reminders(now: dt.datetime) -> int:
    """Notify what falls due soon; returns how many check-ins and action items were told."""
    today = timezone.localdate(now)
    return _remind_checkins(now, today) + _remind_actions(now, today)
