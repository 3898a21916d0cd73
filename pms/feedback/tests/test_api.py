"""/api/v1/feedback: the same rules as the pages, the one error shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from pms.core.models import AuditEntry
from pms.core.tests.test_api_support import assert_error, token_client
from pms.feedback.models import Feedback, FeedbackRequest, RequestStatus
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

from . import factories as ff
from .test_pages import same_queries

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
Queries = Callable[[int], Any]


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_received_lists_named_feedback_only(org: TestOrg, client_for: ClientFor) -> None:
    item = ff.give(org.employee, org.manager, behaviour="署名")
    for person in (org.employee, org.peer, of.employee(dept=org.sales1, manager=org.manager)):
        ff.anonymous(person, org.manager)

    body = json.loads(client_for("manager").get("/api/v1/feedback/received").content)

    assert body["count"] == 1
    [row] = body["items"]
    assert row["uuid"] == str(item.uuid)
    assert row["giver"]["name"] == org.employee.name


def test_received_queries_do_not_grow(
    org: TestOrg, client_for: ClientFor, django_assert_num_queries: Queries
) -> None:
    def grow(count: int = 12) -> None:
        for _ in range(count):
            ff.give(of.employee(dept=org.rnd, manager=org.ceo), org.employee)

    grow(1)
    response = same_queries(
        django_assert_num_queries, client_for("employee"), "/api/v1/feedback/received", grow
    )

    assert json.loads(response.content)["count"] == 13


def test_giving_feedback(org: TestOrg, client_for: ClientFor) -> None:
    response = post(
        client_for("employee"),
        "/api/v1/feedback",
        {
            "receiver": str(org.peer.uuid),
            "kind": "recognition",
            "behaviour": "帮忙",
            "public": True,
        },
    )

    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    item = Feedback.objects.get()
    assert body["uuid"] == str(item.uuid)
    assert item.public
    assert AuditEntry.objects.get(object_type="feedback.feedback").channel == "api"


def test_anonymous_feedback_answers_without_an_id(org: TestOrg, client_for: ClientFor) -> None:
    response = post(
        client_for("employee"),
        "/api/v1/feedback",
        {
            "receiver": str(org.manager.uuid),
            "kind": "constructive",
            "behaviour": "常变",
            "impact": "返工",
            "anonymous": True,
        },
    )

    assert response.status_code == 202
    body = json.loads(response.content)
    assert set(body) == {"anonymous", "window"}
    assert Feedback.objects.get().giver is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "constructive", "behaviour": "x"}, "impact"),
        ({"kind": "recognition", "behaviour": "x", "anonymous": True}, "anonymous"),
        ({"kind": "praise", "behaviour": "x"}, "kind"),
        ({"kind": "recognition", "behaviour": "x", "goal": "not-a-uuid"}, "goal"),
    ],
)
def test_bad_feedback_gets_the_error_shape(
    org: TestOrg, client_for: ClientFor, body: dict[str, Any], field: str
) -> None:
    response = post(
        client_for("employee"), "/api/v1/feedback", {"receiver": str(org.peer.uuid), **body}
    )

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"]
    assert not Feedback.objects.exists()


def test_feedback_to_oneself_or_unknown_is_refused(org: TestOrg, client_for: ClientFor) -> None:
    for receiver in (org.employee.uuid, org.hq.uuid):
        response = post(
            client_for("employee"),
            "/api/v1/feedback",
            {"receiver": str(receiver), "kind": "recognition", "behaviour": "x"},
        )
        assert "receiver" in assert_error(response, 422, "validation_error")["fields"]
    assert not Feedback.objects.exists()


def test_accounts_without_employee_record_get_404(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("sysadmin")
    assert_error(client.get("/api/v1/feedback/received"), 404, "not_found")
    assert_error(
        post(client, "/api/v1/feedback", {"receiver": str(org.peer.uuid), "kind": "recognition"}),
        404,
        "not_found",
    )


def test_tokens_need_the_scopes(org: TestOrg) -> None:
    client = token_client(org.employee, "read_org")
    assert_error(client.get("/api/v1/feedback/received"), 403, "missing_scope")
    assert_error(
        post(client, "/api/v1/feedback", {"receiver": str(org.peer.uuid), "kind": "recognition"}),
        403,
        "missing_scope",
    )
    assert_error(Client().get("/api/v1/feedback/received"), 401, "not_authenticated")


def test_detail_is_for_the_circle_only(org: TestOrg, client_for: ClientFor) -> None:
    item = ff.give(org.peer, org.employee)
    url = f"/api/v1/feedback/items/{item.uuid}"

    assert client_for("manager").get(url).status_code == 200
    assert_error(client_for("outsider").get(url), 404, "not_found")


def test_praise_wall(org: TestOrg, client_for: ClientFor) -> None:
    ff.give(org.peer, org.employee, public=True)
    ff.give(org.peer, org.employee)

    body = json.loads(client_for("outsider").get("/api/v1/feedback/praise").content)

    assert body["count"] == 1


def test_requests_ask_answer_decline(org: TestOrg, client_for: ClientFor) -> None:
    asked = post(
        client_for("employee"),
        "/api/v1/feedback/requests",
        {"asked": str(org.outsider.uuid), "about": "我的方案"},
    )
    assert asked.status_code == 201
    uuid = json.loads(asked.content)["uuid"]
    listed = json.loads(client_for("outsider").get("/api/v1/feedback/requests").content)
    assert [r["uuid"] for r in listed["items"]] == [uuid]
    made = json.loads(client_for("employee").get("/api/v1/feedback/requests?role=made").content)
    assert made["count"] == 1

    refused = post(
        client_for("employee"),
        f"/api/v1/feedback/requests/{uuid}/answer",
        {"kind": "recognition", "behaviour": "x"},
    )
    assert_error(refused, 403, "forbidden")
    assert_error(
        post(client_for("peer"), f"/api/v1/feedback/requests/{uuid}/decline", {}), 404, "not_found"
    )
    answered = post(
        client_for("outsider"),
        f"/api/v1/feedback/requests/{uuid}/answer",
        {"kind": "recognition", "behaviour": "清晰"},
    )
    assert answered.status_code == 201
    assert FeedbackRequest.objects.get().status == RequestStatus.ANSWERED
    again = post(client_for("outsider"), f"/api/v1/feedback/requests/{uuid}/decline", {})
    assert_error(again, 403, "forbidden")


def test_declining_through_the_api(org: TestOrg, client_for: ClientFor) -> None:
    request = ff.ask(org.employee, org.outsider)

    response = post(
        client_for("outsider"),
        f"/api/v1/feedback/requests/{request.uuid}/decline",
        {"reason": "忙"},
    )

    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "declined"


def test_upward_summary_has_no_people(org: TestOrg, client_for: ClientFor) -> None:
    for person in (org.employee, org.peer, of.employee(dept=org.sales1, manager=org.manager)):
        ff.anonymous(person, org.manager)

    body = json.loads(client_for("manager").get("/api/v1/feedback/upward").content)

    assert body["k"] == 3
    assert body["windows"][0]["shown"] == 3
    assert set(body["windows"][0]["comments"][0]) == {
        "kind",
        "situation",
        "behaviour",
        "impact",
        "suggestion",
    }
    empty = json.loads(client_for("employee").get("/api/v1/feedback/upward").content)
    assert empty["windows"] == []
