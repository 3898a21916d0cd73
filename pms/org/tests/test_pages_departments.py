"""The department tree and department pages: who sees what, what changes, how many queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org import services
from pms.org.models import Department, Employee
from pms.org.tests import factories as f
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_selectors import grow_company

ClientFor = Callable[[str], Client]


@pytest.fixture
def stranger(org: TestOrg) -> Client:
    """Signed in, but neither an employee nor holding any role."""
    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _audit(department: Department) -> AuditEntry:
    return AuditEntry.objects.filter(object_type="org.department", object_id=str(department.pk))[0]


# --- tree -----------------------------------------------------------------------------------


def test_tree_shows_two_levels_with_heads_and_headcounts(
    client_for: ClientFor, org: TestOrg
) -> None:
    response = client_for("employee").get(reverse("org:tree"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "总部" in html
    assert "王总" in html  # head of 总部
    assert "销售中心" in html
    assert "1 / 9" in html  # 总部: one person directly, nine in total
    assert "1 / 5" in html  # 销售中心
    # the third level is not rendered; a lazy link stands in for it
    assert "销售一部" not in html
    assert reverse("org:department_children", args=[org.sales.uuid]) in html
    assert "New department" not in html


def test_tree_marks_closed_departments_and_offers_creation_to_hr(
    client_for: ClientFor, org: TestOrg
) -> None:
    # given 研发中心 is closed
    services.department_close(actor=Actor.system(), department=org.rnd, move_to=org.hr_dept)

    hr_html = client_for("hr_admin").get(reverse("org:tree")).content.decode()
    employee_html = client_for("employee").get(reverse("org:tree")).content.decode()

    assert "研发中心" in hr_html
    assert "Closed" in hr_html
    assert reverse("org:department_create") in hr_html
    assert "研发中心" not in employee_html


def test_tree_is_not_found_for_someone_outside_the_company(stranger: Client) -> None:
    assert stranger.get(reverse("org:tree")).status_code == 404


def test_tree_asks_anonymous_visitors_to_sign_in(org: TestOrg) -> None:
    response = Client().get(reverse("org:tree"))

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("size", [0, 30])
def test_tree_query_count_does_not_grow_with_the_company(
    client_for: ClientFor, org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    grow_company(org, size)
    client = client_for("employee")

    # +1: a plain employee's menu asks once whether they sit in a calibration session
    with django_assert_num_queries(9):
        response = client.get(reverse("org:tree"))

    assert response.status_code == 200


def test_children_fragment_lists_sub_departments_with_their_own_lazy_links(
    client_for: ClientFor, org: TestOrg
) -> None:
    deeper = f.department("销售一组", parent=org.sales1)

    response = client_for("employee").get(
        reverse("org:department_children", args=[org.sales.uuid]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "销售一部" in html
    assert "3 / 3" in html
    assert "销售二部" in html
    assert reverse("org:department_children", args=[org.sales1.uuid]) in html
    assert deeper.name not in html


@pytest.mark.parametrize("size", [0, 30])
def test_children_query_count_does_not_grow(
    client_for: ClientFor, org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    grow_company(org, size)
    client = client_for("employee")

    with django_assert_num_queries(9):
        response = client.get(reverse("org:department_children", args=[org.sales1.uuid]))

    assert response.status_code == 200


def test_children_of_an_unknown_department_is_not_found(
    client_for: ClientFor, org: TestOrg
) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"

    assert (
        client_for("employee").get(reverse("org:department_children", args=[unknown])).status_code
        == 404
    )


# --- department page ------------------------------------------------------------------------


def test_department_page_shows_breadcrumb_head_positions_and_members(
    client_for: ClientFor, org: TestOrg
) -> None:
    services.department_update(
        actor=Actor.system(), department=org.sales1, changes={"head": org.manager}
    )

    response = client_for("employee").get(reverse("org:department", args=[org.sales1.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert [d.name for d in response.context["ancestors"]] == ["总部", "销售中心"]
    assert "张经理" in html  # head
    assert "销售代表" in html  # position
    assert "陈员工" in html
    assert "刘同事" in html
    assert f"{reverse('org:directory')}?department={org.sales1.uuid}" in html
    assert "History" not in html
    assert reverse("org:department_edit", args=[org.sales1.uuid]) not in html
    assert "employees.xlsx" not in html


def test_department_page_gives_hr_the_change_links_export_and_history(
    client_for: ClientFor, org: TestOrg
) -> None:
    html = (
        client_for("hr_admin")
        .get(reverse("org:department", args=[org.sales.uuid]))
        .content.decode()
    )

    for name in ("department_edit", "department_move", "department_close"):
        assert reverse(f"org:{name}", args=[org.sales.uuid]) in html
    assert f"{reverse('org:department_create')}?parent={org.sales.uuid}" in html
    assert (
        f"{reverse('org:export', args=['employees', 'xlsx'])}?department={org.sales.uuid}" in html
    )
    assert "History" in html
    assert "Department code" in html  # audited field names are shown translated


def test_department_members_are_paginated_by_fifty(client_for: ClientFor, org: TestOrg) -> None:
    team = f.department("大团队", parent=org.hq)
    for _ in range(51):
        f.employee(dept=team)
    client = client_for("employee")

    first = client.get(reverse("org:department", args=[team.uuid]))
    second = client.get(reverse("org:department", args=[team.uuid]), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()


def test_closed_department_is_not_found_for_employees(client_for: ClientFor, org: TestOrg) -> None:
    services.department_close(actor=Actor.system(), department=org.sales2, move_to=org.sales1)

    assert (
        client_for("employee").get(reverse("org:department", args=[org.sales2.uuid])).status_code
        == 404
    )
    assert (
        client_for("hr_admin").get(reverse("org:department", args=[org.sales2.uuid])).status_code
        == 200
    )


def test_department_page_is_not_found_for_someone_outside_the_company(
    stranger: Client, org: TestOrg
) -> None:
    assert stranger.get(reverse("org:department", args=[org.sales.uuid])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "queries", "size"),
    # a plain employee's menu asks once whether they sit in a calibration session
    [("employee", 14, 0), ("employee", 14, 30), ("hr_admin", 15, 0), ("hr_admin", 15, 30)],
)
def test_department_page_query_count_does_not_grow(
    *,
    client_for: ClientFor,
    org: TestOrg,
    persona: str,
    queries: int,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    grow_company(org, size)
    client = client_for(persona)

    with django_assert_num_queries(queries):
        response = client.get(reverse("org:department", args=[org.sales1.uuid]))

    assert response.status_code == 200
    assert response.context["subtree"].total == 3 + 2 * size


# --- edit -----------------------------------------------------------------------------------


def test_hr_renames_a_department_and_the_change_is_audited(
    client_for: ClientFor, org: TestOrg
) -> None:
    url = reverse("org:department_edit", args=[org.sales1.uuid])
    client = client_for("hr_admin")
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "name": "华东销售部",
            "code": "EAST",
            "head": "E0003",
            "sort_order": 5,
            "reason": "区域调整",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("org:department", args=[org.sales1.uuid])
    assert _messages(response) == ["Department saved."]
    org.sales1.refresh_from_db()
    assert (org.sales1.name, org.sales1.code, org.sales1.head, org.sales1.sort_order) == (
        "华东销售部",
        "EAST",
        org.manager,
        5,
    )
    entry = _audit(org.sales1)
    assert entry.action == AuditAction.UPDATE
    assert entry.before["name"] == "销售一部"
    assert entry.after["name"] == "华东销售部"
    assert entry.after["head"] == str(org.manager)
    assert entry.reason == "区域调整"


def test_edit_refuses_a_code_already_used_and_changes_nothing(
    client_for: ClientFor, org: TestOrg
) -> None:
    audit_rows = AuditEntry.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:department_edit", args=[org.sales1.uuid]),
        {"name": "新名字", "code": "SALES2", "head": "", "sort_order": 0},
    )

    assert response.status_code == 200
    assert "This code is already used." in response.content.decode()
    org.sales1.refresh_from_db()
    assert (org.sales1.name, org.sales1.code) == ("销售一部", "SALES1")
    assert AuditEntry.objects.count() == audit_rows


def test_edit_refuses_an_unknown_head_number(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").post(
        reverse("org:department_edit", args=[org.sales1.uuid]),
        {"name": "销售一部", "code": "SALES1", "head": "NOPE", "sort_order": 0},
    )

    assert response.status_code == 200
    assert "No employee has the number NOPE." in response.content.decode()
    org.sales1.refresh_from_db()
    assert org.sales1.head is None


@pytest.mark.parametrize("persona", ["employee", "head", "hrbp", "ceo"])
def test_edit_is_forbidden_to_those_who_cannot_change_structure(
    client_for: ClientFor, org: TestOrg, persona: str
) -> None:
    url = reverse("org:department_edit", args=[org.sales1.uuid])
    client = client_for(persona)

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "X", "code": "X", "head": "", "sort_order": 0})

    assert response.status_code == 403
    org.sales1.refresh_from_db()
    assert org.sales1.name == "销售一部"


def test_edit_is_not_found_outside_the_company(stranger: Client, org: TestOrg) -> None:
    url = reverse("org:department_edit", args=[org.sales1.uuid])

    assert stranger.post(url, {"name": "X", "code": "X", "sort_order": 0}).status_code == 404
    org.sales1.refresh_from_db()
    assert org.sales1.name == "销售一部"


# --- move -----------------------------------------------------------------------------------


def test_hr_moves_a_subtree_under_another_parent(client_for: ClientFor, org: TestOrg) -> None:
    team = f.department("二部一组", parent=org.sales2)
    url = reverse("org:department_move", args=[org.sales2.uuid])
    client = client_for("hr_admin")
    assert "销售中心" in client.get(url).content.decode()

    response = client.post(url, {"parent": str(org.rnd.uuid), "reason": "并入研发"})

    assert response.status_code == 302
    assert _messages(response) == ["Department moved."]
    org.sales2.refresh_from_db()
    team.refresh_from_db()
    assert org.sales2.parent == org.rnd
    assert team.path.startswith(org.rnd.path)
    entry = _audit(org.sales2)
    assert entry.action == AuditAction.MOVE
    assert (entry.before["parent"], entry.after["parent"]) == ("销售中心", "研发中心")
    assert entry.reason == "并入研发"


def test_move_under_its_own_sub_department_shows_the_services_message(
    client_for: ClientFor, org: TestOrg
) -> None:
    audit_rows = AuditEntry.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:department_move", args=[org.sales.uuid]), {"parent": str(org.sales1.uuid)}
    )

    assert response.status_code == 200
    assert (
        "A department cannot move under itself or its own sub-department."
        in response.content.decode()
    )
    org.sales.refresh_from_db()
    assert org.sales.parent == org.hq
    assert AuditEntry.objects.count() == audit_rows


def test_move_is_forbidden_to_an_employee(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("employee").post(
        reverse("org:department_move", args=[org.sales2.uuid]), {"parent": str(org.rnd.uuid)}
    )

    assert response.status_code == 403
    org.sales2.refresh_from_db()
    assert org.sales2.parent == org.sales


# --- close ----------------------------------------------------------------------------------


def test_hr_closes_a_department_and_everything_moves(client_for: ClientFor, org: TestOrg) -> None:
    team = f.department("二部一组", parent=org.sales2)
    position = f.position(dept=org.sales2)
    url = reverse("org:department_close", args=[org.sales2.uuid])
    client = client_for("hr_admin")
    page = client.get(url).content.decode()
    assert "sub-departments" in page

    response = client.post(url, {"move_to": str(org.sales1.uuid), "reason": "合并"})

    assert response.status_code == 302
    assert _messages(response) == ["Department closed."]
    org.sales2.refresh_from_db()
    assert org.sales2.is_active is False
    assert Employee.objects.get(pk=org.other_manager.pk).department == org.sales1
    team.refresh_from_db()
    position.refresh_from_db()
    assert team.parent == org.sales1
    assert position.department == org.sales1
    entry = _audit(org.sales2)
    assert entry.action == AuditAction.CLOSE
    assert entry.after["people_moved"] == 1
    assert entry.reason == "合并"


def test_close_refuses_a_target_inside_the_department(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").post(
        reverse("org:department_close", args=[org.sales.uuid]), {"move_to": str(org.sales1.uuid)}
    )

    assert response.status_code == 200
    assert (
        "People must move to a department outside the one being closed."
        in response.content.decode()
    )
    org.sales.refresh_from_db()
    assert org.sales.is_active is True


def test_close_needs_a_target(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").post(
        reverse("org:department_close", args=[org.sales2.uuid]), {}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["move_to"]
    org.sales2.refresh_from_db()
    assert org.sales2.is_active is True


def test_close_is_forbidden_to_a_department_head(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("head").post(
        reverse("org:department_close", args=[org.sales2.uuid]), {"move_to": str(org.sales1.uuid)}
    )

    assert response.status_code == 403
    org.sales2.refresh_from_db()
    assert org.sales2.is_active is True


# --- create ---------------------------------------------------------------------------------


def test_create_preselects_the_parent_from_the_query(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").get(
        reverse("org:department_create"), {"parent": str(org.sales.uuid)}
    )

    assert response.status_code == 200
    assert f'<option value="{org.sales.uuid}" selected>' in response.content.decode()


def test_hr_creates_a_department(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").post(
        reverse("org:department_create"),
        {"name": "销售三部", "code": "SALES3", "parent": str(org.sales.uuid), "head": "E0006"},
    )

    created = Department.objects.get(code="SALES3")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:department", args=[created.uuid])
    assert _messages(response) == ["Department created."]
    assert (created.parent, created.head, created.depth) == (org.sales, org.other_manager, 2)
    entry = _audit(created)
    assert entry.action == AuditAction.CREATE
    assert entry.after["name"] == "销售三部"


def test_create_refuses_a_duplicate_code(client_for: ClientFor, org: TestOrg) -> None:
    count = Department.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:department_create"), {"name": "重复", "code": "SALES1"}
    )

    assert response.status_code == 200
    assert "This code is already used." in response.content.decode()
    assert Department.objects.count() == count


def test_create_is_forbidden_to_an_employee_and_hidden_from_strangers(
    client_for: ClientFor, org: TestOrg, stranger: Client
) -> None:
    data = {"name": "影子部门", "code": "SHADOW"}

    assert client_for("employee").post(reverse("org:department_create"), data).status_code == 403
    assert stranger.post(reverse("org:department_create"), data).status_code == 404
    assert not Department.objects.filter(code="SHADOW").exists()
