"""The plan stage: periods, the indicator library, the strategy cascade, scorecards,
templates, agreement and signature, and versioned goal adjustments.

A ``Goal`` is one row whatever its level (company / department / individual) and kind
(KPI, key task, OKR objective, key result); ``parent`` links the cascade and, for a key
result, its objective. Individual goals live on a ``Scorecard`` (one per person and
period). Once a goal is agreed, every change goes through a ``GoalAdjustment`` and leaves a
``GoalVersion``, so scores can be computed against the version in force for each part of
the period.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.org.models import Department, Employee, Position, RoleFamily

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def default_rule() -> dict[str, object]:
    return {"type": "linear", "floor": "0", "cap": "120"}


# --- periods -----------------------------------------------------------------------------


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    HALF = "half", _("Half-year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    CUSTOM = "custom", _("Custom")


class PeriodStatus(models.TextChoices):
    PLANNING = "planning", _("Goal setting")
    ACTIVE = "active", _("In progress")
    CLOSED = "closed", _("Closed")


class Period(BaseModel):
    """A stretch of time goals are set for (考核期间): a year, a quarter, a month…"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("within"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.PLANNING
    )
    # 预留10%-15%的弹性空间: changes within this share need manager and HR; beyond, the committee.
    adjustment_limit = models.DecimalField(
        _("flexibility limit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=PERCENT,
    )

    class Meta:
        ordering = ["-start", "end", "name"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="period_start_le_end"),
            models.CheckConstraint(
                condition=Q(adjustment_limit__gte=0) & Q(adjustment_limit__lte=100),
                name="period_limit_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- indicator library -------------------------------------------------------------------


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Within a range")


class DataSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    EXCEL = "excel", _("Excel upload")
    EXTERNAL = "external", _("External system")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


class Perspective(models.TextChoices):
    """Balanced Scorecard perspectives."""

    FINANCIAL = "financial", _("Financial")
    CUSTOMER = "customer", _("Customer")
    PROCESS = "process", _("Internal process")
    LEARNING = "learning", _("Learning and growth")


class Indicator(BaseModel):
    """A reusable measure in the library (指标库) with its scoring rule and data source."""

    code = models.CharField(_("indicator code"), max_length=40, unique=True)
    name = models.CharField(_("indicator name"), max_length=100)
    definition = models.TextField(_("definition"), blank=True)
    formula = models.TextField(_("formula"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    data_source = models.CharField(
        _("data source"), max_length=10, choices=DataSource.choices, default=DataSource.MANUAL
    )
    source_system = models.CharField(_("source system"), max_length=100, blank=True)
    frequency = models.CharField(
        _("update frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    perspective = models.CharField(
        _("perspective"), max_length=10, choices=Perspective.choices, blank=True
    )
    role_families = models.ManyToManyField(
        RoleFamily, blank=True, related_name="indicators", verbose_name=_("role families")
    )
    scoring_rule = models.JSONField(_("scoring rule"), default=default_rule)
    enabled = models.BooleanField(_("enabled"), default=True, db_index=True)
    employee_selectable = models.BooleanField(
        _("employees may choose it"),
        default=True,
        help_text=_("Otherwise only managers and HR may put it on a scorecard."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


# --- goals -------------------------------------------------------------------------------


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


# --- scorecards --------------------------------------------------------------------------


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved, awaiting signatures")
    SIGNED = "signed", _("Signed")


EDITABLE_SCORECARD = (ScorecardStatus.DRAFT, ScorecardStatus.RETURNED)
AGREED_SCORECARD = (ScorecardStatus.APPROVED, ScorecardStatus.SIGNED)


class Scorecard(BaseModel):
    """One person's weighted goals for one period (考核表)."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("period")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("employee")
    )
    # where the person stood when the scorecard was made; HR's status counts group by it
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
    )
    template = models.ForeignKey(
        "ScorecardTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scorecards",
        verbose_name=_("template"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ScorecardStatus.choices,
        default=ScorecardStatus.DRAFT,
        db_index=True,
    )
    # the letter's edition: an approved adjustment asks both to sign again
    version = models.PositiveIntegerField(_("version"), default=1)
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
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["period_id", "employee_id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "employee"], name="one_scorecard_per_person_and_period"
            )
        ]
        indexes = [models.Index(fields=["period", "department", "status"])]

    def __str__(self) -> str:
        return f"{self.employee} · {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_SCORECARD

    @property
    def is_agreed(self) -> bool:
        return self.status in AGREED_SCORECARD


class SignerRole(models.TextChoices):
    EMPLOYEE = "employee", pgettext_lazy("signer", "Employee")
    MANAGER = "manager", pgettext_lazy("signer", "Manager")


class Signature(BaseModel):
    """An acknowledgement of the target responsibility letter (目标责任书)."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("scorecard")
    )
    version = models.PositiveIntegerField(_("version"))
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer"),
    )
    signer_name = models.CharField(_("signer"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    # sha256 of the letter's terms, so a later change is visible against the signature
    content_hash = models.CharField(_("fingerprint"), max_length=64)

    class Meta:
        ordering = ["scorecard_id", "version", "role"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "version", "role"], name="one_signature_per_role_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} · {self.scorecard}"


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    PROPOSAL = "proposal", _("Proposed indicator")
    RETURN = "return", _("Returned")
    APPROVAL = "approval", _("Approved")


class Comment(BaseModel):
    """The discussion around a scorecard, a department goal or an adjustment."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    adjustment = models.ForeignKey(
        "GoalAdjustment", on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=CommentKind.choices, default=CommentKind.COMMENT
    )
    body = models.TextField(_("comment"))
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(scorecard__isnull=False)
                | Q(goal__isnull=False)
                | Q(adjustment__isnull=False),
                name="comment_has_subject",
            )
        ]

    def __str__(self) -> str:
        return self.body[:50]


# --- templates ---------------------------------------------------------------------------


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


# --- adjustments -------------------------------------------------------------------------


class ReasonCategory(models.TextChoices):
    EXTERNAL = "external", _("External")
    INTERNAL = "internal", _("Internal")


class ReasonCode(models.TextChoices):
    POLICY = "policy", _("Policy change")
    SUPPLIER = "supplier", _("Supplier delay")
    MARKET = "market", _("Market change")
    COMPETITOR = "competitor", _("Competitor price cut")
    REORGANISATION = "reorganisation", _("Reorganisation")
    OTHER_EXTERNAL = "other_external", _("Other external cause")
    STRATEGY = "strategy", _("Change of priorities")
    WORKLOAD = "workload", _("Workload or staffing")
    ESTIMATE = "estimate", _("Target set wrongly")
    OTHER_INTERNAL = "other_internal", _("Other internal cause")


EXTERNAL_REASONS = (
    ReasonCode.POLICY,
    ReasonCode.SUPPLIER,
    ReasonCode.MARKET,
    ReasonCode.COMPETITOR,
    ReasonCode.REORGANISATION,
    ReasonCode.OTHER_EXTERNAL,
)


class AdjustmentStatus(models.TextChoices):
    PENDING_MANAGER = "manager", _("Awaiting the manager")
    PENDING_HR = "hr", _("Awaiting HR")
    PENDING_COMMITTEE = "committee", _("Awaiting the committee")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ADJUSTMENT = (
    AdjustmentStatus.PENDING_MANAGER,
    AdjustmentStatus.PENDING_HR,
    AdjustmentStatus.PENDING_COMMITTEE,
)


class GoalAdjustment(BaseModel):
    """A request to change agreed goals (目标调整), with its reason and the diff.

    ``changes`` is a list of ``{"op": "change"|"remove"|"add", "goal": uuid|None,
    "fields": {name: [before, after]}}``; for "add" the new goal's terms are in "fields"
    with None as before. Approved, it writes a new ``GoalVersion`` for each goal touched.
    """

    scorecard = models.ForeignKey(
        Scorecard,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adjustments",
        verbose_name=_("scorecard"),
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adjustments",
        verbose_name=_("goal"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason_category = models.CharField(_("cause"), max_length=10, choices=ReasonCategory.choices)
    reason_code = models.CharField(_("reason"), max_length=16, choices=ReasonCode.choices)
    reason = models.TextField(_("explanation"))
    effective_from = models.DateField(_("effective from"))
    changes = models.JSONField(_("changes"), default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PENDING_MANAGER,
        db_index=True,
    )
    # beyond the period's flexibility limit: the committee decides after HR
    needs_committee = models.BooleanField(_("needs the committee"), default=False)
    largest_change = models.DecimalField(
        _("largest change (%)"), max_digits=7, decimal_places=2, default=Decimal(0)
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("goal adjustment")
        verbose_name_plural = _("goal adjustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(scorecard__isnull=False) | Q(goal__isnull=False),
                name="adjustment_has_subject",
            )
        ]

    def __str__(self) -> str:
        subject = self.scorecard if self.scorecard_id else self.goal
        return f"{subject} · {self.get_reason_code_display()}"


class DecisionStep(models.TextChoices):
    MANAGER = "manager", pgettext_lazy("step", "Manager")
    HR = "hr", pgettext_lazy("step", "HR")
    COMMITTEE = "committee", pgettext_lazy("step", "Committee")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class AdjustmentDecision(BaseModel):
    adjustment = models.ForeignKey(
        GoalAdjustment, on_delete=models.CASCADE, related_name="decisions"
    )
    step = models.CharField(_("step"), max_length=10, choices=DecisionStep.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("adjustment decision")
        verbose_name_plural = _("adjustment decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["adjustment", "step"], name="one_decision_per_adjustment_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.adjustment} · {self.get_step_display()}"
