"""Instant feedback (即时反馈): feedback between colleagues, praise on a company wall,
upward feedback to managers (optionally anonymous), feedback requests, and the managers'
observations that the 24-hour rule (24小时反馈原则) follows up.

Who sees what is decided in ``pms.feedback.access``; how anonymity is kept, in
``pms.feedback.anonymity``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.org.models import Employee


class FeedbackKind(models.TextChoices):
    RECOGNITION = "recognition", _("Recognition")
    CONSTRUCTIVE = "constructive", _("Constructive")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")


class ObservationKind(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent work")
    PROBLEM = "problem", _("A problem")


class FeedbackRequest(BaseModel):
    """Someone asks a colleague for feedback on a piece of work (征求反馈)."""

    requester = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="feedback_requests_made",
        verbose_name=_("asked by"),
    )
    asked = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="feedback_requests_received",
        verbose_name=_("asked"),
    )
    about = models.TextField(_("about"))
    goal = models.ForeignKey(
        "goals.Goal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goal"),
    )
    due_date = models.DateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.OPEN,
        db_index=True,
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback request")
        verbose_name_plural = _("feedback requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("asked")), name="feedback_request_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["asked", "status", "-created_at"]),
            models.Index(fields=["requester", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.about[:60]}"


class Observation(BaseModel):
    """What a manager saw a report do (excellent work or a problem). A feedback
    conversation about it is due within 24 hours of ``observed_at``: feedback linked to it,
    or "talked about it" with a note and a time."""

    manager = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="observations_made",
        verbose_name=_("manager"),
    )
    report = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="observations_about",
        verbose_name=_("about"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ObservationKind.choices)
    what = models.TextField(_("what happened"))
    observed_at = models.DateTimeField(_("observed at"))
    due_at = models.DateTimeField(_("conversation due by"), db_index=True)
    talked_at = models.DateTimeField(_("talked about it at"), null=True, blank=True)
    talk_note = models.TextField(_("conversation note"), blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        ordering = ["-observed_at", "-id"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(manager=F("report")), name="observation_not_about_self"
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("observed_at")), name="observation_due_after_seen"
            ),
            models.CheckConstraint(
                condition=Q(talked_at__isnull=True) | Q(talked_at__gte=F("observed_at")),
                name="observation_talk_after_seen",
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "-observed_at"]),
            # the 24-hour job: open observations past their due time, not yet reminded
            models.Index(
                fields=["due_at"],
                condition=Q(talked_at__isnull=True, reminded_at__isnull=True),
                name="observation_awaiting_talk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.what[:60]}"

    @property
    def met_24h(self) -> bool:
        return self.talked_at is not None and self.talked_at <= self.due_at

    @property
    def conversation_status(self) -> str:
        """met (talked within 24 h), late (talked after), overdue (not yet, past 24 h) or
        open (not yet, still within 24 h)."""
        if self.talked_at is not None:
            return "met" if self.talked_at <= self.due_at else "late"
        return "overdue" if timezone.now() > self.due_at else "open"


class Feedback(BaseModel):
    """One piece of feedback in the SBI form (situation, behaviour, impact) plus a
    suggestion. ``giver`` is empty exactly when the feedback is anonymous: an anonymous
    item keeps no trace of its author but ``author_token`` (see ``pms.feedback.anonymity``).
    """

    giver = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_given",
        verbose_name=_("from"),
    )
    receiver = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="feedback_received",
        verbose_name=_("to"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FeedbackKind.choices)
    situation = models.TextField(_("situation"), blank=True)
    behaviour = models.TextField(_("behaviour"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    suggestion = models.TextField(_("suggestion"), blank=True)
    goal = models.ForeignKey(
        "goals.Goal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goal"),
    )
    public = models.BooleanField(_("on the praise wall"), default=False)
    upward = models.BooleanField(_("upward"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # the anonymity window (a quarter, "2026Q1") an anonymous item counts in
    window = models.CharField(_("window"), max_length=8, blank=True)
    # keyed hash of (author, receiver, window): one anonymous item per person, manager and
    # window, so that k items are k people; never the author's id
    author_token = models.CharField(max_length=64, blank=True, editable=False)
    # the audit entry of an anonymous item is written later by the daily job (no timing)
    audited = models.BooleanField(default=True, editable=False)
    request = models.OneToOneField(
        FeedbackRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answer",
        verbose_name=_("request"),
    )
    observation = models.ForeignKey(
        Observation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("observation"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(condition=~Q(giver=F("receiver")), name="feedback_not_to_self"),
            models.CheckConstraint(
                condition=Q(anonymous=False, giver__isnull=False, author_token="")
                | Q(anonymous=True, giver__isnull=True, upward=True),
                name="feedback_anonymous_has_no_giver",
            ),
            models.CheckConstraint(
                condition=Q(public=False) | Q(kind="recognition", anonymous=False),
                name="feedback_public_is_named_praise",
            ),
            models.UniqueConstraint(
                fields=["receiver", "author_token"],
                condition=Q(anonymous=True),
                name="feedback_one_anonymous_per_person_and_window",
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "-created_at"]),
            models.Index(fields=["giver", "-created_at"]),
            models.Index(fields=["public", "-created_at"]),
            models.Index(fields=["receiver", "anonymous", "window"]),
        ]

    def __str__(self) -> str:
        # never the giver: the audit log shows this text for anonymous items too
        return f"{self.get_kind_display()} → {self.receiver.name}"
