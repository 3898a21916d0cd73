"""HR's status board: counts per department rolled up the tree, the people behind each
figure, reminders to those behind and the export — for HR, HRBPs in scope and department
heads, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Period, Scorecard
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
Capture = Callable[..., Any]
BOARD = reverse("goals:status")
PEOPLE = reverse("goals:status_people")


@pytest.fixture
def period(org: TestOrg) -> Period:
    """2026 with the employee submitted, the peer signed, the manager in draft."""
    the_period = factories.period("2026年度")
    card = factories.complete_scorecard(org.employee, the_period)
    services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)
    signed = factories.agreed_scorecard(org.peer, the_period, Actor(user=org.manager.user))
    for person, role in ((org.peer, "employee"), (org.manager, "manager")):
        services.scorecard_sign(actor=Actor(user=person.user), scorecard=signed, role=role)
    factories.scorecard(org.manager, the_period)
    return the_period


def _main(response: Any) -> str:
    assert response.status_code == 200
    html: str = response.content.decode()
    return html[html.index('<main class="container"') :]


def _row(html: str, name: str) -> list[str]:
    """The cells of the board's row for a department, as text."""
    import re

    row = re.search(
        rf"<tr>\s*<td data-label=\"Department\">(?:<a[^>]*>)?{name}.*?</tr>", html, re.S
    )
    assert row is not None, name
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[1:]]


def test_hr_sees_the_company_rolled_up_from_the_top(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    top = _main(client_for("hr_admin").get(BOARD, {"period": str(period.uuid)}))
    inside = _main(
        client_for("hr_admin").get(
            BOARD, {"period": str(period.uuid), "department": str(org.hq.uuid)}
        )
    )

    # people, none, draft, submitted, returned, awaiting signatures, signed
    assert _row(top, "总部") == ["9", "6", "1", "1", "0", "0", "1"]
    assert _row(inside, "销售中心") == ["5", "2", "1", "1", "0", "0", "1"]
    assert _row(inside, "研发中心") == ["1", "1", "0", "0", "0", "0", "0"]
    assert _row(inside, "Directly in 总部") == ["1", "1", "0", "0", "0", "0", "0"]
    assert "11%" in top  # 1 of 9 signed


def test_an_hrbp_starts_from_their_scope_and_cannot_open_others(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    client = client_for("hrbp")

    top = _main(client.get(BOARD, {"period": str(period.uuid)}))
    elsewhere = client.get(BOARD, {"period": str(period.uuid), "department": str(org.rnd.uuid)})

    assert _row(top, "销售中心") == ["5", "2", "1", "1", "0", "0", "1"]
    assert "研发中心" not in top
    assert elsewhere.status_code == 404


def test_a_department_head_sees_the_board_of_their_department(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    page = _main(client_for("head").get(BOARD, {"period": str(period.uuid)}))

    assert _row(page, "销售中心")[0] == "5"
    assert "Remind everyone behind" not in page


@pytest.mark.parametrize("persona", ["employee", "manager", "outsider"])
def test_others_do_not_see_the_board(
    org: TestOrg, period: Period, client_for: Clients, persona: str
) -> None:
    client = client_for(persona)

    assert client.get(BOARD).status_code == 404
    assert client.get(PEOPLE, {"period": str(period.uuid)}).status_code == 404
    assert (
        client.post(reverse("goals:status_remind"), {"period": str(period.uuid)}).status_code == 404
    )


def test_the_board_needs_a_sign_in(org: TestOrg) -> None:
    assert Client().get(BOARD)["Location"].startswith("/accounts/login/")


def test_the_people_behind_a_figure(org: TestOrg, period: Period, client_for: Clients) -> None:
    client = client_for("hr_admin")
    sales = str(org.sales.uuid)

    none = _main(
        client.get(PEOPLE, {"period": str(period.uuid), "department": sales, "status": "none"})
    )
    behind = _main(client.get(PEOPLE, {"period": str(period.uuid), "department": sales}))

    assert "李销售总监" in none
    assert "赵经理" in none
    assert "陈员工" not in none
    assert "陈员工" in behind
    assert "张经理" in behind
    assert "刘同事" not in behind  # signed


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_reminding_everyone_behind_in_a_department(
    org: TestOrg, period: Period, client_for: Clients, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for("hrbp")
    data = {"period": str(period.uuid), "department": str(org.sales1.uuid), "status": "behind"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("goals:status_remind"), data, follow=True)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("goals:status_remind"), data, follow=True)

    # the employee's scorecard and the manager's own draft both wait for the manager: one mail
    assert "Reminded: 2. E-mails sent: 1." in first.content.decode()
    [message] = mail.outbox
    assert message.to == [org.manager.email]
    assert "陈员工" in message.body
    assert "Your scorecard for 2026年度 is not submitted yet" in message.body
    assert sent == 1
    assert "were reminded earlier today" in second.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.REMIND).count() == 2
    assert Scorecard.objects.filter(reminded_at__isnull=False).count() == 2


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_people_without_a_scorecard_are_reminded_with_their_manager(
    org: TestOrg, period: Period, client_for: Clients, django_capture_on_commit_callbacks: Capture
) -> None:
    data = {"period": str(period.uuid), "department": str(org.rnd.uuid), "status": "none"}

    with django_capture_on_commit_callbacks(execute=True):
        client_for("hr_admin").post(reverse("goals:status_remind"), data)

    assert {tuple(m.to) for m in mail.outbox} == {(org.outsider.email,), (org.ceo.email,)}


def test_a_department_head_may_not_remind(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("head").post(reverse("goals:status_remind"), {"period": str(period.uuid)})

    assert response.status_code == 403
    assert not mail.outbox


def test_the_people_behind_as_a_spreadsheet(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("hrbp").get(
        reverse("goals:status_export"), {"period": str(period.uuid), "status": "behind"}
    )

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Employee number",
        "Name",
        "Department",
        "Direct manager",
        "Period",
        "Status",
    )
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {"E0002", "E0003", "E0004", "E0006"}
    assert by_number["E0004"][5] == "Submitted"
    assert by_number["E0002"][5] == "No scorecard"


def _grow(org: TestOrg, period: Period, departments: int) -> None:
    """More departments under 销售中心, each with people in several states."""
    for n in range(departments):
        unit = org_factories.department(f"销售{n + 3}部", parent=org.sales)
        lead = org_factories.employee(dept=unit, manager=org.head)
        factories.complete_scorecard(lead, period)
        member = org_factories.employee(dept=unit, manager=lead)
        card = factories.complete_scorecard(member, period)
        services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)
        org_factories.employee(dept=unit, manager=lead)


def test_the_board_and_its_lists_issue_the_same_queries_for_two_sizes(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    client = client_for("hr_admin")
    urls = [
        (BOARD, {"period": str(period.uuid), "department": str(org.sales.uuid)}),
        (PEOPLE, {"period": str(period.uuid), "department": str(org.sales.uuid)}),
    ]
    _grow(org, period, 2)
    for url, params in urls:
        client.get(url, params)  # warm up
    small = []
    for url, params in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        small.append(len(queries))
    _grow(org, period, 12)
    large = []
    for url, params in urls:
        with CaptureQueriesContext(connection) as queries:
            page = _main(client.get(url, params))
        large.append(len(queries))

    assert "销售14部" in page or "销售14部" in _main(client.get(*urls[0]))
    assert large == small
