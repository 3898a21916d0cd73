"""The rater's to-do list: what waits for me across running cycles, grouped and dated, in
a fixed number of queries."""

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

from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg, user_of
from pms.reviews.models import (
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseExtension,
    RaterType,
    RatingStatus,
    ReviewTemplate,
)
from pms.reviews.selectors.ratings import my_todo
from pms.reviews.tests import factories as rf

Clients = Callable[[str], Client]
NOW = dt.datetime(2027, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
URL = "/reviews/to-do/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def template() -> ReviewTemplate:
    return rf.template()


@pytest.fixture
def cycle(template: ReviewTemplate) -> Cycle:
    return rf.cycle(default_template=template, phase=Phase.PEER)


def add_people_to_rate(org: TestOrg, cycle: Cycle, count: int) -> None:
    for person in rf.extra_peers(org.employee, count):
        rf.rating(rf.review(cycle, person), org.peer, RaterType.PEER)


def test_the_url() -> None:
    assert reverse("reviews:my_ratings") == URL


def test_my_self_review_comes_first(org: TestOrg, cycle: Cycle) -> None:
    mine = rf.review(cycle, org.peer)
    self_rating = rf.rating(mine, org.peer, RaterType.SELF)
    other = rf.rating(rf.review(cycle, org.employee), org.peer, RaterType.PEER)

    todo = my_todo(principal_for(user_of(org.peer)), TODAY)

    assert [row.rating for row in todo.self_reviews] == [self_rating]
    assert [row.rating for row in todo.others] == [other]
    # the self phase has passed in this cycle: listed, not open, overdue (its deadline is past)
    (row,) = todo.self_reviews
    assert not row.open_now
    (peer_row,) = todo.others
    assert peer_row.open_now
    assert peer_row.deadline == CyclePhase.objects.get(cycle=cycle, phase=Phase.PEER).deadline
    assert not peer_row.overdue


def test_overdue_and_extensions(org: TestOrg, cycle: Cycle) -> None:
    rating = rf.rating(rf.review(cycle, org.employee), org.peer, RaterType.PEER)
    CyclePhase.objects.filter(cycle=cycle, phase=Phase.PEER).update(deadline=dt.date(2027, 1, 5))
    principal = principal_for(user_of(org.peer))
    (row,) = my_todo(principal, TODAY).others
    assert row.overdue
    assert row.deadline == dt.date(2027, 1, 5)

    PhaseExtension.objects.create(
        review=rating.review,
        phase=Phase.PEER,
        until=dt.date(2027, 1, 20),
        reason="补交",
        granted_by=user_of(org.hr_admin),
    )
    (row,) = my_todo(principal, TODAY).others
    assert not row.overdue
    assert row.deadline == dt.date(2027, 1, 20)


def test_what_is_listed(org: TestOrg, template: ReviewTemplate, cycle: Cycle) -> None:
    submitted = rf.submitted(
        rf.rating(rf.review(cycle, org.employee), org.peer, RaterType.PEER), {}
    )
    # declined, withdrawn, nominated ones and draft or closed cycles are not to-dos
    person = rf.extra_peers(org.employee, 1)[0]
    rf.rating(rf.review(cycle, person), org.peer, RaterType.PEER, status=RatingStatus.DECLINED)
    rf.rating(rf.review(cycle, org.outsider), org.peer, RaterType.PEER, status="withdrawn")
    rf.rating(rf.review(cycle, org.manager), org.peer, RaterType.UPWARD, status="nominated")
    draft = rf.cycle(default_template=template, status=CycleStatus.DRAFT)
    rf.rating(rf.review(draft, org.employee), org.peer, RaterType.PEER)
    closed = rf.cycle(default_template=template, status=CycleStatus.CLOSED, phase=Phase.RESULTS)
    rf.rating(rf.review(closed, org.employee), org.peer, RaterType.PEER)

    todo = my_todo(principal_for(user_of(org.peer)), TODAY)

    assert [row.rating for row in todo.rows] == [submitted]
    assert todo.open_count == 0


def test_the_page(client_for: Clients, org: TestOrg, cycle: Cycle) -> None:
    rf.rating(rf.review(cycle, org.employee), org.peer, RaterType.PEER)
    response = client_for("peer").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert org.employee.name in html
    assert "Peer" in html
    assert "1 review to submit" in html


def test_the_page_refuses_accounts_without_an_employee(client_for: Clients) -> None:
    assert client_for("sysadmin").get(URL).status_code == 404


def test_my_nominations_are_offered(
    client_for: Clients, org: TestOrg, template: ReviewTemplate
) -> None:
    goals = rf.cycle(default_template=template, phase=Phase.GOALS)
    review = rf.review(goals, org.employee)
    html = client_for("employee").get(URL).content.decode()
    assert reverse("reviews:peers", args=[review.uuid]) in html


def test_a_fixed_number_of_queries(
    client_for: Clients,
    org: TestOrg,
    cycle: Cycle,
    template: ReviewTemplate,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for("peer")
    rf.rating(rf.review(cycle, org.peer), org.peer, RaterType.SELF)
    add_people_to_rate(org, cycle, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200

    add_people_to_rate(org, cycle, 6)
    other = rf.cycle(default_template=template, phase=Phase.PEER)
    add_people_to_rate(org, other, 3)
    PhaseExtension.objects.create(
        review=other.reviews.order_by("pk")[0],
        phase=Phase.PEER,
        until=dt.date(2027, 2, 1),
        reason="x",
        granted_by=user_of(org.hr_admin),
    )
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert "11 reviews to submit" in response.content.decode()
