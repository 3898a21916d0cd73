"""The demo logins printed by ``make run``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.org.demo.catalogue import (
    DEMO_PASSWORD,
    PERSONAS,
)
from pms.org.models import (
    Department,
    GrantedRole,
    RoleGrant,
)

# --- the demo logins -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    name: str
    department: str


def _persona_roles() -> dict[str, str]:
    return {
        "admin": _("System administrator"),
        "ceo": _("Executive"),
        "hr": _("HR admin"),
        "hrbp": _("HRBP"),
        "head": _("Department head"),
        "manager": _("Manager"),
        "employee": _("Employee"),
        "committee": _("Performance committee"),
    }


def demo_logins() -> list[DemoLogin]:
    """The demo personas present in this database, in a fixed order."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=PERSONAS).select_related(
            "employee__department"
        )
    }
    roles = _persona_roles()
    logins = []
    for username in PERSONAS:
        user = users.get(username)
        if user is None:
            continue
        employee = getattr(user, "employee", None)
        role = roles[username]
        if username == "hrbp":
            scope = Department.objects.filter(
                pk__in=RoleGrant.objects.filter(user=user, role=GrantedRole.HR_ADMIN).values(
                    "departments"
                )
            )
            role = " ".join([role, *(d.name for d in scope)])
        logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                name=user.display_name,
                department=employee.department.name if employee is not None else "—",
            )
        )
    return logins
