"""Periods goals are set for (考核期间)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.goals.models.fields import PERCENT


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    HALF = "half", _("Half-year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    CUSTOM = "custom", _("Custom")


class PeriodStatus(models.TextChoices):
    PLANNING = "planning", _("Goal setting")
    ACTIVE = "active", _("In progress")
    CLOSED = "closed", _("Closed")


class Period(BaseModel):
    """A stretch of time goals are set for (考核期间): a year, a quarter, a month…"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("within"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.PLANNING
    )
    # 预留10%-15%的弹性空间: changes within this share need manager and HR; beyond, the committee.
    adjustment_limit = models.DecimalField(
        _("flexibility limit (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=PERCENT,
    )

    class Meta:
        ordering = ["-start", "end", "name"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="period_start_le_end"),
            models.CheckConstraint(
                condition=Q(adjustment_limit__gte=0) & Q(adjustment_limit__lte=100),
                name="period_limit_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name
