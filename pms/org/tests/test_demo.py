"""The demo company: reproducible, consistent trees, and personas who can sign in."""

import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from pms.accounts.models import User
from pms.core.models import AuditEntry
from pms.org.demo import (
    DEMO_PASSWORD,
    PERSONAS,
    DemoError,
    DemoPlan,
    plan_demo,
    seed_demo,
)
from pms.org.models import Department, Employee, EmployeeStatus, GrantedRole, RoleGrant
from pms.org.roles import principal_for

TODAY = dt.date(2026, 3, 1)
N = 200


def _fingerprint(plan: DemoPlan) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    people = [
        (p.number, p.name, p.phone, p.department, p.position, p.manager, p.status, p.hire_date)
        for p in plan.people
    ]
    departments = [(d.code, d.name, d.parent, d.head) for d in plan.departments]
    return people, departments


@pytest.fixture
def demo(db: None) -> None:
    seed_demo(employees=N, seed=1, today=TODAY)


def test_the_same_seed_plans_the_same_company() -> None:
    first = plan_demo(employees=N, seed=3, today=TODAY)
    again = plan_demo(employees=N, seed=3, today=TODAY)
    other = plan_demo(employees=N, seed=4, today=TODAY)

    assert _fingerprint(first) == _fingerprint(again)
    assert first.personas == again.personas
    assert [p.name for p in first.people] != [p.name for p in other.people]


@pytest.mark.django_db
def test_the_same_seed_seeds_the_same_rows_in_two_transactions() -> None:
    def seeded() -> list[tuple[object, ...]]:
        with transaction.atomic():
            seed_demo(employees=N, seed=5, today=TODAY)
            rows = list(
                Employee.objects.order_by("number").values_list(
                    "number", "name", "phone", "department__code", "manager__number", "uuid"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = seeded()
    assert not Employee.objects.exists()
    assert first == seeded()


def test_counts_match_and_one_audit_entry_records_the_seeding(demo: None) -> None:
    assert Employee.objects.count() == N
    assert User.objects.count() == N + 1  # everyone, and the admin
    assert not Employee.objects.filter(user__isnull=True).exists()
    assert Department.objects.count() >= 10
    assert set(Employee.objects.values_list("number", flat=True)) == {
        f"E{i:06d}" for i in range(1, N + 1)
    }
    entry = AuditEntry.objects.get()
    assert entry.object_type == "org.company"
    assert entry.after is not None
    assert entry.after["employees"] == N


def test_people_look_real(demo: None) -> None:
    people = list(Employee.objects.all())
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.phone) for p in people)
    assert all(p.email == f"{p.number.lower()}@demo.example.cn" for p in people)
    assert all(2 <= len(p.name) <= 4 for p in people)
    statuses = [p.status for p in people]
    assert statuses.count(EmployeeStatus.ACTIVE) > 0.8 * N
    assert not User.objects.filter(employee__status=EmployeeStatus.LEFT, is_active=True).exists()
    assert Employee.objects.filter(dotted_manager__isnull=False).exists() or N < 500


def test_department_paths_follow_the_parents(demo: None) -> None:
    departments = {d.pk: d for d in Department.objects.all()}
    roots = [d for d in departments.values() if d.parent_id is None]
    assert len(roots) == 1
    for department in departments.values():
        parent = departments.get(department.parent_id) if department.parent_id else None
        expected = f"{parent.path if parent else '/'}{department.pk}/"
        assert department.path == expected
        assert department.depth == (parent.depth + 1 if parent else 0)
    assert max(d.depth for d in departments.values()) >= 2


def test_reporting_lines_follow_the_managers_without_loops(demo: None) -> None:
    people = {e.pk: e for e in Employee.objects.all()}
    tops = [e for e in people.values() if e.manager_id is None]
    assert len(tops) == 1
    for person in people.values():
        chain = [person.pk]
        boss = person.manager_id
        while boss is not None:
            assert boss not in chain, "the reporting line loops"
            chain.append(boss)
            boss = people[boss].manager_id
        assert person.report_path == "/" + "".join(f"{pk}/" for pk in reversed(chain))
        assert person.dotted_manager_id != person.pk


def test_every_department_has_a_head_who_reports_up_the_tree(demo: None) -> None:
    departments = {d.pk: d for d in Department.objects.select_related("head")}
    for department in departments.values():
        head = department.head
        assert head is not None, department.name
        assert head.department_id == department.pk
        assert head.status == EmployeeStatus.ACTIVE
        if department.parent_id is not None:
            assert head.manager_id == departments[department.parent_id].head_id
    for person in Employee.objects.select_related("department", "manager"):
        if person.pk == person.department.head_id or person.manager is None:
            continue
        # Everyone else answers to the head of the department or a team lead inside it.
        assert person.manager.department_id == person.department_id


def test_personas_hold_their_roles(demo: None) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    assert set(users) == set(PERSONAS)
    principals = {name: principal_for(user) for name, user in users.items()}
    sales = Department.objects.get(code="SAL")
    hr_department = Department.objects.get(code="HR")

    assert principals["ceo"].is_executive
    assert principals["ceo"].employee is not None
    assert principals["ceo"].employee.manager is None
    assert principals["hr"].hr_company
    assert principals["hr"].employee.department.path.startswith(hr_department.path)  # type: ignore[union-attr]
    assert principals["hrbp"].hr_scope_paths == (sales.path,)
    assert not principals["hrbp"].hr_company
    assert sales.path in principals["head"].head_paths
    assert principals["manager"].is_manager
    employee = principals["employee"].employee
    assert employee is not None
    assert employee.manager == principals["manager"].employee
    assert employee.position is not None
    assert employee.position.title == "销售代表"
    assert employee.department.path.startswith(sales.path)
    assert principals["manager"].employee.direct_reports.count() >= 3  # type: ignore[union-attr]
    assert principals["committee"].is_committee
    assert principals["admin"].is_system_admin
    assert users["admin"].is_superuser
    assert RoleGrant.objects.filter(role=GrantedRole.COMMITTEE).count() >= 1


@pytest.mark.parametrize("username", PERSONAS)
def test_personas_sign_in_with_the_demo_password(demo: None, username: str) -> None:
    client = Client()

    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(username=username).pk


def test_a_wrong_password_does_not_sign_in(demo: None) -> None:
    client = Client()

    response = client.post("/accounts/login/", {"username": "hr", "password": "wrong-pass"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_existing_organisation_is_refused(demo: None) -> None:
    with pytest.raises(DemoError):
        seed_demo(employees=N, seed=2, today=TODAY)
    with pytest.raises(CommandError):
        call_command("seed_demo", employees=N, seed=2)
    assert Employee.objects.count() == N


def test_a_company_smaller_than_the_minimum_is_refused() -> None:
    with pytest.raises(DemoError):
        plan_demo(employees=10, seed=1, today=TODAY)


@pytest.mark.django_db
def test_the_command_seeds_and_demo_logins_prints_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo_logins")
    assert capsys.readouterr().out == ""

    call_command("seed_demo", employees=120, seed=9)
    call_command("demo_logins")

    out = capsys.readouterr().out
    assert "120 employees" in out
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("username"))) :]
    assert [line.split()[0] for line in table[1:]] == list(PERSONAS)
    assert all(DEMO_PASSWORD in line for line in table[1:])
    assert Employee.objects.count() == 120


def test_if_empty_leaves_an_existing_company_alone(
    demo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = Employee.objects.count()
    call_command("seed_demo", "--if-empty", "--employees", "150")
    assert "no demo data loaded" in capsys.readouterr().out
    assert Employee.objects.count() == before
