"""Calibration sessions: prepared, opened with everybody's proposal, closed and locked.

- ``session_create`` / ``session_update`` prepare a session over departments (with or
  without their subtrees) and/or a role family, with the company's distribution copied so
  that later changes to the defaults do not move a running session.
- ``member_add`` / ``member_remove`` seat the committee, heads, HRBPs and observers.
- ``session_open`` needs the cycle to have reached calibration (the manager reviews are in)
  and copies every covered review's score and grade into an entry, in bulk; a review
  already in another session of the cycle stays there and is counted as skipped.
- ``session_close`` checks the distribution in every pool: ``block`` refuses to close off
  target, ``warn`` asks for the reason, which is kept. A closed session is locked.
- ``session_delete`` removes a session that was never opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.calibration import events
from pms.calibration.distribution import check_rule, deviations_of_session, pool_keys
from pms.calibration.models import (
    CalibrationEntry,
    CalibrationSession,
    Enforcement,
    MemberRole,
    SessionMember,
    SessionStatus,
)
from pms.calibration.services.settings import (
    calibration_settings_get,
    check_enforcement,
    check_group_size,
)
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import Department, RoleFamily
from pms.reviews.models import Cycle, CycleStatus, Phase, Review, ReviewStatus
from pms.reviews.phases import phase_reached

FIELDS = (
    "name",
    "subtree",
    "role_family",
    "facilitator",
    "status",
    "distribution",
    "min_group_size",
    "enforcement",
    "note",
)
MAX_NAME = 100
MAX_REASON = 500
BATCH = 2000


@dataclass(frozen=True)
class OpenReport:
    session: CalibrationSession
    added: int
    skipped: int


def _name(name: str, errors: dict[str, list[str]]) -> str:
    text = (name or "").strip()
    if not text:
        errors.setdefault("name", []).append(_("Give the session a name."))
    elif len(text) > MAX_NAME:
        errors.setdefault("name", []).append(
            _("Keep the name under %(max)s characters.") % {"max": MAX_NAME}
        )
    return text


def _scope(
    departments: Iterable[Department],
    role_family: RoleFamily | None,
    allowed: Iterable[Department],
    errors: dict[str, list[str]],
) -> list[Department]:
    chosen = list(departments)
    allowed_ids = {d.pk for d in allowed}
    if any(d.pk not in allowed_ids for d in chosen):
        errors.setdefault("departments", []).append(
            _("You may only calibrate departments in your scope.")
        )
    if not chosen and role_family is None:
        errors.setdefault("departments", []).append(
            _("Choose the departments or the role family the session covers.")
        )
    return chosen


def _editable(session: CalibrationSession) -> None:
    if session.status != SessionStatus.DRAFT:
        raise ValidationError(_("Only a session that has not been opened can be changed."))


def session_create(
    *,
    actor: Actor,
    cycle: Cycle,
    name: str,
    departments: Iterable[Department],
    subtree: bool,
    role_family: RoleFamily | None,
    facilitator: User,
    allowed_departments: Iterable[Department],
    note: str = "",
) -> CalibrationSession:
    """Prepare a session; ``allowed_departments`` is what the actor may calibrate (access)."""
    errors: dict[str, list[str]] = {}
    text = _name(name, errors)
    chosen = _scope(departments, role_family, allowed_departments, errors)
    if cycle.status != CycleStatus.RUNNING:
        errors.setdefault("cycle", []).append(_("Choose a running cycle."))
    if text and CalibrationSession.objects.filter(cycle=cycle, name=text).exists():
        errors.setdefault("name", []).append(_("This cycle already has a session of that name."))
    if errors:
        raise ValidationError(errors)
    defaults = calibration_settings_get()
    with transaction.atomic():
        session = CalibrationSession.objects.create(
            cycle=cycle,
            name=text,
            subtree=subtree,
            role_family=role_family,
            facilitator=facilitator,
            distribution=list(defaults.distribution),
            min_group_size=defaults.min_group_size,
            enforcement=defaults.enforcement,
            note=(note or "").strip(),
        )
        session.departments.set(chosen)
        audit_record(
            actor=actor,
            instance=session,
            action=AuditAction.CREATE,
            after={**snapshot(session, FIELDS), "departments": [str(d) for d in chosen]},
        )
    return session


def session_update(
    *,
    actor: Actor,
    session: CalibrationSession,
    name: str,
    departments: Iterable[Department],
    subtree: bool,
    role_family: RoleFamily | None,
    facilitator: User,
    distribution: list[dict[str, str]],
    min_group_size: int,
    enforcement: str,
    allowed_departments: Iterable[Department],
    note: str = "",
) -> CalibrationSession:
    errors: dict[str, list[str]] = {}
    text = _name(name, errors)
    chosen = _scope(departments, role_family, allowed_departments, errors)
    rule = check_rule(distribution, errors)
    check_group_size(min_group_size, errors)
    check_enforcement(enforcement, errors)
    if (
        text
        and CalibrationSession.objects.filter(cycle_id=session.cycle_id, name=text)
        .exclude(pk=session.pk)
        .exists()
    ):
        errors.setdefault("name", []).append(_("This cycle already has a session of that name."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        _editable(locked)
        before = {
            **snapshot(locked, FIELDS),
            "departments": [str(d) for d in locked.departments.all()],
        }
        locked.name = text
        locked.subtree = subtree
        locked.role_family = role_family
        locked.facilitator = facilitator
        locked.distribution = rule
        locked.min_group_size = min_group_size
        locked.enforcement = enforcement
        locked.note = (note or "").strip()
        locked.save(update_fields=[*FIELDS, "updated_at"])
        locked.departments.set(chosen)
        after = {**snapshot(locked, FIELDS), "departments": [str(d) for d in chosen]}
        audit_record(
            actor=actor, instance=locked, action=AuditAction.UPDATE, before=before, after=after
        )
    return locked


def member_add(
    *, actor: Actor, session: CalibrationSession, user: User, role: str
) -> SessionMember:
    if session.status == SessionStatus.CLOSED:
        raise ValidationError(_("This session is closed."))
    if role not in MemberRole.values:
        raise ValidationError({"role": [_("Choose the member's role.")]})
    if not user.is_active:
        raise ValidationError({"user": [_("This user cannot sign in.")]})
    with transaction.atomic():
        member, created = SessionMember.objects.get_or_create(
            session=session, user=user, defaults={"role": role}
        )
        if not created and member.role != role:
            before = {"role": member.role}
            member.role = role
            member.save(update_fields=["role", "updated_at"])
            audit_record(actor=actor, instance=member, before=before, after={"role": role})
        elif created:
            audit_record(
                actor=actor,
                instance=member,
                action=AuditAction.CREATE,
                after={"user": str(user), "role": role},
            )
    return member


def member_remove(*, actor: Actor, member: SessionMember) -> None:
    if member.session.status == SessionStatus.CLOSED:
        raise ValidationError(_("This session is closed."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            instance=member,
            action=AuditAction.DELETE,
            before={"user": str(member.user), "role": member.role},
        )
        member.delete()


def covered_reviews_q(session: CalibrationSession) -> Q:
    """The reviews of the session's cycle its departments and role family cover."""
    q = Q(cycle_id=session.cycle_id) & ~Q(status=ReviewStatus.REMOVED)
    departments = list(session.departments.all())
    if departments:
        where = Q(pk__in=[])
        for department in departments:
            if session.subtree:
                where |= Q(department__path__startswith=department.path)
            else:
                where |= Q(department=department)
        q &= where
    if session.role_family_id is not None:
        q &= Q(role_family_id=session.role_family_id)
    return q


def session_open(*, actor: Actor, session: CalibrationSession) -> OpenReport:
    """Open the session with every covered review's proposal (bulk)."""
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        _editable(locked)
        cycle = Cycle.objects.get(pk=locked.cycle_id)
        if cycle.status != CycleStatus.RUNNING or not phase_reached(cycle, Phase.CALIBRATION):
            raise ValidationError(
                _(
                    "A session opens once the cycle has reached calibration "
                    "(the manager reviews are in)."
                )
            )
        if cycle.phase != Phase.CALIBRATION:
            raise ValidationError(_("The cycle has moved past calibration."))
        covered = Review.objects.filter(covered_reviews_q(locked))
        taken = CalibrationEntry.objects.filter(session__cycle_id=cycle.pk).values("review_id")
        rows = list(
            covered.exclude(pk__in=taken)
            .order_by("department_id", "employee_id")
            .values_list("pk", "employee_id", "department_id", "manager_id", "score", "grade")
        )
        skipped = covered.filter(pk__in=taken).count()
        if not rows:
            raise ValidationError(_("No review in this cycle is covered by the session."))
        pools = pool_keys(locked, [(row[2]) for row in rows])
        CalibrationEntry.objects.bulk_create(
            [
                CalibrationEntry(
                    session=locked,
                    review_id=pk,
                    employee_id=employee_id,
                    department_id=department_id,
                    manager_id=manager_id,
                    proposed_score=score,
                    proposed_grade=grade or "",
                    score=score,
                    grade=grade or "",
                    pool=pools.get(department_id, ""),
                )
                for pk, employee_id, department_id, manager_id, score, grade in rows
            ],
            batch_size=BATCH,
        )
        locked.status = SessionStatus.OPEN
        locked.opened_at = timezone.now()
        locked.save(update_fields=["status", "opened_at", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"status": SessionStatus.DRAFT},
            after={"status": SessionStatus.OPEN, "people": len(rows), "skipped": skipped},
        )
        _tell_members(locked, cycle, events.SESSION_OPENED, count=len(rows))
    return OpenReport(session=locked, added=len(rows), skipped=skipped)


def session_close(
    *, actor: Actor, session: CalibrationSession, reason: str = ""
) -> CalibrationSession:
    """Close and lock the session, holding it to its distribution."""
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": MAX_REASON}]}
        )
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.OPEN:
            raise ValidationError(_("Only an open session can be closed."))
        off = [d for d in deviations_of_session(locked) if not d.complies]
        if off and locked.enforcement == Enforcement.BLOCK:
            raise ValidationError(
                _(
                    "The distribution is off target in %(count)s group(s); "
                    "bring it on target before closing."
                )
                % {"count": len(off)}
            )
        if off and not text:
            raise ValidationError(
                {
                    "reason": [
                        _("The distribution is off target: give the reason for closing anyway.")
                    ]
                }
            )
        locked.status = SessionStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor.user
        locked.close_reason = text if off else ""
        locked.save(
            update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.CLOSE,
            before={"status": SessionStatus.OPEN},
            after={"status": SessionStatus.CLOSED, "off_target_groups": len(off)},
            reason=locked.close_reason,
        )
        _tell_members(locked, locked.cycle, events.SESSION_CLOSED)
    return locked


def _tell_members(session: CalibrationSession, cycle: Cycle, event: str, count: int = 0) -> None:
    """The facilitator and each member, in their role; keyed so nobody hears it twice."""
    url = reverse("calibration:session", args=[session.uuid])
    seats: dict[int, tuple[User, str]] = {}
    for member in SessionMember.objects.filter(session=session).select_related("user"):
        seats[member.user_id] = (member.user, str(MemberRole(member.role).label))
    facilitator = User.objects.get(pk=session.facilitator_id)
    seats[facilitator.pk] = (facilitator, _("facilitator"))
    for user, role in seats.values():
        notify(
            event=event,
            recipients=[user],
            params={"session": session.name, "cycle": cycle.name, "count": count, "role": role},
            url=url,
            key=f"calibration:{session.uuid}:{event}",
        )


def session_delete(*, actor: Actor, session: CalibrationSession) -> None:
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        _editable(locked)
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.DELETE,
            before=snapshot(locked, FIELDS),
        )
        locked.delete()


def sessions_guard(cycle: Cycle, closing: str, opening: str) -> None:
    """Reviews' phase guard: results wait until every opened session is closed."""
    if closing != Phase.CALIBRATION:
        return
    if CalibrationSession.objects.filter(cycle=cycle, status=SessionStatus.OPEN).exists():
        raise ValidationError(
            _("Close every open calibration session of this cycle before publishing results.")
        )
