"""The one .xlsx writer: what a cell becomes, several sheets, and progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl import load_workbook

from pms.core import workbooks
from pms.core.workbooks import Sheet, write_workbook


def _read(sheets: list[Sheet], progress: list[int] | None = None) -> dict[str, list[tuple]]:
    out = write_workbook(sheets, progress.append if progress is not None else None)
    book = load_workbook(out)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_cells_keep_their_meaning_and_formulas_never_run() -> None:
    rows = [
        ["=SUM(A1:A2)", "+86 138", "-1", "@cmd", "陈员工", 3],
        [Decimal("12345.67"), Decimal("0.1"), Decimal("1E+20"), Decimal("3.00"), None, ""],
        [dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30), "x", "y", "z", "w"],
    ]
    out = write_workbook([Sheet("结果", ["a", "b", "c", "d", "e", "f"], rows)])
    sheet = load_workbook(out).active
    assert sheet is not None
    first = list(sheet[2])
    # text that looks like a formula is stored as text, value unchanged
    assert [c.value for c in first[:4]] == ["=SUM(A1:A2)", "+86 138", "-1", "@cmd"]
    assert all(c.data_type == "s" for c in first[:4])
    second = [c.value for c in sheet[3]]
    assert second[:4] == [12345.67, 0.1, 100000000000000000000, 3]
    third = sheet[4]
    assert third[0].value == dt.datetime(2026, 3, 1)
    assert third[0].number_format == "yyyy-mm-dd"
    assert third[1].value == dt.datetime(2026, 3, 1, 9, 30)
    assert third[1].number_format == "yyyy-mm-dd hh:mm"


def test_a_decimal_a_float_cannot_hold_stays_exact_as_text() -> None:
    precise = Decimal("0.12345678901234567890")
    assert workbooks.number_cell(precise) == "0.1234567890123456789"
    assert workbooks.number_cell(Decimal("2.50")) == 2.5


def test_several_sheets_and_progress_every_so_many_rows(monkeypatch: object) -> None:
    monkeypatch.setattr(workbooks, "PROGRESS_EVERY", 2)  # type: ignore[attr-defined]
    heard: list[int] = []
    read = _read(
        [
            Sheet("一" * 40, ["n"], ([n] for n in range(3))),
            Sheet("two", ["n"], ([n] for n in range(2))),
        ],
        heard,
    )
    assert list(read) == ["一" * 31, "two"]  # titles cut to Excel's 31 characters
    assert read["two"] == [("n",), (0,), (1,)]
    assert heard == [2, 4, 5]  # every two rows across sheets, and once at the end
