"""Who is calling: ``GET /me``."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import AuthenticationError

from pms.core.api import ErrorOut, principal
from pms.org.schemas import DepartmentRef, EmployeeRef, PositionRef

router = Router(tags=["me"])


class MyEmployee(Schema):
    uuid: UUID
    number: str
    name: str
    department: DepartmentRef
    position: PositionRef | None
    manager: EmployeeRef | None


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    employee: MyEmployee | None
    token_scopes: list[str] | None


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The caller")
def me(request: HttpRequest) -> MeOut:
    who = principal(request)
    if who.user is None:
        raise AuthenticationError
    employee = who.employee
    return MeOut(
        username=who.user.username,
        name=who.user.display_name,
        roles=who.role_codes,
        employee=None if employee is None else MyEmployee.model_validate(employee),
        token_scopes=None if who.token_scopes is None else sorted(who.token_scopes),
    )
