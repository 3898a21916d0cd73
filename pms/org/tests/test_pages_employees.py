"""Directory and profile pages, and HR's create and edit forms."""

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
from pms.org.models import Employee, EmployeeStatus
from pms.org.tests import factories as f
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_selectors import grow_company

ClientFor = Callable[[str], Client]


@pytest.fixture
def stranger(org: TestOrg) -> Client:
    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _audit(employee: Employee) -> AuditEntry:
    return AuditEntry.objects.filter(object_type="org.employee", object_id=str(employee.pk))[0]


def _numbers(response: Any) -> list[str]:
    return [person.number for person in response.context["page"]]


def _edit_data(employee: Employee, **changes: str) -> dict[str, str]:
    data = {
        "number": employee.number,
        "name": employee.name,
        "department": str(employee.department.uuid),
        "position": str(employee.position.uuid) if employee.position else "",
        "manager": employee.manager.number if employee.manager else "",
        "dotted_manager": "",
        "email": employee.email,
        "phone": employee.phone,
        "hire_date": employee.hire_date.isoformat() if employee.hire_date else "",
        "status": employee.status,
        "reason": "",
    }
    data.update(changes)
    return data


# --- directory ------------------------------------------------------------------------------


def test_directory_lists_colleagues_without_their_private_details(
    client_for: ClientFor, org: TestOrg
) -> None:
    response = client_for("employee").get(reverse("org:directory"))

    assert response.status_code == 200
    html = response.content.decode()
    assert _numbers(response)[:3] == ["E0001", "E0002", "E0003"]
    assert "孙工程师" in html
    assert org.employee.email in html  # their own
    assert org.outsider.email not in html
    assert 'data-label="Department"' in html
    assert 'name="status"' not in html  # no status filter without a private view
    assert "employees.xlsx" not in html
    assert reverse("org:employee_create") not in html


def test_directory_searches_name_number_and_email(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")

    assert _numbers(client.get(reverse("org:directory"), {"q": "陈员"})) == ["E0004"]
    assert _numbers(client.get(reverse("org:directory"), {"q": "E0007"})) == ["E0007"]
    assert _numbers(client.get(reverse("org:directory"), {"q": org.peer.email})) == ["E0005"]


def test_directory_department_filter_covers_the_subtree(
    client_for: ClientFor, org: TestOrg
) -> None:
    response = client_for("employee").get(
        reverse("org:directory"), {"department": str(org.sales.uuid)}
    )

    assert _numbers(response) == ["E0002", "E0003", "E0004", "E0005", "E0006"]


def test_directory_filters_by_position(client_for: ClientFor, org: TestOrg) -> None:
    assert org.employee.position is not None
    response = client_for("employee").get(
        reverse("org:directory"), {"position": str(org.employee.position.uuid)}
    )

    assert _numbers(response) == ["E0004", "E0005"]


def test_former_staff_show_only_to_those_with_a_private_view(
    client_for: ClientFor, org: TestOrg
) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"status": EmployeeStatus.LEFT}
    )

    employee_view = client_for("employee").get(reverse("org:directory"))
    hr_view = client_for("hr_admin").get(reverse("org:directory"), {"status": "left"})

    assert "E0007" not in _numbers(employee_view)
    assert _numbers(hr_view) == ["E0007"]
    assert "Left" in hr_view.content.decode()


def test_status_filter_for_a_manager_covers_only_their_team(
    client_for: ClientFor, org: TestOrg
) -> None:
    for person in (org.peer, org.outsider):
        services.employee_update(
            actor=Actor.system(), employee=person, changes={"status": EmployeeStatus.ON_LEAVE}
        )

    response = client_for("manager").get(reverse("org:directory"), {"status": "on_leave"})

    assert 'name="status"' in response.content.decode()
    assert _numbers(response) == ["E0005"]


def test_htmx_filter_returns_only_the_results_fragment(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("employee").get(
        reverse("org:directory"), {"q": "刘"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="directory-results">')
    assert "<html" not in html
    assert "刘同事" in html
    assert "HX-Request" in response["Vary"]


def test_hr_gets_an_export_link_with_the_current_filters(
    client_for: ClientFor, org: TestOrg
) -> None:
    response = client_for("hr_admin").get(
        reverse("org:directory"), {"department": str(org.sales.uuid), "page": "1"}
    )

    html = response.content.decode()
    export = reverse("org:export", args=["employees", "xlsx"])
    assert f"{export}?department={org.sales.uuid}" in html
    assert reverse("org:employee_create") in html


def test_directory_is_paginated_by_fifty(client_for: ClientFor, org: TestOrg) -> None:
    for _ in range(45):
        f.employee(dept=org.rnd)

    first = client_for("employee").get(reverse("org:directory"))
    second = client_for("employee").get(reverse("org:directory"), {"page": "2"})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 4


def test_directory_is_not_found_outside_the_company(stranger: Client) -> None:
    assert stranger.get(reverse("org:directory")).status_code == 404


@pytest.mark.parametrize(
    ("persona", "queries", "size"),
    # a plain employee's menu asks once whether they sit in a calibration session
    [("employee", 13, 0), ("employee", 13, 30), ("hr_admin", 13, 0), ("hr_admin", 13, 30)],
)
def test_directory_query_count_does_not_grow(
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
        response = client.get(
            reverse("org:directory"), {"q": "员工", "department": str(org.sales.uuid)}
        )

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1 + 2 * size


# --- profile --------------------------------------------------------------------------------


def test_colleague_sees_the_card_without_private_details(
    client_for: ClientFor, org: TestOrg
) -> None:
    response = client_for("peer").get(reverse("org:employee", args=[org.employee.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "陈员工" in html
    assert "销售一部" in html
    assert "销售代表" in html
    assert [p.name for p in response.context["chain"]] == ["王总", "李销售总监", "张经理"]
    assert org.employee.email not in html
    assert org.employee.phone not in html
    assert "Hire date" not in html
    assert "Dotted-line" not in html
    assert "History" not in html
    assert reverse("org:employee_edit", args=[org.employee.uuid]) not in html


def test_manager_sees_private_details_reports_and_dotted_line(
    client_for: ClientFor, org: TestOrg
) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"dotted_manager": org.manager}
    )

    response = client_for("manager").get(reverse("org:employee", args=[org.manager.uuid]))
    report = client_for("manager").get(reverse("org:employee", args=[org.employee.uuid]))

    assert [p.name for p in response.context["reports"]] == ["陈员工", "刘同事"]
    assert [p.name for p in response.context["dotted_reports"]] == ["孙工程师"]
    html = report.content.decode()
    assert org.employee.email in html
    assert org.employee.phone in html
    assert "2022-03-01" in html
    assert "History" not in html


def test_hr_sees_edit_and_history_with_field_names(client_for: ClientFor, org: TestOrg) -> None:
    html = (
        client_for("hr_admin")
        .get(reverse("org:employee", args=[org.employee.uuid]))
        .content.decode()
    )

    assert reverse("org:employee_edit", args=[org.employee.uuid]) in html
    assert "History" in html
    assert "Employee number" in html
    assert "Direct manager" in html


def test_former_colleague_profile_is_not_found_for_an_unrelated_employee(
    client_for: ClientFor, org: TestOrg
) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.peer, changes={"status": EmployeeStatus.LEFT}
    )

    assert (
        client_for("outsider").get(reverse("org:employee", args=[org.peer.uuid])).status_code == 404
    )
    assert (
        client_for("manager").get(reverse("org:employee", args=[org.peer.uuid])).status_code == 200
    )


def test_profile_is_not_found_outside_the_company(stranger: Client, org: TestOrg) -> None:
    assert stranger.get(reverse("org:employee", args=[org.employee.uuid])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "queries", "size"),
    # a plain employee's menu asks once whether they sit in a calibration session
    [("peer", 12, 0), ("peer", 12, 30), ("hr_admin", 15, 0), ("hr_admin", 15, 30)],
)
def test_profile_query_count_does_not_grow(
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
        response = client.get(reverse("org:employee", args=[org.manager.uuid]))

    assert response.status_code == 200
    assert len(response.context["reports"]) == 2 + 2 * size


# --- edit -----------------------------------------------------------------------------------


def test_hr_changes_a_manager_by_number(client_for: ClientFor, org: TestOrg) -> None:
    url = reverse("org:employee_edit", args=[org.employee.uuid])
    client = client_for("hr_admin")
    assert 'value="E0003"' in client.get(url).content.decode()

    response = client.post(
        url,
        _edit_data(org.employee, manager="E0006", dotted_manager="E0003", reason="调岗"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("org:employee", args=[org.employee.uuid])
    assert _messages(response) == ["陈员工 saved."]
    person = Employee.objects.get(pk=org.employee.pk)
    assert (person.manager, person.dotted_manager) == (org.other_manager, org.manager)
    assert person.report_path == f"{org.other_manager.report_path}{person.pk}/"
    entry = _audit(person)
    assert entry.action == AuditAction.UPDATE
    assert entry.before["manager"] == str(org.manager)
    assert entry.after["manager"] == str(org.other_manager)
    assert entry.reason == "调岗"
    assert set(entry.after) >= {"manager", "dotted_manager"}


def test_a_reporting_loop_shows_the_services_message_on_the_manager_field(
    client_for: ClientFor, org: TestOrg
) -> None:
    audit_rows = AuditEntry.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:employee_edit", args=[org.manager.uuid]),
        _edit_data(org.manager, manager="E0004", name="改名"),
    )

    assert response.status_code == 200
    assert "this would make the reporting line loop" in " ".join(
        response.context["form"].errors["manager"]
    )
    manager = Employee.objects.get(pk=org.manager.pk)
    assert (manager.manager, manager.name) == (org.head, "张经理")
    assert AuditEntry.objects.count() == audit_rows


def test_edit_refuses_an_unknown_manager_number(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hr_admin").post(
        reverse("org:employee_edit", args=[org.employee.uuid]),
        _edit_data(org.employee, manager="X999"),
    )

    assert response.status_code == 200
    assert "No employee has the number X999." in response.content.decode()
    assert Employee.objects.get(pk=org.employee.pk).manager == org.manager


def test_hrbp_may_edit_in_scope_but_not_move_people_out_of_it(
    client_for: ClientFor, org: TestOrg
) -> None:
    client = client_for("hrbp")

    response = client.post(
        reverse("org:employee_edit", args=[org.employee.uuid]),
        _edit_data(org.employee, department=str(org.rnd.uuid)),
    )

    assert response.status_code == 200
    assert "You may not place people in this department." in response.content.decode()
    assert Employee.objects.get(pk=org.employee.pk).department == org.sales1
    ok = client.post(
        reverse("org:employee_edit", args=[org.employee.uuid]),
        _edit_data(org.employee, phone="13900000000"),
    )
    assert ok.status_code == 302
    assert Employee.objects.get(pk=org.employee.pk).phone == "13900000000"


@pytest.mark.parametrize(("persona", "status"), [("hrbp", 403), ("manager", 403), ("peer", 403)])
def test_edit_is_refused_outside_hr_scope(
    client_for: ClientFor, org: TestOrg, persona: str, status: int
) -> None:
    target = org.outsider if persona == "hrbp" else org.employee
    url = reverse("org:employee_edit", args=[target.uuid])
    client = client_for(persona)

    assert client.get(url).status_code == status
    response = client.post(url, _edit_data(target, name="改名"))

    assert response.status_code == status
    assert Employee.objects.get(pk=target.pk).name == target.name


def test_edit_is_not_found_outside_the_company(stranger: Client, org: TestOrg) -> None:
    response = stranger.post(
        reverse("org:employee_edit", args=[org.employee.uuid]), _edit_data(org.employee, name="X")
    )

    assert response.status_code == 404
    assert Employee.objects.get(pk=org.employee.pk).name == "陈员工"


# --- create ---------------------------------------------------------------------------------


def test_hr_adds_an_employee(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    assert client.get(reverse("org:employee_create")).status_code == 200

    response = client.post(
        reverse("org:employee_create"),
        {
            "number": "E0100",
            "name": "新同事",
            "department": str(org.sales2.uuid),
            "manager": "E0006",
            "email": "new@example.com",
            "hire_date": "2024-07-01",
            "status": EmployeeStatus.PROBATION,
        },
    )

    person = Employee.objects.get(number="E0100")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:employee", args=[person.uuid])
    assert _messages(response) == ["新同事 added."]
    assert (person.department, person.manager, person.status) == (
        org.sales2,
        org.other_manager,
        EmployeeStatus.PROBATION,
    )
    assert person.user is not None
    entry = _audit(person)
    assert entry.action == AuditAction.CREATE
    assert entry.after["name"] == "新同事"


def test_create_refuses_a_number_already_used(client_for: ClientFor, org: TestOrg) -> None:
    count = Employee.objects.count()

    response = client_for("hr_admin").post(
        reverse("org:employee_create"),
        {"number": "E0004", "name": "重复", "department": str(org.sales2.uuid), "status": "active"},
    )

    assert response.status_code == 200
    assert "This employee number is already used." in response.content.decode()
    assert Employee.objects.count() == count


def test_hrbp_cannot_add_people_outside_their_scope(client_for: ClientFor, org: TestOrg) -> None:
    response = client_for("hrbp").post(
        reverse("org:employee_create"),
        {"number": "E0101", "name": "越权", "department": str(org.rnd.uuid), "status": "active"},
    )

    assert response.status_code == 200
    assert "You may not place people in this department." in response.content.decode()
    assert not Employee.objects.filter(number="E0101").exists()


def test_create_is_forbidden_to_a_manager_and_hidden_from_strangers(
    client_for: ClientFor, org: TestOrg, stranger: Client
) -> None:
    data = {"number": "E0102", "name": "X", "department": str(org.sales1.uuid), "status": "active"}

    assert client_for("manager").post(reverse("org:employee_create"), data).status_code == 403
    assert stranger.post(reverse("org:employee_create"), data).status_code == 404
    assert not Employee.objects.filter(number="E0102").exists()
