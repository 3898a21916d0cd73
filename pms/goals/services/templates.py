"""Scorecard templates (考核表模板): the standard goals of a position or role family, kept
by company HR and applied in bulk to a group of people for a period.

Applying is a ``TemplateRun`` worked through in the background (``pms.goals.tasks``), in
batches of ``BATCH_SIZE`` people, each batch in its own transaction together with the
run's progress. For each person:

- no scorecard for the period → one is created (draft, ``template`` set) with a goal per
  item (``Goal.template_item`` says which);
- a scorecard not yet agreed (draft, returned, submitted) → the template is re-applied:
  goals from its items that nobody changed take the items' current terms, items missing
  are added, goals from another template's items that nobody changed give way to this
  template's; goals a person added or changed (``customised``) are left alone;
- an agreed scorecard (approved, signed) → skipped: it changes only by adjustment.

Re-applying an unchanged template changes nothing. One audit entry per scorecard, in the
run's batch, names the template and the goals it added, changed and removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, audit_record, build_entry, snapshot
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    Direction,
    Goal,
    GoalKind,
    Indicator,
    Period,
    PeriodStatus,
    RunStatus,
    ScorecardTemplate,
    Section,
    TemplateItem,
    TemplateRun,
    default_rule,
)
from pms.goals.rules import validate_rule
from pms.goals.selectors.templates import template_group_people
from pms.goals.services import template_apply
from pms.goals.services.scorecards import CHANGEABLE_STATUSES, DEFAULT_SECTION
from pms.org.models import Department, Employee, Position, RoleFamily
from pms.scoring.scorecard import check_weights

logger = logging.getLogger(__name__)

TEMPLATE_AUDIT_FIELDS = ("name", "description", "role_family", "position", "is_active")
TEMPLATE_CHANGEABLE = frozenset({"name", "description", "role_family", "position"})
ITEM_AUDIT_FIELDS = (
    "template",
    "kind",
    "section",
    "title",
    "description",
    "indicator",
    "perspective",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "completion_standard",
    "scoring_rule",
    "weight",
    "sort_order",
)
ITEM_CHANGEABLE = frozenset(ITEM_AUDIT_FIELDS) - {"template"}
# OKR objectives need key results a template cannot describe; they are added by hand
TEMPLATE_KINDS = (GoalKind.KPI, GoalKind.TASK)
BATCH_SIZE = 500
# a run that has not moved for this long is taken for dead and no longer blocks new runs
STALE_RUN = dt.timedelta(minutes=30)


# --- templates ---------------------------------------------------------------------------


def _check_template(template: ScorecardTemplate) -> None:
    if not template.name:
        raise ValidationError({"name": _("Give the template a name.")})
    others = ScorecardTemplate.objects.filter(name=template.name)
    if template.pk is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        raise ValidationError({"name": _("A template with this name exists already.")})
    position = template.position
    if position is not None:
        if template.role_family_id is None:
            template.role_family_id = position.role_family_id
        elif template.role_family_id != position.role_family_id:
            raise ValidationError({"position": _("This position belongs to another role family.")})


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    name: str,
    description: str = "",
    role_family: RoleFamily | None = None,
    position: Position | None = None,
) -> ScorecardTemplate:
    """A new template, in use, without goals yet. A template for a position belongs to
    the position's role family."""
    template = ScorecardTemplate(
        name=name.strip(),
        description=description.strip(),
        role_family=role_family,
        position=position,
    )
    _check_template(template)
    template.full_clean()
    template.save()
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.CREATE,
        after=snapshot(template, TEMPLATE_AUDIT_FIELDS),
    )
    return template


@transaction.atomic
def template_update(
    *, actor: Actor, template: ScorecardTemplate, changes: dict[str, Any], reason: str = ""
) -> ScorecardTemplate:
    """Rename, describe, or point the template at another role family or position."""
    unknown = set(changes) - TEMPLATE_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    before = snapshot(template, TEMPLATE_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(template, name, value.strip() if isinstance(value, str) else value)
    _check_template(template)
    template.full_clean()
    after = snapshot(template, TEMPLATE_AUDIT_FIELDS)
    changed = [name for name in TEMPLATE_AUDIT_FIELDS if before[name] != after[name]]
    if not changed:
        return template
    template.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return template


@transaction.atomic
def template_set_active(
    *, actor: Actor, template: ScorecardTemplate, is_active: bool, reason: str = ""
) -> ScorecardTemplate:
    """Take a template out of use (it can no longer be applied; scorecards made from it
    keep their goals) or back into use."""
    if template.is_active == is_active:
        return template
    template.is_active = is_active
    template.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.UPDATE,
        before={"is_active": not is_active},
        after={"is_active": is_active},
        reason=reason,
    )
    return template


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def template_problems(
    template: ScorecardTemplate, items: Sequence[TemplateItem] | None = None
) -> list[str]:
    """What stops this template from being applied, in words (empty when it may be)."""
    if items is None:
        items = list(template.items.all())
    if not items:
        return [_("The template has no goals yet.")]
    weights = check_weights(item.weight for item in items)
    if weights.ok:
        return []
    if weights.difference < 0:
        return [
            _("The weights total %(total)s%%; they must total 100%% (%(gap)s%% missing).")
            % {"total": _num(weights.total), "gap": _num(-weights.difference)}
        ]
    return [
        _("The weights total %(total)s%%; they must total 100%% (%(gap)s%% too much).")
        % {"total": _num(weights.total), "gap": _num(weights.difference)}
    ]


# --- template goals ----------------------------------------------------------------------


def _defaults_from_indicator(item: TemplateItem, indicator: Indicator) -> None:
    item.metric = item.metric or indicator.name
    item.unit = item.unit or indicator.unit
    item.perspective = item.perspective or indicator.perspective


def _check_kind(kind: str) -> None:
    if kind not in TEMPLATE_KINDS:
        raise ValidationError(
            {"kind": _("A template holds KPIs and key tasks; add OKRs on the scorecard.")}
        )


def _check_item(item: TemplateItem) -> None:
    _check_kind(item.kind)
    if not item.title.strip():
        raise ValidationError({"title": _("Write what the goal is.")})
    if item.weight is None:
        raise ValidationError({"weight": _("Give the goal a weight.")})
    if item.target is not None and item.target_max is not None and item.target_max < item.target:
        raise ValidationError({"target_max": _("The upper target must not be below the target.")})
    item.scoring_rule = validate_rule(item.scoring_rule)


def _require_enabled(indicator: Indicator | None) -> None:
    if indicator is not None and not indicator.enabled:
        raise ValidationError({"indicator": _("This indicator is switched off.")})


def _item_snapshot(item: TemplateItem) -> dict[str, Any]:
    return snapshot(item, ITEM_AUDIT_FIELDS)


@transaction.atomic
def template_item_add(
    *,
    actor: Actor,
    template: ScorecardTemplate,
    title: str,
    weight: Decimal | None,
    kind: str = GoalKind.KPI,
    section: str | None = None,
    indicator: Indicator | None = None,
    description: str = "",
    perspective: str = "",
    metric: str = "",
    unit: str = "",
    direction: str | None = None,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_max: Decimal | None = None,
    completion_standard: str = "",
    scoring_rule: dict[str, Any] | None = None,
    sort_order: int | None = None,
) -> TemplateItem:
    """Add a goal to a template. With an indicator, what is left empty (metric, unit,
    perspective, direction, scoring rule) comes from the indicator."""
    _require_enabled(indicator)
    if weight is None:
        raise ValidationError({"weight": _("Give the goal a weight.")})
    if sort_order is None:
        top = template.items.aggregate(top=Max("sort_order"))["top"]
        sort_order = (top or 0) + 1
    _check_kind(kind)
    item = TemplateItem(
        template=template,
        kind=kind,
        section=section or DEFAULT_SECTION.get(GoalKind(kind), Section.OTHER),
        title=title.strip(),
        description=description.strip(),
        indicator=indicator,
        perspective=perspective,
        metric=metric.strip(),
        unit=unit.strip(),
        direction=direction or (indicator.direction if indicator else Direction.HIGHER),
        baseline=baseline,
        target=target,
        target_max=target_max,
        completion_standard=completion_standard.strip(),
        scoring_rule=scoring_rule
        if scoring_rule is not None
        else (indicator.scoring_rule if indicator else default_rule()),
        weight=weight,
        sort_order=sort_order,
    )
    if indicator is not None:
        _defaults_from_indicator(item, indicator)
    _check_item(item)
    item.full_clean(exclude=["template", "indicator"])
    item.save()
    audit_record(actor=actor, instance=item, action=AuditAction.CREATE, after=_item_snapshot(item))
    return item


@transaction.atomic
def template_item_update(
    *, actor: Actor, item: TemplateItem, changes: dict[str, Any], reason: str = ""
) -> TemplateItem:
    """Change a template goal. Scorecards follow when the template is applied again."""
    unknown = set(changes) - ITEM_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    before = _item_snapshot(item)
    for name, value in changes.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    indicator = changes.get("indicator")
    if isinstance(indicator, Indicator):
        _require_enabled(indicator)
        _defaults_from_indicator(item, indicator)
    _check_item(item)
    item.full_clean(exclude=["template", "indicator"])
    after = _item_snapshot(item)
    changed = [name for name in ITEM_AUDIT_FIELDS if before[name] != after[name]]
    if not changed:
        return item
    item.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        instance=item,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return item


@transaction.atomic
def template_item_remove(*, actor: Actor, item: TemplateItem, reason: str = "") -> int:
    """Take a goal out of a template. The goals it put on scorecards not yet agreed go
    with it unless a person changed them (or others are aligned to them); agreed
    scorecards keep theirs. Returns how many scorecard goals were removed.

    The removal reaches the scorecards now rather than at the next application because a
    goal loses its link when its item is deleted, and could then no longer be told apart
    from one a person added."""
    template = item.template
    goals = list(
        Goal.objects.filter(
            template_item=item,
            customised=False,
            scorecard__status__in=CHANGEABLE_STATUSES,
        )
        .exclude(period__status=PeriodStatus.CLOSED)
        .exclude(Exists(Goal.objects.filter(parent=OuterRef("pk"))))
        .select_related("scorecard__employee", "scorecard__period")
    )
    entries: list[AuditEntry] = []
    batch = str(uuid.uuid4())
    for goal in goals:
        card = goal.scorecard
        if card is None:  # filtered on the scorecard's status: never
            continue
        entries.append(
            build_entry(
                actor=actor,
                instance=card,
                action=AuditAction.UPDATE,
                before={"removed": None},
                after={"template": str(template), "removed": [goal.title]},
                reason=reason
                or _("Goal “%(goal)s” taken out of the template “%(template)s”.")
                % {"goal": item.title, "template": template.name},
                batch=batch,
            )
        )
    for start in range(0, len(goals), BATCH_SIZE):
        Goal.objects.filter(pk__in=[g.pk for g in goals[start : start + BATCH_SIZE]]).delete()
    audit_bulk(entries)
    audit_record(
        actor=actor,
        instance=item,
        action=AuditAction.DELETE,
        before=_item_snapshot(item),
        reason=reason,
        batch=batch if goals else "",
    )
    item.delete()
    return len(goals)


@transaction.atomic
def template_items_reorder(
    *, actor: Actor, template: ScorecardTemplate, order: Sequence[uuid.UUID | str]
) -> list[TemplateItem]:
    """Put the template's goals in this order (their uuids, every one exactly once)."""
    items = list(template.items.order_by("sort_order", "id"))
    by_uuid = {str(item.uuid): item for item in items}
    wanted = [str(value) for value in order]
    if sorted(wanted) != sorted(by_uuid):
        raise ValidationError(_("The order must list each goal of the template once."))
    before = [item.title for item in items]
    ordered = [by_uuid[value] for value in wanted]
    moved: list[TemplateItem] = []
    now = timezone.now()
    for position, item in enumerate(ordered, start=1):
        if item.sort_order != position:
            item.sort_order = position
            item.updated_at = now
            moved.append(item)
    if not moved:
        return ordered
    TemplateItem.objects.bulk_update(moved, ["sort_order", "updated_at"])
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.UPDATE,
        before={"order": before},
        after={"order": [item.title for item in ordered]},
    )
    return ordered


def template_item_move(*, actor: Actor, item: TemplateItem, step: int) -> list[TemplateItem]:
    """Move a goal ``step`` places up (negative) or down the template's list."""
    uuids = list(
        TemplateItem.objects.filter(template_id=item.template_id)
        .order_by("sort_order", "id")
        .values_list("uuid", flat=True)
    )
    index = uuids.index(item.uuid)
    target = min(max(index + step, 0), len(uuids) - 1)
    uuids.insert(target, uuids.pop(index))
    return template_items_reorder(actor=actor, template=item.template, order=uuids)


# --- applying a template to a group ------------------------------------------------------


def _group_name_required(
    department: Department | None, role_family: RoleFamily | None, position: Position | None
) -> None:
    if department is None and role_family is None and position is None:
        raise ValidationError(
            _("Choose whom to apply the template to: a department, a role family or a position.")
        )


def _busy_run(period: Period) -> TemplateRun | None:
    fresh = timezone.now() - STALE_RUN
    return (
        TemplateRun.objects.filter(
            period=period,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            updated_at__gte=fresh,
        )
        .select_related("template")
        .first()
    )


@transaction.atomic
def template_run_start(
    *,
    actor: Actor,
    template: ScorecardTemplate,
    period: Period,
    people_in_scope: QuerySet[Employee],
    department: Department | None = None,
    role_family: RoleFamily | None = None,
    position: Position | None = None,
    background: bool = True,
) -> TemplateRun:
    """Queue the application of ``template`` to the current employees of the group who
    are among ``people_in_scope`` (what the caller may reach); the work runs in the
    background once this transaction commits (``background=False``: the caller runs
    ``template_run_execute`` itself). Several group fields narrow each other."""
    _group_name_required(department, role_family, position)
    if not template.is_active:
        raise ValidationError(_("This template is not in use; put it back in use first."))
    problems = template_problems(template)
    if problems:
        raise ValidationError(problems)
    if period.status == PeriodStatus.CLOSED:
        raise ValidationError(
            {"period": _("The period %(period)s is closed.") % {"period": period.name}}
        )
    busy = _busy_run(period)
    if busy is not None:
        raise ValidationError(
            _(
                "The template “%(template)s” is being applied to %(period)s; wait until it "
                "has finished."
            )
            % {"template": busy.template.name, "period": period.name}
        )
    total = template_group_people(
        people_in_scope, department=department, role_family=role_family, position=position
    ).count()
    if not total:
        raise ValidationError(_("Nobody you may set goals for is in this group."))
    run = TemplateRun(
        template=template,
        period=period,
        department=department,
        role_family=role_family,
        position=position,
        created_by=actor.user,
        total=total,
    )
    run.full_clean(exclude=["created_by"])
    run.save()
    audit_record(
        actor=actor,
        instance=run,
        action=AuditAction.CREATE,
        after={
            "template": template.name,
            "period": period.name,
            "department": str(department) if department else None,
            "role_family": str(role_family) if role_family else None,
            "position": str(position) if position else None,
            "total": total,
        },
    )
    run_id = run.pk

    def enqueue() -> None:
        from pms.goals.tasks import apply_template_run

        apply_template_run.enqueue(run_id)

    if background:
        transaction.on_commit(enqueue)
    return run


def template_run_now(
    *,
    actor: Actor,
    template: ScorecardTemplate,
    period: Period,
    people_in_scope: QuerySet[Employee],
    department: Department | None = None,
    role_family: RoleFamily | None = None,
    position: Position | None = None,
) -> TemplateRun:
    """Start and carry out a run at once, without the queue (commands, demo data,
    benchmarks). Refusals as ``template_run_start``; a failure is on the returned run."""
    run = template_run_start(
        actor=actor,
        template=template,
        period=period,
        people_in_scope=people_in_scope,
        department=department,
        role_family=role_family,
        position=position,
        background=False,
    )
    return template_run_execute(run_id=run.pk, people_in_scope=people_in_scope)


def template_run_fail(*, run_id: int, error: str) -> None:
    """Mark a run that cannot go on, so its page stops waiting."""
    now = timezone.now()
    TemplateRun.objects.filter(pk=run_id).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=now, updated_at=now
    )


def template_run_execute(*, run_id: int, people_in_scope: QuerySet[Employee]) -> TemplateRun:
    """The background part of ``template_run_start``: walk the group in batches.

    ``people_in_scope`` is whom the person who started the run may reach now. Each batch
    commits together with the run's counts, so the page shows progress and a failure keeps
    the batches done; applying again finishes the job without redoing them."""
    run = TemplateRun.objects.select_related(
        "template", "period", "department", "role_family", "position", "created_by"
    ).get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    people = template_group_people(
        people_in_scope,
        department=run.department,
        role_family=run.role_family,
        position=run.position,
    )
    ids = list(people.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    TemplateRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, total=len(ids), processed=0, updated_at=now
    )
    app = template_apply.Application(
        run=run,
        template=run.template,
        period=run.period,
        items=list(run.template.items.order_by("sort_order", "id")),
        actor=Actor(user=run.created_by) if run.created_by is not None else Actor.system(),
        reason=_("Template “%(template)s” applied.") % {"template": run.template.name},
    )
    done = 0
    try:
        problems = template_problems(app.template, app.items)
        if problems:
            raise ValidationError(problems)
        if app.period.status == PeriodStatus.CLOSED:
            raise ValidationError(
                _("The period %(period)s is closed.") % {"period": app.period.name}
            )
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            with transaction.atomic():
                batch = list(
                    Employee.objects.filter(pk__in=chunk).only(
                        "id", "name", "number", "department_id", "position_id"
                    )
                )
                template_apply.apply_batch(app, batch, timezone.now())
                done += len(chunk)
                TemplateRun.objects.filter(pk=run.pk).update(
                    processed=done,
                    created=app.created,
                    updated=app.updated,
                    skipped=app.skipped,
                    updated_at=timezone.now(),
                )
    except Exception as error:
        logger.exception("template run %s failed after %s people", run_id, done)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        template_run_fail(
            run_id=run.pk,
            error=_("Stopped after %(done)s of %(total)s people: %(error)s")
            % {"done": done, "total": len(ids), "error": message or type(error).__name__},
        )
    else:
        finished = timezone.now()
        TemplateRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, finished_at=finished, updated_at=finished
        )
    run.refresh_from_db()
    return run


__all__ = [
    "BATCH_SIZE",
    "template_create",
    "template_item_add",
    "template_item_move",
    "template_item_remove",
    "template_item_update",
    "template_items_reorder",
    "template_problems",
    "template_run_execute",
    "template_run_fail",
    "template_run_now",
    "template_run_start",
    "template_set_active",
    "template_update",
]
