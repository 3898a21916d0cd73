"""Declining, reassignment and withdrawal of ratings, and who is told what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Employee
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews import access, events
from pms.reviews.models import Cycle, Phase, RaterType, Rating, RatingStatus, Review
from pms.reviews.services import raters as services
from pms.reviews.tests import factories as rf

TODAY = dt.date(2027, 1, 10)


def actor(person: Employee) -> Actor:
    return Actor(user=user_of(person))


def who(person: Employee) -> Principal:
    return principal_for(user_of(person))


def notes(person: Employee) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user_of(person)))


@pytest.fixture
def review(org: TestOrg) -> Review:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.PEER)
    return rf.review(cycle, org.employee)


@pytest.fixture
def peer_rating(org: TestOrg, review: Review) -> Rating:
    return rf.rating(review, org.peer, RaterType.PEER)


def test_a_peer_declines_with_a_reason(org: TestOrg, review: Review, peer_rating: Rating) -> None:
    assert access.can_decline_rating(who(org.peer), peer_rating, TODAY)
    services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="和他没有合作")

    peer_rating.refresh_from_db()
    assert peer_rating.status == RatingStatus.DECLINED
    assert peer_rating.reason == "和他没有合作"
    entry = AuditEntry.objects.get(
        object_type="reviews.rating", object_id=str(peer_rating.pk), action="reject"
    )
    assert entry.reason == "和他没有合作"


def test_declining_needs_a_reason(org: TestOrg, peer_rating: Rating) -> None:
    with pytest.raises(ValidationError) as caught:
        services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason=" ")
    assert caught.value.message_dict["reason"] == ["Give a reason."]
    peer_rating.refresh_from_db()
    assert peer_rating.status == RatingStatus.PENDING
    assert not Notification.objects.exists()


def test_an_anonymous_decline_tells_the_manager_no_name_and_the_reviewee_nothing(
    org: TestOrg, peer_rating: Rating
) -> None:
    services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="和他没有合作")

    (note,) = notes(org.manager)
    assert note.event == events.RATING_DECLINED_ANONYMOUS
    text = f"{note.title} {note.body} {note.params}"
    assert org.peer.name not in text
    assert "和他没有合作" not in text
    assert notes(org.employee) == []


def test_a_named_decline_tells_the_manager_who_and_why(org: TestOrg, review: Review) -> None:
    rating = rf.rating(review, org.other_manager, RaterType.DOTTED)
    Cycle.objects.filter(pk=review.cycle_id).update(phase=Phase.MANAGER)
    services.rating_decline(actor=actor(org.other_manager), rating=rating, reason="不了解")

    (note,) = notes(org.manager)
    assert note.event == events.RATING_DECLINED
    assert note.params["rater"] == org.other_manager.name
    assert note.params["reason"] == "不了解"
    assert notes(org.employee) == []


def test_when_the_manager_declines_hr_is_told(org: TestOrg, review: Review) -> None:
    rating = rf.rating(review, org.manager, RaterType.MANAGER)
    services.rating_decline(actor=actor(org.manager), rating=rating, reason="即将调岗")
    # the HRBP of 销售中心 covers the review's department
    assert [n.event for n in notes(org.hrbp)] == [events.RATING_DECLINED]
    assert notes(org.manager) == []


def test_a_self_review_cannot_be_declined(org: TestOrg, review: Review) -> None:
    rating = rf.rating(review, org.employee, RaterType.SELF)
    assert not access.can_decline_rating(who(org.employee), rating, TODAY)
    with pytest.raises(ValidationError):
        services.rating_decline(actor=actor(org.employee), rating=rating, reason="不想写")


def test_a_submitted_rating_cannot_be_declined(org: TestOrg, peer_rating: Rating) -> None:
    rf.submitted(peer_rating, {})
    assert not access.can_decline_rating(who(org.peer), peer_rating, TODAY)
    with pytest.raises(ValidationError):
        services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="x")


# --- reassignment --------------------------------------------------------------------------


def test_the_manager_reassigns_a_declined_rating(
    org: TestOrg, review: Review, peer_rating: Rating
) -> None:
    services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="没合作")
    peer_rating.refresh_from_db()
    other = rf.extra_peers(org.employee, 1)[0]
    assert access.can_reassign_rating(who(org.manager), peer_rating)
    assert not access.can_reassign_rating(who(org.employee), peer_rating)
    assert not access.can_reassign_rating(who(org.peer), peer_rating)

    new = services.rating_reassign(actor=actor(org.manager), rating=peer_rating, rater=other)

    peer_rating.refresh_from_db()
    assert peer_rating.status == RatingStatus.REASSIGNED
    assert peer_rating.replaced_by == new
    assert new.status == RatingStatus.PENDING
    assert new.rater_type == RaterType.PEER
    assert new.anonymous
    assert [n.event for n in notes(other)] == [events.RATING_REQUESTED]
    assert notes(org.employee) == []


def test_only_a_declined_rating_is_reassigned(org: TestOrg, peer_rating: Rating) -> None:
    assert not access.can_reassign_rating(who(org.manager), peer_rating)
    with pytest.raises(ValidationError):
        services.rating_reassign(actor=actor(org.manager), rating=peer_rating, rater=org.outsider)


def test_after_the_phase_only_hr_reassigns(
    org: TestOrg, review: Review, peer_rating: Rating
) -> None:
    services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="没合作")
    Cycle.objects.filter(pk=review.cycle_id).update(phase=Phase.MANAGER)
    peer_rating = Rating.objects.select_related("review__cycle").get(pk=peer_rating.pk)
    assert not access.can_reassign_rating(who(org.manager), peer_rating)
    assert access.can_reassign_rating(who(org.hrbp), peer_rating)
    assert not access.can_reassign_rating(who(org.outsider), peer_rating)


def test_reassigning_to_the_reviewee_is_refused(org: TestOrg, peer_rating: Rating) -> None:
    services.rating_decline(actor=actor(org.peer), rating=peer_rating, reason="没合作")
    peer_rating.refresh_from_db()
    with pytest.raises(ValidationError):
        services.rating_reassign(actor=actor(org.manager), rating=peer_rating, rater=org.employee)
    peer_rating.refresh_from_db()
    assert peer_rating.status == RatingStatus.DECLINED


# --- withdrawal ----------------------------------------------------------------------------


def test_hr_withdraws_a_rating_with_a_reason(org: TestOrg, peer_rating: Rating) -> None:
    assert access.can_withdraw_rating(who(org.hrbp), peer_rating)
    assert not access.can_withdraw_rating(who(org.manager), peer_rating)
    with pytest.raises(ValidationError):
        services.rating_withdraw(actor=actor(org.hrbp), rating=peer_rating, reason="")

    services.rating_withdraw(actor=actor(org.hrbp), rating=peer_rating, reason="重复邀请")

    peer_rating.refresh_from_db()
    assert peer_rating.status == RatingStatus.WITHDRAWN
    assert peer_rating.reason == "重复邀请"
    assert [n.event for n in notes(org.peer)] == [events.RATING_WITHDRAWN]
    assert AuditEntry.objects.filter(
        object_type="reviews.rating", object_id=str(peer_rating.pk), action="withdraw"
    ).exists()
