"""A running cycle: moving through the phases (raters told once each), phase dates, a phase
opened for one person with a reason, people removed, put back and added, closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.models import EmployeeStatus
from pms.org.tests.factories import TestOrg, employee
from pms.reviews import access, events
from pms.reviews.models import (
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseExtension,
    PhaseStatus,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewStatus,
)
from pms.reviews.phases import open_for
from pms.reviews.services import launch, phases
from pms.reviews.services.participation import rules_clean
from pms.reviews.tests import factories as rf
from pms.reviews.tests.test_launch_services import rep, sales_cycle

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]
TODAY = dt.date(2027, 1, 5)


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def running(org: TestOrg, hr: Actor) -> Cycle:
    tpl = rf.template(rater_weights={"manager": 60, "self": 20, "upward": 20})
    cycle = sales_cycle(
        org,
        hr,
        tpl,
        deadlines={Phase.SELF: (None, dt.date(2027, 1, 10)), Phase.PEER: (None, None)},
    )
    return launch.cycle_launch(actor=hr, cycle=cycle)


def review_of(cycle: Cycle, person: Any) -> Review:
    return Review.objects.select_related("cycle").get(cycle=cycle, employee=person)


# --- advancing --------------------------------------------------------------------------------


def test_advance_opens_the_next_phase_and_tells_its_raters_once_each(
    org: TestOrg, hr: Actor, running: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cycle = phases.cycle_advance(actor=hr, cycle=running)

    assert cycle.phase == Phase.SELF
    rows = dict(CyclePhase.objects.filter(cycle=cycle).values_list("phase", "status"))
    assert rows[Phase.GOALS] == PhaseStatus.CLOSED
    assert rows[Phase.SELF] == PhaseStatus.OPEN
    notices = Notification.objects.filter(event=events.PHASE_OPENED)
    assert notices.count() == 5  # everybody owes their self review, one message each
    assert notices.first().params["deadline"] == "2027-01-10"  # type: ignore[union-attr]
    entry = AuditEntry.objects.filter(object_type="reviews.cycle").latest("id")
    assert (entry.before, entry.after) == ({"phase": "goals"}, {"phase": "self"})


def test_the_peer_phase_tells_each_upward_rater_once_with_their_count(
    org: TestOrg, hr: Actor, running: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phases.cycle_advance(actor=hr, cycle=running)
        phases.cycle_advance(actor=hr, cycle=running)

    notices = Notification.objects.filter(
        event=events.PHASE_OPENED, params__phase="Peer and upward review"
    )
    by_person = {n.recipient.username: n.params["count"] for n in notices}
    # the manager rates the head upward; employee and peer rate the manager
    assert by_person == {"E0003": 1, "E0004": 1, "E0005": 1, "E0006": 1}
    for notice in notices:  # nothing in it names the person rated
        assert set(notice.params) == {"cycle", "phase", "deadline", "count"}


def test_phase_notices_go_after_commit_and_not_for_a_phase_gone_by(
    org: TestOrg, hr: Actor, running: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        phases.cycle_advance(actor=hr, cycle=running)
    assert not Notification.objects.filter(event=events.PHASE_OPENED).exists()
    phases.cycle_advance(actor=hr, cycle=running)  # the worker comes late: self has passed
    for callback in callbacks:
        callback()
    assert not Notification.objects.filter(event=events.PHASE_OPENED).exists()


def test_advance_stops_at_the_last_phase_and_closing_needs_results(
    org: TestOrg, hr: Actor, running: Cycle
) -> None:
    with pytest.raises(ValidationError, match="results phase"):
        phases.cycle_close(actor=hr, cycle=running)
    for _ in range(5):
        phases.cycle_advance(actor=hr, cycle=running)
    assert running.phase == Phase.RESULTS
    with pytest.raises(ValidationError, match="last phase"):
        phases.cycle_advance(actor=hr, cycle=running)

    closed = phases.cycle_close(actor=hr, cycle=running, reason="年度考核结束")

    assert closed.status == CycleStatus.CLOSED
    assert closed.closed_at is not None
    assert set(CyclePhase.objects.filter(cycle=closed).values_list("status", flat=True)) == {
        PhaseStatus.CLOSED
    }
    assert AuditEntry.objects.filter(object_type="reviews.cycle", action=AuditAction.CLOSE).exists()
    with pytest.raises(ValidationError, match="not running"):
        phases.cycle_advance(actor=hr, cycle=closed)


def test_phase_dates_move_in_order(org: TestOrg, hr: Actor, running: Cycle) -> None:
    row = phases.phase_deadline_set(
        actor=hr, cycle=running, phase=Phase.SELF, opens_on=None, deadline=dt.date(2027, 1, 12)
    )
    assert row.deadline == dt.date(2027, 1, 12)
    assert AuditEntry.objects.filter(object_type="reviews.cyclephase").count() == 1
    phases.phase_deadline_set(
        actor=hr, cycle=running, phase=Phase.MANAGER, opens_on=None, deadline=dt.date(2027, 1, 20)
    )

    with pytest.raises(ValidationError) as caught:
        phases.phase_deadline_set(
            actor=hr,
            cycle=running,
            phase=Phase.MANAGER,
            opens_on=None,
            deadline=dt.date(2027, 1, 11),
        )
    assert caught.value.message_dict["deadline"] == [
        "This deadline comes before the deadline of Self review."
    ]
    assert CyclePhase.objects.get(cycle=running, phase=Phase.MANAGER).deadline == dt.date(
        2027, 1, 20
    )


# --- one person -------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_phase_opened_for_one_person_needs_a_reason(
    org: TestOrg, hr: Actor, running: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    phases.cycle_advance(actor=hr, cycle=running)
    phases.cycle_advance(actor=hr, cycle=running)  # peer phase: self review has passed
    mine = review_of(running, org.employee)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            phases.phase_extend_for(
                actor=hr, review=mine, phase=Phase.SELF, until=TODAY, reason=reason
            )
        assert caught.value.message_dict == {"reason": ["Give the reason."]}
    with pytest.raises(ValidationError) as caught:
        phases.phase_extend_for(
            actor=hr,
            review=mine,
            phase=Phase.SELF,
            until=TODAY - dt.timedelta(days=1),
            reason="病假",
        )
    assert caught.value.message_dict == {"until": ["Choose a day from today on."]}
    with pytest.raises(ValidationError):
        phases.phase_extend_for(
            actor=hr, review=mine, phase=Phase.GOALS, until=TODAY, reason="病假"
        )
    assert not PhaseExtension.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        extension = phases.phase_extend_for(
            actor=hr, review=mine, phase=Phase.SELF, until=dt.date(2027, 1, 8), reason="病假两周"
        )

    assert (extension.reason, extension.granted_by) == ("病假两周", org.hr_admin.user)
    running.refresh_from_db()
    assert open_for(running, Phase.SELF, mine.extensions.all(), TODAY)
    assert not open_for(running, Phase.SELF, mine.extensions.all(), dt.date(2027, 1, 9))
    entry = AuditEntry.objects.get(object_type="reviews.phaseextension")
    assert entry.reason == "病假两周"
    [notice] = Notification.objects.filter(event=events.PHASE_EXTENDED)
    assert notice.recipient == org.employee.user


def test_remove_and_restore_with_a_reason(org: TestOrg, hr: Actor, running: Cycle) -> None:
    mine = review_of(running, org.employee)
    with pytest.raises(ValidationError):
        phases.review_remove(actor=hr, review=mine, reason="")

    phases.review_remove(actor=hr, review=mine, reason="长期病假")

    mine.refresh_from_db()
    assert (mine.status, mine.note) == (ReviewStatus.REMOVED, "长期病假")
    assert mine.ratings.count() == 2  # kept for a return
    with pytest.raises(ValidationError, match="already been removed"):
        phases.review_remove(actor=hr, review=mine, reason="again")
    with pytest.raises(ValidationError, match="removed from the cycle"):
        phases.phase_extend_for(
            actor=hr, review=mine, phase=Phase.SELF, until=dt.date(2099, 1, 1), reason="x"
        )

    phases.review_restore(actor=hr, review=mine, reason="提前返岗")

    mine.refresh_from_db()
    assert (mine.status, mine.note) == (ReviewStatus.ACTIVE, "提前返岗")
    assert AuditEntry.objects.filter(object_type="reviews.review").count() == 2


def test_a_person_added_gets_the_ratings_a_launch_gives(
    org: TestOrg, hr: Actor, running: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    phases.cycle_advance(actor=hr, cycle=running)  # self review open
    newcomer = employee("新同事", dept=org.sales1, manager=org.manager, number="E0100")

    with django_capture_on_commit_callbacks(execute=True):
        review = phases.review_add(actor=hr, cycle=running, employee=newcomer, reason="转岗加入")

    assert review.note == "转岗加入"
    assert set(review.ratings.values_list("rater_type", "rater__number")) == {
        (RaterType.SELF, "E0100"),
        (RaterType.MANAGER, "E0003"),
    }
    assert newcomer in running.include.all()
    assert Notification.objects.filter(
        event=events.CYCLE_LAUNCHED, recipient=newcomer.user
    ).exists()
    assert Notification.objects.filter(event=events.PHASE_OPENED, recipient=newcomer.user).exists()
    with pytest.raises(ValidationError) as caught:
        phases.review_add(actor=hr, cycle=running, employee=newcomer, reason="again")
    assert caught.value.message_dict == {"employee": ["This person already takes part."]}


def test_add_refuses_people_who_left_and_removed_people(
    org: TestOrg, hr: Actor, running: Cycle
) -> None:
    gone = employee("离职者", dept=org.sales1, status=EmployeeStatus.LEFT)
    with pytest.raises(ValidationError, match="current employees"):
        phases.review_add(actor=hr, cycle=running, employee=gone, reason="x")
    phases.review_remove(actor=hr, review=review_of(running, org.peer), reason="x")
    with pytest.raises(ValidationError, match="put them back"):
        phases.review_add(actor=hr, cycle=running, employee=org.peer, reason="x")


def test_add_refuses_a_person_no_template_fits(org: TestOrg, hr: Actor) -> None:
    by_position = rf.template("rep")
    by_position.positions.add(rep(org))
    cycle = sales_cycle(org, hr, None, rules=rules_clean(positions=[rep(org).pk]))
    launch.cycle_launch(actor=hr, cycle=cycle)

    with pytest.raises(ValidationError, match="No template fits"):
        phases.review_add(actor=hr, cycle=cycle, employee=org.outsider, reason="x")
    assert not Review.objects.filter(cycle=cycle, employee=org.outsider).exists()


def test_removed_reviews_accept_no_answers(org: TestOrg, hr: Actor, running: Cycle) -> None:
    phases.cycle_advance(actor=hr, cycle=running)
    mine = review_of(running, org.employee)
    own = Rating.objects.get(review=mine, rater_type=RaterType.SELF)
    from pms.org.roles import principal_for

    me = principal_for(org.employee.user)
    assert access.can_edit_rating(me, own, TODAY)
    phases.review_remove(actor=hr, review=mine, reason="x")
    own = Rating.objects.select_related("review__cycle").get(pk=own.pk)
    assert own.status == RatingStatus.PENDING
    assert not access.can_edit_rating(me, own, TODAY)
