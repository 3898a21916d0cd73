"""Reads of review templates, shaped so each page issues a fixed number of queries: the
list (with how many reviews use each edition), an edition's sections and items with their
scales and anchors in display order, its other editions, the cycles that use it, and its
history (the edition's, its sections' and its items' audit entries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from pms.core.models import AuditEntry
from pms.org.selectors import HistoryEntry, field_label
from pms.reviews.models import (
    Cycle,
    RaterType,
    Review,
    ReviewTemplate,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)
from pms.reviews.template_rules import SCORED_SECTIONS, read_scale, weight_value
from pms.scoring import LevelsScale, NumericScale, RatingScale, YesNoScale
from pms.scoring.decimals import normalized

HISTORY_LIMIT = 50
STATUS_FILTERS = ("current", *TemplateStatus.values, "all")


def _review_count() -> Coalesce:
    used = (
        Review.objects.filter(template=OuterRef("pk"))
        .order_by()
        .values("template")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(used, output_field=IntegerField()), 0)


def template_list(
    visible: QuerySet[ReviewTemplate], status: str = "current"
) -> QuerySet[ReviewTemplate]:
    """Editions with ``review_count`` and ``section_count``, role families prefetched.
    ``status``: "current" (drafts and editions in use), one status, or "all"."""
    rows = visible
    if status == "current":
        rows = rows.exclude(status=TemplateStatus.RETIRED)
    elif status in TemplateStatus.values:
        rows = rows.filter(status=status)
    return (
        rows.annotate(review_count=_review_count(), section_count=Count("sections"))
        .prefetch_related("role_families")
        .order_by("code", "-version")
    )


def template_detail(visible: QuerySet[ReviewTemplate]) -> QuerySet[ReviewTemplate]:
    """Editions with ``review_count``, role families and positions (for ``get_visible``)."""
    return (
        visible.select_related("previous")
        .annotate(review_count=_review_count())
        .prefetch_related("role_families", "positions")
    )


# --- sections as shown -----------------------------------------------------------------------


@dataclass(frozen=True)
class LevelView:
    code: str
    points: str
    label: str


@dataclass(frozen=True)
class ScaleView:
    """A scale in words: its kind and, for levels, each level with points and meaning."""

    kind: str
    summary: str
    levels: list[LevelView] = field(default_factory=list)


def scale_view(data: dict[str, Any] | None) -> ScaleView | None:
    """None for no scale; a scale that does not read says so (activation catches it)."""
    if not data:
        return None
    scale = read_scale(data)
    if scale is None:
        return ScaleView(kind="invalid", summary=_("Not a valid scale"))
    return _describe(scale)


def _describe(scale: RatingScale) -> ScaleView:
    match scale:
        case NumericScale():
            values = {"min": normalized(scale.min), "max": normalized(scale.max)}
            if scale.step is None:
                return ScaleView("numeric", _("Numbers from %(min)s to %(max)s") % values)
            return ScaleView(
                "numeric",
                _("Numbers from %(min)s to %(max)s in steps of %(step)s")
                % {**values, "step": normalized(scale.step)},
            )
        case LevelsScale():
            levels = [
                LevelView(code, normalized(level.points), level.label)
                for code, level in zip(scale.codes, scale.levels, strict=True)
            ]
            return ScaleView(
                "levels", _("Levels %(codes)s") % {"codes": " / ".join(scale.codes)}, levels
            )
        case YesNoScale():
            return ScaleView(
                "yes_no",
                _("Yes (%(yes)s points) or no (%(no)s points)")
                % {"yes": normalized(scale.yes), "no": normalized(scale.no)},
            )


@dataclass(frozen=True)
class ItemView:
    item: TemplateItem
    anchors: list[tuple[str, str]]  # (level or point, behaviour), in the scale's order


@dataclass(frozen=True)
class SectionView:
    section: TemplateSection
    scale: ScaleView | None
    items: list[ItemView]
    answered_by: list[str]  # rater type labels; empty = every type asked
    goal_sections: list[str]  # scorecard section labels


def _ordered_anchors(anchors: dict[str, str], scale: RatingScale | None) -> list[tuple[str, str]]:
    order: list[str] = []
    if isinstance(scale, LevelsScale):
        order = list(scale.codes)
    elif isinstance(scale, YesNoScale):
        order = ["yes", "no"]
    known = [key for key in order if key in anchors]
    rest = sorted((key for key in anchors if key not in order), key=_sort_key)
    labels = {"yes": _("Yes"), "no": _("No")}
    return [(labels.get(key, key), anchors[key]) for key in [*known, *rest]]


def _sort_key(key: str) -> tuple[int, Decimal | str]:
    try:
        return (0, -Decimal(key))
    except ArithmeticError:
        return (1, key)


def template_sections(template: ReviewTemplate) -> list[SectionView]:
    """The edition's sections in order, each with its items (two queries)."""
    from pms.goals.models import Section as GoalSection

    goal_labels = dict(GoalSection.choices)
    type_labels = dict(RaterType.choices)
    sections = template.sections.order_by("sort_order", "id").prefetch_related(
        Prefetch("items", queryset=TemplateItem.objects.order_by("sort_order", "id"))
    )
    views: list[SectionView] = []
    for section in sections:
        scale = read_scale(section.scale)
        views.append(
            SectionView(
                section=section,
                scale=scale_view(section.scale),
                items=[
                    ItemView(item, _ordered_anchors(item.anchors, scale))
                    for item in section.items.all()
                ],
                answered_by=[str(type_labels.get(t, t)) for t in section.rater_types],
                goal_sections=[str(goal_labels.get(s, s)) for s in section.goal_sections],
            )
        )
    return views


def scored_weight(sections: list[SectionView]) -> Decimal:
    return sum(
        (view.section.weight for view in sections if view.section.kind in SCORED_SECTIONS),
        Decimal(0),
    )


@dataclass(frozen=True)
class RaterRow:
    rater_type: str
    label: str
    weight: Decimal | None
    asked: bool
    anonymous: bool


def rater_rows(template: ReviewTemplate) -> list[RaterRow]:
    """Every rater type the edition asks, weighs or keeps anonymous, in the types' order."""
    weights = template.rater_weights
    rows: list[RaterRow] = []
    for value, label in RaterType.choices:
        asked = value in template.rater_types or weight_value(weights.get(value, 0)) > 0
        if not asked and value not in weights:
            continue
        rows.append(
            RaterRow(
                rater_type=value,
                label=str(label),
                weight=weight_value(weights[value]) if value in weights else None,
                asked=asked,
                anonymous=value in template.anonymous_types,
            )
        )
    return rows


# --- editions, cycles, history -----------------------------------------------------------------


def template_editions(template: ReviewTemplate) -> QuerySet[ReviewTemplate]:
    """Every edition of the template's code, newest first, with ``review_count``."""
    return (
        ReviewTemplate.objects.filter(code=template.code)
        .annotate(review_count=_review_count())
        .order_by("-version")
    )


def template_cycles(template: ReviewTemplate) -> QuerySet[Cycle]:
    """The cycles with reviews made with this edition, with ``review_count`` of them."""
    return (
        Cycle.objects.filter(reviews__template=template)
        .annotate(review_count=Count("reviews", filter=Q(reviews__template=template)))
        .order_by("-start", "name")
    )


_MODELS: dict[str, type[ReviewTemplate] | type[TemplateSection] | type[TemplateItem]] = {
    ReviewTemplate._meta.label_lower: ReviewTemplate,
    TemplateSection._meta.label_lower: TemplateSection,
    TemplateItem._meta.label_lower: TemplateItem,
}


def template_history(template: ReviewTemplate) -> list[HistoryEntry]:
    """The latest changes to the edition, its sections and its items, newest first (the
    entries of sections and items removed since stay in the audit log)."""
    section_ids = [str(pk) for pk in template.sections.values_list("pk", flat=True)]
    item_ids = [
        str(pk)
        for pk in TemplateItem.objects.filter(section__template=template).values_list(
            "pk", flat=True
        )
    ]
    entries = AuditEntry.objects.filter(
        Q(object_type=ReviewTemplate._meta.label_lower, object_id=str(template.pk))
        | Q(object_type=TemplateSection._meta.label_lower, object_id__in=section_ids)
        | Q(object_type=TemplateItem._meta.label_lower, object_id__in=item_ids)
    ).order_by("-at", "-id")[:HISTORY_LIMIT]
    return [
        HistoryEntry(
            entry=entry,
            changes=[
                (field_label(_MODELS[entry.object_type], name), before, after)
                for name, before, after in entry.changes
            ],
        )
        for entry in entries
    ]


__all__ = [
    "ItemView",
    "LevelView",
    "RaterRow",
    "ScaleView",
    "SectionView",
    "rater_rows",
    "scale_view",
    "scored_weight",
    "template_cycles",
    "template_detail",
    "template_editions",
    "template_history",
    "template_list",
    "template_sections",
]
