"""The organisation: company, department tree, positions from job analysis, employees,
role families and the granted roles (HR admin / HRBP, committee, executive, system admin).

Trees are stored as materialised paths (``/1/7/42/``) so that "this department and
everything under it" and "this manager's direct and indirect reports" are one indexed
``startswith`` query on SQLite and PostgreSQL alike, whatever the depth.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.core.models import BaseModel


class Company(BaseModel):
    """The company this installation serves (one per installation)."""

    name = models.CharField(_("company name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.short_name or self.name


class RoleFamily(BaseModel):
    """岗位序列: sales, R&D, management… decides cycles and templates later on."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("role family")
        verbose_name_plural = _("role families")

    def __str__(self) -> str:
        return self.name


class Department(BaseModel):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(_("department code"), max_length=40, unique=True)
    name = models.CharField(_("department name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    head = models.ForeignKey(
        "Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("open"), default=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="department_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: "Department") -> bool:
        """True if this department is ``other`` or lies somewhere below it."""
        return self.path.startswith(other.path)


class Position(BaseModel):
    """A position from job analysis: what it is responsible for and how it is measured."""

    code = models.CharField(_("position code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("department"),
    )
    role_family = models.ForeignKey(
        RoleFamily,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("role family"),
    )
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    key_indicators = models.TextField(
        _("key indicators"), blank=True, help_text=_("One indicator per line.")
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.title

    @property
    def key_indicator_list(self) -> list[str]:
        return [line.strip() for line in self.key_indicators.splitlines() if line.strip()]


class EmployeeStatus(models.TextChoices):
    PROBATION = "probation", _("On probation")
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")
    LEFT = "left", _("Left")


CURRENT_STATUSES = (EmployeeStatus.PROBATION, EmployeeStatus.ACTIVE, EmployeeStatus.ON_LEAVE)


class Employee(BaseModel):
    number = models.CharField(_("employee number"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("position"),
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("direct manager"),
    )
    dotted_manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dotted_reports",
        verbose_name=_("dotted-line manager"),
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EmployeeStatus.choices,
        default=EmployeeStatus.ACTIVE,
        db_index=True,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("account"),
    )
    # Manager chain as a path of ids, ending with this employee's own id.
    report_path = models.CharField(max_length=1000, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["number"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")), name="employee_not_own_manager"
            ),
        ]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


class GrantedRole(models.TextChoices):
    HR_ADMIN = "hr_admin", _("HR / performance admin")
    COMMITTEE = "committee", _("Performance committee member")
    EXECUTIVE = "executive", _("Executive")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class RoleGrant(BaseModel):
    """A role given to a user. An HR admin grant with departments is an HRBP scope
    (those departments and everything below them); without departments it is company-wide.
    Manager and department head are never granted: they follow from the org data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=GrantedRole.choices)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("scope")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_user_and_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"
