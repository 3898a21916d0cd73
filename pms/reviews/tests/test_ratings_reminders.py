"""Reminders to raters before their deadline and when overdue: one notification per
person and run, each rating at most once a day, nobody named."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pms.comms.models import Notification
from pms.core.periodic import periodic_job
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews import events
from pms.reviews.models import (
    Cycle,
    CyclePhase,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    ReviewSettings,
)
from pms.reviews.services.reminders import raters_remind
from pms.reviews.tests import factories as rf

TZ = ZoneInfo("Asia/Shanghai")
DEADLINE = dt.date(2027, 1, 21)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def cycle() -> Cycle:
    the_cycle = rf.cycle(default_template=rf.template(), phase=Phase.PEER)
    CyclePhase.objects.filter(cycle=the_cycle, phase=Phase.PEER).update(deadline=DEADLINE)
    return the_cycle


@pytest.fixture
def ratings(org: TestOrg, cycle: Cycle) -> list[Rating]:
    """The peer rates two people; the manager's own rating is for a later phase."""
    other = rf.extra_peers(org.employee, 1)[0]
    first = rf.review(cycle, org.employee)
    return [
        rf.rating(first, org.peer, RaterType.PEER),
        rf.rating(rf.review(cycle, other), org.peer, RaterType.PEER),
        rf.rating(first, org.manager, RaterType.MANAGER),
    ]


def sent(person: object, event: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user_of(person))  # type: ignore[arg-type]
    if event is not None:
        rows = rows.filter(event=event)
    return list(rows)


def test_the_job_is_registered() -> None:
    job = periodic_job("reviews.remind_raters")
    assert job is not None
    assert job.run is raters_remind


def test_nothing_before_the_window(org: TestOrg, ratings: list[Rating]) -> None:
    assert raters_remind(at(dt.date(2027, 1, 10))) == 0
    assert not Notification.objects.exists()
    assert not Rating.objects.filter(reminded_at__isnull=False).exists()


def test_due_soon_once_per_person_and_day(org: TestOrg, ratings: list[Rating]) -> None:
    now = at(DEADLINE - dt.timedelta(days=2))
    assert raters_remind(now) == 1

    (note,) = sent(org.peer)
    assert note.event == events.RATINGS_DUE_SOON
    assert note.params == {"count": 2, "deadline": "2027-01-21"}
    # the manager's rating opens in a later phase
    assert sent(org.manager) == []
    peer_ratings = ratings[:2]
    for rating in peer_ratings:
        rating.refresh_from_db()
        assert rating.reminded_at == now

    # a second run the same day sends nothing and changes nothing
    assert raters_remind(at(DEADLINE - dt.timedelta(days=2), hour=15)) == 0
    assert len(sent(org.peer)) == 1
    ratings[0].refresh_from_db()
    assert ratings[0].reminded_at == now


def test_overdue_daily(org: TestOrg, ratings: list[Rating]) -> None:
    rf.submitted(ratings[1], {})
    day = DEADLINE + dt.timedelta(days=1)
    assert raters_remind(at(day)) == 1
    (note,) = sent(org.peer, events.RATINGS_OVERDUE)
    assert note.params == {"overdue": 1, "count": 1, "deadline": "2027-01-21"}
    assert raters_remind(at(day, hour=18)) == 0
    assert raters_remind(at(day + dt.timedelta(days=1))) == 1
    assert len(sent(org.peer, events.RATINGS_OVERDUE)) == 2


def test_submitted_and_declined_ratings_are_left_alone(org: TestOrg, ratings: list[Rating]) -> None:
    rf.submitted(ratings[0], {})
    Rating.objects.filter(pk=ratings[1].pk).update(status="declined")
    assert raters_remind(at(DEADLINE)) == 0


def test_an_extension_counts_for_its_person(
    org: TestOrg, cycle: Cycle, ratings: list[Rating]
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Phase.MANAGER)
    CyclePhase.objects.filter(cycle=cycle, phase=Phase.MANAGER).update(deadline=dt.date(2027, 3, 1))
    PhaseExtension.objects.create(
        review=ratings[0].review,
        phase=Phase.PEER,
        until=dt.date(2027, 1, 30),
        reason="出差",
        granted_by=user_of(org.hr_admin),
    )
    assert raters_remind(at(dt.date(2027, 1, 29))) == 1
    (note,) = sent(org.peer)
    # only the rating HR reopened: the other one's phase is closed
    assert note.params == {"count": 1, "deadline": "2027-01-30"}


def test_the_window_is_a_setting(org: TestOrg, ratings: list[Rating]) -> None:
    ReviewSettings.objects.create(remind_days_before=5)
    assert raters_remind(at(DEADLINE - dt.timedelta(days=5))) == 1
