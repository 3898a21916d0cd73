"""Actual values (实际值) with their provenance, the progress and pace computed from them, and
the snapshots that freeze what a review used.

An actual is one measured value of a *series*: an indicator (or a goal's own metric) for one
person or one department over one span of days. Values are never changed in place: a
correction, a changed push or a new upload of a different value writes the next version of
the series and marks it current; the earlier versions stay, with who sent them and why.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel, ImportJob
from pms.goals.models import Goal, Indicator, Period
from pms.org.models import Department, Employee


class ActualSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    EXCEL = "excel", _("Excel/CSV upload")
    API = "api", _("API push")
    CONNECTOR = "connector", _("Connector")


class ActualBatch(BaseModel):
    """One upload or one push: what came in together, from whom, and what it did."""

    source = models.CharField(_("source"), max_length=10, choices=ActualSource.choices)
    source_name = models.CharField(_("sending system"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    import_job = models.OneToOneField(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actual_batch",
        verbose_name=_("import"),
    )
    items = models.PositiveIntegerField(_("values received"), default=0)
    created = models.PositiveIntegerField(_("new values"), default=0)
    changed = models.PositiveIntegerField(_("changed values"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged values"), default=0)
    rejected = models.PositiveIntegerField(_("rejected values"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("batch of actual values")
        verbose_name_plural = _("batches of actual values")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Actual(BaseModel):
    # "e12:i3:2026-01-01:2026-01-31", "d4:i3:…" or "g77:…": the measurement this value is of
    series = models.CharField(max_length=120, editable=False)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("indicator"),
    )
    # a goal's own metric, for goals that are not measured by a library indicator
    goal = models.ForeignKey(
        Goal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("goal"),
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("employee"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("department"),
    )
    start = models.DateField(_("span start"))
    end = models.DateField(_("span end"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ActualSource.choices)
    source_name = models.CharField(_("sending system"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    batch = models.ForeignKey(
        ActualBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actuals",
        verbose_name=_("batch"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    evidence = models.FileField(_("evidence file"), upload_to="evidence/%Y/%m", blank=True)
    reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)

    class Meta:
        ordering = ["series", "version"]
        verbose_name = _("actual value")
        verbose_name_plural = _("actual values")
        indexes = [
            # progress: the current values of a person's (or department's) indicator
            models.Index(
                fields=["employee", "indicator", "start"],
                condition=Q(is_current=True),
                name="actual_person_current",
            ),
            models.Index(
                fields=["department", "indicator", "start"],
                condition=Q(is_current=True),
                name="actual_department_current",
            ),
            models.Index(
                fields=["goal", "start"], condition=Q(is_current=True), name="actual_goal_current"
            ),
            # idempotent pushes: the latest value a system sent under its own id (any version:
            # a resend is compared with what that system sent, even after a correction)
            models.Index(
                fields=["source_name", "external_id", "version"],
                condition=~Q(external_id=""),
                name="actual_external_sent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="one_actual_version"),
            models.UniqueConstraint(
                fields=["series"], condition=Q(is_current=True), name="one_current_actual"
            ),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="actual_dates_ordered"),
            models.CheckConstraint(
                condition=Q(employee__isnull=True, department__isnull=False)
                | Q(employee__isnull=False, department__isnull=True),
                name="actual_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | Q(goal__isnull=False),
                name="actual_has_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} v{self.version} = {self.value}"


class PaceStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("No values yet")
    NOT_STARTED = "not_started", _("Not started")


class GoalProgress(BaseModel):
    """Where a measured goal stands, computed by ``pms.scoring.pace`` from the current actuals
    and stored with its inputs and steps so the page can say how it came about. The owner,
    department and period are copied from the goal so boards aggregate without joins."""

    goal = models.OneToOneField(
        Goal, on_delete=models.CASCADE, related_name="tracked", verbose_name=_("goal")
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PaceStatus.choices, default=PaceStatus.NO_DATA
    )
    actual = models.DecimalField(
        _("actual to date"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    attainment = models.DecimalField(
        _("attainment (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    expected = models.DecimalField(
        _("expected by now (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    forecast = models.DecimalField(
        _("forecast (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    forecast_low = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    forecast_high = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    values = models.PositiveIntegerField(_("values"), default=0)
    last_value_on = models.DateField(_("latest value for"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    # the pace's inputs, intermediate figures and steps (codes and parameters), and the rule
    explanation = models.JSONField(_("how it was computed"), default=dict)

    class Meta:
        ordering = ["goal_id"]
        verbose_name = _("goal progress")
        verbose_name_plural = _("goal progress")
        indexes = [
            models.Index(fields=["period", "employee", "status"], name="progress_person"),
            models.Index(fields=["period", "department", "status"], name="progress_department"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.status}"


class ActualSnapshot(BaseModel):
    """Values frozen at a moment (a review phase locking): the versions current at
    ``taken_at`` are the ones the review used; later versions show as changed afterwards."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="actual_snapshots", verbose_name=_("period")
    )
    name = models.CharField(_("name"), max_length=100)
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    values = models.PositiveIntegerField(_("values"), default=0)

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name = _("snapshot of actual values")
        verbose_name_plural = _("snapshots of actual values")

    def __str__(self) -> str:
        return self.name


class CalendarDay(BaseModel):
    """A day that breaks the Monday-to-Friday week: a public holiday, or a weekend day worked
    in exchange (调休). Pace by working days reads these."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


# --- connectors (数据接口): systems the values are pulled from ------------------------------


class ConnectorFormat(models.TextChoices):
    JSON = "json", _("JSON")
    CSV = "csv", _("CSV")


class ConnectorSchedule(models.TextChoices):
    MINUTES = "minutes", _("Every few minutes")
    HOURS = "hours", _("Every few hours")
    DAILY = "daily", _("Daily at a set time")


class ConnectorRunStatus(models.TextChoices):
    OK = "ok", _("OK")
    PARTIAL = "partial", _("Some values rejected")
    FAILED = "failed", _("Failed")


class Connector(BaseModel):
    """A named system (ERP, CRM, OA) whose export address is read on a schedule: its values
    are recorded like a push, under the connector's name as the sending system. The secret
    of the authentication header is a credential: pages show only a hint of it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    format = models.CharField(
        _("format"), max_length=8, choices=ConnectorFormat.choices, default=ConnectorFormat.JSON
    )
    # a CharField: intranet hosts ("http://erp01:8080/…") are not URLField-valid
    url = models.CharField(_("export address"), max_length=1000)
    auth_header = models.CharField(_("authentication header"), max_length=100, blank=True)
    auth_secret = models.CharField(_("header value"), max_length=500, blank=True)
    # JSON: the key of the list when the answer is an object ({"items": [...]})
    items_path = models.CharField(_("key of the list"), max_length=100, blank=True)
    # our field name → the source's field or column name; missing means the same name
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    schedule = models.CharField(
        _("schedule"),
        max_length=8,
        choices=ConnectorSchedule.choices,
        default=ConnectorSchedule.DAILY,
    )
    every = models.PositiveSmallIntegerField(_("every"), default=1)
    daily_at = models.TimeField(_("daily at"), default=dt.time(2, 0))
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    # set while a run is under way (claimed with a conditional update): no overlapping runs
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    last_run = models.ForeignKey(
        "ConnectorRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last run"),
    )
    consecutive_failures = models.PositiveIntegerField(_("failed runs in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("data connector")
        verbose_name_plural = _("data connectors")
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="connector_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(every__gte=1) & Q(every__lte=1440), name="connector_every_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ConnectorRun(BaseModel):
    """One reading of a connector: what came, what it did, and the first problems."""

    connector = models.ForeignKey(
        Connector, on_delete=models.CASCADE, related_name="runs", verbose_name=_("connector")
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    status = models.CharField(_("status"), max_length=8, choices=ConnectorRunStatus.choices)
    # None: started by the schedule
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    items = models.PositiveIntegerField(_("values received"), default=0)
    created = models.PositiveIntegerField(_("new values"), default=0)
    changed = models.PositiveIntegerField(_("changed values"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged values"), default=0)
    rejected = models.PositiveIntegerField(_("rejected values"), default=0)
    message = models.CharField(_("message"), max_length=1000, blank=True)
    # the first rejected items: [{"item": 3, "external_id": "…", "fields": {field: [msg]}}]
    errors = models.JSONField(_("problems"), default=list, blank=True)
    batch = models.ForeignKey(
        ActualBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("batch"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("connector run")
        verbose_name_plural = _("connector runs")
        indexes = [models.Index(fields=["connector", "-started_at"], name="connector_run_latest")]

    def __str__(self) -> str:
        return f"{self.connector_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ActualStage(models.Model):
    """Scratch rows of a large upload or push (暂存): each value read, resolved and checked
    in Python once, then de-duplicated, classified and recorded by set-based SQL
    (``pms.tracking.services.actual_stage``). Rows belong to a ``token`` (an import job's
    uuid, or one push) and are deleted once recorded; nothing here is ever shown."""

    token = models.CharField(max_length=36)
    line = models.PositiveIntegerField()  # the file's line, or the push item's index
    series = models.CharField(max_length=120)
    employee_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    indicator_id = models.BigIntegerField()
    start = models.DateField()
    end = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    external_id = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)
    evidence_url = models.CharField(max_length=500, blank=True)
    dated = models.BooleanField()  # given as one date (else as a start and an end)
    # filled by the set-based steps: what recording would do, and what it is compared with
    outcome = models.CharField(max_length=10, blank=True, db_default="")
    current_id = models.BigIntegerField(null=True)
    current_version = models.PositiveIntegerField(null=True)
    current_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    sent_id = models.BigIntegerField(null=True)
    sent_version = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["token", "line"]
        verbose_name = _("staged actual value")
        verbose_name_plural = _("staged actual values")
        constraints = [
            models.UniqueConstraint(fields=["token", "line"], name="one_staged_line"),
        ]

    def __str__(self) -> str:
        return f"{self.token}:{self.line}"
