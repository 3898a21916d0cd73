"""/api/v1/positions: job-analysis positions, read by every colleague, changed by HR admins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.models import AuditAction
from pms.core.tests.test_api_support import api_audit, assert_error, token_client
from pms.org.models import Position
from pms.org.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URL = "/api/v1/positions"


def _extra_positions(org: TestOrg) -> Position:
    rnd_family = factories.role_family("rnd", "研发")
    return factories.position("后端工程师", code="DEV", family=rnd_family, dept=org.rnd)


def test_a_colleague_lists_positions(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    _extra_positions(org)

    response = client_for("outsider").get(URL)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [p["code"] for p in items] == ["DEV", "SALES-REP"]
    rep = items[1]
    assert rep["role_family"] == {"code": "sales", "name": "销售"}
    assert rep["department"]["code"] == "SALES1"
    assert rep["key_indicators"] == ["销售额", "回款率"]


def test_filters(org: TestOrg) -> None:
    _extra_positions(org)
    client = token_client(org.outsider, TokenScope.READ_ORG)

    def codes(**params: str) -> list[str]:
        return [p["code"] for p in client.get(URL, params).json()["items"]]

    assert codes(role_family="rnd") == ["DEV"]
    assert codes(department=str(org.sales1.uuid)) == ["SALES-REP"]
    assert codes(q="工程师") == ["DEV"]
    error = assert_error(client.get(URL, {"role_family": "nope"}), 422, "validation_error")
    assert set(error["fields"]) == {"role_family"}


def test_list_and_detail_refusals(org: TestOrg, client: Client) -> None:
    position = Position.objects.get(code="SALES-REP")
    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(client.get(f"{URL}/{position.uuid}"), 401, "not_authenticated")
    client = token_client(org.hr_admin, TokenScope.WRITE_ACTUALS)
    assert_error(client.get(URL), 403, "missing_scope")
    assert_error(client.get(f"{URL}/{position.uuid}"), 403, "missing_scope")


def test_detail(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    position = Position.objects.get(code="SALES-REP")
    client = client_for("employee")

    assert client.get(f"{URL}/{position.uuid}").json()["title"] == "销售代表"
    assert_error(client.get(f"{URL}/7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"), 404, "not_found")


@pytest.mark.parametrize("extra", [0, 20])
def test_list_queries_do_not_grow_with_the_company(
    org: TestOrg,
    client_for: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], object],
    extra: int,
) -> None:
    for _ in range(extra):
        factories.position(dept=org.sales2)
    client = client_for("employee")
    client.get(URL)

    with django_assert_num_queries(8):  # type: ignore[attr-defined]
        response = client.get(URL, {"page_size": 500})

    assert response.json()["count"] == 1 + extra


def test_hr_admin_creates_a_position(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.WRITE_ORG)

    response = client.post(
        URL,
        {
            "code": "KA",
            "title": "大客户经理",
            "role_family": "sales",
            "department": str(org.sales2.uuid),
            "responsibilities": "维护重点客户",
            "key_indicators": ["大客户销售额", " 续约率 "],
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    position = Position.objects.get(code="KA")
    assert response.json()["uuid"] == str(position.uuid)
    assert position.department == org.sales2
    assert position.key_indicator_list == ["大客户销售额", "续约率"]
    [entry] = api_audit(position)
    assert entry.action == AuditAction.CREATE


@pytest.mark.parametrize("persona", ["employee", "head", "hrbp"])
def test_others_may_not_create_positions(client_for: Callable[[str], Client], persona: str) -> None:
    response = client_for(persona).post(
        URL,
        {"code": "KA", "title": "大客户经理", "role_family": "sales"},
        content_type="application/json",
    )
    assert_error(response, 403, "forbidden")
    assert not Position.objects.filter(code="KA").exists()


def test_create_needs_write_scope(org: TestOrg) -> None:
    response = token_client(org.hr_admin, TokenScope.READ_ORG).post(
        URL,
        {"code": "KA", "title": "大客户经理", "role_family": "sales"},
        content_type="application/json",
    )
    assert_error(response, 403, "missing_scope")
    assert not Position.objects.filter(code="KA").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "SALES-REP", "title": "重复", "role_family": "sales"}, "code"),
        ({"code": "KA", "title": "大客户经理", "role_family": "nope"}, "role_family"),
        ({"code": "KA", "title": "大客户经理"}, "role_family"),
        (
            {"code": "KA", "title": "大", "role_family": "sales", "key_indicators": "x"},
            "key_indicators",
        ),
    ],
)
def test_create_with_bad_input_is_422(
    client_for: Callable[[str], Client], body: dict[str, object], field: str
) -> None:
    before = Position.objects.count()

    response = client_for("hr_admin").post(URL, body, content_type="application/json")

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"]
    assert Position.objects.count() == before


def test_hr_admin_changes_a_position(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    position = Position.objects.get(code="SALES-REP")

    response = client_for("hr_admin").patch(
        f"{URL}/{position.uuid}",
        {"title": "高级销售代表", "department": None, "is_active": False, "reason": "岗位调整"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "高级销售代表"
    position.refresh_from_db()
    assert position.title == "高级销售代表"
    assert position.department is None
    assert position.is_active is False
    [entry] = api_audit(position)
    assert entry.action == AuditAction.UPDATE
    assert entry.reason == "岗位调整"


def test_a_colleague_may_see_but_not_change(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    position = Position.objects.get(code="SALES-REP")
    response = client_for("manager").patch(
        f"{URL}/{position.uuid}", {"title": "改名"}, content_type="application/json"
    )
    assert_error(response, 403, "forbidden")
    position.refresh_from_db()
    assert position.title == "销售代表"


def test_patch_with_bad_input_changes_nothing(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    position = Position.objects.get(code="SALES-REP")
    client = client_for("hr_admin")
    for body, field in [
        ({"title": None}, "title"),
        ({"role_family": "nope"}, "role_family"),
        ({"department": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}, "department"),
    ]:
        response = client.patch(f"{URL}/{position.uuid}", body, content_type="application/json")
        error = assert_error(response, 422, "validation_error")
        assert set(error["fields"]) == {field}
    position.refresh_from_db()
    assert position.title == "销售代表"
    assert api_audit(position) == []


def test_patch_unknown_is_404_and_needs_scope(org: TestOrg) -> None:
    position = Position.objects.get(code="SALES-REP")
    writer = token_client(org.hr_admin, TokenScope.WRITE_ORG)
    reader = token_client(org.hr_admin, TokenScope.READ_ORG)
    body = {"title": "改名"}

    assert_error(
        writer.patch(
            f"{URL}/7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b", body, content_type="application/json"
        ),
        404,
        "not_found",
    )
    assert_error(
        reader.patch(f"{URL}/{position.uuid}", body, content_type="application/json"),
        403,
        "missing_scope",
    )
