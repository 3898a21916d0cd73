"""The organisation over JSON: departments, positions and employees.

Each endpoint checks the token's scope, calls the same access functions and services as
the pages, and lets ``pms.core.api`` turn refusals and validation errors into the one
error shape.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pms.accounts.models import TokenScope
from pms.core.access import Forbidden, get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org import access, selectors, services
from pms.org.models import Department, Employee, Position, RoleFamily
from pms.org.roles import Principal
from pms.org.schemas import (
    DepartmentFilters,
    DepartmentIn,
    DepartmentOut,
    DepartmentPage,
    DepartmentPatch,
    EmployeeFilters,
    EmployeeIn,
    EmployeeOut,
    EmployeePage,
    EmployeePatch,
    PositionFilters,
    PositionIn,
    PositionOut,
    PositionPage,
    PositionPatch,
    employee_out,
)

router = Router()

READ = TokenScope.READ_ORG
WRITE = TokenScope.WRITE_ORG

ERRORS: dict[int, type[ErrorOut]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def _actor(who: Principal) -> Actor:
    return Actor(user=who.user, channel=AuditChannel.API)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


# --- lookups of what a request body or filter names ----------------------------------------


def _department_by_uuid(who: Principal, uuid: UUID, field: str) -> Department:
    department = access.departments_visible(who).filter(uuid=uuid).first()
    if department is None:
        raise _invalid(field, _("No department with this identifier."))
    return department


def _department_by_code(who: Principal, code: str, field: str) -> Department:
    department = access.departments_visible(who).filter(code=code).first()
    if department is None:
        raise _invalid(field, _("No department with this code."))
    return department


def _position_by_uuid(who: Principal, uuid: UUID, field: str) -> Position:
    position = access.positions_visible(who).filter(uuid=uuid).first()
    if position is None:
        raise _invalid(field, _("No position with this identifier."))
    return position


def _position_by_code(who: Principal, code: str | None, field: str) -> Position | None:
    if code is None:
        return None
    position = access.positions_visible(who).filter(code=code).first()
    if position is None:
        raise _invalid(field, _("No position with this code."))
    return position


def _employee_by_number(who: Principal, number: str | None, field: str) -> Employee | None:
    if number is None:
        return None
    employee = access.employees_visible(who).filter(number=number).first()
    if employee is None:
        raise _invalid(field, _("No employee with this number."))
    return employee


def _role_family_by_code(code: str, field: str) -> RoleFamily:
    family = RoleFamily.objects.filter(code=code).first()
    if family is None:
        raise _invalid(field, _("No role family with this code."))
    return family


# --- departments ---------------------------------------------------------------------------


def _departments(who: Principal) -> QuerySet[Department]:
    return access.departments_visible(who).select_related("parent", "head")


@router.get(
    "/departments",
    response={200: DepartmentPage, **ERRORS},
    tags=["departments"],
    summary="List departments",
)
def department_list(
    request: HttpRequest, filters: Query[DepartmentFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    departments = _departments(who)
    if not (filters.include_closed and (who.is_hr or who.is_system_admin)):
        departments = departments.filter(is_active=True)
    if filters.parent is not None:
        parent = _department_by_uuid(who, filters.parent, "parent")
        departments = departments.filter(parent=parent)
    if filters.q:
        departments = departments.filter(
            Q(name__icontains=filters.q) | Q(code__icontains=filters.q)
        )
    return paginate(departments, paging)


@router.get(
    "/departments/{uuid:uuid}",
    response={200: DepartmentOut, **ERRORS},
    tags=["departments"],
    summary="One department",
)
def department_detail(request: HttpRequest, uuid: UUID) -> Department:
    who = principal(request, READ)
    return get_visible(_departments(who), uuid=uuid)


@router.post(
    "/departments",
    response={201: DepartmentOut, **ERRORS},
    tags=["departments"],
    summary="Create a department",
)
def department_create(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    who = principal(request, WRITE)
    if not access.can_change_departments(who):
        raise Forbidden
    parent = None if payload.parent is None else _department_by_uuid(who, payload.parent, "parent")
    department = services.department_create(
        actor=_actor(who),
        code=payload.code,
        name=payload.name,
        parent=parent,
        head=_employee_by_number(who, payload.head, "head"),
        sort_order=payload.sort_order,
    )
    return Status(201, _departments(who).get(pk=department.pk))


@router.patch(
    "/departments/{uuid:uuid}",
    response={200: DepartmentOut, **ERRORS},
    tags=["departments"],
    summary="Change or move a department",
)
def department_update(request: HttpRequest, uuid: UUID, payload: DepartmentPatch) -> Department:
    who = principal(request, WRITE)
    department = access.access_department_for_change(who, uuid)
    given = payload.model_dump(exclude_unset=True)
    reason = given.pop("reason", "")
    changes: dict[str, Any] = {
        name: given[name] for name in ("code", "name", "sort_order") if name in given
    }
    if "head" in given:
        changes["head"] = _employee_by_number(who, given["head"], "head")
    new_parent: Department | None = None
    if "parent" in given and given["parent"] is not None:
        new_parent = _department_by_uuid(who, given["parent"], "parent")
    with transaction.atomic():
        if changes:
            department = services.department_update(
                actor=_actor(who), department=department, changes=changes, reason=reason
            )
        if "parent" in given:
            department = services.department_move(
                actor=_actor(who), department=department, new_parent=new_parent, reason=reason
            )
    return _departments(who).get(pk=department.pk)


# --- positions -----------------------------------------------------------------------------


def _positions(who: Principal) -> QuerySet[Position]:
    return access.positions_visible(who).select_related("department", "role_family")


@router.get(
    "/positions",
    response={200: PositionPage, **ERRORS},
    tags=["positions"],
    summary="List positions",
)
def position_list(
    request: HttpRequest, filters: Query[PositionFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    positions = _positions(who)
    if filters.role_family:
        positions = positions.filter(
            role_family=_role_family_by_code(filters.role_family, "role_family")
        )
    if filters.department is not None:
        department = _department_by_uuid(who, filters.department, "department")
        positions = positions.filter(department=department)
    if filters.q:
        positions = positions.filter(Q(title__icontains=filters.q) | Q(code__icontains=filters.q))
    return paginate(positions, paging)


@router.get(
    "/positions/{uuid:uuid}",
    response={200: PositionOut, **ERRORS},
    tags=["positions"],
    summary="One position",
)
def position_detail(request: HttpRequest, uuid: UUID) -> Position:
    who = principal(request, READ)
    return get_visible(_positions(who), uuid=uuid)


@router.post(
    "/positions",
    response={201: PositionOut, **ERRORS},
    tags=["positions"],
    summary="Create a position",
)
def position_create(request: HttpRequest, payload: PositionIn) -> Status[Position]:
    who = principal(request, WRITE)
    if not access.can_change_positions(who):
        raise Forbidden
    department = (
        None
        if payload.department is None
        else _department_by_uuid(who, payload.department, "department")
    )
    position = services.position_create(
        actor=_actor(who),
        code=payload.code,
        title=payload.title,
        role_family=_role_family_by_code(payload.role_family, "role_family"),
        department=department,
        responsibilities=payload.responsibilities,
        key_indicators="\n".join(line.strip() for line in payload.key_indicators),
    )
    return Status(201, _positions(who).get(pk=position.pk))


@router.patch(
    "/positions/{uuid:uuid}",
    response={200: PositionOut, **ERRORS},
    tags=["positions"],
    summary="Change a position",
)
def position_update(request: HttpRequest, uuid: UUID, payload: PositionPatch) -> Position:
    who = principal(request, WRITE)
    position = access.access_position_for_change(who, uuid)
    changes = payload.model_dump(exclude_unset=True)
    reason = changes.pop("reason", "")
    if "role_family" in changes:
        changes["role_family"] = _role_family_by_code(changes["role_family"], "role_family")
    if changes.get("department") is not None:
        changes["department"] = _department_by_uuid(who, changes["department"], "department")
    if "key_indicators" in changes:
        changes["key_indicators"] = "\n".join(line.strip() for line in changes["key_indicators"])
    position = services.position_update(
        actor=_actor(who), position=position, changes=changes, reason=reason
    )
    return _positions(who).get(pk=position.pk)


# --- employees -----------------------------------------------------------------------------


def _employees(who: Principal, **filters: Any) -> QuerySet[Employee]:
    """The directory the pages show (``selectors.employee_directory``), each row marked
    whether its private details may be shown; filters as the selector takes them."""
    return selectors.employee_directory(
        access.employees_visible(who), private=access.private_view_q(who), **filters
    ).select_related("dotted_manager")


def _employee_item(employee: Employee) -> EmployeeOut:
    return employee_out(employee, private=employee.show_private)  # type: ignore[attr-defined]


@router.get(
    "/employees",
    response={200: EmployeePage, **ERRORS},
    tags=["employees"],
    summary="List employees",
)
def employee_list(
    request: HttpRequest, filters: Query[EmployeeFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    employees = _employees(
        who,
        search=filters.q,
        department=(
            None
            if filters.department is None
            else _department_by_uuid(who, filters.department, "department")
        ),
        position=(
            None
            if filters.position is None
            else _position_by_uuid(who, filters.position, "position")
        ),
        # status is private: the selector matches it only where details may be shown
        status=filters.status or "",
    )
    if filters.manager:
        employees = employees.filter(manager=_employee_by_number(who, filters.manager, "manager"))
    if filters.updated_since is not None:
        since = filters.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        employees = employees.filter(updated_at__gte=since)
    return paginate(employees, paging, _employee_item)


def _employee_detail(who: Principal, **lookup: Any) -> EmployeeOut:
    return _employee_item(get_visible(_employees(who), **lookup))


@router.get(
    "/employees/by-number/{number}",
    response={200: EmployeeOut, **ERRORS},
    tags=["employees"],
    summary="One employee, by employee number",
)
def employee_by_number(request: HttpRequest, number: str) -> EmployeeOut:
    return _employee_detail(principal(request, READ), number=number)


@router.get(
    "/employees/{uuid:uuid}",
    response={200: EmployeeOut, **ERRORS},
    tags=["employees"],
    summary="One employee",
)
def employee_detail(request: HttpRequest, uuid: UUID) -> EmployeeOut:
    return _employee_detail(principal(request, READ), uuid=uuid)


def _check_department_allowed(who: Principal, department: Department) -> None:
    if not access.can_create_employee_in(who, department):
        raise Forbidden(_("You may not place people in this department."))


@router.post(
    "/employees",
    response={201: EmployeeOut, **ERRORS},
    tags=["employees"],
    summary="Create an employee",
)
def employee_create(request: HttpRequest, payload: EmployeeIn) -> Status[EmployeeOut]:
    who = principal(request, WRITE)
    if not (who.is_hr or who.is_system_admin):
        raise Forbidden
    department = _department_by_code(who, payload.department, "department")
    _check_department_allowed(who, department)
    employee = services.employee_create(
        actor=_actor(who),
        number=payload.number,
        name=payload.name,
        department=department,
        position=_position_by_code(who, payload.position, "position"),
        manager=_employee_by_number(who, payload.manager, "manager"),
        dotted_manager=_employee_by_number(who, payload.dotted_manager, "dotted_manager"),
        email=payload.email,
        phone=payload.phone,
        hire_date=payload.hire_date,
        status=payload.status,
    )
    return Status(201, _employee_detail(who, pk=employee.pk))


@router.patch(
    "/employees/{uuid:uuid}",
    response={200: EmployeeOut, **ERRORS},
    tags=["employees"],
    summary="Change an employee",
)
def employee_update(request: HttpRequest, uuid: UUID, payload: EmployeePatch) -> EmployeeOut:
    who = principal(request, WRITE)
    employee = access.access_employee_for_change(who, uuid)
    changes = payload.model_dump(exclude_unset=True)
    reason = changes.pop("reason", "")
    if "department" in changes:
        changes["department"] = _department_by_code(who, changes["department"], "department")
        if changes["department"] != employee.department:
            _check_department_allowed(who, changes["department"])
    if "position" in changes:
        changes["position"] = _position_by_code(who, changes["position"], "position")
    for field in ("manager", "dotted_manager"):
        if field in changes:
            changes[field] = _employee_by_number(who, changes[field], field)
    employee = services.employee_update(
        actor=_actor(who), employee=employee, changes=changes, reason=reason
    )
    return _employee_detail(who, pk=employee.pk)
