"""Positions from a file: code, title, department, role family, responsibilities,
key indicators."""

from __future__ import annotations

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
    normalise_indicators,
)
from pms.org.models import Department, Position, RoleFamily

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
    label = gettext_lazy("Positions")
    session_class = PositionSession
    columns = (
        Column(
            "code",
            "岗位编码",
            ("position code",),
            required=True,
            max_length=40,
            help=gettext_lazy("Unique code of the position; rows are matched by it."),
            example="SALES-REP",
        ),
        Column(
            "title",
            "岗位名称",
            ("position title", "position name"),
            required=True,
            max_length=100,
            help=gettext_lazy("Title of the position."),
            example="销售代表",
        ),
        Column(
            "department",
            "所属部门编码",
            ("department code", "department"),
            max_length=40,
            help=gettext_lazy("Code of the department the position belongs to; optional."),
            example="SALES1",
        ),
        Column(
            "role_family",
            "岗位序列",
            ("role family",),
            required=True,
            max_length=50,
            help=gettext_lazy("Role family by name or code, for example 销售 or sales."),
            example="销售",
        ),
        Column(
            "responsibilities",
            "岗位职责",
            ("responsibilities",),
            help=gettext_lazy("What the position is responsible for."),
            example="负责区域客户开发与维护",
        ),
        Column(
            "key_indicators",
            "关键指标",
            ("key indicators", "kpis"),
            help=gettext_lazy("Key indicators, separated by new lines, ；, ; or 、."),
            example="销售额；回款率；新客户数",
        ),
    )
