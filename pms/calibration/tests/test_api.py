"""The calibration API: sessions (paged), one session with its distribution per pool, its
people (filtered, paged, never the caller), a person's change history and a change —
with the token scopes, the refusals and the one error shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.calibration.models import CalibrationChange, CalibrationEntry
from pms.calibration.services.entries import entry_change
from pms.calibration.services.sessions import session_close
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
READ, WRITE = "read_calibration", "write_calibration"


@pytest.fixture
def sales(org: TestOrg) -> f.SalesSession:
    return f.sales_session(org, extra=10)


def token_client(user: Any, scopes: list[str]) -> Client:
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def sessions_url(sales: f.SalesSession | None = None, tail: str = "") -> str:
    base = "/api/v1/calibration-sessions"
    return f"{base}/{sales.session.uuid}{tail}" if sales is not None else base


def changes_url(entry: CalibrationEntry) -> str:
    return f"/api/v1/calibration-entries/{entry.uuid}/changes"


# --- reads ---


def test_sessions_are_listed_paged_for_those_who_see_them(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    body = client_for("hr_admin").get(sessions_url(), {"page_size": 10}).json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (1, 1, 10, 1)
    (item,) = body["items"]
    assert item["uuid"] == str(sales.session.uuid)
    assert (item["status"], item["people"], item["enforcement"]) == ("open", 15, "warn")
    assert client_for("outsider").get(sessions_url()).json()["count"] == 1
    assert client_for("employee").get(sessions_url()).json()["count"] == 0


def test_the_session_with_its_distribution_per_pool(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    response = client_for("hr_admin").get(sessions_url(sales))
    assert response.status_code == 200
    body = response.json()
    assert [g["grade"] for g in body["distribution"]] == ["S", "A", "B", "C", "D"]
    pools = {p["name"]: p for p in body["pools"]}
    team = pools["销售一部"]
    assert (team["headcount"], team["enforced"], team["complies"]) == (13, True, False)
    c = next(g for g in team["grades"] if g["grade"] == "C")
    assert (c["exact"], c["floor"], c["remainder"], c["seat"], c["quota"]) == (
        "1.95",
        1,
        "0.95",
        True,
        2,
    )
    assert (c["count"], c["difference"], c["status"]) == (0, -2, "under")
    assert pools["销售中心"]["enforced"] is False  # the rest of the centre, pooled up to it
    assert {m["role"] for m in body["members"]} == {"committee", "observer", "head"}
    assert body["can_decide"] is True
    assert body["my_role"] is None
    counts = {c["grade"]: (c["proposed"], c["now"]) for c in body["grade_counts"]}
    assert counts["B"] == (12, 12)


def test_the_people_filtered_and_paged_never_the_caller(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    manager = client_for("manager")
    body = manager.get(sessions_url(sales, "/entries"), {"page_size": 5, "sort": "name"}).json()
    assert body["count"] == 14
    assert len(body["items"]) == 5
    assert body["pages"] == 3
    everybody = manager.get(sessions_url(sales, "/entries"), {"page_size": 50}).json()["items"]
    assert org.manager.number not in {e["employee_number"] for e in everybody}
    only_a = manager.get(sessions_url(sales, "/entries"), {"grade": "A"}).json()
    assert [e["employee"] for e in only_a["items"]] == [org.employee.name]
    assert set(only_a["items"][0]) >= {
        "proposed_score",
        "score",
        "potential",
        "box",
        "box_code",
        "pool",
    }
    by_dept = manager.get(
        sessions_url(sales, "/entries"), {"department": str(org.sales2.uuid)}
    ).json()
    assert [e["employee"] for e in by_dept["items"]] == [org.other_manager.name]


def test_bad_filters_answer_in_the_error_shape(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    response = client_for("hr_admin").get(
        sessions_url(sales, "/entries"), {"box": "12", "sort": "zz", "potential": "x"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"box", "sort", "potential"}


def test_the_change_history(org: TestOrg, client_for: ClientFor, sales: f.SalesSession) -> None:
    entry = sales.entry("peer")
    entry_change(
        actor=Actor(org.hr_admin.user),
        entry=entry,
        reason="大客户续约",
        grade="A",
        potential="high",
    )
    body = client_for("committee").get(changes_url(entry)).json()
    assert body["count"] == 2
    assert {(c["field"], c["before"], c["after"], c["reason"]) for c in body["items"]} == {
        ("grade", "B", "A", "大客户续约"),
        ("potential", "", "high", "大客户续约"),
    }
    assert body["items"][0]["by"] == org.hr_admin.user.display_name


def test_reads_refuse_who_may_not_see(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    employee = client_for("employee")
    for path in (
        sessions_url(sales),
        sessions_url(sales, "/entries"),
        changes_url(sales.entry("peer")),
    ):
        response = employee.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # the manager's own history is nowhere
    own = client_for("manager").get(changes_url(sales.entry("manager")))
    assert own.status_code == 404
    assert Client().get(sessions_url()).status_code == 401


def test_tokens_need_the_read_scope(org: TestOrg, sales: f.SalesSession) -> None:
    assert token_client(org.hr_admin.user, [READ]).get(sessions_url(sales)).status_code == 200
    refused = token_client(org.hr_admin.user, ["read_reviews"]).get(sessions_url(sales))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"


def test_the_entries_take_the_same_queries_at_two_sizes(
    org: TestOrg, client_for: ClientFor
) -> None:
    small = f.sales_session(org)
    large_cycle = f.calibration_cycle()
    f.sales_reviews(org, large_cycle, extra=30)
    large = f.session(org.hr_admin.user, large_cycle, [org.sales], name="大校准会")
    client = client_for("hr_admin")
    counts = []
    for uuid in (small.session.uuid, large.uuid):
        for tail in ("", "/entries"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(f"/api/v1/calibration-sessions/{uuid}{tail}").status_code == 200
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:]


# --- a change ---


def test_a_change_through_the_api(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    response = client_for("committee").post(
        changes_url(entry),
        json.dumps({"grade": "C", "potential": "mid", "reason": "回款不达标"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["grade"], body["potential"], body["box"], body["box_code"], body["changed"]) == (
        "C",
        "mid",
        4,
        "inconsistent",
        True,
    )
    entry.refresh_from_db()
    assert entry.grade == "C"
    audit = AuditEntry.objects.get(object_type="calibration.calibrationentry")
    assert audit.channel == "api"
    assert audit.reason == "回款不达标"


def test_a_change_without_a_reason_is_refused_in_the_error_shape(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    response = client_for("hr_admin").post(
        changes_url(entry), json.dumps({"grade": "A"}), content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"]["reason"] == ["Give the reason for the change."]
    garbage = client_for("hr_admin").post(changes_url(entry), "{", content_type="application/json")
    assert garbage.status_code == 400
    entry.refresh_from_db()
    assert entry.grade == "B"
    assert not CalibrationChange.objects.exists()


def test_changes_are_refused_to_observers_strangers_oneself_and_closed_sessions(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    payload = json.dumps({"grade": "A", "reason": "x"})

    def post(client: Client, target: CalibrationEntry = entry) -> int:
        return client.post(
            changes_url(target), payload, content_type="application/json"
        ).status_code

    assert post(client_for("outsider")) == 403
    assert post(client_for("employee")) == 404
    assert post(client_for("manager"), sales.entry("manager")) == 404
    assert post(token_client(org.hr_admin.user, [READ])) == 403
    session_close(actor=Actor(org.hr_admin.user), session=sales.session, reason="人少")
    assert post(client_for("hr_admin")) == 403
    assert not CalibrationChange.objects.exists()


def test_a_write_token_may_change(org: TestOrg, sales: f.SalesSession) -> None:
    entry = sales.entry("peer")
    client = token_client(org.hr_admin.user, [WRITE])
    response = client.post(
        changes_url(entry),
        json.dumps({"score": "88", "reason": "补录数据"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["score"] == "88.00"
