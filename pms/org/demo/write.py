"""Writing a demo plan in bulk, with every materialised path known before the first insert."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction, AuditChannel
from pms.org.demo.catalogue import (
    BATCH_SIZE,
    COMPANY_NAME,
    COMPANY_SHORT_NAME,
    DEMO_PASSWORD,
    ROLE_FAMILIES,
    DemoError,
)
from pms.org.demo.plan import (
    DemoPlan,
    plan_demo,
)
from pms.org.models import (
    Department,
    Employee,
    EmployeeStatus,
    GrantedRole,
    Position,
    RoleFamily,
    RoleGrant,
)
from pms.org.services import company_get_or_create

# --- writing a plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    employees: int
    departments: int
    positions: int
    users: int
    personas: dict[str, str]  # username → employee number ("" for admin)
    seconds: float


def _next_id(model: type[Department] | type[Employee]) -> int:
    return int(model.objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _check_empty(plan: DemoPlan) -> None:
    if Employee.objects.exists() or Department.objects.exists():
        raise DemoError(
            "This database already has an organisation; the demo company goes into an "
            "empty database only."
        )
    taken = set(User.objects.values_list("username", flat=True))
    clash = taken & ({*plan.usernames(), "admin"})
    if clash:
        raise DemoError(f"These user names are taken already: {', '.join(sorted(clash)[:5])}")
    codes = {spec.code for spec, _ in plan.positions}
    used = sorted(Position.objects.filter(code__in=codes).values_list("code", flat=True))
    if used:
        raise DemoError(f"These position codes are taken already: {', '.join(used[:5])}")


def _uuids(seed: int) -> Iterator[uuid.UUID]:
    rng = random.Random(f"uuid:{seed}")
    while True:
        yield uuid.UUID(int=rng.getrandbits(128), version=4)


def _write_positions(
    plan: DemoPlan, department_ids: list[int], uuids: Iterator[uuid.UUID]
) -> dict[str, int]:
    families = {}
    for order, (code, name) in enumerate(ROLE_FAMILIES):
        family, _ = RoleFamily.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        families[code] = family.pk
    positions = Position.objects.bulk_create(
        [
            Position(
                uuid=next(uuids),
                code=spec.code,
                title=spec.title,
                department_id=department_ids[department],
                role_family_id=families[spec.family],
                responsibilities=spec.responsibilities,
                key_indicators="\n".join(spec.indicators),
            )
            for spec, department in plan.positions
        ]
    )
    return {position.code: position.pk for position in positions}


def _write_people(
    plan: DemoPlan,
    *,
    employee_ids: list[int],
    department_ids: list[int],
    position_ids: dict[str, int],
    password_hash: str,
    uuids: Iterator[uuid.UUID],
) -> dict[int, int]:
    """Accounts and employees, a batch at a time; returns person index → user id."""
    usernames = list(plan.usernames())
    report_paths: list[str] = [""] * len(plan.people)
    user_ids: dict[int, int] = {}
    now = timezone.now()
    for start in range(0, len(plan.people), BATCH_SIZE):
        batch = plan.people[start : start + BATCH_SIZE]
        users = User.objects.bulk_create(
            [
                User(
                    username=usernames[p.index],
                    name=p.name,
                    email=f"{p.number.lower()}@demo.example.cn",
                    password=password_hash,
                    is_active=p.status != EmployeeStatus.LEFT,
                    date_joined=now,
                )
                for p in batch
            ]
        )
        employees = []
        for person, user in zip(batch, users, strict=True):
            user_ids[person.index] = user.pk
            own = employee_ids[person.index]
            above = report_paths[person.manager] if person.manager is not None else "/"
            report_paths[person.index] = f"{above}{own}/"
            employees.append(
                Employee(
                    id=own,
                    uuid=next(uuids),
                    number=person.number,
                    name=person.name,
                    email=user.email,
                    phone=person.phone,
                    department_id=department_ids[person.department],
                    position_id=position_ids[person.position],
                    manager_id=None if person.manager is None else employee_ids[person.manager],
                    dotted_manager_id=(
                        None
                        if person.dotted_manager is None
                        else employee_ids[person.dotted_manager]
                    ),
                    hire_date=person.hire_date,
                    status=person.status,
                    user_id=user.pk,
                    report_path=report_paths[person.index],
                )
            )
        Employee.objects.bulk_create(employees)
    return user_ids


def write_plan(plan: DemoPlan, *, password: str = DEMO_PASSWORD) -> DemoSummary:
    """Write a plan into an empty organisation, in one transaction."""
    started = time.perf_counter()
    with transaction.atomic():
        _check_empty(plan)
        company = company_get_or_create(name=COMPANY_NAME)
        if not company.short_name and company.name == COMPANY_NAME:
            company.short_name = COMPANY_SHORT_NAME
            company.save(update_fields=["short_name", "updated_at"])
        uuids = _uuids(plan.seed)
        first_department, first_employee = _next_id(Department), _next_id(Employee)
        department_ids = [first_department + d.index for d in plan.departments]
        employee_ids = [first_employee + p.index for p in plan.people]
        paths: list[str] = []
        departments = []
        for d in plan.departments:
            above = paths[d.parent] if d.parent is not None else "/"
            paths.append(f"{above}{department_ids[d.index]}/")
            departments.append(
                Department(
                    id=department_ids[d.index],
                    uuid=next(uuids),
                    company=company,
                    code=d.code,
                    name=d.name,
                    parent_id=None if d.parent is None else department_ids[d.parent],
                    path=paths[-1],
                    depth=d.depth,
                    # The heads are inserted below; foreign keys are checked at commit.
                    head_id=employee_ids[d.head],
                    sort_order=d.sort_order,
                )
            )
        Department.objects.bulk_create(departments, batch_size=500)
        position_ids = _write_positions(plan, department_ids, uuids)
        password_hash = make_password(password)
        user_ids = _write_people(
            plan,
            employee_ids=employee_ids,
            department_ids=department_ids,
            position_ids=position_ids,
            password_hash=password_hash,
            uuids=uuids,
        )
        for person, role, scope in plan.grants:
            grant = RoleGrant.objects.create(user_id=user_ids[person], role=role)
            if scope:
                grant.departments.set([department_ids[d] for d in scope])
        admin = User.objects.create(
            username="admin",
            name="系统管理员",
            password=password_hash,
            is_staff=True,
            is_superuser=True,
        )
        RoleGrant.objects.create(user=admin, role=GrantedRole.SYSTEM_ADMIN)
        # Explicit ids leave PostgreSQL's sequences behind; bring them up to date.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Department, Employee]):
                cursor.execute(sql)
        audit_record(
            actor=Actor(user=None, channel=AuditChannel.COMMAND),
            instance=company,
            action=AuditAction.IMPORT,
            after={
                "demo": True,
                "seed": plan.seed,
                "employees": len(plan.people),
                "departments": len(plan.departments),
                "positions": len(plan.positions),
            },
            reason=f"seed_demo --employees {len(plan.people)} --seed {plan.seed}",
        )
    personas = {name: plan.people[index].number for name, index in plan.personas.items()}
    personas["admin"] = ""
    return DemoSummary(
        employees=len(plan.people),
        departments=len(plan.departments),
        positions=len(plan.positions),
        users=len(plan.people) + 1,
        personas=personas,
        seconds=time.perf_counter() - started,
    )


def seed_demo(*, employees: int, seed: int, today: dt.date | None = None) -> DemoSummary:
    """Seed the demo company (``employees`` people) into an empty organisation."""
    plan = plan_demo(employees=employees, seed=seed, today=today or timezone.localdate())
    return write_plan(plan)
