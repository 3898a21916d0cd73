"""HR's list of a cycle's results as an .xlsx file (kind ``RESULTS_EXPORT``).

One row per published result of HR's scope (an HRBP's departments), with the page's own
filters (department with its sub-departments, grade, confirmation): number, name,
department, position, score, grade, coefficient, whether calibration changed it, when it
was published, its confirmation and when, its latest appeal (only where the exporter may
handle the person's appeals) and its interview. Nothing of what anybody wrote — no
reasons, notes, records — is in the file.

Built as a background export (``pms.core.exports``): the page's button starts a job, the
worker reads the rows as plain values in one query (``selectors.results
.cycle_result_export_rows``, streamed in chunks) and writes them through openpyxl's
write-only mode; who may have the file is the page's own rule, asked again at every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.exports import BuiltExport, Progress
from pms.core.workbooks import Sheet, write_workbook
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import AckStatus, AppealStatus, InterviewStatus
from pms.outcomes.selectors.results import ResultFilters, cycle_result_export_rows
from pms.outcomes.services.results import coefficient_table
from pms.reviews.access import monitor_departments
from pms.reviews.models import Cycle

RESULTS_EXPORT = "outcomes.results"
_CHUNK = 2000


def results_header() -> list[str]:
    return [
        _("Employee number"),
        pgettext("person", "Name"),
        _("Department"),
        _("Position"),
        _("Score"),
        _("Grade"),
        _("Coefficient"),
        _("Changed in calibration"),
        _("Published"),
        _("Confirmation"),
        _("Confirmed at"),
        _("Appeal"),
        _("Interview"),
    ]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the local wall-clock time."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def _label(labels: Mapping[str, Any], value: str | None) -> str:
    return str(labels.get(value, value)) if value else ""


def result_rows(principal: Principal, cycle: Cycle, filters: ResultFilters) -> Iterator[list[Any]]:
    """The file's rows, read in chunks from one query."""
    acks = dict(AckStatus.choices)
    appeals = dict(AppealStatus.choices)
    interviews = dict(InterviewStatus.choices)
    yes, no, not_scheduled = _("Yes"), _("No"), _("Not scheduled")
    rows = cycle_result_export_rows(principal, cycle, filters)
    for row in rows.iterator(chunk_size=_CHUNK):
        (number, name, department, position, score, grade, coefficient, calibrated) = row[:8]
        published_at, ack_status, ack_at, appeal, interview = row[8:]
        yield [
            number,
            name,
            department,
            position or "",
            score,
            grade,
            coefficient,
            yes if calibrated else no,
            _local(published_at),
            _label(acks, ack_status),
            _local(ack_at),
            _label(appeals, appeal),
            _label(interviews, interview) if interview else not_scheduled,
        ]


def results_workbook(rows: Iterator[list[Any]], progress: Progress | None = None) -> IO[bytes]:
    """The workbook in a temporary file (rewound), written row by row."""
    return write_workbook([Sheet(_("Results"), results_header(), rows)], progress)


def export_filename(cycle: Cycle, today: dt.date) -> str:
    label = _("Published results")  # outside the f-string, where makemessages finds it
    return f"{cycle.name}-{label}-{today.isoformat()}.xlsx"


# --- the background export ------------------------------------------------------------------


def results_export_params(cycle: Cycle, filters: ResultFilters) -> dict[str, str]:
    """What a job keeps: the cycle and the page's filters."""
    department = filters.department
    return {
        "cycle": str(cycle.uuid),
        "department": str(department.uuid) if department is not None else "",
        "grade": filters.grade,
        "ack": filters.ack,
    }


def _results_scope(principal: Principal, params: Mapping[str, Any]) -> tuple[Cycle, ResultFilters]:
    """The cycle and filters of a job, as the principal may have them now; raises
    ``NotFound`` / ``Forbidden`` like the page (a department outside HR's scope is as
    unknown as a cycle)."""
    cycle = access.access_cycle_for_results(principal, params.get("cycle"))
    department = None
    if params.get("department"):
        department = get_visible(monitor_departments(principal), uuid=params["department"])
    grade = str(params.get("grade") or "")
    if grade and grade not in coefficient_table():
        raise NotFound
    ack = str(params.get("ack") or "")
    if ack and ack not in AckStatus.values:
        raise NotFound
    return cycle, ResultFilters(department=department, grade=grade, ack=ack)


def results_export_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    """Whoever may open the cycle's results list may have its file, within their scope."""
    try:
        _results_scope(principal, params)
    except (NotFound, Forbidden):
        return False
    return True


def results_export_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    cycle, filters = _results_scope(principal, params)
    progress(0, filters.apply(access.cycle_results(principal, cycle)).count())
    book = results_workbook(result_rows(principal, cycle, filters), progress)
    return BuiltExport(file=book, name=export_filename(cycle, timezone.localdate()))


def register_result_exports() -> None:
    """Called from the app's ``ready()``."""
    from pms.core.exports import register_export

    register_export(
        RESULTS_EXPORT,
        label=gettext_lazy("Published results"),
        build=results_export_build,
        allowed=results_export_allowed,
    )


__all__ = [
    "RESULTS_EXPORT",
    "export_filename",
    "register_result_exports",
    "result_rows",
    "results_export_allowed",
    "results_export_build",
    "results_export_params",
    "results_header",
    "results_workbook",
]
