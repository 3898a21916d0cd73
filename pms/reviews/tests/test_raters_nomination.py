"""Peers nominated by the reviewee and decided by the manager; raters HR assigns
(pms/reviews/services/raters.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.models import Employee, EmployeeStatus
from pms.org.tests.factories import TestOrg, employee, user_of
from pms.reviews import events
from pms.reviews.models import Phase, RaterType, Rating, RatingStatus, Review
from pms.reviews.services import raters as services
from pms.reviews.tests import factories as rf

SENT = dt.datetime(2027, 1, 4, 9, 30, tzinfo=dt.UTC)


def actor(person: Employee) -> Actor:
    return Actor(user=user_of(person))


@pytest.fixture
def review(org: TestOrg) -> Review:
    tpl = rf.template(peer_min=2, peer_max=3)
    cycle = rf.cycle(default_template=tpl, phase=Phase.SELF)
    return rf.review(cycle, org.employee)


@pytest.fixture
def colleagues(org: TestOrg) -> list[Employee]:
    return [org.peer, *rf.extra_peers(org.employee, 3)]


def nominate(org: TestOrg, review: Review, people: list[Employee]) -> list[Rating]:
    return [
        services.peer_nominate(actor=actor(org.employee), review=review, rater=p) for p in people
    ]


def nominate_and_send(org: TestOrg, review: Review, people: list[Employee]) -> list[Rating]:
    """Nominations as the manager gets them: sent for approval."""
    ratings = nominate(org, review, people)
    services.peers_send(actor=actor(org.employee), review=review)
    review.refresh_from_db()
    for rating in ratings:
        rating.refresh_from_db()
    return ratings


def notes(person: Employee, event: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user_of(person), event=event))


# --- nominating ----------------------------------------------------------------------------


def test_the_reviewee_nominates_a_peer(org: TestOrg, review: Review) -> None:
    rating = services.peer_nominate(actor=actor(org.employee), review=review, rater=org.peer)

    rating.refresh_from_db()
    assert rating.status == RatingStatus.NOMINATED
    assert rating.rater_type == RaterType.PEER
    assert rating.anonymous  # peers are anonymous by default
    assert rating.nominated_by == user_of(org.employee)
    assert AuditEntry.objects.filter(
        object_type="reviews.rating", object_id=str(rating.pk)
    ).exists()
    # nobody is asked before the manager approves
    assert not Notification.objects.filter(event=events.RATING_REQUESTED).exists()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("employee", "Nobody can review themself"),
        ("manager", "reviews as a manager already"),
    ],
)
def test_nobody_nominates_themself_or_their_manager(
    org: TestOrg, review: Review, who: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=getattr(org, who))
    assert message in str(caught.value.message_dict["rater"])
    assert not Rating.objects.filter(review=review).exists()


def test_a_manager_rating_rules_out_a_peer_nomination(org: TestOrg, review: Review) -> None:
    rf.rating(review, org.other_manager, RaterType.DOTTED)
    with pytest.raises(ValidationError):
        services.peer_nominate(actor=actor(org.employee), review=review, rater=org.other_manager)


def test_only_current_employees(org: TestOrg, review: Review) -> None:
    gone = employee("离职者", dept=org.sales1, manager=org.manager)
    Employee.objects.filter(pk=gone.pk).update(status=EmployeeStatus.LEFT)
    gone.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=gone)
    assert "no longer works here" in str(caught.value.message_dict["rater"])


def test_no_duplicates(org: TestOrg, review: Review) -> None:
    services.peer_nominate(actor=actor(org.employee), review=review, rater=org.peer)
    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=org.peer)
    assert "on the list already" in str(caught.value.message_dict["rater"])
    assert Rating.objects.filter(review=review).count() == 1


def test_at_most_the_template_maximum(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    nominate(org, review, colleagues[:3])
    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=colleagues[3])
    assert "at most 3 peers" in str(caught.value.message_dict["rater"])
    assert Rating.objects.filter(review=review).count() == 3


def test_a_nominee_can_be_taken_back(org: TestOrg, review: Review) -> None:
    (rating,) = nominate(org, review, [org.peer])
    pk = rating.pk
    services.peer_nomination_remove(actor=actor(org.employee), rating=rating)
    assert not Rating.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(
        object_type="reviews.rating", object_id=str(pk), action="delete"
    ).exists()


# --- sending for approval ------------------------------------------------------------------


def test_sending_checks_the_fewest(org: TestOrg, review: Review) -> None:
    nominate(org, review, [org.peer])
    with pytest.raises(ValidationError) as caught:
        services.peers_send(actor=actor(org.employee), review=review)
    assert "between 2 and 3" in str(caught.value.messages)
    assert not notes(org.manager, events.PEERS_REQUESTED)


def test_sending_without_nominees_is_refused(org: TestOrg, review: Review) -> None:
    with pytest.raises(ValidationError):
        services.peers_send(actor=actor(org.employee), review=review)


def test_sending_tells_the_manager_and_marks_the_list_sent(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    nominate(org, review, colleagues[:2])
    with time_machine.travel(SENT, tick=False):
        assert services.peers_send(actor=actor(org.employee), review=review) == 2

    (note,) = notes(org.manager, events.PEERS_REQUESTED)
    assert note.params["person"] == org.employee.name
    assert note.params["count"] == 2
    assert note.url == f"/reviews/{review.uuid}/peers/decide/"
    review.refresh_from_db()
    assert review.peers_sent_at == SENT
    entry = AuditEntry.objects.get(
        object_type="reviews.review", object_id=str(review.pk), action=AuditAction.SUBMIT
    )
    assert entry.after == {"peers_sent_at": SENT.isoformat(), "peers_nominated": 2}
    assert entry.actor == user_of(org.employee)


def test_a_sent_list_cannot_be_changed_or_sent_again(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    first, _second = nominate_and_send(org, review, colleagues[:2])
    waiting = "wait for your manager's decision"

    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=colleagues[2])
    assert waiting in str(caught.value.message_dict["rater"])
    with pytest.raises(ValidationError) as caught:
        services.peer_nomination_remove(actor=actor(org.employee), rating=first)
    assert waiting in str(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        services.peers_send(actor=actor(org.employee), review=review)
    assert waiting in str(caught.value.messages)

    assert Rating.objects.filter(review=review).count() == 2
    assert len(notes(org.manager, events.PEERS_REQUESTED)) == 1
    assert AuditEntry.objects.filter(object_type="reviews.review", action="submit").count() == 1


def test_sending_a_stale_copy_twice_sends_once(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    nominate(org, review, colleagues[:2])
    stale = Review.objects.get(pk=review.pk)  # the second click, read before the first landed
    services.peers_send(actor=actor(org.employee), review=review)
    with pytest.raises(ValidationError):
        services.peers_send(actor=actor(org.employee), review=stale)
    assert len(notes(org.manager, events.PEERS_REQUESTED)) == 1


# --- the manager decides -------------------------------------------------------------------


def test_approving_asks_every_nominee_once(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    ratings = nominate_and_send(org, review, colleagues[:3])
    approved = services.peers_approve(actor=actor(org.manager), review=review)

    assert len(approved) == 3
    review.refresh_from_db()
    assert review.peers_approved_at is not None
    assert review.peers_sent_at is not None
    for rating in ratings:
        rating.refresh_from_db()
        assert rating.status == RatingStatus.PENDING
        assert rating.decided_by == user_of(org.manager)
        assert len(notes(rating.rater, events.RATING_REQUESTED)) == 1
    (told,) = notes(org.employee, events.PEERS_APPROVED)
    # the reviewee learns how many, not who
    assert set(told.params) == {"cycle", "count"}
    assert told.params["count"] == 3


def test_approving_checks_the_counts(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    first, _second = nominate_and_send(org, review, colleagues[:2])
    services.rating_withdraw(actor=actor(org.hrbp), rating=first, reason="已调岗")
    with pytest.raises(ValidationError) as caught:
        services.peers_approve(actor=actor(org.manager), review=review)
    assert "between 2 and 3" in str(caught.value.messages)
    review.refresh_from_db()
    assert review.peers_approved_at is None
    assert Rating.objects.get(review=review, rater=colleagues[1]).status == RatingStatus.NOMINATED


def test_rejecting_needs_a_reason_tells_the_reviewee_and_returns_the_list(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    rating, _other = nominate_and_send(org, review, colleagues[:2])
    with pytest.raises(ValidationError) as caught:
        services.peer_reject(actor=actor(org.manager), rating=rating, reason="  ")
    assert "reason" in caught.value.message_dict
    rating.refresh_from_db()
    assert rating.status == RatingStatus.NOMINATED
    review.refresh_from_db()
    assert review.peers_sent_at is not None

    services.peer_reject(actor=actor(org.manager), rating=rating, reason="不熟悉你的工作")
    rating.refresh_from_db()
    assert rating.status == RatingStatus.REJECTED
    assert rating.reason == "不熟悉你的工作"
    assert rating.decided_by == user_of(org.manager)
    (told,) = notes(org.employee, events.PEER_REJECTED)
    assert told.params["reason"] == "不熟悉你的工作"
    # the rejected colleague is never asked
    assert not notes(org.peer, events.RATING_REQUESTED)
    # the list is back with the reviewee
    review.refresh_from_db()
    assert review.peers_sent_at is None
    returned = AuditEntry.objects.get(
        object_type="reviews.review", object_id=str(review.pk), action=AuditAction.RETURN
    )
    assert returned.after == {"peers_sent_at": None}
    assert returned.reason == "不熟悉你的工作"


def test_after_a_rejection_the_reviewee_nominates_and_sends_again(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    rating, _other = nominate_and_send(org, review, colleagues[:2])
    services.peer_reject(actor=actor(org.manager), rating=rating, reason="不熟悉")
    review.refresh_from_db()

    services.peer_nominate(actor=actor(org.employee), review=review, rater=colleagues[2])
    assert services.peers_send(actor=actor(org.employee), review=review) == 2

    review.refresh_from_db()
    assert review.peers_sent_at is not None
    assert len(notes(org.manager, events.PEERS_REQUESTED)) == 2
    services.peers_approve(actor=actor(org.manager), review=review)
    statuses = dict(Rating.objects.filter(review=review).values_list("rater", "status"))
    assert statuses == {
        org.peer.pk: RatingStatus.REJECTED,
        colleagues[1].pk: RatingStatus.PENDING,
        colleagues[2].pk: RatingStatus.PENDING,
    }


def test_replacing_asks_the_new_peer_and_keeps_the_list_with_the_manager(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    rating, _other = nominate_and_send(org, review, colleagues[:2])
    other = colleagues[2]
    new = services.peer_replace(
        actor=actor(org.manager), rating=rating, rater=other, reason="换一位合作更多的同事"
    )

    rating.refresh_from_db()
    assert rating.status == RatingStatus.REJECTED
    assert rating.replaced_by == new
    assert rating.reason == "换一位合作更多的同事"
    assert new.status == RatingStatus.PENDING
    assert new.rater == other
    assert new.anonymous
    assert len(notes(other, events.RATING_REQUESTED)) == 1
    assert len(notes(org.employee, events.PEER_REPLACED)) == 1
    # the place is filled: the manager goes on, the reviewee changes nothing meanwhile
    review.refresh_from_db()
    assert review.peers_sent_at is not None
    with pytest.raises(ValidationError):
        services.peer_nominate(actor=actor(org.employee), review=review, rater=colleagues[3])
    assert len(services.peers_approve(actor=actor(org.manager), review=review)) == 1


def test_replacing_with_an_unsuitable_person_changes_nothing(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    rating, _other = nominate_and_send(org, review, colleagues[:2])
    with pytest.raises(ValidationError):
        services.peer_replace(
            actor=actor(org.manager), rating=rating, rater=org.manager, reason="x"
        )
    rating.refresh_from_db()
    assert rating.status == RatingStatus.NOMINATED
    assert Rating.objects.filter(review=review).count() == 2


def test_nominations_not_sent_are_not_the_managers_to_decide(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    first, _second = nominate(org, review, colleagues[:2])
    with pytest.raises(ValidationError) as caught:
        services.peers_approve(actor=actor(org.manager), review=review)
    assert "has not sent their nominations" in str(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        services.peer_reject(actor=actor(org.manager), rating=first, reason="x")
    assert "not been sent" in str(caught.value.messages)
    with pytest.raises(ValidationError):
        services.peer_replace(
            actor=actor(org.manager), rating=first, rater=colleagues[2], reason="x"
        )
    review.refresh_from_db()
    assert review.peers_approved_at is None
    assert set(Rating.objects.filter(review=review).values_list("status", flat=True)) == {
        RatingStatus.NOMINATED
    }
    assert not Notification.objects.filter(event=events.RATING_REQUESTED).exists()


def test_the_manager_adds_a_peer_directly(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    rating = services.peer_add(actor=actor(org.manager), review=review, rater=colleagues[0])
    assert rating.status == RatingStatus.PENDING
    assert rating.decided_by == user_of(org.manager)
    assert len(notes(colleagues[0], events.RATING_REQUESTED)) == 1
    for person in colleagues[1:3]:
        services.peer_add(actor=actor(org.manager), review=review, rater=person)
    with pytest.raises(ValidationError):
        services.peer_add(actor=actor(org.manager), review=review, rater=colleagues[3])
    # nothing was nominated: the manager's own choice is approved without a list sent
    services.peers_approve(actor=actor(org.manager), review=review)
    review.refresh_from_db()
    assert review.peers_approved_at is not None


def test_nomination_is_closed_once_approved(
    org: TestOrg, review: Review, colleagues: list[Employee]
) -> None:
    nominate_and_send(org, review, colleagues[:2])
    services.peers_approve(actor=actor(org.manager), review=review)
    with pytest.raises(ValidationError) as caught:
        services.peer_nominate(actor=actor(org.employee), review=review, rater=colleagues[2])
    assert "approved already" in str(caught.value.message_dict["rater"])
    with pytest.raises(ValidationError):
        services.peers_send(actor=actor(org.employee), review=review)


# --- HR assigns ----------------------------------------------------------------------------


def test_hr_assigns_a_cross_department_partner(org: TestOrg, review: Review) -> None:
    rating = services.rater_assign(
        actor=actor(org.hrbp),
        review=review,
        rater=org.outsider,
        rater_type=RaterType.CROSS,
        reason="跨部门项目合作",
    )
    assert rating.status == RatingStatus.PENDING
    assert rating.anonymous
    entry = AuditEntry.objects.get(
        object_type="reviews.rating", object_id=str(rating.pk), action="create"
    )
    assert entry.reason == "跨部门项目合作"
    assert len(notes(org.outsider, events.RATING_REQUESTED)) == 1


@pytest.mark.parametrize(
    ("rater_type", "reason", "field"),
    [
        (RaterType.CROSS, "", "reason"),
        ("boss", "x", "rater_type"),
        (RaterType.SELF, "x", "rater"),  # a self review is the reviewee's own
    ],
)
def test_hr_assignment_is_checked(
    org: TestOrg, review: Review, rater_type: str, reason: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.rater_assign(
            actor=actor(org.hrbp),
            review=review,
            rater=org.outsider,
            rater_type=rater_type,
            reason=reason,
        )
    assert field in caught.value.message_dict
    assert not Rating.objects.filter(review=review).exists()
