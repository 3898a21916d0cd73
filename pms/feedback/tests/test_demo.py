"""The demo company's feedback: praise, constructive feedback, requests, observations met,
late and overdue, and an anonymous upward summary the demo manager can see."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pms.feedback import selectors
from pms.feedback.demo import run_demo_step, seed_feedback_demo
from pms.feedback.models import Feedback, FeedbackRequest, Observation, RequestStatus
from pms.org.demo import seed_demo
from pms.org.models import Employee
from pms.org.roles import principal_for

pytestmark = pytest.mark.django_db


def test_demo_feedback_is_realistic() -> None:
    seed_demo(employees=100, seed=3)

    summary = seed_feedback_demo(seed=3)

    assert summary.feedback > 20
    assert summary.public > 5
    assert summary.anonymous >= 3
    assert Feedback.objects.filter(kind="constructive").exists()
    assert set(FeedbackRequest.objects.values_list("status", flat=True)) == {
        RequestStatus.OPEN,
        RequestStatus.ANSWERED,
        RequestStatus.DECLINED,
    }
    statuses = {o.conversation_status for o in Observation.objects.all()}
    assert {"met", "late", "overdue", "open"} <= statuses
    manager = Employee.objects.get(pk=Feedback.objects.filter(anonymous=True).first().receiver_id)  # type: ignore[union-attr]
    shown = selectors.upward_summary(principal_for(manager.user), manager).shown
    assert shown >= 3
    assert not Feedback.objects.filter(anonymous=True, audited=False).exists()
    assert run_demo_step(3) == "Feedback: nothing to do."
    assert Observation.objects.filter(observed_at__gt=timezone.now()).count() == 0
