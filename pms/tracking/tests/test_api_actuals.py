"""The tracking API: pushing values (write_actuals), reading values, history, progress and
batches (read_tracking), with the callers who must be refused and bounded queries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.models import TokenScope
from pms.core.models import AuditEntry
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import Goal, Indicator, Period
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg, employee
from pms.tracking.models import Actual, ActualBatch, ActualSource, GoalProgress
from pms.tracking.tests.factories import enter, measured_goal, monthly_indicator

pytestmark = pytest.mark.django_db

URL = "/api/v1/actuals"
WRITE = TokenScope.WRITE_ACTUALS
READ = TokenScope.READ_TRACKING


@pytest.fixture
def period(org: TestOrg) -> Period:
    return gf.period("2026年度")


@pytest.fixture
def revenue(org: TestOrg) -> Indicator:
    return monthly_indicator(code="SAL-REV")


@pytest.fixture
def goal(org: TestOrg, period: Period, revenue: Indicator) -> Goal:
    return measured_goal(org.employee, the_period=period, the_indicator=revenue)


def item(
    number: str = "E0004", value: Any = 100, external_id: str = "crm-1", **fields: Any
) -> dict[str, Any]:
    body = {
        "employee_number": number,
        "indicator_code": "SAL-REV",
        "date": "2026-01-15",
        "value": value,
        "external_id": external_id,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def push(client: Client, items: list[dict[str, Any]], **extra: Any) -> Any:
    body = {"source": "CRM", "items": items, **extra}
    return client.post(URL, json.dumps(body), content_type="application/json")


# --- pushing -------------------------------------------------------------------------------


def test_a_push_answers_per_item_and_records_a_batch(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hr_admin, WRITE)

    response = push(
        client,
        [
            item(note="一月", evidence_url="https://crm.example.cn/1"),
            item(number="E9999", external_id="crm-2"),
            item(external_id="crm-3", value="abc", date="2026-02-01"),
            item(external_id="", date="2026-03-01"),
            item(
                number=None,
                department_code="SALES1",
                external_id="crm-5",
                start="2026-01-01",
                end="2026-03-31",
                date=None,
            ),
        ],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["written"] is True
    assert body["counts"] == {
        "created": 2,
        "changed": 0,
        "unchanged": 0,
        "rejected": 3,
        "skipped": 0,
    }
    outcomes = [(i["index"], i["outcome"], sorted(i["errors"])) for i in body["items"]]
    assert outcomes == [
        (0, "created", []),
        (1, "rejected", ["employee_number"]),
        (2, "rejected", ["value"]),
        (3, "rejected", ["external_id"]),
        (4, "created", []),
    ]
    first = Actual.objects.get(external_id="crm-1")
    assert body["items"][0]["uuid"] == str(first.uuid)
    assert body["items"][0]["version"] == 1
    assert (first.source, first.source_name, first.note) == (ActualSource.API, "CRM", "一月")
    assert (first.start, first.end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    batch = ActualBatch.objects.get()
    assert str(batch.uuid) == body["batch"]
    assert (batch.source, batch.source_name, batch.items, batch.created, batch.rejected) == (
        ActualSource.API,
        "CRM",
        5,
        2,
        3,
    )
    assert AuditEntry.objects.filter(object_type="tracking.actualbatch", channel="api").exists()
    assert GoalProgress.objects.get(goal=goal).values == 1


def test_a_resent_batch_creates_nothing_and_a_changed_value_is_version_2(
    org: TestOrg, goal: Goal
) -> None:
    client = token_client(org.hr_admin, WRITE)
    push(client, [item(value=100)])

    again = push(client, [item(value=100)]).json()
    changed = push(client, [item(value="120.5")]).json()

    assert again["items"][0]["outcome"] == "unchanged"
    assert changed["items"][0]["outcome"] == "changed"
    assert changed["items"][0]["version"] == 2
    versions = list(
        Actual.objects.order_by("version").values_list("version", "value", "is_current")
    )
    assert versions == [(1, Decimal(100), False), (2, Decimal("120.5"), True)]
    assert ActualBatch.objects.count() == 3


def test_all_or_nothing_writes_nothing_when_an_item_is_rejected(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hr_admin, WRITE)

    body = push(client, [item(), item(number="E9999", external_id="x")], all_or_nothing=True).json()

    assert body["written"] is False
    assert [i["outcome"] for i in body["items"]] == ["skipped", "rejected"]
    assert not Actual.objects.exists()


def test_duplicates_within_a_push_are_rejected_with_their_field(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hr_admin, WRITE)

    body = push(
        client,
        [item(), item(external_id="crm-2", date="2026-01-20"), item(date="2026-02-01")],
    ).json()

    assert [(i["outcome"], sorted(i["errors"])) for i in body["items"]] == [
        ("created", []),
        ("rejected", ["date"]),
        ("rejected", ["external_id"]),
    ]


def test_more_than_10000_items_are_refused_and_nothing_is_written(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hr_admin, WRITE)

    response = push(client, [item(external_id=f"x{i}") for i in range(10_001)])

    error = assert_error(response, 400, "too_many_items")
    assert "10000" in error["message"]
    assert not Actual.objects.exists()
    assert not ActualBatch.objects.exists()


def test_items_outside_the_token_users_reach_are_rejected(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hrbp, WRITE)  # HRBP for 销售中心

    body = push(client, [item(), item(number=org.outsider.number, external_id="crm-2")]).json()

    assert [i["outcome"] for i in body["items"]] == ["created", "rejected"]
    assert "outside your scope" in body["items"][1]["errors"]["employee_number"][0]


@pytest.mark.parametrize(
    ("who", "scopes", "refusal"),
    [
        ("hr_admin", (READ,), (403, "missing_scope")),
        ("employee", (WRITE,), (403, "forbidden")),
        ("manager", (WRITE,), (403, "forbidden")),
    ],
)
def test_pushes_are_refused_without_the_scope_or_the_role(
    org: TestOrg, goal: Goal, who: str, scopes: tuple[str, ...], refusal: tuple[int, str]
) -> None:
    client = token_client(getattr(org, who), *scopes)

    assert_error(push(client, [item()]), *refusal)
    assert not Actual.objects.exists()


def test_sessions_push_for_hr_only(org: TestOrg, goal: Goal, client_for: Any) -> None:
    hr = client_for("hr_admin")
    assert push(hr, [item()]).status_code == 200
    assert_error(push(client_for("manager"), [item(external_id="m")]), 403, "forbidden")
    assert_error(push(Client(), [item(external_id="a")]), 401, "not_authenticated")


def test_a_push_without_a_source_is_invalid(org: TestOrg, goal: Goal) -> None:
    client = token_client(org.hr_admin, WRITE)

    response = client.post(
        URL, json.dumps({"source": "", "items": [item()]}), content_type="application/json"
    )

    error = assert_error(response, 422, "validation_error")
    assert "source" in error["fields"]


# --- reading -------------------------------------------------------------------------------


def _values(goal: Goal, org: TestOrg) -> None:
    client = token_client(org.hr_admin, WRITE)
    push(client, [item(value=100), item(external_id="crm-2", date="2026-02-01", value=80)])
    push(client, [item(value=110)])


def test_list_filters_and_visibility(org: TestOrg, goal: Goal, revenue: Indicator) -> None:
    _values(goal, org)
    hr = token_client(org.hr_admin, READ)

    def spans(client: Client = hr, **params: Any) -> list[tuple[str, str]]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [(i["start"], i["value"]) for i in response.json()["items"]]

    assert spans() == [("2026-02-01", "80.0000"), ("2026-01-01", "110.0000")]
    assert spans(current="false") == [
        ("2026-02-01", "80.0000"),
        ("2026-01-01", "110.0000"),
        ("2026-01-01", "100.0000"),
    ]
    assert spans(employee="E0004", indicator="SAL-REV", source="api") == spans()
    assert spans(employee="E0005") == []
    assert spans(department="SALES") == spans()
    assert spans(department="RND") == []
    assert spans(**{"from": "2026-02-01"}) == [("2026-02-01", "80.0000")]
    assert spans(to="2026-01-31") == [("2026-01-01", "110.0000")]
    assert spans(source="excel") == []
    assert spans(page_size=1, page=2) == [("2026-01-01", "110.0000")]
    assert_error(hr.get(URL, {"department": "NOPE"}), 422, "validation_error")
    # a colleague sees nothing of another person's values; the person sees their own
    assert spans(token_client(org.peer, READ)) == []
    assert len(spans(token_client(org.employee, READ))) == 2
    assert len(spans(token_client(org.manager, READ))) == 2
    assert_error(token_client(org.hr_admin, WRITE).get(URL), 403, "missing_scope")
    assert_error(Client().get(URL), 401, "not_authenticated")


def test_history_lists_every_version_newest_first(org: TestOrg, goal: Goal) -> None:
    _values(goal, org)
    current = Actual.objects.get(is_current=True, start=dt.date(2026, 1, 1))
    url = f"{URL}/{current.uuid}/history"

    body = token_client(org.employee, READ).get(url).json()

    assert [(v["version"], v["value"], v["is_current"]) for v in body["versions"]] == [
        (2, "110.0000", True),
        (1, "100.0000", False),
    ]
    assert body["series"] == current.series
    assert_error(token_client(org.peer, READ).get(url), 404, "not_found")
    assert_error(token_client(org.employee, WRITE).get(url), 403, "missing_scope")


def test_goal_progress_and_the_progress_list(org: TestOrg, goal: Goal, period: Period) -> None:
    other = measured_goal(org.peer, the_period=period, the_indicator=goal.indicator)
    enter(goal, dt.date(2026, 1, 15), "100")
    client = token_client(org.manager, READ)

    detail = client.get(f"/api/v1/goals/{goal.uuid}/progress")
    empty = client.get(f"/api/v1/goals/{other.uuid}/progress")
    listed = client.get("/api/v1/progress", {"period": str(period.uuid), "employee": "E0004"})

    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body["goal"] == str(goal.uuid)
    assert body["employee_number"] == "E0004"
    assert body["values"] == 1
    assert body["status"] != "no_data"
    assert isinstance(body["explanation"], dict)
    assert body["explanation"]
    assert empty.json()["status"] == "no_data"
    assert [i["goal"] for i in listed.json()["items"]] == [str(goal.uuid)]
    assert client.get("/api/v1/progress", {"status": "no_data"}).json()["count"] == 0
    assert client.get("/api/v1/progress", {"department": "SALES1"}).json()["count"] == 1
    assert_error(
        token_client(org.outsider, READ).get(f"/api/v1/goals/{goal.uuid}/progress"),
        404,
        "not_found",
    )
    assert token_client(org.outsider, READ).get("/api/v1/progress").json()["count"] == 0
    assert_error(token_client(org.manager, WRITE).get("/api/v1/progress"), 403, "missing_scope")


def test_batches_are_ones_own_and_all_for_hr(org: TestOrg, goal: Goal) -> None:
    push(token_client(org.hr_admin, WRITE), [item()])
    push(token_client(org.hrbp, WRITE), [item(external_id="b")])

    def sources(person: Any, **params: Any) -> list[str]:
        response = token_client(person, READ).get("/api/v1/actual-batches", params)
        assert response.status_code == 200, response.content
        return [b["created_by"] for b in response.json()["items"]]

    assert len(sources(org.hr_admin)) == 2
    assert sources(org.hrbp) == [org.hrbp.user.display_name]  # type: ignore[union-attr]
    assert sources(org.employee) == []
    assert sources(org.hr_admin, source="excel") == []
    assert_error(
        token_client(org.hr_admin, WRITE).get("/api/v1/actual-batches"), 403, "missing_scope"
    )


def test_openapi_renders_the_tracking_endpoints(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/actuals",
        "/api/v1/actuals/{uuid}/history",
        "/api/v1/goals/{uuid}/progress",
        "/api/v1/progress",
        "/api/v1/actual-batches",
    ):
        assert path in paths


# --- bounded queries -----------------------------------------------------------------------


def _people_with_values(
    org: TestOrg, period: Period, revenue: Indicator, first: int, count: int
) -> None:
    client = token_client(org.hr_admin, WRITE)
    items = []
    for n in range(first, first + count):
        person = employee(f"销售{n}", dept=org.sales1, manager=org.manager, number=f"Q{n:04d}")
        measured_goal(person, the_period=period, the_indicator=revenue)
        items.append(item(number=person.number, external_id=f"q{n}"))
    body = push(client, items).json()
    assert body["counts"]["created"] == count


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["count"] > 0
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/actuals", "/api/v1/progress", "/api/v1/actual-batches"])
def test_list_queries_do_not_grow_with_the_rows(
    org: TestOrg, period: Period, revenue: Indicator, url: str, django_assert_num_queries: Any
) -> None:
    client = token_client(org.hr_admin, READ)
    _people_with_values(org, period, revenue, 0, 2)
    _queries(client, url)  # the token's first use is recorded once
    small = _queries(client, url)
    for first in (2, 4, 6):
        _people_with_values(org, period, revenue, first, 2)

    with django_assert_num_queries(small):
        response = client.get(url)

    assert response.json()["count"] >= 4
