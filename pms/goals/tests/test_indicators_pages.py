"""Indicator library pages: list with filters, detail, create, edit, enable/disable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Indicator
from pms.goals.tests import factories as gf
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
KEEPERS = ["hr_admin", "sysadmin"]
COLLEAGUES = ["employee", "manager", "head", "outsider", "hrbp", "ceo", "committee"]


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _audit(indicator: Indicator) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="goals.indicator", object_id=str(indicator.pk))
    )


@pytest.fixture
def revenue(org: TestOrg) -> Indicator:
    return gf.library_indicator(
        "销售额",
        code="SAL-REVENUE",
        rule="bands 100:100,90:80 below 0",
        perspective="financial",
        data_source="external",
        source_system="CRM",
        unit="万元",
        definition="已确认收入的合同金额",
        formula="Σ 合同金额",
    )


@pytest.fixture
def retired(org: TestOrg) -> Indicator:
    indicator = gf.library_indicator("旧指标", code="OLD", families=("rnd",))
    indicator.enabled = False
    indicator.save(update_fields=["enabled"])
    return indicator


def _stranger() -> Client:
    user = User.objects.create_user(username="stranger", password="x", name="路人")
    client = Client()
    client.force_login(user)
    return client


# --- list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", COLLEAGUES)
def test_colleagues_read_the_enabled_library(
    client_for: ClientFor, persona: str, revenue: Indicator, retired: Indicator
) -> None:
    response = client_for(persona).get(reverse("goals:indicators"))

    assert response.status_code == 200
    assert [i.code for i in response.context["page"]] == ["SAL-REVENUE"]
    assert "销售额" in response.text
    assert "旧指标" not in response.text
    assert reverse("goals:indicator_create") not in response.text
    assert "enabled" not in response.context["form"].fields


@pytest.mark.parametrize("persona", KEEPERS)
def test_keepers_see_disabled_indicators_and_their_actions(
    client_for: ClientFor, persona: str, revenue: Indicator, retired: Indicator
) -> None:
    response = client_for(persona).get(reverse("goals:indicators"))

    assert response.status_code == 200
    assert [i.code for i in response.context["page"]] == ["OLD", "SAL-REVENUE"]
    assert "Disabled" in response.text
    assert reverse("goals:indicator_create") in response.text
    assert reverse("goals:indicator_export", args=["xlsx"]) in response.text
    assert reverse("goals:indicator_imports") in response.text


def test_list_refuses_people_outside_the_company_and_anonymous_visitors(org: TestOrg) -> None:
    assert _stranger().get(reverse("goals:indicators")).status_code == 404
    response = Client().get(reverse("goals:indicators"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_filters(client_for: ClientFor, revenue: Indicator, retired: Indicator) -> None:
    complaints = gf.library_indicator(
        "客户投诉次数", code="SVC-COMPLAINTS", families=("service",), perspective="customer"
    )
    client = client_for("hr_admin")

    def codes(**params: str) -> list[str]:
        response = client.get(reverse("goals:indicators"), params)
        assert response.status_code == 200
        return [i.code for i in response.context["page"]]

    service = complaints.role_families.get()
    assert codes(q="投诉") == ["SVC-COMPLAINTS"]
    assert codes(q="sal-rev") == ["SAL-REVENUE"]
    assert codes(family=str(service.uuid)) == ["SVC-COMPLAINTS"]
    assert codes(perspective="financial") == ["SAL-REVENUE"]
    assert codes(data_source="external") == ["SAL-REVENUE"]
    assert codes(enabled="no") == ["OLD"]
    assert codes(enabled="yes") == ["SAL-REVENUE", "SVC-COMPLAINTS"]
    assert codes(family="not-a-uuid") == ["OLD", "SAL-REVENUE", "SVC-COMPLAINTS"]


def test_an_employee_cannot_filter_their_way_to_disabled_ones(
    client_for: ClientFor, retired: Indicator
) -> None:
    response = client_for("employee").get(reverse("goals:indicators"), {"enabled": "no"})

    assert list(response.context["page"]) == []


def test_htmx_filtering_returns_the_results_only(client_for: ClientFor, revenue: Indicator) -> None:
    response = client_for("employee").get(
        reverse("goals:indicators"), {"q": "销售"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.startswith('<div id="indicator-results">')
    assert "<html" not in response.text
    assert "销售额" in response.text


@pytest.mark.parametrize("extra", [0, 30])
def test_list_queries_do_not_grow_with_the_library(
    org: TestOrg,
    client_for: ClientFor,
    django_assert_num_queries: Callable[[int], Any],
    extra: int,
) -> None:
    for n in range(extra):
        gf.library_indicator(f"指标{n}", families=("sales", "rnd"))
    gf.library_indicator("基准", families=("sales",))
    client = client_for("hr_admin")
    client.get(reverse("goals:indicators"))  # warm the session and the principal's caches

    with django_assert_num_queries(11):
        response = client.get(reverse("goals:indicators"))

    assert response.status_code == 200
    assert len(response.context["page"]) == extra + 1


# --- detail -----------------------------------------------------------------------------------


def test_detail_shows_the_rule_in_words_and_its_use(
    org: TestOrg, client_for: ClientFor, revenue: Indicator
) -> None:
    card = gf.scorecard(org.employee, gf.period())
    gf.kpi(card, indicator=revenue)

    response = client_for("employee").get(reverse("goals:indicator", args=[revenue.uuid]))

    assert response.status_code == 200
    html = response.text
    assert "Bands: ≥100% → 100, ≥90% → 80, below → 0" in html
    assert "已确认收入的合同金额" in html
    assert "Σ 合同金额" in html
    assert "CRM" in html
    assert "销售" in html
    assert "1 goal" in html
    assert reverse("goals:indicator_edit", args=[revenue.uuid]) not in html
    assert response.context["entries"] is None


def test_detail_of_a_disabled_indicator_is_for_keepers_only(
    client_for: ClientFor, retired: Indicator
) -> None:
    url = reverse("goals:indicator", args=[retired.uuid])

    assert client_for("employee").get(url).status_code == 404
    response = client_for("hr_admin").get(url)
    assert response.status_code == 200
    assert reverse("goals:indicator_enable", args=[retired.uuid]) in response.text
    assert response.context["entries"] is not None


def test_detail_of_an_unknown_indicator_is_not_found(client_for: ClientFor, org: TestOrg) -> None:
    url = reverse("goals:indicator", args=["7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"])

    assert client_for("hr_admin").get(url).status_code == 404


def test_detail_refuses_outsiders(revenue: Indicator) -> None:
    assert _stranger().get(reverse("goals:indicator", args=[revenue.uuid])).status_code == 404


# --- create -----------------------------------------------------------------------------------


def _post_data(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "code": "SAL-COLLECTION",
        "name": "回款率",
        "definition": "实际回款占应收的比例",
        "formula": "回款 ÷ 应收",
        "unit": "%",
        "direction": "higher",
        "data_source": "external",
        "source_system": "ERP",
        "frequency": "monthly",
        "perspective": "financial",
        "role_families": [],
        "employee_selectable": "on",
        "sort_order": "10",
        "enabled": "on",
        "rule_type": "bands",
        "rule_bands": "100:100, 95:90, 90:80",
        "rule_below": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", KEEPERS)
def test_keepers_create_an_indicator(client_for: ClientFor, org: TestOrg, persona: str) -> None:
    sales = of.role_family()
    client = client_for(persona)
    assert client.get(reverse("goals:indicator_create")).status_code == 200

    response = client.post(
        reverse("goals:indicator_create"), _post_data(role_families=[str(sales.uuid)])
    )

    indicator = Indicator.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:indicator", args=[indicator.uuid])
    assert indicator.scoring_rule == {
        "type": "bands",
        "bands": [["100", "100"], ["95", "90"], ["90", "80"]],
        "below": "0",
    }
    assert [f.code for f in indicator.role_families.all()] == ["sales"]
    assert indicator.source_system == "ERP"
    [entry] = _audit(indicator)
    assert entry.action == AuditAction.CREATE
    assert entry.channel == "web"
    assert _messages(response) == ["Indicator created."]


@pytest.mark.parametrize("persona", COLLEAGUES)
def test_colleagues_may_not_create(client_for: ClientFor, persona: str) -> None:
    client = client_for(persona)

    assert client.get(reverse("goals:indicator_create")).status_code == 403
    assert client.post(reverse("goals:indicator_create"), _post_data()).status_code == 403
    assert not Indicator.objects.exists()


def test_create_shows_rule_and_service_errors_and_writes_nothing(
    client_for: ClientFor, revenue: Indicator
) -> None:
    client = client_for("hr_admin")

    bad_bands = client.post(
        reverse("goals:indicator_create"), _post_data(rule_bands="90:80, 95:90")
    )
    taken = client.post(reverse("goals:indicator_create"), _post_data(code="sal-revenue"))
    no_system = client.post(reverse("goals:indicator_create"), _post_data(source_system=""))

    assert bad_bands.status_code == 200
    assert bad_bands.context["form"].errors["rule_bands"] == [
        "Band 2: each minimum must be below the one before."
    ]
    assert taken.context["form"].errors["code"] == [
        "The code sal-revenue is already used by another indicator."
    ]
    assert no_system.context["form"].errors["source_system"] == [
        "Name the external system the values come from."
    ]
    assert list(Indicator.objects.values_list("code", flat=True)) == ["SAL-REVENUE"]


# --- edit -------------------------------------------------------------------------------------


def test_keeper_edits_an_indicator_and_its_rule(client_for: ClientFor, revenue: Indicator) -> None:
    client = client_for("hr_admin")
    url = reverse("goals:indicator_edit", args=[revenue.uuid])
    form = client.get(url).context["form"]
    assert form.initial["rule_type"] == "bands"
    assert form.initial["rule_bands"] == "100:100, 90:80"
    data = {
        name: value
        for name, value in {
            **form.initial,
            "role_families": [str(u) for u in form.initial["role_families"]],
        }.items()
        if value is not None
    }
    data.update(
        name="销售收入",
        rule_type="deduction",
        rule_start="100",
        rule_per_unit="5",
        reason="改为扣分",
        employee_selectable="on",
    )

    response = client.post(url, data)

    assert response.status_code == 302
    revenue.refresh_from_db()
    assert revenue.name == "销售收入"
    assert revenue.scoring_rule == {
        "type": "deduction",
        "start": "100",
        "per_unit": "5",
        "floor": "0",
    }
    entry = _audit(revenue)[0]
    assert entry.reason == "改为扣分"
    assert entry.after == {"name": "销售收入", "scoring_rule": "deduction 100 -5 floor 0"}


def test_edit_without_changes_says_so(client_for: ClientFor, revenue: Indicator) -> None:
    client = client_for("hr_admin")
    url = reverse("goals:indicator_edit", args=[revenue.uuid])
    initial = client.get(url).context["form"].initial
    data = {k: v for k, v in initial.items() if v is not None and k != "role_families"}
    data["role_families"] = [str(u) for u in initial["role_families"]]
    data["employee_selectable"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    assert _messages(response) == ["Nothing changed."]
    assert len(_audit(revenue)) == 1


def test_edit_refusals(client_for: ClientFor, revenue: Indicator, retired: Indicator) -> None:
    employee = client_for("employee")

    assert employee.get(reverse("goals:indicator_edit", args=[revenue.uuid])).status_code == 403
    assert employee.get(reverse("goals:indicator_edit", args=[retired.uuid])).status_code == 404
    assert (
        client_for("hrbp")
        .post(reverse("goals:indicator_edit", args=[revenue.uuid]), {"name": "x"})
        .status_code
        == 403
    )
    assert Indicator.objects.get(pk=revenue.pk).name == "销售额"


# --- enable / disable -------------------------------------------------------------------------


def test_keeper_disables_and_enables_with_a_reason(
    client_for: ClientFor, revenue: Indicator
) -> None:
    client = client_for("hr_admin")
    url = reverse("goals:indicator_enable", args=[revenue.uuid])

    response = client.post(url, {"enabled": "0", "reason": "口径调整"})

    assert response.status_code == 302
    assert Indicator.objects.get(pk=revenue.pk).enabled is False
    assert _audit(revenue)[0].reason == "口径调整"
    assert _messages(response) == ["Indicator disabled: it can no longer be chosen."]
    assert (
        client_for("employee").get(reverse("goals:indicator", args=[revenue.uuid])).status_code
        == 404
    )

    client.post(url, {"enabled": "1"})
    assert Indicator.objects.get(pk=revenue.pk).enabled is True


def test_enable_refusals(client_for: ClientFor, revenue: Indicator, retired: Indicator) -> None:
    assert (
        client_for("employee")
        .post(reverse("goals:indicator_enable", args=[revenue.uuid]), {"enabled": "0"})
        .status_code
        == 403
    )
    assert (
        client_for("employee")
        .post(reverse("goals:indicator_enable", args=[retired.uuid]), {"enabled": "1"})
        .status_code
        == 404
    )
    assert (
        client_for("hr_admin")
        .get(reverse("goals:indicator_enable", args=[revenue.uuid]))
        .status_code
        == 405
    )
    bad = client_for("hr_admin").post(
        reverse("goals:indicator_enable", args=[revenue.uuid]), {"enabled": "maybe"}
    )
    assert bad.status_code == 302
    assert Indicator.objects.get(pk=revenue.pk).enabled is True
    assert Indicator.objects.get(pk=retired.pk).enabled is False
