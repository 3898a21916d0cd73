"""Check-ins and review meetings (复盘会), obstacle diagnosis and coaching (绩效辅导).

A ``CheckIn`` is one periodic conversation between a person and their manager: the person
prepares (progress per goal, own improvement plan), the manager adds comments based on data
and observation, the meeting's minutes are kept, and ``ActionItem``s are followed until
done. Each ``Obstacle`` raised is classified external or internal; an external one leads to
a ``ResourceRequest`` to another department or to a goal adjustment (目标调整, through the
goals flow), an internal one to a ``CoachingPlan`` with actions and dated milestones.

How often check-ins happen depends on the person's role family (``CheckInCadence``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel
from pms.goals.models import Goal, GoalAdjustment
from pms.org.models import Department, Employee, RoleFamily

# --- cadence -------------------------------------------------------------------------------


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    BIMONTHLY = "bimonthly", _("Every two months")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEAR = "half_year", _("Every half-year")
    ANNUAL = "annual", _("Yearly")


# months per window; windows are aligned to the calendar year
FREQUENCY_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.BIMONTHLY: 2,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEAR: 6,
    Frequency.ANNUAL: 12,
}
# built-in defaults by role family code, until HR says otherwise: sales monthly, others
# (R&D included) quarterly
DEFAULT_FREQUENCIES = {"sales": Frequency.MONTHLY, "rnd": Frequency.QUARTERLY}
COMPANY_DEFAULT_FREQUENCY = Frequency.QUARTERLY


class CheckInCadence(BaseModel):
    """How often people of a role family meet their manager for a check-in; the row without
    role family is the company default for families HR has not set."""

    role_family = models.OneToOneField(
        RoleFamily,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checkin_cadence",
        verbose_name=_("role family"),
    )
    is_company_default = models.BooleanField(_("company default"), default=False)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    # automatic scheduling can be switched off for a family (manual check-ins still work)
    enabled = models.BooleanField(_("scheduled automatically"), default=True)

    class Meta:
        ordering = ["-is_company_default", "role_family__sort_order", "role_family__code"]
        verbose_name = _("check-in cadence")
        verbose_name_plural = _("check-in cadences")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_company_default=True, role_family__isnull=True)
                | Q(is_company_default=False, role_family__isnull=False),
                name="cadence_default_or_family",
            ),
            models.UniqueConstraint(
                fields=["is_company_default"],
                condition=Q(is_company_default=True),
                name="one_company_default_cadence",
            ),
        ]

    def __str__(self) -> str:
        who = str(_("Company default")) if self.role_family is None else str(self.role_family)
        return f"{who}: {self.get_frequency_display()}"


# --- check-ins -----------------------------------------------------------------------------


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PREPARED = "prepared", _("Prepared")
    HELD = "held", _("Held")
    CLOSED = "closed", pgettext_lazy("check-in or plan", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CHECKIN = (CheckInStatus.SCHEDULED, CheckInStatus.PREPARED)
ACTIVE_CHECKIN = (CheckInStatus.SCHEDULED, CheckInStatus.PREPARED, CheckInStatus.HELD)


class CheckInOrigin(models.TextChoices):
    SCHEDULE = "schedule", _("By the cadence")
    MANUAL = "manual", _("Set up by hand")


class CheckIn(BaseModel):
    """One check-in (复盘会) of a person with their manager, covering ``period_start`` to
    ``period_end`` and due by ``due_date``."""

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("employee")
    )
    # the person's manager when the check-in was scheduled
    manager = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_checkins",
        verbose_name=_("manager"),
    )
    period_start = models.DateField(_("covers from"))
    period_end = models.DateField(_("covers until"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CheckInStatus.choices,
        default=CheckInStatus.SCHEDULED,
        db_index=True,
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=CheckInOrigin.choices, default=CheckInOrigin.SCHEDULE
    )
    scheduled_at = models.DateTimeField(_("meeting time"), null=True, blank=True)
    # the person's preparation
    improvement_plan = models.TextField(_("own improvement plan"), blank=True)
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    # the manager's part
    data_comment = models.TextField(_("comments on the data"), blank=True)
    observation = models.TextField(_("observations"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-due_date", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "due_date"], name="one_checkin_per_person_and_due_date"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="checkin_start_le_end"
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_at__isnull=False),
                name="held_checkin_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(employee=F("manager")), name="checkin_not_with_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name} · {self.due_date:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHECKIN

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_CHECKIN


class CheckInGoalNote(BaseModel):
    """The person's note on one goal for a check-in, with the progress shown at that time."""

    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, related_name="goal_notes", verbose_name=_("check-in")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkin_notes",
        verbose_name=_("goal"),
    )
    goal_title = models.CharField(_("goal"), max_length=300)
    progress = models.DecimalField(
        _("progress (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("goal note")
        verbose_name_plural = _("goal notes")
        constraints = [
            models.UniqueConstraint(fields=["checkin", "goal"], name="one_note_per_goal_checkin")
        ]

    def __str__(self) -> str:
        return self.goal_title


# --- action items --------------------------------------------------------------------------


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItem(BaseModel):
    """Something agreed in a check-in, with an owner and a due date, followed until done."""

    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("check-in")
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ActionStatus.choices,
        default=ActionStatus.OPEN,
        db_index=True,
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False),
                name="done_action_has_time",
            )
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title


# --- obstacles -----------------------------------------------------------------------------


class ObstacleKind(models.TextChoices):
    EXTERNAL = "external", _("External")
    INTERNAL = "internal", _("Internal")


class ObstacleCategory(models.TextChoices):
    POLICY = "policy", _("Policy change")
    SUPPLIER = "supplier", _("Supplier delay")
    COMPETITOR = "competitor", _("Competitor price cut")
    MARKET = "market", _("Market change")
    OTHER_EXTERNAL = "other_external", _("Other external cause")
    SKILLS = "skills", _("Skills gap")
    EFFICIENCY = "efficiency", _("Low execution efficiency")
    RESOURCES = "resources", _("Resources or time")
    MOTIVATION = "motivation", _("Motivation")
    OTHER_INTERNAL = "other_internal", _("Other internal cause")


EXTERNAL_CATEGORIES = (
    ObstacleCategory.POLICY,
    ObstacleCategory.SUPPLIER,
    ObstacleCategory.COMPETITOR,
    ObstacleCategory.MARKET,
    ObstacleCategory.OTHER_EXTERNAL,
)
INTERNAL_CATEGORIES = (
    ObstacleCategory.SKILLS,
    ObstacleCategory.EFFICIENCY,
    ObstacleCategory.RESOURCES,
    ObstacleCategory.MOTIVATION,
    ObstacleCategory.OTHER_INTERNAL,
)


class Obstacle(BaseModel):
    """Something in the way of a goal, diagnosed in a check-in (问题诊断)."""

    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, related_name="obstacles", verbose_name=_("check-in")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="obstacles",
        verbose_name=_("goal"),
    )
    description = models.TextField(_("description"))
    kind = models.CharField(_("cause"), max_length=10, choices=ObstacleKind.choices)
    category = models.CharField(_("category"), max_length=16, choices=ObstacleCategory.choices)
    # an external obstacle may lead to a goal adjustment requested through the goals flow
    adjustment = models.ForeignKey(
        GoalAdjustment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="obstacles",
        verbose_name=_("goal adjustment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("obstacle")
        verbose_name_plural = _("obstacles")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="external", category__in=[c.value for c in EXTERNAL_CATEGORIES])
                | Q(kind="internal", category__in=[c.value for c in INTERNAL_CATEGORIES]),
                name="obstacle_category_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_external(self) -> bool:
        return self.kind == ObstacleKind.EXTERNAL


# --- resource requests ---------------------------------------------------------------------


class ResourceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")


class ResourceRequest(BaseModel):
    """Help asked of another department because of an external obstacle, with its own
    status and discussion; handled by that department's head or HR."""

    obstacle = models.ForeignKey(
        Obstacle,
        on_delete=models.CASCADE,
        related_name="resource_requests",
        verbose_name=_("obstacle"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="resource_requests",
        verbose_name=_("asked of"),
    )
    need = models.TextField(_("what is needed"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ResourceStatus.choices,
        default=ResourceStatus.OPEN,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resource request")
        verbose_name_plural = _("resource requests")
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return self.need[:80]


class ResourceRequestEntry(BaseModel):
    """One line of a resource request's history: a comment, a change of status, or both."""

    request = models.ForeignKey(
        ResourceRequest,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("resource request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    status_from = models.CharField(
        _("status before"), max_length=10, choices=ResourceStatus.choices, blank=True
    )
    status_to = models.CharField(
        _("status after"), max_length=10, choices=ResourceStatus.choices, blank=True
    )
    body = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("resource request entry")
        verbose_name_plural = _("resource request history")

    def __str__(self) -> str:
        return self.body[:80] or f"{self.status_from} → {self.status_to}"


# --- coaching plans (绩效辅导) ---------------------------------------------------------------


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", pgettext_lazy("check-in or plan", "Closed")


class PlanOutcome(models.TextChoices):
    ACHIEVED = "achieved", _("Skill acquired")
    PARTLY = "partly", _("Partly acquired")
    NOT_ACHIEVED = "not_achieved", _("Not acquired")
    CANCELLED = "cancelled", _("No longer needed")


class CoachingPlan(BaseModel):
    """A plan to close an internal shortfall: the skill to acquire, the actions (mentor,
    course, practice) and dated milestones, followed until closed with an outcome."""

    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="coaching_plans",
        verbose_name=_("employee"),
    )
    coach = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="coached_plans",
        verbose_name=_("coach"),
    )
    obstacle = models.OneToOneField(
        Obstacle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coaching_plan",
        verbose_name=_("obstacle"),
    )
    target_skill = models.CharField(_("skill to acquire"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PlanStatus.choices,
        default=PlanStatus.OPEN,
        db_index=True,
    )
    outcome = models.CharField(_("outcome"), max_length=14, choices=PlanOutcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome notes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coaching plan")
        verbose_name_plural = _("coaching plans")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="closed_plan_has_outcome"
            ),
        ]
        indexes = [models.Index(fields=["employee", "status"])]

    def __str__(self) -> str:
        return f"{self.employee.name} · {self.target_skill}"


class CoachingActionKind(models.TextChoices):
    MENTOR = "mentor", _("Mentoring")
    COURSE = "course", _("Course")
    PRACTICE = "practice", _("Practice")
    OTHER = "other", _("Other")


class CoachingAction(BaseModel):
    plan = models.ForeignKey(
        CoachingPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CoachingActionKind.choices)
    description = models.CharField(_("description"), max_length=300)

    class Meta:
        ordering = ["id"]
        verbose_name = _("coaching action")
        verbose_name_plural = _("coaching actions")

    def __str__(self) -> str:
        return self.description


class Milestone(BaseModel):
    """A dated step of a coaching plan ("2周内掌握客户需求挖掘技巧")."""

    plan = models.ForeignKey(
        CoachingPlan, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("plan")
    )
    title = models.CharField(_("milestone"), max_length=300)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CoachingNote(BaseModel):
    """A follow-up note on a coaching plan."""

    plan = models.ForeignKey(
        CoachingPlan, on_delete=models.CASCADE, related_name="notes", verbose_name=_("plan")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")

    def __str__(self) -> str:
        return self.body[:80]
