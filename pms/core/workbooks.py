"""Writing .xlsx files — every export and import template of every app: sheets written row
by row in openpyxl's write-only mode into a temporary file, so a file of 100,000 rows never
sits in memory; a background export (``pms.core.exports``) hears its progress every
``PROGRESS_EVERY`` rows and once at the end.

Every cell goes through ``safe_cell``: a Decimal is an Excel number when the number
survives it exactly, else text (an amount never changes on its way to payroll); dates and
times keep a date format; and text that a spreadsheet would take for a formula (``=``,
``+``, ``-``, ``@`` first) stays text, so a name or comment typed by a user can never run
as a formula in HR's spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from pms.scoring.decimals import normalized

PROGRESS_EVERY = 1000
FORMULA_STARTS = ("=", "+", "-", "@")
_FLOAT_SAFE = Decimal(2) ** 53


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def number_cell(value: Decimal) -> int | float | str:
    """A Decimal as an Excel number when the number survives it exactly, else as text."""
    if value == value.to_integral_value() and abs(value) < _FLOAT_SAFE:
        return int(value)
    text = normalized(value)
    as_float = float(text)
    return as_float if Decimal(repr(as_float)) == value else text


def safe_cell(sheet: Any, value: Any) -> Any:
    """The value as the cell to append: a number, a dated cell, text kept text, or the
    value itself."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Decimal):
        return number_cell(value)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, dt.datetime.combine(value, dt.time()))
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_workbook(
    sheets: Iterable[Sheet], progress: Callable[[int], object] | None = None
) -> IO[bytes]:
    """The sheets in a temporary file, rewound; whoever stores or sends it closes it.
    ``progress`` hears the rows written so far."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    written = 0
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        sheet.append(list(spec.header))
        for row in spec.rows:
            sheet.append([safe_cell(sheet, value) for value in row])
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by whoever stores or sends it)
    book.save(out)
    out.seek(0)
    if progress is not None:
        progress(written)
    return out


__all__ = ["PROGRESS_EVERY", "Sheet", "number_cell", "safe_cell", "write_workbook"]
