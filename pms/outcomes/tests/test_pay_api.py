"""The pay API: plans and their lines, paged, for HR (an HRBP's scope), with the
``read_pay`` scope for tokens; "not found" for everybody else."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.models import User
from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import BonusLine, BonusPlan, RaisePlan
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.tests import pay_factories as pf

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
D = Decimal


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    who = getattr(org, persona)
    user = who if isinstance(who, User) else who.user
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="薪酬系统", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def plans(org: TestOrg) -> tuple[BonusPlan, RaisePlan]:
    hr = pf.hr_actor(org.hr_admin)
    cycle = pf.results_cycle("2025年度考核")
    for person, grade in ((org.employee, "A"), (org.peer, "B"), (org.outsider, "S")):
        pf.result(cycle, person, grade)
    bonus = pf.bonus_plan(hr, cycle, name="年终奖")
    pf.set_bases(hr, bonus, {org.employee: "10000", org.outsider: "20000"})
    bonus_services.bonus_plan_compute(actor=hr, plan=bonus)
    return bonus, pf.raise_plan(hr, cycle, name="调薪")


def test_hr_reads_plans_and_lines(org: TestOrg, plans: tuple[BonusPlan, RaisePlan]) -> None:
    bonus, raises = plans
    client = token_client(org, "hr_admin", ["read_pay"])
    listed = client.get("/api/v1/bonus-plans").json()
    assert listed["count"] == 1
    [item] = listed["items"]
    assert (item["name"], item["people"], item["total"], item["method"]) == (
        "年终奖",
        3,
        "42000.00",
        "base",
    )
    lines = client.get(f"/api/v1/bonus-plans/{bonus.uuid}/lines", {"page_size": 2}).json()
    assert (lines["count"], lines["pages"], len(lines["items"])) == (3, 2, 2)
    everyone = client.get(f"/api/v1/bonus-plans/{bonus.uuid}/lines").json()["items"]
    mine = next(line for line in everyone if line["employee_number"] == "E0004")
    assert (mine["grade"], mine["coefficient"], mine["base"], mine["amount"]) == (
        "A",
        "1.20",
        "10000.00",
        "12000.00",
    )
    raise_lines = client.get(f"/api/v1/raise-plans/{raises.uuid}/lines").json()
    assert raise_lines["count"] == 3
    assert client.get("/api/v1/raise-plans").json()["items"][0]["matrix"]["A"]["q2"] == "7"


def test_an_hrbp_gets_the_lines_of_their_scope(
    org: TestOrg, plans: tuple[BonusPlan, RaisePlan]
) -> None:
    bonus, _raises = plans
    client = token_client(org, "hrbp", ["read_pay"])
    lines = client.get(f"/api/v1/bonus-plans/{bonus.uuid}/lines").json()
    assert {line["employee_number"] for line in lines["items"]} == {"E0004", "E0005"}
    [item] = client.get("/api/v1/bonus-plans").json()["items"]
    assert (item["people"], item["total"]) == (2, "12000.00")


def test_a_token_needs_the_read_pay_scope(org: TestOrg, plans: tuple[BonusPlan, RaisePlan]) -> None:
    bonus, raises = plans
    client = token_client(org, "hr_admin", ["read_results", "read_reviews"])
    for path in (
        "/api/v1/bonus-plans",
        f"/api/v1/bonus-plans/{bonus.uuid}/lines",
        "/api/v1/raise-plans",
        f"/api/v1/raise-plans/{raises.uuid}/lines",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "missing_scope"


def test_colleagues_get_not_found(
    org: TestOrg, client_for: ClientFor, plans: tuple[BonusPlan, RaisePlan]
) -> None:
    bonus, raises = plans
    for persona in ("employee", "manager", "ceo"):
        clients = [token_client(org, persona, ["read_pay"]), client_for(persona)]
        for client in clients:
            for path in (
                "/api/v1/bonus-plans",
                f"/api/v1/bonus-plans/{bonus.uuid}/lines",
                f"/api/v1/raise-plans/{raises.uuid}/lines",
            ):
                response = client.get(path)
                assert response.status_code == 404, (persona, path)
                assert response.json()["error"]["code"] == "not_found"
    assert Client().get("/api/v1/bonus-plans").status_code == 401


def test_lines_take_the_same_queries_at_two_sizes(org: TestOrg) -> None:
    hr = pf.hr_actor(org.hr_admin)
    client = token_client(org, "hrbp", ["read_pay"])
    client.get("/api/v1/bonus-plans")  # the token's first use is recorded once
    counts = []
    for size in (2, 12):
        cycle = pf.results_cycle()
        for person in pf.people(org.sales2, size):
            pf.result(cycle, person, "B")
        plan = pf.bonus_plan(hr, cycle)
        BonusLine.objects.filter(plan=plan).update(amount=D("100"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/bonus-plans/{plan.uuid}/lines")
        assert response.json()["count"] == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
