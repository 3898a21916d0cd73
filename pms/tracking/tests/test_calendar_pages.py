"""HR's working calendar, and pace by working days reading it."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.tracking.models import CalendarDay
from pms.tracking.services.progress import work_calendar

ClientFor = Callable[[str], Client]


def test_hr_marks_a_holiday_and_a_make_up_day(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")

    holiday = client.post(
        reverse("tracking:calendar"),
        {"date": "2026-10-01", "is_working_day": "0", "name": "国庆节"},
    )
    make_up = client.post(
        reverse("tracking:calendar"), {"date": "2026-10-10", "is_working_day": "1", "name": "调休"}
    )

    assert holiday.status_code == make_up.status_code == 302
    calendar = work_calendar()
    assert not calendar.is_working_day(dt.date(2026, 10, 1))
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # a Saturday worked
    assert AuditEntry.objects.filter(object_type="tracking.calendarday").count() == 2


def test_a_weekday_cannot_be_a_make_up_day(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("hr_admin").post(
        reverse("tracking:calendar"), {"date": "2026-10-12", "is_working_day": "1"}
    )

    assert response.status_code == 400
    assert "weekday is a working day anyway" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_removing_a_day(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    client.post(reverse("tracking:calendar"), {"date": "2026-10-01", "is_working_day": "0"})
    day = CalendarDay.objects.get()

    response = client.post(reverse("tracking:calendar_remove", args=[day.uuid]))

    assert response.status_code == 302
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp", "head"])
def test_only_company_hr_keeps_the_calendar(
    org: TestOrg, client_for: ClientFor, persona: str
) -> None:
    day = CalendarDay.objects.create(date=dt.date(2026, 10, 1), is_working_day=False)
    client = client_for(persona)

    assert client.get(reverse("tracking:calendar")).status_code == 404
    assert client.post(reverse("tracking:calendar_remove", args=[day.uuid])).status_code == 404
    assert CalendarDay.objects.exists()


def test_pace_by_working_days_counts_the_calendars_holidays(org: TestOrg) -> None:
    from pms.tracking.models import GoalProgress
    from pms.tracking.services.progress import progress_recompute
    from pms.tracking.tests.factories import enter, measured_goal

    goal = measured_goal(org.employee, target="1200")
    enter(goal, dt.date(2026, 1, 10), "100")
    as_of = dt.date(2026, 10, 9)

    progress_recompute(goal_ids=[goal.pk], as_of=as_of, basis="working")
    before = GoalProgress.objects.get(goal=goal).expected
    for day in range(1, 9):  # National Day week off
        if dt.date(2026, 10, day).weekday() < 5:
            CalendarDay.objects.create(date=dt.date(2026, 10, day), is_working_day=False)
    progress_recompute(goal_ids=[goal.pk], as_of=as_of, basis="working")
    progress = GoalProgress.objects.get(goal=goal)

    assert progress.explanation["pace"]["basis"] == "working"
    assert before is not None
    assert progress.expected is not None
    assert progress.expected < before
