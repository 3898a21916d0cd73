"""Periods: listed for everyone in the company, kept by company-wide HR."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import Period, PeriodKind, PeriodStatus
from pms.goals.selectors.periods import current_period
from pms.goals.services import periods as services
from pms.goals.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system()


def test_create_audits_and_checks_dates(org: TestOrg) -> None:
    year = factories.period("2026年度")

    with pytest.raises(ValidationError) as bad_dates:
        services.period_create(
            actor=SYSTEM,
            name="2026Q1",
            kind=PeriodKind.QUARTER,
            start=dt.date(2026, 3, 31),
            end=dt.date(2026, 1, 1),
        )
    with pytest.raises(ValidationError) as outside:
        services.period_create(
            actor=SYSTEM,
            name="2027Q1",
            kind=PeriodKind.QUARTER,
            start=dt.date(2027, 1, 1),
            end=dt.date(2027, 3, 31),
            parent=year,
        )
    with pytest.raises(ValidationError) as same_name:
        factories.period("2026年度")

    assert "end" in bad_dates.value.message_dict
    assert "parent" in outside.value.message_dict
    assert "name" in same_name.value.message_dict
    assert Period.objects.count() == 1
    entry = AuditEntry.objects.get(object_type="goals.period")
    assert entry.action == AuditAction.CREATE
    assert entry.after["name"] == "2026年度"


def test_update_records_only_what_changed(org: TestOrg) -> None:
    period = factories.period("2026年度")

    services.period_update(
        actor=SYSTEM,
        period=period,
        changes={"status": PeriodStatus.ACTIVE, "adjustment_limit": Decimal(10)},
        reason="目标设定完成",
    )

    period.refresh_from_db()
    assert period.status == PeriodStatus.ACTIVE
    entry = AuditEntry.objects.filter(object_type="goals.period").latest("id")
    assert entry.action == AuditAction.UPDATE
    assert entry.before == {"status": "planning", "adjustment_limit": "15"}
    assert entry.reason == "目标设定完成"


def test_current_period_prefers_the_shortest_open_one_containing_today(org: TestOrg) -> None:
    year = factories.period("2026年度")
    quarter = factories.period(
        "2026Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), kind=PeriodKind.QUARTER
    )

    assert current_period(Period.objects.all(), dt.date(2026, 11, 22)) == quarter
    assert current_period(Period.objects.all(), dt.date(2026, 5, 1)) == year
    services.period_update(actor=SYSTEM, period=year, changes={"status": PeriodStatus.CLOSED})
    assert current_period(Period.objects.all(), dt.date(2026, 5, 1)) == quarter


def test_everyone_reads_periods_but_only_hr_adds(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    factories.period("2026年度")
    data = {
        "name": "2027年度",
        "kind": "year",
        "start": "2027-01-01",
        "end": "2027-12-31",
        "status": "planning",
        "adjustment_limit": "15",
    }

    page = client_for("employee").get("/goals/periods/")
    refused = client_for("manager").post("/goals/periods/", data)
    added = client_for("hr_admin").post("/goals/periods/", data)

    assert page.status_code == 200
    assert "2026年度" in page.content.decode()
    assert refused.status_code == 403
    assert added.status_code == 302
    assert Period.objects.filter(name="2027年度").exists()


def test_bad_period_shows_the_message_and_adds_nothing(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("hr_admin").post(
        "/goals/periods/",
        {
            "name": "坏",
            "kind": "year",
            "start": "2027-12-31",
            "end": "2027-01-01",
            "status": "planning",
            "adjustment_limit": "15",
        },
    )

    assert response.status_code == 200
    assert "The end must not be before the start." in response.content.decode()
    assert not Period.objects.filter(name="坏").exists()


def test_edit_is_for_company_hr(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    period = factories.period("2026年度")
    url = f"/goals/periods/{period.uuid}/edit/"
    data = {
        "name": "2026年度",
        "kind": "year",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "status": "active",
        "adjustment_limit": "12",
    }

    assert client_for("hrbp").get(url).status_code == 403
    assert client_for("employee").post(url, data).status_code == 403
    assert client_for("hr_admin").get(url).status_code == 200
    assert client_for("hr_admin").post(url, data).status_code == 302

    period.refresh_from_db()
    assert period.status == PeriodStatus.ACTIVE
    assert period.adjustment_limit == Decimal(12)


def test_list_queries_do_not_grow(
    org: TestOrg, client_for: Callable[[str], Client], django_assert_max_num_queries: Callable
) -> None:
    client = client_for("hr_admin")
    factories.period("A")
    client.get("/goals/periods/")
    for name in "BCDEFG":
        factories.period(name)
    with django_assert_max_num_queries(12):
        assert client.get("/goals/periods/").status_code == 200


def test_api_lists_periods_with_the_read_goals_scope(org: TestOrg, client: Client) -> None:
    period = factories.period("2026年度")

    listed = token_client(org.employee, TokenScope.READ_GOALS).get("/api/v1/periods")
    one = token_client(org.employee, TokenScope.READ_GOALS).get(f"/api/v1/periods/{period.uuid}")

    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()] == ["2026年度"]
    assert one.json()["adjustment_limit"] == "15.00"
    assert_error(client.get("/api/v1/periods"), 401, "not_authenticated")
    assert_error(
        token_client(org.employee, TokenScope.READ_ORG).get("/api/v1/periods"), 403, "missing_scope"
    )


def test_a_period_with_goals_wins_over_an_empty_shorter_one(org: TestOrg) -> None:
    # given annual goals and an empty quarter inside the year
    year = factories.period("2026年度")
    factories.period(
        "2026Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), kind=PeriodKind.QUARTER
    )
    factories.kpi(factories.scorecard(org.employee, year), weight="100")

    # then pages open on the year, where the goals are
    assert current_period(Period.objects.all(), dt.date(2026, 11, 22)) == year
