"""Review templates (考核模板): editions, activation, versions, starter templates.

Rules:

- An edition is changed only while it is a draft that no review uses
  (``template_rules.require_editable``). An edition in use (active), retired, or one a
  review was launched with changes through ``template_new_version``: a copy as version + 1
  (a draft, ``previous`` = the copied one) that takes the edits. Activating it retires the
  edition in use before; a review keeps the edition it was launched with, retired or not,
  so a running cycle never changes under its people.
- Activation checks the whole edition (``template_problems``): the weights of the scored
  sections (goal results, key tasks, competencies) total 100 (``pms.scoring``'s
  ``check_weights``); every rated section has a valid scale and something to rate;
  rater-type weights are not negative and at least one is positive; nobody rates themself
  anonymously; the fewest peers are not more than the most; anchors name only answers of
  their section's scale; veto grades are grades of the template's bands.
- Every change is audited in its transaction; bad input raises ``ValidationError`` with
  translated messages and changes nothing.

Sections and items: ``services.template_sections``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import Position, RoleFamily
from pms.reviews.models import (
    DEFAULT_ANONYMOUS,
    DEFAULT_RATER_WEIGHTS,
    RATED_SECTIONS,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)
from pms.reviews.services.template_sections import template_item_add, template_section_add
from pms.reviews.template_rules import (
    SCALED_SECTIONS,
    SCORED_SECTIONS,
    anchor_keys_outside,
    check_peers,
    clean_anonymous,
    clean_bands,
    clean_types,
    clean_weights,
    read_scale,
    require_editable,
    reviews_using,
    type_label,
    veto_grades,
    weight_value,
)
from pms.scoring import YesNoScale
from pms.scoring.decimals import normalized
from pms.scoring.scorecard import check_weights

TEMPLATE_AUDIT_FIELDS = (
    "code",
    "version",
    "name",
    "description",
    "status",
    "rater_types",
    "rater_weights",
    "anonymous_types",
    "peer_min",
    "peer_max",
    "grade_bands",
)
M2M_FIELDS = ("role_families", "positions")
TEMPLATE_CHANGEABLE = frozenset(
    {
        "name",
        "description",
        "rater_types",
        "rater_weights",
        "anonymous_types",
        "peer_min",
        "peer_max",
        "grade_bands",
        *M2M_FIELDS,
    }
)


def template_snapshot(template: ReviewTemplate) -> dict[str, Any]:
    data = snapshot(template, TEMPLATE_AUDIT_FIELDS)
    data["role_families"] = sorted(f.code for f in template.role_families.all())
    data["positions"] = sorted(p.code for p in template.positions.all())
    return data


def _clean_template(template: ReviewTemplate) -> None:
    if not template.name:
        raise ValidationError({"name": _("Give the template a name.")})
    template.rater_weights = clean_weights(template.rater_weights)
    template.rater_types = clean_types(template.rater_types, "rater_types")
    template.anonymous_types = clean_anonymous(template.anonymous_types)
    template.grade_bands = clean_bands(template.grade_bands)
    # the JSON lists may be empty, which the model's blank check would refuse
    template.full_clean(
        exclude=["previous", "rater_types", "rater_weights", "anonymous_types", "grade_bands"],
        validate_constraints=False,
    )
    check_peers(template.peer_min, template.peer_max)


# --- templates ---------------------------------------------------------------------------


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    description: str = "",
    rater_types: Sequence[str] | None = None,
    rater_weights: Mapping[str, object] | None = None,
    anonymous_types: Sequence[str] | None = None,
    peer_min: int = 3,
    peer_max: int = 6,
    grade_bands: Sequence[Mapping[str, object]] = (),
    role_families: Iterable[RoleFamily] = (),
    positions: Iterable[Position] = (),
) -> ReviewTemplate:
    """Version 1 of a new template: a draft without sections. Rater weights default to
    manager 60, peers 20, self 10, upward 10; the types asked to the weighted ones; peers,
    subordinates and partners answer anonymously unless told otherwise."""
    weights = dict(DEFAULT_RATER_WEIGHTS if rater_weights is None else rater_weights)
    template = ReviewTemplate(
        code=code.strip(),
        version=1,
        name=name.strip(),
        description=description.strip(),
        status=TemplateStatus.DRAFT,
        rater_weights=weights,
        rater_types=list(rater_types if rater_types is not None else weights),
        anonymous_types=list(anonymous_types if anonymous_types is not None else DEFAULT_ANONYMOUS),
        peer_min=peer_min,
        peer_max=peer_max,
        grade_bands=list(grade_bands),
    )
    _clean_template(template)
    if ReviewTemplate.objects.filter(code=template.code).exists():
        raise ValidationError({"code": _("A template with this code exists already.")})
    template.save()
    template.role_families.set(list(role_families))
    template.positions.set(list(positions))
    audit_record(
        actor=actor, instance=template, action=AuditAction.CREATE, after=template_snapshot(template)
    )
    return template


@transaction.atomic
def template_update(
    *, actor: Actor, template: ReviewTemplate, changes: Mapping[str, Any], reason: str = ""
) -> ReviewTemplate:
    """Change a draft edition's name, description, raters, peers, grade bands, or whom it
    is for (``role_families``, ``positions``: the new sets)."""
    unknown = set(changes) - TEMPLATE_CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    require_editable(template)
    before = template_snapshot(template)
    for name, value in changes.items():
        if name not in M2M_FIELDS:
            setattr(template, name, value.strip() if isinstance(value, str) else value)
    try:
        _clean_template(template)
    except ValidationError:
        template.refresh_from_db()
        raise
    if "role_families" in changes:
        template.role_families.set(list(changes["role_families"]))
    if "positions" in changes:
        template.positions.set(list(changes["positions"]))
    after = template_snapshot(template)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return template
    fields = [name for name in changed if name not in M2M_FIELDS]
    if fields:
        template.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.UPDATE,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return template


# --- checks before activation ------------------------------------------------------------


def _sections_of(template: ReviewTemplate) -> list[TemplateSection]:
    return list(template.sections.prefetch_related("items").order_by("sort_order", "id"))


def template_problems(
    template: ReviewTemplate, sections: Sequence[TemplateSection] | None = None
) -> list[str]:
    """What stops this edition from being activated, in words (empty when nothing does).
    ``sections`` may be given with their items prefetched."""
    if sections is None:
        sections = _sections_of(template)
    problems: list[str] = []
    scored = [s for s in sections if s.kind in SCORED_SECTIONS]
    if not scored:
        problems.append(_("Add a scored section: goal results, key tasks or competencies."))
    else:
        weights = check_weights(s.weight for s in scored)
        if not weights.ok:
            problems.append(
                _("The weights of the scored sections total %(total)s%%; they must total 100%%.")
                % {"total": normalized(weights.total)}
            )
    asked = set(template.rater_types) | {
        t for t, w in template.rater_weights.items() if weight_value(w) > 0
    }
    grades = veto_grades(template)
    for section in sections:
        problems.extend(_section_problems(section, asked, grades))
    problems.extend(_rater_problems(template))
    try:
        clean_bands(template.grade_bands)
    except ValidationError as error:
        problems.extend(error.messages)
    return problems


def _section_problems(
    section: TemplateSection, asked: set[str], grades: tuple[str, ...]
) -> list[str]:
    where = {"section": section.title}
    problems: list[str] = []
    items: list[TemplateItem] = list(section.items.all())
    scale = read_scale(section.scale)
    if section.kind in SCALED_SECTIONS and scale is None:
        problems.append(_("Section “%(section)s” needs a valid rating scale.") % where)
    if section.kind == SectionKind.VETO and scale is not None and not isinstance(scale, YesNoScale):
        problems.append(_("Section “%(section)s”: veto items are answered yes or no.") % where)
    fed = section.kind == SectionKind.TASKS and section.goal_sections
    if section.kind != SectionKind.GOALS and not fed and not items:
        problems.append(_("Section “%(section)s” has nothing to answer yet.") % where)
    strangers = [t for t in section.rater_types if t not in asked]
    if strangers:
        problems.append(
            _("Section “%(section)s” is answered by %(types)s, whom the template does not ask.")
            % {**where, "types": ", ".join(type_label(t) for t in strangers)}
        )
    if section.kind in RATED_SECTIONS and items and not any(item.weight > 0 for item in items):
        problems.append(
            _("Section “%(section)s”: give at least one item a weight above 0.") % where
        )
    for item in items:
        outside = anchor_keys_outside(item.anchors, scale) if scale and item.anchors else []
        if outside:
            problems.append(
                _("“%(item)s” describes %(keys)s, which the scale of “%(section)s” lacks.")
                % {**where, "item": item.title, "keys": ", ".join(outside)}
            )
        if section.kind == SectionKind.VETO and item.veto_grade not in grades:
            problems.append(
                _("Veto item “%(item)s”: the grade %(grade)s is not one of %(grades)s.")
                % {"item": item.title, "grade": item.veto_grade or "—", "grades": ", ".join(grades)}
            )
    return problems


def _rater_problems(template: ReviewTemplate) -> list[str]:
    try:
        weights = clean_weights(template.rater_weights)
        clean_anonymous(template.anonymous_types)
        check_peers(template.peer_min, template.peer_max)
    except ValidationError as error:
        return list(error.messages)
    if not any(weight_value(value) > 0 for value in weights.values()):
        return [_("Give at least one rater type a weight above 0.")]
    return []


# --- status and versions -------------------------------------------------------------------


def _set_status(actor: Actor, template: ReviewTemplate, status: str, reason: str) -> ReviewTemplate:
    before = template.status
    template.status = status
    template.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        instance=template,
        action=AuditAction.UPDATE,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    return template


@transaction.atomic
def template_activate(
    *, actor: Actor, template: ReviewTemplate, reason: str = ""
) -> ReviewTemplate:
    """Put an edition in use for new cycles, after checking it; the edition of the same
    template in use before is retired (reviews launched with it keep it)."""
    if template.status == TemplateStatus.ACTIVE:
        raise ValidationError(
            _("Version %(version)s is in use already.") % {"version": template.version}
        )
    problems = template_problems(template)
    if problems:
        raise ValidationError(problems)
    # the editions of this code are locked so two activations cannot leave two in use
    editions = ReviewTemplate.objects.select_for_update().filter(code=template.code)
    for other in editions.filter(status=TemplateStatus.ACTIVE).exclude(pk=template.pk):
        _set_status(
            actor,
            other,
            TemplateStatus.RETIRED,
            _("Replaced by version %(version)s.") % {"version": template.version},
        )
    return _set_status(actor, template, TemplateStatus.ACTIVE, reason)


@transaction.atomic
def template_retire(*, actor: Actor, template: ReviewTemplate, reason: str = "") -> ReviewTemplate:
    """Take an edition out of use: new cycles no longer get it; running ones keep it."""
    if template.status == TemplateStatus.RETIRED:
        raise ValidationError(
            _("Version %(version)s is retired already.") % {"version": template.version}
        )
    return _set_status(actor, template, TemplateStatus.RETIRED, reason)


@transaction.atomic
def template_new_version(
    *, actor: Actor, template: ReviewTemplate, reason: str = ""
) -> ReviewTemplate:
    """Copy the latest edition (sections, items, role families, positions) as the next
    version, a draft that takes the changes; the copied edition stays as it is."""
    latest = ReviewTemplate.objects.filter(code=template.code).order_by("-version").first()
    if latest is not None and latest.pk != template.pk:
        raise ValidationError(
            _("Version %(version)s of this template exists already; change that one.")
            % {"version": latest.version}
        )
    if template.status == TemplateStatus.DRAFT and not reviews_using(template):
        raise ValidationError(
            _("Version %(version)s is a draft; change it directly.") % {"version": template.version}
        )
    copy = ReviewTemplate(
        code=template.code,
        version=template.version + 1,
        name=template.name,
        description=template.description,
        status=TemplateStatus.DRAFT,
        rater_weights=dict(template.rater_weights),
        anonymous_types=list(template.anonymous_types),
        rater_types=list(template.rater_types),
        peer_min=template.peer_min,
        peer_max=template.peer_max,
        grade_bands=list(template.grade_bands),
        previous=template,
    )
    copy.save()
    copy.role_families.set(list(template.role_families.all()))
    copy.positions.set(list(template.positions.all()))
    items: list[TemplateItem] = []
    for section in _sections_of(template):
        new_section = TemplateSection.objects.create(
            template=copy,
            kind=section.kind,
            title=section.title,
            description=section.description,
            weight=section.weight,
            scale=section.scale,
            rater_types=list(section.rater_types),
            goal_sections=list(section.goal_sections),
            sort_order=section.sort_order,
        )
        items.extend(
            TemplateItem(
                section=new_section,
                title=item.title,
                description=item.description,
                weight=item.weight,
                anchors=dict(item.anchors),
                required=item.required,
                veto_grade=item.veto_grade,
                veto_score_cap=item.veto_score_cap,
                sort_order=item.sort_order,
            )
            for item in section.items.all()
        )
    TemplateItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        instance=copy,
        action=AuditAction.CREATE,
        after={**template_snapshot(copy), "copied_from": template.version},
        reason=reason,
    )
    return copy


# --- starter templates -----------------------------------------------------------------------


@dataclass
class InstallResult:
    """What ``templates_install_starters`` did, by template code."""

    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def templates_install_starters(*, actor: Actor) -> InstallResult:
    """Create and activate the starter templates (``pms.reviews.starter_templates``) whose
    code no template has yet; the others are left as HR made them. Role families are
    linked by code (or name) when the company has them."""
    from pms.reviews.starter_templates import STARTERS

    result = InstallResult()
    codes = [starter.code for starter in STARTERS]
    existing = set(ReviewTemplate.objects.filter(code__in=codes).values_list("code", flat=True))
    families = list(RoleFamily.objects.all())
    by_key = {f.code: f for f in families} | {f.name: f for f in families}
    for starter in STARTERS:
        if starter.code in existing:
            result.skipped.append(starter.code)
            continue
        linked = {by_key[key].pk: by_key[key] for key in starter.role_families if key in by_key}
        template = template_create(
            actor=actor,
            code=starter.code,
            name=starter.name,
            description=starter.description,
            rater_types=starter.rater_types,
            rater_weights=starter.rater_weights,
            anonymous_types=starter.anonymous_types,
            peer_min=starter.peer_min,
            peer_max=starter.peer_max,
            role_families=linked.values(),
        )
        for spec in starter.sections:
            section = template_section_add(
                actor=actor,
                template=template,
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                weight=spec.weight,
                scale=spec.scale,
                rater_types=spec.rater_types,
                goal_sections=spec.goal_sections,
            )
            for item in spec.items:
                template_item_add(
                    actor=actor,
                    section=section,
                    title=item.title,
                    description=item.description,
                    weight=item.weight,
                    anchors=item.anchors,
                    required=item.required,
                    veto_grade=item.veto_grade,
                )
        template_activate(actor=actor, template=template, reason=_("Starter template installed."))
        result.created.append(starter.code)
    return result


__all__ = [
    "InstallResult",
    "template_activate",
    "template_create",
    "template_new_version",
    "template_problems",
    "template_retire",
    "template_snapshot",
    "template_update",
    "templates_install_starters",
]
