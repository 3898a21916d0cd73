"""The goal events people are notified of, and who is told. Registered when this module is
imported (from ``GoalsConfig.ready``); the services call the ``notify_*`` functions inside their
transactions (the messages go out after the commit).

- scorecard submitted → the direct manager (HR in scope when the person has none);
- scorecard approved or returned → the person;
- adjustment requested, or moved on to its next step → whoever decides that step;
- adjustment approved or rejected → the requester and the person whose goals they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pms.accounts.models import User
from pms.comms.events import register_event
from pms.comms.notify import notify
from pms.goals.models import AdjustmentStatus, GoalAdjustment, Scorecard, ScorecardStatus
from pms.org.models import Employee, GrantedRole, RoleGrant

CATEGORY = "goals"
SCORECARD_SUBMITTED = "goals.scorecard_submitted"
SCORECARD_APPROVED = "goals.scorecard_approved"
SCORECARD_RETURNED = "goals.scorecard_returned"
ADJUSTMENT_REQUESTED = "goals.adjustment_requested"
ADJUSTMENT_APPROVED = "goals.adjustment_approved"
ADJUSTMENT_REJECTED = "goals.adjustment_rejected"
_COMMENT_LENGTH = 200


def register_goal_events() -> None:
    register_event(
        SCORECARD_SUBMITTED,
        title=_("%(employee)s submitted goals for %(period)s"),
        body=_("Please look at the goals and approve them or return them with a comment."),
        category=CATEGORY,
    )
    register_event(
        SCORECARD_APPROVED,
        title=_("Your goals for %(period)s are approved"),
        body=_("%(approver)s approved your goals. Please sign the target responsibility letter."),
        category=CATEGORY,
    )
    register_event(
        SCORECARD_RETURNED,
        title=_("Your goals for %(period)s were returned"),
        body=_("%(approver)s asks for changes: %(comment)s"),
        category=CATEGORY,
    )
    register_event(
        ADJUSTMENT_REQUESTED,
        title=_("A goal adjustment for %(subject)s awaits your decision"),
        body=_("Requested by %(requester)s: %(reason)s"),
        category=CATEGORY,
    )
    register_event(
        ADJUSTMENT_APPROVED,
        title=_("The goal adjustment for %(subject)s is approved"),
        body=_("The changed goals apply from %(effective_from)s."),
        category=CATEGORY,
    )
    register_event(
        ADJUSTMENT_REJECTED,
        title=_("The goal adjustment for %(subject)s is rejected"),
        body=_("%(decider)s: %(comment)s"),
        category=CATEGORY,
    )


register_goal_events()


def _users(people: Iterable[Employee | None]) -> list[User]:
    return [p.user for p in people if p is not None and p.user is not None and p.is_current]


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _COMMENT_LENGTH else text[: _COMMENT_LENGTH - 1] + "…"


def _hr_covering(employee: Employee | None) -> list[User]:
    """HR admins whose grant covers the person (company-wide ones, and HRBPs of a
    department above them); company-wide ones only for company and department goals."""
    company_wide = Q(departments__isnull=True)
    if employee is None:
        scope = company_wide
    else:
        path = employee.department.path
        parts = path.strip("/").split("/")
        ancestors = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
        scope = company_wide | Q(departments__path__in=ancestors, departments__is_active=True)
    grants = RoleGrant.objects.filter(scope, role=GrantedRole.HR_ADMIN, user__is_active=True)
    return list(User.objects.filter(pk__in=grants.values("user_id")))


def _role_holders(*roles: str) -> list[User]:
    grants = RoleGrant.objects.filter(role__in=roles, user__is_active=True)
    return list(User.objects.filter(pk__in=grants.values("user_id")))


# --- scorecards ----------------------------------------------------------------------------


def _scorecard_url(scorecard: Scorecard) -> str:
    return reverse("goals:scorecard", args=[scorecard.uuid])


def notify_scorecard_submitted(scorecard: Scorecard) -> None:
    employee = scorecard.employee
    recipients = _users([employee.manager]) or _hr_covering(employee)
    submitted = scorecard.submitted_at
    notify(
        event=SCORECARD_SUBMITTED,
        recipients=[u for u in recipients if u.pk != employee.user_id],
        params={"employee": employee.name, "period": scorecard.period.name},
        url=_scorecard_url(scorecard),
        key=f"{scorecard.uuid}:{submitted.isoformat() if submitted else ''}",
    )


def notify_scorecard_decided(scorecard: Scorecard, *, approver: User | None, comment: str) -> None:
    """Approved or returned: the person is told (not when they decided it themself)."""
    employee = scorecard.employee
    if employee.user is None or (approver is not None and approver.pk == employee.user_id):
        return
    approved = scorecard.status != ScorecardStatus.RETURNED
    notify(
        event=SCORECARD_APPROVED if approved else SCORECARD_RETURNED,
        recipients=_users([employee]),
        params={
            "period": scorecard.period.name,
            "approver": _name(approver),
            "comment": _short(comment),
        },
        url=_scorecard_url(scorecard),
    )


# --- adjustments ---------------------------------------------------------------------------


def _subject(adjustment: GoalAdjustment) -> str:
    scorecard = adjustment.scorecard
    if scorecard is not None:
        return f"{scorecard.employee.name} · {scorecard.period.name}"
    goal = adjustment.goal
    return goal.title if goal is not None else ""


def _deciders(adjustment: GoalAdjustment) -> list[User]:
    """Who decides the step the adjustment waits at (``access.can_decide_adjustment``)."""
    status = adjustment.status
    scorecard = adjustment.scorecard
    employee = scorecard.employee if scorecard is not None else None
    if status == AdjustmentStatus.PENDING_COMMITTEE:
        users = _role_holders(GrantedRole.COMMITTEE)
    elif status == AdjustmentStatus.PENDING_MANAGER:
        if employee is not None:
            users = _users([employee.manager])
        else:
            users = _role_holders(GrantedRole.EXECUTIVE) + _hr_covering(None)
    elif status == AdjustmentStatus.PENDING_HR:
        users = _hr_covering(employee)
    else:
        users = []
    involved: set[int | None] = {
        adjustment.requested_by_id,
        *adjustment.decisions.values_list("decided_by_id", flat=True),
    }
    if employee is not None:
        involved.add(employee.user_id)
    return [u for u in users if u.pk not in involved]


def _adjustment_url(adjustment: GoalAdjustment) -> str:
    return reverse("goals:adjustment", args=[adjustment.uuid])


def notify_adjustment_waiting(adjustment: GoalAdjustment) -> None:
    """The adjustment waits at a step (new, or moved on): tell whoever decides it."""
    if adjustment.status not in (
        AdjustmentStatus.PENDING_MANAGER,
        AdjustmentStatus.PENDING_HR,
        AdjustmentStatus.PENDING_COMMITTEE,
    ):
        return
    notify(
        event=ADJUSTMENT_REQUESTED,
        recipients=_deciders(adjustment),
        params={
            "subject": _subject(adjustment),
            "requester": _name(adjustment.requested_by),
            "reason": _short(adjustment.reason),
        },
        url=_adjustment_url(adjustment),
        key=f"{adjustment.uuid}:{adjustment.status}",
    )


def notify_adjustment_decided(
    adjustment: GoalAdjustment, *, decider: User | None, comment: str
) -> None:
    """Approved at the last step, or rejected: the requester and the person are told."""
    if adjustment.status not in (AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED):
        return
    scorecard = adjustment.scorecard
    recipients = [adjustment.requested_by]
    if scorecard is not None and scorecard.employee.user is not None:
        recipients.append(scorecard.employee.user)
    recipients = [u for u in recipients if decider is None or u.pk != decider.pk]
    approved = adjustment.status == AdjustmentStatus.APPROVED
    notify(
        event=ADJUSTMENT_APPROVED if approved else ADJUSTMENT_REJECTED,
        recipients=recipients,
        params={
            "subject": _subject(adjustment),
            "decider": _name(decider),
            "comment": _short(comment),
            "effective_from": adjustment.effective_from.isoformat(),
        },
        url=_adjustment_url(adjustment),
        key=f"{adjustment.uuid}:{adjustment.status}",
    )
