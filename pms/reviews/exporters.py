"""HR's monitor as an .xlsx file: the ratings of each review counted by rater type and
status, and the overdue list.

The first sheet has counts only — for every rater type, named or anonymous — so it never
says who rated whom. Rater names appear only in the overdue sheet, which lists the people
who still owe a rating past its deadline (HR reminds them; nothing of what anybody wrote
is in the file). Rows are read with ``iterator()`` and written one at a time through
openpyxl's write-only mode into a temporary file.

At 100,000 reviews the file takes minutes, so it is built as a background export
(``pms.core.exports``, kind ``MONITOR_EXPORT``): HR's button starts a job, the worker
builds the file with HR's scope as it is then, reporting progress every
``PROGRESS_EVERY`` rows, and HR downloads it when it is ready. Who may have it is the
monitor's own rule (``access.access_cycle_for_monitor``), asked again at every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.exports import BuiltExport, Progress
from pms.core.workbooks import Sheet, write_workbook
from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.models import Cycle, Phase, RaterType, Rating, RatingStatus
from pms.reviews.phases import PHASE_OF_TYPE
from pms.reviews.selectors.monitor import (
    MonitorFilters,
    iter_overdue,
    monitor_ratings,
    monitor_reviews_in,
    overdue_ratings,
    phase_deadlines,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 2000
MONITOR_EXPORT = "reviews.monitor"


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


def monitor_row_count(
    cycle: Cycle,
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> int:
    """The data rows of both sheets, for the progress bar (two counting queries)."""
    groups = ratings.order_by().values("review_id", "rater_type").distinct().count()
    return groups + overdue_ratings(cycle, ratings, deadlines, today).count()


def monitor_workbook(
    cycle: Cycle,
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
    progress: Progress | None = None,
) -> IO[bytes]:
    """The workbook in a temporary file (rewound), written row by row; ``progress`` hears
    the rows written every ``PROGRESS_EVERY`` rows and once at the end."""
    sheets = [
        Sheet(_("Completion"), completion_header(), completion_rows(ratings)),
        Sheet(_("Overdue"), overdue_header(), overdue_rows(cycle, ratings, deadlines, today)),
    ]
    return write_workbook(sheets, progress)


def export_filename(cycle: Cycle, today: dt.date) -> str:
    label = _("monitor")  # outside the f-string, where makemessages finds it
    return f"{cycle.name}-{label}-{today.isoformat()}.xlsx"


# --- the background export ------------------------------------------------------------------


def monitor_export_params(cycle: Cycle, filters: MonitorFilters) -> dict[str, str]:
    """What a monitor export job keeps: the cycle and the filters the file follows."""
    department = filters.department
    return {
        "cycle": str(cycle.uuid),
        "department": str(department.uuid) if department is not None else "",
        "rater_type": filters.rater_type,
    }


def _monitor_scope(principal: Principal, params: Mapping[str, Any]) -> tuple[Cycle, MonitorFilters]:
    """The cycle and filters of a job, as the principal may have them now; raises
    ``NotFound`` / ``Forbidden`` like the monitor's page (a department no longer in HR's
    scope is as unknown as a cycle)."""
    cycle = access.access_cycle_for_monitor(principal, params.get("cycle"))
    department = None
    if params.get("department"):
        department = get_visible(
            access.monitor_departments(principal).filter(is_active=True),
            uuid=params["department"],
        )
    rater_type = params.get("rater_type") or ""
    if rater_type and rater_type not in RaterType.values:
        raise NotFound
    return cycle, MonitorFilters(department=department, rater_type=rater_type)


def monitor_export_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    """Whoever may open the cycle's monitor may have its file, within their scope."""
    try:
        _monitor_scope(principal, params)
    except (NotFound, Forbidden):
        return False
    return True


def monitor_export_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    """The monitor's file for the reviews the principal's scope covers, as on the page."""
    cycle, filters = _monitor_scope(principal, params)
    reviews = monitor_reviews_in(access.monitor_reviews(principal, cycle), filters)
    ratings = monitor_ratings(reviews, filters)
    deadlines = phase_deadlines(cycle)
    today = timezone.localdate()
    progress(0, monitor_row_count(cycle, ratings, deadlines, today))
    workbook = monitor_workbook(cycle, ratings, deadlines, today, progress)
    return BuiltExport(file=workbook, name=export_filename(cycle, today))


__all__ = [
    "MONITOR_EXPORT",
    "XLSX_TYPE",
    "completion_header",
    "completion_rows",
    "export_filename",
    "monitor_export_allowed",
    "monitor_export_build",
    "monitor_export_params",
    "monitor_row_count",
    "monitor_workbook",
    "overdue_header",
    "overdue_rows",
]
