"""/api/v1/scorecards: the list and one scorecard with its goals and signatures, for
tokens with the "read goals" scope and the session, limited to what the user may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.models import TokenScope
from pms.core.audit import Actor
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import GoalKind, Period, SignerRole
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URL = "/api/v1/scorecards"
Clients = Callable[[str], Client]


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def _numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["employee"]["number"] for item in response.json()["items"]}


def test_a_manager_lists_the_teams_scorecards(org: TestOrg, period: Period) -> None:
    factories.complete_scorecard(org.employee, period)
    factories.scorecard(org.peer, period)
    factories.scorecard(org.outsider, period)

    response = token_client(org.manager, TokenScope.READ_GOALS).get(URL)

    assert _numbers(response) == {"E0004", "E0005"}
    body = response.json()
    assert body["count"] == 2
    item = next(i for i in body["items"] if i["employee"]["number"] == "E0004")
    assert item["status"] == "draft"
    assert item["goal_count"] == 2
    assert float(item["total_weight"]) == 100
    assert item["period"]["name"] == "2026年度"
    assert item["department"]["code"] == "SALES1"


def test_the_person_sees_only_their_own(org: TestOrg, period: Period) -> None:
    for person in (org.employee, org.peer, org.manager):
        factories.scorecard(person, period)

    assert _numbers(token_client(org.employee, TokenScope.READ_GOALS).get(URL)) == {"E0004"}
    assert _numbers(token_client(org.outsider, TokenScope.READ_GOALS).get(URL)) == set()


def test_filters(org: TestOrg, period: Period) -> None:
    other = factories.period("2025年度")
    factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    factories.scorecard(org.peer, period)
    factories.scorecard(org.other_manager, period)
    factories.scorecard(org.employee, other)
    client = token_client(org.hr_admin, TokenScope.READ_GOALS)

    def numbers(**params: str) -> set[str]:
        return _numbers(client.get(URL, params))

    assert numbers(period=str(other.uuid)) == {"E0004"}
    assert numbers(period=str(period.uuid), status="approved") == {"E0004"}
    assert numbers(period=str(period.uuid), department=str(org.sales1.uuid)) == {"E0004", "E0005"}
    assert numbers(department=str(org.sales.uuid), status="draft") == {"E0004", "E0005", "E0006"}
    assert numbers(employee="E0005") == {"E0005"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}, "period"),
        ({"department": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}, "department"),
        ({"status": "finished"}, "status"),
    ],
)
def test_unknown_filter_values_are_422(org: TestOrg, params: dict[str, str], field: str) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_GOALS)

    error = assert_error(client.get(URL, params), 422, "validation_error")

    assert set(error["fields"]) == {field}


def test_one_scorecard_with_its_goals_and_signatures(org: TestOrg, period: Period) -> None:
    card = factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    services.scorecard_sign(
        actor=Actor(user=org.employee.user), scorecard=card, role=SignerRole.EMPLOYEE
    )

    response = token_client(org.manager, TokenScope.READ_GOALS).get(f"{URL}/{card.uuid}")

    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(card.uuid)
    assert body["status"] == "approved"
    assert body["fingerprint"] == services.letter_fingerprint(card)
    [signature] = body["signatures"]
    assert signature["role"] == "employee"
    assert signature["signer_name"] == "陈员工"
    assert signature["fingerprint"] == body["fingerprint"]
    goals = {g["kind"]: g for g in body["goals"]}
    assert set(goals) == {GoalKind.KPI, GoalKind.TASK}
    kpi = goals[GoalKind.KPI]
    assert kpi["title"] == "销售额达到500万元"
    assert float(kpi["weight"]) == 60
    assert float(kpi["target"]) == 500
    assert kpi["unit"] == "万元"
    assert kpi["status"] == "approved"
    assert kpi["scoring_rule"]["type"] == "linear"
    assert goals[GoalKind.TASK]["due_date"] == "2026-09-30"
    assert body["problems"] == []


def test_a_draft_tells_what_stops_submission(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="70")

    body = token_client(org.employee, TokenScope.READ_GOALS).get(f"{URL}/{card.uuid}").json()

    assert body["problems"] == ["The weights total 70%; they must total 100% (30% missing)."]


@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_others_get_not_found(org: TestOrg, period: Period, persona: str) -> None:
    card = factories.scorecard(org.employee, period)

    response = token_client(getattr(org, persona), TokenScope.READ_GOALS).get(f"{URL}/{card.uuid}")

    assert_error(response, 404, "not_found")


def test_a_token_without_the_scope_is_refused(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    client = token_client(org.hr_admin, TokenScope.READ_ORG)

    assert_error(client.get(URL), 403, "missing_scope")
    assert_error(client.get(f"{URL}/{card.uuid}"), 403, "missing_scope")


def test_anonymous_callers_are_refused(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)

    assert_error(Client().get(URL), 401, "not_authenticated")
    assert_error(Client().get(f"{URL}/{card.uuid}"), 401, "not_authenticated")


def test_the_session_reads_too(org: TestOrg, period: Period, client_for: Clients) -> None:
    factories.scorecard(org.employee, period)

    assert _numbers(client_for("employee").get(URL)) == {"E0004"}


def _more(org: TestOrg, period: Period, count: int) -> None:
    for _n in range(count):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        factories.complete_scorecard(person, period)


@pytest.mark.parametrize("detail", [False, True])
def test_the_list_issues_the_same_queries_for_two_sizes(
    org: TestOrg, period: Period, detail: bool
) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_GOALS)
    _more(org, period, 2)
    card = factories.complete_scorecard(org.employee, period)
    url = f"{URL}/{card.uuid}" if detail else URL
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more(org, period, 20)
    for _n in range(8):
        factories.kpi(card, weight="0")
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert response.status_code == 200
    assert len(large) == len(small)
