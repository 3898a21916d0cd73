"""Raters and their answers (自评 / 互评 / 上级评 / 下级评).

A ``Rating`` is one rater's part in one review: who, as which rater type, its status, and the
answers. For anonymous rater types (``Rating.anonymous``) the link between a rater and their
answers exists only so the rater can keep a draft; every read for anybody else goes through
``pms.reviews.access`` and ``pms.reviews.selectors.anonymity``, which release answers only
aggregated per type and only when at least k raters of that type answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models import Goal
from pms.org.models import Employee
from pms.reviews.models.cycles import Review
from pms.reviews.models.templates import RaterType, TemplateItem


class RatingStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated, awaiting the manager")
    REJECTED = "rejected", pgettext_lazy("rating", "Not approved")
    PENDING = "pending", _("To do")
    DRAFT = "draft", _("Draft saved")
    SUBMITTED = "submitted", _("Submitted")
    DECLINED = "declined", _("Declined")
    REASSIGNED = "reassigned", _("Reassigned")
    WITHDRAWN = "withdrawn", pgettext_lazy("rating", "Withdrawn")


# A rating that still counts: the rater is asked, or has answered.
OPEN_RATING = (RatingStatus.PENDING, RatingStatus.DRAFT)
LIVE_RATING = (RatingStatus.PENDING, RatingStatus.DRAFT, RatingStatus.SUBMITTED)


class Rating(BaseModel):
    """One rater's part in one review."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("review")
    )
    rater = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="ratings_given", verbose_name=_("rater")
    )
    rater_type = models.CharField(_("rater type"), max_length=10, choices=RaterType.choices)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RatingStatus.choices,
        default=RatingStatus.PENDING,
        db_index=True,
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nominated by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # why the rater declined, or why the manager replaced a nominee
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by"),
    )
    overall_comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["review_id", "rater_type", "id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            # one live rating per rater, type and review (a declined one may be asked again)
            models.UniqueConstraint(
                fields=["review", "rater", "rater_type"],
                condition=Q(status__in=["nominated", "pending", "draft", "submitted"]),
                name="one_live_rating_per_rater",
            ),
            models.CheckConstraint(
                condition=~Q(rater_type="self") | Q(anonymous=False),
                name="self_rating_not_anonymous",
            ),
        ]
        indexes = [
            models.Index(fields=["rater", "status"]),
            models.Index(fields=["review", "rater_type", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_rater_type_display()} · {self.review}"


class Answer(BaseModel):
    """One answer in a rating: a template item, or a key-task goal of the scorecard."""

    rating = models.ForeignKey(
        Rating, on_delete=models.CASCADE, related_name="answers", verbose_name=_("rating")
    )
    item = models.ForeignKey(
        TemplateItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item"),
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goal"),
    )
    # the answer as the scale takes it: a number, a level code, "yes"/"no"; blank = none yet
    value = models.CharField(_("rating"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["rating_id", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(goal__isnull=True))
                | (Q(item__isnull=True) & Q(goal__isnull=False)),
                name="answer_item_or_goal",
            ),
            models.UniqueConstraint(
                fields=["rating", "item"],
                condition=Q(item__isnull=False),
                name="one_answer_per_item",
            ),
            models.UniqueConstraint(
                fields=["rating", "goal"],
                condition=Q(goal__isnull=False),
                name="one_answer_per_goal",
            ),
        ]

    def __str__(self) -> str:
        return self.value


class IdentityAccess(BaseModel):
    """HR looked at who wrote an anonymous rating (only where the company allows it)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="identity_accesses", verbose_name=_("review")
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("viewed by"),
    )
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access to rater identities")
        verbose_name_plural = _("accesses to rater identities")

    def __str__(self) -> str:
        return f"{self.viewer} · {self.review}"
