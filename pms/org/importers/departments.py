"""Departments from a file: code, name, parent, head, order."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.imports import (
    Column,
    Importer,
    Row,
    SessionContext,
    bulk_set,
)
from pms.core.models import AuditAction, AuditEntry
from pms.org.importers.common import (
    OrgSession,
    _chunks,
    find_cycles,
    recompute_department_paths,
)
from pms.org.models import Department, Employee, EmployeeStatus
from pms.org.services import company_get_or_create

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
    label = gettext_lazy("Departments")
    session_class = DepartmentSession
    columns = (
        Column(
            "code",
            "部门编码",
            ("department code",),
            required=True,
            max_length=40,
            help=gettext_lazy("Unique code of the department; rows are matched by it."),
            example="SALES1",
        ),
        Column(
            "name",
            "部门名称",
            ("department name",),
            required=True,
            max_length=100,
            help=gettext_lazy("Name of the department."),
            example="销售一部",
        ),
        Column(
            "parent",
            "上级部门编码",
            ("parent code", "parent department code", "parent"),
            max_length=40,
            help=gettext_lazy("Code of the parent department; blank for a top-level department."),
            example="SALES",
        ),
        Column(
            "head",
            "负责人工号",
            ("head employee number", "head number", "head"),
            max_length=40,
            help=gettext_lazy("Employee number of the department head; optional, must exist."),
            example="E0002",
        ),
        Column(
            "sort_order",
            "排序",
            ("order", "sort order"),
            max_length=9,
            help=gettext_lazy("Display order among sibling departments; a whole number, optional."),
            example="1",
        ),
    )
