"""/api/v1/indicators: the library over JSON with the read_goals scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.tests.test_api_support import assert_error, token_client
from pms.goals.models import Indicator
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URL = "/api/v1/indicators"


@pytest.fixture
def library(org: TestOrg) -> tuple[Indicator, Indicator, Indicator]:
    revenue = gf.library_indicator(
        "销售额",
        code="SAL-REVENUE",
        rule="bands 100:100,90:80 below 0",
        data_source="external",
        source_system="CRM",
        perspective="financial",
        sort_order=1,
    )
    bugs = gf.library_indicator("Bug率", code="RND-BUG", families=("rnd",), sort_order=2)
    old = gf.library_indicator("旧指标", code="OLD", sort_order=3)
    old.enabled = False
    old.save(update_fields=["enabled"])
    return revenue, bugs, old


def test_a_token_with_read_goals_lists_the_enabled_library(
    org: TestOrg, library: tuple[Indicator, ...]
) -> None:
    client = token_client(org.employee, TokenScope.READ_GOALS)

    body = client.get(URL).json()

    assert body["count"] == 2
    assert [i["code"] for i in body["items"]] == ["SAL-REVENUE", "RND-BUG"]
    revenue = body["items"][0]
    assert revenue["role_families"] == [{"code": "sales", "name": "销售"}]
    assert revenue["scoring_rule"] == {
        "type": "bands",
        "bands": [["100", "100"], ["90", "80"]],
        "below": "0",
    }
    assert revenue["scoring_rule_text"] == "Bands: ≥100% → 100, ≥90% → 80, below → 0"
    assert (revenue["data_source"], revenue["source_system"]) == ("external", "CRM")


def test_filters(org: TestOrg, library: tuple[Indicator, ...]) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_GOALS)

    def codes(**params: Any) -> list[str]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [i["code"] for i in response.json()["items"]]

    assert codes(q="bug") == ["RND-BUG"]
    assert codes(role_family="rnd") == ["RND-BUG"]
    assert codes(enabled="false") == ["OLD"]
    assert codes() == ["SAL-REVENUE", "RND-BUG", "OLD"]
    assert codes(page_size=1, page=2) == ["RND-BUG"]
    error = assert_error(client.get(URL, {"role_family": "nope"}), 422, "validation_error")
    assert set(error["fields"]) == {"role_family"}


def test_a_colleague_cannot_list_disabled_ones(
    org: TestOrg, library: tuple[Indicator, ...]
) -> None:
    client = token_client(org.employee, TokenScope.READ_GOALS)

    assert client.get(URL, {"enabled": "false"}).json()["items"] == []


def test_detail(org: TestOrg, library: tuple[Indicator, ...]) -> None:
    revenue, _bugs, old = library
    employee = token_client(org.employee, TokenScope.READ_GOALS)
    keeper = token_client(org.hr_admin, TokenScope.READ_GOALS)

    assert employee.get(f"{URL}/{revenue.uuid}").json()["name"] == "销售额"
    assert_error(employee.get(f"{URL}/{old.uuid}"), 404, "not_found")
    assert keeper.get(f"{URL}/{old.uuid}").json()["enabled"] is False
    assert_error(employee.get(f"{URL}/7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"), 404, "not_found")


def test_refusals(org: TestOrg, library: tuple[Indicator, ...], client: Client) -> None:
    revenue = library[0]
    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(client.get(f"{URL}/{revenue.uuid}"), 401, "not_authenticated")
    wrong_scope = token_client(org.hr_admin, TokenScope.READ_ORG)
    assert_error(wrong_scope.get(URL), 403, "missing_scope")
    assert_error(wrong_scope.get(f"{URL}/{revenue.uuid}"), 403, "missing_scope")


def test_a_signed_in_session_reads_too(
    client_for: Callable[[str], Client], library: tuple[Indicator, ...]
) -> None:
    assert client_for("outsider").get(URL).json()["count"] == 2


@pytest.mark.parametrize("extra", [0, 25])
def test_list_queries_do_not_grow_with_the_library(
    org: TestOrg,
    django_assert_num_queries: Callable[[int], Any],
    extra: int,
) -> None:
    for n in range(extra):
        gf.library_indicator(f"指标{n}", families=("sales", "rnd"))
    gf.library_indicator("基准")
    client = token_client(org.employee, TokenScope.READ_GOALS)
    client.get(URL)

    with django_assert_num_queries(8):
        response = client.get(URL, {"page_size": 100})

    assert response.json()["count"] == extra + 1


def test_endpoints_are_described_in_openapi(client_for: Callable[[str], Client]) -> None:
    schema = client_for("employee").get("/api/v1/openapi.json").json()

    assert {"/api/v1/indicators", "/api/v1/indicators/{uuid}"} <= set(schema["paths"])
    assert "scoring_rule_text" in schema["components"]["schemas"]["IndicatorOut"]["properties"]
