"""The downloadable template of the actual-value import: the columns with example rows, and
in the .xlsx a second sheet explaining every column."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from pms.core.imports import Importer
from pms.core.workbooks import Sheet

SHEET_TITLE = "实际值"
NOTES_SHEET = "说明"
FILE_TITLE = "实际值导入模板"

EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    # 工号, 部门编码, 指标编码, 日期, 开始日期, 结束日期, 实际值, 外部编号, 备注, 证据链接
    ("E000123", "", "SAL-REVENUE", "2026-01-31", "", "", "128.5", "ERP-2026-01-0001", "", ""),
    (
        "E000124",
        "",
        "SAL-REVENUE",
        "2026-01-31",
        "",
        "",
        "96",
        "ERP-2026-01-0002",
        "一月回款已确认",
        "https://erp.example.cn/reports/2026-01",
    ),
    ("", "D-SALES", "SAL-REVENUE", "", "2026-01-01", "2026-03-31", "1200", "", "第一季度合计", ""),
)


def header(importer: Importer) -> list[str]:
    return [column.header for column in importer.columns]


def notes_rows(importer: Importer) -> Iterator[list[str]]:
    for column in importer.columns:
        yield [column.header, _("Yes") if column.required else _("No"), str(column.help)]
    yield []
    yield [_("Give either 工号 (a person's value) or 部门编码 (a department's value) on each row.")]
    yield [
        _(
            "Every row is checked first; nothing is written until the whole file is free of "
            "errors, and then all rows are written together. A value that is already recorded "
            "is left alone, so importing the same file again changes nothing; a different "
            "value becomes a new version and the old one is kept."
        )
    ]


def template_sheets(importer: Importer) -> list[Sheet]:
    return [
        Sheet(SHEET_TITLE, header(importer), [list(row) for row in EXAMPLE_ROWS]),
        Sheet(
            NOTES_SHEET,
            [_("Column"), _("Required"), _("Explanation")],
            list(notes_rows(importer)),
        ),
    ]
