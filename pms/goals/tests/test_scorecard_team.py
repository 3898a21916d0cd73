"""The manager's team goal page: every direct and indirect report with their scorecard's
status, goal count, total weight and signature, filters, one-click start, bulk start —
in a fixed number of queries whatever the team's size."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.goals.models import Period, Scorecard, ScorecardStatus
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
URL = reverse("goals:team")


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def _page(client: Client, **params: str) -> str:
    """The page's main part (the top bar names the user)."""
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<main class="container"') :]


def test_the_manager_sees_each_report_with_their_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="70")

    page = _page(client_for("manager"), period=str(period.uuid))

    assert "陈员工" in page
    assert "刘同事" in page
    assert reverse("goals:scorecard", args=[card.uuid]) in page
    assert "70%" in page
    assert "No scorecard" in page  # the peer
    assert "孙工程师" not in page


def test_the_skip_level_sees_the_whole_subtree(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    page = _page(client_for("head"), period=str(period.uuid))

    for name in ("张经理", "陈员工", "刘同事", "赵经理"):
        assert name in page
    assert "E0002" not in page  # the head themself


def test_filters_by_status_and_direct_reports(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    factories.agreed_scorecard(org.employee, period, factories.SYSTEM)
    client = client_for("head")

    approved = _page(client, period=str(period.uuid), status="approved")
    none = _page(client, period=str(period.uuid), status="none")
    direct = _page(client, period=str(period.uuid), direct="on")

    assert "陈员工" in approved
    assert "刘同事" not in approved
    assert "刘同事" in none
    assert "陈员工" not in none
    assert "张经理" in direct
    assert "陈员工" not in direct


def test_the_filter_answers_with_the_results_fragment(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("manager").get(
        URL,
        {"period": str(period.uuid), "status": "none"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="team-results",
    )

    html = response.content.decode()
    assert html.startswith('<div id="team-results">')
    assert "陈员工" in html


def test_someone_without_reports_has_no_team(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    page = _page(client_for("employee"))

    assert "Nobody reports to you" in page
    assert "刘同事" not in page


def test_the_team_page_needs_a_sign_in(org: TestOrg) -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_starting_scorecards_for_the_whole_team(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    factories.scorecard(org.employee, period)

    response = client_for("head").post(
        reverse("goals:team_start"), {"period": str(period.uuid)}, follow=True
    )

    assert "3 scorecards started." in response.content.decode()
    started = set(Scorecard.objects.filter(period=period).values_list("employee__name", flat=True))
    assert started == {"陈员工", "刘同事", "张经理", "赵经理"}


def test_an_employee_starting_a_team_starts_nothing(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("peer").post(
        reverse("goals:team_start"), {"period": str(period.uuid)}, follow=True
    )

    assert "Everyone in your team has a scorecard" in response.content.decode()
    assert not Scorecard.objects.exists()


def _reports(org: TestOrg, period: Period, count: int) -> None:
    """``count`` reports under the manager, in every state a scorecard can be in."""
    for n in range(count):
        person = org_factories.employee(f"组员{n}", dept=org.sales1, manager=org.manager)
        state = n % 4
        if state == 0:
            continue
        card = factories.complete_scorecard(person, period)
        if state == 2:
            services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)
        if state == 3:
            services.scorecard_approve(actor=factories.SYSTEM, scorecard=card)


def test_the_team_page_issues_the_same_queries_for_3_and_30_reports(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    client = client_for("manager")
    params = {"period": str(period.uuid)}
    _reports(org, period, 3)
    client.get(URL, params)  # warm up
    with CaptureQueriesContext(connection) as small:
        small_page = _page(client, **params)
    _reports(org, period, 27)
    with CaptureQueriesContext(connection) as large:
        large_page = _page(client, **params)

    assert small_page.count("<tr>") < large_page.count("<tr>")
    assert large_page.count(str(ScorecardStatus.APPROVED.label)) == 6
    assert len(large) == len(small)
