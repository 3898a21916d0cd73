"""/api/v1/development-plans and /api/v1/development-actions/mentored: the plans the
caller may read and a mentor's actions, paged; tokens need ``read_plans``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import DevelopmentPlan
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    user = getattr(org, persona).user
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def plan(org: TestOrg) -> DevelopmentPlan:
    return f.idp(org.employee, mentor=org.outsider, agreed_by=org.manager)


def test_a_token_needs_the_plans_scope(org: TestOrg, plan: DevelopmentPlan) -> None:
    path = f"/api/v1/development-plans/{plan.uuid}"
    assert token_client(org, "employee", ["read_plans"]).get(path).status_code == 200
    assert token_client(org, "employee", ["read_org"]).get(path).status_code == 403


def test_one_plan_with_its_actions(client_for: Any, plan: DevelopmentPlan) -> None:
    body = client_for("manager").get(f"/api/v1/development-plans/{plan.uuid}").json()
    assert body["status"] == "active"
    assert body["action_count"] == 2
    assert body["progress"] == 0
    assert {a["kind"] for a in body["actions"]} == {"course", "mentor"}


@pytest.mark.parametrize(("persona", "status"), [("peer", 404), ("outsider", 404), ("hrbp", 200)])
def test_who_reads_a_plan(
    client_for: Any, plan: DevelopmentPlan, persona: str, status: int
) -> None:
    assert client_for(persona).get(f"/api/v1/development-plans/{plan.uuid}").status_code == status


def test_the_mentor_reads_their_actions_only(client_for: Any, plan: DevelopmentPlan) -> None:
    body = client_for("outsider").get("/api/v1/development-actions/mentored").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert (item["kind"], item["employee"], item["plan_title"]) == ("mentor", "陈员工", plan.title)
    assert client_for("outsider").get("/api/v1/development-plans").json()["count"] == 0


def test_the_list_issues_the_same_queries_at_two_sizes(
    client_for: Any, org: TestOrg, plan: DevelopmentPlan, django_assert_num_queries: Any
) -> None:
    client = client_for("manager")
    client.get("/api/v1/development-plans")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/development-plans")
    for _ in range(4):
        f.idp(org_factories.employee(dept=org.sales1, manager=org.manager), mentor=org.peer)
    with django_assert_num_queries(len(small)):
        assert client.get("/api/v1/development-plans").json()["count"] == 5
