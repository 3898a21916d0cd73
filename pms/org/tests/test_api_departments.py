"""/api/v1/departments: who may list, read, create and change departments."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pms.accounts.models import TokenScope, User
from pms.core.audit import Actor
from pms.core.models import AuditAction
from pms.core.tests.test_api_support import api_audit, assert_error, token_client
from pms.org import services
from pms.org.models import Department
from pms.org.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URL = "/api/v1/departments"


def _codes(response: object) -> list[str]:
    return [item["code"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def _close_rnd(org: TestOrg) -> None:
    services.department_close(actor=Actor.system(), department=org.rnd, move_to=org.hq)


# --- list ------------------------------------------------------------------------------------


def test_a_colleague_lists_open_departments(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    _close_rnd(org)

    response = client_for("employee").get(URL, {"include_closed": "true"})

    assert response.status_code == 200
    body = response.json()
    assert set(_codes(response)) == {"HQ", "SALES", "SALES1", "SALES2", "HR"}
    assert body["count"] == 5
    assert body["page"] == 1
    assert body["pages"] == 1
    sales = next(d for d in body["items"] if d["code"] == "SALES")
    assert sales["uuid"] == str(org.sales.uuid)
    assert sales["parent"] == {"uuid": str(org.hq.uuid), "code": "HQ", "name": "总部"}
    assert sales["head"]["number"] == "E0002"
    assert "id" not in sales


def test_hr_may_include_closed_departments(org: TestOrg) -> None:
    _close_rnd(org)
    client = token_client(org.hr_admin, TokenScope.READ_ORG)

    assert "RND" not in _codes(client.get(URL))
    assert "RND" in _codes(client.get(URL, {"include_closed": "true"}))


def test_filters_by_parent_and_text(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    client = client_for("employee")

    assert set(_codes(client.get(URL, {"parent": str(org.sales.uuid)}))) == {"SALES1", "SALES2"}
    assert _codes(client.get(URL, {"q": "研发"})) == ["RND"]
    assert _codes(client.get(URL, {"q": "sales1"})) == ["SALES1"]


def test_unknown_parent_filter_is_422(client_for: Callable[[str], Client]) -> None:
    client = client_for("employee")
    error = assert_error(
        client.get(URL, {"parent": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"parent"}
    error = assert_error(client.get(URL, {"parent": "nope"}), 422, "validation_error")
    assert set(error["fields"]) == {"parent"}


def test_refused_without_place_scope_or_login(org: TestOrg, client: Client) -> None:
    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(token_client(org.hr_admin, TokenScope.WRITE_ORG).get(URL), 403, "missing_scope")
    stranger = User.objects.create_user(username="stranger", password="x")
    response = token_client(stranger, TokenScope.READ_ORG).get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def _grow(extra: int) -> None:
    parent = Department.objects.get(code="SALES")
    for n in range(extra):
        department = factories.department(parent=parent)
        head = factories.employee(dept=department)
        services.department_update(
            actor=Actor.system(), department=department, changes={"head": head}
        )
        if n % 3 == 0:
            parent = department


@pytest.mark.parametrize("extra", [0, 20])
def test_list_queries_do_not_grow_with_the_company(
    org: TestOrg,
    client_for: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], object],
    extra: int,
) -> None:
    _grow(extra)
    client = client_for("employee")
    client.get(URL)  # the session is warm, as for any later request

    # session, user, principal (employee, grants, headed departments, reports), count, page
    with django_assert_num_queries(8):  # type: ignore[attr-defined]
        response = client.get(URL, {"page_size": 500})

    assert response.json()["count"] == 6 + extra


# --- detail ----------------------------------------------------------------------------------


def test_detail_for_a_colleague(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    response = client_for("outsider").get(f"{URL}/{org.sales1.uuid}")

    assert response.status_code == 200
    assert response.json()["name"] == "销售一部"
    assert response.json()["depth"] == 2


def test_detail_of_closed_or_unknown_is_404_for_a_colleague(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    _close_rnd(org)
    client = client_for("employee")

    assert_error(client.get(f"{URL}/{org.rnd.uuid}"), 404, "not_found")
    assert_error(client.get(f"{URL}/7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"), 404, "not_found")
    assert client_for("hr_admin").get(f"{URL}/{org.rnd.uuid}").json()["is_active"] is False


def test_detail_needs_read_scope(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_RESULTS)
    assert_error(client.get(f"{URL}/{org.sales.uuid}"), 403, "missing_scope")


# --- create ----------------------------------------------------------------------------------


def test_hr_admin_creates_a_department(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.WRITE_ORG)

    response = client.post(
        URL,
        {"code": "SALES3", "name": "销售三部", "parent": str(org.sales.uuid), "head": "E0006"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    department = Department.objects.get(code="SALES3")
    assert response.json()["uuid"] == str(department.uuid)
    assert department.parent == org.sales
    assert department.head == org.other_manager
    assert department.path == f"{org.sales.path}{department.pk}/"
    [entry] = api_audit(department)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.hr_admin.user


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "hrbp", "ceo"])
def test_others_may_not_create_departments(
    client_for: Callable[[str], Client], persona: str
) -> None:
    response = client_for(persona).post(
        URL, {"code": "NEW", "name": "新部门"}, content_type="application/json"
    )

    assert_error(response, 403, "forbidden")
    assert not Department.objects.filter(code="NEW").exists()


def test_create_needs_write_scope(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    response = client.post(URL, {"code": "NEW", "name": "新部门"}, content_type="application/json")
    assert_error(response, 403, "missing_scope")
    assert not Department.objects.filter(code="NEW").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "SALES", "name": "重复"}, "code"),
        ({"name": "无编码"}, "code"),
        ({"code": "NEW", "name": "新", "parent": "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"}, "parent"),
        ({"code": "NEW", "name": "新", "head": "E9999"}, "head"),
        ({"code": "NEW", "name": "新", "sort_order": -1}, "sort_order"),
        ({"code": "NEW", "name": "x" * 101}, "name"),
    ],
)
def test_create_with_bad_input_is_422_and_changes_nothing(
    client_for: Callable[[str], Client], body: dict[str, object], field: str
) -> None:
    before = Department.objects.count()

    response = client_for("hr_admin").post(URL, body, content_type="application/json")

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"]
    assert Department.objects.count() == before


# --- change ----------------------------------------------------------------------------------


def test_hr_admin_renames_and_moves_a_department(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("hr_admin").patch(
        f"{URL}/{org.sales2.uuid}",
        {"name": "华东销售部", "parent": str(org.hq.uuid), "reason": "重组"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "华东销售部"
    assert response.json()["parent"]["code"] == "HQ"
    org.sales2.refresh_from_db()
    assert org.sales2.name == "华东销售部"
    assert org.sales2.parent == org.hq
    assert org.sales2.path == f"{org.hq.path}{org.sales2.pk}/"
    entries = api_audit(org.sales2)
    assert {e.action for e in entries} == {AuditAction.UPDATE, AuditAction.MOVE}
    assert {e.reason for e in entries} == {"重组"}


def test_patch_head_to_null_and_parent_to_top(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("sysadmin").patch(
        f"{URL}/{org.sales.uuid}", {"head": None, "parent": None}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    org.sales.refresh_from_db()
    assert org.sales.head is None
    assert org.sales.parent is None
    assert org.sales.depth == 0


def test_a_bad_move_changes_nothing_at_all(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("hr_admin").patch(
        f"{URL}/{org.sales.uuid}",
        {"name": "改名", "parent": str(org.sales1.uuid)},
        content_type="application/json",
    )

    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"parent"}
    org.sales.refresh_from_db()
    assert org.sales.name == "销售中心"
    assert org.sales.parent == org.hq
    assert api_audit(org.sales) == []


def test_patch_refuses_null_for_required_fields(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("hr_admin").patch(
        f"{URL}/{org.sales.uuid}", {"name": None}, content_type="application/json"
    )

    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name"}
    org.sales.refresh_from_db()
    assert org.sales.name == "销售中心"


def test_a_colleague_may_see_but_not_change(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("head").patch(
        f"{URL}/{org.sales.uuid}", {"name": "改名"}, content_type="application/json"
    )

    assert_error(response, 403, "forbidden")
    org.sales.refresh_from_db()
    assert org.sales.name == "销售中心"


def test_patch_of_an_unseen_department_is_404(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    _close_rnd(org)
    response = client_for("employee").patch(
        f"{URL}/{org.rnd.uuid}", {"name": "改名"}, content_type="application/json"
    )
    assert_error(response, 404, "not_found")


def test_patch_needs_write_scope(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    response = client.patch(
        f"{URL}/{org.sales.uuid}", {"name": "改名"}, content_type="application/json"
    )
    assert_error(response, 403, "missing_scope")
