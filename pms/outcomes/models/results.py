"""Published results (绩效结果): the grade, score and coefficient a person is told, how they
came about, and the person's confirmation (结果确认)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.org.models import Department, Employee
from pms.reviews.models import Cycle, Review


class OutcomeSettings(BaseModel):
    """Company-wide settings for results and their use (one row)."""

    # [{"grade": "S", "coefficient": "1.5"}, …] best grade first (绩效系数)
    coefficients = models.JSONField(_("coefficients"), default=list, blank=True)
    confirm_days = models.PositiveSmallIntegerField(_("days to confirm a result"), default=7)
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal a result"), default=7)
    appeal_sla_days = models.PositiveSmallIntegerField(_("days to decide an appeal"), default=10)
    interview_days = models.PositiveSmallIntegerField(
        _("days to hold the performance interview"), default=14
    )
    # promotion eligibility: at least ``promotion_count`` latest results at or better than
    # ``promotion_grade``, and ``promotion_tenure_months`` in the company
    promotion_grade = models.CharField(_("promotion: grade at least"), max_length=2, default="A")
    promotion_count = models.PositiveSmallIntegerField(
        _("promotion: consecutive results"), default=2
    )
    promotion_tenure_months = models.PositiveSmallIntegerField(
        _("promotion: months in the company"), default=12
    )
    # grades that call for an improvement plan (PIP)
    pip_grades = models.JSONField(_("grades that call for an improvement plan"), default=list)
    # a competency rated below this share of its scale is a training need
    training_gap_percent = models.PositiveSmallIntegerField(
        _("training need below (percent of scale)"), default=60
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("results settings")
        verbose_name_plural = _("results settings")

    def __str__(self) -> str:
        return str(_("results settings"))


class ReleaseStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class ResultRelease(BaseModel):
    """When a cycle's results reach the people: on a date, or when HR publishes."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="release", verbose_name=_("cycle")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.SCHEDULED
    )
    publish_on = models.DateField(_("publish on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    confirm_by = models.DateField(_("confirm by"), null=True, blank=True)
    appeal_until = models.DateField(_("appeals until"), null=True, blank=True)

    class Meta:
        ordering = ["-cycle_id"]
        verbose_name = _("results release")
        verbose_name_plural = _("results releases")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.status}"


class ResultSource(models.TextChoices):
    REVIEW = "review", _("Review")
    CALIBRATION = "calibration", _("Calibration")
    APPEAL = "appeal", _("Appeal")
    CORRECTION = "correction", _("Correction by HR")


class AckStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    AUTO = "auto", _("Confirmed automatically")
    APPEALED = "appealed", _("Appealed")


class PerformanceResult(BaseModel):
    """A person's result for one cycle, as published: grade, score and coefficient, with
    the steps from the review score through calibration and appeals (``explanation``)."""

    review = models.OneToOneField(
        Review, on_delete=models.PROTECT, related_name="outcome", verbose_name=_("review")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("cycle")
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="performance_results",
        verbose_name=_("employee"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    review_score = models.DecimalField(
        _("review score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    review_grade = models.CharField(_("review grade"), max_length=2, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    coefficient = models.DecimalField(
        _("coefficient"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(
        _("decided by"), max_length=12, choices=ResultSource.choices, default=ResultSource.REVIEW
    )
    explanation = models.JSONField(_("explanation"), default=dict)
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    ack_status = models.CharField(
        _("confirmation"), max_length=10, choices=AckStatus.choices, default=AckStatus.PENDING
    )
    ack_deadline = models.DateField(_("confirm by"), null=True, blank=True)
    ack_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ack_note = models.CharField(_("comment on confirming"), max_length=500, blank=True)

    class Meta:
        ordering = ["cycle_id", "department_id", "employee_id"]
        verbose_name = _("performance result")
        verbose_name_plural = _("performance results")
        indexes = [
            models.Index(fields=["cycle", "department"]),
            models.Index(fields=["cycle", "grade"]),
            models.Index(fields=["employee", "cycle"]),
            models.Index(fields=["ack_status", "ack_deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.cycle}: {self.grade}"


class ResultChange(BaseModel):
    """One change of a result after the review: calibration, an appeal, HR's correction."""

    result = models.ForeignKey(
        PerformanceResult,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("result"),
    )
    source = models.CharField(_("source"), max_length=12, choices=ResultSource.choices)
    score_before = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    grade_before = models.CharField(max_length=2, blank=True)
    grade_after = models.CharField(max_length=2, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["result_id", "created_at", "id"]
        verbose_name = _("result change")
        verbose_name_plural = _("result changes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="result_change_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.result}: {self.grade_before} → {self.grade_after}"


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RECORDED = "recorded", _("Recorded, awaiting signatures")
    SIGNED = "signed", _("Signed by both")
    CANCELLED = "cancelled", pgettext_lazy("interview", "Cancelled")


class Interview(BaseModel):
    """The performance interview (绩效面谈): scheduled, recorded in a set structure, signed
    by the manager and the employee."""

    result = models.ForeignKey(
        PerformanceResult,
        on_delete=models.CASCADE,
        related_name="interviews",
        verbose_name=_("result"),
    )
    interviewer = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("interviewer")
    )
    scheduled_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InterviewStatus.choices,
        default=InterviewStatus.SCHEDULED,
    )
    achievements = models.TextField(_("achievements"), blank=True)
    gaps = models.TextField(_("gaps"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    next_focus = models.TextField(_("next period's focus"), blank=True)
    employee_opinion = models.TextField(_("employee's opinion"), blank=True)
    interviewer_signed_at = models.DateTimeField(_("signed by the manager"), null=True, blank=True)
    employee_signed_at = models.DateTimeField(_("signed by the employee"), null=True, blank=True)

    class Meta:
        ordering = ["result_id", "-scheduled_at", "-id"]
        verbose_name = _("performance interview")
        verbose_name_plural = _("performance interviews")

    def __str__(self) -> str:
        return f"{self.result} · {self.scheduled_at:%Y-%m-%d}"


class InterviewGuide(BaseModel):
    """Talking points for managers, for all results or for one grade (面谈指引)."""

    grade = models.CharField(_("for grade"), max_length=2, blank=True)
    title = models.CharField(_("title"), max_length=100)
    talking_points = models.TextField(_("talking points"))

    class Meta:
        ordering = ["grade", "title"]
        verbose_name = _("interview guide")
        verbose_name_plural = _("interview guides")

    def __str__(self) -> str:
        return self.title


class AppealStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    IN_REVIEW = "in_review", _("Being handled")
    UPHELD = "upheld", _("Result upheld")
    ADJUSTED = "adjusted", _("Result adjusted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPEAL = (AppealStatus.FILED, AppealStatus.IN_REVIEW)


class Appeal(BaseModel):
    """An employee's appeal (申诉) against a result, handled by HR (an HRBP, never the
    employee's own manager) within the SLA."""

    result = models.ForeignKey(
        PerformanceResult,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("result"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    reasons = models.TextField(_("reasons"))
    evidence_link = models.URLField(_("evidence link"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to="appeals/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.FILED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    due_on = models.DateField(_("decide by"))
    decision = models.TextField(_("decision and reasons"), blank=True)
    new_score = models.DecimalField(
        _("adjusted score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    new_grade = models.CharField(_("adjusted grade"), max_length=2, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["result"],
                condition=Q(status__in=["filed", "in_review"]),
                name="one_open_appeal_per_result",
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.result} · {self.status}"
