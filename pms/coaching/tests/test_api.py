"""/api/v1/checkins, /api/v1/action-items and /api/v1/coaching-plans: only what the caller
may see; "read tracking" scope for tokens, "write tracking" to mark an item done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.models import TokenScope
from pms.coaching.models import ActionItem, ActionStatus, CheckIn
from pms.coaching.services import checkins as services
from pms.coaching.tests import factories as f
from pms.core.models import AuditEntry
from pms.core.tests.test_api_support import assert_error, token_client
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]


@pytest.fixture
def checkin(org: TestOrg) -> CheckIn:
    return f.checkin(org.employee)


@pytest.fixture
def item(org: TestOrg, checkin: CheckIn) -> ActionItem:
    return services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=checkin,
        title="整理客户清单",
        owner=org.employee,
        due_date=dt.date(2026, 4, 7),
    )


def test_checkin_list_and_detail(client_for: ClientFor, org: TestOrg, item: ActionItem) -> None:
    checkin = item.checkin
    f.obstacle(checkin)
    listed = client_for("manager").get("/api/v1/checkins")
    assert listed.status_code == 200
    [row] = listed.json()["items"]
    assert row["uuid"] == str(checkin.uuid)
    assert row["employee"]["number"] == "E0004"
    assert row["manager"]["number"] == "E0003"
    assert client_for("peer").get("/api/v1/checkins").json()["items"] == []
    filtered = client_for("manager").get("/api/v1/checkins", {"status": "held"})
    assert filtered.json()["count"] == 0

    detail = client_for("employee").get(f"/api/v1/checkins/{checkin.uuid}").json()
    assert detail["obstacles"][0]["category"] == "supplier"
    assert detail["action_items"][0]["title"] == "整理客户清单"
    assert_error(client_for("peer").get(f"/api/v1/checkins/{checkin.uuid}"), 404, "not_found")


def test_tokens_need_the_tracking_scope(org: TestOrg, item: ActionItem) -> None:
    paths = (
        "/api/v1/checkins",
        f"/api/v1/checkins/{item.checkin.uuid}",
        "/api/v1/action-items",
        "/api/v1/coaching-plans",
    )
    for path in paths:
        assert_error(Client().get(path), 401, "not_authenticated")
        assert_error(
            token_client(org.employee, TokenScope.READ_ORG).get(path), 403, "missing_scope"
        )
    reader = token_client(org.employee, TokenScope.READ_TRACKING)
    assert reader.get("/api/v1/checkins").status_code == 200
    done = reader.post(
        f"/api/v1/action-items/{item.uuid}/done", {}, content_type="application/json"
    )
    assert_error(done, 403, "missing_scope")
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN


def test_mark_an_action_item_done(client_for: ClientFor, org: TestOrg, item: ActionItem) -> None:
    url = f"/api/v1/action-items/{item.uuid}/done"
    assert_error(
        client_for("peer").post(url, {}, content_type="application/json"), 404, "not_found"
    )
    assert_error(
        client_for("hr_admin").post(url, {}, content_type="application/json"), 403, "forbidden"
    )

    response = client_for("employee").post(url, {"note": "已完成"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    item.refresh_from_db()
    assert (item.status, item.note) == (ActionStatus.DONE, "已完成")
    assert AuditEntry.objects.filter(
        object_type="coaching.actionitem", object_id=str(item.pk), channel="api"
    ).exists()
    listed = client_for("employee").get("/api/v1/action-items", {"mine": "true", "status": "done"})
    assert [i["uuid"] for i in listed.json()["items"]] == [str(item.uuid)]


def test_coaching_plans(client_for: ClientFor, org: TestOrg) -> None:
    plan = f.plan(org.employee)
    listed = client_for("employee").get("/api/v1/coaching-plans").json()
    assert listed["items"][0]["milestone_count"] == 1
    detail = client_for("manager").get(f"/api/v1/coaching-plans/{plan.uuid}").json()
    assert detail["milestones"][0]["title"] == "2周内掌握客户需求挖掘技巧"
    assert [a["kind"] for a in detail["actions"]] == ["mentor", "course"]
    assert client_for("peer").get("/api/v1/coaching-plans").json()["items"] == []
    assert_error(
        client_for("outsider").get(f"/api/v1/coaching-plans/{plan.uuid}"), 404, "not_found"
    )
    assert_error(
        client_for("employee").get("/api/v1/coaching-plans", {"status": "nope"}),
        422,
        "validation_error",
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/checkins", "/api/v1/action-items", "/api/v1/coaching-plans"]
)
def test_api_lists_issue_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, path: str, django_assert_num_queries: Any
) -> None:
    client = client_for("manager")

    def grow(count: int) -> None:
        for _ in range(count):
            person = org_factories.employee(dept=org.sales1, manager=org.manager)
            services.action_item_add(
                actor=f.actor_of(org.manager),
                checkin=f.checkin(person),
                title="x",
                owner=person,
                due_date=dt.date(2026, 4, 1),
            )
            f.plan(person)

    grow(1)
    client.get(path)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    grow(4)
    with django_assert_num_queries(len(small)):
        assert client.get(path).json()["count"] == 5
