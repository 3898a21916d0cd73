"""/api/v1/my-ratings and /api/v1/ratings/{uuid}: only the rater, the same rules as the
pages, scopes for tokens."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from pms.core.tests.test_api_support import api_audit, assert_error, token_client
from pms.org.tests.factories import TestOrg
from pms.reviews.models import Answer, Phase, RaterType, Rating, RatingStatus
from pms.reviews.selectors.ratings import item_key
from pms.reviews.tests import factories as rf

NOW = dt.datetime(2027, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
READ, WRITE = "read_reviews", "write_reviews"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rating(org: TestOrg) -> Rating:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.PEER)
    return rf.rating(rf.review(cycle, org.employee), org.peer, RaterType.PEER)


def url(rating: Rating, tail: str = "") -> str:
    return f"/api/v1/ratings/{rating.uuid}{tail}"


def complete(rating: Rating) -> dict[str, Any]:
    return {
        "answers": {
            item_key(item): {"value": "A"} for item in rf.competency_items(rating.review.template)
        }
    }


def get(client: Client, path: str) -> Any:
    return client.get(path)


def put(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.put(path, data=json.dumps(body), content_type="application/json")


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def test_my_to_do(org: TestOrg, rating: Rating) -> None:
    response = token_client(org.peer, READ).get("/api/v1/my-ratings")
    assert response.status_code == 200
    body = response.json()
    assert body["open_count"] == 1
    (item,) = body["items"]
    assert item["uuid"] == str(rating.uuid)
    assert item["reviewee"]["name"] == org.employee.name
    assert item["rater_type"] == "peer"
    assert item["open_now"] is True
    assert item["overdue"] is False


def test_scopes(org: TestOrg, rating: Rating) -> None:
    assert_error(
        get(token_client(org.peer, "read_org"), "/api/v1/my-ratings"), 403, "missing_scope"
    )
    reader = token_client(org.peer, READ)
    assert reader.get(url(rating)).status_code == 200
    assert_error(put(reader, url(rating), complete(rating)), 403, "missing_scope")
    assert not Answer.objects.exists()


def test_one_rating_with_its_questions(org: TestOrg, rating: Rating) -> None:
    body = token_client(org.peer, READ).get(url(rating)).json()
    assert body["editable"] is True
    assert body["can_decline"] is True
    assert [s["kind"] for s in body["sections"]] == ["goals", "competencies", "questions"]
    competency = body["sections"][1]["questions"][0]
    assert competency["mode"] == "scale"
    assert competency["scale"]["kind"] == "levels"
    assert competency["choices"][0] == {
        "value": "S",
        "label": "S",
        "anchor": "客户导向：在团队中树立标杆",
    }


@pytest.mark.parametrize("persona", ["employee", "manager", "hr_admin", "outsider"])
def test_only_the_rater(org: TestOrg, rating: Rating, persona: str) -> None:
    client = token_client(getattr(org, persona), READ, WRITE)
    assert_error(get(client, url(rating)), 404, "not_found")
    assert_error(put(client, url(rating), complete(rating)), 404, "not_found")
    assert_error(post(client, url(rating, "/submit")), 404, "not_found")
    assert_error(post(client, url(rating, "/decline"), {"reason": "x"}), 404, "not_found")
    assert not Answer.objects.exists()


def test_a_draft_and_a_bad_value(org: TestOrg, rating: Rating) -> None:
    client = token_client(org.peer, READ, WRITE)
    first = rf.competency_items(rating.review.template)[0]
    response = put(client, url(rating), {"answers": {item_key(first): {"value": "B"}}})
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert Answer.objects.get(rating=rating).value == "B"

    error = assert_error(
        put(client, url(rating), {"answers": {item_key(first): {"value": "Z"}}}),
        422,
        "validation_error",
    )
    assert error["fields"][item_key(first)] == ["Choose one of S, A, B, C, D."]
    assert Answer.objects.get(rating=rating).value == "B"


def test_submit_checks_then_locks(org: TestOrg, rating: Rating) -> None:
    client = token_client(org.peer, READ, WRITE)
    error = assert_error(post(client, url(rating, "/submit")), 422, "validation_error")
    assert len(error["fields"]) == 3  # the three competencies
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PENDING

    response = post(client, url(rating, "/submit"), complete(rating))
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert response.json()["editable"] is False
    rating.refresh_from_db()
    assert rating.status == RatingStatus.SUBMITTED
    (entry,) = api_audit(rating)
    assert entry.after == {"status": "submitted"}

    assert_error(put(client, url(rating), complete(rating)), 403, "forbidden")
    assert_error(post(client, url(rating, "/decline"), {"reason": "x"}), 403, "forbidden")


def test_decline(org: TestOrg, rating: Rating) -> None:
    client = token_client(org.peer, READ, WRITE)
    error = assert_error(
        post(client, url(rating, "/decline"), {"reason": ""}), 422, "validation_error"
    )
    assert error["fields"]["reason"] == ["Give a reason."]
    response = post(client, url(rating, "/decline"), {"reason": "没有合作"})
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_a_closed_phase_refuses_writes(org: TestOrg, rating: Rating) -> None:
    rating.review.cycle.phase = Phase.MANAGER
    rating.review.cycle.save(update_fields=["phase"])
    client = token_client(org.peer, READ, WRITE)
    assert client.get(url(rating)).json()["editable"] is False
    assert_error(put(client, url(rating), complete(rating)), 403, "forbidden")
    assert not Answer.objects.exists()
