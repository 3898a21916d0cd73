"""Development plans (IDP, 个人发展计划): the person's own plan to grow — a target
position, a career aspiration, and actions (a course, a mentor, a stretch assignment, a
rotation, reading) each with its development goal, the competency it builds, a due date
and progress.

- ``idp_create``: the person writes their plan (the callers check who), optionally linked
  to one of their results. ``idp_suggest``: HR or a manager starts one for the person from
  a training need — a draft with a first action on the competency (added to the person's
  draft if they have one); the person is told, and the plan is theirs from then on.
- ``idp_update``, ``idp_action_add`` / ``idp_action_update``: the person, until the plan
  is done — but not while it waits for agreement (the manager decides on what they read);
  ``idp_action_remove`` while it is being prepared.
- ``idp_submit``: the person submits a draft with at least one action for agreement; the
  manager who may agree it is told (the nearest manager up the chain who can sign in).
- ``idp_agree``: a manager agrees a submitted plan: the plan is under way. The person is
  told, and so is each mentor named on it (and, later, a mentor named on an action of the
  agreed plan): once per plan, with a link to the actions they mentor.
- ``idp_return``: a manager returns a submitted plan with a reason: it is being prepared
  again, and the person is told why. ``idp_withdraw``: the person takes their submitted plan
  back to change it (a plan is never stuck waiting for a manager who does not answer).
- ``idp_action_progress``: the person records progress (0–100 %) and marks an action done.
- ``idp_complete``: the person closes a plan under way as done.

Every change is written to the audit log against the plan (before, after, and the reason
of a return).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value
from pms.core.models import AuditAction
from pms.org.models import CURRENT_STATUSES, Employee, Position
from pms.org.roles import principal_for
from pms.outcomes import access, events
from pms.outcomes.models import (
    ActionKind,
    DevelopmentAction,
    DevelopmentPlan,
    IdpStatus,
    PerformanceResult,
)

DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366
MAX_TITLE = 200
MAX_GOAL = 300
MAX_COMPETENCY = 200
MAX_TEXT = 5000
NOTICE_TEXT = 300  # how much of a reason a notification carries
PLAN_FIELDS = ("title", "target_position", "aspiration", "start", "end")


@dataclass(frozen=True)
class ActionInput:
    kind: str
    goal: str
    competency: str = ""
    mentor: Employee | None = None
    due_on: dt.date | None = None


def _text(name: str, value: str, *, required: bool, limit: int) -> str:
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


def _position(position: Position | None) -> Position | None:
    if position is not None and not position.is_active:
        raise ValidationError({"target_position": [_("This position is no longer in use.")]})
    return position


def _result(employee: Employee, result: PerformanceResult | None) -> PerformanceResult | None:
    if result is None:
        return None
    if result.employee_id != employee.pk:
        raise ValidationError({"result": [_("This result is another person's.")]})
    if result.published_at is None:
        raise ValidationError({"result": [_("This result is not published yet.")]})
    return result


def _action_values(
    employee: Employee, start: dt.date, end: dt.date, action: ActionInput
) -> dict[str, Any]:
    if action.kind not in ActionKind.values:
        raise ValidationError({"kind": [_("Choose what kind of action this is.")]})
    mentor = action.mentor
    if mentor is not None:
        if mentor.pk == employee.pk:
            raise ValidationError({"mentor": [_("Nobody mentors themself.")]})
        if mentor.status not in CURRENT_STATUSES:
            raise ValidationError(
                {"mentor": [_("%(name)s no longer works here.") % {"name": mentor.name}]}
            )
    if action.due_on is not None and not start <= action.due_on <= end:
        raise ValidationError(
            {
                "due_on": [
                    _("Choose a day within the plan (%(start)s – %(end)s).")
                    % {"start": start.isoformat(), "end": end.isoformat()}
                ]
            }
        )
    return {
        "kind": action.kind,
        "goal": _text("goal", action.goal, required=True, limit=MAX_GOAL),
        "competency": _text("competency", action.competency, required=False, limit=MAX_COMPETENCY),
        "mentor": mentor,
        "due_on": action.due_on,
    }


def _action_text(values: dict[str, Any]) -> str:
    parts = [values["kind"], values["goal"]]
    if values.get("competency"):
        parts.append(values["competency"])
    if values.get("mentor") is not None:
        parts.append(str(values["mentor"]))
    if values.get("due_on") is not None:
        parts.append(values["due_on"].isoformat())
    return " · ".join(parts)


def _of(action: DevelopmentAction) -> dict[str, Any]:
    return {
        "kind": action.kind,
        "goal": action.goal,
        "competency": action.competency,
        "mentor": action.mentor,
        "due_on": action.due_on,
    }


def _locked(plan: DevelopmentPlan) -> DevelopmentPlan:
    return (
        DevelopmentPlan.objects.select_for_update(of=("self",))
        .select_related("employee__user")
        .get(pk=plan.pk)
    )


def _require_open(plan: DevelopmentPlan) -> None:
    """The plan may change: not once done, nor while it waits for agreement."""
    if plan.status == IdpStatus.DONE:
        raise ValidationError(_("This development plan is completed."))
    if plan.status == IdpStatus.SUBMITTED:
        raise ValidationError(
            _(
                "The plan waits for the manager's agreement: it changes again once it is "
                "agreed or returned."
            )
        )


def _url(plan: DevelopmentPlan) -> str:
    return reverse("outcomes:idp", args=[plan.uuid])


def _tell_mentors(*, actor: Actor, plan: DevelopmentPlan, mentors: Iterable[Employee]) -> None:
    """Tell the mentors named on an agreed plan, once per plan each (a mentor named on a
    second action of it is not told again), linking to their list of the actions they
    mentor — only those who can open it (``access.mentored_actions``), never the one who
    named them."""
    if plan.status != IdpStatus.ACTIVE:
        return  # a plan being prepared: its mentors are told when it is agreed
    ids = {mentor.user_id for mentor in mentors if mentor.user_id is not None}
    if actor.user is not None:
        ids.discard(actor.user.pk)
    recipients = [
        user
        for user in User.objects.filter(pk__in=ids, is_active=True)
        if access.mentored_actions(principal_for(user)).filter(plan=plan).exists()
    ]
    if recipients:
        notify(
            event=events.IDP_MENTOR_NAMED,
            recipients=recipients,
            params={"person": plan.employee.name},
            url=reverse("outcomes:idp_mentoring"),
            key=f"idp:{plan.uuid}:mentor",
        )


def _short(text: str, limit: int = NOTICE_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _approvers(plan: DevelopmentPlan) -> list[User]:
    """Who is told that a plan waits for agreement: the nearest manager up the person's
    chain who works here, can sign in and may agree it (``access.can_agree_idp``) —
    one person, not the whole chain."""
    employee = plan.employee
    chain = [int(p) for p in employee.report_path.split("/") if p and int(p) != employee.pk]
    managers = {
        manager.pk: manager
        for manager in Employee.objects.filter(
            pk__in=chain, status__in=CURRENT_STATUSES, user__is_active=True
        ).select_related("user")
    }
    for pk in reversed(chain):
        manager = managers.get(pk)
        if manager is None or manager.user is None:
            continue
        if access.can_agree_idp(principal_for(manager.user), plan):
            return [manager.user]
    return []


# --- creating ------------------------------------------------------------------------------


def idp_create(
    *,
    actor: Actor,
    employee: Employee,
    title: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    target_position: Position | None = None,
    aspiration: str = "",
    result: PerformanceResult | None = None,
    actions: Sequence[ActionInput] = (),
) -> DevelopmentPlan:
    """A plan being prepared for ``employee`` (who owns it, whoever wrote it)."""
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError(_("%(name)s no longer works here.") % {"name": employee.name})
    name = _text("title", title, required=True, limit=MAX_TITLE)
    first, last = _dates(start, end)
    values = [_action_values(employee, first, last, action) for action in actions]
    plan = DevelopmentPlan(
        employee=employee,
        title=name,
        target_position=_position(target_position),
        aspiration=_text("aspiration", aspiration, required=False, limit=MAX_TEXT),
        result=_result(employee, result),
        start=first,
        end=last,
        created_by=actor.user,
    )
    with transaction.atomic():
        plan.full_clean()
        plan.save()
        DevelopmentAction.objects.bulk_create(
            [DevelopmentAction(plan=plan, **value) for value in values]
        )
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.CREATE,
            after={
                "employee": str(employee),
                **{field: json_value(getattr(plan, field)) for field in PLAN_FIELDS},
                "result": str(plan.result) if plan.result is not None else None,
                "actions": [_action_text(value) for value in values],
            },
        )
    return plan


def idp_suggest(
    *, actor: Actor, employee: Employee, competency: str, title: str = ""
) -> DevelopmentPlan:
    """A first action on ``competency`` for ``employee``, from a training need: added to the
    person's plan being prepared if they have one, else in a new draft. The person is
    told; the plan is theirs to change."""
    need = _text("competency", competency, required=True, limit=MAX_COMPETENCY)
    action = ActionInput(
        kind=ActionKind.COURSE,
        goal=_("Close the gap in %(competency)s") % {"competency": need},
        competency=need,
    )
    with transaction.atomic():
        draft = (
            DevelopmentPlan.objects.select_for_update(of=("self",))
            .filter(employee=employee, status=IdpStatus.DRAFT)
            .order_by("-created_at", "-id")
            .first()
        )
        if draft is not None:
            idp_action_add(actor=actor, plan=draft, action=action)
            plan = draft
        else:
            plan = idp_create(
                actor=actor,
                employee=employee,
                title=title.strip() or _("Develop %(competency)s") % {"competency": need},
                actions=[action],
            )
        user = employee.user
        if user is not None and user != actor.user:
            notify(
                event=events.IDP_SUGGESTED,
                recipients=[user],
                params={"by": actor.label},
                url=_url(plan),
                key=f"idp:{plan.uuid}:suggested:{need}"[:200],
            )
    return plan


# --- the person's changes ------------------------------------------------------------------


def idp_update(
    *,
    actor: Actor,
    plan: DevelopmentPlan,
    title: str,
    start: dt.date | None,
    end: dt.date | None,
    target_position: Position | None = None,
    aspiration: str = "",
) -> DevelopmentPlan:
    name = _text("title", title, required=True, limit=MAX_TITLE)
    if start is None:
        raise ValidationError({"start": [_("Choose the day the plan starts.")]})
    if end is None:
        raise ValidationError({"end": [_("Choose the day the plan ends.")]})
    first, last = _dates(start, end)
    values: dict[str, Any] = {
        "title": name,
        "target_position": target_position,
        "aspiration": _text("aspiration", aspiration, required=False, limit=MAX_TEXT),
        "start": first,
        "end": last,
    }
    with transaction.atomic():
        locked = _locked(plan)
        _require_open(locked)
        if values["target_position"] != locked.target_position:
            _position(target_position)
        before = {field: json_value(getattr(locked, field)) for field in values}
        after = {field: json_value(value) for field, value in values.items()}
        if before == after:
            return locked
        outside = locked.actions.filter(due_on__isnull=False).exclude(due_on__range=(first, last))
        if outside.exists():
            raise ValidationError(
                {"end": [_("An action is due outside these dates: move it first.")]}
            )
        for field, value in values.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor, instance=locked, action=AuditAction.UPDATE, before=before, after=after
        )
    return locked


def idp_action_add(
    *, actor: Actor, plan: DevelopmentPlan, action: ActionInput
) -> DevelopmentAction:
    with transaction.atomic():
        locked = _locked(plan)
        _require_open(locked)
        values = _action_values(locked.employee, locked.start, locked.end, action)
        row = DevelopmentAction.objects.create(plan=locked, **values)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            after={"action added": _action_text(values)},
        )
        _tell_mentors(actor=actor, plan=locked, mentors=[row.mentor] if row.mentor else [])
    return row


def idp_action_update(
    *, actor: Actor, action: DevelopmentAction, change: ActionInput
) -> DevelopmentAction:
    with transaction.atomic():
        locked = _locked(action.plan)
        _require_open(locked)
        row = DevelopmentAction.objects.select_for_update().get(pk=action.pk)
        if row.done_at is not None:
            raise ValidationError(_("This action is done."))
        values = _action_values(locked.employee, locked.start, locked.end, change)
        before = _of(row)
        if before == values:
            return row
        for field, value in values.items():
            setattr(row, field, value)
        row.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"action": _action_text(before)},
            after={"action": _action_text(values)},
        )
        _tell_mentors(actor=actor, plan=locked, mentors=[row.mentor] if row.mentor else [])
    return row


def idp_action_remove(*, actor: Actor, action: DevelopmentAction) -> None:
    """Take an action off a plan still being prepared."""
    with transaction.atomic():
        locked = _locked(action.plan)
        if locked.status != IdpStatus.DRAFT:
            raise ValidationError(_("Actions come off a plan only while it is being prepared."))
        row = DevelopmentAction.objects.select_for_update().get(pk=action.pk)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"action removed": _action_text(_of(row))},
        )
        row.delete()


# --- agreement and progress ----------------------------------------------------------------


def idp_submit(*, actor: Actor, plan: DevelopmentPlan) -> DevelopmentPlan:
    """The person submits their plan being prepared (with at least one action) for their
    manager's agreement; it no longer changes until it is agreed or returned. The manager
    who may agree it is told, once per submission."""
    with transaction.atomic():
        locked = _locked(plan)
        if locked.status != IdpStatus.DRAFT:
            raise ValidationError(_("Only a plan being prepared is submitted."))
        if not locked.actions.exists():
            raise ValidationError(_("Add at least one action before you submit the plan."))
        locked.status = IdpStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.SUBMIT,
            before={"status": IdpStatus.DRAFT},
            after={
                "status": IdpStatus.SUBMITTED,
                "submitted_at": json_value(locked.submitted_at),
            },
        )
        recipients = [u for u in _approvers(locked) if actor.user is None or u != actor.user]
        if recipients:
            notify(
                event=events.IDP_SUBMITTED,
                recipients=recipients,
                params={"person": locked.employee.name, "title": locked.title},
                url=_url(locked),
                # once per submission (a plan returned or withdrawn may be submitted again)
                key=(
                    f"idp:{locked.uuid}:submitted:{json_value(locked.submitted_at)}"
                    f":{json_value(locked.returned_at) or ''}"
                ),
            )
    return locked


def idp_withdraw(*, actor: Actor, plan: DevelopmentPlan) -> DevelopmentPlan:
    """The person takes back their submitted plan: it is being prepared again, so they can
    change it and submit it anew (the manager is told of the new submission then)."""
    with transaction.atomic():
        locked = _locked(plan)
        if locked.status != IdpStatus.SUBMITTED:
            raise ValidationError(_("Only a plan waiting for agreement is withdrawn."))
        locked.status = IdpStatus.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.WITHDRAW,
            before={"status": IdpStatus.SUBMITTED},
            after={"status": IdpStatus.DRAFT},
        )
    return locked


def idp_return(*, actor: Actor, plan: DevelopmentPlan, reason: str) -> DevelopmentPlan:
    """The manager returns a submitted plan with what to change: it is being prepared
    again, and the person is told the reason."""
    why = _text("reason", reason, required=True, limit=MAX_TEXT)
    with transaction.atomic():
        locked = _locked(plan)
        if locked.status != IdpStatus.SUBMITTED:
            raise ValidationError(_("Only a plan waiting for agreement is returned."))
        locked.status = IdpStatus.DRAFT
        locked.returned_at = timezone.now()
        locked.returned_by = actor.user
        locked.returned_reason = why
        locked.save(
            update_fields=[
                "status",
                "returned_at",
                "returned_by",
                "returned_reason",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.RETURN,
            before={"status": IdpStatus.SUBMITTED},
            after={
                "status": IdpStatus.DRAFT,
                "returned_at": json_value(locked.returned_at),
                "returned_reason": why,
            },
            reason=why,
        )
        user = locked.employee.user
        if user is not None and user != actor.user:
            notify(
                event=events.IDP_RETURNED,
                recipients=[user],
                # a message, not the record: a long reason is cut (the plan shows it whole)
                params={"manager": actor.label, "title": locked.title, "reason": _short(why)},
                url=_url(locked),
                # once per submission returned
                key=f"idp:{locked.uuid}:returned:{json_value(locked.submitted_at) or ''}",
            )
    return locked


def idp_agree(*, actor: Actor, plan: DevelopmentPlan) -> DevelopmentPlan:
    """The manager agrees a submitted plan: it is under way."""
    with transaction.atomic():
        locked = _locked(plan)
        if locked.status != IdpStatus.SUBMITTED:
            raise ValidationError(_("Only a plan waiting for agreement is agreed."))
        locked.status = IdpStatus.ACTIVE
        locked.manager_agreed_at = timezone.now()
        locked.agreed_by = actor.user
        locked.save(update_fields=["status", "manager_agreed_at", "agreed_by", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.APPROVE,
            before={"status": IdpStatus.SUBMITTED},
            after={
                "status": IdpStatus.ACTIVE,
                "manager_agreed_at": json_value(locked.manager_agreed_at),
            },
        )
        user = locked.employee.user
        if user is not None:
            notify(
                event=events.IDP_AGREED,
                recipients=[user],
                params={"manager": actor.label, "title": locked.title},
                url=_url(locked),
                key=f"idp:{locked.uuid}:agreed",
            )
        _tell_mentors(
            actor=actor,
            plan=locked,
            mentors=Employee.objects.filter(
                pk__in=locked.actions.filter(mentor__isnull=False).values("mentor_id")
            ),
        )
    return locked


def idp_action_progress(
    *, actor: Actor, action: DevelopmentAction, progress: int | None, done: bool, note: str = ""
) -> DevelopmentAction:
    """The person's progress on an action (0–100 %); done sets it to 100 %."""
    if progress is None and not done:
        raise ValidationError({"progress": [_("Give the progress in per cent.")]})
    value = 100 if done else int(progress or 0)
    if not 0 <= value <= 100:
        raise ValidationError({"progress": [_("Progress runs from 0 to 100 %.")]})
    text = _text("note", note, required=False, limit=MAX_TEXT)
    with transaction.atomic():
        locked = _locked(action.plan)
        if locked.status != IdpStatus.ACTIVE:
            raise ValidationError(_("Progress is recorded once the plan is agreed."))
        row = DevelopmentAction.objects.select_for_update().get(pk=action.pk)
        before = {
            "progress": row.progress,
            "done_at": json_value(row.done_at),
            "note": row.note,
        }
        row.progress = value
        row.note = text or row.note
        if value == 100 and row.done_at is None:
            row.done_at = timezone.now()
        elif value < 100:
            row.done_at = None
        after = {"progress": row.progress, "done_at": json_value(row.done_at), "note": row.note}
        if before == after:
            return row
        row.save(update_fields=["progress", "note", "done_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={f"{row.goal}: {k}": v for k, v in before.items()},
            after={f"{row.goal}: {k}": v for k, v in after.items()},
        )
    return row


def idp_complete(*, actor: Actor, plan: DevelopmentPlan) -> DevelopmentPlan:
    with transaction.atomic():
        locked = _locked(plan)
        if locked.status != IdpStatus.ACTIVE:
            raise ValidationError(_("Only a plan under way is completed."))
        locked.status = IdpStatus.DONE
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before={"status": IdpStatus.ACTIVE},
            after={"status": IdpStatus.DONE, "completed_at": json_value(locked.completed_at)},
        )
    return locked


__all__ = [
    "ActionInput",
    "idp_action_add",
    "idp_action_progress",
    "idp_action_remove",
    "idp_action_update",
    "idp_agree",
    "idp_complete",
    "idp_create",
    "idp_return",
    "idp_submit",
    "idp_suggest",
    "idp_update",
    "idp_withdraw",
]
