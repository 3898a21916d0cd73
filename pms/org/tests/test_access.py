"""The org access layer, branch by branch, for each persona."""

import pytest

from pms.org import access
from pms.org.models import Employee, EmployeeStatus
from pms.org.roles import ANONYMOUS, Principal, principal_for
from pms.org.tests.factories import TestOrg


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    return principal_for(target if not isinstance(target, Employee) else target.user)


def test_roles_are_derived_and_granted(org: TestOrg) -> None:
    assert who(org, "employee").role_codes == ["employee"]
    assert who(org, "manager").role_codes == ["employee", "manager"]
    assert who(org, "head").role_codes == ["employee", "manager", "department_head"]
    assert "hr_admin" in who(org, "hr_admin").role_codes
    assert "hrbp" in who(org, "hrbp").role_codes
    assert "hr_admin" not in who(org, "hrbp").role_codes
    assert "executive" in who(org, "ceo").role_codes
    assert who(org, "sysadmin").role_codes == ["system_admin"]


def test_anonymous_sees_nothing(org: TestOrg) -> None:
    assert not access.employees_visible(ANONYMOUS).exists()
    assert not access.departments_visible(ANONYMOUS).exists()
    assert not access.positions_visible(ANONYMOUS).exists()


def test_a_user_without_a_place_sees_nothing(org: TestOrg) -> None:
    from pms.accounts.models import User

    stranger = User.objects.create_user(username="stranger", password="x")
    principal = principal_for(stranger)
    assert not access.employees_visible(principal).exists()


def test_directory_shows_current_colleagues_to_everyone(org: TestOrg) -> None:
    visible = access.employees_visible(who(org, "outsider"))
    assert org.employee in visible
    assert org.ceo in visible


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("employee", True),  # self
        ("manager", True),  # direct manager
        ("head", True),  # skip level and department head
        ("ceo", True),  # top of the chain
        ("hr_admin", True),  # company-wide HR
        ("hrbp", True),  # HRBP whose scope covers 销售中心
        ("sysadmin", True),
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),
    ],
)
def test_private_details_of_the_employee(org: TestOrg, persona: str, allowed: bool) -> None:
    assert access.can_view_private(who(org, persona), org.employee) is allowed


def test_hrbp_scope_stops_at_its_departments(org: TestOrg) -> None:
    hrbp = who(org, "hrbp")
    assert not access.can_view_private(hrbp, org.outsider)
    assert access.can_change_employee(hrbp, org.employee)
    assert not access.can_change_employee(hrbp, org.outsider)
    assert access.can_create_employee_in(hrbp, org.sales1)
    assert not access.can_create_employee_in(hrbp, org.rnd)
    assert not access.can_import(hrbp)
    assert not access.can_change_departments(hrbp)


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "ceo", "outsider"])
def test_only_hr_changes_people(org: TestOrg, persona: str) -> None:
    assert not access.can_change_employee(who(org, persona), org.employee)
    assert not access.employees_changeable(who(org, persona)).exists()


def test_former_staff_only_visible_where_details_are_allowed(org: TestOrg) -> None:
    Employee.objects.filter(pk=org.peer.pk).update(status=EmployeeStatus.LEFT)
    assert org.peer not in access.employees_visible(who(org, "outsider"))
    assert org.peer in access.employees_visible(who(org, "manager"))
    assert org.peer in access.employees_visible(who(org, "hr_admin"))


def test_closed_departments_hidden_from_staff(org: TestOrg) -> None:
    org.sales2.is_active = False
    org.sales2.save(update_fields=["is_active"])
    assert org.sales2 not in access.departments_visible(who(org, "employee"))
    assert org.sales2 in access.departments_visible(who(org, "hr_admin"))


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("hr_admin", True), ("sysadmin", True), ("hrbp", False), ("ceo", False), ("head", False)],
)
def test_structure_imports_and_audit_for_org_admins(
    org: TestOrg, persona: str, allowed: bool
) -> None:
    principal = who(org, persona)
    assert access.can_change_departments(principal) is allowed
    assert access.can_change_positions(principal) is allowed
    assert access.can_import(principal) is allowed
    assert access.can_read_audit(principal) is allowed


def test_tokens_and_roles_only_for_system_admins(org: TestOrg) -> None:
    assert access.can_manage_tokens(who(org, "sysadmin"))
    assert not access.can_manage_tokens(who(org, "hr_admin"))
    assert access.can_manage_roles(who(org, "sysadmin"))
    assert not access.can_manage_roles(who(org, "hr_admin"))


def test_dotted_line_manager_sees_details(org: TestOrg) -> None:
    from pms.core.audit import Actor
    from pms.org import services

    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"dotted_manager": org.manager}
    )
    assert access.can_view_private(who(org, "manager"), org.outsider)
    assert who(org, "manager").is_manager


def test_access_answers_not_found_for_missing_and_forbidden(org: TestOrg) -> None:
    import uuid

    with pytest.raises(access.NotFound):
        access.access_employee(who(org, "employee"), uuid.uuid4())
    with pytest.raises(access.NotFound):
        access.access_employee(who(org, "employee"), "not-a-uuid")
    Employee.objects.filter(pk=org.peer.pk).update(status=EmployeeStatus.LEFT)
    with pytest.raises(access.NotFound):
        access.access_employee(who(org, "outsider"), org.peer.uuid)
    with pytest.raises(access.Forbidden):
        access.access_employee_for_change(who(org, "manager"), org.employee.uuid)


@pytest.mark.parametrize(
    ("persona", "offered", "may_add"),
    [
        ("employee", False, False),
        ("manager", True, False),
        ("head", True, False),
        ("hrbp", True, True),
        ("hr_admin", True, True),
        ("sysadmin", True, True),
        ("outsider", False, False),
    ],
)
def test_private_filters_and_adding_people(
    org: TestOrg, persona: str, offered: bool, may_add: bool
) -> None:
    assert access.sees_private_of_others(who(org, persona)) is offered
    assert access.can_add_people(who(org, persona)) is may_add
    assert not access.can_add_people(ANONYMOUS)
