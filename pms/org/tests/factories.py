"""Factories for organisation data. Everything is created through the services, the way
a user would reach it, so paths, accounts and audit rows are real."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.org import services
from pms.org.models import Department, Employee, EmployeeStatus, Position, RoleFamily

SYSTEM = Actor.system()
_seq = itertools.count(1)


def role_family(code: str = "sales", name: str = "销售") -> RoleFamily:
    existing = RoleFamily.objects.filter(code=code).first()
    return existing or services.role_family_create(actor=SYSTEM, code=code, name=name)


def department(
    name: str | None = None, *, parent: Department | None = None, code: str | None = None
) -> Department:
    n = next(_seq)
    return services.department_create(
        actor=SYSTEM, code=code or f"D{n:04d}", name=name or f"部门{n}", parent=parent
    )


def position(
    title: str | None = None,
    *,
    family: RoleFamily | None = None,
    dept: Department | None = None,
    code: str | None = None,
) -> Position:
    n = next(_seq)
    return services.position_create(
        actor=SYSTEM,
        code=code or f"P{n:04d}",
        title=title or f"岗位{n}",
        role_family=family or role_family(),
        department=dept,
        responsibilities="负责区域销售",
        key_indicators="销售额\n回款率",
    )


def employee(
    name: str | None = None,
    *,
    dept: Department,
    manager: Employee | None = None,
    pos: Position | None = None,
    number: str | None = None,
    status: str = EmployeeStatus.ACTIVE,
    password: str | None = None,
) -> Employee:
    n = next(_seq)
    person = services.employee_create(
        actor=SYSTEM,
        number=number or f"E{n:05d}",
        name=name or f"员工{n}",
        department=dept,
        position=pos,
        manager=manager,
        email=f"e{n}@example.com",
        phone=f"138{n:08d}",
        hire_date=dt.date(2022, 3, 1),
        status=status,
    )
    if password is not None and person.user is not None:
        person.user.set_password(password)
        person.user.save(update_fields=["password"])
    return person


def user_of(person: Employee) -> User:
    assert person.user is not None
    return person.user


@dataclass
class TestOrg:
    """A small company with one person in each role the access rules distinguish.

    总部 ── 销售中心 (head) ── 销售一部 (manager, employee, peer)
        │                 └── 销售二部 (other_manager)
        ├── 研发中心 (outsider)
        └── 人力资源部 (hr_admin, hrbp)
    """

    __test__ = False  # a fixture's data, not a test class

    hq: Department
    sales: Department
    sales1: Department
    sales2: Department
    rnd: Department
    hr_dept: Department
    ceo: Employee
    head: Employee
    manager: Employee
    employee: Employee
    peer: Employee
    other_manager: Employee
    outsider: Employee
    hr_admin: Employee
    hrbp: Employee
    sysadmin: User
    committee: User


def build_test_org() -> TestOrg:
    from pms.org.models import GrantedRole

    hq = department("总部", code="HQ")
    sales = department("销售中心", parent=hq, code="SALES")
    sales1 = department("销售一部", parent=sales, code="SALES1")
    sales2 = department("销售二部", parent=sales, code="SALES2")
    rnd = department("研发中心", parent=hq, code="RND")
    hr_dept = department("人力资源部", parent=hq, code="HR")
    rep = position("销售代表", code="SALES-REP", dept=sales1)
    ceo = employee("王总", dept=hq, number="E0001")
    head = employee("李销售总监", dept=sales, manager=ceo, number="E0002")
    manager = employee("张经理", dept=sales1, manager=head, number="E0003")
    person = employee("陈员工", dept=sales1, manager=manager, pos=rep, number="E0004")
    peer = employee("刘同事", dept=sales1, manager=manager, pos=rep, number="E0005")
    other_manager = employee("赵经理", dept=sales2, manager=head, number="E0006")
    outsider = employee("孙工程师", dept=rnd, manager=ceo, number="E0007")
    hr_admin = employee("周人事", dept=hr_dept, manager=ceo, number="E0008")
    hrbp = employee("吴HRBP", dept=hr_dept, manager=hr_admin, number="E0009")
    services.department_update(actor=SYSTEM, department=sales, changes={"head": head})
    services.department_update(actor=SYSTEM, department=hq, changes={"head": ceo})
    services.role_grant(actor=SYSTEM, user=user_of(ceo), role=GrantedRole.EXECUTIVE)
    services.role_grant(actor=SYSTEM, user=user_of(hr_admin), role=GrantedRole.HR_ADMIN)
    services.role_grant(
        actor=SYSTEM, user=user_of(hrbp), role=GrantedRole.HR_ADMIN, departments=[sales]
    )
    sysadmin = User.objects.create_user(username="sysadmin", password="x", name="系统管理员")
    services.role_grant(actor=SYSTEM, user=sysadmin, role=GrantedRole.SYSTEM_ADMIN)
    committee = User.objects.create_user(username="committee", password="x", name="绩效委员")
    services.role_grant(actor=SYSTEM, user=committee, role=GrantedRole.COMMITTEE)
    return TestOrg(
        hq=hq,
        sales=sales,
        sales1=sales1,
        sales2=sales2,
        rnd=rnd,
        hr_dept=hr_dept,
        ceo=ceo,
        head=head,
        manager=manager,
        employee=person,
        peer=peer,
        other_manager=other_manager,
        outsider=outsider,
        hr_admin=hr_admin,
        hrbp=hrbp,
        sysadmin=sysadmin,
        committee=committee,
    )
