"""Exports and import templates of the organisation, in the import's own columns, so that an
export can be edited and imported again. Rows are read with ``iterator()`` and written
one at a time: an .xlsx goes through openpyxl's write-only mode into a temporary file, a
.csv is produced line by line (with a BOM so that Excel reads the Chinese text)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from pms.core.imports import Importer, get_importer
from pms.org import access
from pms.org.importers import STATUS_EXPORT_WORD
from pms.org.models import Employee, EmployeeStatus, RoleFamily
from pms.org.roles import Principal

EXPORT_KINDS = ("departments", "positions", "employees")
NOTES_SHEET = "说明"
_ITERATOR_CHUNK = 2000


@dataclass(frozen=True)
class EmployeeExportFilters:
    """The directory's filters: text, department (with its subtree), position, role family
    and status; departments, positions and role families by their public uuid."""

    q: str = ""
    department: str = ""
    position: str = ""
    family: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> EmployeeExportFilters:
        return cls(
            q=query.get("q", "").strip(),
            department=query.get("department", "").strip(),
            position=query.get("position", "").strip(),
            family=query.get("family", "").strip(),
            status=query.get("status", "").strip(),
        )


def employees_for_export(
    principal: Principal, filters: EmployeeExportFilters
) -> QuerySet[Employee]:
    """People whose details this principal may take away: private view within HR scope."""
    qs = access.employees_private(principal).filter(access.hr_scope_q(principal))
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(number__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(phone__contains=filters.q)
        )
    if filters.department:
        try:
            department = access.access_department(principal, filters.department)
        except access.NotFound:
            return qs.none()
        qs = qs.filter(department__path__startswith=department.path)
    if filters.position:
        try:
            position = access.access_position(principal, filters.position)
        except access.NotFound:
            return qs.none()
        qs = qs.filter(position=position)
    if filters.family:
        family_id = _uuid_or_none(filters.family)
        family = RoleFamily.objects.filter(uuid=family_id).first() if family_id else None
        if family is None:
            return qs.none()
        qs = qs.filter(position__role_family=family)
    if filters.status in EmployeeStatus.values:
        qs = qs.filter(status=filters.status)
    return qs.order_by("number")


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def export_rows(
    kind: str, principal: Principal, filters: EmployeeExportFilters | None = None
) -> Iterator[list[Any]]:
    """The data rows of one export, in the columns of the matching import."""
    if kind == "departments":
        yield from (
            list(row)
            for row in access.departments_visible(principal)
            .order_by("path")
            .values_list("code", "name", "parent__code", "head__number", "sort_order")
            .iterator(chunk_size=_ITERATOR_CHUNK)
        )
        return
    if kind == "positions":
        yield from (
            list(row)
            for row in access.positions_visible(principal)
            .order_by("code")
            .values_list(
                "code",
                "title",
                "department__code",
                "role_family__name",
                "responsibilities",
                "key_indicators",
            )
            .iterator(chunk_size=_ITERATOR_CHUNK)
        )
        return
    for row in (
        employees_for_export(principal, filters or EmployeeExportFilters())
        .values_list(
            "number",
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
        .iterator(chunk_size=_ITERATOR_CHUNK)
    ):
        values: list[Any] = list(row)
        values[-1] = STATUS_EXPORT_WORD.get(values[-1], values[-1])
        yield values


def headers(kind: str) -> list[str]:
    return [column.header for column in _importer(kind).columns]


def example_row(kind: str) -> list[str]:
    return [column.example for column in _importer(kind).columns]


def notes_rows(kind: str) -> list[list[str]]:
    rows = [[_("Column"), _("Required"), _("Explanation")]]
    for column in _importer(kind).columns:
        rows.append([column.header, _("Yes") if column.required else _("No"), str(column.help)])
    rows.append([])
    rows.append(
        [
            _(
                "Rows are matched by the first column: a new value creates a record, an existing "
                "one is updated to match the file. A blank optional cell clears the value."
            )
        ]
    )
    return rows


def _importer(kind: str) -> Importer:
    importer = get_importer(kind)
    if importer is None:
        raise KeyError(kind)
    return importer


# --- writing files -------------------------------------------------------------------------


def _xlsx_value(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, dt.datetime.combine(value, dt.time()))
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.startswith("="):
        # Text, never a formula: openpyxl would otherwise take "=..." as one.
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    notes: Sequence[Sequence[str]] = (),
) -> IO[bytes]:
    """A workbook in a temporary file (rewound), written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_xlsx_value(sheet, v) for v in row])
    if notes:
        notes_sheet = workbook.create_sheet(NOTES_SHEET)
        for note in notes:
            notes_sheet.append(list(note))
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that streams it)
    workbook.save(out)
    out.seek(0)
    return out


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 (with BOM) byte chunks, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row]
        )
        if count % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def export_title(kind: str) -> str:
    return {"departments": "部门", "positions": "岗位", "employees": "员工"}[kind]
