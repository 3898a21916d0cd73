"""A result published after its cycle's release (a person brought into the cycle late) has
its own window to appeal: as many days from its own publication as the cycle's window,
never ending before the cycle's — in the service, the access rule, the page, the API and
the message that tells the person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.org.models import Employee
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg, employee
from pms.outcomes import access, events
from pms.outcomes.models import AckStatus, Appeal, AppealStatus, PerformanceResult, ResultRelease
from pms.outcomes.services import appeals as services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle, Review

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=5)  # the newcomer's result comes out five days after the cycle's


@pytest.fixture
def newcomer(org: TestOrg) -> Employee:
    return employee("新同事", dept=org.sales1, manager=org.manager)


@pytest.fixture
def late(
    org: TestOrg,
    calibrated: Cycle,
    newcomer: Employee,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> PerformanceResult:
    """The cycle published now; the newcomer's review added, and published five days on."""
    with django_capture_on_commit_callbacks(execute=True):
        of.publish(calibrated, org.hr_admin.user)  # type: ignore[arg-type]
    review: Review = of.scored_review(calibrated, newcomer, "70.00", "B")
    with (
        time_machine.travel(timezone.now() + LATER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        of.publish(calibrated, org.hr_admin.user)  # type: ignore[arg-type]
    return of.result_of(review)


def _cycle_until(cycle: Cycle) -> dt.date:
    until = ResultRelease.objects.get(cycle=cycle).appeal_until
    assert until is not None
    return until


def test_the_late_person_has_their_own_window(
    org: TestOrg, late: PerformanceResult, reviews: dict[str, Review]
) -> None:
    cycle_until = _cycle_until(late.cycle)
    own_until = cycle_until + LATER
    assert access.appeal_until(late) == own_until
    # the others keep the cycle's window
    assert access.appeal_until(of.result_of(reviews["employee"])) == cycle_until
    person = principal_for(late.employee.user)  # type: ignore[arg-type]
    assert access.can_file_appeal(person, late, own_until, has_appeal=False)
    assert not access.can_file_appeal(
        person, late, own_until + dt.timedelta(days=1), has_appeal=False
    )


def test_the_late_person_appeals_after_the_cycles_window_within_their_own(
    org: TestOrg, late: PerformanceResult, reviews: dict[str, Review]
) -> None:
    # given a day past the cycle's window but within the newcomer's own
    day = _cycle_until(late.cycle) + dt.timedelta(days=3)
    # then a person published with the cycle may no longer appeal
    with pytest.raises(ValidationError, match="over"):
        services.appeal_file(
            actor=Actor(user=org.employee.user),
            result=of.result_of(reviews["employee"]),
            reasons="晚了",
            today=day,
        )
    # and the newcomer still may
    appeal = services.appeal_file(
        actor=Actor(user=late.employee.user), result=late, reasons="新人的口径不同", today=day
    )
    assert appeal.status == AppealStatus.FILED
    assert list(Appeal.objects.values_list("result_id", flat=True)) == [late.pk]


def test_the_late_person_is_refused_after_their_own_window(late: PerformanceResult) -> None:
    day = _cycle_until(late.cycle) + LATER + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="over"):
        services.appeal_file(
            actor=Actor(user=late.employee.user), result=late, reasons="太晚了", today=day
        )
    assert not Appeal.objects.exists()
    late.refresh_from_db()
    assert late.ack_status == AckStatus.PENDING


def test_the_page_and_the_api_show_the_own_window(org: TestOrg, late: PerformanceResult) -> None:
    own_until = _cycle_until(late.cycle) + LATER
    day = timezone.now() + LATER + dt.timedelta(days=3)  # past the cycle's window
    client = Client()
    with time_machine.travel(day, tick=False):
        client.force_login(late.employee.user)  # type: ignore[arg-type]
        page = client.get(reverse("outcomes:result", args=[late.uuid]))
        form = client.get(reverse("outcomes:appeal_file", args=[late.uuid]))
        api = client.get(f"/api/v1/performance-results/{late.uuid}")
    assert page.status_code == 200
    assert page.context["can_appeal"] is True
    assert page.context["page"].appeal_until == own_until
    assert own_until.isoformat() in page.content.decode()
    assert form.status_code == 200
    assert form.context["until"] == own_until
    assert api.status_code == 200
    assert api.json()["appeal_until"] == own_until.isoformat()
    assert api.json()["confirm_by"] == late.ack_deadline.isoformat()  # type: ignore[union-attr]
    # the person's colleague, published with the cycle, is past their window that day
    colleague = Client()
    mine = PerformanceResult.objects.get(cycle=late.cycle, employee=org.employee)
    with time_machine.travel(day, tick=False):
        colleague.force_login(org.employee.user)  # type: ignore[arg-type]
        refused = colleague.get(reverse("outcomes:appeal_file", args=[mine.uuid]))
    assert refused.status_code == 403


def test_the_message_gives_the_late_persons_own_days(org: TestOrg, late: PerformanceResult) -> None:
    release = ResultRelease.objects.get(cycle=late.cycle)
    notices = Notification.objects.filter(event=events.RESULT_PUBLISHED)
    assert notices.count() == 6  # five with the cycle, the newcomer later: once each
    own = notices.get(recipient=late.employee.user)
    assert own.params["appeal_until"] == (_cycle_until(late.cycle) + LATER).isoformat()
    assert own.params["confirm_by"] == late.ack_deadline.isoformat()  # type: ignore[union-attr]
    theirs = notices.get(recipient=org.employee.user)
    assert theirs.params["appeal_until"] == release.appeal_until.isoformat()  # type: ignore[union-attr]
    assert theirs.params["confirm_by"] == release.confirm_by.isoformat()  # type: ignore[union-attr]


def test_a_window_never_ends_before_the_cycles(late: PerformanceResult) -> None:
    release = ResultRelease.objects.get(cycle=late.cycle)
    assert release.published_at is not None
    earlier = release.published_at - dt.timedelta(days=3)
    assert access.appeal_until_for(release, earlier) == release.appeal_until
    assert access.appeal_until_for(release, release.published_at) == release.appeal_until
    assert access.appeal_until_for(release, None) == release.appeal_until
