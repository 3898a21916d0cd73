"""Anonymity of peer ratings across the raters area: nothing the reviewee or the manager
receives — page, notification, API answer, audit view — says which peer answered or
declined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews.models import Cycle, Phase, Rating, Review
from pms.reviews.selectors.ratings import item_key
from pms.reviews.services import raters as rater_services
from pms.reviews.services.ratings import AnswerInput, rating_submit
from pms.reviews.tests import factories as rf

Clients = Callable[[str], Client]
NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REASON = "我和陈员工有私人矛盾"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


class Story:
    """Three peers nominated and approved; one answers, one declines, one waits."""

    def __init__(self, org: TestOrg) -> None:
        self.cycle = rf.cycle(default_template=rf.template(), phase=Phase.SELF)
        self.review: Review = rf.review(self.cycle, org.employee)
        self.peers: list[Employee] = [org.peer, *rf.extra_peers(org.employee, 2)]
        reviewee = Actor(user=user_of(org.employee))
        for person in self.peers:
            rater_services.peer_nominate(actor=reviewee, review=self.review, rater=person)
        rater_services.peers_send(actor=reviewee, review=self.review)
        rater_services.peers_approve(actor=Actor(user=user_of(org.manager)), review=self.review)
        Cycle.objects.filter(pk=self.cycle.pk).update(phase=Phase.PEER)
        self.answered, self.declined, self.waiting = (
            Rating.objects.select_related("review__cycle", "review__template").get(
                review=self.review, rater=person
            )
            for person in self.peers
        )
        rating_submit(
            actor=Actor(user=user_of(self.peers[0])),
            rating=self.answered,
            answers={
                item_key(item): AnswerInput(value="D", comment="沟通很差")
                for item in rf.competency_items(self.review.template)
            },
        )
        rater_services.rating_decline(
            actor=Actor(user=user_of(self.peers[1])), rating=self.declined, reason=REASON
        )


@pytest.fixture
def story(org: TestOrg) -> Story:
    return Story(org)


def rendered(person: Employee) -> str:
    return " ".join(
        f"{n.title} {n.body} {n.params}"
        for n in Notification.objects.filter(recipient=user_of(person))
    )


def test_notifications_name_nobody(org: TestOrg, story: Story) -> None:
    for person in (org.employee, org.manager):
        text = rendered(person)
        assert REASON not in text
        assert "沟通很差" not in text
    # the reviewee is told the approval (a count) and nothing about answers or declines
    assert all(story.peers[i].name not in rendered(org.employee) for i in range(3))
    # the manager learns that a reviewer declined, not who
    assert "declined" in rendered(org.manager)
    assert story.peers[1].name not in rendered(org.manager)


@pytest.mark.parametrize(("persona", "name"), [("employee", "peers"), ("manager", "peers_decide")])
def test_pages_show_everybody_as_asked(
    client_for: Clients, story: Story, persona: str, name: str
) -> None:
    html = client_for(persona).get(reverse(f"reviews:{name}", args=[story.review.uuid])).content
    text = html.decode()
    assert text.count(">Asked</span>") == 3
    for word in ("Submitted", "Declined</span>", "Draft saved", REASON, "沟通很差"):
        assert word not in text


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "hrbp"])
def test_nobody_but_the_rater_opens_a_peer_rating(
    client_for: Clients, story: Story, persona: str
) -> None:
    client = client_for(persona)
    assert client.get(reverse("reviews:rating", args=[story.answered.uuid])).status_code == 404
    assert client.get(f"/api/v1/ratings/{story.answered.uuid}").status_code == 404


def test_the_audit_keeps_no_answers_and_is_not_theirs(client_for: Clients, story: Story) -> None:
    entry = AuditEntry.objects.get(
        object_type="reviews.rating", object_id=str(story.answered.pk), action="submit"
    )
    assert entry.after == {"status": "submitted"}
    for persona in ("employee", "manager", "head", "hrbp"):
        assert client_for(persona).get(reverse("core:audit")).status_code == 404
