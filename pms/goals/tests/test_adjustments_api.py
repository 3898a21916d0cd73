"""/api/v1/adjustments and /api/v1/goals/{uuid}/versions: read with the "read goals" scope,
only what the caller may see."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import GoalAdjustment, Period, Scorecard
from pms.goals.services import adjustments as services
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.tests import factories as f
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]
URL = "/api/v1/adjustments"


@pytest.fixture
def period(db: None) -> Period:
    return f.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return f.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


def _asked(card: Scorecard, who: Any, target: str = "450") -> GoalAdjustment:
    kpi = card.goals.order_by("sort_order")[0]
    return f.adjustment(card, f.actor_of(who), ChangeSpec.change(kpi, target=target))


def test_list_shows_what_the_caller_may_see(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)

    mine = client_for("employee").get(URL)
    peers = client_for("peer").get(URL)

    assert mine.status_code == 200
    [item] = mine.json()["items"]
    assert item["uuid"] == str(adjustment.uuid)
    assert item["status"] == "manager"
    assert item["scorecard"]["employee"]["number"] == "E0004"
    assert item["period"]["name"] == "2026年度"
    assert item["reason_code"] == "market"
    assert item["goals_touched"] == 1
    assert item["largest_change"] == "10.00"
    assert peers.json()["items"] == []


def test_list_filters(org: TestOrg, period: Period, card: Scorecard) -> None:
    first = _asked(card, org.employee)
    services.adjustment_withdraw(actor=f.actor_of(org.employee), adjustment=first)
    second = _asked(card, org.employee, "460")
    other_period = f.period(
        "2027年度", start=period.start.replace(year=2027), end=period.end.replace(year=2027)
    )
    client = token_client(org.manager, TokenScope.READ_GOALS)

    def uuids(**params: str) -> list[str]:
        return [a["uuid"] for a in client.get(URL, params).json()["items"]]

    assert uuids() == [str(second.uuid), str(first.uuid)]
    assert uuids(status="withdrawn") == [str(first.uuid)]
    assert uuids(period=str(period.uuid)) == [str(second.uuid), str(first.uuid)]
    assert uuids(period=str(other_period.uuid)) == []
    error = assert_error(client.get(URL, {"period": str(uuid.uuid4())}), 422, "validation_error")
    assert set(error["fields"]) == {"period"}
    assert_error(client.get(URL, {"status": "nope"}), 422, "validation_error")


def test_refusals(org: TestOrg, card: Scorecard) -> None:
    adjustment = _asked(card, org.employee)
    detail = f"{URL}/{adjustment.uuid}"
    kpi = card.goals.order_by("sort_order")[0]
    versions = f"/api/v1/goals/{kpi.uuid}/versions"

    for path in (URL, detail, versions):
        assert_error(Client().get(path), 401, "not_authenticated")
        assert_error(
            token_client(org.employee, TokenScope.READ_ORG).get(path), 403, "missing_scope"
        )
    assert_error(token_client(org.peer, TokenScope.READ_GOALS).get(detail), 404, "not_found")
    assert_error(token_client(org.peer, TokenScope.READ_GOALS).get(versions), 404, "not_found")


def test_detail_has_the_diff_and_the_decisions(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)
    services.adjustment_decide(
        actor=f.actor_of(org.manager), adjustment=adjustment, decision="approve", comment="同意"
    )

    body = token_client(org.employee, TokenScope.READ_GOALS).get(f"{URL}/{adjustment.uuid}").json()

    assert body["status"] == "hr"
    [change] = body["changes"]
    assert change["op"] == "change"
    assert change["fields"] == {"target": ["500", "450"]}
    assert change["beyond_limit"] is False
    [decision] = body["decisions"]
    assert (
        decision["step"],
        decision["decision"],
        decision["decided_by"],
        decision["comment"],
    ) == (
        "manager",
        "approve",
        "张经理",
        "同意",
    )
    assert_error(client_for("employee").get(f"{URL}/{uuid.uuid4()}"), 404, "not_found")


def test_goal_versions(org: TestOrg, card: Scorecard) -> None:
    adjustment = _asked(card, org.manager)
    services.adjustment_decide(
        actor=f.actor_of(org.hrbp), adjustment=adjustment, decision="approve"
    )
    kpi = card.goals.order_by("sort_order")[0]

    body = (
        token_client(org.employee, TokenScope.READ_GOALS)
        .get(f"/api/v1/goals/{kpi.uuid}/versions")
        .json()
    )

    first, second = body["items"]
    assert (first["number"], first["valid_from"], first["valid_to"], first["adjustment"]) == (
        1,
        "2026-01-01",
        "2026-04-30",
        None,
    )
    assert (second["number"], second["valid_from"], second["valid_to"]) == (2, "2026-05-01", None)
    assert second["adjustment"]["uuid"] == str(adjustment.uuid)
    assert second["adjustment"]["reason"] == "竞品降价，市场需求下滑"
    assert second["terms"]["target"] == "450"


def test_plan_goal_versions_follow_the_cascade(org: TestOrg, period: Period) -> None:
    goal = f.agreed_plan_goal(period, org.sales1)

    body = (
        token_client(org.outsider, TokenScope.READ_GOALS)
        .get(f"/api/v1/goals/{goal.uuid}/versions")
        .json()
    )

    assert [v["number"] for v in body["items"]] == [1]


@pytest.mark.parametrize("size", [1, 5])
def test_list_queries_do_not_grow(
    client_for: ClientFor, org: TestOrg, period: Period, size: int, django_assert_num_queries: Any
) -> None:
    for _ in range(size):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        _asked(f.agreed_scorecard(person, period, f.actor_of(org.manager)), person)
    client = client_for("manager")

    with django_assert_num_queries(8):
        response = client.get(URL)

    assert response.json()["count"] == size
