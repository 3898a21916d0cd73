"""Improvement plans (PIP, 绩效改进计划) and development plans (IDP, 个人发展计划).

A PIP is a dated record: the goals, the support given (training, coaching, reassignment),
checkpoints at 30 / 60 / 90 days and the outcome, each with who recorded it and when —
Chinese labour law expects training or reassignment before a dismissal for incompetence,
so nothing in a PIP is deleted once it has started.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.org.models import Employee, Position
from pms.outcomes.models.results import PerformanceResult


class PipStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    ACTIVE = "active", _("Under way")
    PASSED = "passed", _("Completed: improved")
    EXTENDED = "extended", _("Extended")
    FAILED = "failed", _("Completed: not improved")
    CANCELLED = "cancelled", pgettext_lazy("plan", "Cancelled")


OPEN_PIP = (PipStatus.DRAFT, PipStatus.ACTIVE, PipStatus.EXTENDED)


class PipTrigger(models.TextChoices):
    GRADE = "grade", _("Result grade")
    CHOICE = "choice", _("Manager's choice")


class ImprovementPlan(BaseModel):
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="improvement_plans",
        verbose_name=_("employee"),
    )
    result = models.ForeignKey(
        PerformanceResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_plans",
        verbose_name=_("result"),
    )
    owner = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("manager")
    )
    trigger = models.CharField(_("why"), max_length=10, choices=PipTrigger.choices)
    reason = models.TextField(_("the gap to close"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=PipStatus.choices, default=PipStatus.DRAFT
    )
    # support given: training courses, a coach or mentor, reassignment (调岗)
    training = models.TextField(_("training"), blank=True)
    coaching = models.TextField(_("coaching"), blank=True)
    reassignment = models.TextField(_("reassignment"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    employee_signed_at = models.DateTimeField(_("signed by the employee"), null=True, blank=True)
    # refusing to sign is recorded, never a block: the plan runs all the same
    sign_refused_at = models.DateTimeField(
        _("the employee declined to sign"), null=True, blank=True
    )
    sign_note = models.TextField(_("note on signing"), blank=True)
    # extended once, with a reason; ``original_end`` is the end first agreed
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("why it was extended"), blank=True)
    original_end = models.DateField(_("first end"), null=True, blank=True)
    # closing (passed / failed) or cancelling: the reason given
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="pip_start_le_end"),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(status__in=OPEN_PIP),
                name="one_open_pip_per_person",
            ),
        ]
        indexes = [models.Index(fields=["employee", "status"])]

    def __str__(self) -> str:
        return f"{self.employee} · {self.start}"


class ImprovementGoal(BaseModel):
    plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    title = models.CharField(_("goal"), max_length=300)
    measure = models.CharField(_("how it is measured"), max_length=300)
    met = models.BooleanField(_("met"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "id"]
        verbose_name = _("improvement goal")
        verbose_name_plural = _("improvement goals")

    def __str__(self) -> str:
        return self.title


class CheckpointVerdict(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")


class PlanCheckpoint(BaseModel):
    """A checkpoint (30 / 60 / 90 days, or as set), with what was found and who found it."""

    plan = models.ForeignKey(
        ImprovementPlan,
        on_delete=models.CASCADE,
        related_name="checkpoints",
        verbose_name=_("plan"),
    )
    day = models.PositiveSmallIntegerField(_("day"))
    due_on = models.DateField(_("due on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=CheckpointVerdict.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["plan_id", "day"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="one_checkpoint_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.day}"


class IdpStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Waiting for agreement")
    ACTIVE = "active", _("Under way")
    DONE = "done", _("Completed")


class DevelopmentPlan(BaseModel):
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="development_plans",
        verbose_name=_("employee"),
    )
    result = models.ForeignKey(
        PerformanceResult,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="development_plans",
        verbose_name=_("result"),
    )
    title = models.CharField(_("title"), max_length=200)
    target_position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target position"),
    )
    aspiration = models.TextField(_("career aspiration"), blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=IdpStatus.choices, default=IdpStatus.DRAFT
    )
    # the person submits a draft; a manager up the chain agrees it or returns it (with a
    # reason) to be prepared again. ``returned_*`` keep the last return.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_reason = models.TextField(_("why it was returned"), blank=True)
    manager_agreed_at = models.DateTimeField(_("agreed by the manager"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # the person, or HR / a manager who suggested it (from a training need); the person
    # owns it either way
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="idp_start_le_end"),
        ]
        indexes = [models.Index(fields=["employee", "status"])]

    def __str__(self) -> str:
        return self.title


class ActionKind(models.TextChoices):
    COURSE = "course", _("Course or training")
    MENTOR = "mentor", _("Mentoring")
    STRETCH = "stretch", _("Stretch assignment")
    ROTATION = "rotation", _("Job rotation")
    READING = "reading", _("Self-study")
    OTHER = "other", pgettext_lazy("action kind", "Other")


class DevelopmentAction(BaseModel):
    """One development goal and how it is pursued; ``competency`` names the gap it closes."""

    plan = models.ForeignKey(
        DevelopmentPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ActionKind.choices)
    goal = models.CharField(_("development goal"), max_length=300)
    competency = models.CharField(_("competency"), max_length=200, blank=True)
    mentor = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mentor"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan_id", "due_on", "id"]
        verbose_name = _("development action")
        verbose_name_plural = _("development actions")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="idp_progress_le_100")
        ]

    def __str__(self) -> str:
        return self.goal
