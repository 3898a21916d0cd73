"""What the three org importers share: parsing, the loop check, path recomputation and
the session base class."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from pms.core.audit import audit_bulk, build_entry
from pms.core.imports import (
    BATCH_SIZE,
    CHUNK_SIZE,
    ImportSession,
    Row,
    SessionContext,
    bulk_set,
)
from pms.core.models import AuditEntry
from pms.org.models import Department, Employee, EmployeeStatus

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
