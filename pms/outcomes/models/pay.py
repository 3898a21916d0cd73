"""Applying results to pay: bonus plans (奖金) and raise plans (调薪), simulated before they
are locked, then exported to payroll."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel, ImportJob
from pms.org.models import Department, Employee
from pms.outcomes.models.results import PerformanceResult
from pms.reviews.models import Cycle


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Simulation")
    LOCKED = "locked", _("Locked")


class ComputeState(models.TextChoices):
    """Where a plan's background computation is (a large plan is computed by the worker)."""

    IDLE = "idle", _("Idle")
    QUEUED = "queued", _("Waiting to be computed")
    RUNNING = "running", _("Being computed")
    FAILED = "failed", _("Computation failed")


class PlanComputeJob(models.Model):
    """A plan's computation by the worker: its state, how far it is (lines written of the
    lines to write), the error that stopped it, and when it was asked for (which also
    tells one request's job from the next)."""

    compute_state = models.CharField(
        _("computation"), max_length=10, choices=ComputeState.choices, default=ComputeState.IDLE
    )
    compute_done = models.PositiveIntegerField(_("lines computed"), default=0)
    compute_total = models.PositiveIntegerField(_("lines to compute"), default=0)
    compute_error = models.TextField(_("computation error"), blank=True)
    compute_requested_at = models.DateTimeField(
        _("computation asked for at"), null=True, blank=True
    )

    class Meta:
        abstract = True

    @property
    def compute_percent(self) -> int:
        if not self.compute_total:
            return 0
        return min(100, self.compute_done * 100 // self.compute_total)


class BonusMethod(models.TextChoices):
    BASE = "base", _("Base × coefficient × factor")
    POOL = "pool", _("A pool shared by coefficient")


class BonusPlan(BaseModel, PlanComputeJob):
    """How one cycle's results turn into bonuses; lines are recomputed until it is locked."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="bonus_plans", verbose_name=_("cycle")
    )
    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=BonusMethod.choices)
    # the pool to share (method "pool") or the budget the total must stay within (method "base")
    pool = models.DecimalField(_("pool"), max_digits=14, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    company_factor = models.DecimalField(
        _("company factor"), max_digits=5, decimal_places=2, default=1
    )
    # a pool may weigh each person's base as well as their coefficient
    weigh_by_base = models.BooleanField(_("weigh shares by base"), default=True)
    cap = models.DecimalField(
        _("most per person"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("locked by"),
    )

    class Meta:
        ordering = ["-cycle_id", "name"]
        verbose_name = _("bonus plan")
        verbose_name_plural = _("bonus plans")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="one_bonus_plan_name_per_cycle"),
            models.CheckConstraint(
                condition=Q(company_factor__gte=0), name="bonus_company_factor_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BonusFactor(BaseModel):
    """A department's factor in a bonus plan (部门系数); departments without one use 1."""

    plan = models.ForeignKey(
        BonusPlan, on_delete=models.CASCADE, related_name="factors", verbose_name=_("plan")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    factor = models.DecimalField(_("factor"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["plan_id", "department_id"]
        verbose_name = _("department factor")
        verbose_name_plural = _("department factors")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "department"], name="one_factor_per_department"
            ),
            models.CheckConstraint(condition=Q(factor__gte=0), name="bonus_factor_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.department}: {self.factor}"


class BonusLine(BaseModel):
    """One person's bonus in a plan: the base entered or imported, and what it came to."""

    plan = models.ForeignKey(
        BonusPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    result = models.ForeignKey(
        PerformanceResult, on_delete=models.PROTECT, related_name="+", verbose_name=_("result")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    base = models.DecimalField(
        _("bonus base"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    coefficient = models.DecimalField(
        _("coefficient"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    factor = models.DecimalField(_("factor"), max_digits=5, decimal_places=2, default=1)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=0)
    explanation = models.JSONField(_("explanation"), default=dict)

    class Meta:
        ordering = ["plan_id", "department_id", "employee_id"]
        verbose_name = _("bonus line")
        verbose_name_plural = _("bonus lines")
        constraints = [
            models.UniqueConstraint(fields=["plan", "employee"], name="one_bonus_line_per_person"),
        ]
        indexes = [models.Index(fields=["plan", "department"])]

    def __str__(self) -> str:
        return f"{self.plan} · {self.employee}: {self.amount}"


class RaisePlan(BaseModel, PlanComputeJob):
    """A raise matrix (grade × position in the salary range → raise %) within a budget."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="raise_plans", verbose_name=_("cycle")
    )
    name = models.CharField(_("name"), max_length=100)
    # {"S": {"below": "12", "q1": "10", …, "above": "0"}, …}
    matrix = models.JSONField(_("raise matrix"), default=dict)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("locked by"),
    )

    class Meta:
        ordering = ["-cycle_id", "name"]
        verbose_name = _("raise plan")
        verbose_name_plural = _("raise plans")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="one_raise_plan_name_per_cycle")
        ]

    def __str__(self) -> str:
        return self.name


class RaiseLine(BaseModel):
    """One person's raise: salary and range entered or imported, zone, percent, amount."""

    plan = models.ForeignKey(
        RaisePlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    result = models.ForeignKey(
        PerformanceResult, on_delete=models.PROTECT, related_name="+", verbose_name=_("result")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    salary = models.DecimalField(
        _("salary"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    range_min = models.DecimalField(
        _("range minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    range_max = models.DecimalField(
        _("range maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    zone = models.CharField(_("position in range"), max_length=6, blank=True)
    percent = models.DecimalField(_("raise %"), max_digits=5, decimal_places=2, default=0)
    amount = models.DecimalField(_("raise amount"), max_digits=12, decimal_places=2, default=0)
    explanation = models.JSONField(_("explanation"), default=dict)

    class Meta:
        ordering = ["plan_id", "department_id", "employee_id"]
        verbose_name = _("raise line")
        verbose_name_plural = _("raise lines")
        constraints = [
            models.UniqueConstraint(fields=["plan", "employee"], name="one_raise_line_per_person"),
        ]
        indexes = [models.Index(fields=["plan", "department"])]

    def __str__(self) -> str:
        return f"{self.plan} · {self.employee}: {self.percent}%"


class PayImport(BaseModel):
    """Which plan an uploaded file of bonus bases or salaries is for: the import framework's
    jobs know only their kind, so the plan rides alongside (one plan per job)."""

    job = models.OneToOneField(
        ImportJob, on_delete=models.CASCADE, related_name="+", verbose_name=_("import")
    )
    bonus_plan = models.ForeignKey(
        BonusPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("bonus plan"),
    )
    raise_plan = models.ForeignKey(
        RaisePlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("raise plan"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pay input import")
        verbose_name_plural = _("pay input imports")
        constraints = [
            models.CheckConstraint(
                condition=(Q(bonus_plan__isnull=False) & Q(raise_plan__isnull=True))
                | (Q(bonus_plan__isnull=True) & Q(raise_plan__isnull=False)),
                name="pay_import_one_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bonus_plan or self.raise_plan} · {self.job_id}"
