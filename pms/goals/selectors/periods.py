"""Which period a page opens on."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from pms.goals.models import Goal, Period, PeriodStatus


def current_period(periods: QuerySet[Period], today: dt.date | None = None) -> Period | None:
    """The open period that contains today — one that has goals before one that has none
    (a company that sets annual goals opens on the year, not on the empty quarter), then the
    shortest (a quarter with goals wins over its year) — else the latest open one, else the
    latest of all."""
    today = today or timezone.localdate()
    open_periods = periods.exclude(status=PeriodStatus.CLOSED)
    containing = list(
        open_periods.filter(start__lte=today, end__gte=today).annotate(
            has_goals=Exists(Goal.objects.filter(period=OuterRef("pk")))
        )
    )
    found = min(
        containing,
        key=lambda p: (not p.has_goals, p.end - p.start, -p.start.toordinal(), p.pk),
        default=None,
    )
    if found is not None:
        return found
    return (
        open_periods.order_by("-start", "end").first() or periods.order_by("-start", "end").first()
    )


def chosen_period(
    periods: QuerySet[Period], uuid: str | None, today: dt.date | None = None
) -> Period | None:
    """The period named in the query string, or the current one; an unknown id falls back
    to the current period rather than failing the page."""
    if uuid:
        try:
            chosen = periods.filter(uuid=uuid).first()
        except (ValidationError, ValueError):  # a malformed id is simply not chosen
            chosen = None
        if chosen is not None:
            return chosen
    return current_period(periods, today)
