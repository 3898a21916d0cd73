"""Every write to the organisation: one transaction, one audit entry per changed object."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import (
    Company,
    Department,
    Employee,
    EmployeeStatus,
    GrantedRole,
    Position,
    RoleFamily,
    RoleGrant,
)

DEPARTMENT_AUDIT_FIELDS = ("code", "name", "parent", "head", "sort_order", "is_active")
POSITION_AUDIT_FIELDS = (
    "code",
    "title",
    "department",
    "role_family",
    "responsibilities",
    "key_indicators",
    "is_active",
)
EMPLOYEE_AUDIT_FIELDS = (
    "number",
    "name",
    "email",
    "phone",
    "department",
    "position",
    "manager",
    "dotted_manager",
    "hire_date",
    "status",
)


def company_get_or_create(*, name: str = "示例科技有限公司") -> Company:
    company = Company.objects.order_by("id").first()
    if company is None:
        company = Company.objects.create(name=name)
    return company


# --- departments ---------------------------------------------------------------------------


def _check_head(head: Employee | None) -> None:
    if head is not None and head.status == EmployeeStatus.LEFT:
        raise ValidationError({"head": _("A person who has left cannot head a department.")})


def _check_code_free(model: type[Department] | type[Position], code: str, pk: int | None) -> None:
    others = model.objects.filter(code=code)
    if pk is not None:
        others = others.exclude(pk=pk)
    if others.exists():
        raise ValidationError({"code": _("This code is already used.")})


@transaction.atomic
def department_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    parent: Department | None = None,
    head: Employee | None = None,
    sort_order: int = 0,
) -> Department:
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": _("A closed department cannot take sub-departments.")})
    _check_head(head)
    _check_code_free(Department, code, None)
    department = Department(
        company=parent.company if parent else company_get_or_create(),
        code=code,
        name=name,
        parent=parent,
        head=head,
        sort_order=sort_order,
        path="/",
    )
    department.full_clean(exclude=["path"])
    department.save()
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.depth = parent.depth + 1 if parent else 0
    department.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor,
        instance=department,
        action=AuditAction.CREATE,
        after=snapshot(department, DEPARTMENT_AUDIT_FIELDS),
    )
    return department


@transaction.atomic
def department_update(
    *, actor: Actor, department: Department, changes: dict[str, Any], reason: str = ""
) -> Department:
    """Rename, re-code, change head or order. Moving is ``department_move``."""
    allowed = {"name", "code", "head", "sort_order"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    before = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    if "code" in changes:
        _check_code_free(Department, changes["code"], department.pk)
    if "head" in changes:
        _check_head(changes["head"])
    for field_name, value in changes.items():
        setattr(department, field_name, value)
    department.full_clean(exclude=["path", "parent"])
    after = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    if after == before:
        return department
    department.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(actor=actor, instance=department, before=before, after=after, reason=reason)
    return department


@transaction.atomic
def department_move(
    *, actor: Actor, department: Department, new_parent: Department | None, reason: str = ""
) -> Department:
    """Move a department and its whole subtree under another parent (or to the top)."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    if new_parent is not None:
        new_parent.refresh_from_db(fields=["path", "depth", "is_active"])
        if new_parent.path.startswith(department.path):
            raise ValidationError(
                {"parent": _("A department cannot move under itself or its own sub-department.")}
            )
        if not new_parent.is_active:
            raise ValidationError({"parent": _("A closed department cannot take sub-departments.")})
    if department.parent_id == (new_parent.pk if new_parent else None):
        return department
    before = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    old_path = department.path
    new_path = f"{new_parent.path if new_parent else '/'}{department.pk}/"
    depth_delta = (new_parent.depth + 1 if new_parent else 0) - department.depth
    Department.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    department.refresh_from_db()
    department.parent = new_parent
    department.save(update_fields=["parent", "updated_at"])
    audit_record(
        actor=actor,
        instance=department,
        action=AuditAction.MOVE,
        before=before,
        after=snapshot(department, DEPARTMENT_AUDIT_FIELDS),
        reason=reason,
    )
    return department


@transaction.atomic
def department_close(
    *, actor: Actor, department: Department, move_to: Department, reason: str = ""
) -> Department:
    """Close a department: its people, positions and sub-departments move to ``move_to``."""
    if not department.is_active:
        raise ValidationError(_("This department is already closed."))
    if move_to.path.startswith(department.path):
        raise ValidationError(
            {"move_to": _("People must move to a department outside the one being closed.")}
        )
    if not move_to.is_active:
        raise ValidationError({"move_to": _("People cannot move to a closed department.")})
    moved_people = 0
    for employee in Employee.objects.filter(department=department).select_related(
        "department", "position", "manager", "dotted_manager"
    ):
        employee_update(
            actor=actor, employee=employee, changes={"department": move_to}, reason=reason
        )
        moved_people += 1
    for position in Position.objects.filter(department=department):
        position_update(actor=actor, position=position, changes={"department": move_to})
    for child in Department.objects.filter(parent=department, is_active=True):
        department_move(actor=actor, department=child, new_parent=move_to, reason=reason)
    before = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    department.is_active = False
    department.closed_at = timezone.now()
    department.head = None
    department.save(update_fields=["is_active", "closed_at", "head", "updated_at"])
    after = snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    after["people_moved_to"] = str(move_to)
    after["people_moved"] = moved_people
    audit_record(
        actor=actor,
        instance=department,
        action=AuditAction.CLOSE,
        before=before,
        after=after,
        reason=reason,
    )
    return department


# --- role families and positions ------------------------------------------------------------


@transaction.atomic
def role_family_create(*, actor: Actor, code: str, name: str, sort_order: int = 0) -> RoleFamily:
    family = RoleFamily(code=code, name=name, sort_order=sort_order)
    family.full_clean()
    family.save()
    audit_record(
        actor=actor,
        instance=family,
        action=AuditAction.CREATE,
        after=snapshot(family, ("code", "name")),
    )
    return family


@transaction.atomic
def role_family_update(
    *, actor: Actor, family: RoleFamily, name: str, sort_order: int, reason: str = ""
) -> RoleFamily:
    before = snapshot(family, ("code", "name", "sort_order"))
    family.name = name
    family.sort_order = sort_order
    family.full_clean()
    after = snapshot(family, ("code", "name", "sort_order"))
    if after == before:
        return family
    family.save(update_fields=["name", "sort_order", "updated_at"])
    audit_record(actor=actor, instance=family, before=before, after=after, reason=reason)
    return family


@transaction.atomic
def position_create(
    *,
    actor: Actor,
    code: str,
    title: str,
    role_family: RoleFamily,
    department: Department | None = None,
    responsibilities: str = "",
    key_indicators: str = "",
) -> Position:
    _check_code_free(Position, code, None)
    position = Position(
        code=code,
        title=title,
        role_family=role_family,
        department=department,
        responsibilities=responsibilities,
        key_indicators=key_indicators,
    )
    position.full_clean()
    position.save()
    audit_record(
        actor=actor,
        instance=position,
        action=AuditAction.CREATE,
        after=snapshot(position, POSITION_AUDIT_FIELDS),
    )
    return position


@transaction.atomic
def position_update(
    *, actor: Actor, position: Position, changes: dict[str, Any], reason: str = ""
) -> Position:
    before = snapshot(position, POSITION_AUDIT_FIELDS)
    if "code" in changes:
        _check_code_free(Position, changes["code"], position.pk)
    for name, value in changes.items():
        if name not in POSITION_AUDIT_FIELDS:
            raise ValueError(name)
        setattr(position, name, value)
    position.full_clean()
    after = snapshot(position, POSITION_AUDIT_FIELDS)
    if after == before:
        return position
    position.save(update_fields=[*changes.keys(), "updated_at"])
    audit_record(actor=actor, instance=position, before=before, after=after, reason=reason)
    return position


# --- employees -----------------------------------------------------------------------------


def check_manager(employee: Employee | None, manager: Employee | None) -> None:
    """Refuse a manager that would make the reporting chain loop."""
    if manager is None:
        return
    if employee is not None and employee.pk is not None:
        if manager.pk == employee.pk:
            raise ValidationError({"manager": _("A person cannot be their own manager.")})
        if employee.report_path and manager.report_path.startswith(employee.report_path):
            raise ValidationError(
                {
                    "manager": _(
                        "%(manager)s reports to %(employee)s already; this would make the "
                        "reporting line loop."
                    )
                    % {"manager": manager.name, "employee": employee.name}
                }
            )


def _set_report_path(employee: Employee, manager: Employee | None) -> None:
    """Give the employee the path under the new manager; their reports follow."""
    old_path = employee.report_path
    new_path = f"{manager.report_path if manager else '/'}{employee.pk}/"
    if old_path == new_path:
        return
    employee.report_path = new_path
    Employee.objects.filter(pk=employee.pk).update(report_path=new_path)
    if old_path:
        Employee.objects.filter(report_path__startswith=old_path).exclude(pk=employee.pk).update(
            report_path=Concat(Value(new_path), Substr("report_path", Length(Value(old_path)) + 1))
        )


def _account_for(employee: Employee) -> User:
    user = User(username=employee.number, email=employee.email, name=employee.name)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def employee_create(
    *,
    actor: Actor,
    number: str,
    name: str,
    department: Department,
    position: Position | None = None,
    manager: Employee | None = None,
    dotted_manager: Employee | None = None,
    email: str = "",
    phone: str = "",
    hire_date: dt.date | None = None,
    status: str = EmployeeStatus.ACTIVE,
    create_account: bool = True,
) -> Employee:
    if Employee.objects.filter(number=number).exists():
        raise ValidationError({"number": _("This employee number is already used.")})
    if not department.is_active:
        raise ValidationError({"department": _("People cannot join a closed department.")})
    employee = Employee(
        number=number,
        name=name,
        department=department,
        position=position,
        manager=manager,
        dotted_manager=dotted_manager,
        email=email,
        phone=phone,
        hire_date=hire_date,
        status=status,
    )
    employee.full_clean(exclude=["user", "report_path"])
    if create_account and not User.objects.filter(username=number).exists():
        employee.user = _account_for(employee)
    employee.save()
    _set_report_path(employee, manager)
    audit_record(
        actor=actor,
        instance=employee,
        action=AuditAction.CREATE,
        after=snapshot(employee, EMPLOYEE_AUDIT_FIELDS),
    )
    return employee


@transaction.atomic
def employee_update(
    *, actor: Actor, employee: Employee, changes: dict[str, Any], reason: str = ""
) -> Employee:
    """Change any of the audited fields; a new manager is checked for loops first."""
    unknown = set(changes) - set(EMPLOYEE_AUDIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    if "number" in changes and (
        Employee.objects.filter(number=changes["number"]).exclude(pk=employee.pk).exists()
    ):
        raise ValidationError({"number": _("This employee number is already used.")})
    if "manager" in changes:
        employee.refresh_from_db(fields=["report_path"])
        check_manager(employee, changes["manager"])
    new_department = changes.get("department")
    if (
        new_department is not None
        and new_department != employee.department
        and not new_department.is_active
    ):
        raise ValidationError({"department": _("People cannot join a closed department.")})
    before = snapshot(employee, EMPLOYEE_AUDIT_FIELDS)
    for field_name, value in changes.items():
        setattr(employee, field_name, value)
    employee.full_clean(exclude=["user", "report_path"])
    after = snapshot(employee, EMPLOYEE_AUDIT_FIELDS)
    if after == before:
        return employee
    employee.save(update_fields=[*changes.keys(), "updated_at"])
    if "manager" in changes:
        _set_report_path(employee, employee.manager)
    if employee.user_id and {"name", "email", "status"} & set(changes):
        User.objects.filter(pk=employee.user_id).update(
            name=employee.name,
            email=employee.email,
            is_active=employee.status != EmployeeStatus.LEFT,
        )
    audit_record(actor=actor, instance=employee, before=before, after=after, reason=reason)
    return employee


# --- granted roles -------------------------------------------------------------------------


@transaction.atomic
def role_grant(
    *,
    actor: Actor,
    user: User,
    role: str,
    departments: list[Department] | None = None,
    reason: str = "",
) -> RoleGrant:
    """Give a role; an HR admin grant with departments is an HRBP scope."""
    if role not in GrantedRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if departments and role != GrantedRole.HR_ADMIN:
        raise ValidationError({"departments": _("Only an HR admin role has a department scope.")})
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, defaults={"granted_by": actor.user}
    )
    before = None if created else {"departments": sorted(str(d) for d in grant.departments.all())}
    grant.departments.set(departments or [])
    audit_record(
        actor=actor,
        instance=grant,
        action=AuditAction.GRANT,
        before=before,
        after={"role": role, "departments": sorted(str(d) for d in departments or [])},
        reason=reason,
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: Actor, grant: RoleGrant, reason: str = "") -> None:
    audit_record(
        actor=actor,
        instance=grant,
        action=AuditAction.REVOKE,
        before={"role": grant.role},
        reason=reason,
    )
    grant.delete()
