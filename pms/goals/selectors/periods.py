"""Which period a page opens on."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from pms.goals.models import Period, PeriodStatus


def current_period(periods: QuerySet[Period], today: dt.date | None = None) -> Period | None:
    """The open period that contains today (the shortest, so a quarter wins over its year),
    else the latest open one, else the latest of all."""
    today = today or timezone.localdate()
    open_periods = periods.exclude(status=PeriodStatus.CLOSED)
    containing = open_periods.filter(start__lte=today, end__gte=today)
    found = min(containing, key=lambda p: (p.end - p.start, p.pk), default=None)
    if found is not None:
        return found
    return open_periods.order_by("-start").first() or periods.order_by("-start").first()
