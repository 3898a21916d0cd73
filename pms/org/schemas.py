"""What the organisation API reads and writes. Objects are named by uuid; in write bodies,
people by employee number and departments/positions/role families by code, as the
HR systems that call us know them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeVar
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from pms.core.api import NotNull, PageOut
from pms.org.models import Employee, EmployeeStatus, Position

# --- references and outputs ----------------------------------------------------------------


class DepartmentRef(Schema):
    uuid: UUID
    code: str
    name: str


class PositionRef(Schema):
    uuid: UUID
    code: str
    title: str


class EmployeeRef(Schema):
    uuid: UUID
    number: str
    name: str


class RoleFamilyOut(Schema):
    code: str
    name: str


class DepartmentOut(Schema):
    uuid: UUID
    code: str
    name: str
    parent: DepartmentRef | None
    head: EmployeeRef | None
    depth: int
    sort_order: int
    is_active: bool
    closed_at: dt.datetime | None
    updated_at: dt.datetime


class PositionOut(Schema):
    uuid: UUID
    code: str
    title: str
    department: DepartmentRef | None
    role_family: RoleFamilyOut
    responsibilities: str
    key_indicators: list[str]
    is_active: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_key_indicators(obj: Position) -> list[str]:
        return obj.key_indicator_list


class EmployeeOut(Schema):
    uuid: UUID
    number: str
    name: str
    department: DepartmentRef
    position: PositionRef | None
    manager: EmployeeRef | None
    updated_at: dt.datetime
    private_included: bool = Field(
        description="False when the caller may not see this person's private details; "
        "they are null then."
    )
    email: str | None = None
    phone: str | None = None
    hire_date: dt.date | None = None
    status: EmployeeStatus | None = None
    dotted_manager: EmployeeRef | None = None


S = TypeVar("S", bound=Schema)


def _ref(model: type[S], obj: object | None) -> S | None:
    return None if obj is None else model.model_validate(obj)


def employee_out(employee: Employee, *, private: bool) -> EmployeeOut:
    """Directory fields for anyone who can see the person; the rest only with ``private``."""
    out = EmployeeOut(
        uuid=employee.uuid,
        number=employee.number,
        name=employee.name,
        department=DepartmentRef.model_validate(employee.department),
        position=_ref(PositionRef, employee.position),
        manager=_ref(EmployeeRef, employee.manager),
        updated_at=employee.updated_at,
        private_included=private,
    )
    if private:
        out.email = employee.email
        out.phone = employee.phone
        out.hire_date = employee.hire_date
        out.status = EmployeeStatus(employee.status)
        out.dotted_manager = _ref(EmployeeRef, employee.dotted_manager)
    return out


class DepartmentPage(PageOut):
    items: list[DepartmentOut]


class PositionPage(PageOut):
    items: list[PositionOut]


class EmployeePage(PageOut):
    items: list[EmployeeOut]


# --- list filters --------------------------------------------------------------------------


class DepartmentFilters(Schema):
    parent: UUID | None = Field(None, description="Only the direct children of this department.")
    q: str = Field("", max_length=100, description="Part of the name or code.")
    include_closed: bool = Field(False, description="HR only: closed departments too.")


class PositionFilters(Schema):
    role_family: str = Field("", max_length=40, description="Role family code.")
    department: UUID | None = None
    q: str = Field("", max_length=100, description="Part of the title or code.")


class EmployeeFilters(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="Part of the name or number (or e-mail or phone, where you may see them).",
    )
    department: UUID | None = Field(None, description="This department and those below it.")
    position: UUID | None = None
    status: EmployeeStatus | None = Field(
        None, description="Matches only people whose private details you may see."
    )
    manager: str = Field("", max_length=40, description="The direct manager's employee number.")
    updated_since: dt.datetime | None = None


# --- write bodies --------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid")


class DepartmentIn(Schema):
    model_config = _STRICT

    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    parent: UUID | None = None
    head: str | None = Field(None, description="Employee number of the head.")
    sort_order: int = Field(0, ge=0)


class DepartmentPatch(Schema):
    """Only the fields sent change; ``parent: null`` moves the department to the top."""

    model_config = _STRICT

    code: Annotated[str | None, NotNull, Field(min_length=1, max_length=40)] = None
    name: Annotated[str | None, NotNull, Field(min_length=1, max_length=100)] = None
    parent: UUID | None = None
    head: str | None = Field(None, description="Employee number of the head, or null.")
    sort_order: Annotated[int | None, NotNull, Field(ge=0)] = None
    reason: str = Field("", max_length=1000)


class PositionIn(Schema):
    model_config = _STRICT

    code: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=100)
    role_family: str = Field(..., description="Role family code.")
    department: UUID | None = None
    responsibilities: str = ""
    key_indicators: list[str] = Field(default_factory=list)


class PositionPatch(Schema):
    model_config = _STRICT

    code: Annotated[str | None, NotNull, Field(min_length=1, max_length=40)] = None
    title: Annotated[str | None, NotNull, Field(min_length=1, max_length=100)] = None
    role_family: Annotated[str | None, NotNull, Field(description="Role family code.")] = None
    department: UUID | None = None
    responsibilities: Annotated[str | None, NotNull] = None
    key_indicators: Annotated[list[str] | None, NotNull] = None
    is_active: Annotated[bool | None, NotNull] = None
    reason: str = Field("", max_length=1000)


class EmployeeIn(Schema):
    model_config = _STRICT

    number: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    department: str = Field(..., description="Department code.")
    position: str | None = Field(None, description="Position code.")
    manager: str | None = Field(None, description="Direct manager's employee number.")
    dotted_manager: str | None = Field(None, description="Dotted-line manager's number.")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    hire_date: dt.date | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE


class EmployeePatch(Schema):
    """Only the fields sent change; ``null`` clears position, manager or dotted line."""

    model_config = _STRICT

    number: Annotated[str | None, NotNull, Field(min_length=1, max_length=40)] = None
    name: Annotated[str | None, NotNull, Field(min_length=1, max_length=100)] = None
    department: Annotated[str | None, NotNull, Field(description="Department code.")] = None
    position: str | None = Field(None, description="Position code.")
    manager: str | None = Field(None, description="Direct manager's employee number.")
    dotted_manager: str | None = Field(None, description="Dotted-line manager's number.")
    email: Annotated[str | None, NotNull, Field(max_length=254)] = None
    phone: Annotated[str | None, NotNull, Field(max_length=30)] = None
    hire_date: dt.date | None = None
    status: Annotated[EmployeeStatus | None, NotNull] = None
    reason: str = Field("", max_length=1000)
