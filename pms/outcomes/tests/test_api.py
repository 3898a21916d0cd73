"""The results API: my results, one result, a cycle's results for HR (paged, filtered) and
appeals — the page's access rules, the ``read_results`` scope for tokens, the error shape,
and an OpenAPI description that builds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import Appeal, PerformanceResult
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    target = getattr(org, persona)
    user = target.user if hasattr(target, "user") else target
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="ERP", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_my_results(org: TestOrg, mine: PerformanceResult, client_for: Clients) -> None:
    response = client_for("employee").get("/api/v1/performance-results/mine")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["uuid"], item["grade"], item["coefficient"], item["ack_status"]) == (
        str(mine.uuid),
        "A",
        "1.20",
        "pending",
    )
    assert client_for("manager").get("/api/v1/performance-results/mine").json()["count"] == 1


def test_one_result_with_its_explanation(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    response = client_for("manager").get(f"/api/v1/performance-results/{mine.uuid}")

    assert response.status_code == 200
    body = response.json()
    assert body["explanation"][-1] == "Grade A carries the coefficient 1.20"
    assert body["changes"][0]["source"] == "calibration"
    assert body["changes"][0]["reason"]
    assert body["appeal_until"]
    refused = client_for("peer").get(f"/api/v1/performance-results/{mine.uuid}")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"


def test_an_appeal_s_reason_stays_hidden_from_managers(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    appeal = appeal_services.appeal_file(
        actor=Actor(user=org.employee.user), result=mine, reasons="口径不一致"
    )
    appeal_services.appeal_decide(
        actor=Actor(user=org.hrbp.user),
        appeal=appeal,
        outcome=appeal_services.Outcome.ADJUSTED,
        decision="申诉复核后调整为S档",
        new_grade="S",
    )
    manager = client_for("manager").get(f"/api/v1/performance-results/{mine.uuid}").json()
    person = client_for("employee").get(f"/api/v1/performance-results/{mine.uuid}").json()
    assert [c["reason"] for c in manager["changes"]][-1] is None
    assert [c["reason"] for c in person["changes"]][-1] == "申诉复核后调整为S档"
    assert "申诉复核" not in str(manager)


def test_a_cycle_s_results_for_hr_paged_and_filtered(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    client = client_for("hrbp")
    base = f"/api/v1/review-cycles/{published.uuid}/performance-results"

    body = client.get(base).json()
    assert body["count"] == 4
    assert client.get(base, {"grade": "A"}).json()["count"] == 2
    assert client.get(base, {"department": str(org.sales2.uuid)}).json()["count"] == 1
    assert client.get(base, {"page_size": 1, "page": 2}).json()["items"][0]["employee_number"]
    bad = client.get(base, {"grade": "Z"})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {"grade": ["Choose a grade."]}
    outside = client.get(base, {"department": str(org.rnd.uuid)})
    assert outside.status_code == 422
    assert client_for("employee").get(base).status_code == 403
    assert (
        client.get(f"/api/v1/review-cycles/{uuid.uuid4()}/performance-results").status_code == 404
    )


def test_a_cycle_s_results_queries_do_not_grow(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    client = client_for("hr_admin")
    base = f"/api/v1/review-cycles/{published.uuid}/performance-results"
    client.get(base)
    with CaptureQueriesContext(connection) as first:
        client.get(base)
    for person in rf.extra_peers(org.employee, 5):
        of.scored_review(published, person, "70.00", "B")
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    with CaptureQueriesContext(connection) as second:
        assert client.get(base).json()["count"] == 10
    assert len(second.captured_queries) == len(first.captured_queries)


def test_tokens_need_the_results_scope(
    org: TestOrg, published: Cycle, mine: PerformanceResult
) -> None:
    without = token_client(org, "hrbp", ["read_reviews"])
    response = without.get(f"/api/v1/review-cycles/{published.uuid}/performance-results")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"
    with_scope = token_client(org, "hrbp", ["read_results"])
    assert (
        with_scope.get(f"/api/v1/review-cycles/{published.uuid}/performance-results").status_code
        == 200
    )
    assert (
        token_client(org, "employee", ["read_results"])
        .get(f"/api/v1/performance-results/{mine.uuid}")
        .status_code
        == 200
    )
    assert Client().get("/api/v1/performance-results/mine").status_code == 401


def test_appeals_read(org: TestOrg, mine: PerformanceResult, client_for: Clients) -> None:
    appeal: Appeal = appeal_services.appeal_file(
        actor=Actor(user=org.employee.user), result=mine, reasons="口径不一致"
    )

    person = client_for("employee").get("/api/v1/appeals").json()
    assert [a["uuid"] for a in person["items"]] == [str(appeal.uuid)]
    assert person["items"][0]["reasons"] == "口径不一致"
    hr = client_for("hrbp").get("/api/v1/appeals", {"state": "open"}).json()
    assert hr["count"] == 1
    assert hr["items"][0]["handler"] == org.hrbp.user.display_name  # type: ignore[union-attr]
    assert client_for("manager").get("/api/v1/appeals").json()["count"] == 0
    assert client_for("manager").get(f"/api/v1/appeals/{appeal.uuid}").status_code == 404
    assert client_for("hrbp").get(f"/api/v1/appeals/{appeal.uuid}").json()["overdue"] is False
    bad = client_for("hrbp").get("/api/v1/appeals", {"state": "nonsense"})
    assert bad.status_code == 422


def test_the_openapi_description_builds(org: TestOrg, client_for: Clients) -> None:
    response = client_for("employee").get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths: dict[str, Any] = response.json()["paths"]
    assert "/api/v1/performance-results/mine" in paths
    assert "/api/v1/review-cycles/{uuid}/performance-results" in paths
    assert "/api/v1/appeals/{uuid}" in paths
