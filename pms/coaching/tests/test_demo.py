"""The demo company's check-ins and coaching: cadences, past check-ins held with obstacles
and their follow-ups, open action items, upcoming check-ins — the same for the same seed."""

from __future__ import annotations

import datetime as dt

import pytest

from pms.coaching.demo import run_demo_step, seed_coaching_demo
from pms.coaching.models import (
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInCadence,
    CheckInStatus,
    CoachingPlan,
    Obstacle,
    ResourceRequest,
)
from pms.core.demo_steps import demo_steps
from pms.goals.demo import seed_goals_demo
from pms.org.demo import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    seed_demo(employees=120, seed=3, today=dt.date(2026, 3, 20))
    seed_goals_demo(seed=3, today=dt.date(2026, 3, 20))


def test_demo_has_cadences_past_and_upcoming_checkins(demo: None) -> None:
    summary = seed_coaching_demo(seed=3, today=dt.date(2026, 3, 20))

    assert CheckInCadence.objects.count() == 4
    assert summary.held > 0
    held = CheckIn.objects.filter(status__in=[CheckInStatus.HELD, CheckInStatus.CLOSED])
    assert held.count() == summary.held
    assert CheckIn.objects.filter(status=CheckInStatus.SCHEDULED).count() == summary.scheduled
    assert CheckIn.objects.filter(employee__user__username="employee").count() == 2
    external = Obstacle.objects.filter(kind="external")
    assert external.count() == ResourceRequest.objects.count() == summary.held
    internal = Obstacle.objects.filter(kind="internal")
    assert CoachingPlan.objects.filter(obstacle__in=internal).count() == summary.held
    assert CoachingPlan.objects.filter(milestones__done_at__isnull=False).exists()
    assert ActionItem.objects.filter(status=ActionStatus.OPEN).exists()
    assert ActionItem.objects.filter(status=ActionStatus.DONE).exists()
    assert summary.line().startswith("Coaching: 4 cadences")


def test_demo_step_is_registered_after_goals_and_runs_once(demo: None) -> None:
    step = next(s for s in demo_steps() if s.name == "coaching")
    goals = next(s for s in demo_steps() if s.name == "goals")
    assert step.order == 30 > goals.order
    assert run_demo_step(3).startswith("Coaching:")
    assert run_demo_step(3) == "Coaching: nothing to do."
