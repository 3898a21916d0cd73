"""The demo company's inboxes: managers see submitted scorecards, people their approvals;
the same seed gives the same notifications."""

from __future__ import annotations

import pytest

from pms.comms.demo import run_demo_step
from pms.comms.models import Delivery, Notification
from pms.goals.demo import seed_goals_demo
from pms.org.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_demo_inboxes() -> None:
    seed_demo(employees=120, seed=3)
    seed_goals_demo(seed=3)
    line = run_demo_step(3)
    assert line.startswith("Notifications:")
    demo = Notification.objects.filter(key__startswith="demo:")
    events = set(demo.values_list("event", flat=True))
    assert events == {"goals.scorecard_submitted", "goals.scorecard_approved"}
    assert demo.filter(read_at__isnull=True).exists()
    assert demo.filter(read_at__isnull=False).exists()
    assert not Delivery.objects.filter(notification__in=demo).exists()  # nothing sent
    first = sorted(demo.values_list("recipient_id", "event", "key"))
    assert run_demo_step(3) == "Notifications: nothing to do."
    demo.delete()
    run_demo_step(3)
    again = Notification.objects.filter(key__startswith="demo:")
    assert sorted(again.values_list("recipient_id", "event", "key")) == first
