"""Who a signed-in user is in the organisation: the principal every access check reads.

Granted roles (HR admin / HRBP, committee, executive, system admin) come from
``RoleGrant``; manager and department head follow from the reporting lines and department
heads. Built once per request (a handful of queries, independent of company size).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from pms.org.models import Department, Employee, GrantedRole, RoleGrant

if TYPE_CHECKING:
    from pms.accounts.models import User


@dataclass(frozen=True)
class Principal:
    user: User | None
    employee: Employee | None = None
    is_system_admin: bool = False
    hr_company: bool = False
    hr_scope_paths: tuple[str, ...] = ()
    is_executive: bool = False
    is_committee: bool = False
    head_paths: tuple[str, ...] = ()
    has_reports: bool = False
    # None for a browser session; the token's scopes for an integration.
    token_scopes: frozenset[str] | None = field(default=None)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_active

    @property
    def is_hr(self) -> bool:
        return self.hr_company or bool(self.hr_scope_paths)

    @property
    def is_manager(self) -> bool:
        return self.has_reports

    @property
    def is_department_head(self) -> bool:
        return bool(self.head_paths)

    @property
    def role_codes(self) -> list[str]:
        """The roles this user holds, for "me" and the navigation."""
        roles = ["employee"] if self.employee is not None else []
        if self.is_manager:
            roles.append("manager")
        if self.is_department_head:
            roles.append("department_head")
        if self.hr_company:
            roles.append("hr_admin")
        elif self.hr_scope_paths:
            roles.append("hrbp")
        if self.is_committee:
            roles.append("committee")
        if self.is_executive:
            roles.append("executive")
        if self.is_system_admin:
            roles.append("system_admin")
        return roles

    def allows_scope(self, scope: str) -> bool:
        return self.token_scopes is None or scope in self.token_scopes


ANONYMOUS = Principal(user=None)


def principal_for(user: User | None, *, token_scopes: frozenset[str] | None = None) -> Principal:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    employee = Employee.objects.select_related("department", "position").filter(user=user).first()
    grants = {
        g.role: g for g in RoleGrant.objects.filter(user=user).prefetch_related("departments")
    }
    hr_grant = grants.get(GrantedRole.HR_ADMIN)
    hr_paths: tuple[str, ...] = ()
    if hr_grant is not None:
        hr_paths = tuple(d.path for d in hr_grant.departments.all() if d.is_active)
    head_paths: tuple[str, ...] = ()
    has_reports = False
    if employee is not None:
        head_paths = tuple(
            Department.objects.filter(head=employee, is_active=True).values_list("path", flat=True)
        )
        has_reports = Employee.objects.filter(
            Q(manager=employee) | Q(dotted_manager=employee)
        ).exists()
    return Principal(
        user=user,
        employee=employee,
        is_system_admin=user.is_superuser or GrantedRole.SYSTEM_ADMIN in grants,
        hr_company=hr_grant is not None and not hr_paths,
        hr_scope_paths=hr_paths,
        is_executive=GrantedRole.EXECUTIVE in grants,
        is_committee=GrantedRole.COMMITTEE in grants,
        head_paths=head_paths,
        has_reports=has_reports,
        token_scopes=token_scopes,
    )
