"""Check-ins (复盘会) and their action items.

    scheduled ──prepare──► prepared ──hold──► held ──close──► closed
        │                     │
        └─────────────────────┴──cancel──► cancelled

The person prepares (a note per goal with the progress shown then, their own improvement
plan) as long as the check-in is open, also after a first preparation. The manager's part
(comments on the data, observations, minutes) can be written until it closes. Who may do
what is decided by ``pms.coaching.access`` before these are called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.coaching.models import (
    ACTIVE_CHECKIN,
    OPEN_CHECKIN,
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInGoalNote,
    CheckInOrigin,
    CheckInStatus,
)
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Goal
from pms.org.models import CURRENT_STATUSES, Employee

CHECKIN_AUDIT_FIELDS = (
    "status",
    "employee",
    "manager",
    "period_start",
    "period_end",
    "due_date",
    "scheduled_at",
    "improvement_plan",
    "data_comment",
    "observation",
    "minutes",
    "held_at",
    "closed_at",
    "cancel_reason",
)
ACTION_AUDIT_FIELDS = ("title", "owner", "due_date", "status", "done_at", "note")
MAX_NOTE = 5000


def _save(
    *,
    actor: Actor,
    checkin: CheckIn,
    changes: dict[str, object],
    action: str = AuditAction.UPDATE,
    reason: str = "",
) -> CheckIn:
    before = snapshot(checkin, CHECKIN_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(checkin, name, value)
    checkin.full_clean()
    checkin.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(
        actor=actor,
        instance=checkin,
        action=action,
        before=before,
        after=snapshot(checkin, CHECKIN_AUDIT_FIELDS),
        reason=reason,
    )
    return checkin


def _require_active(checkin: CheckIn) -> None:
    if checkin.status not in ACTIVE_CHECKIN:
        raise ValidationError(
            _("This check-in is %(status)s: it can no longer change.")
            % {"status": checkin.get_status_display().lower()}
        )


def _require_open(checkin: CheckIn) -> None:
    if checkin.status not in OPEN_CHECKIN:
        raise ValidationError(
            _("This check-in is %(status)s already.")
            % {"status": checkin.get_status_display().lower()}
        )


def _long_text(value: str, field: str) -> str:
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise ValidationError(
            {field: _("Keep this under %(count)s characters.") % {"count": MAX_NOTE}}
        )
    return value


@transaction.atomic
def checkin_create(
    *,
    actor: Actor,
    employee: Employee,
    due_date: dt.date,
    period_start: dt.date | None = None,
    scheduled_at: dt.datetime | None = None,
) -> CheckIn:
    """A check-in set up by hand (the cadence makes the others in bulk), with the person's
    current manager."""
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError(_("%(name)s no longer works here.") % {"name": employee.name})
    if employee.manager_id is None:
        raise ValidationError(
            _("%(name)s has no manager to hold a check-in with.") % {"name": employee.name}
        )
    if CheckIn.objects.filter(employee=employee, due_date=due_date).exists():
        raise ValidationError(
            {
                "due_date": _("%(name)s already has a check-in due that day.")
                % {"name": employee.name}
            }
        )
    start = period_start or due_date.replace(day=1)
    if start > due_date:
        raise ValidationError({"period_start": _("The start must not be after the due date.")})
    checkin = CheckIn(
        employee=employee,
        manager_id=employee.manager_id,
        period_start=start,
        period_end=due_date,
        due_date=due_date,
        scheduled_at=scheduled_at,
        origin=CheckInOrigin.MANUAL,
        created_by=actor.user,
    )
    checkin.full_clean()
    checkin.save()
    audit_record(
        actor=actor,
        instance=checkin,
        action=AuditAction.CREATE,
        after=snapshot(checkin, CHECKIN_AUDIT_FIELDS),
    )
    return checkin


@transaction.atomic
def checkin_prepare(
    *,
    actor: Actor,
    checkin: CheckIn,
    notes: Sequence[tuple[Goal, str]],
    improvement_plan: str,
) -> CheckIn:
    """The person's preparation: a comment per goal, stored with the goal's progress as it
    stands now, and their own improvement plan."""
    _require_open(checkin)
    plan = _long_text(improvement_plan, "improvement_plan")
    existing = {n.goal_id: n for n in CheckInGoalNote.objects.filter(checkin=checkin)}
    new: list[CheckInGoalNote] = []
    changed: list[CheckInGoalNote] = []
    for goal, comment in notes:
        if goal.employee_id != checkin.employee_id:
            raise ValidationError(_("“%(goal)s” is not a goal of this person.") % {"goal": goal})
        text = _long_text(comment, "notes")
        note = existing.get(goal.pk)
        if note is None:
            new.append(
                CheckInGoalNote(
                    checkin=checkin,
                    goal=goal,
                    goal_title=goal.title[:300],
                    progress=goal.progress,
                    comment=text,
                )
            )
        else:
            note.comment = text
            note.progress = goal.progress
            note.goal_title = goal.title[:300]
            changed.append(note)
    CheckInGoalNote.objects.bulk_create(new)
    if changed:
        CheckInGoalNote.objects.bulk_update(
            changed, ["comment", "progress", "goal_title", "updated_at"]
        )
    return _save(
        actor=actor,
        checkin=checkin,
        changes={
            "improvement_plan": plan,
            "status": CheckInStatus.PREPARED,
            "prepared_at": timezone.now(),
        },
        action=AuditAction.SUBMIT,
    )


@transaction.atomic
def checkin_manager_update(
    *,
    actor: Actor,
    checkin: CheckIn,
    data_comment: str,
    observation: str,
    minutes: str,
    scheduled_at: dt.datetime | None,
) -> CheckIn:
    """The manager's part: comments based on data and on observation, the minutes and the
    meeting time."""
    _require_active(checkin)
    return _save(
        actor=actor,
        checkin=checkin,
        changes={
            "data_comment": _long_text(data_comment, "data_comment"),
            "observation": _long_text(observation, "observation"),
            "minutes": _long_text(minutes, "minutes"),
            "scheduled_at": scheduled_at,
        },
    )


@transaction.atomic
def checkin_hold(*, actor: Actor, checkin: CheckIn, held_at: dt.datetime | None = None) -> CheckIn:
    """Record that the meeting took place."""
    _require_open(checkin)
    when = held_at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"held_at": _("A meeting cannot be recorded before it happens.")})
    return _save(
        actor=actor, checkin=checkin, changes={"status": CheckInStatus.HELD, "held_at": when}
    )


@transaction.atomic
def checkin_close(*, actor: Actor, checkin: CheckIn) -> CheckIn:
    """Close a held check-in; open action items stay open and are followed on their own."""
    if checkin.status != CheckInStatus.HELD:
        raise ValidationError(_("Only a check-in that was held can be closed."))
    return _save(
        actor=actor,
        checkin=checkin,
        changes={"status": CheckInStatus.CLOSED, "closed_at": timezone.now()},
        action=AuditAction.CLOSE,
    )


@transaction.atomic
def checkin_cancel(*, actor: Actor, checkin: CheckIn, reason: str) -> CheckIn:
    _require_open(checkin)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the check-in is cancelled.")})
    return _save(
        actor=actor,
        checkin=checkin,
        changes={
            "status": CheckInStatus.CANCELLED,
            "cancel_reason": _long_text(reason, "reason"),
        },
        action=AuditAction.CLOSE,
        reason=reason.strip(),
    )


# --- action items --------------------------------------------------------------------------


def _save_item(
    *,
    actor: Actor,
    item: ActionItem,
    changes: dict[str, object],
    action: str,
    reason: str = "",
) -> ActionItem:
    before = snapshot(item, ACTION_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean()
    item.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(
        actor=actor,
        instance=item,
        action=action,
        before=before,
        after=snapshot(item, ACTION_AUDIT_FIELDS),
        reason=reason,
    )
    return item


@transaction.atomic
def action_item_add(
    *, actor: Actor, checkin: CheckIn, title: str, owner: Employee, due_date: dt.date
) -> ActionItem:
    _require_active(checkin)
    if not title.strip():
        raise ValidationError({"title": _("Say what is to be done.")})
    if owner.status not in CURRENT_STATUSES:
        raise ValidationError({"owner": _("%(name)s no longer works here.") % {"name": owner.name}})
    if due_date < checkin.period_start:
        raise ValidationError({"due_date": _("The due date lies before the check-in's period.")})
    item = ActionItem(checkin=checkin, title=title.strip(), owner=owner, due_date=due_date)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        instance=item,
        action=AuditAction.CREATE,
        after=snapshot(item, ACTION_AUDIT_FIELDS),
    )
    return item


def _require_open_item(item: ActionItem) -> None:
    if item.status != ActionStatus.OPEN:
        raise ValidationError(
            _("This action item is %(status)s already.")
            % {"status": item.get_status_display().lower()}
        )


@transaction.atomic
def action_item_complete(*, actor: Actor, item: ActionItem, note: str = "") -> ActionItem:
    _require_open_item(item)
    return _save_item(
        actor=actor,
        item=item,
        changes={
            "status": ActionStatus.DONE,
            "done_at": timezone.now(),
            "note": _long_text(note, "note") or item.note,
        },
        action=AuditAction.CLOSE,
    )


@transaction.atomic
def action_item_drop(*, actor: Actor, item: ActionItem, note: str) -> ActionItem:
    _require_open_item(item)
    if not note.strip():
        raise ValidationError({"note": _("Say why the action is dropped.")})
    return _save_item(
        actor=actor,
        item=item,
        changes={"status": ActionStatus.DROPPED, "note": _long_text(note, "note")},
        action=AuditAction.WITHDRAW,
        reason=note.strip(),
    )
