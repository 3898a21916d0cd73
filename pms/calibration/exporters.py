"""A calibration session's grid as an .xlsx file: one row per person the exporter may see
(never their own row, ``access.entries_visible``), proposed and calibrated score and grade,
potential, nine-box and how many changes were made.

Built as a background export (``pms.core.exports``, kind ``GRID_EXPORT``) like the other
files: the session page's button starts a job, the worker writes the rows through
openpyxl's write-only mode, and whoever may still see the session downloads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.calibration import access
from pms.calibration.labels import box_name
from pms.calibration.models import CalibrationEntry, CalibrationSession, Potential
from pms.core.access import Forbidden, NotFound
from pms.core.exports import BuiltExport, Progress
from pms.core.workbooks import Sheet, write_workbook
from pms.org.roles import Principal

GRID_EXPORT = "calibration.grid"
_CHUNK = 2000


def grid_header() -> list[str]:
    return [
        _("Employee number"),
        _("Name"),
        _("Department"),
        _("Pool"),
        _("Manager"),
        _("Proposed score"),
        _("Proposed grade"),
        _("Calibrated score"),
        _("Calibrated grade"),
        _("Changed"),
        _("Potential"),
        _("Nine-box"),
        _("Changes recorded"),
    ]


def grid_rows(entries: QuerySet[CalibrationEntry]) -> Iterator[list[Any]]:
    potentials = dict(Potential.choices)
    rows = (
        entries.annotate(n_changes=Count("changes"))
        .order_by("department__path", "employee__number", "pk")
        .values_list(
            "employee__number",
            "employee__name",
            "department__name",
            "pool",
            "manager__name",
            "proposed_score",
            "proposed_grade",
            "score",
            "grade",
            "changed",
            "potential",
            "box",
            "n_changes",
        )
    )
    for row in rows.iterator(chunk_size=_CHUNK):
        (number, name, department, pool, manager, proposed, proposed_grade, score, grade) = row[:9]
        changed, potential, box, changes = row[9:]
        yield [
            number,
            name,
            department,
            pool,
            manager or "",
            proposed,
            proposed_grade,
            score,
            grade,
            _("Yes") if changed else _("No"),
            str(potentials.get(potential, "")) if potential else "",
            box_name(box),
            changes,
        ]


def grid_workbook(
    session: CalibrationSession,
    entries: QuerySet[CalibrationEntry],
    pool_names: Mapping[str, str],
    progress: Progress | None = None,
) -> IO[bytes]:
    """The workbook in a temporary file (rewound)."""
    rows = grid_rows(entries)
    named = ([*row[:3], pool_names.get(row[3], row[3]), *row[4:]] for row in rows)
    return write_workbook([Sheet(_("Calibration"), grid_header(), named)], progress)


def export_filename(session: CalibrationSession, today: dt.date) -> str:
    return f"{session.cycle.name}-{session.name}-{today.isoformat()}.xlsx"


def grid_export_params(session: CalibrationSession) -> dict[str, str]:
    return {"session": str(session.uuid)}


def grid_export_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    """Whoever may see the session may have its grid (without their own row)."""
    try:
        access.access_session(principal, params.get("session"))
    except (NotFound, Forbidden):
        return False
    return True


def grid_export_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    from pms.calibration.distribution import deviations_of_session

    session = access.access_session(principal, params.get("session"))
    entries = access.entries_visible(principal, session)
    pools = {pool.key: pool.name for pool in deviations_of_session(session, entries=entries)}
    progress(0, entries.count())
    workbook = grid_workbook(session, entries, pools, progress)
    return BuiltExport(file=workbook, name=export_filename(session, timezone.localdate()))


__all__ = [
    "GRID_EXPORT",
    "grid_export_allowed",
    "grid_export_build",
    "grid_export_params",
    "grid_header",
    "grid_rows",
    "grid_workbook",
]
