"""Calibration (绩效校准): sessions where a committee compares proposed grades across teams,
holds them to a distribution (强制分布) and places people on a nine-box (九宫格).

A ``CalibrationSession`` covers part of a cycle (departments, with or without their
subtrees, or a role family). Opening it copies every covered review's proposed score and
grade into a ``CalibrationEntry``; the committee changes score, grade or potential only with
a reason, each change kept as a ``CalibrationChange`` (before, after, why, who) and
audited. Closing checks the distribution (warn or block, per session) and locks the session;
the calibrated grades are what results publish. A review is calibrated in one session only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.org.models import Department, Employee, RoleFamily
from pms.reviews.models import Cycle, Review


class Enforcement(models.TextChoices):
    WARN = "warn", _("Warn when the distribution is off target")
    BLOCK = "block", _("Do not close while the distribution is off target")


class CalibrationSettings(BaseModel):
    """Company-wide defaults every new session copies (one row)."""

    # [{"grade": "S", "share": "10", "mode": "at_most"}, …] best grade first
    distribution = models.JSONField(_("distribution"), default=list, blank=True)
    min_group_size = models.PositiveSmallIntegerField(_("smallest group held to it"), default=10)
    enforcement = models.CharField(
        _("enforcement"), max_length=10, choices=Enforcement.choices, default=Enforcement.WARN
    )
    # {"S": "high", "A": "high", "B": "mid", "C": "low", "D": "low"}
    performance_levels = models.JSONField(_("performance levels"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("calibration settings")
        verbose_name_plural = _("calibration settings")

    def __str__(self) -> str:
        return str(_("calibration settings"))


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", pgettext_lazy("session", "Open")
    CLOSED = "closed", pgettext_lazy("session", "Closed")


class CalibrationSession(BaseModel):
    """One calibration meeting's worth of people, its rules and its committee."""

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.PROTECT,
        related_name="calibration_sessions",
        verbose_name=_("cycle"),
    )
    name = models.CharField(_("name"), max_length=100)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("departments")
    )
    subtree = models.BooleanField(_("include sub-departments"), default=True)
    role_family = models.ForeignKey(
        RoleFamily,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role family"),
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("facilitator"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    distribution = models.JSONField(_("distribution"), default=list, blank=True)
    min_group_size = models.PositiveSmallIntegerField(_("smallest group held to it"), default=10)
    enforcement = models.CharField(
        _("enforcement"), max_length=10, choices=Enforcement.choices, default=Enforcement.WARN
    )
    note = models.TextField(_("note"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # why it was closed off target, when the rules only warn
    close_reason = models.CharField(_("reason for closing off target"), max_length=500, blank=True)

    class Meta:
        ordering = ["cycle_id", "name"]
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="one_session_name_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.name}"


class MemberRole(models.TextChoices):
    COMMITTEE = "committee", _("Committee member")
    HEAD = "head", _("Department head")
    HRBP = "hrbp", _("HRBP")
    OBSERVER = "observer", _("Observer")


# members of these roles may change scores, grades and potential; observers only look
DECIDING_ROLES = frozenset({MemberRole.COMMITTEE, MemberRole.HEAD, MemberRole.HRBP})


class SessionMember(BaseModel):
    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calibration_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)

    class Meta:
        ordering = ["session_id", "role", "id"]
        verbose_name = _("session member")
        verbose_name_plural = _("session members")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_membership_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.user}"


class Potential(models.TextChoices):
    LOW = "low", pgettext_lazy("potential", "Low")
    MID = "mid", pgettext_lazy("potential", "Medium")
    HIGH = "high", pgettext_lazy("potential", "High")


class CalibrationEntry(BaseModel):
    """One person in one session: the proposal it opened with and where it stands now."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("session"),
    )
    review = models.OneToOneField(
        Review,
        on_delete=models.PROTECT,
        related_name="calibration_entry",
        verbose_name=_("review"),
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("direct manager"),
    )
    proposed_score = models.DecimalField(
        _("proposed score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    proposed_grade = models.CharField(_("proposed grade"), max_length=2, blank=True)
    score = models.DecimalField(
        _("calibrated score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("calibrated grade"), max_length=2, blank=True)
    potential = models.CharField(
        _("potential"), max_length=4, choices=Potential.choices, blank=True
    )
    # 1..9, pms.scoring.ninebox numbering; empty until potential is rated
    box = models.PositiveSmallIntegerField(_("nine-box"), null=True, blank=True)
    # the distribution pool the person is counted in (pms.scoring.distribution.pools)
    pool = models.CharField(_("pool"), max_length=40, blank=True)
    changed = models.BooleanField(_("changed in calibration"), default=False)

    class Meta:
        ordering = ["session_id", "department_id", "employee_id"]
        verbose_name = _("calibration entry")
        verbose_name_plural = _("calibration entries")
        indexes = [
            models.Index(fields=["session", "grade"]),
            models.Index(fields=["session", "department"]),
            models.Index(fields=["session", "pool"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(box__isnull=True) | Q(box__gte=1, box__lte=9),
                name="calibration_box_1_to_9",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.employee}"


class ChangeField(models.TextChoices):
    SCORE = "score", _("Score")
    GRADE = "grade", _("Grade")
    POTENTIAL = "potential", _("Potential")


class CalibrationChange(BaseModel):
    """One change made in a session, with its reason; the history the employee's result
    and the audit log both show."""

    entry = models.ForeignKey(
        CalibrationEntry,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("entry"),
    )
    field = models.CharField(_("what changed"), max_length=10, choices=ChangeField.choices)
    before = models.CharField(_("before"), max_length=20, blank=True)
    after = models.CharField(_("after"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["entry_id", "created_at", "id"]
        verbose_name = _("calibration change")
        verbose_name_plural = _("calibration changes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="calibration_change_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.field}: {self.before} → {self.after}"
