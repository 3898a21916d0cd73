"""The pages about raters: the reviewee's nominations, the manager's approvals and
decisions, HR's raters page and the colleague search — each with refused users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.org.models import Employee, EmployeeStatus
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews.models import Cycle, Phase, RaterType, Rating, RatingStatus, Review
from pms.reviews.services import raters as services
from pms.reviews.tests import factories as rf

Clients = Callable[[str], Client]
NOW = dt.datetime(2027, 1, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cycle() -> Cycle:
    return rf.cycle(default_template=rf.template(peer_min=2, peer_max=3), phase=Phase.SELF)


@pytest.fixture
def review(org: TestOrg, cycle: Cycle) -> Review:
    return rf.review(cycle, org.employee)


def nominee(org: TestOrg, review: Review, person: Employee) -> Rating:
    return services.peer_nominate(
        actor=Actor(user=user_of(org.employee)), review=review, rater=person
    )


def send(org: TestOrg, review: Review) -> None:
    services.peers_send(actor=Actor(user=user_of(org.employee)), review=review)
    review.refresh_from_db()


def page(name: str, obj: Review | Rating) -> str:
    return reverse(f"reviews:{name}", args=[obj.uuid])


def messages_of(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


# --- the reviewee nominates ----------------------------------------------------------------


def test_the_reviewee_nominates_through_the_page(
    client_for: Clients, org: TestOrg, review: Review
) -> None:
    client = client_for("employee")
    response = client.get(page("peers", review))
    assert response.status_code == 200
    assert "Nominate a colleague" in response.content.decode()

    response = client.post(page("peers_nominate", review), {"rater": str(org.peer.uuid)})
    assert response.status_code == 302
    rating = Rating.objects.get(review=review)
    assert (rating.rater, rating.status) == (org.peer, RatingStatus.NOMINATED)

    # typed by employee number, without the search
    other = rf.extra_peers(org.employee, 1)[0]
    client.post(page("peers_nominate", review), {"number": other.number})
    assert Rating.objects.filter(review=review, rater=other).exists()
    html = client.get(page("peers", review)).content.decode()
    assert org.peer.name in html
    assert "Nominated, not sent yet" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"number": "NOPE"}, "Choose a current colleague."),
        ({"rater": "not-a-uuid"}, "Choose a current colleague."),
        ({"number": "E0003"}, "reviews as a manager already"),  # 张经理, the manager
    ],
)
def test_a_bad_nomination_changes_nothing(
    client_for: Clients, review: Review, data: dict[str, str], message: str
) -> None:
    response = client_for("employee").post(page("peers_nominate", review), data, follow=True)
    assert any(message in m for m in messages_of(response))
    assert not Rating.objects.filter(review=review).exists()


def test_removing_and_sending(client_for: Clients, org: TestOrg, review: Review) -> None:
    client = client_for("employee")
    first = nominee(org, review, org.peer)
    response = client.post(page("peers_send", review), follow=True)
    assert any("between 2 and 3" in m for m in messages_of(response))

    others = rf.extra_peers(org.employee, 2)
    for person in others:
        nominee(org, review, person)
    client.post(page("peer_remove", first))
    assert not Rating.objects.filter(pk=first.pk).exists()
    response = client.post(page("peers_send", review), follow=True)
    assert any("sent to your manager" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.peers_sent_at == NOW

    # sent: the page says so, and the list is the manager's until returned
    html = response.content.decode()
    assert "You sent your nominations to your manager on 2027-01-03 10:00." in html
    assert "Nominated, awaiting the manager" in html
    assert "Nominate a colleague" not in html
    assert page("peer_remove", Rating.objects.filter(review=review).first()) not in html  # type: ignore[arg-type]
    assert "no longer be nominated" not in html
    late = rf.extra_peers(org.employee, 1)[0]
    refused = client.post(page("peers_nominate", review), {"rater": str(late.uuid)})
    assert refused.status_code == 403
    assert client.post(page("peers_send", review)).status_code == 403
    kept = Rating.objects.filter(review=review).first()
    assert kept is not None
    assert client.post(page("peer_remove", kept)).status_code == 403
    assert Rating.objects.filter(review=review).count() == 2
    # nothing is left to do on the to-do list
    todo = client.get(reverse("reviews:my_ratings")).content.decode()
    assert page("peers", review) not in todo


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 403), ("head", 403), ("hrbp", 403), ("peer", 404), ("outsider", 404)],
)
def test_only_the_reviewee_nominates(
    client_for: Clients, org: TestOrg, review: Review, persona: str, status: int
) -> None:
    client = client_for(persona)
    rating = nominee(org, review, org.peer)
    assert client.get(page("peers", review)).status_code == status
    other = rf.extra_peers(org.employee, 1)[0]
    assert (
        client.post(page("peers_nominate", review), {"rater": str(other.uuid)}).status_code
        == status
    )
    assert client.post(page("peers_send", review)).status_code == status
    assert client.post(page("peer_remove", rating)).status_code == status
    assert Rating.objects.filter(review=review).count() == 1


def test_nominating_closes_with_the_self_phase(
    client_for: Clients, org: TestOrg, cycle: Cycle, review: Review
) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Phase.PEER)
    client = client_for("employee")
    assert "no longer be nominated" in client.get(page("peers", review)).content.decode()
    response = client.post(page("peers_nominate", review), {"rater": str(org.peer.uuid)})
    assert response.status_code == 403


# --- the colleague search ------------------------------------------------------------------


def test_the_search_lists_current_colleagues(client_for: Clients, org: TestOrg) -> None:
    gone = rf.extra_peers(org.employee, 1)[0]
    Employee.objects.filter(pk=gone.pk).update(status=EmployeeStatus.LEFT, name="刘离职")
    response = client_for("employee").get(reverse("reviews:peers_people"), {"number": "刘"})
    assert response.status_code == 200
    html = response.content.decode()
    assert org.peer.name in html
    assert "刘离职" not in html


def test_the_search_refuses_outsiders_of_the_company(db: None, org: TestOrg) -> None:
    nobody = User.objects.create_user(username="visitor", password="x")
    client = Client()
    client.force_login(nobody)
    assert client.get(reverse("reviews:peers_people"), {"number": "刘"}).status_code == 404


# --- the manager decides -------------------------------------------------------------------


def test_the_approvals_page(client_for: Clients, org: TestOrg, review: Review) -> None:
    nominee(org, review, org.peer)
    nominee(org, review, rf.extra_peers(org.employee, 1)[0])
    send(org, review)
    response = client_for("manager").get(reverse("reviews:peer_approvals"))
    assert response.status_code == 200
    html = response.content.decode()
    assert org.employee.name in html
    assert org.peer.name in html
    # managers of another team and people without reports
    assert (
        org.employee.name
        not in client_for("other_manager").get(reverse("reviews:peer_approvals")).content.decode()
    )
    assert client_for("employee").get(reverse("reviews:peer_approvals")).status_code == 404


def test_the_approvals_page_has_a_fixed_number_of_queries(
    client_for: Clients,
    org: TestOrg,
    cycle: Cycle,
    review: Review,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for("manager")
    nominee(org, review, org.peer)
    nominee(org, review, rf.extra_peers(org.employee, 1)[0])
    send(org, review)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("reviews:peer_approvals")).status_code == 200
    for person in rf.extra_peers(org.employee, 4):
        other = rf.review(cycle, person)
        for colleague in (org.peer, org.employee):
            services.peer_nominate(actor=Actor(user=user_of(person)), review=other, rater=colleague)
        services.peers_send(actor=Actor(user=user_of(person)), review=other)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("reviews:peer_approvals"))
    assert response.content.decode().count("Approve all") == 5


def test_the_manager_approves_rejects_replaces_and_adds(
    client_for: Clients, org: TestOrg, review: Review
) -> None:
    client = client_for("manager")
    first = nominee(org, review, org.peer)
    colleagues = rf.extra_peers(org.employee, 3)
    second = nominee(org, review, colleagues[0])
    send(org, review)
    assert client.get(page("peers_decide", review)).status_code == 200

    response = client.post(page("peer_reject", first), {"reason": ""}, follow=True)
    assert any("Give a reason." in m for m in messages_of(response))
    first.refresh_from_db()
    assert first.status == RatingStatus.NOMINATED

    # replacing keeps the list with the manager; rejecting returns it to the reviewee
    client.post(
        page("peer_replace", second), {"rater": str(colleagues[1].uuid), "reason": "合作更多"}
    )
    client.post(page("peer_reject", first), {"reason": "不熟悉"})
    review.refresh_from_db()
    assert review.peers_sent_at is None
    client.post(page("peers_add", review), {"rater": str(colleagues[2].uuid)})
    response = client.post(page("peers_approve", review), {"next": "approvals"})
    assert response["Location"] == reverse("reviews:peer_approvals")

    statuses = dict(Rating.objects.filter(review=review).values_list("rater", "status"))
    assert statuses == {
        org.peer.pk: RatingStatus.REJECTED,
        colleagues[0].pk: RatingStatus.REJECTED,
        colleagues[1].pk: RatingStatus.PENDING,
        colleagues[2].pk: RatingStatus.PENDING,
    }
    review.refresh_from_db()
    assert review.peers_approved_at == NOW


def test_the_manager_sees_nominations_only_once_sent(
    client_for: Clients, org: TestOrg, review: Review
) -> None:
    first = nominee(org, review, org.peer)
    nominee(org, review, rf.extra_peers(org.employee, 1)[0])
    client = client_for("manager")

    approvals = client.get(reverse("reviews:peer_approvals")).content.decode()
    decide = client.get(page("peers_decide", review)).content.decode()

    assert org.employee.name not in approvals
    assert org.peer.name not in decide
    assert "陈员工 has not sent their nominations for approval yet." in decide
    assert "Approve all" not in decide
    assert client.post(page("peer_reject", first), {"reason": "x"}).status_code == 403
    data = {"rater": str(org.outsider.uuid), "reason": "x"}
    assert client.post(page("peer_replace", first), data).status_code == 403
    response = client.post(page("peers_approve", review), follow=True)
    assert any("has not sent their nominations" in m for m in messages_of(response))
    review.refresh_from_db()
    assert review.peers_approved_at is None
    assert set(Rating.objects.filter(review=review).values_list("status", flat=True)) == {
        RatingStatus.NOMINATED
    }

    send(org, review)
    assert org.peer.name in client.get(page("peers_decide", review)).content.decode()
    assert org.employee.name in client.get(reverse("reviews:peer_approvals")).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("employee", 403), ("peer", 404), ("outsider", 404)]
)
def test_only_managers_and_hr_decide(
    client_for: Clients, org: TestOrg, review: Review, persona: str, status: int
) -> None:
    client = client_for(persona)
    rating = nominee(org, review, org.peer)
    other, second = rf.extra_peers(org.employee, 2)
    nominee(org, review, second)
    send(org, review)
    assert client.get(page("peers_decide", review)).status_code == status
    assert client.post(page("peers_approve", review)).status_code == status
    assert client.post(page("peers_add", review), {"rater": str(other.uuid)}).status_code == status
    assert client.post(page("peer_reject", rating), {"reason": "x"}).status_code == status
    data = {"rater": str(other.uuid), "reason": "x"}
    assert client.post(page("peer_replace", rating), data).status_code == status
    rating.refresh_from_db()
    assert rating.status == RatingStatus.NOMINATED
    assert Rating.objects.filter(review=review).count() == 2


def test_hr_in_scope_decides_too(client_for: Clients, org: TestOrg, review: Review) -> None:
    for person in [org.peer, *rf.extra_peers(org.employee, 1)]:
        nominee(org, review, person)
    send(org, review)
    assert client_for("hrbp").post(page("peers_approve", review)).status_code == 302
    review.refresh_from_db()
    assert review.peers_approved_at is not None


# --- declined ratings on the manager's page ------------------------------------------------


def test_the_manager_reassigns_without_learning_who_declined(
    client_for: Clients, org: TestOrg, cycle: Cycle, review: Review
) -> None:
    colleagues = [org.peer, *rf.extra_peers(org.employee, 2)]
    for person in colleagues[:2]:
        nominee(org, review, person)
    send(org, review)
    services.peers_approve(actor=Actor(user=user_of(org.manager)), review=review)
    Cycle.objects.filter(pk=cycle.pk).update(phase=Phase.PEER)
    declined = Rating.objects.get(review=review, rater=org.peer)
    services.rating_decline(
        actor=Actor(user=user_of(org.peer)), rating=declined, reason="刘同事的私人理由"
    )

    client = client_for("manager")
    html = client.get(page("peers_decide", review)).content.decode()
    assert "A reviewer (Peer) declined." in html
    assert "刘同事的私人理由" not in html
    # both colleagues show as asked: nothing tells which one declined
    assert html.count(">Asked</span>") == 2
    assert "Declined</span>" not in html

    response = client.post(page("rating_reassign", declined), {"rater": str(colleagues[2].uuid)})
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.status == RatingStatus.REASSIGNED
    assert declined.replaced_by is not None
    assert declined.replaced_by.rater == colleagues[2]
    # the reviewee cannot reassign
    assert (
        client_for("employee")
        .post(page("rating_reassign", declined), {"rater": str(org.outsider.uuid)})
        .status_code
        == 403
    )


# --- HR's raters page ----------------------------------------------------------------------


def test_hr_sees_every_rater_and_assigns(client_for: Clients, org: TestOrg, review: Review) -> None:
    rating = rf.rating(review, org.peer, RaterType.PEER)
    services.rating_decline(actor=Actor(user=user_of(org.peer)), rating=rating, reason="没合作")
    client = client_for("hrbp")
    html = client.get(page("raters", review)).content.decode()
    assert org.peer.name in html
    assert "Declined" in html
    assert "没合作" in html

    response = client.post(
        page("raters", review),
        {"rater": str(org.outsider.uuid), "rater_type": "cross", "reason": "项目合作"},
    )
    assert response.status_code == 302
    assigned = Rating.objects.get(review=review, rater=org.outsider)
    assert (assigned.rater_type, assigned.status) == (RaterType.CROSS, RatingStatus.PENDING)

    response = client.post(
        page("raters", review),
        {"rater": str(org.head.uuid), "rater_type": "skip", "reason": ""},
        follow=True,
    )
    assert any("Give a reason." in m for m in messages_of(response))
    assert not Rating.objects.filter(review=review, rater=org.head).exists()

    client.post(page("rating_withdraw", assigned), {"reason": "误加"})
    assigned.refresh_from_db()
    assert assigned.status == RatingStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 403), ("employee", 403), ("peer", 404), ("outsider", 404)],
)
def test_only_hr_sees_the_raters_page(
    client_for: Clients, org: TestOrg, review: Review, persona: str, status: int
) -> None:
    rating = rf.rating(review, org.peer, RaterType.PEER)
    client = client_for(persona)
    assert client.get(page("raters", review)).status_code == status
    data = {"rater": str(org.outsider.uuid), "rater_type": "cross", "reason": "x"}
    assert client.post(page("raters", review), data).status_code == status
    assert client.post(page("rating_withdraw", rating), {"reason": "x"}).status_code == status
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PENDING
    assert not Rating.objects.filter(rater=org.outsider).exists()


def test_an_hrbp_outside_the_scope_does_not_find_it(client_for: Clients, org: TestOrg) -> None:
    outside = rf.review(rf.cycle(default_template=rf.template()), org.outsider)
    assert client_for("hrbp").get(page("raters", outside)).status_code == 404
