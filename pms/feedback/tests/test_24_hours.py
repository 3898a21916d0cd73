"""The 24-hour rule: the reminder job and the figure per manager."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from pms.core.models import AuditEntry
from pms.core.periodic import periodic_job
from pms.feedback import events, selectors, services
from pms.feedback.models import Observation
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg

from . import factories as ff

pytestmark = pytest.mark.django_db

SEEN = dt.datetime(2026, 5, 14, 9, 0, tzinfo=dt.UTC)


def test_the_job_is_registered_every_15_minutes() -> None:
    job = periodic_job("feedback.remind_24h")
    assert job is not None
    assert job.every == dt.timedelta(minutes=15)
    assert periodic_job("feedback.anonymous_release") is not None


def test_the_manager_is_reminded_once_after_24_hours(org: TestOrg, sent: mock.MagicMock) -> None:
    with time_machine.travel(SEEN, tick=False):
        observation = ff.observe(org.manager, org.employee, observed_at=SEEN)

    with time_machine.travel(SEEN + dt.timedelta(hours=23, minutes=59), tick=False):
        assert services.remind_24h(timezone.now()) == 0
    sent.assert_not_called()

    later = SEEN + dt.timedelta(hours=24, minutes=10)
    with time_machine.travel(later, tick=False):
        assert services.remind_24h(timezone.now()) == 1
        assert services.remind_24h(timezone.now()) == 0  # safe to run twice

    sent.assert_called_once()
    call = sent.call_args.kwargs
    assert call["event"] == events.OBSERVATION_OVERDUE
    assert call["recipients"] == [org.manager.user]
    assert call["params"] == {"report": org.employee.name}
    assert call["key"] == f"observation:{observation.uuid}"
    observation.refresh_from_db()
    assert observation.reminded_at == later
    assert AuditEntry.objects.filter(object_id=str(observation.pk), action="remind").count() == 1


def test_a_conversation_in_time_means_no_reminder(org: TestOrg, sent: mock.MagicMock) -> None:
    with time_machine.travel(SEEN, tick=False):
        observation = ff.observe(org.manager, org.employee, observed_at=SEEN)
    with time_machine.travel(SEEN + dt.timedelta(hours=5), tick=False):
        ff.give(org.manager, org.employee, observation=observation)

    with time_machine.travel(SEEN + dt.timedelta(days=2), tick=False):
        assert services.remind_24h(timezone.now()) == 0
    assert not [c for c in sent.call_args_list if c.kwargs["event"] == events.OBSERVATION_OVERDUE]


def _board(org: TestOrg, persona: str = "hr_admin", **kw: object) -> list[dict[str, object]]:
    today = timezone.localdate()
    chosen = selectors.BoardFilter(
        since=today - dt.timedelta(days=30),
        until=today,
        department=kw.get("department"),  # type: ignore[arg-type]
    )
    target = getattr(org, persona)
    return list(selectors.board_rows(principal_for(target.user), chosen))


@time_machine.travel(SEEN + dt.timedelta(days=5), tick=False)
def test_the_board_shows_the_share_met_within_24_hours(org: TestOrg) -> None:
    now = timezone.now()
    seen = [now - dt.timedelta(days=d) for d in (4, 3, 2)]
    met = ff.observe(org.manager, org.employee, observed_at=seen[0])
    services.observation_talk(
        actor=ff.actor(org.manager), observation=met, note="谈过", talked_at=seen[0]
    )
    late = ff.observe(org.manager, org.peer, observed_at=seen[1])
    services.observation_talk(
        actor=ff.actor(org.manager),
        observation=late,
        note="谈过",
        talked_at=seen[1] + dt.timedelta(hours=30),
    )
    ff.observe(org.manager, org.employee, observed_at=seen[2])  # overdue, never talked
    ff.observe(org.manager, org.peer, observed_at=now - dt.timedelta(hours=2))  # still open
    ff.observe(org.ceo, org.outsider, observed_at=seen[2])  # outside the HRBP's scope

    rows = {row["manager__name"]: row for row in _board(org)}
    assert rows[org.manager.name]["total"] == 3
    assert rows[org.manager.name]["met"] == 1
    assert round(rows[org.manager.name]["share"]) == 33  # type: ignore[call-overload]
    assert rows[org.ceo.name]["share"] == 0
    assert next(iter(rows)) == org.ceo.name  # lowest share first

    assert [r["manager__name"] for r in _board(org, "hrbp")] == [org.manager.name]
    assert [r["manager__name"] for r in _board(org, department=org.rnd)] == [org.ceo.name]
    assert _board(org, "manager") == []
    assert Observation.objects.count() == 5
