"""Exports that run as background jobs, with progress and a download.

A long export (HR's review monitor over 100,000 reviews takes minutes) is never built inside
a request. An app registers each kind of export once, from its ``ready()``
(``register_export``):

- ``build(principal, params, progress)`` writes the file (rewound, in a temporary file)
  and returns it with the name the download gets; it reports how far it has got with
  ``progress(done, total)`` every thousand rows or so, never per row;
- ``allowed(principal, params)`` says whether this person may have this file. It is asked
  when the job starts, again when the worker builds it (with the person's roles as they
  are then), and on every look at the job or its download afterwards: the person who
  started a job gets the file only while they may still see what it holds, and nobody else
  ever does (``pms.core.access.access_export_job``).

The services below drive every kind the same way: ``export_start`` queues a job and its
task (``pms.core.tasks.run_export_job``) on commit; ``export_job_run`` builds it once;
``exports_clean`` (a periodic job) deletes files after ``KEEP_DAYS`` days and gives up on
jobs no worker finished.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction, ExportJob, ExportStatus

if TYPE_CHECKING:
    from pms.org.roles import Principal

logger = logging.getLogger(__name__)

KEEP_DAYS = 7
# a job still queued or running this long after it was started has lost its worker
STALE_AFTER = dt.timedelta(days=1)
ERROR_MAX = 2000
CLEAN_BATCH = 500


class Progress(Protocol):
    """How a build reports: rows written so far and, when it knows it, how many in all."""

    def __call__(self, done: int, total: int | None = None) -> None: ...


@dataclass(frozen=True)
class BuiltExport:
    """A built file: its content (rewound; closed by the caller) and its download name."""

    file: IO[bytes]
    name: str


Build = Callable[["Principal", dict[str, Any], Progress], BuiltExport]
Allowed = Callable[["Principal", dict[str, Any]], bool]


@dataclass(frozen=True)
class ExportKind:
    kind: str
    label: str | Promise
    build: Build
    allowed: Allowed


_REGISTRY: dict[str, ExportKind] = {}


def register_export(
    kind: str, *, label: str | Promise, build: Build, allowed: Allowed
) -> ExportKind:
    """Register (or replace) the export ``kind``; call it from an app's ``ready()``."""
    found = ExportKind(kind=kind, label=label, build=build, allowed=allowed)
    _REGISTRY[kind] = found
    return found


def get_export(kind: str) -> ExportKind | None:
    return _REGISTRY.get(kind)


def export_allowed(principal: Principal, kind: str, params: Mapping[str, Any]) -> bool:
    """Whether ``principal`` may have the export ``kind`` with ``params`` now."""
    found = get_export(kind)
    if found is None or not principal.is_authenticated:
        return False
    return bool(found.allowed(principal, dict(params)))


# --- services ------------------------------------------------------------------------------


def export_start(*, actor: Actor, kind: str, params: Mapping[str, Any]) -> ExportJob:
    """Queue the export ``kind`` with ``params`` for the actor and hand it to the worker
    once the transaction commits. Refuses an unknown kind (``ValidationError``) and a
    person the kind's access rule does not let have the file (``PermissionDenied``)."""
    from pms.org.roles import principal_for

    if actor.user is None:
        raise ValidationError(_("An export needs a user."))
    if get_export(kind) is None:
        raise ValidationError({"kind": _("Unknown export kind.")})
    if not isinstance(params, Mapping):
        raise ValidationError({"params": _("Unknown export parameters.")})
    params = dict(params)
    if not export_allowed(principal_for(actor.user), kind, params):
        raise PermissionDenied(_("You may not export this."))
    with transaction.atomic():
        job = ExportJob(
            kind=kind,
            params=params,
            created_by=actor.user,
            language=(translation.get_language() or settings.LANGUAGE_CODE)[:16],
        )
        job.full_clean()
        job.save()
        audit_record(
            actor=actor,
            instance=job,
            action=AuditAction.CREATE,
            after=snapshot(job, ["kind", "params"]),
        )
        job_id = job.pk

        def enqueue() -> None:
            from pms.core.tasks import run_export_job

            run_export_job.enqueue(job_id)

        transaction.on_commit(enqueue)
    return job


def _progress(job: ExportJob) -> Progress:
    known = {"total": job.total}

    def report(done: int, total: int | None = None) -> None:
        if total is not None:
            known["total"] = total
        known["total"] = max(known["total"], done)
        ExportJob.objects.filter(pk=job.pk).update(
            done=done, total=known["total"], updated_at=timezone.now()
        )

    return report


def _fail(job: ExportJob, message: str) -> ExportJob:
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=message[:ERROR_MAX], finished_at=now, updated_at=now
    )
    job.refresh_from_db()
    return job


def _store(job: ExportJob, built: BuiltExport) -> ExportJob:
    suffix = Path(built.name).suffix.lower()[:10]
    # the stored name is the job's id: nothing to guess, and no person's name on disk
    job.file.save(f"{job.uuid.hex}{suffix}", File(built.file), save=False)
    job.refresh_from_db(fields=["total", "done"])
    job.total = max(job.total, job.done)
    job.done = job.total
    job.file_name = built.name[:255]
    job.status = ExportStatus.DONE
    job.error = ""
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "file",
            "file_name",
            "total",
            "done",
            "status",
            "error",
            "finished_at",
            "updated_at",
        ]
    )
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build a queued job's file with progress and keep it for download. A job is built
    once: one that is running, done or failed is left as it is (a second worker, or the
    task run again, does nothing). The access rule is asked again with the starter's roles
    as they are now; a refusal, or a build that breaks, ends the job as failed with a
    message for the person who started it."""
    from pms.org.roles import principal_for

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, updated_at=timezone.now()
    )
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        found = get_export(job.kind)
        if found is None:
            return _fail(job, _("Unknown export kind."))
        principal = principal_for(job.created_by)
        if not export_allowed(principal, job.kind, job.params):
            return _fail(job, _("You may no longer export this."))
        try:
            built = found.build(principal, dict(job.params), _progress(job))
        except ValidationError as exc:
            return _fail(job, " ".join(exc.messages))
        except Exception:
            logger.exception("export %s (%s): the build failed", job.pk, job.kind)
            return _fail(job, _("The export stopped because of an error. Please try again."))
        try:
            return _store(job, built)
        except Exception:
            logger.exception("export %s (%s): the file could not be stored", job.pk, job.kind)
            return _fail(job, _("The file could not be stored. Please try again."))
        finally:
            built.file.close()


def exports_clean(now: dt.datetime) -> int:
    """Periodic: delete the files of exports finished more than ``KEEP_DAYS`` days ago
    (the job stays, saying the file is gone) and end as failed the jobs no worker has
    finished within ``STALE_AFTER``. Returns how many jobs it changed; running it twice
    changes nothing the second time."""
    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    changed = 0
    old = ExportJob.objects.filter(finished_at__lt=cutoff).exclude(file="").only("pk", "file")
    while batch := list(old.order_by("pk")[:CLEAN_BATCH]):
        for job in batch:
            job.file.delete(save=False)  # a file already missing is no error
        ExportJob.objects.filter(pk__in=[job.pk for job in batch]).update(file="", updated_at=now)
        changed += len(batch)
    changed += ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=now - STALE_AFTER
    ).update(
        status=ExportStatus.FAILED,
        error=_("The export did not finish. Please export again."),
        finished_at=now,
        updated_at=now,
    )
    return changed


__all__ = [
    "KEEP_DAYS",
    "BuiltExport",
    "ExportKind",
    "Progress",
    "export_allowed",
    "export_job_run",
    "export_start",
    "exports_clean",
    "get_export",
    "register_export",
]
