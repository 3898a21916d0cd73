"""Goals at every level of the cascade, and their versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models.fields import PERCENT, default_rule
from pms.goals.models.library import Direction, Indicator, Perspective
from pms.goals.models.periods import Period
from pms.org.models import Department, Employee


class GoalLevel(models.TextChoices):
    COMPANY = "company", _("Company strategy")
    DEPARTMENT = "department", _("Department")
    INDIVIDUAL = "individual", _("Individual")


class GoalKind(models.TextChoices):
    KPI = "kpi", _("KPI")
    TASK = "task", _("Key task")
    OBJECTIVE = "objective", _("OKR objective")
    KEY_RESULT = "key_result", _("Key result")


class Section(models.TextChoices):
    """How a scorecard groups its goals; the reviews add rated sections later."""

    RESULTS = "results", _("Results (KPI)")
    TASKS = "tasks", _("Key tasks")
    OKR = "okr", _("OKR")
    TEAM = "team", _("Team and talent")
    OTHER = "other", pgettext_lazy("section", "Other")


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Goal(BaseModel):
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="goals", verbose_name=_("period")
    )
    level = models.CharField(_("level"), max_length=10, choices=GoalLevel.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=GoalKind.choices, default="kpi")
    title = models.CharField(_("goal"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    perspective = models.CharField(
        _("perspective"), max_length=10, choices=Perspective.choices, blank=True
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("department"),
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("employee"),
    )
    owner = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_goals",
        verbose_name=_("owner"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("aligned to"),
    )
    contribution = models.DecimalField(
        _("contribution weight (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    scorecard = models.ForeignKey(
        "Scorecard",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("scorecard"),
    )
    section = models.CharField(
        _("section"), max_length=10, choices=Section.choices, default=Section.RESULTS
    )
    weight = models.DecimalField(
        _("weight (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("indicator"),
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
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completion_standard = models.TextField(_("completion standard"), blank=True)
    scoring_rule = models.JSONField(_("scoring rule"), default=default_rule)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT
    )
    # removed by an approved adjustment: kept, with its versions, for the history and scores
    is_active = models.BooleanField(_("in force"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    template_item = models.ForeignKey(
        "TemplateItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("from template"),
    )
    # changed by a person after a template put it here: re-applying the template keeps it
    customised = models.BooleanField(_("edited by hand"), default=False)
    # attainment to date in percent; written by tracking as actual values arrive
    progress = models.DecimalField(
        _("progress (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [
            models.Index(fields=["period", "level", "status"]),
            models.Index(fields=["period", "department"]),
            models.Index(fields=["employee", "period"]),
            # the goals list: one period, person by person, in their order; and its count,
            # answered from the index alone
            models.Index(
                fields=["period", "employee", "sort_order"], name="goal_period_person_order"
            ),
            models.Index(fields=["period", "level", "is_active", "kind"], name="goal_list_count"),
            # roll-ups of progress read only goals that have some (partial index)
            models.Index(
                fields=["period", "parent"],
                condition=Q(progress__isnull=False),
                name="goal_with_progress",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="goal_not_own_parent"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gte=0) & Q(weight__lte=100)),
                name="goal_weight_percent",
            ),
            models.CheckConstraint(
                condition=Q(contribution__isnull=True)
                | (Q(contribution__gte=0) & Q(contribution__lte=100)),
                name="goal_contribution_percent",
            ),
            models.CheckConstraint(
                condition=~Q(level="individual") | Q(employee__isnull=False),
                name="individual_goal_has_employee",
            ),
            models.CheckConstraint(
                condition=~Q(level="department") | Q(department__isnull=False),
                name="department_goal_has_department",
            ),
            models.CheckConstraint(
                condition=Q(target_max__isnull=True)
                | Q(target__isnull=True)
                | Q(target_max__gte=F("target")),
                name="goal_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_measured(self) -> bool:
        return self.kind in (GoalKind.KPI, GoalKind.KEY_RESULT)


class GoalVersion(BaseModel):
    """The terms of a goal from a date on. Version 1 is written when the goal is agreed;
    each approved adjustment closes the version in force and opens the next."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="versions", verbose_name=_("goal")
    )
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    # title, weight, target, target_max, baseline, unit, direction, due_date, scoring_rule,
    # is_active: the terms a score is computed against
    terms = models.JSONField(_("terms"))
    adjustment = models.ForeignKey(
        "GoalAdjustment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name=_("adjustment"),
    )

    class Meta:
        ordering = ["goal_id", "number"]
        verbose_name = _("goal version")
        verbose_name_plural = _("goal versions")
        constraints = [
            models.UniqueConstraint(fields=["goal", "number"], name="one_goal_version_number"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="goal_version_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal} v{self.number}"
