"""Employees from a file, keyed by employee number; managers set once every row exists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.accounts.models import User
from pms.core.imports import (
    Column,
    Importer,
    Row,
    SessionContext,
    bulk_set,
)
from pms.core.models import AuditAction, AuditEntry
from pms.org.importers.common import (
    STATUS_WORDS,
    OrgSession,
    _chunks,
    _is_email,
    _is_phone,
    find_cycles,
    parse_date,
    recompute_report_paths,
)
from pms.org.models import Department, Employee, EmployeeStatus, Position

# --- employees -----------------------------------------------------------------------------


_EMPLOYEE_UPDATE_FIELDS = [
    "name",
    "email",
    "phone",
    "department",
    "position",
    "hire_date",
    "status",
    "updated_at",
]


class EmployeeSession(OrgSession):
    key_column = "number"

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.departments = {
            code: (pk, active)
            for code, pk, active in Department.objects.values_list("code", "id", "is_active")
        }
        self.positions = dict(Position.objects.values_list("code", "id"))
        # number → (manager number, dotted-line manager number), "" for none
        self.managers: dict[str, tuple[str, str]] = {}

    def _check_row(self, row: Row, number: str) -> dict[str, Any] | None:
        ctx = self.context
        email = row.get("email")
        if email and not _is_email(email):
            ctx.error(row, "email", _("Enter a valid email address."))
        phone = row.get("phone")
        if phone and not _is_phone(phone):
            ctx.error(row, "phone", _("Enter a valid phone number."))
        department = row.get("department")
        found = self.departments.get(department)
        if found is None:
            ctx.error(
                row, "department", _("Unknown department code %(code)s.") % {"code": department}
            )
        position = row.get("position")
        if position and position not in self.positions:
            ctx.error(row, "position", _("Unknown position code %(code)s.") % {"code": position})
        manager = row.get("manager")
        if manager == number:
            ctx.error(row, "manager", _("A person cannot be their own manager."))
        dotted = row.get("dotted_manager")
        if dotted == number:
            ctx.error(row, "dotted_manager", _("A person cannot be their own dotted-line manager."))
        hire_date: dt.date | None = None
        if row.get("hire_date"):
            try:
                hire_date = parse_date(row.get("hire_date"))
            except ValueError:
                ctx.error(
                    row,
                    "hire_date",
                    _("Enter a date such as 2024-03-01, 2024/3/1 or 2024年3月1日."),
                )
        status_word = row.get("status")
        status = STATUS_WORDS.get(status_word.lower(), "") if status_word else "active"
        if not status:
            ctx.error(
                row,
                "status",
                _("Unknown status %(status)s: use 试用期, 在职, 休假 or 离职.")
                % {"status": status_word},
            )
        self.managers[number] = (
            "" if manager == number else manager,
            "" if dotted == number else dotted,
        )
        if not self.ok(row):
            return None
        return {
            "name": row.get("name"),
            "email": email,
            "phone": phone,
            "department": department,
            "position": position or None,
            "manager": manager or None,
            "dotted_manager": dotted or None,
            "hire_date": hire_date.isoformat() if hire_date else None,
            "status": status,
        }

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        existing = {
            e["number"]: e
            for e in Employee.objects.filter(number__in=[r.get("number") for r in rows]).values(
                "id",
                "number",
                "user_id",
                "name",
                "email",
                "phone",
                "department__code",
                "position__code",
                "manager__number",
                "dotted_manager__number",
                "hire_date",
                "status",
            )
        }
        new: list[Employee] = []
        changed: list[Employee] = []
        entries: list[AuditEntry] = []
        user_changes: list[User] = []
        now = timezone.now()
        for row in rows:
            number = self.claim_key(row)
            if number is None:
                continue
            desired = self._check_row(row, number)
            if desired is None:
                continue
            current = existing.get(number)
            joins = current is None or current["department__code"] != desired["department"]
            if joins and not self.departments[desired["department"]][1]:
                self.context.error(row, "department", _("People cannot join a closed department."))
                continue
            before_all = None
            if current is not None:
                before_all = {
                    "name": current["name"],
                    "email": current["email"],
                    "phone": current["phone"],
                    "department": current["department__code"],
                    "position": current["position__code"],
                    "manager": current["manager__number"],
                    "dotted_manager": current["dotted_manager__number"],
                    "hire_date": current["hire_date"].isoformat() if current["hire_date"] else None,
                    "status": current["status"],
                }
            outcome, before, after = self.classify(before_all, desired)
            if not self.context.apply or outcome == "unchanged":
                continue
            employee = Employee(
                number=number,
                name=desired["name"],
                email=desired["email"],
                phone=desired["phone"],
                department_id=self.departments[desired["department"]][0],
                position_id=self.positions[desired["position"]] if desired["position"] else None,
                hire_date=dt.date.fromisoformat(desired["hire_date"])
                if desired["hire_date"]
                else None,
                status=desired["status"],
                updated_at=now,
            )
            if outcome == "create":
                new.append(employee)
                entries.append(
                    self.entry(employee, AuditAction.CREATE, None, {"number": number, **after})
                )
                continue
            if current is None:
                continue
            employee.pk = current["id"]
            changed.append(employee)
            entries.append(self.entry(employee, AuditAction.UPDATE, before, after))
            if current["user_id"] and {"name", "email", "status"} & set(after):
                user_changes.append(
                    User(
                        pk=current["user_id"],
                        name=employee.name,
                        email=employee.email,
                        is_active=employee.status != EmployeeStatus.LEFT,
                    )
                )
        if new:
            self._create(new, entries)
        if changed:
            bulk_set(Employee, changed, _EMPLOYEE_UPDATE_FIELDS)
        if user_changes:
            bulk_set(User, user_changes, ["name", "email", "is_active"])
        self.audit(entries)

    def _create(self, new: list[Employee], entries: list[AuditEntry]) -> None:
        """New people get an account like ``employee_create`` gives them: username = number,
        no usable password, unless that username is taken already."""
        taken = set(
            User.objects.filter(username__in=[e.number for e in new]).values_list(
                "username", flat=True
            )
        )
        users = [
            User(
                username=e.number,
                email=e.email,
                name=e.name,
                password=make_password(None),
                is_active=e.status != EmployeeStatus.LEFT,
            )
            for e in new
            if e.number not in taken
        ]
        User.objects.bulk_create(users)
        user_ids = {u.username: u.pk for u in users}
        for employee in new:
            employee.user_id = user_ids.get(employee.number)
        Employee.objects.bulk_create(new)
        ids = {e.number: e.pk for e in new}
        for entry in entries:
            if entry.action == AuditAction.CREATE and entry.after:
                entry.object_id = str(ids[entry.after["number"]])

    def finish(self) -> None:
        db: dict[str, str | None] = dict(
            Employee.objects.values_list("number", "manager__number").iterator(chunk_size=5000)
        )
        unknown: set[str] = set()
        for number, (manager, dotted) in self.managers.items():
            line = self.lines[number]
            for key, ref in (("manager", manager), ("dotted_manager", dotted)):
                if ref and ref not in self.managers and ref not in db:
                    self.context.error(
                        line, key, _("Unknown employee number %(number)s.") % {"number": ref}
                    )
                    if key == "manager":
                        unknown.add(number)

        def manager_of(number: str) -> str | None:
            if number in self.managers:
                return None if number in unknown else (self.managers[number][0] or None)
            return db.get(number)

        for cycle in find_cycles(self.managers, manager_of):
            chain = " → ".join([*cycle, cycle[0]])
            for number in cycle:
                if number in self.lines:
                    self.context.error(
                        self.lines[number],
                        "manager",
                        _("The reporting line would loop: %(chain)s.") % {"chain": chain},
                    )
        if not self.context.apply or self.context.errors.count:
            return
        self._set_managers()
        recompute_report_paths()

    def _set_managers(self) -> None:
        now = timezone.now()
        for numbers in _chunks(self.managers):
            wanted = {ref for n in numbers for ref in self.managers[n] if ref}
            ids = dict(
                Employee.objects.filter(number__in=[*numbers, *wanted]).values_list("number", "id")
            )
            current = {
                number: (manager_id, dotted_id)
                for number, manager_id, dotted_id in Employee.objects.filter(
                    number__in=numbers
                ).values_list("number", "manager_id", "dotted_manager_id")
            }
            changed = []
            for number in numbers:
                manager, dotted = self.managers[number]
                target = (ids[manager] if manager else None, ids[dotted] if dotted else None)
                if current[number] != target:
                    changed.append(
                        Employee(
                            pk=ids[number],
                            manager_id=target[0],
                            dotted_manager_id=target[1],
                            updated_at=now,
                        )
                    )
            bulk_set(Employee, changed, ["manager", "dotted_manager", "updated_at"])


class EmployeeImporter(Importer):
    kind = "employees"
    label = gettext_lazy("Employees")
    session_class = EmployeeSession
    columns = (
        Column(
            "number",
            "工号",
            ("employee number", "number"),
            required=True,
            max_length=40,
            help=gettext_lazy(
                "Unique employee number; rows are matched by it. Also the sign-in name."
            ),
            example="E1001",
        ),
        Column(
            "name",
            "姓名",
            ("name",),
            required=True,
            max_length=100,
            help=gettext_lazy("Full name."),
            example="陈晓明",
        ),
        Column(
            "email",
            "邮箱",
            ("email",),
            max_length=254,
            help=gettext_lazy("Work email address; optional."),
            example="chenxm@example.com",
        ),
        Column(
            "phone",
            "手机",
            ("phone", "mobile"),
            max_length=30,
            help=gettext_lazy("Mobile phone number; optional."),
            example="13800001234",
        ),
        Column(
            "department",
            "部门编码",
            ("department code", "department"),
            required=True,
            max_length=40,
            help=gettext_lazy("Code of the department; it must exist (import departments first)."),
            example="SALES1",
        ),
        Column(
            "position",
            "岗位编码",
            ("position code", "position"),
            max_length=40,
            help=gettext_lazy("Code of the position; optional, must exist."),
            example="SALES-REP",
        ),
        Column(
            "manager",
            "直接上级工号",
            ("manager number", "manager"),
            max_length=40,
            help=gettext_lazy(
                "Employee number of the direct manager; optional. It may be a person further "
                "down in the same file. A reporting line that loops is refused."
            ),
            example="E0003",
        ),
        Column(
            "dotted_manager",
            "虚线上级工号",
            ("dotted-line manager number", "dotted line manager number", "dotted manager"),
            max_length=40,
            help=gettext_lazy("Employee number of the dotted-line manager; optional."),
            example="",
        ),
        Column(
            "hire_date",
            "入职日期",
            ("hire date",),
            max_length=40,
            help=gettext_lazy("Hire date: a date cell, 2024-03-01, 2024/3/1 or 2024年3月1日."),
            example="2024-03-01",
        ),
        Column(
            "status",
            "状态",
            ("status",),
            max_length=20,
            help=gettext_lazy(
                "试用期, 在职, 休假 or 离职 (or probation, active, on_leave, left); blank = 在职."
            ),
            example="在职",
        ),
    )
