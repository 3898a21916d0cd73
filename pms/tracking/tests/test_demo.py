"""The demo company's actual values and progress: months of values from the CRM, uploads and
by hand, a mix of on-track, at-risk and off-track people, a few corrections with reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from pms.goals.demo import seed_goals_demo
from pms.org.demo import seed_demo
from pms.tracking.demo import seed_tracking_demo
from pms.tracking.models import Actual, ActualSource, GoalProgress, PaceStatus

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo() -> None:
    seed_demo(employees=120, seed=3)
    seed_goals_demo(seed=3, today=TODAY)
    seed_tracking_demo(seed=3, today=TODAY)


def test_values_come_from_every_source_and_some_are_corrected(demo: None) -> None:
    sources = set(Actual.objects.values_list("source", flat=True))
    assert {ActualSource.API, ActualSource.MANUAL} <= sources
    corrected = Actual.objects.filter(version=2, is_current=True)
    assert corrected.exists()
    assert all(a.reason for a in corrected)
    assert not Actual.objects.filter(start__gt=TODAY).exists()


def test_people_are_mostly_on_track_with_some_at_risk_and_off_track(demo: None) -> None:
    statuses = list(GoalProgress.objects.values_list("status", flat=True))
    share = {s: statuses.count(s) / len(statuses) for s in set(statuses)}
    assert share.get(PaceStatus.ON_TRACK, 0) > 0.4
    assert share.get(PaceStatus.AT_RISK, 0) > 0.03
    assert share.get(PaceStatus.OFF_TRACK, 0) > 0.03
    assert GoalProgress.objects.exclude(explanation={}).count() == len(statuses)


def test_running_the_demo_again_changes_nothing(demo: None) -> None:
    from pms.tracking.demo import run_demo_step

    before = Actual.objects.count()
    assert run_demo_step(3) == "Tracking: nothing to do."
    assert Actual.objects.count() == before
