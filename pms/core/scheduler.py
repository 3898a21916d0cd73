"""The scheduler's work: enqueue each periodic job (``pms.core.periodic``) once per slot.

A job registered with ``every=1h`` has one slot per hour, aligned to a fixed epoch so that
every scheduler process computes the same slots. Claiming a slot is one conditional update
of the job's ``PeriodicRun`` row (``slot < this slot`` → ``slot = this slot``), in the same
transaction as the enqueue: however many schedulers run, and however often one restarts,
a slot is enqueued once. Missed slots are not caught up: the next run does the work, since
jobs look at the database to decide what is due.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pms.core.models import PeriodicRun
from pms.core.periodic import PeriodicJob, periodic_job, periodic_jobs

logger = logging.getLogger(__name__)

EPOCH = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)  # a Monday, so weekly slots start on Mondays


def slot_of(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the slot ``now`` falls in."""
    return EPOCH + ((now - EPOCH) // every) * every


def _claim(job: PeriodicJob, now: dt.datetime) -> dt.datetime | None:
    slot = slot_of(now, job.every)
    claimed = PeriodicRun.objects.filter(
        Q(slot__isnull=True) | Q(slot__lt=slot), name=job.name
    ).update(slot=slot, enqueued_at=now, updated_at=now)
    return slot if claimed else None


def periodic_jobs_enqueue_due(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot nobody has claimed yet; returns their names."""
    from pms.core.tasks import run_periodic_job

    now = now or timezone.now()
    jobs = periodic_jobs()
    known = set(
        PeriodicRun.objects.filter(name__in=[j.name for j in jobs]).values_list("name", flat=True)
    )
    for job in jobs:
        if job.name not in known:
            PeriodicRun.objects.get_or_create(name=job.name)
    enqueued = []
    for job in jobs:
        with transaction.atomic():
            slot = _claim(job, now)
            if slot is None:
                continue
            # enqueued in the claim's transaction: with the database queue both commit or
            # neither does
            run_periodic_job.enqueue(job.name, slot.isoformat())
        enqueued.append(job.name)
    return enqueued


def periodic_job_run(*, name: str, now: dt.datetime | None = None) -> int:
    """Run the job ``name`` and record how it went; an unknown name does nothing."""
    job = periodic_job(name)
    if job is None:
        logger.warning("periodic job %s is not registered", name)
        return 0
    started = now or timezone.now()
    PeriodicRun.objects.filter(name=name).update(started_at=started, updated_at=started)
    try:
        result = job.run(started)
    except Exception as exc:
        finished = timezone.now()
        PeriodicRun.objects.filter(name=name).update(
            finished_at=finished,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=finished,
        )
        raise
    finished = timezone.now()
    PeriodicRun.objects.filter(name=name).update(
        finished_at=finished, last_result=result, last_error="", updated_at=finished
    )
    return result
