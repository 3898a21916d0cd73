"""/api/v1/employees: the directory for colleagues, private details for those allowed,
changes for HR admins within their scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from pms.accounts.models import TokenScope, User
from pms.core.audit import Actor
from pms.core.models import AuditAction
from pms.core.tests.test_api_support import api_audit, assert_error, token_client
from pms.org import services
from pms.org.models import Employee, EmployeeStatus, Position
from pms.org.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URL = "/api/v1/employees"
PRIVATE = ("email", "phone", "hire_date", "status", "dotted_manager")
UNKNOWN_UUID = "7d7e1e48-4b4e-4d0b-a2a7-0b0b0b0b0b0b"


def _by_number(response: Any) -> dict[str, dict[str, Any]]:
    return {item["number"]: item for item in response.json()["items"]}


def _leave(person: Employee) -> None:
    services.employee_update(
        actor=Actor.system(), employee=person, changes={"status": EmployeeStatus.LEFT}
    )


# --- list ------------------------------------------------------------------------------------


def test_a_colleague_sees_the_directory_and_only_their_own_private_details(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("employee").get(URL)

    assert response.status_code == 200
    people = _by_number(response)
    assert len(people) == 9
    me, peer = people["E0004"], people["E0005"]
    assert me["private_included"] is True
    assert me["email"] == org.employee.email
    assert me["status"] == "active"
    assert peer["private_included"] is False
    assert all(peer[field] is None for field in PRIVATE)
    assert peer["manager"] == {"uuid": str(org.manager.uuid), "number": "E0003", "name": "张经理"}
    assert peer["position"]["code"] == "SALES-REP"
    assert peer["department"]["code"] == "SALES1"


def test_a_manager_sees_private_details_of_their_reports_only(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    people = _by_number(client_for("manager").get(URL))

    assert {n for n, p in people.items() if p["private_included"]} == {"E0003", "E0004", "E0005"}
    assert people["E0007"]["phone"] is None


def test_people_who_left_are_visible_only_to_those_allowed(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    _leave(org.peer)

    assert "E0005" not in _by_number(client_for("outsider").get(URL))
    people = _by_number(client_for("manager").get(URL))
    assert people["E0005"]["status"] == "left"


def test_status_filter_matches_only_people_whose_details_you_may_see(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"status": EmployeeStatus.ON_LEAVE}
    )

    assert _by_number(client_for("employee").get(URL, {"status": "on_leave"})) == {}
    assert set(_by_number(client_for("hr_admin").get(URL, {"status": "on_leave"}))) == {"E0007"}
    assert set(_by_number(client_for("employee").get(URL, {"status": "active"}))) == {"E0004"}
    error = assert_error(
        client_for("hr_admin").get(URL, {"status": "retired"}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"status"}


def test_filters(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    position = Position.objects.get(code="SALES-REP")

    def numbers(**params: str) -> set[str]:
        return set(_by_number(client.get(URL, params)))

    assert numbers(department=str(org.sales.uuid)) == {"E0002", "E0003", "E0004", "E0005", "E0006"}
    assert numbers(position=str(position.uuid)) == {"E0004", "E0005"}
    assert numbers(manager="E0003") == {"E0004", "E0005"}
    assert numbers(q="经理") == {"E0003", "E0006"}
    assert numbers(q="E0007") == {"E0007"}


def test_updated_since(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    with time_machine.travel(dt.datetime(2031, 5, 1, 9, tzinfo=dt.UTC)):
        services.employee_update(
            actor=Actor.system(), employee=org.peer, changes={"phone": "13900000000"}
        )

    assert set(_by_number(client.get(URL, {"updated_since": "2031-05-01T08:00:00Z"}))) == {"E0005"}
    # A time without zone is read in the installation's time zone.
    assert set(_by_number(client.get(URL, {"updated_since": "2031-05-01T16:00:00"}))) == {"E0005"}
    assert _by_number(client.get(URL, {"updated_since": "2031-05-01T18:00:00+08:00"})) == {}
    error = assert_error(client.get(URL, {"updated_since": "soon"}), 422, "validation_error")
    assert set(error["fields"]) == {"updated_since"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"department": UNKNOWN_UUID}, "department"),
        ({"position": UNKNOWN_UUID}, "position"),
        ({"manager": "E9999"}, "manager"),
    ],
)
def test_unknown_filter_values_are_422(
    client_for: Callable[[str], Client], params: dict[str, str], field: str
) -> None:
    error = assert_error(client_for("employee").get(URL, params), 422, "validation_error")
    assert set(error["fields"]) == {field}


def test_list_refusals(org: TestOrg, client: Client) -> None:
    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(token_client(org.hr_admin, TokenScope.WRITE_ORG).get(URL), 403, "missing_scope")
    stranger = User.objects.create_user(username="stranger", password="x")
    assert token_client(stranger, TokenScope.READ_ORG).get(URL).json()["count"] == 0


@pytest.mark.parametrize("extra", [0, 30])
def test_list_queries_do_not_grow_with_the_company(
    org: TestOrg,
    client_for: Callable[[str], Client],
    django_assert_num_queries: Callable[[int], object],
    extra: int,
) -> None:
    position = Position.objects.get(code="SALES-REP")
    for n in range(extra):
        factories.employee(dept=org.sales2, manager=org.other_manager, pos=position)
        if n % 5 == 0:
            _leave(factories.employee(dept=org.sales1, manager=org.manager))
    client = client_for("manager")
    client.get(URL)

    with django_assert_num_queries(8):  # type: ignore[attr-defined]
        response = client.get(URL, {"page_size": 500})

    assert response.json()["count"] == 9 + extra + (extra + 4) // 5


# --- detail ----------------------------------------------------------------------------------


def test_detail_by_uuid_and_by_number(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    manager = client_for("manager")
    outsider = client_for("outsider")

    by_uuid = manager.get(f"{URL}/{org.employee.uuid}").json()
    by_number = manager.get(f"{URL}/by-number/E0004").json()
    seen_by_outsider = outsider.get(f"{URL}/{org.employee.uuid}").json()

    assert by_uuid == by_number
    assert by_uuid["phone"] == org.employee.phone
    assert by_uuid["hire_date"] == "2022-03-01"
    assert seen_by_outsider["name"] == "陈员工"
    assert seen_by_outsider["private_included"] is False
    assert all(seen_by_outsider[field] is None for field in PRIVATE)


def test_detail_refusals(org: TestOrg, client: Client, client_for: Callable[[str], Client]) -> None:
    _leave(org.peer)
    outsider = client_for("outsider")

    assert_error(outsider.get(f"{URL}/{org.peer.uuid}"), 404, "not_found")
    assert_error(outsider.get(f"{URL}/by-number/E0005"), 404, "not_found")
    assert_error(outsider.get(f"{URL}/by-number/E9999"), 404, "not_found")
    assert_error(outsider.get(f"{URL}/{UNKNOWN_UUID}"), 404, "not_found")
    assert_error(client.get(f"{URL}/{org.employee.uuid}"), 401, "not_authenticated")
    assert_error(
        token_client(org.hr_admin, TokenScope.WRITE_ORG).get(f"{URL}/by-number/E0004"),
        403,
        "missing_scope",
    )


# --- create ----------------------------------------------------------------------------------


def _new_person(**overrides: Any) -> dict[str, Any]:
    return {
        "number": "E0100",
        "name": "钱新人",
        "department": "SALES2",
        "position": "SALES-REP",
        "manager": "E0006",
        "dotted_manager": "E0002",
        "email": "qian@example.com",
        "phone": "13700000000",
        "hire_date": "2024-07-01",
        "status": "probation",
        **overrides,
    }


def test_hr_admin_creates_an_employee(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.WRITE_ORG)

    response = client.post(URL, _new_person(), content_type="application/json")

    assert response.status_code == 201, response.content
    person = Employee.objects.get(number="E0100")
    body = response.json()
    assert body["uuid"] == str(person.uuid)
    assert body["private_included"] is True
    assert body["dotted_manager"]["number"] == "E0002"
    assert person.department == org.sales2
    assert person.manager == org.other_manager
    assert person.dotted_manager == org.head
    assert person.status == EmployeeStatus.PROBATION
    assert person.hire_date == dt.date(2024, 7, 1)
    assert person.report_path == f"{org.other_manager.report_path}{person.pk}/"
    assert person.user is not None
    [entry] = api_audit(person)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.hr_admin.user


def test_hrbp_creates_within_their_scope_only(client_for: Callable[[str], Client]) -> None:
    client = client_for("hrbp")

    assert client.post(URL, _new_person(), content_type="application/json").status_code == 201
    response = client.post(
        URL,
        _new_person(number="E0101", department="RND", manager="E0007", position=None),
        content_type="application/json",
    )

    assert_error(response, 403, "forbidden")
    assert not Employee.objects.filter(number="E0101").exists()


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "ceo"])
def test_others_may_not_create(client_for: Callable[[str], Client], persona: str) -> None:
    response = client_for(persona).post(URL, _new_person(), content_type="application/json")
    assert_error(response, 403, "forbidden")
    assert not Employee.objects.filter(number="E0100").exists()


def test_create_needs_write_scope(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    assert_error(
        client.post(URL, _new_person(), content_type="application/json"), 403, "missing_scope"
    )
    assert not Employee.objects.filter(number="E0100").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "E0004"}, "number"),
        ({"department": "NOPE"}, "department"),
        ({"position": "NOPE"}, "position"),
        ({"manager": "E9999"}, "manager"),
        ({"dotted_manager": "E9999"}, "dotted_manager"),
        ({"email": "not-an-email"}, "email"),
        ({"status": "retired"}, "status"),
        ({"hire_date": "2024-13-40"}, "hire_date"),
        ({"name": ""}, "name"),
        ({"salary": 1}, "salary"),
    ],
)
def test_create_with_bad_input_is_422_and_changes_nothing(
    client_for: Callable[[str], Client], overrides: dict[str, Any], field: str
) -> None:
    before = (Employee.objects.count(), User.objects.count())

    response = client_for("hr_admin").post(
        URL, _new_person(**overrides), content_type="application/json"
    )

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"], error
    assert (Employee.objects.count(), User.objects.count()) == before


# --- change ----------------------------------------------------------------------------------


def test_hr_admin_changes_an_employee(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    response = client_for("hr_admin").patch(
        f"{URL}/{org.employee.uuid}",
        {"manager": "E0006", "department": "SALES2", "phone": "13911112222", "reason": "调岗"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["manager"]["number"] == "E0006"
    org.employee.refresh_from_db()
    assert org.employee.manager == org.other_manager
    assert org.employee.department == org.sales2
    assert org.employee.phone == "13911112222"
    assert org.employee.report_path == f"{org.other_manager.report_path}{org.employee.pk}/"
    assert org.employee.position is not None  # not sent, not changed
    [entry] = api_audit(org.employee)
    assert entry.action == AuditAction.UPDATE
    assert entry.reason == "调岗"
    assert entry.before["phone"] != entry.after["phone"]  # type: ignore[index]


def test_null_clears_position_and_dotted_line(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("hr_admin").patch(
        f"{URL}/{org.employee.uuid}",
        {"position": None, "dotted_manager": None},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    org.employee.refresh_from_db()
    assert org.employee.position is None


def test_hrbp_may_not_move_people_out_of_their_scope(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    client = client_for("hrbp")

    response = client.patch(
        f"{URL}/{org.employee.uuid}", {"department": "RND"}, content_type="application/json"
    )

    assert_error(response, 403, "forbidden")
    org.employee.refresh_from_db()
    assert org.employee.department == org.sales1
    ok = client.patch(
        f"{URL}/{org.employee.uuid}", {"department": "SALES2"}, content_type="application/json"
    )
    assert ok.status_code == 200, ok.content


@pytest.mark.parametrize(
    ("persona", "person"), [("manager", "employee"), ("outsider", "employee"), ("hrbp", "outsider")]
)
def test_those_who_see_but_may_not_change_get_403(
    org: TestOrg, client_for: Callable[[str], Client], persona: str, person: str
) -> None:
    target: Employee = getattr(org, person)
    response = client_for(persona).patch(
        f"{URL}/{target.uuid}", {"name": "改名"}, content_type="application/json"
    )
    assert_error(response, 403, "forbidden")
    target.refresh_from_db()
    assert target.name != "改名"


def test_those_who_may_not_see_get_404(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    _leave(org.peer)
    response = client_for("outsider").patch(
        f"{URL}/{org.peer.uuid}", {"name": "改名"}, content_type="application/json"
    )
    assert_error(response, 404, "not_found")


def test_patch_needs_write_scope(org: TestOrg) -> None:
    response = token_client(org.hr_admin, TokenScope.READ_ORG).patch(
        f"{URL}/{org.employee.uuid}", {"name": "改名"}, content_type="application/json"
    )
    assert_error(response, 403, "missing_scope")


@pytest.mark.parametrize(
    ("person", "body", "field"),
    [
        ("manager", {"manager": "E0004"}, "manager"),  # would make the line loop
        ("employee", {"name": None}, "name"),
        ("employee", {"department": None}, "department"),
        ("employee", {"number": "E0005"}, "number"),
        ("employee", {"manager": "E9999"}, "manager"),
        ("employee", {"status": "gone"}, "status"),
        ("employee", {"email": "nope"}, "email"),
    ],
)
def test_patch_with_bad_input_is_422_and_changes_nothing(
    org: TestOrg,
    client_for: Callable[[str], Client],
    person: str,
    body: dict[str, Any],
    field: str,
) -> None:
    target: Employee = getattr(org, person)
    before = Employee.objects.values().get(pk=target.pk)

    response = client_for("hr_admin").patch(
        f"{URL}/{target.uuid}", body, content_type="application/json"
    )

    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {field}
    assert Employee.objects.values().get(pk=target.pk) == before
    assert api_audit(target) == []
