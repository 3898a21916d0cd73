"""The results API: a review's result with the same access and anonymity as the page, HR's
paged results of a cycle, and starting a recomputation or a freeze."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.goals.models import Period
from pms.goals.tests import factories as goal_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import Phase, RecomputeRun, RecomputeStatus, Review, ReviewResult
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
Capture = Callable[..., Any]


@pytest.fixture
def period() -> Period:
    return goal_factories.period("2026年度")


@pytest.fixture
def released(org: TestOrg, period: Period) -> Review:
    peers = [org.peer, *rf.extra_peers(org.employee, 2)]
    return rf.rated_review(org.employee, org.manager, peers, the_period=period)


def result_url(review: Review) -> str:
    return f"/api/v1/reviews/{review.uuid}/result"


def token_client(org: TestOrg, persona: str, scopes: list[str]) -> Client:
    user = getattr(org, persona).user
    _token, raw = api_token_create(actor=Actor.system(), user=user, name="集成", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_reviewee_reads_the_result_as_on_the_page(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    response = client_for("employee").get(result_url(released))

    assert response.status_code == 200
    body = response.json()
    assert body["review"]["uuid"] == str(released.uuid)
    assert body["score"] == str(released.score)
    assert body["computed"] is True
    goals = body["sections"][0]["goals"]
    assert goals[0]["title"] == "销售额"
    assert goals[0]["actual"] == "450"
    assert goals[0]["explanation"]
    (peer,) = body["anonymous"]
    assert peer["released"] is True
    assert peer["sections"][0]["items"][0]["distribution"]["B"] == 3
    assert {n["rater_type"] for n in body["named"]} == {"manager", "self"}
    text = json.dumps(body, ensure_ascii=False)
    for rating in released.ratings.filter(anonymous=True).select_related("rater"):
        assert rating.rater.name not in text
        assert rating.rater.number not in text
        assert str(rating.uuid) not in text
        assert rating.submitted_at is not None
        assert timezone.localtime(rating.submitted_at).isoformat()[:16] not in text
        assert rating.submitted_at.isoformat()[:16] not in text


def test_a_token_needs_the_read_scope(org: TestOrg, released: Review) -> None:
    assert (
        token_client(org, "employee", ["read_reviews"]).get(result_url(released)).status_code == 200
    )
    refused = token_client(org, "employee", ["read_org"]).get(result_url(released))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]


def test_the_result_is_refused_like_the_page(
    org: TestOrg, released: Review, period: Period, client_for: Clients
) -> None:
    for persona in ("peer", "outsider"):
        response = client_for(persona).get(result_url(released))
        assert response.status_code == 404, persona
        assert response.json()["error"]["code"]
    early = rf.rated_review(
        org.peer, org.manager, [], the_period=goal_factories.period("2027年度"), phase=Phase.MANAGER
    )
    assert client_for("peer").get(result_url(early)).status_code == 403
    assert Client().get(result_url(released)).status_code == 401


def test_hr_lists_a_cycle_results_in_pages(
    org: TestOrg, released: Review, client_for: Clients, django_assert_num_queries: Any
) -> None:
    target = f"/api/v1/review-cycles/{released.cycle.uuid}/results"
    response = client_for("hr_admin").get(target, {"page_size": 10})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["items"]
    assert row["review"] == str(released.uuid)
    assert row["score"] == str(released.score)
    assert (row["computed"], row["frozen"]) == (True, False)
    assert client_for("hrbp").get(target).status_code == 200
    for persona in ("employee", "manager"):
        assert client_for(persona).get(target).status_code == 403, persona

    client = client_for("hr_admin")
    client.get(target)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(target)
    for person in rf.extra_peers(org.employee, 4):
        rf.review(released.cycle, person)
    with django_assert_num_queries(len(first)):
        client.get(target)


def test_hr_starts_a_recomputation_and_a_freeze(
    org: TestOrg, released: Review, client_for: Clients, django_capture_on_commit_callbacks: Capture
) -> None:
    target = f"/api/v1/review-cycles/{released.cycle.uuid}/recompute"
    client = client_for("hr_admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(target, {"freeze": True}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["freeze"] is True
    assert RecomputeRun.objects.get().status == RecomputeStatus.DONE
    assert ReviewResult.objects.get(review=released, is_current=True).frozen

    refused = client.post(target, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 422
    assert "reason" in refused.json()["error"]["fields"]
    assert RecomputeRun.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(target, {"reason": "数据更正"}, content_type="application/json")
    assert again.status_code == 202
    assert again.json()["reason"] == "数据更正"


def test_recomputing_is_refused_to_others(
    org: TestOrg, released: Review, client_for: Clients
) -> None:
    target = f"/api/v1/review-cycles/{released.cycle.uuid}/recompute"
    for persona in ("hrbp", "manager", "employee"):
        response = client_for(persona).post(target, {}, content_type="application/json")
        assert response.status_code == 403, persona
    reader = token_client(org, "hr_admin", ["read_reviews"])
    assert reader.post(target, {}, content_type="application/json").status_code == 403
    assert not RecomputeRun.objects.exists()
