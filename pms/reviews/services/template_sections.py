"""Sections and items of a review template edition (drafts only: ``require_editable``).

A section is goal results (from each person's scorecard), key tasks, competencies and
values, open questions or veto items. Scored sections carry a weight (together 100 when
the edition is activated); open questions and veto items carry none. Rated sections and
veto items are answered on a scale (veto items yes or no); goal results and open
questions have none. Items are what raters answer: a competency with the behaviour that
earns each level (BARS anchors), a question, a veto item with the grade it sends a review
to. Every change is audited in its transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Section as GoalSection
from pms.reviews.models import ReviewTemplate, SectionKind, TemplateItem, TemplateSection
from pms.reviews.template_rules import (
    GOAL_FED_SECTIONS,
    SCORED_SECTIONS,
    YES_NO,
    anchor_keys_outside,
    clean_scale,
    clean_types,
    read_scale,
    require_editable,
    veto_grades,
)

SECTION_AUDIT_FIELDS = (
    "template",
    "kind",
    "title",
    "description",
    "weight",
    "scale",
    "rater_types",
    "goal_sections",
    "sort_order",
)
SECTION_CHANGEABLE = frozenset(SECTION_AUDIT_FIELDS) - {"template", "sort_order"}
ITEM_AUDIT_FIELDS = (
    "section",
    "title",
    "description",
    "weight",
    "anchors",
    "required",
    "veto_grade",
    "veto_score_cap",
    "sort_order",
)
ITEM_CHANGEABLE = frozenset(ITEM_AUDIT_FIELDS) - {"section", "sort_order"}


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


def _percent(value: object) -> bool:
    return isinstance(value, Decimal | int) and Decimal(value).is_finite() and 0 <= value <= 100


# --- sections ------------------------------------------------------------------------------


def _clean_section(section: TemplateSection) -> None:
    kind = section.kind
    if kind not in SectionKind.values:
        raise ValidationError({"kind": _("Choose the kind of section.")})
    if not section.title:
        raise ValidationError({"title": _("Give the section a title.")})
    if not _percent(section.weight):
        raise ValidationError({"weight": _("The weight must be between 0 and 100.")})
    if kind not in SCORED_SECTIONS and section.weight != 0:
        raise ValidationError(
            {"weight": _("Open questions and veto items are not scored; leave their weight at 0.")}
        )
    if kind in (SectionKind.GOALS, SectionKind.QUESTIONS):
        if section.scale:
            raise ValidationError(
                {"scale": _("Goal results and open questions have no rating scale.")}
            )
        section.scale = {}
    elif kind == SectionKind.VETO:
        section.scale = clean_scale(section.scale or YES_NO)
        if section.scale.get("kind") != "yes_no":
            raise ValidationError({"scale": _("Veto items are answered yes or no.")})
    else:
        section.scale = clean_scale(section.scale)
    section.rater_types = clean_types(section.rater_types, "rater_types")
    goal_sections = {str(value) for value in section.goal_sections}
    if goal_sections and kind not in GOAL_FED_SECTIONS:
        raise ValidationError(
            {"goal_sections": _("Only goal results and key tasks come from the scorecard.")}
        )
    unknown = sorted(goal_sections - set(GoalSection.values))
    if unknown:
        raise ValidationError(
            {
                "goal_sections": _("Unknown scorecard section: %(sections)s.")
                % {"sections": ", ".join(unknown)}
            }
        )
    section.goal_sections = [value for value in GoalSection.values if value in goal_sections]
    section.full_clean(exclude=["template"], validate_constraints=False)


def section_snapshot(section: TemplateSection) -> dict[str, Any]:
    return snapshot(section, SECTION_AUDIT_FIELDS)


@transaction.atomic
def template_section_add(
    *,
    actor: Actor,
    template: ReviewTemplate,
    kind: str,
    title: str,
    description: str = "",
    weight: Decimal = Decimal(0),
    scale: Mapping[str, Any] | None = None,
    rater_types: Sequence[str] = (),
    goal_sections: Sequence[str] = (),
    sort_order: int | None = None,
) -> TemplateSection:
    """Add a section to a draft edition, last unless ``sort_order`` says otherwise.
    ``rater_types`` empty = every type the template asks; ``goal_sections`` (goal results
    and key tasks) empty = every section of the scorecard."""
    require_editable(template)
    if sort_order is None:
        top = template.sections.aggregate(top=Max("sort_order"))["top"]
        sort_order = (top or 0) + 1
    section = TemplateSection(
        template=template,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        weight=weight,
        scale=dict(scale or {}),
        rater_types=list(rater_types),
        goal_sections=list(goal_sections),
        sort_order=sort_order,
    )
    _clean_section(section)
    section.save()
    audit_record(
        actor=actor, instance=section, action=AuditAction.CREATE, after=section_snapshot(section)
    )
    return section


@transaction.atomic
def template_section_update(
    *, actor: Actor, section: TemplateSection, changes: Mapping[str, Any], reason: str = ""
) -> TemplateSection:
    """Change a section of a draft edition. Its kind changes only while it has no items."""
    unknown = set(changes) - SECTION_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    require_editable(section.template)
    if "kind" in changes and changes["kind"] != section.kind and section.items.exists():
        raise ValidationError({"kind": _("Remove the section's items before changing its kind.")})
    before = section_snapshot(section)
    for name, value in changes.items():
        setattr(section, name, _strip(value))
    try:
        _clean_section(section)
    except ValidationError:
        section.refresh_from_db()
        raise
    after = section_snapshot(section)
    changed = _changed(before, after)
    if not changed:
        return section
    section.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        instance=section,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return section


@transaction.atomic
def template_section_remove(*, actor: Actor, section: TemplateSection, reason: str = "") -> None:
    """Remove a section of a draft edition, with its items."""
    require_editable(section.template)
    before = section_snapshot(section)
    before["items"] = [item.title for item in section.items.order_by("sort_order", "id")]
    audit_record(
        actor=actor, instance=section, action=AuditAction.DELETE, before=before, reason=reason
    )
    section.delete()


R = TypeVar("R", TemplateSection, TemplateItem)


def _reorder(
    actor: Actor,
    audited: ReviewTemplate | TemplateSection,
    rows: Sequence[R],
    order: Sequence[uuid.UUID | str],
    message: str,
) -> list[R]:
    """Number ``rows`` in the given order (their uuids, each exactly once); returns the rows
    whose place changed, audited on ``audited`` as the titles before and after."""
    by_uuid = {str(row.uuid): row for row in rows}
    wanted = [str(value) for value in order]
    if sorted(wanted) != sorted(by_uuid):
        raise ValidationError(message)
    now = timezone.now()
    moved: list[R] = []
    for position, key in enumerate(wanted, start=1):
        row = by_uuid[key]
        if row.sort_order != position:
            row.sort_order = position
            row.updated_at = now
            moved.append(row)
    if moved:
        audit_record(
            actor=actor,
            instance=audited,
            action=AuditAction.UPDATE,
            before={"order": [row.title for row in rows]},
            after={"order": [by_uuid[key].title for key in wanted]},
        )
    return moved


def _moved(uuids: list[uuid.UUID], current: uuid.UUID, step: int) -> list[uuid.UUID]:
    index = uuids.index(current)
    target = min(max(index + step, 0), len(uuids) - 1)
    uuids.insert(target, uuids.pop(index))
    return uuids


@transaction.atomic
def template_sections_reorder(
    *, actor: Actor, template: ReviewTemplate, order: Sequence[uuid.UUID | str]
) -> None:
    """Put a draft edition's sections in this order (their uuids, each exactly once)."""
    require_editable(template)
    sections = list(template.sections.order_by("sort_order", "id"))
    message = _("The order must list each section of the template once.")
    moved = _reorder(actor, template, sections, order, message)
    TemplateSection.objects.bulk_update(moved, ["sort_order", "updated_at"])


def template_section_move(*, actor: Actor, section: TemplateSection, step: int) -> None:
    """Move a section ``step`` places up (negative) or down."""
    uuids = list(
        TemplateSection.objects.filter(template_id=section.template_id)
        .order_by("sort_order", "id")
        .values_list("uuid", flat=True)
    )
    template_sections_reorder(
        actor=actor, template=section.template, order=_moved(uuids, section.uuid, step)
    )


# --- items ---------------------------------------------------------------------------------


def _clean_anchors(anchors: Mapping[str, object]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, text in anchors.items():
        if not isinstance(text, str):
            raise ValidationError({"anchors": _("Describe each level in words.")})
        key_text, value = str(key).strip(), text.strip()
        if key_text and value:
            cleaned[key_text] = value
    return cleaned


def _clean_item(item: TemplateItem, section: TemplateSection) -> None:
    if section.kind == SectionKind.GOALS:
        raise ValidationError(
            _("Goal results come from each person's scorecard; the section has no items.")
        )
    if not item.title:
        raise ValidationError({"title": _("Write what is asked or rated.")})
    if not _percent(item.weight):
        raise ValidationError({"weight": _("The weight must be between 0 and 100.")})
    item.anchors = _clean_anchors(item.anchors or {})
    if item.anchors and section.kind == SectionKind.QUESTIONS:
        raise ValidationError({"anchors": _("Open questions have no levels to describe.")})
    scale = read_scale(section.scale)
    if scale is not None and item.anchors:
        outside = anchor_keys_outside(item.anchors, scale)
        if outside:
            raise ValidationError(
                {
                    "anchors": _("The section's scale has no %(keys)s.")
                    % {"keys": ", ".join(outside)}
                }
            )
    if section.kind == SectionKind.VETO:
        item.veto_grade = (item.veto_grade or "D").strip()
        grades = veto_grades(section.template)
        if item.veto_grade not in grades:
            raise ValidationError(
                {
                    "veto_grade": _("The grade must be one of %(grades)s.")
                    % {"grades": ", ".join(grades)}
                }
            )
        cap = item.veto_score_cap
        if cap is not None and not _percent(cap):
            raise ValidationError({"veto_score_cap": _("The score cap must be between 0 and 100.")})
    elif item.veto_grade or item.veto_score_cap is not None:
        raise ValidationError(
            {"veto_grade": _("Only items of a veto section send a review to a grade.")}
        )
    item.full_clean(exclude=["section"])


def item_snapshot(item: TemplateItem) -> dict[str, Any]:
    return snapshot(item, ITEM_AUDIT_FIELDS)


@transaction.atomic
def template_item_add(
    *,
    actor: Actor,
    section: TemplateSection,
    title: str,
    description: str = "",
    weight: Decimal = Decimal(1),
    anchors: Mapping[str, object] | None = None,
    required: bool = True,
    veto_grade: str = "",
    veto_score_cap: Decimal | None = None,
    sort_order: int | None = None,
) -> TemplateItem:
    """Add a competency, question or veto item to a section of a draft edition. ``anchors``
    describe the behaviour that earns each level (or point) of the section's scale; a veto
    item's grade is D unless given."""
    require_editable(section.template)
    if sort_order is None:
        top = section.items.aggregate(top=Max("sort_order"))["top"]
        sort_order = (top or 0) + 1
    item = TemplateItem(
        section=section,
        title=title.strip(),
        description=description.strip(),
        weight=weight,
        anchors=dict(anchors or {}),
        required=required,
        veto_grade=veto_grade,
        veto_score_cap=veto_score_cap,
        sort_order=sort_order,
    )
    _clean_item(item, section)
    item.save()
    audit_record(actor=actor, instance=item, action=AuditAction.CREATE, after=item_snapshot(item))
    return item


@transaction.atomic
def template_item_update(
    *, actor: Actor, item: TemplateItem, changes: Mapping[str, Any], reason: str = ""
) -> TemplateItem:
    """Change an item of a draft edition."""
    unknown = set(changes) - ITEM_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    section = item.section
    require_editable(section.template)
    before = item_snapshot(item)
    for name, value in changes.items():
        setattr(item, name, _strip(value))
    try:
        _clean_item(item, section)
    except ValidationError:
        item.refresh_from_db()
        raise
    after = item_snapshot(item)
    changed = _changed(before, after)
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
def template_item_remove(*, actor: Actor, item: TemplateItem, reason: str = "") -> None:
    require_editable(item.section.template)
    audit_record(
        actor=actor,
        instance=item,
        action=AuditAction.DELETE,
        before=item_snapshot(item),
        reason=reason,
    )
    item.delete()


@transaction.atomic
def template_items_reorder(
    *, actor: Actor, section: TemplateSection, order: Sequence[uuid.UUID | str]
) -> None:
    """Put a section's items in this order (their uuids, each exactly once)."""
    require_editable(section.template)
    items = list(section.items.order_by("sort_order", "id"))
    message = _("The order must list each item of the section once.")
    moved = _reorder(actor, section, items, order, message)
    TemplateItem.objects.bulk_update(moved, ["sort_order", "updated_at"])


def template_item_move(*, actor: Actor, item: TemplateItem, step: int) -> None:
    """Move an item ``step`` places up (negative) or down its section."""
    uuids = list(
        TemplateItem.objects.filter(section_id=item.section_id)
        .order_by("sort_order", "id")
        .values_list("uuid", flat=True)
    )
    template_items_reorder(actor=actor, section=item.section, order=_moved(uuids, item.uuid, step))


__all__ = [
    "ITEM_AUDIT_FIELDS",
    "SECTION_AUDIT_FIELDS",
    "item_snapshot",
    "section_snapshot",
    "template_item_add",
    "template_item_move",
    "template_item_remove",
    "template_item_update",
    "template_items_reorder",
    "template_section_add",
    "template_section_move",
    "template_section_remove",
    "template_section_update",
    "template_sections_reorder",
]
