"""Calendar days and working days (weekends, holidays, make-up working days 调休)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.calendar import WorkCalendar, calendar_days
from pms.scoring.errors import ScoringError
from pms.scoring.tests.strategies import PROPERTY

# National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
NATIONAL_DAY = WorkCalendar.of(
    holidays=[date(2025, 10, day) for day in range(1, 9)],
    workdays=[date(2025, 9, 28), date(2025, 10, 11)],
)


def test_calendar_days_include_both_ends() -> None:
    assert calendar_days(date(2025, 4, 1), date(2025, 4, 30)) == 30
    assert calendar_days(date(2025, 4, 1), date(2025, 4, 1)) == 1
    assert calendar_days(date(2025, 4, 2), date(2025, 4, 1)) == 0  # inverted: nothing


def test_plain_weeks_count_monday_to_friday() -> None:
    calendar = WorkCalendar()
    assert calendar.working_days(date(2025, 4, 1), date(2025, 4, 30)) == 22
    assert calendar.working_days(date(2025, 4, 5), date(2025, 4, 6)) == 0  # a weekend
    assert calendar.working_days(date(2025, 4, 7), date(2025, 4, 7)) == 1
    assert calendar.working_days(date(2025, 4, 8), date(2025, 4, 7)) == 0


def test_holidays_are_off_and_make_up_days_are_on() -> None:
    # October 2025 has 23 weekdays; six of them are holidays; Saturday the 11th is worked
    assert NATIONAL_DAY.working_days(date(2025, 10, 1), date(2025, 10, 31)) == 18
    assert NATIONAL_DAY.working_days(date(2025, 9, 1), date(2025, 9, 30)) == 23
    assert not NATIONAL_DAY.is_working_day(date(2025, 10, 1))
    assert NATIONAL_DAY.is_working_day(date(2025, 10, 11))
    assert NATIONAL_DAY.is_working_day(date(2025, 9, 28))
    assert not NATIONAL_DAY.is_working_day(date(2025, 10, 4))  # holiday on a Saturday
    assert NATIONAL_DAY.is_working_day(date(2025, 10, 9))


def test_a_six_day_week_is_configurable() -> None:
    calendar = WorkCalendar.of(weekend=[6])
    assert calendar.working_days(date(2025, 4, 1), date(2025, 4, 30)) == 26


def test_a_day_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(ScoringError) as caught:
        WorkCalendar.of(holidays=[date(2025, 10, 1)], workdays=[date(2025, 10, 1)])
    assert (caught.value.code, caught.value.params) == ("calendar_conflict", {"date": "2025-10-01"})


def test_weekend_days_are_weekday_numbers() -> None:
    with pytest.raises(ScoringError) as caught:
        WorkCalendar.of(weekend=[7])
    assert (caught.value.code, caught.value.params) == ("bad_weekday", {"day": "7"})


days_2025 = st.dates(min_value=date(2024, 12, 1), max_value=date(2026, 2, 1))


@PROPERTY
@given(
    start=days_2025,
    length=st.integers(-3, 120),
    holidays=st.sets(days_2025, max_size=12),
    workdays=st.sets(days_2025, max_size=6),
    weekend=st.sets(st.integers(0, 6), max_size=7),
)
def test_working_days_equal_counting_day_by_day(
    start: date, length: int, holidays: set[date], workdays: set[date], weekend: set[int]
) -> None:
    calendar = WorkCalendar.of(holidays=holidays - workdays, workdays=workdays, weekend=weekend)
    end = start + timedelta(days=length)
    by_hand = sum(
        calendar.is_working_day(start + timedelta(days=offset)) for offset in range(length + 1)
    )
    assert calendar.working_days(start, end) == by_hand
    assert 0 <= calendar.working_days(start, end) <= calendar_days(start, end)
