"""Goal adjustments (目标调整) and their decisions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models.goals import Goal
from pms.goals.models.scorecards import Scorecard


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
