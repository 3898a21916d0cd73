"""Goal adjustments (目标调整): a change to agreed goals, with its reason, decided in steps.

    requested ──► manager ──► hr ──► committee (beyond the limit only) ──► approved
        │            │         │          │
        │            └─────────┴──────────┴──► rejected (with a comment)
        └──► withdrawn (by the requester, while it is open)

A request records the diff (before → after, per goal) and nothing else; the goals change
only when the last step approves. Then each goal touched gets a new ``GoalVersion`` from
``effective_from`` on (the version in force ends the day before), so scores are computed
against the terms in force for each part of the period; an individual scorecard's letter
becomes a new edition that both sides sign again (the signed letter of the previous edition
stays on record, its signatures being per edition).

When the requester is themself a manager above the person (they ask on the person's behalf),
the manager step is recorded as approved by them at request time. Nobody decides two steps
of one adjustment, and the requester decides no step but that one: "上级与HR共同确认"
means two people.

What a request may say, its diff and the flexibility limit are in
``pms.goals.services.adjustment_plans``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals import access, events
from pms.goals.models import (
    EXTERNAL_REASONS,
    OPEN_ADJUSTMENT,
    AdjustmentDecision,
    AdjustmentStatus,
    Comment,
    CommentKind,
    Decision,
    DecisionStep,
    Goal,
    GoalAdjustment,
    GoalKind,
    ReasonCategory,
    ReasonCode,
    Scorecard,
    ScorecardStatus,
)
from pms.goals.services.adjustment_plans import (
    ADD,
    AdjustmentPlan,
    ChangeSpec,
    Errors,
    adjustment_plan,
    clean_value,
    diff_value,
    new_goal,
    plan_adjustment_plan,
)
from pms.goals.services.scorecards import GOAL_AUDIT_FIELDS, SCORECARD_AUDIT_FIELDS
from pms.goals.services.versions import version_next, versions_start
from pms.org.roles import principal_for
from pms.scoring.scorecard import check_weights

__all__ = [
    "AdjustmentPlan",
    "ChangeSpec",
    "adjustment_comment",
    "adjustment_decide",
    "adjustment_plan",
    "adjustment_request",
    "adjustment_withdraw",
    "plan_adjustment_plan",
    "plan_adjustment_request",
]

ADJUSTMENT_AUDIT_FIELDS = (
    "status",
    "reason_category",
    "reason_code",
    "reason",
    "effective_from",
    "changes",
    "needs_committee",
    "largest_change",
)
NEXT_STEP = {
    AdjustmentStatus.PENDING_MANAGER: AdjustmentStatus.PENDING_HR,
    AdjustmentStatus.PENDING_HR: AdjustmentStatus.PENDING_COMMITTEE,
    AdjustmentStatus.PENDING_COMMITTEE: AdjustmentStatus.APPROVED,
}


# --- requests ----------------------------------------------------------------------------


def _check_reason(errors: Errors, reason_category: str, reason_code: str, reason: str) -> None:
    if reason_category not in ReasonCategory.values:
        errors.add(_("Say whether the cause is external or internal."), "reason_category")
    elif reason_code not in ReasonCode.values:
        errors.add(_("Choose a reason."), "reason_code")
    elif (reason_category == ReasonCategory.EXTERNAL) != (reason_code in EXTERNAL_REASONS):
        errors.add(
            _("“%(reason)s” is not an %(category)s cause.")
            % {
                "reason": ReasonCode(reason_code).label,
                "category": ReasonCategory(reason_category).label.lower(),
            },
            "reason_code",
        )
    if not reason.strip():
        errors.add(_("Explain why the goal must change."), "reason")


def _plan_with_reason(
    plan: Callable[[], AdjustmentPlan], reason_category: str, reason_code: str, reason: str
) -> AdjustmentPlan:
    """Runs the plan and the reason checks together, so every problem shows at once."""
    errors = Errors()
    _check_reason(errors, reason_category, reason_code, reason)
    try:
        result: AdjustmentPlan = plan()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                for message in messages:
                    errors.add(message, name)
        else:
            for message in error.messages:
                errors.add(message)
        errors.raise_if_any()
        raise
    errors.raise_if_any()
    return result


def _requester_decides_first_step(actor: Actor, adjustment: GoalAdjustment) -> bool:
    """A manager above the person asking on their behalf (for company and department goals:
    an executive or company HR) approves the first step by asking."""
    return access.can_decide_adjustment(principal_for(actor.user), adjustment)


def _create(*, actor: Actor, adjustment: GoalAdjustment, plan: AdjustmentPlan) -> GoalAdjustment:
    if actor.user is None:
        raise ValidationError(_("An adjustment is requested by a person."))
    adjustment.requested_by = actor.user
    adjustment.changes = plan.changes
    adjustment.largest_change = plan.largest_change
    adjustment.needs_committee = plan.needs_committee
    adjustment.status = AdjustmentStatus.PENDING_MANAGER
    # nobody stands above a person without a manager: HR decides first
    scorecard = adjustment.scorecard
    skip_manager = scorecard is not None and scorecard.employee.manager_id is None
    self_approved = not skip_manager and _requester_decides_first_step(actor, adjustment)
    if skip_manager or self_approved:
        adjustment.status = AdjustmentStatus.PENDING_HR
    adjustment.full_clean()
    adjustment.save()
    if self_approved:
        AdjustmentDecision.objects.create(
            adjustment=adjustment,
            step=DecisionStep.MANAGER,
            decision=Decision.APPROVE,
            decided_by=actor.user,
        )
    audit_record(
        actor=actor,
        instance=adjustment,
        action=AuditAction.CREATE,
        after=snapshot(adjustment, ADJUSTMENT_AUDIT_FIELDS),
        reason=adjustment.reason,
    )
    events.notify_adjustment_waiting(adjustment)
    return adjustment


@transaction.atomic
def adjustment_request(
    *,
    actor: Actor,
    scorecard: Scorecard,
    changes: Sequence[ChangeSpec],
    reason_category: str,
    reason_code: str,
    reason: str,
    effective_from: dt.date | None,
) -> GoalAdjustment:
    """Ask to change an agreed scorecard's goals. Every problem is reported at once and
    nothing is written; the diff and the limit check are those of ``adjustment_plan``."""
    plan = _plan_with_reason(
        lambda: adjustment_plan(
            scorecard=scorecard, changes=changes, effective_from=effective_from
        ),
        reason_category,
        reason_code,
        reason,
    )
    assert effective_from is not None  # noqa: S101 (the plan refuses a missing date)
    adjustment = GoalAdjustment(
        scorecard=scorecard,
        reason_category=reason_category,
        reason_code=reason_code,
        reason=reason.strip(),
        effective_from=effective_from,
    )
    return _create(actor=actor, adjustment=adjustment, plan=plan)


@transaction.atomic
def plan_adjustment_request(
    *,
    actor: Actor,
    goal: Goal,
    values: Mapping[str, Any],
    reason_category: str,
    reason_code: str,
    reason: str,
    effective_from: dt.date | None,
) -> GoalAdjustment:
    """Ask to change an approved company or department goal. Decided by an executive or
    company HR ("manager" step), then HR, then the committee beyond the limit."""
    plan = _plan_with_reason(
        lambda: plan_adjustment_plan(goal=goal, values=values, effective_from=effective_from),
        reason_category,
        reason_code,
        reason,
    )
    assert effective_from is not None  # noqa: S101 (the plan refuses a missing date)
    adjustment = GoalAdjustment(
        goal=goal,
        reason_category=reason_category,
        reason_code=reason_code,
        reason=reason.strip(),
        effective_from=effective_from,
    )
    return _create(actor=actor, adjustment=adjustment, plan=plan)


# --- decisions ---------------------------------------------------------------------------


def _status_audit(
    *, actor: Actor, adjustment: GoalAdjustment, before: str, action: str, reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        instance=adjustment,
        action=action,
        before={"status": before},
        after={"status": adjustment.status},
        reason=reason,
    )


@transaction.atomic
def adjustment_decide(
    *, actor: Actor, adjustment: GoalAdjustment, decision: str, comment: str = ""
) -> GoalAdjustment:
    """Approve or reject the step the adjustment waits at. Who may is decided by
    ``access.can_decide_adjustment``; here: nobody decides twice, the requester decides
    none (but the manager step they asked as), a rejection says why. The last approval
    applies the changes."""
    adjustment = GoalAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    if adjustment.status not in OPEN_ADJUSTMENT:
        raise ValidationError(_("This adjustment is decided already."))
    if actor.user is None:
        raise ValidationError(_("A decision is taken by a person."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Approve or reject.")})
    comment = comment.strip()
    if decision == Decision.REJECT and not comment:
        raise ValidationError({"comment": _("Say why the adjustment is rejected.")})
    involved = {
        adjustment.requested_by_id,
        *adjustment.decisions.values_list("decided_by_id", flat=True),
    }
    if actor.user.pk in involved:
        raise ValidationError(
            _(
                "You requested this adjustment or decided an earlier step; another person "
                "decides this one."
            )
        )
    step = DecisionStep(adjustment.status)
    AdjustmentDecision.objects.create(
        adjustment=adjustment,
        step=step,
        decision=decision,
        decided_by=actor.user,
        comment=comment,
    )
    before = adjustment.status
    now = timezone.now()
    if decision == Decision.REJECT:
        adjustment.status = AdjustmentStatus.REJECTED
        adjustment.decided_at = now
        adjustment.save(update_fields=["status", "decided_at", "updated_at"])
        _status_audit(
            actor=actor,
            adjustment=adjustment,
            before=before,
            action=AuditAction.REJECT,
            reason=comment,
        )
        events.notify_adjustment_decided(adjustment, decider=actor.user, comment=comment)
        return adjustment
    following = NEXT_STEP[AdjustmentStatus(adjustment.status)]
    if following == AdjustmentStatus.PENDING_COMMITTEE and not adjustment.needs_committee:
        following = AdjustmentStatus.APPROVED
    adjustment.status = following
    fields = ["status", "updated_at"]
    if following == AdjustmentStatus.APPROVED:
        adjustment.decided_at = now
        fields.append("decided_at")
        _apply(actor=actor, adjustment=adjustment)
        fields.append("changes")
    adjustment.save(update_fields=fields)
    _status_audit(
        actor=actor,
        adjustment=adjustment,
        before=before,
        action=AuditAction.APPROVE,
        reason=comment,
    )
    if adjustment.status == AdjustmentStatus.APPROVED:
        events.notify_adjustment_decided(adjustment, decider=actor.user, comment=comment)
    else:
        events.notify_adjustment_waiting(adjustment)
    return adjustment


def _apply(*, actor: Actor, adjustment: GoalAdjustment) -> None:
    """Write the approved changes: goals, a version per goal, a new edition of the letter."""
    scorecard = adjustment.scorecard
    if scorecard is not None:
        goals = {str(g.uuid): g for g in scorecard.goals.all()}
        period = scorecard.period
    else:
        assert adjustment.goal is not None  # noqa: S101 (the model's check constraint)
        goals = {str(adjustment.goal.uuid): adjustment.goal}
        period = adjustment.goal.period
    effective = adjustment.effective_from
    touched = [goals[c["goal"]] for c in adjustment.changes if c.get("goal") in goals]
    unversioned = [g for g in touched if not g.versions.exists()]
    if unversioned:  # agreed before versions were kept: version 1 holds the terms so far
        versions_start(unversioned, period.start)
    stale: list[str] = []
    for entry in adjustment.changes:
        if entry["op"] == ADD:
            assert scorecard is not None  # noqa: S101 (additions are on scorecards only)
            goal = _add_goal(actor=actor, adjustment=adjustment, scorecard=scorecard, entry=entry)
            entry["goal"] = str(goal.uuid)
        else:
            found = goals.get(entry["goal"])
            if found is None or not found.is_active:
                stale.append(entry["title"])
                continue
            goal = found
            if not _apply_change(actor=actor, adjustment=adjustment, goal=goal, entry=entry):
                stale.append(goal.title)
                continue
        version_next(goal, valid_from=effective, adjustment=adjustment)
    if stale:
        raise ValidationError(
            _("These goals changed since the request: %(goals)s. Reject it and ask again.")
            % {"goals": "、".join(stale)}
        )
    if scorecard is not None:
        _check_weights_in_force(scorecard)
        _new_edition(actor=actor, adjustment=adjustment, scorecard=scorecard)


def _apply_change(
    *, actor: Actor, adjustment: GoalAdjustment, goal: Goal, entry: Mapping[str, Any]
) -> bool:
    before = snapshot(goal, GOAL_AUDIT_FIELDS)
    names: list[str] = []
    for name, (was, value) in entry["fields"].items():
        if diff_value(getattr(goal, name)) != was:
            return False
        setattr(goal, name, clean_value(name, value, goal))
        names.append(name)
    goal.full_clean(exclude=["scorecard", "parent", "template_item", "indicator"])
    goal.save(update_fields=[*names, "updated_at"])
    after = snapshot(goal, GOAL_AUDIT_FIELDS)
    changed = [k for k in GOAL_AUDIT_FIELDS if before[k] != after[k]]
    audit_record(
        actor=actor,
        instance=goal,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=_adjustment_reason(adjustment),
    )
    return True


def _add_goal(
    *, actor: Actor, adjustment: GoalAdjustment, scorecard: Scorecard, entry: Mapping[str, Any]
) -> Goal:
    terms = {name: after for name, (_before, after) in entry["fields"].items()}
    goal = new_goal(scorecard, terms, Errors())
    if goal is None:
        raise ValidationError(_("The goal to add is no longer valid. Reject it and ask again."))
    top = scorecard.goals.aggregate(top=Max("sort_order"))["top"]
    goal.sort_order = (top or 0) + 1
    goal.approved_at = timezone.now()
    goal.approved_by = actor.user
    goal.full_clean(exclude=["scorecard", "parent", "template_item", "indicator"])
    goal.save()
    audit_record(
        actor=actor,
        instance=goal,
        action=AuditAction.CREATE,
        after=snapshot(goal, GOAL_AUDIT_FIELDS),
        reason=_adjustment_reason(adjustment),
    )
    return goal


def _adjustment_reason(adjustment: GoalAdjustment) -> str:
    return f"{adjustment.get_reason_code_display()}: {adjustment.reason}"


def _check_weights_in_force(scorecard: Scorecard) -> None:
    weights = check_weights(
        g.weight or Decimal(0)
        for g in scorecard.goals.filter(is_active=True).exclude(kind=GoalKind.KEY_RESULT)
    )
    if not weights.ok:
        raise ValidationError(
            _(
                "With this adjustment the weights would total %(total)s%%; they must total "
                "100%%. Reject it and ask again."
            )
            % {"total": diff_value(weights.total)}
        )


def _new_edition(*, actor: Actor, adjustment: GoalAdjustment, scorecard: Scorecard) -> None:
    """The letter changed: a new edition for both sides to sign. The signatures of earlier
    editions stay, each tied to its edition."""
    before = snapshot(scorecard, SCORECARD_AUDIT_FIELDS)
    scorecard.version += 1
    scorecard.status = ScorecardStatus.APPROVED
    scorecard.signed_at = None
    scorecard.save(update_fields=["version", "status", "signed_at", "updated_at"])
    after = snapshot(scorecard, SCORECARD_AUDIT_FIELDS)
    audit_record(
        actor=actor,
        instance=scorecard,
        action=AuditAction.UPDATE,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        reason=_adjustment_reason(adjustment),
    )


# --- withdrawal and discussion -----------------------------------------------------------


@transaction.atomic
def adjustment_withdraw(*, actor: Actor, adjustment: GoalAdjustment) -> GoalAdjustment:
    """The requester takes back an open request (``access.can_withdraw_adjustment``)."""
    if adjustment.status not in OPEN_ADJUSTMENT:
        raise ValidationError(_("Only an open adjustment can be withdrawn."))
    before = adjustment.status
    adjustment.status = AdjustmentStatus.WITHDRAWN
    adjustment.decided_at = timezone.now()
    adjustment.save(update_fields=["status", "decided_at", "updated_at"])
    _status_audit(actor=actor, adjustment=adjustment, before=before, action=AuditAction.WITHDRAW)
    return adjustment


@transaction.atomic
def adjustment_comment(*, actor: Actor, adjustment: GoalAdjustment, body: str) -> Comment:
    """A remark in the adjustment's discussion (everyone who sees it takes part)."""
    if actor.user is None:
        raise ValidationError(_("A comment needs a person."))
    if not body.strip():
        raise ValidationError({"body": _("Write something first.")})
    comment = Comment.objects.create(
        adjustment=adjustment, author=actor.user, kind=CommentKind.COMMENT, body=body.strip()
    )
    audit_record(
        actor=actor, instance=comment, action=AuditAction.CREATE, after={"body": comment.body}
    )
    return comment
