"""GET /api/v1/calibration-entries/{uuid}: one person in a session with their changes —
what it answers, the same queries whatever the history, and who is refused (a token
without the read scope, who does not see the session, the person themself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.calibration.models import CalibrationEntry
from pms.calibration.services.entries import entry_change
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
READ, WRITE = "read_calibration", "write_calibration"


@pytest.fixture
def sales(org: TestOrg) -> f.SalesSession:
    return f.sales_session(org)


def token_client(user: Any, scopes: list[str]) -> Client:
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def entry_url(entry: CalibrationEntry) -> str:
    return f"/api/v1/calibration-entries/{entry.uuid}"


def test_one_entry_with_its_changes(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    # given: the peer moved up, then their score set with another reason
    entry = sales.entry("peer")
    entry_change(
        actor=Actor(org.hr_admin.user),
        entry=entry,
        reason="大客户续约",
        grade="A",
        potential="high",
    )
    entry_change(actor=Actor(org.committee), entry=entry, reason="补录回款", score="91")

    # when
    response = client_for("committee").get(entry_url(entry))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(entry.uuid)
    assert (body["employee"], body["employee_number"], body["department"]) == (
        org.peer.name,
        org.peer.number,
        "销售一部",
    )
    # a score alone takes its band's grade
    assert (body["proposed_grade"], body["grade"], body["score"]) == ("B", "S", "91.00")
    assert (body["potential"], body["changed"]) == ("high", True)
    assert body["session"] == str(sales.session.uuid)
    assert (body["session_name"], body["session_status"]) == ("销售中心校准会", "open")
    assert body["cycle"] == str(sales.session.cycle.uuid)
    changes = [(c["field"], c["before"], c["after"], c["reason"], c["by"]) for c in body["changes"]]
    assert changes[:2] == [
        ("grade", "B", "A", "大客户续约", org.hr_admin.user.display_name),
        ("potential", "", "high", "大客户续约", org.hr_admin.user.display_name),
    ]
    later = {(c[0], c[2]) for c in changes[2:]}
    assert later == {("score", "91.00"), ("grade", "S")}
    assert {c[3:] for c in changes[2:]} == {("补录回款", org.committee.display_name)}
    assert all(c["at"] for c in body["changes"])
    # the same as the paged history
    paged = client_for("committee").get(f"{entry_url(entry)}/changes").json()
    assert paged["count"] == len(body["changes"])


def test_an_observer_and_a_read_token_read_it(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("employee")
    assert client_for("outsider").get(entry_url(entry)).status_code == 200  # the observer
    assert token_client(org.hr_admin.user, [READ]).get(entry_url(entry)).status_code == 200


def test_a_token_without_the_read_scope_is_refused(org: TestOrg, sales: f.SalesSession) -> None:
    for scopes in (["read_reviews"], [WRITE]):
        response = token_client(org.hr_admin.user, scopes).get(entry_url(sales.entry("peer")))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "missing_scope"


def test_who_does_not_see_the_session_finds_nothing(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    for persona in ("employee", "peer", "other_manager"):
        response = client_for(persona).get(entry_url(entry))
        assert response.status_code == 404, persona
        assert response.json()["error"]["code"] == "not_found"
    assert Client().get(entry_url(entry)).status_code == 401
    assert (
        client_for("hr_admin").get(f"/api/v1/calibration-entries/{org.hq.uuid}").status_code == 404
    )


def test_nobody_reads_their_own_entry(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    # the manager sits on the session as its department head, and is calibrated in it
    own = client_for("manager").get(entry_url(sales.entry("manager")))
    assert own.status_code == 404
    assert client_for("manager").get(entry_url(sales.entry("peer"))).status_code == 200
    token = token_client(org.manager.user, [READ])
    assert token.get(entry_url(sales.entry("manager"))).status_code == 404


def test_the_same_queries_whatever_the_history(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    client = client_for("hr_admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(entry_url(entry)).status_code == 200
        return len(captured.captured_queries)

    first = count()
    for n, grade in enumerate(["A", "S", "C", "B", "A"]):
        entry_change(actor=Actor(org.hr_admin.user), entry=entry, reason=f"第{n}次", grade=grade)
    assert entry.changes.count() == 5
    assert count() == first


def test_the_endpoint_is_described_in_openapi(client_for: ClientFor) -> None:
    schema = client_for("employee").get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/calibration-entries/{uuid}"]["get"]
    assert "200" in operation["responses"]
    assert "404" in operation["responses"]
    assert "EntryDetailOut" in schema["components"]["schemas"]
