"""The indicator library (指标库) and the vocabularies goals share with it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.goals.models.fields import default_rule
from pms.org.models import RoleFamily


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Within a range")


class DataSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    EXCEL = "excel", _("Excel upload")
    EXTERNAL = "external", _("External system")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


class Aggregation(models.TextChoices):
    """How the values measured during a period make the figure compared with its target."""

    SUM = "sum", _("Added up (e.g. sales)")
    LATEST = "latest", _("Latest value (e.g. a rate or level)")
    AVERAGE = "average", _("Average of the values")


class EntryBy(models.TextChoices):
    """Who may enter actual values by hand."""

    OWNER = "owner", _("The goal's owner")
    MANAGER = "manager", _("The owner's manager")
    EITHER = "either", _("The owner or the manager")
    NOBODY = "nobody", _("Nobody: values come from files or systems only")


class Perspective(models.TextChoices):
    """Balanced Scorecard perspectives."""

    FINANCIAL = "financial", _("Financial")
    CUSTOMER = "customer", _("Customer")
    PROCESS = "process", _("Internal process")
    LEARNING = "learning", _("Learning and growth")


class Indicator(BaseModel):
    """A reusable measure in the library (指标库) with its scoring rule and data source."""

    code = models.CharField(_("indicator code"), max_length=40, unique=True)
    name = models.CharField(_("indicator name"), max_length=100)
    definition = models.TextField(_("definition"), blank=True)
    formula = models.TextField(_("formula"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    data_source = models.CharField(
        _("data source"), max_length=10, choices=DataSource.choices, default=DataSource.MANUAL
    )
    source_system = models.CharField(_("source system"), max_length=100, blank=True)
    frequency = models.CharField(
        _("update frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    aggregation = models.CharField(
        _("values over a period"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
    )
    entry_by = models.CharField(
        _("entered by hand by"), max_length=10, choices=EntryBy.choices, default=EntryBy.EITHER
    )
    perspective = models.CharField(
        _("perspective"), max_length=10, choices=Perspective.choices, blank=True
    )
    role_families = models.ManyToManyField(
        RoleFamily, blank=True, related_name="indicators", verbose_name=_("role families")
    )
    scoring_rule = models.JSONField(_("scoring rule"), default=default_rule)
    enabled = models.BooleanField(_("enabled"), default=True, db_index=True)
    employee_selectable = models.BooleanField(
        _("employees may choose it"),
        default=True,
        help_text=_("Otherwise only managers and HR may put it on a scorecard."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name
