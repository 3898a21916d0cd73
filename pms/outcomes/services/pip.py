"""Improvement plans (PIP, 绩效改进计划): a complete, dated record of goals, support,
checkpoints and outcome.

- ``pip_create``: for a current employee, by one of their managers or HR in scope (the
  callers check who). Trigger "grade": from a published result whose grade is one of
  ``pip_grades()``, linked to it; trigger "choice": the manager's decision. Either way
  the gap to close is written down (``reason``). At least one goal (what and how it is
  measured); support (training, coaching, reassignment); start (today) and end (90 days
  later) by default; checkpoints at a third, two thirds and the end — 30 / 60 / 90 days
  for the usual plan (``checkpoint_days``). One open plan per person.
- While the plan is being prepared: ``pip_update`` (dates move the checkpoints with them),
  ``pip_goal_add`` / ``pip_goal_update`` / ``pip_goal_remove``, ``pip_checkpoint_move``.
- ``pip_start``: the plan runs; the person is told and signs that they have read it
  (``pip_sign``). A refusal to sign is recorded by the manager's side with a note
  (``pip_sign_refusal``); it never stops the plan.
- ``pip_checkpoint_record``: held on, verdict (on track / behind), notes, by whom;
  a record may be corrected, the earlier one stays in the history.
- ``pip_extend``: once, with a reason: a new end and a checkpoint on it.
- ``pip_close``: passed or failed, with a reason, each goal marked met or not.
  ``pip_cancel``: with a reason, at any time before it is closed.
- ``pip_reminders``: the periodic job telling the plan's manager the day a checkpoint is
  due, and once a day while it is overdue.

Grades that call for a plan: ``OutcomeSettings.pip_grades``; an empty list (the default)
means C and D, the two grades below "meets expectations" of the default S–D table.

Support: Chinese labour law expects training or reassignment before a dismissal for
incompetence (《劳动合同法》第四十条), so a plan with neither gets a warning
(``support_warnings``), not a refusal: the manager may add it before the plan starts.

Nothing in a started plan is deleted. Every change is written to the audit log against
the plan itself (before, after, reason), so the plan's history is its dated record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value, snapshot
from pms.core.models import AuditAction
from pms.org.models import CURRENT_STATUSES, Employee
from pms.outcomes import events
from pms.outcomes.models import (
    OPEN_PIP,
    CheckpointVerdict,
    ImprovementGoal,
    ImprovementPlan,
    PerformanceResult,
    PipStatus,
    PipTrigger,
    PlanCheckpoint,
)
from pms.outcomes.services.results import outcome_settings

DEFAULT_PIP_GRADES = ("C", "D")
DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_TITLE = 300
MAX_TEXT = 5000
RUNNING = (PipStatus.ACTIVE, PipStatus.EXTENDED)
CLOSING = (PipStatus.PASSED, PipStatus.FAILED)
PLAN_FIELDS = (
    "trigger",
    "reason",
    "start",
    "end",
    "status",
    "training",
    "coaching",
    "reassignment",
)
SUPPORT_FIELDS = ("training", "coaching", "reassignment")


@dataclass(frozen=True)
class GoalInput:
    title: str
    measure: str


# --- rules ---------------------------------------------------------------------------------


def pip_grades() -> list[str]:
    """The grades that call for an improvement plan (C and D unless HR set others)."""
    grades = [str(g).strip() for g in outcome_settings().pip_grades or [] if str(g).strip()]
    return grades or list(DEFAULT_PIP_GRADES)


def checkpoint_days(length: int) -> list[int]:
    """Checkpoint days for a plan of ``length`` days: a third, two thirds and the end
    (30 / 60 / 90 for 90 days), never before day 1 and never twice the same day."""
    if length < 1:
        return []
    days = [max(1, round(length / 3)), max(1, round(2 * length / 3)), length]
    return sorted(set(days))


def support_warnings(*, training: str, reassignment: str) -> list[str]:
    """What the plan's support lacks, as warnings (never a refusal)."""
    if (training or "").strip() or (reassignment or "").strip():
        return []
    return [
        _(
            "The plan offers neither training nor reassignment. Labour law expects one of "
            "them before a contract is ended for incompetence: add at least one."
        )
    ]


def plan_warnings(plan: ImprovementPlan) -> list[str]:
    return support_warnings(training=plan.training, reassignment=plan.reassignment)


def _text(name: str, value: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({name: [_("Fill this in.")]})
    if len(text) > limit:
        raise ValidationError({name: [_("Keep this under %(max)s characters.") % {"max": limit}]})
    return text


def _dates(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    first = start or timezone.localdate()
    last = end or first + dt.timedelta(days=DEFAULT_DAYS)
    if last <= first:
        raise ValidationError({"end": [_("The end must come after the start.")]})
    if (last - first).days > MAX_DAYS:
        raise ValidationError(
            {"end": [_("A plan runs for at most %(days)s days.") % {"days": MAX_DAYS}]}
        )
    return first, last


def _goal_values(goal: GoalInput) -> tuple[str, str]:
    return (
        _text("title", goal.title, required=True, limit=MAX_TITLE),
        _text("measure", goal.measure, required=True, limit=MAX_TITLE),
    )


def _goal_text(title: str, measure: str) -> str:
    return f"{title} — {measure}"


def _checkpoint_rows(plan: ImprovementPlan) -> list[PlanCheckpoint]:
    length = (plan.end - plan.start).days
    return [
        PlanCheckpoint(plan=plan, day=day, due_on=plan.start + dt.timedelta(days=day))
        for day in checkpoint_days(length)
    ]


def _checkpoint_text(checkpoint: PlanCheckpoint) -> str:
    return f"{checkpoint.day}: {checkpoint.due_on.isoformat()}"


def _held_text(checkpoint: PlanCheckpoint) -> str:
    held = checkpoint.held_on.isoformat() if checkpoint.held_on else "—"
    return f"{held} · {checkpoint.verdict} · {checkpoint.notes}"


def _plan_state(plan: ImprovementPlan) -> dict[str, Any]:
    return snapshot(plan, PLAN_FIELDS)


def _locked(plan: ImprovementPlan) -> ImprovementPlan:
    return (
        ImprovementPlan.objects.select_for_update(of=("self",))
        .select_related("employee__user", "owner__user", "employee__department")
        .get(pk=plan.pk)
    )


def _require(plan: ImprovementPlan, statuses: Sequence[str], message: str) -> None:
    if plan.status not in statuses:
        raise ValidationError(message)


def _require_draft(plan: ImprovementPlan) -> None:
    _require(plan, (PipStatus.DRAFT,), _("Only a plan being prepared can be changed."))


def _url(plan: ImprovementPlan) -> str:
    return reverse("outcomes:pip", args=[plan.uuid])


def _tell_person(plan: ImprovementPlan, event: str, params: Mapping[str, str], key: str) -> None:
    user = plan.employee.user
    if user is None:
        return
    notify(event=event, recipients=[user], params=params, url=_url(plan), key=key)


# --- creating and preparing ----------------------------------------------------------------


def _check_owner(employee: Employee, owner: Employee | None) -> Employee:
    if owner is None:
        raise ValidationError(
            {"owner": [_("%(name)s has no manager to lead the plan.") % {"name": employee.name}]}
        )
    if owner.status not in CURRENT_STATUSES:
        raise ValidationError(
            {"owner": [_("%(name)s no longer works here.") % {"name": owner.name}]}
        )
    above = (
        owner.pk != employee.pk
        and bool(owner.report_path)
        and employee.report_path.startswith(owner.report_path)
    )
    if not above:
        raise ValidationError({"owner": [_("The plan is led by one of the person's managers.")]})
    return owner


def _check_result(employee: Employee, result: PerformanceResult | None) -> PerformanceResult:
    if result is None:
        raise ValidationError(_("Choose the result the plan follows from."))
    if result.employee_id != employee.pk:
        raise ValidationError(_("This result is another person's."))
    if result.published_at is None:
        raise ValidationError(_("This result is not published yet."))
    grades = pip_grades()
    if result.grade not in grades:
        raise ValidationError(
            _("Grade %(grade)s does not call for an improvement plan (%(grades)s do).")
            % {"grade": result.grade or "—", "grades": ", ".join(grades)}
        )
    if result.improvement_plans.exclude(status=PipStatus.CANCELLED).exists():
        raise ValidationError(_("This result has an improvement plan already."))
    return result


def pip_create(
    *,
    actor: Actor,
    employee: Employee,
    owner: Employee | None,
    trigger: str,
    reason: str,
    goals: Sequence[GoalInput],
    result: PerformanceResult | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    training: str = "",
    coaching: str = "",
    reassignment: str = "",
) -> ImprovementPlan:
    """A plan being prepared for ``employee``, led by ``owner`` (one of their managers)."""
    if trigger not in PipTrigger.values:
        raise ValidationError({"trigger": [_("Say why the plan is made.")]})
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError(_("%(name)s no longer works here.") % {"name": employee.name})
    leader = _check_owner(employee, owner)
    linked = _check_result(employee, result) if trigger == PipTrigger.GRADE else None
    gap = _text("reason", reason, required=True)
    first, last = _dates(start, end)
    support = {
        name: _text(name, value, required=False)
        for name, value in (
            ("training", training),
            ("coaching", coaching),
            ("reassignment", reassignment),
        )
    }
    if not goals:
        raise ValidationError(
            {"goals": [_("Give the plan at least one goal, with how it is measured.")]}
        )
    goal_values = [_goal_values(goal) for goal in goals]
    with transaction.atomic():
        Employee.objects.select_for_update().filter(pk=employee.pk).first()
        if ImprovementPlan.objects.filter(employee=employee, status__in=OPEN_PIP).exists():
            raise ValidationError(
                _("%(name)s has an improvement plan already.") % {"name": employee.name}
            )
        plan = ImprovementPlan(
            employee=employee,
            owner=leader,
            result=linked,
            trigger=trigger,
            reason=gap,
            start=first,
            end=last,
            created_by=actor.user,
            **support,
        )
        plan.full_clean()
        plan.save()
        ImprovementGoal.objects.bulk_create(
            [ImprovementGoal(plan=plan, title=t, measure=m) for t, m in goal_values]
        )
        checkpoints = PlanCheckpoint.objects.bulk_create(_checkpoint_rows(plan))
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.CREATE,
            after={
                **_plan_state(plan),
                "employee": str(employee),
                "owner": str(leader),
                "result": str(linked) if linked is not None else None,
                "goals": [_goal_text(t, m) for t, m in goal_values],
                "checkpoints": [_checkpoint_text(c) for c in checkpoints],
            },
        )
    return plan


def pip_update(
    *,
    actor: Actor,
    plan: ImprovementPlan,
    reason: str,
    start: dt.date | None,
    end: dt.date | None,
    training: str = "",
    coaching: str = "",
    reassignment: str = "",
) -> ImprovementPlan:
    """Change a plan being prepared; new dates place its checkpoints again."""
    gap = _text("reason", reason, required=True)
    if start is None:
        raise ValidationError({"start": [_("Choose the day the plan starts.")]})
    if end is None:
        raise ValidationError({"end": [_("Choose the day the plan ends.")]})
    first, last = _dates(start, end)
    values: dict[str, Any] = {
        "reason": gap,
        "start": first,
        "end": last,
        "training": _text("training", training, required=False),
        "coaching": _text("coaching", coaching, required=False),
        "reassignment": _text("reassignment", reassignment, required=False),
    }
    with transaction.atomic():
        locked = _locked(plan)
        _require_draft(locked)
        before = {name: json_value(getattr(locked, name)) for name in values}
        after = {name: json_value(value) for name, value in values.items()}
        if before == after:
            return locked
        moved = (locked.start, locked.end) != (first, last)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save(update_fields=[*values, "updated_at"])
        if moved:
            old = list(locked.checkpoints.all())
            before["checkpoints"] = [_checkpoint_text(c) for c in old]
            locked.checkpoints.all().delete()  # a draft's checkpoints: nothing was held
            new = PlanCheckpoint.objects.bulk_create(_checkpoint_rows(locked))
            after["checkpoints"] = [_checkpoint_text(c) for c in new]
        audit_record(
            actor=actor, instance=locked, action=AuditAction.UPDATE, before=before, after=after
        )
    return locked


def pip_goal_add(
    *, actor: Actor, plan: ImprovementPlan, title: str, measure: str
) -> ImprovementGoal:
    text, how = _goal_values(GoalInput(title=title, measure=measure))
    with transaction.atomic():
        locked = _locked(plan)
        _require_draft(locked)
        goal = ImprovementGoal.objects.create(plan=locked, title=text, measure=how)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            after={"goal added": _goal_text(text, how)},
        )
    return goal


def pip_goal_update(
    *, actor: Actor, goal: ImprovementGoal, title: str, measure: str
) -> ImprovementGoal:
    text, how = _goal_values(GoalInput(title=title, measure=measure))
    with transaction.atomic():
        locked = _locked(goal.plan)
        _require_draft(locked)
        row = ImprovementGoal.objects.select_for_update().get(pk=goal.pk)
        before = _goal_text(row.title, row.measure)
        if (row.title, row.measure) == (text, how):
            return row
        row.title, row.measure = text, how
        row.save(update_fields=["title", "measure", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"goal": before},
            after={"goal": _goal_text(text, how)},
        )
    return row


def pip_goal_remove(*, actor: Actor, goal: ImprovementGoal) -> None:
    """Take a goal off a plan being prepared; a plan keeps at least one."""
    with transaction.atomic():
        locked = _locked(goal.plan)
        _require_draft(locked)
        if locked.goals.count() <= 1:
            raise ValidationError(_("A plan keeps at least one goal."))
        row = ImprovementGoal.objects.select_for_update().get(pk=goal.pk)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"goal removed": _goal_text(row.title, row.measure)},
        )
        row.delete()


def pip_checkpoint_move(
    *, actor: Actor, checkpoint: PlanCheckpoint, due_on: dt.date | None
) -> PlanCheckpoint:
    """Move a checkpoint of a plan being prepared to another day within the plan."""
    if due_on is None:
        raise ValidationError({"due_on": [_("Choose the day.")]})
    with transaction.atomic():
        locked = _locked(checkpoint.plan)
        _require_draft(locked)
        if not locked.start < due_on <= locked.end:
            raise ValidationError(
                {
                    "due_on": [
                        _("Choose a day after the start and no later than the end (%(end)s).")
                        % {"end": locked.end.isoformat()}
                    ]
                }
            )
        row = PlanCheckpoint.objects.select_for_update().get(pk=checkpoint.pk)
        day = (due_on - locked.start).days
        if row.day == day:
            return row
        if locked.checkpoints.filter(day=day).exclude(pk=row.pk).exists():
            raise ValidationError({"due_on": [_("Another checkpoint falls on that day.")]})
        before = _checkpoint_text(row)
        row.day, row.due_on = day, due_on
        row.save(update_fields=["day", "due_on", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"checkpoint": before},
            after={"checkpoint": _checkpoint_text(row)},
        )
    return row


# --- running -------------------------------------------------------------------------------


def pip_start(*, actor: Actor, plan: ImprovementPlan) -> ImprovementPlan:
    """The plan runs from now; the person is told and asked to sign."""
    with transaction.atomic():
        locked = _locked(plan)
        _require(locked, (PipStatus.DRAFT,), _("Only a plan being prepared can be started."))
        if not locked.goals.exists():
            raise ValidationError(_("Give the plan at least one goal, with how it is measured."))
        if not locked.checkpoints.exists():
            raise ValidationError(_("The plan has no checkpoints."))
        if locked.end < timezone.localdate():
            raise ValidationError(_("The plan's end has passed: move its dates first."))
        locked.status = PipStatus.ACTIVE
        locked.started_at = timezone.now()
        locked.save(update_fields=["status", "started_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"status": PipStatus.DRAFT},
            after={"status": PipStatus.ACTIVE, "started_at": json_value(locked.started_at)},
        )
        _tell_person(
            locked,
            events.PIP_STARTED,
            {"start": locked.start.isoformat(), "end": locked.end.isoformat()},
            key=f"pip:{locked.uuid}:started",
        )
    return locked


def pip_sign(*, actor: Actor, plan: ImprovementPlan) -> ImprovementPlan:
    """The person signs that they have read the plan."""
    with transaction.atomic():
        locked = _locked(plan)
        _require(locked, RUNNING, _("Only a plan under way is signed."))
        if locked.employee_signed_at is not None:
            raise ValidationError(_("You have signed this plan already."))
        locked.employee_signed_at = timezone.now()
        locked.save(update_fields=["employee_signed_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.SIGN,
            after={"employee_signed_at": json_value(locked.employee_signed_at)},
        )
    return locked


def pip_sign_refusal(*, actor: Actor, plan: ImprovementPlan, note: str) -> ImprovementPlan:
    """Record that the person declined to sign (when, what was said, who was there). The
    plan runs all the same; the person may still sign later."""
    text = _text("note", note, required=True)
    with transaction.atomic():
        locked = _locked(plan)
        _require(locked, RUNNING, _("Only a plan under way is signed."))
        if locked.employee_signed_at is not None:
            raise ValidationError(_("The person has signed this plan."))
        before = {
            "sign_refused_at": json_value(locked.sign_refused_at),
            "sign_note": locked.sign_note,
        }
        locked.sign_refused_at = timezone.now()
        locked.sign_note = text
        locked.save(update_fields=["sign_refused_at", "sign_note", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={"sign_refused_at": json_value(locked.sign_refused_at), "sign_note": text},
            reason=text,
        )
    return locked


def pip_checkpoint_record(
    *,
    actor: Actor,
    checkpoint: PlanCheckpoint,
    held_on: dt.date | None,
    verdict: str,
    notes: str,
) -> PlanCheckpoint:
    """What a checkpoint found. Recording it again corrects it; the history keeps both."""
    if held_on is None:
        raise ValidationError({"held_on": [_("Say when the checkpoint was held.")]})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": [_("A checkpoint is recorded once it is held.")]})
    if verdict not in CheckpointVerdict.values:
        raise ValidationError({"verdict": [_("Say whether the person is on track.")]})
    text = _text("notes", notes, required=True)
    with transaction.atomic():
        locked = _locked(checkpoint.plan)
        _require(locked, RUNNING, _("Checkpoints are recorded while the plan is under way."))
        if held_on < locked.start:
            raise ValidationError(
                {"held_on": [_("The plan started on %(day)s.") % {"day": locked.start.isoformat()}]}
            )
        row = PlanCheckpoint.objects.select_for_update().get(pk=checkpoint.pk)
        recorded = row.held_on is not None
        if recorded and (row.held_on, row.verdict, row.notes) == (held_on, verdict, text):
            return row
        name = f"checkpoint {row.day}"
        before = {name: _held_text(row)} if recorded else None
        row.held_on, row.verdict, row.notes = held_on, verdict, text
        row.recorded_by = actor.user
        row.save(update_fields=["held_on", "verdict", "notes", "recorded_by", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={name: _held_text(row)},
        )
    return row


def pip_extend(
    *, actor: Actor, plan: ImprovementPlan, end: dt.date | None, reason: str
) -> ImprovementPlan:
    """Extend the plan once, with a reason: a new end and a checkpoint on it."""
    why = _text("reason", reason, required=True)
    if end is None:
        raise ValidationError({"end": [_("Choose the new end.")]})
    with transaction.atomic():
        locked = _locked(plan)
        if locked.extended_at is not None or locked.status == PipStatus.EXTENDED:
            raise ValidationError(_("A plan is extended once only."))
        _require(locked, (PipStatus.ACTIVE,), _("Only a plan under way can be extended."))
        if end <= locked.end:
            raise ValidationError(
                {"end": [_("The new end comes after %(end)s.") % {"end": locked.end.isoformat()}]}
            )
        if (end - locked.start).days > MAX_DAYS:
            raise ValidationError(
                {"end": [_("A plan runs for at most %(days)s days.") % {"days": MAX_DAYS}]}
            )
        before = {"status": locked.status, "end": json_value(locked.end)}
        locked.original_end = locked.end
        locked.end = end
        locked.extended_at = timezone.now()
        locked.extension_reason = why
        locked.status = PipStatus.EXTENDED
        locked.save(
            update_fields=[
                "original_end",
                "end",
                "extended_at",
                "extension_reason",
                "status",
                "updated_at",
            ]
        )
        added = PlanCheckpoint.objects.create(
            plan=locked, day=(end - locked.start).days, due_on=end
        )
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before=before,
            after={
                "status": locked.status,
                "end": json_value(end),
                "checkpoint added": _checkpoint_text(added),
            },
            reason=why,
        )
        _tell_person(
            locked, events.PIP_EXTENDED, {"end": end.isoformat()}, key=f"pip:{locked.uuid}:extended"
        )
    return locked


def pip_close(
    *,
    actor: Actor,
    plan: ImprovementPlan,
    outcome: str,
    reason: str,
    goals_met: Mapping[int, bool | None],
) -> ImprovementPlan:
    """Close a plan under way: passed or failed, with a reason, each goal met or not
    (``goals_met``: goal id → met)."""
    if outcome not in CLOSING:
        raise ValidationError({"outcome": [_("Say whether the person improved.")]})
    why = _text("reason", reason, required=True)
    with transaction.atomic():
        locked = _locked(plan)
        _require(locked, RUNNING, _("Only a plan under way can be closed."))
        goals = list(ImprovementGoal.objects.select_for_update().filter(plan=locked))
        if any(goals_met.get(goal.pk) is None for goal in goals):
            raise ValidationError({"goals": [_("Say for each goal whether it was met.")]})
        before = {"status": locked.status}
        for goal in goals:
            goal.met = bool(goals_met[goal.pk])
        ImprovementGoal.objects.bulk_update(goals, ["met"])
        now = timezone.now()
        locked.status = outcome
        locked.outcome = why
        locked.closed_at = now
        locked.closed_by = actor.user
        locked.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before=before,
            after={
                "status": outcome,
                "outcome": why,
                "goals": [
                    f"{goal.title}: {_('met') if goal.met else _('not met')}" for goal in goals
                ],
            },
            reason=why,
        )
        _tell_person(
            locked,
            events.PIP_CLOSED,
            {"day": timezone.localdate(now).isoformat()},
            key=f"pip:{locked.uuid}:closed",
        )
    return locked


def pip_cancel(*, actor: Actor, plan: ImprovementPlan, reason: str) -> ImprovementPlan:
    """Cancel a plan that is not closed, with a reason; a person who was told it started
    is told it is cancelled."""
    why = _text("reason", reason, required=True)
    with transaction.atomic():
        locked = _locked(plan)
        _require(locked, OPEN_PIP, _("This plan is closed already."))
        started = locked.status in RUNNING
        before = {"status": locked.status}
        now = timezone.now()
        locked.status = PipStatus.CANCELLED
        locked.outcome = why
        locked.closed_at = now
        locked.closed_by = actor.user
        locked.save(update_fields=["status", "outcome", "closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before=before,
            after={"status": PipStatus.CANCELLED, "outcome": why},
            reason=why,
        )
        if started:
            _tell_person(
                locked,
                events.PIP_CANCELLED,
                {"day": timezone.localdate(now).isoformat()},
                key=f"pip:{locked.uuid}:cancelled",
            )
    return locked


# --- reminders -----------------------------------------------------------------------------


def pip_reminders(now: dt.datetime) -> int:
    """Tell each plan's manager of the checkpoints due today, and once a day of those
    overdue and not recorded (plans under way only). Safe to run any number of times:
    each message has its key (the checkpoint, and the day for overdue ones)."""
    today = timezone.localdate(now)
    rows = (
        PlanCheckpoint.objects.filter(
            plan__status__in=RUNNING, held_on__isnull=True, due_on__lte=today
        )
        .select_related("plan__owner__user")
        .order_by("due_on", "pk")
    )
    sent = 0
    for checkpoint in rows.iterator(chunk_size=500):
        plan = checkpoint.plan
        user = plan.owner.user
        if user is None:
            continue
        due = checkpoint.due_on == today
        sent += notify(
            event=events.PIP_CHECKPOINT_DUE if due else events.PIP_CHECKPOINT_OVERDUE,
            recipients=[user],
            params={"day": checkpoint.day, "due": checkpoint.due_on.isoformat()},
            url=_url(plan),
            key=f"pip-checkpoint:{checkpoint.uuid}:"
            + ("due" if due else f"overdue:{today.isoformat()}"),
        )
    return sent


__all__ = [
    "DEFAULT_PIP_GRADES",
    "GoalInput",
    "checkpoint_days",
    "pip_cancel",
    "pip_checkpoint_move",
    "pip_checkpoint_record",
    "pip_close",
    "pip_create",
    "pip_extend",
    "pip_goal_add",
    "pip_goal_remove",
    "pip_goal_update",
    "pip_grades",
    "pip_reminders",
    "pip_sign",
    "pip_sign_refusal",
    "pip_start",
    "pip_update",
    "plan_warnings",
    "support_warnings",
]
