"""Import kinds of the organisation: departments, positions and employees.

Each file is the truth for the rows it contains, keyed by department code, position code or
employee number: a row creates the object or brings it in line with the file; a blank
optional cell clears the value. Objects missing from the file are left alone.

Checking keeps only small per-row keys in memory (codes and numbers seen, the
number → manager map for the loop check); existing rows are looked up a chunk at a time.
Applying writes in bulk, sets the self-references (parent, manager) once every row exists,
then recomputes the materialised paths of the whole tree in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from pms.accounts.models import User
from pms.core.audit import audit_bulk, build_entry
from pms.core.imports import (
    BATCH_SIZE,
    CHUNK_SIZE,
    Column,
    Importer,
    ImportSession,
    Row,
    SessionContext,
    bulk_set,
    register,
)
from pms.core.models import AuditAction, AuditEntry
from pms.org.models import Department, Employee, EmployeeStatus, Position, RoleFamily
from pms.org.services import company_get_or_create

# The words a file may use for a status; the export writes the first (Chinese) one.
STATUS_WORDS: dict[str, str] = {
    "试用期": EmployeeStatus.PROBATION,
    "在职": EmployeeStatus.ACTIVE,
    "休假": EmployeeStatus.ON_LEAVE,
    "离职": EmployeeStatus.LEFT,
    "probation": EmployeeStatus.PROBATION,
    "on probation": EmployeeStatus.PROBATION,
    "active": EmployeeStatus.ACTIVE,
    "on_leave": EmployeeStatus.ON_LEAVE,
    "on leave": EmployeeStatus.ON_LEAVE,
    "left": EmployeeStatus.LEFT,
}
STATUS_EXPORT_WORD: dict[str, str] = {
    EmployeeStatus.PROBATION: "试用期",
    EmployeeStatus.ACTIVE: "在职",
    EmployeeStatus.ON_LEAVE: "休假",
    EmployeeStatus.LEFT: "离职",
}

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_PHONE_RE = re.compile(r"^\+?[\d\s\-()]{5,30}$")
_INDICATOR_SPLIT_RE = re.compile(r"[\n；;、]")


def parse_date(text: str) -> dt.date:
    match = _DATE_RE.match(text.strip())
    if match is None:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def normalise_indicators(text: str) -> str:
    """Key indicators one per line, whatever separator the file used."""
    parts = (part.strip() for part in _INDICATOR_SPLIT_RE.split(text.replace("\r", "\n")))
    return "\n".join(part for part in parts if part)


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _is_phone(value: str) -> bool:
    return bool(_PHONE_RE.match(value)) and sum(ch.isdigit() for ch in value) >= 5


def _chunks(items: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def find_cycles(starts: Iterable[str], parent_of: Callable[[str], str | None]) -> list[list[str]]:
    """Every loop reachable by walking up from ``starts``; each loop once."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: finished
    cycles: list[list[str]] = []
    for start in starts:
        if start in state:
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent_of(node)
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return cycles


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [key for key in after if before.get(key) != after[key]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def recompute_department_paths() -> int:
    """Bring every department's path and depth in line with its parent chain."""
    rows = list(Department.objects.values_list("id", "parent_id", "path", "depth"))
    parent_of = {pk: parent for pk, parent, _path, _depth in rows}
    paths: dict[int, str] = {}

    def path_for(pk: int) -> str:
        chain: list[int] = []
        node: int | None = pk
        while node is not None and node not in paths:
            chain.append(node)
            node = parent_of.get(node)
        prefix = paths[node] if node is not None else "/"
        for member in reversed(chain):
            prefix = f"{prefix}{member}/"
            paths[member] = prefix
        return paths[pk]

    changed = []
    for pk, _parent, path, depth in rows:
        new_path = path_for(pk)
        new_depth = new_path.count("/") - 2
        if new_path != path or new_depth != depth:
            changed.append(Department(pk=pk, path=new_path, depth=new_depth))
    bulk_set(Department, changed, ["path", "depth"])
    return len(changed)


def recompute_report_paths() -> int:
    """Bring every employee's report path in line with the manager chain."""
    parent_of: dict[int, int | None] = {}
    current: dict[int, str] = {}
    for pk, manager_id, path in Employee.objects.values_list(
        "id", "manager_id", "report_path"
    ).iterator(chunk_size=5000):
        parent_of[pk] = manager_id
        current[pk] = path
    paths: dict[int, str] = {}
    changed: list[Employee] = []
    for pk in parent_of:
        chain: list[int] = []
        node: int | None = pk
        while node is not None and node not in paths:
            chain.append(node)
            node = parent_of.get(node)
        prefix = paths[node] if node is not None else "/"
        for member in reversed(chain):
            prefix = f"{prefix}{member}/"
            paths[member] = prefix
            if current[member] != prefix:
                changed.append(Employee(pk=member, report_path=prefix))
        if len(changed) >= BATCH_SIZE:
            bulk_set(Employee, changed, ["report_path"])
            changed = []
    bulk_set(Employee, changed, ["report_path"])
    return len(paths)


class OrgSession(ImportSession):
    """What the three kinds share: duplicate keys, counting and audit entries."""

    key_column = ""
    object_label: str = ""

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.lines: dict[str, int] = {}

    def claim_key(self, row: Row) -> str | None:
        key = row.get(self.key_column)
        first = self.lines.get(key)
        if first is not None:
            self.context.error(
                row,
                self.key_column,
                _("Duplicate %(key)s: already on line %(line)d.") % {"key": key, "line": first},
            )
            return None
        self.lines[key] = row.line
        return key

    def ok(self, row: Row) -> bool:
        return not self.context.errors.has_errors_on(row.line)

    def classify(
        self, existing: dict[str, Any] | None, desired: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """ "create", "update" or "unchanged", with the changed fields before and after."""
        if existing is None:
            self.context.counts.create += 1
            return "create", {}, desired
        before, after = _diff(existing, desired)
        if not after:
            self.context.counts.unchanged += 1
            return "unchanged", before, after
        self.context.counts.update += 1
        return "update", before, after

    def audit(self, entries: list[AuditEntry]) -> None:
        audit_bulk(entries)

    def entry(
        self, instance: Any, action: str, before: dict[str, Any] | None, after: dict[str, Any]
    ) -> AuditEntry:
        actor = self.context.actor
        if actor is None:
            raise RuntimeError("applying needs an actor")
        return build_entry(
            actor=actor,
            instance=instance,
            action=action,
            before=before,
            after=after,
            batch=self.context.batch,
        )


# --- departments ---------------------------------------------------------------------------


class DepartmentSession(OrgSession):
    key_column = "code"

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.parents: dict[str, str] = {}
        self.company = company_get_or_create() if context.apply else None

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        heads = {row.get("head") for row in rows if row.get("head")}
        known_heads = {
            number: (pk, status)
            for number, pk, status in Employee.objects.filter(number__in=heads).values_list(
                "number", "id", "status"
            )
        }
        existing: dict[str, dict[str, Any]] = {
            d["code"]: dict(d)
            for d in Department.objects.filter(code__in=[r.get("code") for r in rows]).values(
                "id", "code", "name", "parent__code", "head__number", "sort_order"
            )
        }
        accepted: list[tuple[Row, dict[str, Any], int | None]] = []
        for row in rows:
            code = self.claim_key(row)
            if code is None:
                continue
            parent = row.get("parent")
            self.parents[code] = parent
            if parent == code:
                self.context.error(row, "parent", _("A department cannot be its own parent."))
            order = row.get("sort_order") or "0"
            if not order.isdigit():
                self.context.error(row, "sort_order", _("Enter a whole number, 0 or more."))
            head = row.get("head")
            head_id: int | None = None
            if head:
                found = known_heads.get(head)
                if found is None:
                    self.context.error(
                        row, "head", _("Unknown employee number %(number)s.") % {"number": head}
                    )
                elif found[1] == EmployeeStatus.LEFT:
                    self.context.error(
                        row, "head", _("A person who has left cannot head a department.")
                    )
                else:
                    head_id = found[0]
            if not self.ok(row):
                continue
            desired = {
                "name": row.get("name"),
                "parent": parent or None,
                "head": head or None,
                "sort_order": int(order),
            }
            accepted.append((row, desired, head_id))
        self._classify_and_write(accepted, existing)

    def _classify_and_write(
        self,
        accepted: list[tuple[Row, dict[str, Any], int | None]],
        existing: dict[str, dict[str, Any]],
    ) -> None:
        new: list[Department] = []
        changed: list[Department] = []
        entries: list[AuditEntry] = []
        now = timezone.now()
        for row, desired, head_id in accepted:
            code = row.get("code")
            current = existing.get(code)
            before_all = None
            if current is not None:
                before_all = {
                    "name": current["name"],
                    "parent": current["parent__code"],
                    "head": current["head__number"],
                    "sort_order": current["sort_order"],
                }
            outcome, before, after = self.classify(before_all, desired)
            if not self.context.apply or outcome == "unchanged":
                continue
            department = Department(
                code=code,
                name=desired["name"],
                head_id=head_id,
                sort_order=desired["sort_order"],
                updated_at=now,
            )
            if outcome == "create":
                department.company = self.company or company_get_or_create()
                department.path = "/"
                new.append(department)
                entries.append(
                    self.entry(department, AuditAction.CREATE, None, {"code": code, **after})
                )
            elif current is not None:
                department.pk = current["id"]
                changed.append(department)
                entries.append(self.entry(department, AuditAction.UPDATE, before, after))
        if new:
            Department.objects.bulk_create(new)
            self._fix_entry_ids(entries, new)
        if changed:
            bulk_set(Department, changed, ["name", "head", "sort_order", "updated_at"])
        self.audit(entries)

    @staticmethod
    def _fix_entry_ids(entries: list[AuditEntry], new: list[Department]) -> None:
        by_code = {d.code: d.pk for d in new}
        for entry in entries:
            if entry.action == AuditAction.CREATE and entry.after:
                entry.object_id = str(by_code.get(entry.after.get("code"), entry.object_id))

    def finish(self) -> None:
        db = {
            code: (parent, active)
            for code, parent, active in Department.objects.values_list(
                "code", "parent__code", "is_active"
            )
        }
        bad: set[str] = set()
        for code, parent in self.parents.items():
            if not parent or parent == code:
                continue
            line = self.lines[code]
            if parent not in self.lines and parent not in db:
                self.context.error(
                    line, "parent", _("Unknown department code %(code)s.") % {"code": parent}
                )
                bad.add(code)
            elif parent in db and not db[parent][1] and db.get(code, ("", True))[0] != parent:
                self.context.error(
                    line, "parent", _("A closed department cannot take sub-departments.")
                )

        def parent_of(code: str) -> str | None:
            if code in self.parents:
                parent = self.parents[code]
                return parent if parent and parent != code and code not in bad else None
            found = db.get(code)
            return found[0] if found else None

        for cycle in find_cycles(self.parents, parent_of):
            chain = " → ".join([*cycle, cycle[0]])
            for code in cycle:
                if code in self.lines:
                    self.context.error(
                        self.lines[code],
                        "parent",
                        _("A department cannot be its own ancestor: %(chain)s.") % {"chain": chain},
                    )
        if not self.context.apply or self.context.errors.count:
            return
        self._set_parents()
        recompute_department_paths()

    def _set_parents(self) -> None:
        for codes in _chunks(self.parents):
            wanted = {self.parents[c] for c in codes if self.parents[c]}
            ids = dict(
                Department.objects.filter(code__in=[*codes, *wanted]).values_list("code", "id")
            )
            current = dict(
                Department.objects.filter(code__in=codes).values_list("code", "parent_id")
            )
            changed = []
            for code in codes:
                parent = self.parents[code]
                parent_id = ids[parent] if parent else None
                if current[code] != parent_id:
                    changed.append(Department(pk=ids[code], parent_id=parent_id))
            bulk_set(Department, changed, ["parent"])


class DepartmentImporter(Importer):
    kind = "departments"
    label = _lazy("Departments")
    session_class = DepartmentSession
    columns = (
        Column(
            "code",
            "部门编码",
            ("department code",),
            required=True,
            max_length=40,
            help=_lazy("Unique code of the department; rows are matched by it."),
            example="SALES1",
        ),
        Column(
            "name",
            "部门名称",
            ("department name",),
            required=True,
            max_length=100,
            help=_lazy("Name of the department."),
            example="销售一部",
        ),
        Column(
            "parent",
            "上级部门编码",
            ("parent code", "parent department code", "parent"),
            max_length=40,
            help=_lazy("Code of the parent department; blank for a top-level department."),
            example="SALES",
        ),
        Column(
            "head",
            "负责人工号",
            ("head employee number", "head number", "head"),
            max_length=40,
            help=_lazy("Employee number of the department head; optional, must exist."),
            example="E0002",
        ),
        Column(
            "sort_order",
            "排序",
            ("order", "sort order"),
            max_length=9,
            help=_lazy("Display order among sibling departments; a whole number, optional."),
            example="1",
        ),
    )


# --- positions -----------------------------------------------------------------------------


class PositionSession(OrgSession):
    key_column = "code"

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.departments = dict(Department.objects.values_list("code", "id"))
        self.families: dict[str, tuple[int, str]] = {}
        self.family_names: dict[int, str] = {}
        for pk, code, name in RoleFamily.objects.values_list("id", "code", "name"):
            self.families[code.lower()] = (pk, name)
            self.families[name.lower()] = (pk, name)
            self.family_names[pk] = name

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        existing = {
            p["code"]: p
            for p in Position.objects.filter(code__in=[r.get("code") for r in rows]).values(
                "id",
                "code",
                "title",
                "department__code",
                "role_family_id",
                "responsibilities",
                "key_indicators",
            )
        }
        new: list[Position] = []
        changed: list[Position] = []
        entries: list[AuditEntry] = []
        now = timezone.now()
        for row in rows:
            code = self.claim_key(row)
            if code is None:
                continue
            department = row.get("department")
            if department and department not in self.departments:
                self.context.error(
                    row,
                    "department",
                    _("Unknown department code %(code)s.") % {"code": department},
                )
            family = self.families.get(row.get("role_family").lower())
            if family is None:
                self.context.error(
                    row,
                    "role_family",
                    _("Unknown role family %(name)s.") % {"name": row.get("role_family")},
                )
            if not self.ok(row) or family is None:
                continue
            desired: dict[str, str | None] = {
                "title": row.get("title"),
                "department": department or None,
                "role_family": family[1],
                "responsibilities": row.get("responsibilities"),
                "key_indicators": normalise_indicators(row.get("key_indicators")),
            }
            current = existing.get(code)
            before_all = None
            if current is not None:
                before_all = {
                    "title": current["title"],
                    "department": current["department__code"],
                    "role_family": self.family_names.get(current["role_family_id"]),
                    "responsibilities": current["responsibilities"].strip(),
                    "key_indicators": normalise_indicators(current["key_indicators"]),
                }
            outcome, before, after = self.classify(before_all, desired)
            if not self.context.apply or outcome == "unchanged":
                continue
            position = Position(
                code=code,
                title=row.get("title"),
                department_id=self.departments.get(department) if department else None,
                role_family_id=family[0],
                responsibilities=row.get("responsibilities"),
                key_indicators=normalise_indicators(row.get("key_indicators")),
                updated_at=now,
            )
            if outcome == "create":
                new.append(position)
                entries.append(
                    self.entry(position, AuditAction.CREATE, None, {"code": code, **after})
                )
            elif current is not None:
                position.pk = current["id"]
                changed.append(position)
                entries.append(self.entry(position, AuditAction.UPDATE, before, after))
        if new:
            Position.objects.bulk_create(new)
            ids = {p.code: p.pk for p in new}
            for entry in entries:
                if entry.action == AuditAction.CREATE and entry.after:
                    entry.object_id = str(ids[entry.after["code"]])
        if changed:
            bulk_set(
                Position,
                changed,
                [
                    "title",
                    "department",
                    "role_family",
                    "responsibilities",
                    "key_indicators",
                    "updated_at",
                ],
            )
        self.audit(entries)


class PositionImporter(Importer):
    kind = "positions"
    label = _lazy("Positions")
    session_class = PositionSession
    columns = (
        Column(
            "code",
            "岗位编码",
            ("position code",),
            required=True,
            max_length=40,
            help=_lazy("Unique code of the position; rows are matched by it."),
            example="SALES-REP",
        ),
        Column(
            "title",
            "岗位名称",
            ("position title", "position name"),
            required=True,
            max_length=100,
            help=_lazy("Title of the position."),
            example="销售代表",
        ),
        Column(
            "department",
            "所属部门编码",
            ("department code", "department"),
            max_length=40,
            help=_lazy("Code of the department the position belongs to; optional."),
            example="SALES1",
        ),
        Column(
            "role_family",
            "岗位序列",
            ("role family",),
            required=True,
            max_length=50,
            help=_lazy("Role family by name or code, for example 销售 or sales."),
            example="销售",
        ),
        Column(
            "responsibilities",
            "岗位职责",
            ("responsibilities",),
            help=_lazy("What the position is responsible for."),
            example="负责区域客户开发与维护",
        ),
        Column(
            "key_indicators",
            "关键指标",
            ("key indicators", "kpis"),
            help=_lazy("Key indicators, separated by new lines, ；, ; or 、."),
            example="销售额；回款率；新客户数",
        ),
    )


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
    label = _lazy("Employees")
    session_class = EmployeeSession
    columns = (
        Column(
            "number",
            "工号",
            ("employee number", "number"),
            required=True,
            max_length=40,
            help=_lazy("Unique employee number; rows are matched by it. Also the sign-in name."),
            example="E1001",
        ),
        Column(
            "name",
            "姓名",
            ("name",),
            required=True,
            max_length=100,
            help=_lazy("Full name."),
            example="陈晓明",
        ),
        Column(
            "email",
            "邮箱",
            ("email",),
            max_length=254,
            help=_lazy("Work email address; optional."),
            example="chenxm@example.com",
        ),
        Column(
            "phone",
            "手机",
            ("phone", "mobile"),
            max_length=30,
            help=_lazy("Mobile phone number; optional."),
            example="13800001234",
        ),
        Column(
            "department",
            "部门编码",
            ("department code", "department"),
            required=True,
            max_length=40,
            help=_lazy("Code of the department; it must exist (import departments first)."),
            example="SALES1",
        ),
        Column(
            "position",
            "岗位编码",
            ("position code", "position"),
            max_length=40,
            help=_lazy("Code of the position; optional, must exist."),
            example="SALES-REP",
        ),
        Column(
            "manager",
            "直接上级工号",
            ("manager number", "manager"),
            max_length=40,
            help=_lazy(
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
            help=_lazy("Employee number of the dotted-line manager; optional."),
            example="",
        ),
        Column(
            "hire_date",
            "入职日期",
            ("hire date",),
            max_length=40,
            help=_lazy("Hire date: a date cell, 2024-03-01, 2024/3/1 or 2024年3月1日."),
            example="2024-03-01",
        ),
        Column(
            "status",
            "状态",
            ("status",),
            max_length=20,
            help=_lazy(
                "试用期, 在职, 休假 or 离职 (or probation, active, on_leave, left); blank = 在职."
            ),
            example="在职",
        ),
    )


DEPARTMENTS = register(DepartmentImporter())
POSITIONS = register(PositionImporter())
EMPLOYEES = register(EmployeeImporter())
ORG_KINDS = (DEPARTMENTS.kind, POSITIONS.kind, EMPLOYEES.kind)
