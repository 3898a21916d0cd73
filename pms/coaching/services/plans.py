"""Coaching plans (绩效辅导): for an internal obstacle or on their own. A plan names the
skill to acquire, the actions (mentor, course, practice) and dated milestones, gathers
follow-up notes and is closed with an outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.coaching.models import (
    CoachingAction,
    CoachingActionKind,
    CoachingNote,
    CoachingPlan,
    Milestone,
    Obstacle,
    ObstacleKind,
    PlanOutcome,
    PlanStatus,
)
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import CURRENT_STATUSES, Employee

PLAN_AUDIT_FIELDS = (
    "employee",
    "coach",
    "target_skill",
    "status",
    "outcome",
    "outcome_note",
    "closed_at",
)


def _require_open(plan: CoachingPlan) -> None:
    if plan.status != PlanStatus.OPEN:
        raise ValidationError(_("This coaching plan is closed."))


def _action(plan: CoachingPlan, kind: str, description: str) -> CoachingAction:
    if kind not in CoachingActionKind.values:
        raise ValidationError({"kind": _("Choose what kind of action this is.")})
    if not description.strip():
        raise ValidationError({"description": _("Describe the action.")})
    action = CoachingAction(plan=plan, kind=kind, description=description.strip())
    action.full_clean()
    return action


def _milestone(plan: CoachingPlan, title: str, due_date: dt.date) -> Milestone:
    if not title.strip():
        raise ValidationError({"title": _("Name the milestone.")})
    milestone = Milestone(plan=plan, title=title.strip(), due_date=due_date)
    milestone.full_clean()
    return milestone


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    employee: Employee,
    coach: Employee,
    target_skill: str,
    obstacle: Obstacle | None = None,
    actions: Sequence[tuple[str, str]] = (),
    milestones: Sequence[tuple[str, dt.date]] = (),
) -> CoachingPlan:
    """A plan for ``employee`` with ``coach`` (the manager or a mentor); from an internal
    obstacle of one of the person's check-ins, or on its own."""
    if not target_skill.strip():
        raise ValidationError({"target_skill": _("Name the skill to acquire.")})
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError(_("%(name)s no longer works here.") % {"name": employee.name})
    if coach.status not in CURRENT_STATUSES:
        raise ValidationError({"coach": _("%(name)s no longer works here.") % {"name": coach.name}})
    if coach.pk == employee.pk:
        raise ValidationError({"coach": _("Nobody coaches themself.")})
    if obstacle is not None:
        if obstacle.kind != ObstacleKind.INTERNAL:
            raise ValidationError(_("A coaching plan answers an internal obstacle."))
        if obstacle.checkin.employee_id != employee.pk:
            raise ValidationError(_("This obstacle is another person's."))
        if CoachingPlan.objects.filter(obstacle=obstacle).exists():
            raise ValidationError(_("This obstacle has a coaching plan already."))
    plan = CoachingPlan(
        employee=employee,
        coach=coach,
        target_skill=target_skill.strip(),
        obstacle=obstacle,
        created_by=actor.user,
    )
    plan.full_clean()
    plan.save()
    CoachingAction.objects.bulk_create([_action(plan, k, d) for k, d in actions])
    Milestone.objects.bulk_create([_milestone(plan, t, d) for t, d in milestones])
    audit_record(
        actor=actor,
        instance=plan,
        action=AuditAction.CREATE,
        after={
            **snapshot(plan, PLAN_AUDIT_FIELDS),
            "actions": [d for _k, d in actions],
            "milestones": [f"{t} ({d:%Y-%m-%d})" for t, d in milestones],
        },
    )
    return plan


@transaction.atomic
def plan_action_add(
    *, actor: Actor, plan: CoachingPlan, kind: str, description: str
) -> CoachingAction:
    _require_open(plan)
    action = _action(plan, kind, description)
    action.save()
    audit_record(
        actor=actor,
        instance=plan,
        after={"action": f"{action.get_kind_display()}: {action.description}"},
    )
    return action


@transaction.atomic
def milestone_add(*, actor: Actor, plan: CoachingPlan, title: str, due_date: dt.date) -> Milestone:
    _require_open(plan)
    milestone = _milestone(plan, title, due_date)
    milestone.save()
    audit_record(
        actor=actor,
        instance=milestone,
        action=AuditAction.CREATE,
        after=snapshot(milestone, ("title", "due_date", "done_at")),
    )
    return milestone


@transaction.atomic
def milestone_tick(*, actor: Actor, milestone: Milestone, done: bool) -> Milestone:
    """Mark a milestone reached (or not reached after all)."""
    _require_open(milestone.plan)
    if done == milestone.is_done:
        return milestone
    before = snapshot(milestone, ("done_at",))
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=milestone,
        before=before,
        after=snapshot(milestone, ("done_at",)),
    )
    return milestone


@transaction.atomic
def plan_note_add(*, actor: Actor, plan: CoachingPlan, body: str) -> CoachingNote:
    _require_open(plan)
    if actor.user is None:
        raise ValidationError(_("A note is written by a person."))
    if not body.strip():
        raise ValidationError({"body": _("Write a note.")})
    note = CoachingNote(plan=plan, author=actor.user, body=body.strip())
    note.full_clean()
    note.save()
    audit_record(actor=actor, instance=note, action=AuditAction.CREATE, after={"body": note.body})
    return note


@transaction.atomic
def plan_close(*, actor: Actor, plan: CoachingPlan, outcome: str, note: str = "") -> CoachingPlan:
    _require_open(plan)
    if outcome not in PlanOutcome.values:
        raise ValidationError({"outcome": _("Say how the plan ended.")})
    before = snapshot(plan, PLAN_AUDIT_FIELDS)
    plan.status = PlanStatus.CLOSED
    plan.outcome = outcome
    plan.outcome_note = note.strip()
    plan.closed_at = timezone.now()
    plan.full_clean()
    plan.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=plan,
        action=AuditAction.CLOSE,
        before=before,
        after=snapshot(plan, PLAN_AUDIT_FIELDS),
        reason=note.strip(),
    )
    return plan
