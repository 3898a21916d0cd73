"""Who may see and change organisation data. Pages, API, exports and notifications
all call these functions; nothing else decides.

- Everyone with a place in the company sees the department tree, positions and the
  directory card of current colleagues (name, number, department, position, manager).
- Private details (phone, hire date, status, dotted line, history) are for the person
  themself, their managers up the chain, their dotted-line manager, the head of a
  department above them, HR admins whose scope covers them, and system admins.
- Changes to people are for HR admins in scope; changes to structure (departments,
  positions), imports and the audit log are for company-wide HR admins and system admins.
"""

from django.db.models import Q, QuerySet

from pms.core.access import Forbidden, NotFound, get_visible
from pms.org.models import CURRENT_STATUSES, Department, Employee, Position
from pms.org.roles import Principal


def _path_q(field: str, paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def is_member(principal: Principal) -> bool:
    """Has a place in the company: an employee record or a granted role."""
    if not principal.is_authenticated:
        return False
    if principal.employee is not None:
        return True
    return (
        principal.is_hr
        or principal.is_executive
        or principal.is_committee
        or principal.is_system_admin
    )


def is_org_admin(principal: Principal) -> bool:
    """May change structure, import and read the audit log."""
    if not principal.is_authenticated:
        return False
    return principal.hr_company or principal.is_system_admin


# --- departments ---------------------------------------------------------------------------


def departments_visible(principal: Principal) -> QuerySet[Department]:
    if not is_member(principal):
        return Department.objects.none()
    if is_org_admin(principal) or principal.is_hr:
        return Department.objects.all()
    return Department.objects.filter(is_active=True)


def access_department(principal: Principal, uuid: object) -> Department:
    return get_visible(departments_visible(principal), uuid=uuid)


def can_change_departments(principal: Principal) -> bool:
    return is_org_admin(principal)


def access_department_for_change(principal: Principal, uuid: object) -> Department:
    department = access_department(principal, uuid)
    if not can_change_departments(principal):
        raise Forbidden
    return department


# --- positions -----------------------------------------------------------------------------


def positions_visible(principal: Principal) -> QuerySet[Position]:
    if not is_member(principal):
        return Position.objects.none()
    return Position.objects.all()


def access_position(principal: Principal, uuid: object) -> Position:
    return get_visible(positions_visible(principal), uuid=uuid)


def can_change_positions(principal: Principal) -> bool:
    return is_org_admin(principal)


def access_position_for_change(principal: Principal, uuid: object) -> Position:
    position = access_position(principal, uuid)
    if not can_change_positions(principal):
        raise Forbidden
    return position


# --- employees -----------------------------------------------------------------------------


def hr_scope_q(principal: Principal, prefix: str = "") -> Q:
    """Employees an HR admin's grant covers (everyone for a company-wide grant).

    ``prefix`` ("employee__") applies the rule to rows that belong to an employee."""
    if principal.hr_company or principal.is_system_admin:
        return ~Q(pk__in=[])
    return _path_q(f"{prefix}department__path", principal.hr_scope_paths)


def private_view_q(principal: Principal, prefix: str = "") -> Q:
    """Employees whose private details this principal may read: themself, their managers
    up the chain, their dotted-line manager, heads above them, HR in scope."""
    if principal.hr_company or principal.is_system_admin:
        return ~Q(pk__in=[])
    q = hr_scope_q(principal, prefix) | _path_q(f"{prefix}department__path", principal.head_paths)
    me = principal.employee
    if me is not None:
        q |= Q(**{f"{prefix}pk": me.pk}) | Q(**{f"{prefix}dotted_manager": me})
        if me.report_path:
            q |= Q(**{f"{prefix}report_path__startswith": me.report_path})
    return q


def employees_visible(principal: Principal) -> QuerySet[Employee]:
    """The directory: current colleagues for everyone, former ones where details are allowed."""
    if not is_member(principal):
        return Employee.objects.none()
    return Employee.objects.filter(Q(status__in=CURRENT_STATUSES) | private_view_q(principal))


def employees_private(principal: Principal) -> QuerySet[Employee]:
    if not is_member(principal):
        return Employee.objects.none()
    return Employee.objects.filter(private_view_q(principal))


def access_employee(principal: Principal, uuid: object) -> Employee:
    return get_visible(employees_visible(principal), uuid=uuid)


def can_view_private(principal: Principal, employee: Employee) -> bool:
    if not is_member(principal):
        return False
    return employees_private(principal).filter(pk=employee.pk).exists()


def employees_changeable(principal: Principal) -> QuerySet[Employee]:
    if not principal.is_authenticated:
        return Employee.objects.none()
    if not (principal.is_hr or principal.is_system_admin):
        return Employee.objects.none()
    return Employee.objects.filter(hr_scope_q(principal))


def can_change_employee(principal: Principal, employee: Employee) -> bool:
    return employees_changeable(principal).filter(pk=employee.pk).exists()


def sees_private_of_others(principal: Principal) -> bool:
    """Whether private filters (status) are worth offering; rows are still limited by
    ``private_view_q``, so nobody learns a status they may not read."""
    if not principal.is_authenticated:
        return False
    return (
        principal.is_hr
        or principal.is_system_admin
        or principal.is_manager
        or principal.is_department_head
    )


def can_add_people(principal: Principal) -> bool:
    """May open "new employee"; the department chosen is checked by
    ``can_create_employee_in``."""
    if not principal.is_authenticated:
        return False
    return principal.is_hr or principal.is_system_admin


def can_create_employee_in(principal: Principal, department: Department) -> bool:
    if not principal.is_authenticated:
        return False
    if principal.hr_company or principal.is_system_admin:
        return True
    return any(department.path.startswith(p) for p in principal.hr_scope_paths)


def access_employee_for_change(principal: Principal, uuid: object) -> Employee:
    employee = access_employee(principal, uuid)
    if not can_change_employee(principal, employee):
        raise Forbidden
    return employee


def can_export_employees(principal: Principal) -> bool:
    return principal.is_authenticated and (principal.is_hr or principal.is_system_admin)


def can_import(principal: Principal) -> bool:
    return is_org_admin(principal)


def can_read_audit(principal: Principal) -> bool:
    return is_org_admin(principal)


def can_manage_tokens(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_system_admin


def can_manage_roles(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_system_admin


__all__ = ["Forbidden", "NotFound"]
