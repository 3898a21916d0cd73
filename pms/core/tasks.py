"""Background steps of an import. Tasks take ids, load, call the service; re-running a
task whose job has moved on does nothing."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django_tasks import task

from pms.core.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)


@task()
def validate_import_job(job_id: int) -> None:
    from pms.core.imports import import_job_fail, import_job_validate

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in {ImportStatus.UPLOADED, ImportStatus.VALIDATING}:
        return
    try:
        import_job_validate(job=job)
    except Exception:
        logger.exception("import %s: check failed", job_id)
        import_job_fail(job_id=job_id, message=_("The check stopped because of an error."))
        raise


@task()
def apply_import_job(job_id: int, user_id: int | None) -> None:
    from pms.accounts.models import User
    from pms.core.imports import actor_for_user, import_job_apply, import_job_fail

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.APPLYING:
        return
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        import_job_apply(actor=actor_for_user(user), job=job)
    except Exception:
        logger.exception("import %s: apply failed", job_id)
        import_job_fail(
            job_id=job_id, message=_("Applying stopped because of an error; nothing was changed.")
        )
        raise


@task()
def run_export_job(job_id: int) -> None:
    """Build one queued export (``pms.core.exports``); a job already taken does nothing."""
    from pms.core.exports import export_job_run

    export_job_run(job_id=job_id)


@task()
def run_periodic_job(name: str, slot: str = "") -> int:
    """Run one registered periodic job now (the scheduler enqueues it once per slot)."""
    from pms.core.scheduler import periodic_job_run

    return periodic_job_run(name=name)
