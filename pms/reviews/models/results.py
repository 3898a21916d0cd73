"""Computed review results, versioned, with their explanation and input snapshot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.reviews.models.cycles import Cycle, Review


class ResultKind(models.TextChoices):
    REVIEW = "review", _("Review score")
    COMPOSITE = "composite", _("Annual composite")


class ReviewResult(BaseModel):
    """One computed edition of a review's score.

    ``explanation`` holds every step (sections, rater types with count and mean only, goals
    with their actuals and rules, vetoes, grade band) in the form the pages render;
    ``inputs`` the numbers the computation read, so a later correction shows what changed.
    A new edition is written only when something changed; once ``frozen`` (the phase
    locked), a recomputation needs a reason and is audited.
    """

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="results", verbose_name=_("review")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ResultKind.choices, default=ResultKind.REVIEW
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    complete = models.BooleanField(_("complete"), default=False)
    explanation = models.JSONField(_("explanation"), default=dict)
    inputs = models.JSONField(_("inputs"), default=dict)
    rule_version = models.CharField(_("rule version"), max_length=20, default="1")
    frozen = models.BooleanField(_("frozen"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )

    class Meta:
        ordering = ["review_id", "kind", "-version"]
        verbose_name = _("review result")
        verbose_name_plural = _("review results")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "kind", "version"], name="one_result_edition"
            ),
            models.UniqueConstraint(
                fields=["review", "kind"],
                condition=Q(is_current=True),
                name="one_current_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} v{self.version}"


class RecomputeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RecomputeRun(BaseModel):
    """Recomputing a whole cycle in the background, with progress."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="recompute_runs", verbose_name=_("cycle")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RecomputeStatus.choices, default=RecomputeStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("reviews"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    freeze = models.BooleanField(_("freeze results"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recomputation")
        verbose_name_plural = _("recomputations")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.status}"


class ReviewSettings(BaseModel):
    """Company-wide review settings (one row)."""

    # k: the fewest raters of an anonymous type whose answers are shown (never below 2)
    anonymity_min = models.PositiveSmallIntegerField(_("fewest anonymous raters shown"), default=3)
    # whether HR may look up who wrote an anonymous rating (each look is logged with a reason)
    allow_identity_access = models.BooleanField(
        _("HR may see who wrote anonymous ratings"), default=False
    )
    # [{"grade": "S", "min": "90"}, …] best first
    grade_bands = models.JSONField(_("grade bands"), default=list)
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind days before deadline"), default=2
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")
        constraints = [
            models.CheckConstraint(condition=Q(anonymity_min__gte=2), name="anonymity_min_ge_2")
        ]

    def __str__(self) -> str:
        return str(_("review settings"))
