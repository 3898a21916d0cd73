"""Counting days in a period: calendar days, and working days of a company calendar.

A Chinese company's working days are not just Monday to Friday: public holidays (法定节假日)
are days off, and some weekends become make-up working days (调休) to bridge a holiday.
``WorkCalendar`` holds both sets; counting is arithmetic over whole weeks plus a binary
search in the (short, sorted) exception lists, so a board can count for many goals at once.
Both ends of a period are inclusive everywhere.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pms.scoring.errors import ScoringError

__all__ = ["WEEKEND", "WorkCalendar", "calendar_days"]

# Saturday and Sunday, as ``date.weekday()`` numbers them (Monday is 0).
WEEKEND: frozenset[int] = frozenset({5, 6})


def calendar_days(start: date, end: date) -> int:
    """Days from ``start`` to ``end``, both included; 0 when the period ends before it starts."""
    return max((end - start).days + 1, 0)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: every day but the weekend, minus ``holidays``, plus ``workdays`` (调休).

    A holiday that falls on a weekend and a make-up day that falls on a weekday change
    nothing. A date cannot be both a holiday and a make-up working day.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    weekend: frozenset[int] = WEEKEND
    # Derived, sorted: the holidays that remove a working day and the make-up days that add
    # one, so counting over a period is two binary searches each.
    _off: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _on: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "weekend", frozenset(self.weekend))
        for day in self.weekend:
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
                raise ScoringError("bad_weekday", {"day": str(day)})
        both = self.holidays & self.workdays
        if both:
            raise ScoringError("calendar_conflict", {"date": min(both).isoformat()})
        off = sorted(day for day in self.holidays if day.weekday() not in self.weekend)
        on = sorted(day for day in self.workdays if day.weekday() in self.weekend)
        object.__setattr__(self, "_off", tuple(off))
        object.__setattr__(self, "_on", tuple(on))

    @classmethod
    def of(
        cls,
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        weekend: Iterable[int] = WEEKEND,
    ) -> WorkCalendar:
        """A calendar from any iterables (lists from a settings page or a database)."""
        return cls(frozenset(holidays), frozenset(workdays), frozenset(weekend))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in self.weekend

    def working_days(self, start: date, end: date) -> int:
        """Working days from ``start`` to ``end``, both included; 0 for an inverted period."""
        days = calendar_days(start, end)
        if days == 0:
            return 0
        weeks, rest = divmod(days, 7)
        count = weeks * (7 - len(self.weekend))
        first = start.weekday()
        for offset in range(rest):
            if (first + offset) % 7 not in self.weekend:
                count += 1
        count -= _count_between(self._off, start, end)
        count += _count_between(self._on, start, end)
        return count


def _count_between(days: tuple[date, ...], start: date, end: date) -> int:
    if not days:
        return 0
    return bisect_right(days, end) - bisect_left(days, start)
