"""The scheduler enqueues each periodic job once per slot, however many schedulers run or
restart, and records how each run went."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from pms.core import periodic
from pms.core.models import PeriodicRun
from pms.core.scheduler import periodic_jobs_enqueue_due, slot_of

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 12, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """Only one job, which records when it ran."""
    calls: list[dt.datetime] = []

    def run(now: dt.datetime) -> int:
        calls.append(now)
        return 7

    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.register_periodic("test.hourly", every=dt.timedelta(hours=1), run=run)
    return calls


def test_slots_are_aligned() -> None:
    every = dt.timedelta(hours=1)
    assert slot_of(NOON, every) == dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    assert slot_of(NOON, dt.timedelta(days=7)).weekday() == 0


def test_a_slot_runs_once_whoever_asks(counted: list[dt.datetime]) -> None:
    assert periodic_jobs_enqueue_due(now=NOON) == ["test.hourly"]
    assert periodic_jobs_enqueue_due(now=NOON) == []  # a second scheduler, or a restart
    assert periodic_jobs_enqueue_due(now=NOON + dt.timedelta(minutes=50)) == []
    assert len(counted) == 1
    run = PeriodicRun.objects.get(name="test.hourly")
    assert run.slot == dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    assert run.last_result == 7
    assert run.finished_at is not None
    assert periodic_jobs_enqueue_due(now=NOON + dt.timedelta(hours=1)) == ["test.hourly"]
    assert len(counted) == 2


def test_a_failing_job_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(now: dt.datetime) -> int:
        raise ValueError("no good")

    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.register_periodic("test.broken", every=dt.timedelta(minutes=5), run=broken)
    assert periodic_jobs_enqueue_due(now=NOON) == ["test.broken"]
    run = PeriodicRun.objects.get(name="test.broken")
    assert run.last_error == "ValueError: no good"
    assert run.slot is not None


def test_the_command_runs_one_round(counted: list[dt.datetime]) -> None:
    with time_machine.travel(NOON, tick=False):
        call_command("scheduler", "--once", verbosity=0)
        call_command("scheduler", "--once", verbosity=0)
    assert len(counted) == 1


def test_the_delivery_retry_job_is_registered() -> None:
    job = periodic.periodic_job("comms.retry_deliveries")
    assert job is not None
    assert job.every <= dt.timedelta(minutes=5)
