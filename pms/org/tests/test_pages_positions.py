"""Positions pages: list with filters, detail, create and edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.models import AuditAction, AuditEntry
from pms.org.models import Position
from pms.org.tests import factories as f
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_selectors import grow_company

ClientFor = Callable[[str], Client]


@pytest.fixture
def rep(org: TestOrg) -> Position:
    position = org.employee.position
    assert position is not None
    return position


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _audit(position: Position) -> AuditEntry:
    return AuditEntry.objects.filter(object_type="org.position", object_id=str(position.pk))[0]


# --- list -----------------------------------------------------------------------------------


def test_position_list_shows_positions_with_headcounts(
    client_for: ClientFor, org: TestOrg, rep: Position
) -> None:
    response = client_for("employee").get(reverse("org:positions"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "销售代表" in html
    assert "SALES-REP" in html
    assert [p.people for p in response.context["page"]] == [2]
    assert f"{reverse('org:directory')}?position={rep.uuid}" in html
    assert reverse("org:position_create") not in html


def test_position_list_filters_by_family_department_and_search(
    client_for: ClientFor, org: TestOrg
) -> None:
    family = f.role_family("rnd", "研发")
    engineer = f.position("软件工程师", family=family, dept=org.rnd, code="ENG")
    client = client_for("employee")

    def titles(**query: str) -> list[str]:
        return [p.title for p in client.get(reverse("org:positions"), query).context["page"]]

    assert titles(family=str(family.uuid)) == [engineer.title]
    assert titles(department=str(org.sales.uuid)) == ["销售代表"]  # includes the subtree
    assert titles(q="工程") == [engineer.title]
    assert titles(q="eng") == [engineer.title]
    assert titles(family="not-a-uuid") == ["软件工程师", "销售代表"]  # bad filter ignored


def test_position_list_is_not_found_outside_the_company(org: TestOrg) -> None:
    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))

    assert client.get(reverse("org:positions")).status_code == 404


@pytest.mark.parametrize("size", [0, 30])
def test_position_list_query_count_does_not_grow(
    client_for: ClientFor, org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    grow_company(org, size)
    client = client_for("employee")

    # +1: a plain employee's menu asks once whether they sit in a calibration session
    with django_assert_num_queries(11):
        response = client.get(reverse("org:positions"))

    assert response.status_code == 200


# --- detail ---------------------------------------------------------------------------------


def test_position_detail_shows_responsibilities_indicators_and_people(
    client_for: ClientFor, org: TestOrg, rep: Position
) -> None:
    response = client_for("employee").get(reverse("org:position", args=[rep.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "负责区域销售" in html
    assert "<li>销售额</li>" in html
    assert "<li>回款率</li>" in html
    assert response.context["headcount"] == 2
    assert f"{reverse('org:directory')}?position={rep.uuid}" in html
    assert "History" not in html
    assert reverse("org:position_edit", args=[rep.uuid]) not in html


def test_position_detail_gives_hr_edit_and_history(
    client_for: ClientFor, org: TestOrg, rep: Position
) -> None:
    html = client_for("hr_admin").get(reverse("org:position", args=[rep.uuid])).content.decode()

    assert reverse("org:position_edit", args=[rep.uuid]) in html
    assert "History" in html
    assert "Position code" in html


def test_unknown_position_is_not_found(client_for: ClientFor, org: TestOrg) -> None:
    url = reverse("org:position", args=["00000000-0000-0000-0000-000000000000"])

    assert client_for("employee").get(url).status_code == 404


# --- create ---------------------------------------------------------------------------------


def test_hr_creates_a_position(client_for: ClientFor, org: TestOrg, rep: Position) -> None:
    client = client_for("hr_admin")
    form_page = client.get(reverse("org:position_create"), {"department": str(org.sales2.uuid)})
    assert f'<option value="{org.sales2.uuid}" selected>' in form_page.content.decode()

    response = client.post(
        reverse("org:position_create"),
        {
            "code": "KAM",
            "title": "大客户经理",
            "role_family": str(rep.role_family.uuid),
            "department": str(org.sales2.uuid),
            "responsibilities": "维护重点客户",
            "key_indicators": "大客户收入\n续约率",
        },
    )

    created = Position.objects.get(code="KAM")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:position", args=[created.uuid])
    assert _messages(response) == ["Position created."]
    assert (created.title, created.department) == ("大客户经理", org.sales2)
    assert created.key_indicator_list == ["大客户收入", "续约率"]
    entry = _audit(created)
    assert entry.action == AuditAction.CREATE
    assert entry.after["title"] == "大客户经理"


def test_create_refuses_a_duplicate_code(
    client_for: ClientFor, org: TestOrg, rep: Position
) -> None:
    count = Position.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:position_create"),
        {"code": "SALES-REP", "title": "重复", "role_family": str(rep.role_family.uuid)},
    )

    assert response.status_code == 200
    assert "This code is already used." in response.content.decode()
    assert Position.objects.count() == count


def test_create_is_forbidden_to_an_hrbp(client_for: ClientFor, org: TestOrg, rep: Position) -> None:
    response = client_for("hrbp").post(
        reverse("org:position_create"),
        {"code": "NEW", "title": "新岗位", "role_family": str(rep.role_family.uuid)},
    )

    assert response.status_code == 403
    assert not Position.objects.filter(code="NEW").exists()


# --- edit -----------------------------------------------------------------------------------


def test_hr_edits_a_position_with_a_reason(
    client_for: ClientFor, org: TestOrg, rep: Position
) -> None:
    url = reverse("org:position_edit", args=[rep.uuid])
    client = client_for("hr_admin")
    assert "回款率" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "code": "SALES-REP",
            "title": "高级销售代表",
            "role_family": str(rep.role_family.uuid),
            "department": str(org.sales1.uuid),
            "responsibilities": "负责区域销售",
            "key_indicators": "销售额\n回款率\n新客户数",
            "is_active": "on",
            "reason": "岗位说明书更新",
        },
    )

    assert response.status_code == 302
    assert _messages(response) == ["Position saved."]
    rep.refresh_from_db()
    assert rep.title == "高级销售代表"
    assert rep.key_indicator_list == ["销售额", "回款率", "新客户数"]
    entry = _audit(rep)
    assert entry.action == AuditAction.UPDATE
    assert (entry.before["title"], entry.after["title"]) == ("销售代表", "高级销售代表")
    assert entry.reason == "岗位说明书更新"


def test_edit_requires_a_title(client_for: ClientFor, org: TestOrg, rep: Position) -> None:
    response = client_for("hr_admin").post(
        reverse("org:position_edit", args=[rep.uuid]),
        {"code": "SALES-REP", "title": "", "role_family": str(rep.role_family.uuid)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    rep.refresh_from_db()
    assert rep.title == "销售代表"


def test_edit_is_forbidden_to_a_manager(client_for: ClientFor, org: TestOrg, rep: Position) -> None:
    url = reverse("org:position_edit", args=[rep.uuid])
    client = client_for("manager")

    assert client.get(url).status_code == 403
    response = client.post(
        url, {"code": "X", "title": "X", "role_family": str(rep.role_family.uuid)}
    )

    assert response.status_code == 403
    rep.refresh_from_db()
    assert rep.title == "销售代表"
