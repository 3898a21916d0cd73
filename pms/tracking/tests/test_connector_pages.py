"""The data-connector pages: company-wide HR and system admins set connectors up, test them,
run them and read their history; the credential is never shown back; everyone else gets
"not found"; lists cost the same queries whatever their length."""

# ruff: noqa: F811 (the loopback export and the goal are fixtures imported from connector_support)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Goal
from pms.org.tests.factories import TestOrg
from pms.tracking.models import Actual, Connector, ConnectorRun, ConnectorRunStatus
from pms.tracking.services.connector_runs import connector_claim, connector_run
from pms.tracking.tests.connector_support import (  # noqa: F401 (fixtures)
    ADMIN,
    Answer,
    Export,
    connector,
    export,
    goal,
    period,
    revenue,
    value,
)

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
SECRET = "Bearer very-secret-token-42"
REFUSED = ["employee", "manager", "head", "hrbp", "outsider", "ceo"]


def form(url: str, **fields: Any) -> dict[str, Any]:
    data = {
        "name": "CRM",
        "format": "json",
        "url": url,
        "auth_header": "Authorization",
        "auth_secret": SECRET,
        "items_path": "",
        "schedule": "hours",
        "every": "2",
        "daily_at": "02:00",
        "enabled": "on",
        "map_employee_number": "",
        "map_value": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("persona", ["hr_admin", "sysadmin"])
def test_admins_see_the_list_and_the_nav_entry(
    org: TestOrg, client_for: ClientFor, persona: str
) -> None:
    connector("http://crm.example.cn/export", name="CRM 销售数据")

    response = client_for(persona).get(reverse("tracking:connectors"))

    assert response.status_code == 200
    assert "CRM 销售数据" in response.content.decode()
    assert "Data connectors" in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
def test_everyone_else_gets_not_found(org: TestOrg, client_for: ClientFor, persona: str) -> None:
    crm = connector("http://crm.example.cn/export")
    client = client_for(persona)

    pages = [
        client.get(reverse("tracking:connectors")),
        client.get(reverse("tracking:connector_new")),
        client.post(reverse("tracking:connector_new"), form("http://crm.example.cn/x")),
        client.get(reverse("tracking:connector", args=[crm.uuid])),
        client.get(reverse("tracking:connector_edit", args=[crm.uuid])),
        client.post(reverse("tracking:connector_edit", args=[crm.uuid]), form("http://x.cn/")),
        client.post(reverse("tracking:connector_run", args=[crm.uuid])),
    ]

    assert [p.status_code for p in pages] == [404] * len(pages)
    assert Connector.objects.get() == crm
    assert not ConnectorRun.objects.exists()
    home = client.get("/").content.decode()
    assert reverse("tracking:connectors") not in home


def test_signed_out_visitors_are_sent_to_sign_in(org: TestOrg) -> None:
    response = Client().get(reverse("tracking:connectors"))
    assert response.status_code == 302


def test_hr_adds_a_connector_and_the_secret_is_never_shown(
    org: TestOrg, client_for: ClientFor
) -> None:
    client = client_for("hr_admin")

    response = client.post(
        reverse("tracking:connector_new"),
        form("https://crm.example.cn/api/export?key=abc", map_employee_number="工号"),
    )

    crm = Connector.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tracking:connector", args=[crm.uuid])
    assert (crm.auth_secret, crm.schedule, crm.every) == (SECRET, "hours", 2)
    assert crm.mapping == {"employee_number": "工号"}
    assert crm.next_run_at is not None
    entry = AuditEntry.objects.get(object_type="tracking.connector")
    assert entry.action == AuditAction.CREATE
    assert SECRET not in str(entry.after)
    assert "key=abc" not in str(entry.after)
    for page in (
        client.get(reverse("tracking:connector", args=[crm.uuid])),
        client.get(reverse("tracking:connector_edit", args=[crm.uuid])),
        client.get(reverse("tracking:connectors")),
    ):
        text = page.content.decode()
        assert page.status_code == 200
        assert SECRET not in text
        assert "very-secret" not in text
    assert "••••42" in client.get(reverse("tracking:connector", args=[crm.uuid])).content.decode()


def test_bad_settings_are_explained_and_nothing_is_saved(
    org: TestOrg, client_for: ClientFor
) -> None:
    response = client_for("hr_admin").post(
        reverse("tracking:connector_new"),
        form("ftp://crm.example.cn/export", auth_header="Bad Header", every=500),
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "The export address must start with http:// or https://." in text
    assert "Not a header name" in text
    assert "Give a whole number from 1 to 168." in text
    assert not Connector.objects.exists()


def test_a_name_in_use_is_refused(org: TestOrg, client_for: ClientFor) -> None:
    connector("http://crm.example.cn/export")

    response = client_for("hr_admin").post(
        reverse("tracking:connector_new"), form("http://other.example.cn/")
    )

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Connector.objects.count() == 1


def test_testing_the_connection_previews_and_records_nothing(
    org: TestOrg, client_for: ClientFor, goal: Goal, export: Export
) -> None:
    url = export.json([value(), value(number="E9999", external_id="crm-2")])

    response = client_for("hr_admin").post(
        reverse("tracking:connector_new"), {**form(url), "action": "test"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "The answer holds 2 values" in text
    assert "No employee with the number E9999." in text
    assert export.requests[0][1]["authorization"] == SECRET
    assert not Connector.objects.exists()
    assert not Actual.objects.exists()


def test_testing_a_saved_connector_uses_its_kept_secret(
    org: TestOrg, client_for: ClientFor, goal: Goal, export: Export
) -> None:
    crm = connector(export.json([value()]), auth_header="X-Api-Key", auth_secret="k-123")

    response = client_for("hr_admin").post(
        reverse("tracking:connector_edit", args=[crm.uuid]),
        {**form(crm.url, auth_header="X-Api-Key", auth_secret=""), "action": "test"},
    )

    assert response.status_code == 200
    assert "The answer holds 1 value" in response.content.decode()
    assert export.requests[0][1]["x-api-key"] == "k-123"


def test_a_test_of_a_broken_export_shows_why(
    org: TestOrg, client_for: ClientFor, export: Export
) -> None:
    export.answers["/export"] = Answer(b"{", status=200)

    response = client_for("sysadmin").post(
        reverse("tracking:connector_new"), {**form(export.url()), "action": "test"}
    )

    assert response.status_code == 200
    assert "The answer is not valid JSON" in response.content.decode()


def test_editing_keeps_or_removes_the_secret(org: TestOrg, client_for: ClientFor) -> None:
    crm = connector("http://crm.example.cn/export", auth_header="Authorization", auth_secret=SECRET)
    client = client_for("hr_admin")
    url = reverse("tracking:connector_edit", args=[crm.uuid])

    kept = client.post(url, form(crm.url, name="CRM2", auth_secret=""))
    crm.refresh_from_db()
    assert kept.status_code == 302
    assert (crm.name, crm.auth_secret) == ("CRM2", SECRET)

    removed = client.post(url, form(crm.url, name="CRM2", auth_secret="", clear_secret="on"))
    crm.refresh_from_db()
    assert removed.status_code == 302
    assert crm.auth_secret == ""
    changes = AuditEntry.objects.filter(object_type="tracking.connector", action="update")
    assert changes.count() == 2
    assert all(SECRET not in str(e.before) + str(e.after) for e in changes)


def test_run_now_records_values_and_the_history_shows_problems(
    org: TestOrg, client_for: ClientFor, goal: Goal, export: Export
) -> None:
    crm = connector(export.json([value(), value(number="E9999", external_id="crm-2")]))
    client = client_for("hr_admin")

    response = client.post(reverse("tracking:connector_run", args=[crm.uuid]), follow=True)

    text = response.content.decode()
    run = ConnectorRun.objects.get()
    assert response.status_code == 200
    assert (run.status, run.created, run.rejected) == (ConnectorRunStatus.PARTIAL, 1, 1)
    assert run.started_by == org.hr_admin.user
    assert Actual.objects.get().entered_by == org.hr_admin.user
    assert "The run has started" in text
    assert "Some values rejected" in text
    assert "No employee with the number E9999." in text


def test_run_now_while_running_says_so(org: TestOrg, client_for: ClientFor, export: Export) -> None:
    crm = connector(export.json([]))
    connector_claim(connector=crm, now=timezone.now())

    response = client_for("hr_admin").post(
        reverse("tracking:connector_run", args=[crm.uuid]), follow=True
    )

    assert "This connector is running now" in response.content.decode()
    assert not ConnectorRun.objects.exists()


def _connectors(export: Export, count: int) -> list[Connector]:
    found = []
    for n in range(count):
        export.answers[f"/e{n}"] = Answer(b"boom", status=500)
        crm = connector(export.url(f"/e{n}"), name=f"CRM{n}")
        connector_run(connector=crm, actor=ADMIN)
        found.append(crm)
    return found


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_costs_the_same_queries_for_any_number(
    org: TestOrg,
    client_for: ClientFor,
    export: Export,
    django_assert_num_queries: Any,
    count: int,
) -> None:
    _connectors(export, count)
    client = client_for("hr_admin")
    client.get(reverse("tracking:connectors"))  # warm the session

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("tracking:connectors"))

    assert response.status_code == 200
    assert response.content.decode().count("HTTP status 500") == count


@pytest.mark.parametrize("runs", [1, 6])
def test_the_history_costs_the_same_queries_for_any_number(
    org: TestOrg,
    client_for: ClientFor,
    export: Export,
    django_assert_num_queries: Any,
    runs: int,
) -> None:
    export.answers["/export"] = Answer(b"boom", status=500)
    crm = connector(export.url())
    for _ in range(runs):
        connector_run(connector=crm, actor=ADMIN)
    client = client_for("hr_admin")
    url = reverse("tracking:connector", args=[crm.uuid])
    client.get(url)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url)

    assert response.content.decode().count("HTTP status 500") == runs


LIST_QUERIES = 9
DETAIL_QUERIES = 11
