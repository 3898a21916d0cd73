"""Review templates (考核模板): sections, items with behaviourally anchored levels, scales.

A template is versioned: ``code`` names it, ``version`` counts its editions. A launched cycle
keeps the edition its reviews were made with; changing a template in use makes the next
edition (``template_new_version``), so nobody's running review changes under them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models.fields import PERCENT
from pms.org.models import Position, RoleFamily


class RaterType(models.TextChoices):
    SELF = "self", _("Self")
    MANAGER = "manager", _("Direct manager")
    DOTTED = "dotted", _("Dotted-line manager")
    SKIP = "skip", _("Skip-level manager")
    PEER = "peer", _("Peer")
    UPWARD = "upward", _("Subordinate (upward)")
    CROSS = "cross", _("Cross-department partner")


# Whose answers reach the reviewee only aggregated and without names, by default.
DEFAULT_ANONYMOUS = (RaterType.PEER, RaterType.UPWARD, RaterType.CROSS)
# Rater types that answer in the peer / upward phase; the rest answer in the manager phase
# (self in the self-review phase).
MULTI_RATER_TYPES = (RaterType.PEER, RaterType.UPWARD, RaterType.CROSS)
MANAGER_TYPES = (RaterType.MANAGER, RaterType.DOTTED, RaterType.SKIP)

# The seed's example: manager 60 %, peers 20 %, self 10 %, upward 10 %.
DEFAULT_RATER_WEIGHTS: dict[str, int] = {
    RaterType.MANAGER: 60,
    RaterType.PEER: 20,
    RaterType.SELF: 10,
    RaterType.UPWARD: 10,
}


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class ReviewTemplate(BaseModel):
    """One edition of a review template (考核模板)."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    # Which people a cycle gives this template: by position first, then role family; a
    # template with neither is the default.
    role_families = models.ManyToManyField(
        RoleFamily, blank=True, related_name="review_templates", verbose_name=_("role families")
    )
    positions = models.ManyToManyField(
        Position, blank=True, related_name="review_templates", verbose_name=_("positions")
    )
    # {rater type: weight}; renormalised over the types that actually answered.
    rater_weights = models.JSONField(_("rater-type weights"), default=dict)
    # rater types whose answers are shown only aggregated and without names
    anonymous_types = models.JSONField(_("anonymous rater types"), default=list)
    # rater types the cycle asks (self, manager … are asked when weighted or listed here)
    rater_types = models.JSONField(_("rater types"), default=list)
    peer_min = models.PositiveSmallIntegerField(_("fewest peers"), default=3)
    peer_max = models.PositiveSmallIntegerField(_("most peers"), default=6)
    # [{"grade": "S", "min": "90"}, …] best first; empty = the company default bands
    grade_bands = models.JSONField(_("grade bands"), default=list)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous version"),
    )

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_template_edition"),
            models.CheckConstraint(
                condition=Q(peer_min__lte=models.F("peer_max")), name="template_peer_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SectionKind(models.TextChoices):
    GOALS = "goals", _("Goal results")
    TASKS = "tasks", _("Key tasks")
    COMPETENCIES = "competencies", _("Competencies and values")
    QUESTIONS = "questions", _("Open questions")
    VETO = "veto", _("Veto items")


# Sections whose score comes from raters' answers (goals are scored from actuals).
RATED_SECTIONS = (SectionKind.TASKS, SectionKind.COMPETENCIES)


class TemplateSection(BaseModel):
    template = models.ForeignKey(
        ReviewTemplate,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("template"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SectionKind.choices)
    title = models.CharField(pgettext_lazy("section", "title"), max_length=100)
    description = models.TextField(_("instructions"), blank=True)
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, default=Decimal(0), validators=PERCENT
    )
    # rating scale as data (pms.scoring scale_from_data): numeric, levels or yes/no
    scale = models.JSONField(_("rating scale"), default=dict, blank=True)
    # which rater types answer this section; empty = every type the template asks
    rater_types = models.JSONField(_("answered by"), default=list, blank=True)
    # goal sections: which scorecard sections feed it (results, tasks, okr…); empty = all
    goal_sections = models.JSONField(_("scorecard sections"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template_id", "sort_order", "id"]
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100), name="section_weight_percent"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TemplateItem(BaseModel):
    """A competency, value, question or veto item within a section."""

    section = models.ForeignKey(
        TemplateSection, on_delete=models.CASCADE, related_name="items", verbose_name=_("section")
    )
    title = models.CharField(_("item"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=Decimal(1), validators=PERCENT
    )
    # BARS: {level code or scale point: the behaviour that earns it}
    anchors = models.JSONField(_("level descriptions"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # veto items (一票否决): when answered "yes" the review gets this grade whatever its score
    veto_grade = models.CharField(pgettext_lazy("veto", "grade"), max_length=2, blank=True)
    veto_score_cap = models.DecimalField(
        _("score at most"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["section_id", "sort_order", "id"]
        verbose_name = _("template item")
        verbose_name_plural = _("template items")

    def __str__(self) -> str:
        return self.title
