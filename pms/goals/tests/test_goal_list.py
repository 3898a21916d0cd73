"""The goals list: each person sees exactly the goals of the people they may see."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pms.goals.tests import factories
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def _titles(client: Client, **params: str) -> set[str]:
    response = client.get("/goals/list/", params)
    assert response.status_code == 200
    page = response.context["page"]
    return {goal.title for goal in page.object_list}


@pytest.fixture
def goals(org: TestOrg) -> None:
    period = factories.period("2026年度")
    for person in (org.employee, org.peer, org.outsider):
        card = factories.scorecard(person, period)
        factories.kpi(card, title=f"{person.name}的销售额", weight="100")


def test_each_persona_sees_whom_they_may(
    org: TestOrg, goals: None, client_for: Callable[[str], Client]
) -> None:
    assert _titles(client_for("employee")) == {"陈员工的销售额"}
    assert _titles(client_for("manager")) == {"陈员工的销售额", "刘同事的销售额"}
    assert _titles(client_for("hrbp")) == {"陈员工的销售额", "刘同事的销售额"}
    assert _titles(client_for("hr_admin")) == {
        "陈员工的销售额",
        "刘同事的销售额",
        "孙工程师的销售额",
    }
    assert _titles(client_for("other_manager")) == set()
    assert _titles(client_for("ceo")) == {"陈员工的销售额", "刘同事的销售额", "孙工程师的销售额"}


def test_filters(org: TestOrg, goals: None, client_for: Callable[[str], Client]) -> None:
    hr = client_for("hr_admin")

    assert _titles(hr, department=str(org.rnd.uuid)) == {"孙工程师的销售额"}
    assert _titles(hr, q="E0005") == {"刘同事的销售额"}
    assert _titles(hr, status="approved") == set()


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/goals/list/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_queries_do_not_grow_with_goals(
    org: TestOrg, client_for: Callable[[str], Client], django_assert_num_queries: Callable
) -> None:
    period = factories.period("2026年度")
    hr = client_for("hr_admin")

    def add_people(count: int) -> None:
        for _ in range(count):
            person = org_factories.employee(dept=org.sales1, manager=org.manager)
            card = factories.scorecard(person, period)
            factories.kpi(card, weight="60")
            factories.task(card, weight="40")

    add_people(2)
    hr.get("/goals/list/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        hr.get("/goals/list/")
    add_people(20)
    with django_assert_num_queries(len(small.captured_queries)):
        assert hr.get("/goals/list/").status_code == 200
