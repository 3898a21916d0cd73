"""Scorecards and the individual goals on them: drafting, submission, approval, return,
signature of the target responsibility letter (目标责任书) and the discussion.

Who may do what is decided by ``pms.goals.access`` before these are called; the services
guard the state machine and the data:

    draft ──submit──► submitted ──approve──► approved ──both sign──► signed
      ▲                  │  ▲                   (goals now change only by adjustment)
      └──── returned ◄───┘  └── a manager may approve a draft directly
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, audit_record, build_entry, snapshot
from pms.core.models import AuditAction
from pms.goals import events
from pms.goals.models import (
    Comment,
    CommentKind,
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Indicator,
    Period,
    PeriodStatus,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    Section,
    Signature,
    SignerRole,
    TemplateItem,
)
from pms.goals.rules import validate_rule
from pms.goals.services.versions import TERM_FIELDS, goal_terms, versions_start
from pms.org.models import CURRENT_STATUSES, Employee
from pms.scoring.decimals import normalized
from pms.scoring.scorecard import check_weights

SCORECARD_AUDIT_FIELDS = ("status", "version", "template", "approved_by", "signed_at")
GOAL_AUDIT_FIELDS = (
    "title",
    "kind",
    "section",
    "weight",
    "indicator",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "scoring_rule",
    "perspective",
    "parent",
    "contribution",
    "description",
    "status",
    "is_active",
)
GOAL_CHANGEABLE = frozenset(
    {
        "title",
        "description",
        "kind",
        "section",
        "weight",
        "indicator",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_max",
        "due_date",
        "completion_standard",
        "scoring_rule",
        "perspective",
        "parent",
        "contribution",
        "sort_order",
    }
)
DEFAULT_SECTION = {
    GoalKind.KPI: Section.RESULTS,
    GoalKind.TASK: Section.TASKS,
    GoalKind.OBJECTIVE: Section.OKR,
    GoalKind.KEY_RESULT: Section.OKR,
}
# goals may still change while the manager looks at a submitted scorecard
CHANGEABLE_STATUSES = (ScorecardStatus.DRAFT, ScorecardStatus.RETURNED, ScorecardStatus.SUBMITTED)


# --- scorecards --------------------------------------------------------------------------


@transaction.atomic
def scorecard_create(
    *,
    actor: Actor,
    employee: Employee,
    period: Period,
    template: ScorecardTemplate | None = None,
) -> Scorecard:
    if employee.status not in CURRENT_STATUSES:
        raise ValidationError(
            _("%(name)s has left; no scorecard can be started.") % {"name": employee.name}
        )
    if period.status == PeriodStatus.CLOSED:
        raise ValidationError(_("The period %(period)s is closed.") % {"period": period.name})
    if Scorecard.objects.filter(period=period, employee=employee).exists():
        raise ValidationError(
            _("%(name)s already has a scorecard for %(period)s.")
            % {"name": employee.name, "period": period.name}
        )
    scorecard = Scorecard.objects.create(
        period=period,
        employee=employee,
        department_id=employee.department_id,
        position_id=employee.position_id,
        template=template,
    )
    audit_record(
        actor=actor,
        instance=scorecard,
        action=AuditAction.CREATE,
        after=snapshot(scorecard, SCORECARD_AUDIT_FIELDS),
    )
    return scorecard


def scorecard_get_or_create(
    *, actor: Actor, employee: Employee, period: Period
) -> tuple[Scorecard, bool]:
    existing = Scorecard.objects.filter(period=period, employee=employee).first()
    if existing is not None:
        return existing, False
    return scorecard_create(actor=actor, employee=employee, period=period), True


def _require_changeable(scorecard: Scorecard) -> None:
    if scorecard.status not in CHANGEABLE_STATUSES:
        raise ValidationError(
            _("This scorecard is agreed: its goals change only through an adjustment.")
        )


# --- goals on a scorecard ----------------------------------------------------------------


def _check_goal(goal: Goal, scorecard: Scorecard) -> None:
    """Structure and data checks that hold for a draft already. Completeness (targets,
    weights totalling 100 %) is checked when the scorecard is submitted."""
    if goal.kind == GoalKind.KEY_RESULT:
        objective = goal.parent
        if (
            objective is None
            or objective.kind != GoalKind.OBJECTIVE
            or objective.scorecard_id != scorecard.pk
        ):
            raise ValidationError(
                {"parent": _("A key result belongs to an objective on the same scorecard.")}
            )
    elif goal.parent is not None:
        parent = goal.parent
        if parent.period_id != scorecard.period_id:
            raise ValidationError(
                {"parent": _("A goal can only be aligned to a goal of the same period.")}
            )
        if parent.kind == GoalKind.KEY_RESULT or parent.scorecard_id == scorecard.pk:
            raise ValidationError(
                {"parent": _("Align a goal to a strategy, department or manager's goal.")}
            )
        if parent.level == GoalLevel.INDIVIDUAL and parent.employee_id == scorecard.employee_id:
            raise ValidationError({"parent": _("A goal cannot be aligned to one's own goal.")})
    if goal.target is not None and goal.target_max is not None and goal.target_max < goal.target:
        raise ValidationError({"target_max": _("The upper target must not be below the target.")})
    if not goal.title.strip():
        raise ValidationError({"title": _("Write what the goal is.")})
    goal.scoring_rule = validate_rule(goal.scoring_rule)


def _defaults_from_indicator(goal: Goal, indicator: Indicator) -> None:
    goal.metric = goal.metric or indicator.name
    goal.unit = goal.unit or indicator.unit
    goal.perspective = goal.perspective or indicator.perspective


@transaction.atomic
def goal_add(
    *,
    actor: Actor,
    scorecard: Scorecard,
    title: str,
    kind: str = GoalKind.KPI,
    section: str | None = None,
    weight: Decimal | None = None,
    indicator: Indicator | None = None,
    parent: Goal | None = None,
    contribution: Decimal | None = None,
    metric: str = "",
    unit: str = "",
    direction: str | None = None,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_max: Decimal | None = None,
    due_date: dt.date | None = None,
    completion_standard: str = "",
    scoring_rule: dict[str, Any] | None = None,
    perspective: str = "",
    description: str = "",
    template_item: TemplateItem | None = None,
    sort_order: int | None = None,
) -> Goal:
    """Put a goal on a scorecard. A key result's ``parent`` is its objective; any other
    goal's ``parent`` is the strategy, department or manager's goal it aligns to."""
    _require_changeable(scorecard)
    if indicator is not None and not indicator.enabled:
        raise ValidationError({"indicator": _("This indicator is switched off.")})
    if sort_order is None:
        top = scorecard.goals.aggregate(top=Max("sort_order"))["top"]
        sort_order = (top or 0) + 1
    goal = Goal(
        period_id=scorecard.period_id,
        level=GoalLevel.INDIVIDUAL,
        kind=kind,
        title=title.strip(),
        description=description,
        perspective=perspective,
        department_id=scorecard.department_id,
        employee_id=scorecard.employee_id,
        owner_id=scorecard.employee_id,
        parent=parent,
        contribution=contribution,
        scorecard=scorecard,
        section=section or DEFAULT_SECTION.get(GoalKind(kind), Section.OTHER),
        weight=weight,
        indicator=indicator,
        metric=metric,
        unit=unit,
        direction=direction or (indicator.direction if indicator else Direction.HIGHER),
        baseline=baseline,
        target=target,
        target_max=target_max,
        due_date=due_date,
        completion_standard=completion_standard,
        scoring_rule=scoring_rule
        if scoring_rule is not None
        else (indicator.scoring_rule if indicator else {"type": "linear"}),
        status=GoalStatus.DRAFT
        if scorecard.status != ScorecardStatus.SUBMITTED
        else GoalStatus.SUBMITTED,
        template_item=template_item,
        sort_order=sort_order,
    )
    if indicator is not None:
        _defaults_from_indicator(goal, indicator)
    _check_goal(goal, scorecard)
    goal.full_clean(exclude=["scorecard", "parent", "template_item", "indicator"])
    goal.save()
    audit_record(
        actor=actor,
        instance=goal,
        action=AuditAction.CREATE,
        after=snapshot(goal, GOAL_AUDIT_FIELDS),
    )
    return goal


@transaction.atomic
def goal_update(*, actor: Actor, goal: Goal, changes: dict[str, Any], reason: str = "") -> Goal:
    """Change a goal on a scorecard that is not agreed yet."""
    unknown = set(changes) - GOAL_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    scorecard = goal.scorecard
    if scorecard is None:
        raise ValueError("not a scorecard goal")
    _require_changeable(scorecard)
    before = snapshot(goal, GOAL_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(goal, name, value.strip() if name == "title" and isinstance(value, str) else value)
    indicator = changes.get("indicator")
    if isinstance(indicator, Indicator):
        if not indicator.enabled:
            raise ValidationError({"indicator": _("This indicator is switched off.")})
        _defaults_from_indicator(goal, indicator)
    _check_goal(goal, scorecard)
    goal.full_clean(exclude=["scorecard", "parent", "template_item", "indicator"])
    after = snapshot(goal, GOAL_AUDIT_FIELDS)
    changed = [name for name in GOAL_AUDIT_FIELDS if before[name] != after[name]]
    # a new list: "customised" below must not reach the audit entry's field list
    changed_fields = [*changed, "sort_order"] if "sort_order" in changes else [*changed]
    if not changed_fields:
        return goal
    if goal.template_item_id is not None and changed:
        goal.customised = True
        changed_fields.append("customised")
    goal.save(update_fields=[*changed_fields, "updated_at"])
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
def goal_remove(*, actor: Actor, goal: Goal, reason: str = "") -> None:
    """Take a goal (and an objective's key results) off a scorecard not agreed yet."""
    scorecard = goal.scorecard
    if scorecard is None:
        raise ValueError("not a scorecard goal")
    _require_changeable(scorecard)
    if goal.children.exclude(kind=GoalKind.KEY_RESULT).exists():
        raise ValidationError(_("Other goals are aligned to this one; align them elsewhere first."))
    for key_result in goal.children.filter(kind=GoalKind.KEY_RESULT):
        audit_record(
            actor=actor,
            instance=key_result,
            action=AuditAction.DELETE,
            before=snapshot(key_result, GOAL_AUDIT_FIELDS),
            reason=reason,
        )
        key_result.delete()
    audit_record(
        actor=actor,
        instance=goal,
        action=AuditAction.DELETE,
        before=snapshot(goal, GOAL_AUDIT_FIELDS),
        reason=reason,
    )
    goal.delete()


# --- completeness ------------------------------------------------------------------------


def scorecard_problems(scorecard: Scorecard, goals: list[Goal] | None = None) -> list[str]:
    """What stops this scorecard from being submitted or approved, in words."""
    if goals is None:
        goals = list(scorecard.goals.filter(is_active=True).order_by("sort_order", "id"))
    problems: list[str] = []
    top = [g for g in goals if g.kind != GoalKind.KEY_RESULT]
    if not top:
        return [_("The scorecard has no goals yet.")]
    missing_weight = [g for g in top if g.weight is None]
    for goal in missing_weight:
        problems.append(_("“%(goal)s” has no weight.") % {"goal": goal.title})
    weights = check_weights(g.weight for g in top if g.weight is not None)
    if not missing_weight and not weights.ok:
        if weights.difference < 0:
            problems.append(
                _("The weights total %(total)s%%; they must total 100%% (%(gap)s%% missing).")
                % {"total": _num(weights.total), "gap": _num(-weights.difference)}
            )
        else:
            problems.append(
                _("The weights total %(total)s%%; they must total 100%% (%(gap)s%% too much).")
                % {"total": _num(weights.total), "gap": _num(weights.difference)}
            )
    for goal in goals:
        if (
            goal.kind in (GoalKind.KPI, GoalKind.KEY_RESULT)
            and goal.target is None
            and goal.scoring_rule.get("type") not in ("deduction", "veto", "milestones")
        ):
            problems.append(_("“%(goal)s” has no target.") % {"goal": goal.title})
        if goal.direction == Direction.RANGE and goal.target_max is None:
            problems.append(
                _("“%(goal)s” is a range goal without an upper target.") % {"goal": goal.title}
            )
        if goal.kind == GoalKind.TASK and goal.due_date is None:
            problems.append(_("The key task “%(goal)s” has no due date.") % {"goal": goal.title})
        if goal.kind == GoalKind.TASK and not goal.completion_standard.strip():
            problems.append(
                _("The key task “%(goal)s” has no completion standard.") % {"goal": goal.title}
            )
    for objective in (g for g in top if g.kind == GoalKind.OBJECTIVE):
        key_results = [g for g in goals if g.parent_id == objective.pk]
        if not key_results:
            problems.append(
                _("The objective “%(goal)s” has no key results.") % {"goal": objective.title}
            )
            continue
        if any(k.weight is None for k in key_results):
            problems.append(
                _("Every key result of “%(goal)s” needs a weight.") % {"goal": objective.title}
            )
            continue
        inner = check_weights(k.weight for k in key_results if k.weight is not None)
        if not inner.ok:
            problems.append(
                _("The key results of “%(goal)s” weigh %(total)s%%; they must total 100%%.")
                % {"goal": objective.title, "total": _num(inner.total)}
            )
    return problems


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _require_complete(scorecard: Scorecard) -> list[Goal]:
    goals = list(scorecard.goals.filter(is_active=True).order_by("sort_order", "id"))
    problems = scorecard_problems(scorecard, goals)
    if problems:
        raise ValidationError(problems)
    return goals


def _set_status(
    *,
    actor: Actor,
    scorecard: Scorecard,
    status: str,
    action: str,
    goal_status: str,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    before = snapshot(scorecard, SCORECARD_AUDIT_FIELDS)
    scorecard.status = status
    fields = ["status"]
    for name, value in (extra or {}).items():
        setattr(scorecard, name, value)
        fields.append(name)
    scorecard.save(update_fields=[*fields, "updated_at"])
    goal_fields: dict[str, Any] = {"status": goal_status}
    if goal_status == GoalStatus.APPROVED:
        goal_fields |= {"approved_at": scorecard.approved_at, "approved_by": actor.user}
    if goal_status == GoalStatus.SUBMITTED:
        goal_fields["submitted_at"] = scorecard.submitted_at
    scorecard.goals.update(**goal_fields)
    after = snapshot(scorecard, SCORECARD_AUDIT_FIELDS)
    audit_record(
        actor=actor,
        instance=scorecard,
        action=action,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        reason=reason,
    )


# --- agreement ---------------------------------------------------------------------------


@transaction.atomic
def scorecard_submit(*, actor: Actor, scorecard: Scorecard) -> Scorecard:
    if scorecard.status not in (ScorecardStatus.DRAFT, ScorecardStatus.RETURNED):
        raise ValidationError(_("Only a draft or returned scorecard can be submitted."))
    _require_complete(scorecard)
    _set_status(
        actor=actor,
        scorecard=scorecard,
        status=ScorecardStatus.SUBMITTED,
        action=AuditAction.SUBMIT,
        goal_status=GoalStatus.SUBMITTED,
        extra={"submitted_at": timezone.now()},
    )
    events.notify_scorecard_submitted(scorecard)
    return scorecard


@transaction.atomic
def scorecard_approve(*, actor: Actor, scorecard: Scorecard, comment: str = "") -> Scorecard:
    """Agree the goals: version 1 of each goal runs from the period's start; both sides
    are then asked to sign the letter."""
    if scorecard.status not in (ScorecardStatus.DRAFT, ScorecardStatus.SUBMITTED):
        raise ValidationError(_("Only a draft or submitted scorecard can be approved."))
    goals = _require_complete(scorecard)
    now = timezone.now()
    _set_status(
        actor=actor,
        scorecard=scorecard,
        status=ScorecardStatus.APPROVED,
        action=AuditAction.APPROVE,
        goal_status=GoalStatus.APPROVED,
        reason=comment,
        extra={"approved_at": now, "approved_by": actor.user},
    )
    for goal in goals:
        goal.status = GoalStatus.APPROVED
    versions_start(goals, scorecard.period.start)
    if comment.strip() and actor.user is not None:
        Comment.objects.create(
            scorecard=scorecard, author=actor.user, kind=CommentKind.APPROVAL, body=comment
        )
    events.notify_scorecard_decided(scorecard, approver=actor.user, comment=comment)
    return scorecard


@transaction.atomic
def scorecard_return(*, actor: Actor, scorecard: Scorecard, comment: str) -> Scorecard:
    if scorecard.status != ScorecardStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted scorecard can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should change.")})
    _set_status(
        actor=actor,
        scorecard=scorecard,
        status=ScorecardStatus.RETURNED,
        action=AuditAction.RETURN,
        goal_status=GoalStatus.RETURNED,
        reason=comment,
    )
    if actor.user is not None:
        Comment.objects.create(
            scorecard=scorecard, author=actor.user, kind=CommentKind.RETURN, body=comment
        )
    events.notify_scorecard_decided(scorecard, approver=actor.user, comment=comment)
    return scorecard


def letter_fingerprint(scorecard: Scorecard, goals: list[Goal] | None = None) -> str:
    """sha256 over the letter's terms: who, which period, which edition, every goal's terms.
    Numbers are taken by value ("500", not "500.0000"), so a goal read back from the
    database gives the same fingerprint as the one just written."""
    if goals is None:
        goals = list(scorecard.goals.filter(is_active=True).order_by("sort_order", "id"))
    content = {
        "employee": scorecard.employee.number,
        "period": scorecard.period.name,
        "version": scorecard.version,
        "goals": [
            {
                "uuid": str(g.uuid),
                **goal_terms(g),
                **{
                    name: normalized(getattr(g, name))
                    for name in TERM_FIELDS
                    if isinstance(getattr(g, name), Decimal)
                },
            }
            for g in goals
        ],
    }
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def scorecard_sign(*, actor: Actor, scorecard: Scorecard, role: str) -> Signature:
    """Record one side's acknowledgement of the target responsibility letter; with both
    signatures the scorecard is signed."""
    if scorecard.status != ScorecardStatus.APPROVED:
        raise ValidationError(_("Only an approved scorecard awaits signatures."))
    if actor.user is None:
        raise ValidationError(_("A signature needs a person."))
    role = SignerRole(role)
    if scorecard.signatures.filter(version=scorecard.version, role=role).exists():
        raise ValidationError(_("This letter is signed on that side already."))
    signature = Signature.objects.create(
        scorecard=scorecard,
        version=scorecard.version,
        role=role,
        signer=actor.user,
        signer_name=actor.user.display_name,
        signed_at=timezone.now(),
        content_hash=letter_fingerprint(scorecard),
    )
    audit_record(
        actor=actor,
        instance=scorecard,
        action=AuditAction.SIGN,
        after={"role": str(role), "version": scorecard.version, "hash": signature.content_hash},
    )
    signed_roles = set(
        scorecard.signatures.filter(version=scorecard.version).values_list("role", flat=True)
    )
    if signed_roles >= {SignerRole.EMPLOYEE, SignerRole.MANAGER}:
        scorecard.status = ScorecardStatus.SIGNED
        scorecard.signed_at = signature.signed_at
        scorecard.save(update_fields=["status", "signed_at", "updated_at"])
    return signature


@transaction.atomic
def scorecard_comment(
    *,
    actor: Actor,
    scorecard: Scorecard,
    body: str,
    goal: Goal | None = None,
    indicator: Indicator | None = None,
) -> Comment:
    """A remark in the scorecard's discussion; with an indicator it is a proposal to add it
    (employees take part in choosing their indicators)."""
    if actor.user is None:
        raise ValidationError(_("A comment needs a person."))
    if not body.strip():
        raise ValidationError({"body": _("Write something first.")})
    if goal is not None and goal.scorecard_id != scorecard.pk:
        raise ValidationError({"goal": _("That goal is on another scorecard.")})
    if indicator is not None and not indicator.enabled:
        raise ValidationError({"indicator": _("This indicator is switched off.")})
    return Comment.objects.create(
        scorecard=scorecard,
        goal=goal,
        author=actor.user,
        kind=CommentKind.PROPOSAL if indicator is not None else CommentKind.COMMENT,
        body=body.strip(),
        indicator=indicator,
    )


# --- starting in bulk and copying forward (added for the scorecard pages) ----------------


@transaction.atomic
def scorecards_start(*, actor: Actor, employees: list[Employee], period: Period) -> list[Scorecard]:
    """Empty draft scorecards for those of ``employees`` who have none for ``period`` yet
    (a manager starting the team's scorecards); people who have left are skipped. Returns
    the scorecards created."""
    if period.status == PeriodStatus.CLOSED:
        raise ValidationError(_("The period %(period)s is closed.") % {"period": period.name})
    taken = set(
        Scorecard.objects.filter(period=period, employee__in=employees).values_list(
            "employee_id", flat=True
        )
    )
    fresh = [
        Scorecard(
            period=period,
            employee=person,
            department_id=person.department_id,
            position_id=person.position_id,
        )
        for person in employees
        if person.pk not in taken and person.status in CURRENT_STATUSES
    ]
    if not fresh:
        return []
    Scorecard.objects.bulk_create(fresh)
    # bulk_create sets primary keys on SQLite and PostgreSQL alike
    audit_bulk(
        build_entry(
            actor=actor,
            instance=card,
            action=AuditAction.CREATE,
            after=snapshot(card, SCORECARD_AUDIT_FIELDS),
        )
        for card in fresh
    )
    return fresh


def _shift_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _moved_due_date(due: dt.date | None, source: Period, target: Period) -> dt.date | None:
    """A due date inside the source period moves with the period (30 Sep 2025 → 30 Sep 2026
    for a year); one outside it is kept as it is."""
    if due is None or not source.start <= due <= source.end:
        return due
    months = (target.start.year - source.start.year) * 12 + target.start.month - source.start.month
    moved = _shift_months(due, months)
    return min(max(moved, target.start), target.end)


COPIED_TERMS = (
    "title",
    "description",
    "kind",
    "section",
    "weight",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "completion_standard",
    "scoring_rule",
    "perspective",
    "sort_order",
)


@transaction.atomic
def scorecard_copy_forward(
    *, actor: Actor, employee: Employee, source: Scorecard, period: Period
) -> Scorecard:
    """A new draft for ``period`` with the goals of ``source`` (terms, weights, indicator,
    sections, OKR structure). Alignment links are kept only to goals of the new period;
    due dates inside the old period move with it; switched-off indicators are dropped
    (their terms stay)."""
    if source.employee_id != employee.pk:
        raise ValidationError(_("The scorecard to copy belongs to someone else."))
    if source.period_id == period.pk:
        raise ValidationError(_("Choose another period to copy the scorecard to."))
    if Scorecard.objects.filter(period=period, employee=employee).exists():
        raise ValidationError(
            _("%(name)s already has a scorecard for %(period)s.")
            % {"name": employee.name, "period": period.name}
        )
    # the template link travels with the goals, so re-applying the template later updates
    # the copied goals (or keeps them where people changed them) instead of adding twins
    card = scorecard_create(actor=actor, employee=employee, period=period, template=source.template)
    goals = list(
        source.goals.filter(is_active=True)
        .select_related("indicator", "parent", "template_item")
        .order_by("sort_order", "id")
    )
    copies: dict[int, Goal] = {}
    # objectives before their key results, so that each key result finds its objective
    for goal in sorted(goals, key=lambda g: g.kind == GoalKind.KEY_RESULT):
        terms: dict[str, Any] = {name: getattr(goal, name) for name in COPIED_TERMS}
        parent: Goal | None = None
        contribution = None
        if goal.kind == GoalKind.KEY_RESULT:
            parent = copies.get(goal.parent_id) if goal.parent_id else None
            if parent is None:
                continue  # an orphan key result cannot stand alone
        elif goal.parent is not None and goal.parent.period_id == period.pk:
            parent, contribution = goal.parent, goal.contribution
        indicator = goal.indicator if goal.indicator and goal.indicator.enabled else None
        copies[goal.pk] = goal_add(
            actor=actor,
            scorecard=card,
            indicator=indicator,
            parent=parent,
            contribution=contribution,
            due_date=_moved_due_date(goal.due_date, source.period, period),
            template_item=goal.template_item,
            **terms,
        )
        if goal.customised:
            Goal.objects.filter(pk=copies[goal.pk].pk).update(customised=True)
    return card
