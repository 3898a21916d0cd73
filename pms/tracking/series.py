"""What an actual value is a value *of*: its series key and the span of days it covers."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from pms.goals.models import Frequency


def series_key(
    *,
    indicator_id: int | None,
    goal_id: int | None,
    employee_id: int | None,
    department_id: int | None,
    start: date,
    end: date,
) -> str:
    """One key per measurement: a library indicator for a person or a department, or a
    goal's own metric; over one span of days."""
    subject = f"e{employee_id}" if employee_id is not None else f"d{department_id}"
    measure = f"i{indicator_id}" if indicator_id is not None else f"g{goal_id}"
    return f"{subject}:{measure}:{start.isoformat()}:{end.isoformat()}"


def span_for(frequency: str, day: date) -> tuple[date, date]:
    """The span of an indicator's frequency that contains ``day`` (a month for monthly…)."""
    if frequency == Frequency.DAILY:
        return day, day
    if frequency == Frequency.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if frequency == Frequency.MONTHLY:
        return _months(day.year, day.month, 1)
    if frequency == Frequency.QUARTERLY:
        return _months(day.year, 3 * ((day.month - 1) // 3) + 1, 3)
    if frequency == Frequency.HALF_YEARLY:
        return _months(day.year, 1 if day.month <= 6 else 7, 6)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def _months(year: int, first_month: int, count: int) -> tuple[date, date]:
    last_month = first_month + count - 1
    return date(year, first_month, 1), date(
        year, last_month, calendar.monthrange(year, last_month)[1]
    )


def non_overlapping(spans: list[tuple[date, date, int]]) -> list[int]:
    """Of values with overlapping spans only one may count, or a monthly total and the
    daily values of the same month would be added twice: the longest span wins, then the
    earliest. Takes ``(start, end, index)``; returns the indexes kept, in date order."""
    kept: list[tuple[date, date, int]] = []
    for start, end, index in sorted(spans, key=lambda s: (-(s[1] - s[0]).days, s[0], s[2])):
        if all(end < k_start or start > k_end for k_start, k_end, _ in kept):
            kept.append((start, end, index))
    return [index for _, _, index in sorted(kept)]
