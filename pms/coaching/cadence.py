"""Check-in windows: plain date arithmetic, no database.

A cadence of ``n`` months cuts the calendar year into windows of ``n`` months starting in
January (monthly: each month; quarterly: Jan–Mar, Apr–Jun…; half-yearly: Jan–Jun, Jul–Dec).
A check-in covers its window and is due on the window's last day (复盘 at the end of the
month or quarter).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def due_date(self) -> dt.date:
        return self.end


def window_containing(day: dt.date, months: int) -> Window:
    """The window of ``months`` months (1, 2, 3, 6 or 12) that contains ``day``."""
    if months < 1 or 12 % months:
        raise ValueError(f"a window of {months} months does not divide the year")
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return Window(
        start=dt.date(day.year, first_month, 1), end=dt.date(day.year, last_month, last_day)
    )


def previous_windows(day: dt.date, months: int, count: int) -> list[Window]:
    """``count`` windows before the one containing ``day``, most recent first."""
    windows: list[Window] = []
    current = window_containing(day, months)
    for _ in range(count):
        current = window_containing(current.start - dt.timedelta(days=1), months)
        windows.append(current)
    return windows
