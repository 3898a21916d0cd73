"""HR's monitor as an .xlsx file: the ratings of each review counted by rater type and
status, and the overdue list.

The first sheet has counts only — for every rater type, named or anonymous — so it never
says who rated whom. Rater names appear only in the overdue sheet, which lists the people
who still owe a rating past its deadline (HR reminds them; nothing of what anybody wrote
is in the file). Rows are read with ``iterator()`` and written one at a time through
openpyxl's write-only mode into a temporary file the response streams.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from pms.reviews.models import Cycle, Phase, RaterType, Rating, RatingStatus
from pms.reviews.phases import PHASE_OF_TYPE
from pms.reviews.selectors.monitor import iter_overdue, overdue_ratings

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 2000


def _type_label(code: str) -> str:
    try:
        return str(RaterType(code).label)
    except ValueError:
        return code


def completion_header() -> list[str]:
    return [
        _("Employee number"),
        _("Reviewee"),
        _("Department"),
        _("Rater type"),
        _("Asked"),
        _("Submitted"),
        _("Draft saved"),
        _("To do"),
        _("Declined"),
    ]


def completion_rows(ratings: QuerySet[Rating]) -> Iterator[list[Any]]:
    """One row per review and rater type, with counts by status (one grouped query)."""
    rows = (
        ratings.values(
            "review_id",
            "review__employee__number",
            "review__employee__name",
            "review__department__name",
            "review__department__path",
            "rater_type",
        )
        .annotate(
            submitted=Count("pk", filter=Q(status=RatingStatus.SUBMITTED)),
            draft=Count("pk", filter=Q(status=RatingStatus.DRAFT)),
            pending=Count("pk", filter=Q(status=RatingStatus.PENDING)),
            declined=Count("pk", filter=Q(status=RatingStatus.DECLINED)),
        )
        .order_by("review__department__path", "review__employee__number", "review_id", "rater_type")
    )
    for row in rows.iterator(chunk_size=_CHUNK):
        yield [
            row["review__employee__number"],
            row["review__employee__name"],
            row["review__department__name"],
            _type_label(row["rater_type"]),
            row["submitted"] + row["draft"] + row["pending"],
            row["submitted"],
            row["draft"],
            row["pending"],
            row["declined"],
        ]


def overdue_header() -> list[str]:
    return [
        _("Rater number"),
        _("Rater"),
        _("Rater's department"),
        _("Rater type"),
        _("Reviewee number"),
        _("Reviewee"),
        _("Department"),
        _("Phase"),
        _("Deadline"),
        _("Days overdue"),
    ]


def overdue_rows(
    cycle: Cycle,
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> Iterator[list[Any]]:
    owed = overdue_ratings(cycle, ratings, deadlines, today)
    for rating, deadline, days in iter_overdue(owed, deadlines, today):
        yield [
            rating.rater.number,
            rating.rater.name,
            rating.rater.department.name,
            _type_label(rating.rater_type),
            rating.review.employee.number,
            rating.review.employee.name,
            rating.review.department.name,
            str(Phase(PHASE_OF_TYPE[rating.rater_type]).label),
            deadline,
            days,
        ]


def _cell(sheet: Any, value: Any) -> Any:
    """Dates as dates; text that looks like a formula stays text."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, dt.datetime.combine(value, dt.time()))
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def monitor_workbook(
    cycle: Cycle,
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> IO[bytes]:
    """The workbook in a temporary file (rewound), written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets = [
        (_("Completion"), completion_header(), completion_rows(ratings)),
        (_("Overdue"), overdue_header(), overdue_rows(cycle, ratings, deadlines, today)),
    ]
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that streams it)
    workbook.save(out)
    out.seek(0)
    return out


def export_filename(cycle: Cycle, today: dt.date) -> str:
    return f"{cycle.name}-{_('monitor')}-{today.isoformat()}.xlsx"


__all__ = [
    "XLSX_TYPE",
    "completion_header",
    "completion_rows",
    "export_filename",
    "monitor_workbook",
    "overdue_header",
    "overdue_rows",
]
