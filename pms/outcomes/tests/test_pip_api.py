"""/api/v1/improvement-plans: the plans the caller may read, paged, one plan with its
parts; tokens need ``read_plans``; what the pages refuse the API refuses the same way."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import ImprovementPlan
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    user = getattr(org, persona).user
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def running(org: TestOrg) -> ImprovementPlan:
    return f.pip(org.employee, org.manager, started=True)


def test_a_token_needs_the_plans_scope(org: TestOrg, running: ImprovementPlan) -> None:
    path = f"/api/v1/improvement-plans/{running.uuid}"
    assert token_client(org, "manager", ["read_plans"]).get(path).status_code == 200
    refused = token_client(org, "manager", ["read_results"]).get(path)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]


def test_one_plan_with_its_goals_and_checkpoints(
    client_for: Any, org: TestOrg, running: ImprovementPlan
) -> None:
    body = client_for("employee").get(f"/api/v1/improvement-plans/{running.uuid}").json()
    assert body["status"] == "active"
    assert body["manager"] == "张经理"
    assert [g["title"] for g in body["goals"]] == ["月度回款率达到90%", "客户投诉不超过1起"]
    assert [c["day"] for c in body["checkpoints"]] == [30, 60, 90]
    assert body["next_checkpoint"] == "2026-04-01"
    assert body["checkpoint_overdue"] is False


@pytest.mark.parametrize(("persona", "status"), [("peer", 404), ("outsider", 404), ("hrbp", 200)])
def test_who_reads_a_plan(
    client_for: Any, running: ImprovementPlan, persona: str, status: int
) -> None:
    assert (
        client_for(persona).get(f"/api/v1/improvement-plans/{running.uuid}").status_code == status
    )


def test_a_draft_is_not_the_persons_to_read_yet(client_for: Any, org: TestOrg) -> None:
    draft = f.pip(org.employee, org.manager)
    assert client_for("employee").get(f"/api/v1/improvement-plans/{draft.uuid}").status_code == 404
    assert client_for("employee").get("/api/v1/improvement-plans").json()["count"] == 0
    assert client_for("manager").get("/api/v1/improvement-plans").json()["count"] == 1
    missing = client_for("manager").get(f"/api/v1/improvement-plans/{uuid.uuid4()}")
    assert missing.status_code == 404


def test_the_list_is_paged_and_filtered(client_for: Any, org: TestOrg) -> None:
    f.pip(org.employee, org.manager, started=True)
    f.pip(org.peer, org.manager)
    client = client_for("manager")
    body = client.get("/api/v1/improvement-plans?page_size=1").json()
    assert (body["count"], body["pages"], len(body["items"])) == (2, 2, 1)
    active = client.get("/api/v1/improvement-plans?status=active").json()
    assert [p["employee"] for p in active["items"]] == ["陈员工"]


def test_the_list_issues_the_same_queries_at_two_sizes(
    client_for: Any, org: TestOrg, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    f.pip(org.employee, org.manager, started=True)
    client.get("/api/v1/improvement-plans")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/improvement-plans")
    for _ in range(4):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        f.pip(person, org.manager, started=True)
    with django_assert_num_queries(len(small)):
        assert client.get("/api/v1/improvement-plans").json()["count"] == 5
