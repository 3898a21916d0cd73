"""Scorecard templates and their bulk runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.goals.models.fields import PERCENT, default_rule
from pms.goals.models.goals import GoalKind, Section
from pms.goals.models.library import Direction, Indicator, Perspective
from pms.goals.models.periods import Period
from pms.org.models import Department, Position, RoleFamily


class ScorecardTemplate(BaseModel):
    """Standard goals for a position or role family, applied to a group in bulk."""

    name = models.CharField(_("template name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    role_family = models.ForeignKey(
        RoleFamily,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scorecard_templates",
        verbose_name=_("role family"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scorecard_templates",
        verbose_name=_("position"),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")

    def __str__(self) -> str:
        return self.name


class TemplateItem(BaseModel):
    template = models.ForeignKey(
        ScorecardTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=GoalKind.choices, default="kpi")
    section = models.CharField(
        _("section"), max_length=10, choices=Section.choices, default=Section.RESULTS
    )
    title = models.CharField(_("goal"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="template_items",
        verbose_name=_("indicator"),
    )
    perspective = models.CharField(
        _("perspective"), max_length=10, choices=Perspective.choices, blank=True
    )
    metric = models.CharField(_("metric"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target_max = models.DecimalField(
        _("upper target"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    completion_standard = models.TextField(_("completion standard"), blank=True)
    scoring_rule = models.JSONField(_("scoring rule"), default=default_rule)
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template_id", "sort_order", "id"]
        verbose_name = _("template goal")
        verbose_name_plural = _("template goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100), name="template_item_weight_percent"
            )
        ]

    def __str__(self) -> str:
        return self.title


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TemplateRun(BaseModel):
    """One bulk application of a template to a group, run as a background job."""

    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.PROTECT, related_name="runs", verbose_name=_("template")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    role_family = models.ForeignKey(
        RoleFamily,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role family"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("people"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created = models.PositiveIntegerField(_("scorecards created"), default=0)
    updated = models.PositiveIntegerField(_("scorecards updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped (already agreed)"), default=0)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("template run")
        verbose_name_plural = _("template runs")

    def __str__(self) -> str:
        return f"{self.template} → {self.period}"
