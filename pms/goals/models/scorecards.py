"""Scorecards (考核表), their signatures and discussion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models.goals import Goal
from pms.goals.models.library import Indicator
from pms.goals.models.periods import Period
from pms.org.models import Department, Employee, Position


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
