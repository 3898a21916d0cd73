"""Selectors for the organisation pages: shapes, headcounts and fixed query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Q

from pms.core.audit import Actor
from pms.org import access, selectors, services
from pms.org.models import Department, Employee, EmployeeStatus
from pms.org.roles import principal_for
from pms.org.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of


def grow_company(org: TestOrg, size: int) -> list[Department]:
    """Add ``size`` departments (a chain under 销售一部 with side branches) and ``size``
    people in 销售一部 reporting to the manager, so every list on the pages grows."""
    family = f.role_family("rnd", "研发")
    parent = org.sales1
    added: list[Department] = []
    for index in range(size):
        department = f.department(parent=parent)
        added.append(department)
        position = f.position(family=family, dept=department)
        f.employee(dept=department, manager=org.manager, pos=position)
        f.employee(dept=org.sales1, manager=org.manager)
        if index % 3 == 0:
            parent = department
    return added


def _principal(person: Any) -> Any:
    return principal_for(person if not isinstance(person, Employee) else user_of(person))


# --- tree and headcounts --------------------------------------------------------------------


def test_path_ids_reads_a_materialised_path() -> None:
    assert selectors.path_ids("/1/7/42/") == [1, 7, 42]
    assert selectors.path_ids("/") == []


def test_tree_has_two_levels_with_direct_and_subtree_headcounts(org: TestOrg) -> None:
    # given someone in 销售一部 has left
    f.employee(dept=org.sales1, status=EmployeeStatus.LEFT)

    # when
    roots = selectors.department_tree(Department.objects.all())

    # then only current people count, and subtrees roll up to the top
    (hq,) = roots
    assert hq.department == org.hq
    assert (hq.direct, hq.total) == (1, 9)
    by_name = {node.department.name: node for node in hq.children}
    assert set(by_name) == {"销售中心", "研发中心", "人力资源部"}
    sales = by_name["销售中心"]
    assert (sales.direct, sales.total) == (1, 5)
    assert sales.has_children is True
    assert sales.children == []  # the third level comes lazily
    assert by_name["研发中心"].has_children is False


@pytest.mark.parametrize("size", [0, 30])
def test_tree_runs_two_queries_whatever_the_size(
    org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    grow_company(org, size)
    visible = Department.objects.all()

    with django_assert_num_queries(2):
        roots = selectors.department_tree(visible, levels=50)

    assert roots[0].total == 9 + 2 * size


def test_subtree_counts_deep_departments_once(org: TestOrg) -> None:
    # given a chain three levels below 销售一部 with one person at the bottom
    a = f.department(parent=org.sales1)
    b = f.department(parent=a)
    c = f.department(parent=b)
    f.employee(dept=c)

    # when
    subtree = selectors.department_subtree(Department.objects.all(), org.sales)

    # then
    assert (subtree.direct, subtree.total) == (1, 6)
    sales1 = next(node for node in subtree.children if node.department == org.sales1)
    assert (sales1.direct, sales1.total) == (3, 4)
    assert sales1.has_children is True


def test_children_hide_closed_departments_from_those_who_cannot_see_them(org: TestOrg) -> None:
    services.department_close(actor=Actor.system(), department=org.sales2, move_to=org.sales1)
    employee_view = access.departments_visible(_principal(org.employee))

    names = [
        n.department.name for n in selectors.department_subtree(employee_view, org.sales).children
    ]

    assert names == ["销售一部"]
    all_names = [
        n.department.name
        for n in selectors.department_subtree(Department.objects.all(), org.sales).children
    ]
    assert all_names == ["销售一部", "销售二部"]


def test_ancestors_are_read_in_one_query_top_first(
    org: TestOrg, django_assert_num_queries: Any
) -> None:
    deep = f.department(parent=org.sales1)

    with django_assert_num_queries(1):
        ancestors = selectors.department_ancestors(Department.objects.all(), deep)

    assert ancestors == [org.hq, org.sales, org.sales1]
    assert selectors.department_ancestors(Department.objects.all(), org.hq) == []


# --- directory ------------------------------------------------------------------------------


def _directory(viewer: Any, **filters: Any) -> list[Employee]:
    principal = _principal(viewer)
    return list(
        selectors.employee_directory(
            access.employees_visible(principal),
            private=access.private_view_q(principal),
            **filters,
        )
    )


def test_directory_marks_rows_whose_private_details_may_be_shown(org: TestOrg) -> None:
    rows = {person.number: person.show_private for person in _directory(org.manager)}

    assert rows[org.employee.number] is True  # a direct report
    assert rows[org.manager.number] is True  # themself
    assert rows[org.outsider.number] is False


def test_directory_searches_email_only_where_private_is_allowed(org: TestOrg) -> None:
    email = org.outsider.email

    assert _directory(org.employee, search=email) == []
    assert _directory(org.hr_admin, search=email) == [org.outsider]
    assert _directory(org.employee, search="孙工") == [org.outsider]
    assert _directory(org.employee, search="E0007") == [org.outsider]


def test_directory_status_filter_stays_within_private_view(org: TestOrg) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"status": EmployeeStatus.ON_LEAVE}
    )
    services.employee_update(
        actor=Actor.system(), employee=org.peer, changes={"status": EmployeeStatus.ON_LEAVE}
    )

    assert _directory(org.manager, status=EmployeeStatus.ON_LEAVE) == [org.peer]
    assert _directory(org.hr_admin, status=EmployeeStatus.ON_LEAVE) == [org.peer, org.outsider]


def test_directory_department_filter_includes_the_subtree(org: TestOrg) -> None:
    numbers = [p.number for p in _directory(org.employee, department=org.sales)]

    assert numbers == ["E0002", "E0003", "E0004", "E0005", "E0006"]


def test_directory_filters_by_position_and_role_family(org: TestOrg) -> None:
    family = f.role_family("rnd", "研发")
    engineer = f.position(family=family, dept=org.rnd)
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"position": engineer}
    )

    assert _directory(org.employee, role_family=family) == [org.outsider]
    assert _directory(org.employee, position=org.employee.position) == [org.employee, org.peer]


def test_directory_hides_former_staff_from_colleagues(org: TestOrg) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"status": EmployeeStatus.LEFT}
    )

    assert org.outsider not in _directory(org.employee)
    assert org.outsider in _directory(org.hr_admin)


# --- profile --------------------------------------------------------------------------------


def test_manager_chain_is_one_query_top_first(org: TestOrg, django_assert_num_queries: Any) -> None:
    visible = Employee.objects.all()

    with django_assert_num_queries(1):
        chain = selectors.manager_chain(visible, org.employee)

    assert chain == [org.ceo, org.head, org.manager]
    assert selectors.manager_chain(visible, org.ceo) == []


def test_reports_direct_and_dotted(org: TestOrg) -> None:
    services.employee_update(
        actor=Actor.system(), employee=org.outsider, changes={"dotted_manager": org.manager}
    )
    visible = Employee.objects.all()

    assert list(selectors.direct_reports(visible, org.manager)) == [org.employee, org.peer]
    assert list(selectors.dotted_reports(visible, org.manager)) == [org.outsider]


def test_employee_by_number_looks_only_within_the_given_people(org: TestOrg) -> None:
    people = Employee.objects.filter(~Q(number="E0007"))

    assert selectors.employee_by_number(people, " E0004 ") == org.employee
    assert selectors.employee_by_number(people, "E0007") is None


# --- history --------------------------------------------------------------------------------


def test_history_shows_translated_field_names_and_choice_labels(org: TestOrg) -> None:
    services.employee_update(
        actor=Actor.system(),
        employee=org.peer,
        changes={"status": EmployeeStatus.ON_LEAVE},
        reason="产假",
    )

    latest = selectors.history(org.peer)[0]

    assert latest.changes == [("Status", "Active", "On leave")]
    assert latest.reason == "产假"
    assert latest.get_action_display() == "Changed"


def test_history_labels_extra_close_fields(org: TestOrg) -> None:
    services.department_close(actor=Actor.system(), department=org.sales2, move_to=org.sales1)

    labels = [label for label, _b, _a in selectors.history(org.sales2)[0].changes]

    assert "Open" in labels
    assert "People moved to" in labels
    assert "People moved" in labels
