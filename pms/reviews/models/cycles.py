"""Review cycles (考核周期), their phases, and who takes part."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models import Period, Scorecard
from pms.org.models import Department, Employee, Position, RoleFamily
from pms.reviews.models.templates import ReviewTemplate


class CycleKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF = "half", _("Half-year")
    ANNUAL = "annual", _("Annual")
    PROBATION = "probation", _("Probation")
    PROJECT = "project", _("Project")
    CUSTOM = "custom", _("Custom")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    RUNNING = "running", pgettext_lazy("cycle", "Running")
    CLOSED = "closed", pgettext_lazy("cycle", "Closed")


class Phase(models.TextChoices):
    """The phases of a cycle, in order."""

    GOALS = "goals", pgettext_lazy("phase", "Goal setting")
    SELF = "self", _("Self review")
    PEER = "peer", _("Peer and upward review")
    MANAGER = "manager", _("Manager review")
    CALIBRATION = "calibration", _("Calibration")
    RESULTS = "results", _("Results")


PHASE_ORDER: tuple[str, ...] = tuple(Phase.values)


class Cycle(BaseModel):
    """One review cycle: who is reviewed, over which period, with which phases."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CycleKind.choices)
    # the goals period whose scorecards feed the goal results; probation or project cycles
    # may have none
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_cycles",
        verbose_name=_("goal period"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT
    )
    phase = models.CharField(
        _("current phase"), max_length=12, choices=Phase.choices, default=Phase.GOALS
    )
    # Who takes part (see services.participation): {"departments": [ids], "subtree": bool,
    # "role_families": [ids], "positions": [ids], "statuses": [...], "hired_before": iso,
    # "min_tenure_days": n, "exclude_on_leave": bool}
    rules = models.JSONField(_("participation rules"), default=dict, blank=True)
    include = models.ManyToManyField(
        Employee, blank=True, related_name="+", verbose_name=_("always include")
    )
    exclude = models.ManyToManyField(
        Employee, blank=True, related_name="+", verbose_name=_("always exclude")
    )
    # a template for everybody no position or role-family template fits
    default_template = models.ForeignKey(
        ReviewTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default template"),
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("launched by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="cycle_start_le_end"),
        ]

    def __str__(self) -> str:
        return self.name


class PhaseStatus(models.TextChoices):
    PENDING = "pending", _("Not yet open")
    OPEN = "open", pgettext_lazy("phase", "Open")
    CLOSED = "closed", pgettext_lazy("phase", "Closed")


class CyclePhase(BaseModel):
    """A phase's dates; the cycle's ``phase`` says which one is open."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="phases", verbose_name=_("cycle")
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PhaseStatus.choices, default=PhaseStatus.PENDING
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["cycle_id", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "phase"], name="one_phase_row_per_cycle"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(deadline__isnull=True)
                | Q(opens_on__lte=F("deadline")),
                name="phase_opens_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_phase_display()}"


class CompositeScheme(BaseModel):
    """How a role family's annual composite weighs its cycles (年度综合评分).

    ``parts`` is ``[{"key": "monthly", "kinds": ["monthly"], "weight": "40"}, …]``; the
    annual cycle's score is one part (key "annual").
    """

    role_family = models.OneToOneField(
        RoleFamily,
        on_delete=models.CASCADE,
        related_name="composite_scheme",
        verbose_name=_("role family"),
    )
    parts = models.JSONField(_("parts"), default=list)

    class Meta:
        ordering = ["role_family_id"]
        verbose_name = _("composite scheme")
        verbose_name_plural = _("composite schemes")

    def __str__(self) -> str:
        return str(self.role_family)


class ReviewStatus(models.TextChoices):
    ACTIVE = "active", _("In review")
    COMPLETE = "complete", _("Reviews in")
    REMOVED = "removed", _("Removed from the cycle")


class Review(BaseModel):
    """One person's review in one cycle: their template, raters and result."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("cycle")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("employee")
    )
    # where the person stood at launch; the monitor and calibration group by these
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
    role_family = models.ForeignKey(
        RoleFamily,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role family"),
    )
    manager = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("direct manager"),
    )
    template = models.ForeignKey(
        ReviewTemplate, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("template")
    )
    scorecard = models.ForeignKey(
        Scorecard,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("scorecard"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ACTIVE
    )
    # why a person was included against the rules, or removed
    note = models.CharField(_("note"), max_length=500, blank=True)
    # the current result, denormalised from ReviewResult for lists and the monitor
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    # the reviewee sent their nominated peers to the manager; cleared when the manager
    # returns the list (rejects a nominee), so the reviewee nominates again and resends
    peers_sent_at = models.DateTimeField(_("peers sent for approval at"), null=True, blank=True)
    peers_approved_at = models.DateTimeField(_("peers approved at"), null=True, blank=True)

    class Meta:
        ordering = ["cycle_id", "employee_id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "employee"], name="one_review_per_cycle")
        ]
        indexes = [
            models.Index(fields=["cycle", "department", "status"]),
            models.Index(fields=["cycle", "manager"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.cycle}"


class PhaseExtension(BaseModel):
    """A phase opened, extended or reopened for one person, with the reason (HR)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("review")
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    until = models.DateField(_("open until"))
    reason = models.CharField(_("reason"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        ordering = ["review_id", "-until", "-id"]
        verbose_name = _("phase extension")
        verbose_name_plural = _("phase extensions")
        indexes = [models.Index(fields=["review", "phase", "until"])]

    def __str__(self) -> str:
        return f"{self.review} · {self.phase} → {self.until}"
