"""Periodic jobs (reminders, schedules): apps register idempotent functions here; the one
scheduler process (``manage.py scheduler``) enqueues each when it is due. Nothing runs inside
web workers or at import.

A job takes the current time and returns how many things it did. It must be safe to run
twice for the same moment: it looks at the database to decide what is still to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[datetime], int]


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(name: str, *, every: timedelta, run: Callable[[datetime], int]) -> None:
    """Register (or replace) the job ``name``; call it from an app's ``ready()``."""
    _JOBS[name] = PeriodicJob(name=name, every=every, run=run)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def periodic_job(name: str) -> PeriodicJob | None:
    return _JOBS.get(name)
