"""The periodic job starts only the connectors whose time has come, never two runs of one
connector at once; HR admins hear of failures once per streak."""

# ruff: noqa: F811 (the loopback export and the goal are fixtures imported from connector_support)

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.periodic import periodic_job
from pms.goals.models import Goal
from pms.org.tests.factories import TestOrg
from pms.tracking.connector_events import CONNECTOR_FAILED
from pms.tracking.connector_setup import RUN_CONNECTORS
from pms.tracking.connector_tasks import run_connector
from pms.tracking.models import Connector, ConnectorRun, ConnectorRunStatus, ConnectorSchedule
from pms.tracking.services.connector_runs import connector_run, connectors_run_due
from pms.tracking.services.connectors import next_due
from pms.tracking.tests.connector_support import (  # noqa: F401 (fixtures)
    ADMIN,
    Answer,
    Export,
    connector,
    export,
    goal,
    period,
    revenue,
    value,
)

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 12, 0, 30, tzinfo=dt.UTC)


def runs_of(found: Connector) -> int:
    return ConnectorRun.objects.filter(connector=found).count()


def test_the_job_is_registered_to_look_every_minute() -> None:
    job = periodic_job(RUN_CONNECTORS)
    assert job is not None
    assert job.every == dt.timedelta(minutes=1)


def test_only_due_enabled_and_free_connectors_are_run(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    url = export.json([value()])
    with time_machine.travel(NOW - dt.timedelta(seconds=30), tick=False):
        due = connector(url, name="due", schedule=ConnectorSchedule.HOURS, every=1)
        later = connector(url, name="later", schedule=ConnectorSchedule.DAILY)
        off = connector(url, name="off", schedule=ConnectorSchedule.MINUTES, enabled=False)
        busy = connector(url, name="busy", schedule=ConnectorSchedule.MINUTES, every=5)
        stuck = connector(url, name="stuck", schedule=ConnectorSchedule.MINUTES, every=5)
    Connector.objects.filter(pk=busy.pk).update(running_since=NOW - dt.timedelta(minutes=3))
    Connector.objects.filter(pk=stuck.pk).update(running_since=NOW - dt.timedelta(hours=3))

    with time_machine.travel(NOW, tick=False):
        started = connectors_run_due(NOW)

    assert started == 2
    assert [runs_of(c) for c in (due, later, off, busy, stuck)] == [1, 0, 0, 0, 1]
    due.refresh_from_db()
    assert due.running_since is None
    # an hour after the time it was due, not after the job happened to look
    assert due.next_run_at == NOW - dt.timedelta(seconds=30) + dt.timedelta(hours=1)
    assert ConnectorRun.objects.get(connector=due).started_by is None


def test_running_the_job_twice_starts_nothing_more(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    with time_machine.travel(NOW, tick=False):
        crm = connector(export.json([value()]), schedule=ConnectorSchedule.MINUTES, every=15)
        assert connectors_run_due(NOW) == 1
        assert connectors_run_due(NOW) == 0
        assert connectors_run_due(NOW + dt.timedelta(minutes=14)) == 0
    crm.refresh_from_db()
    assert crm.next_run_at == NOW + dt.timedelta(minutes=15)
    assert runs_of(crm) == 1
    with time_machine.travel(NOW + dt.timedelta(minutes=15), tick=False):
        assert connectors_run_due(NOW + dt.timedelta(minutes=15)) == 1
    assert runs_of(crm) == 2


def test_a_task_whose_claim_is_gone_does_nothing(org: TestOrg, goal: Goal, export: Export) -> None:
    crm = connector(export.json([value()]))
    claimed = timezone.now()
    Connector.objects.filter(pk=crm.pk).update(running_since=claimed)

    run_connector.call(crm.pk, (claimed - dt.timedelta(seconds=1)).isoformat(), None)
    assert runs_of(crm) == 0
    assert run_connector.call(crm.pk, claimed.isoformat(), None) == ConnectorRunStatus.OK
    # run again, the task finds the claim given back
    assert run_connector.call(crm.pk, claimed.isoformat(), None) == ""
    assert runs_of(crm) == 1


def test_daily_runs_are_at_the_local_time() -> None:
    daily = Connector(schedule=ConnectorSchedule.DAILY, daily_at=dt.time(2, 0))
    evening = dt.datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI)
    assert next_due(daily, evening) == dt.datetime(2026, 3, 3, 2, 0, tzinfo=SHANGHAI)
    early = dt.datetime(2026, 3, 2, 1, 0, tzinfo=SHANGHAI)
    assert next_due(daily, early) == dt.datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
    hourly = Connector(schedule=ConnectorSchedule.HOURS, every=3)
    assert next_due(hourly, evening) == evening + dt.timedelta(hours=3)


def test_hr_admins_hear_of_failures_once_per_streak(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    export.answers["/export"] = Answer(b"down", status=503)
    crm = connector(export.url())

    for _ in range(3):
        connector_run(connector=crm, actor=ADMIN)

    told = Notification.objects.filter(event=CONNECTOR_FAILED)
    assert list(told.values_list("recipient_id", flat=True)) == [org.hr_admin.user_id]
    note = told.get()
    assert note.params["connector"] == "CRM"
    assert "HTTP status 503" in str(note.params["message"])
    crm.refresh_from_db()
    assert crm.consecutive_failures == 3
    assert note.url == f"/tracking/connectors/{crm.uuid}/"

    export.json([value()])
    connector_run(connector=crm, actor=ADMIN)
    crm.refresh_from_db()
    assert (crm.consecutive_failures, crm.failing_since) == (0, None)
    assert told.count() == 1

    export.answers["/export"] = Answer(b"down", status=500)
    connector_run(connector=crm, actor=ADMIN)
    assert told.count() == 2
