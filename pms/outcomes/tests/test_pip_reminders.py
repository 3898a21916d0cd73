"""The checkpoint reminders: the plan's manager hears the day a checkpoint is due and once
a day while it is overdue; running the job again sends nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.periodic import periodic_job
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import ImprovementPlan
from pms.outcomes.services import pip as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import NOW, frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def _reminders() -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(
            event__in=(events.PIP_CHECKPOINT_DUE, events.PIP_CHECKPOINT_OVERDUE)
        )
        .order_by("id")
        .values_list("event", "key")
    )


def _run(at: dt.datetime) -> int:
    return services.pip_reminders(at)


@pytest.fixture
def plan(org: TestOrg) -> ImprovementPlan:
    return f.pip(org.employee, org.manager, started=True)


def test_the_job_is_registered() -> None:
    job = periodic_job("outcomes.pip_reminders")
    assert job is not None
    assert job.run is services.pip_reminders


def test_nothing_is_due_before_the_first_checkpoint(plan: ImprovementPlan) -> None:
    assert _run(NOW + dt.timedelta(days=29)) == 0
    assert _reminders() == []


def test_the_manager_hears_on_the_day_once(org: TestOrg, plan: ImprovementPlan) -> None:
    due_day = NOW + dt.timedelta(days=30)
    assert _run(due_day) == 1
    assert _run(due_day + dt.timedelta(hours=3)) == 0  # the hourly run the same day
    [note] = Notification.objects.filter(event=events.PIP_CHECKPOINT_DUE)
    assert note.recipient == org.manager.user
    assert note.params == {"day": 30, "due": "2026-04-01"}
    assert note.url == f"/results/pip/{plan.uuid}/"
    # nothing names the person: a chat robot may post it where colleagues read
    assert org.employee.name not in str(note.params)


def test_an_overdue_checkpoint_is_repeated_once_a_day(plan: ImprovementPlan) -> None:
    due_day = NOW + dt.timedelta(days=30)
    _run(due_day)
    assert _run(due_day + dt.timedelta(days=1)) == 1
    assert _run(due_day + dt.timedelta(days=1, hours=5)) == 0
    assert _run(due_day + dt.timedelta(days=2)) == 1
    checkpoint = plan.checkpoints.get(day=30)
    assert _reminders() == [
        (events.PIP_CHECKPOINT_DUE, f"pip-checkpoint:{checkpoint.uuid}:due"),
        (events.PIP_CHECKPOINT_OVERDUE, f"pip-checkpoint:{checkpoint.uuid}:overdue:2026-04-02"),
        (events.PIP_CHECKPOINT_OVERDUE, f"pip-checkpoint:{checkpoint.uuid}:overdue:2026-04-03"),
    ]


def test_a_recorded_checkpoint_is_not_reminded(
    org: TestOrg,
    plan: ImprovementPlan,
    frozen,  # noqa: F811
) -> None:
    frozen.move_to(NOW + dt.timedelta(days=30))
    services.pip_checkpoint_record(
        actor=f.actor_for(org.manager),
        checkpoint=plan.checkpoints.get(day=30),
        held_on=timezone.localdate(),
        verdict="on_track",
        notes="按计划推进",
    )
    assert _run(NOW + dt.timedelta(days=31)) == 0


def test_drafts_and_closed_plans_are_not_reminded(org: TestOrg) -> None:
    f.pip(org.employee, org.manager)  # a draft
    started = f.pip(org.peer, org.manager, started=True)
    services.pip_cancel(actor=f.actor_for(org.manager), plan=started, reason="调岗")
    assert _run(NOW + dt.timedelta(days=45)) == 0
    assert _reminders() == []
