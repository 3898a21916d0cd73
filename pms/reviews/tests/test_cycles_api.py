"""/api/v1/review-cycles: lists and details for members, the monitor (counts only) for HR,
advancing for company-wide HR with the write scope; refusals and bad input in the one
error shape."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg, employee
from pms.reviews.models import Cycle, CycleStatus, Phase
from pms.reviews.services import launch
from pms.reviews.tests import factories as rf
from pms.reviews.tests.test_launch_services import sales_cycle

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def running(org: TestOrg, hr: Actor) -> Cycle:
    return launch.cycle_launch(
        actor=hr,
        cycle=sales_cycle(
            org, hr, rf.template(), deadlines={Phase.SELF: (None, dt.date(2027, 1, 10))}
        ),
    )


@pytest.fixture
def draft(org: TestOrg, hr: Actor) -> Cycle:
    return sales_cycle(org, hr, rf.template(), name="草稿")


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    user = getattr(org, persona).user
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_members_list_running_cycles_hr_drafts_too(
    client_for: ClientFor, running: Cycle, draft: Cycle
) -> None:
    mine = client_for("employee").get("/api/v1/review-cycles").json()
    assert [c["name"] for c in mine["items"]] == [running.name]
    assert mine["items"][0]["reviews"] == 5
    everything = client_for("hr_admin").get("/api/v1/review-cycles").json()
    assert {c["name"] for c in everything["items"]} == {running.name, draft.name}


def test_detail_has_the_phases(client_for: ClientFor, running: Cycle, draft: Cycle) -> None:
    body = client_for("employee").get(f"/api/v1/review-cycles/{running.uuid}").json()
    assert body["status"] == "running"
    assert [p["phase"] for p in body["phases"]] == list(Phase.values)
    assert body["phases"][1]["deadline"] == "2027-01-10"
    for address in (f"/api/v1/review-cycles/{draft.uuid}", f"/api/v1/review-cycles/{uuid.uuid4()}"):
        refused = client_for("employee").get(address)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"


def test_the_monitor_is_hr_and_counts_only(
    client_for: ClientFor, org: TestOrg, running: Cycle
) -> None:
    address = f"/api/v1/review-cycles/{running.uuid}/monitor"
    body = client_for("hrbp").get(address).json()
    assert body["reviews"] == 5
    self_phase = next(p for p in body["phases"] if p["phase"] == "self")
    assert (self_phase["asked"], self_phase["submitted"]) == (5, 0)
    text = str(body)
    for name in ("陈员工", "刘同事", "张经理", "E0004"):
        assert name not in text
    focused = client_for("hr_admin").get(address, {"department": str(org.sales.uuid)}).json()
    assert {d["name"] for d in focused["departments"]} == {"销售中心", "销售一部", "销售二部"}

    assert client_for("manager").get(address).status_code == 403
    bad = client_for("hr_admin").get(address, {"department": "nope", "rater_type": "boss"})
    assert bad.status_code == 422
    bad = client_for("hrbp").get(address, {"department": str(org.rnd.uuid)})
    assert bad.json()["error"]["fields"] == {"department": ["Choose a department in your scope."]}
    bad = client_for("hr_admin").get(address, {"rater_type": "boss"})
    assert bad.json()["error"]["fields"] == {"rater_type": ["Choose a rater type."]}


def test_advance_needs_company_hr_and_the_write_scope(
    client_for: ClientFor, org: TestOrg, running: Cycle
) -> None:
    address = f"/api/v1/review-cycles/{running.uuid}/advance"
    assert client_for("hrbp").post(address).status_code == 403
    assert client_for("employee").post(address).status_code == 403
    reader = token_client(org, "hr_admin", ["read_reviews"])
    refused = reader.post(address)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    running.refresh_from_db()
    assert running.phase == Phase.GOALS

    writer = token_client(org, "hr_admin", ["read_reviews", "write_reviews"])
    moved = writer.post(address)
    assert moved.status_code == 200
    assert moved.json()["phase"] == "self"
    running.refresh_from_db()
    assert running.phase == Phase.SELF


def test_advance_refused_for_a_draft_with_a_message(client_for: ClientFor, draft: Cycle) -> None:
    response = client_for("hr_admin").post(f"/api/v1/review-cycles/{draft.uuid}/advance")
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "This cycle is not running."
    draft.refresh_from_db()
    assert draft.status == CycleStatus.DRAFT


def test_reads_need_the_read_scope_and_a_signed_in_caller(org: TestOrg, running: Cycle) -> None:
    assert Client().get("/api/v1/review-cycles").status_code == 401
    other = token_client(org, "hr_admin", ["read_org"])
    assert other.get("/api/v1/review-cycles").json()["error"]["code"] == "missing_scope"


def test_list_and_monitor_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    client = client_for("hr_admin")
    counts: dict[str, list[int]] = {"list": [], "monitor": []}
    tpl = rf.template()
    for size in (1, 6):
        for n in range(size):
            employee(f"人{size}-{n}", dept=org.sales2, manager=org.other_manager)
        cycle = launch.cycle_launch(actor=hr, cycle=sales_cycle(org, hr, tpl, name=f"规模{size}"))
        for name, address in (
            ("list", "/api/v1/review-cycles"),
            ("monitor", f"/api/v1/review-cycles/{cycle.uuid}/monitor"),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address).status_code == 200
            counts[name].append(len(captured.captured_queries))
    for name, (small, large) in counts.items():
        assert small == large, name


def test_bad_page_numbers_are_refused(client_for: ClientFor, running: Cycle) -> None:
    response = client_for("employee").get("/api/v1/review-cycles", {"page": "0"})
    assert response.status_code == 422
