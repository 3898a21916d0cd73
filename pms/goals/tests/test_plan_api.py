"""/api/v1/goals and /api/v1/alignment/coverage: the strategy cascade over JSON, read with
the "read goals" scope and the same access rules as the pages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.audit import Actor
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import Goal, Period
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of

ClientFor = Callable[[str], Client]
pytestmark = pytest.mark.django_db

URL = "/api/v1/goals"
COVERAGE = "/api/v1/alignment/coverage"


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period("2026年度")


@pytest.fixture
def goals(org: TestOrg, period: Period) -> dict[str, Goal]:
    ceo = Actor(user=user_of(org.ceo))
    strategy = f.approved_plan_goal(f.company_goal(period, "营收增长20%"), ceo)
    sales = f.approved_plan_goal(
        f.department_goal(period, org.sales, "销售增长", parent=strategy, contribution="60"),
        Actor(user=org.committee),
    )
    sales1 = f.department_goal(period, org.sales1, "一部草稿", parent=sales, contribution="100")
    mine = f.kpi(f.scorecard(org.employee, period), "陈的销售额", parent=sales1)
    Goal.objects.filter(pk=mine.pk).update(progress=Decimal(80))
    return {"strategy": strategy, "sales": sales, "sales1": sales1}


def _titles(response: Any) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_a_colleague_lists_the_approved_cascade(
    client_for: ClientFor, goals: dict[str, Goal], period: Period
) -> None:
    response = client_for("employee").get(URL, {"period": str(period.uuid)})

    assert response.status_code == 200
    body = response.json()
    assert _titles(response) == ["营收增长20%", "销售增长"]
    assert body["count"] == 2
    sales = body["items"][1]
    assert sales["level"] == "department"
    assert sales["department"]["code"] == "SALES"
    assert sales["parent"] == str(goals["strategy"].uuid)
    assert sales["contribution"] == "60.00"
    assert sales["owner"]["number"] == "E0002"
    assert sales["period"]["name"] == "2026年度"


def test_filters_narrow_the_list(
    client_for: ClientFor, org: TestOrg, goals: dict[str, Goal]
) -> None:
    client = client_for("head")

    company = client.get(URL, {"level": "company"})
    below_sales = client.get(URL, {"department": str(org.sales.uuid), "below": "true"})
    drafts = client.get(URL, {"status": "draft"})

    assert _titles(company) == ["营收增长20%"]
    assert _titles(below_sales) == ["销售增长", "一部草稿"]
    assert _titles(drafts) == ["一部草稿"]


def test_the_list_is_paginated(client_for: ClientFor, goals: dict[str, Goal]) -> None:
    response = client_for("ceo").get(URL, {"page_size": 2, "page": 2})

    body = response.json()
    assert body["count"] == 3
    assert body["pages"] == 2
    assert _titles(response) == ["一部草稿"]


def test_one_goal_with_its_parent_and_what_is_aligned_to_it(
    client_for: ClientFor, goals: dict[str, Goal]
) -> None:
    response = client_for("head").get(f"{URL}/{goals['sales1'].uuid}")

    assert response.status_code == 200
    body = response.json()
    assert body["parent"] == str(goals["sales"].uuid)
    assert body["children_count"] == 1
    assert body["rolled_progress"] == "80.00"
    assert body["progress"] is None


def test_a_draft_is_not_found_for_an_outsider(
    client_for: ClientFor, goals: dict[str, Goal]
) -> None:
    response = client_for("outsider").get(f"{URL}/{goals['sales1'].uuid}")

    assert_error(response, 404, "not_found")


def test_a_token_needs_the_read_goals_scope(org: TestOrg, goals: dict[str, Goal]) -> None:
    allowed = token_client(org.hr_admin, TokenScope.READ_GOALS).get(URL)
    refused = token_client(org.hr_admin, TokenScope.READ_ORG).get(URL)

    assert allowed.status_code == 200
    assert len(allowed.json()["items"]) == 3
    assert_error(refused, 403, "missing_scope")


@pytest.mark.parametrize("path", [URL, COVERAGE])
def test_anonymous_callers_are_refused(org: TestOrg, path: str) -> None:
    assert_error(Client().get(path), 401, "not_authenticated")


def test_coverage_per_department(
    client_for: ClientFor, org: TestOrg, goals: dict[str, Goal], period: Period
) -> None:
    f.scorecard(org.peer, period)  # a scorecard with no goal aligned upward

    response = client_for("head").get(
        COVERAGE, {"period": str(period.uuid), "department": str(org.sales.uuid)}
    )

    assert response.status_code == 200
    rows = {row["department"]["code"]: row for row in response.json()["items"]}
    assert list(rows) == ["SALES", "SALES1", "SALES2"]
    assert rows["SALES1"]["people"] == 2
    assert rows["SALES1"]["aligned"] == 1
    assert rows["SALES1"]["percent_aligned"] == "50.0"
    assert rows["SALES"]["department_goals"] == 2
    assert rows["SALES"]["department_goals_approved"] == 1
    assert rows["SALES2"]["percent_aligned"] is None


def test_coverage_needs_a_known_period(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("employee")

    assert_error(client.get(COVERAGE), 422, "validation_error")
    assert_error(
        client.get(COVERAGE, {"period": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}),
        404,
        "not_found",
    )


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_whatever_its_length(
    client_for: ClientFor,
    org: TestOrg,
    period: Period,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    strategy = f.company_goal(period)
    for n in range(size):
        f.department_goal(period, org.sales1, f"一部{n}", parent=strategy)
    client = client_for("ceo")

    with django_assert_num_queries(9):
        response = client.get(URL)

    assert response.status_code == 200
