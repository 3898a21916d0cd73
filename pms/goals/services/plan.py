"""The strategy cascade: company strategic goals and department goals, from draft to approval.

Executives (and company-wide HR) write the strategy; a department's head, HR in scope and
executives write its goals, each aligned to a strategic goal or a goal of a department
above with a contribution weight. Department goals go to the performance committee, the
strategy to the executives; the decision is a ``Comment`` on the goal and, on approval,
version 1 of its terms. Approved goals change only through an adjustment.

Structure (parent, contribution, scoring rule) is checked on every save, so a draft is
never malformed; completeness (a target and unit for a measured goal, a due date and a
completion standard for a task) only when the goal is submitted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import (
    Comment,
    CommentKind,
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Period,
    PeriodStatus,
    Perspective,
)
from pms.goals.rules import rule_to_text, validate_rule
from pms.goals.services.versions import version_start
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError

PLAN_GOAL_AUDIT_FIELDS = (
    "title",
    "kind",
    "perspective",
    "department",
    "owner",
    "parent",
    "contribution",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "scoring_rule",
    "status",
)
# what a draft's author may change; status moves only through submit/approve/return
PLAN_GOAL_CHANGEABLE = frozenset(
    {
        "title",
        "kind",
        "perspective",
        "owner",
        "parent",
        "contribution",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_max",
        "due_date",
        "completion_standard",
        "description",
        "scoring_rule",
        "sort_order",
    }
)
DECIMAL_FIELDS = frozenset({"contribution", "baseline", "target", "target_max"})
EDITABLE = (GoalStatus.DRAFT, GoalStatus.RETURNED)
HUNDRED = Decimal(100)
# a cascade deeper than this is a loop (or a data error) rather than an organisation
MAX_CHAIN = 50


def _snapshot(goal: Goal, fields: tuple[str, ...] = PLAN_GOAL_AUDIT_FIELDS) -> dict[str, Any]:
    """The audited fields, numbers as people write them ("15", not "15.0000" as read back
    from the database), so a history shows only real changes."""
    data = snapshot(goal, fields)
    for name in DECIMAL_FIELDS.intersection(fields):
        value = getattr(goal, name)
        if value is not None:
            data[name] = normalized(Decimal(value))
    if "scoring_rule" in data:
        # the compact text ("linear 0-120") reads well in a history and parses back
        with contextlib.suppress(ScoringError):
            data["scoring_rule"] = rule_to_text(goal.scoring_rule)
    return data


def _created(goal: Goal) -> dict[str, Any]:
    """A new goal's snapshot without the fields left empty."""
    return {k: v for k, v in _snapshot(goal).items() if v not in ("", None)}


# --- checks --------------------------------------------------------------------------------


def _check_period(period: Period) -> None:
    if period.status == PeriodStatus.CLOSED:
        raise ValidationError(
            {"period": _("The period %(period)s is closed.") % {"period": period.name}}
        )


def _check_owner(owner: Employee | None) -> None:
    if owner is not None and owner.status not in CURRENT_STATUSES:
        raise ValidationError(
            {"owner": _("%(name)s has left and cannot own a goal.") % {"name": owner.name}}
        )


def _check_parent(goal: Goal) -> None:
    """The goal a department goal aligns to: a strategic goal of the same period, or for a
    sub-department a goal of the same or a parent department; never one below itself."""
    parent = goal.parent
    if goal.level == GoalLevel.COMPANY:
        if parent is not None:
            raise ValidationError(
                {"parent": _("A strategic goal is the top of the cascade and aligns to nothing.")}
            )
        return
    if parent is None:
        return
    if goal.pk is not None and parent.pk == goal.pk:
        raise ValidationError({"parent": _("A goal cannot be aligned to itself.")})
    if parent.period_id != goal.period_id:
        raise ValidationError(
            {"parent": _("A goal can only be aligned to a goal of the same period.")}
        )
    if not parent.is_active:
        raise ValidationError({"parent": _("The goal to align to has been removed.")})
    department = goal.department
    if department is None:
        raise ValueError("a department goal without its department")  # checked before
    if parent.level == GoalLevel.COMPANY:
        return
    if parent.level != GoalLevel.DEPARTMENT or parent.department is None:
        raise ValidationError(
            {"parent": _("A department goal aligns to a strategic goal or a department goal.")}
        )
    if department.parent_id is None:
        raise ValidationError(
            {"parent": _("A top-level department's goal aligns to a strategic goal.")}
        )
    if not department.path.startswith(parent.department.path):
        raise ValidationError(
            {
                "parent": _(
                    "A department goal aligns to a strategic goal or to a goal of the same or "
                    "a parent department; %(department)s is neither."
                )
                % {"department": parent.department.name}
            }
        )
    if goal.pk is not None:
        _check_no_loop(goal, parent)


def _check_no_loop(goal: Goal, parent: Goal) -> None:
    """Walk up from the new parent: meeting the goal itself would close a loop. One small
    query per level, and cascades are a few levels deep."""
    current: Goal | None = parent
    for _step in range(MAX_CHAIN):
        if current is None:
            return
        if current.pk == goal.pk:
            raise ValidationError(
                {"parent": _("A goal cannot be aligned to a goal that is aligned to it.")}
            )
        if current.parent_id is None:
            return
        current = Goal.objects.only("pk", "parent_id").filter(pk=current.parent_id).first()
    raise ValidationError({"parent": _("The chain of aligned goals is too long.")})


def _check_contribution(goal: Goal) -> None:
    contribution = goal.contribution
    if contribution is None:
        return
    if goal.parent_id is None:
        raise ValidationError(
            {"contribution": _("A contribution weight needs a goal to contribute to.")}
        )
    if contribution < 0 or contribution > HUNDRED:
        raise ValidationError(
            {"contribution": _("A contribution weight lies between 0 and 100 %.")}
        )
    # lock the parent so two goals saved at once cannot both take the last free share
    Goal.objects.select_for_update().filter(pk=goal.parent_id).values_list("pk").first()
    siblings = Goal.objects.filter(parent_id=goal.parent_id, is_active=True)
    if goal.pk is not None:
        siblings = siblings.exclude(pk=goal.pk)
    others = siblings.aggregate(total=Sum("contribution"))["total"] or Decimal(0)
    total = Decimal(others) + contribution
    if total > HUNDRED:
        raise ValidationError(
            {
                "contribution": _(
                    "The goals aligned to “%(parent)s” would contribute %(total)s %% together; "
                    "at most 100 %% is possible (%(free)s %% is still free)."
                )
                % {
                    "parent": goal.parent.title if goal.parent else "",
                    "total": normalized(total),
                    "free": normalized(max(HUNDRED - Decimal(others), Decimal(0))),
                }
            }
        )


def _check_structure(goal: Goal) -> None:
    """What holds for every saved plan goal, draft or not."""
    goal.title = goal.title.strip()
    if not goal.title:
        raise ValidationError({"title": _("Write what the goal is.")})
    if goal.level == GoalLevel.DEPARTMENT:
        if goal.department is None:
            raise ValidationError({"department": _("A department goal needs its department.")})
        if not goal.department.is_active:
            raise ValidationError(
                {
                    "department": _("The department %(name)s is closed.")
                    % {"name": goal.department.name}
                }
            )
    if goal.level == GoalLevel.COMPANY and goal.contribution is not None:
        raise ValidationError(
            {"contribution": _("A strategic goal contributes to nothing above it.")}
        )
    if goal.target is not None and goal.target_max is not None and goal.target_max < goal.target:
        raise ValidationError({"target_max": _("The upper target must not be below the target.")})
    _check_parent(goal)
    _check_contribution(goal)
    goal.scoring_rule = validate_rule(goal.scoring_rule)
    goal.full_clean(exclude=["scorecard", "template_item", "indicator", "parent", "owner"])


def plan_goal_problems(goal: Goal) -> dict[str, list[str]]:
    """What a goal still lacks before it can be submitted, by field (empty when ready)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if goal.level == GoalLevel.COMPANY and not goal.perspective:
        add("perspective", _("Choose the Balanced Scorecard perspective of a strategic goal."))
    if goal.is_measured:
        if goal.target is None:
            add("target", _("A measured goal needs a target."))
        if not goal.unit.strip():
            add("unit", _("A measured goal needs a unit."))
        if goal.direction == Direction.RANGE and goal.target_max is None:
            add("target_max", _("A target within a range needs its upper bound."))
    if goal.kind == GoalKind.TASK:
        if goal.due_date is None:
            add("due_date", _("A key task needs a due date."))
        if not goal.completion_standard.strip():
            add("completion_standard", _("A key task needs a completion standard."))
    return problems


# --- create, change, delete ----------------------------------------------------------------


def _new_goal(
    *,
    period: Period,
    level: str,
    title: str,
    kind: str,
    perspective: str,
    department: Department | None,
    owner: Employee | None,
    parent: Goal | None,
    contribution: Decimal | None,
    metric: str,
    unit: str,
    direction: str,
    baseline: Decimal | None,
    target: Decimal | None,
    target_max: Decimal | None,
    due_date: dt.date | None,
    completion_standard: str,
    description: str,
    scoring_rule: dict[str, Any] | None,
) -> Goal:
    return Goal(
        period=period,
        level=level,
        kind=kind,
        title=title,
        description=description,
        perspective=perspective,
        department=department,
        owner=owner,
        parent=parent,
        contribution=contribution,
        metric=metric.strip(),
        unit=unit.strip(),
        direction=direction,
        baseline=baseline,
        target=target,
        target_max=target_max,
        due_date=due_date,
        completion_standard=completion_standard.strip(),
        scoring_rule=scoring_rule if scoring_rule is not None else {"type": "linear"},
        status=GoalStatus.DRAFT,
    )


def _save_new(actor: Actor, goal: Goal) -> Goal:
    _check_owner(goal.owner)
    _check_structure(goal)
    goal.save()
    audit_record(
        actor=actor,
        instance=goal,
        action=AuditAction.CREATE,
        after=_created(goal),
    )
    return goal


@transaction.atomic
def company_goal_create(
    *,
    actor: Actor,
    period: Period,
    title: str,
    kind: str = GoalKind.KPI,
    perspective: str = "",
    owner: Employee | None = None,
    metric: str = "",
    unit: str = "",
    direction: str = Direction.HIGHER,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_max: Decimal | None = None,
    due_date: dt.date | None = None,
    completion_standard: str = "",
    description: str = "",
    scoring_rule: dict[str, Any] | None = None,
) -> Goal:
    """A strategic goal of the company for a period (战略目标), as a draft."""
    _check_period(period)
    if perspective and perspective not in Perspective.values:
        raise ValidationError({"perspective": _("Choose a Balanced Scorecard perspective.")})
    goal = _new_goal(
        period=period,
        level=GoalLevel.COMPANY,
        title=title,
        kind=kind,
        perspective=perspective,
        department=None,
        owner=owner,
        parent=None,
        contribution=None,
        metric=metric,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        target_max=target_max,
        due_date=due_date,
        completion_standard=completion_standard,
        description=description,
        scoring_rule=scoring_rule,
    )
    return _save_new(actor, goal)


@transaction.atomic
def department_goal_create(
    *,
    actor: Actor,
    period: Period,
    department: Department,
    title: str,
    parent: Goal | None = None,
    contribution: Decimal | None = None,
    kind: str = GoalKind.KPI,
    perspective: str = "",
    owner: Employee | None = None,
    metric: str = "",
    unit: str = "",
    direction: str = Direction.HIGHER,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_max: Decimal | None = None,
    due_date: dt.date | None = None,
    completion_standard: str = "",
    description: str = "",
    scoring_rule: dict[str, Any] | None = None,
) -> Goal:
    """A department's goal (部门目标), as a draft; owned by the department's head unless
    someone else is named. ``parent`` is the strategic or higher department goal it
    carries, ``contribution`` its share of that goal in percent."""
    _check_period(period)
    if perspective and perspective not in Perspective.values:
        raise ValidationError({"perspective": _("Choose a Balanced Scorecard perspective.")})
    if owner is None and department.head_id is not None:
        owner = department.head
    goal = _new_goal(
        period=period,
        level=GoalLevel.DEPARTMENT,
        title=title,
        kind=kind,
        perspective=perspective or (parent.perspective if parent is not None else ""),
        department=department,
        owner=owner,
        parent=parent,
        contribution=contribution,
        metric=metric,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        target_max=target_max,
        due_date=due_date,
        completion_standard=completion_standard,
        description=description,
        scoring_rule=scoring_rule,
    )
    return _save_new(actor, goal)


def _require_editable(goal: Goal) -> None:
    if goal.status == GoalStatus.APPROVED:
        raise ValidationError(
            _("This goal is approved: it changes only through an adjustment request.")
        )
    if goal.status == GoalStatus.SUBMITTED:
        raise ValidationError(
            _("This goal awaits a decision and cannot be changed until it is returned.")
        )


@transaction.atomic
def plan_goal_update(
    *, actor: Actor, goal: Goal, changes: dict[str, Any], reason: str = ""
) -> Goal:
    """Change a draft or returned strategic or department goal."""
    unknown = set(changes) - PLAN_GOAL_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("period", "department", "owner", "parent")
        .get(pk=goal.pk)
    )
    _require_editable(goal)
    before = _snapshot(goal)
    if "perspective" in changes and changes["perspective"] not in ("", *Perspective.values):
        raise ValidationError({"perspective": _("Choose a Balanced Scorecard perspective.")})
    if "owner" in changes:
        if changes["owner"] is None and goal.department is not None:
            changes = {**changes, "owner": goal.department.head}  # as when it was created
        if changes["owner"] != goal.owner:
            _check_owner(changes["owner"])
    for name, value in changes.items():
        if isinstance(value, str) and name in {"title", "metric", "unit"}:
            value = value.strip()  # noqa: PLW2901 (normalising the value being set)
        setattr(goal, name, value)
    _check_structure(goal)
    after = _snapshot(goal)
    changed = [name for name in PLAN_GOAL_AUDIT_FIELDS if before[name] != after[name]]
    order_changed = "sort_order" in changes
    if not changed and not order_changed:
        return goal
    fields = [name for name in changed if name in PLAN_GOAL_CHANGEABLE]
    if order_changed:
        fields.append("sort_order")
    goal.save(update_fields=[*fields, "updated_at"])
    if changed:
        audit_record(
            actor=actor,
            instance=goal,
            action=AuditAction.UPDATE,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason=reason,
        )
    return goal


@transaction.atomic
def plan_goal_delete(*, actor: Actor, goal: Goal, reason: str = "") -> None:
    """Delete a goal that was never approved and that nothing is aligned to."""
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if goal.status not in EDITABLE:
        raise ValidationError(
            _(
                "Only a draft or returned goal can be deleted; an approved goal is removed "
                "through an adjustment request."
            )
        )
    if goal.children.exists():
        raise ValidationError(_("Other goals are aligned to this one; align them elsewhere first."))
    before = _snapshot(goal)
    audit_record(
        actor=actor, instance=goal, action=AuditAction.DELETE, before=before, reason=reason
    )
    goal.delete()


# --- submit and decide ---------------------------------------------------------------------


def _move(
    *, actor: Actor, goal: Goal, status: str, action: str, reason: str, extra: list[str]
) -> Goal:
    before = _snapshot(goal, ("status",))
    goal.status = status
    goal.save(update_fields=["status", *extra, "updated_at"])
    audit_record(
        actor=actor,
        instance=goal,
        action=action,
        before=before,
        after=_snapshot(goal, ("status",)),
        reason=reason,
    )
    return goal


def _locked(goal: Goal) -> Goal:
    return (
        Goal.objects.select_for_update(of=("self",))
        .select_related("period", "department", "owner", "parent__department")
        .get(pk=goal.pk)
    )


@transaction.atomic
def plan_goal_submit(*, actor: Actor, goal: Goal) -> Goal:
    """Send a draft or returned goal for decision: department goals to the performance
    committee, strategic goals to the executives."""
    goal = _locked(goal)
    if goal.level not in (GoalLevel.COMPANY, GoalLevel.DEPARTMENT):
        raise ValueError("individual goals are submitted with their scorecard")
    if goal.status not in EDITABLE:
        raise ValidationError(_("Only a draft or returned goal can be submitted."))
    if not goal.is_active:
        raise ValidationError(_("This goal has been removed."))
    _check_period(goal.period)
    # the structure may have gone stale since the draft was saved (a sibling took more)
    _check_structure(goal)
    problems = plan_goal_problems(goal)
    if problems:
        raise ValidationError(problems)
    goal.submitted_at = timezone.now()
    return _move(
        actor=actor,
        goal=goal,
        status=GoalStatus.SUBMITTED,
        action=AuditAction.SUBMIT,
        reason="",
        extra=["submitted_at"],
    )


def _comment(actor: Actor, goal: Goal, kind: str, body: str) -> Comment | None:
    if actor.user is None:  # a system actor (demo data, commands) leaves no comment row
        return None
    return Comment.objects.create(goal=goal, author=actor.user, kind=kind, body=body)


def _require_submitted(goal: Goal) -> None:
    if goal.status != GoalStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted goal can be approved or returned."))


@transaction.atomic
def plan_goal_approve(*, actor: Actor, goal: Goal, comment: str = "") -> Goal:
    """Approve a submitted goal: its terms become version 1, in force from the period's
    start; from now on it changes only through an adjustment."""
    goal = _locked(goal)
    _require_submitted(goal)
    comment = comment.strip()
    goal.approved_at = timezone.now()
    goal.approved_by = actor.user
    _comment(actor, goal, CommentKind.APPROVAL, comment)
    _move(
        actor=actor,
        goal=goal,
        status=GoalStatus.APPROVED,
        action=AuditAction.APPROVE,
        reason=comment,
        extra=["approved_at", "approved_by"],
    )
    version_start(goal, goal.period.start)
    return goal


@transaction.atomic
def plan_goal_return(*, actor: Actor, goal: Goal, comment: str) -> Goal:
    """Return a submitted goal to its authors with what to change (the comment is required)."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change before returning the goal.")})
    goal = _locked(goal)
    _require_submitted(goal)
    _comment(actor, goal, CommentKind.RETURN, comment)
    return _move(
        actor=actor,
        goal=goal,
        status=GoalStatus.RETURNED,
        action=AuditAction.RETURN,
        reason=comment,
        extra=[],
    )


@transaction.atomic
def plan_goal_comment(*, actor: Actor, goal: Goal, body: str) -> Comment:
    """A remark in the discussion around a strategic or department goal."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if actor.user is None:
        raise ValueError("a comment needs a person as its author")
    comment = Comment(goal=goal, author=actor.user, kind=CommentKind.COMMENT, body=body)
    comment.full_clean(exclude=["scorecard", "adjustment", "indicator"])
    comment.save()
    audit_record(
        actor=actor,
        instance=comment,
        action=AuditAction.CREATE,
        after={"goal": goal.title, "kind": comment.kind, "body": body},
    )
    return comment
