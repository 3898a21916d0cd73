"""Events of the shared import framework (``pms.core.imports``): the person who started a
background import is told when it is checked, applied or stopped. Registered here because
the core app sits below notifications; the import services call these lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from pms.comms.events import register_event
from pms.comms.notify import notify

if TYPE_CHECKING:
    from pms.core.models import ImportJob

CATEGORY = "imports"
IMPORT_CHECKED = "core.import_checked"
IMPORT_FINISHED = "core.import_finished"
IMPORT_FAILED = "core.import_failed"


def register_core_events() -> None:
    register_event(
        IMPORT_CHECKED,
        title=_("The file %(file)s is checked"),
        body=_("%(bad_rows)s rows have problems. Open the import to see them or to apply it."),
        category=CATEGORY,
    )
    register_event(
        IMPORT_FINISHED,
        title=_("The import of %(file)s is finished"),
        body=_("%(created)s created, %(changed)s changed, %(unchanged)s unchanged."),
        category=CATEGORY,
    )
    register_event(
        IMPORT_FAILED,
        title=_("The import of %(file)s failed"),
        body=_("Nothing was changed. %(message)s"),
        category=CATEGORY,
    )


def notify_import(job: ImportJob, event: str) -> None:
    summary = job.summary or {}
    stamp = job.updated_at.isoformat() if job.updated_at else ""
    notify(
        event=event,
        recipients=[job.created_by],
        params={
            "file": job.original_name,
            "bad_rows": job.error_count,
            "created": int(summary.get("create", 0)),
            "changed": int(summary.get("update", 0)),
            "unchanged": int(summary.get("unchanged", 0)),
            "message": job.message[:300],
        },
        key=f"{job.uuid}:{event}:{job.status}:{stamp}",
    )
