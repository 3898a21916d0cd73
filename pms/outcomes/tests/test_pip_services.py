"""Improvement plan services: each step and its refusals (a translated message, nothing
changed), the audit entry each change writes, the person's notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pms.comms.models import Notification
from pms.core.models import AuditAction
from pms.org.models import EmployeeStatus
from pms.org.services import employee_update
from pms.org.tests.factories import SYSTEM, TestOrg
from pms.outcomes import events
from pms.outcomes.models import (
    CheckpointVerdict,
    ImprovementPlan,
    OutcomeSettings,
    PipStatus,
    PipTrigger,
    PlanCheckpoint,
)
from pms.outcomes.services import pip as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import TODAY, frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "days"),
    [
        (90, [30, 60, 90]),
        (60, [20, 40, 60]),
        (30, [10, 20, 30]),
        (120, [40, 80, 120]),
        (2, [1, 2]),
        (1, [1]),
        (0, []),
    ],
)
def test_checkpoints_fall_at_thirds_of_the_plan(length: int, days: list[int]) -> None:
    assert services.checkpoint_days(length) == days


def test_grades_that_call_for_a_plan_default_to_c_and_d(db: None) -> None:
    assert services.pip_grades() == ["C", "D"]
    OutcomeSettings.objects.create(pip_grades=["D"])
    assert services.pip_grades() == ["D"]


def test_a_plan_without_training_or_reassignment_is_warned_not_refused() -> None:
    assert services.support_warnings(training="", reassignment=" ")
    assert services.support_warnings(training="内训", reassignment="") == []
    assert services.support_warnings(training="", reassignment="调岗至客服") == []


# --- creating ------------------------------------------------------------------------------


def test_a_manager_prepares_a_plan_by_choice(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager)

    assert plan.status == PipStatus.DRAFT
    assert plan.trigger == PipTrigger.CHOICE
    assert plan.owner == org.manager
    assert (plan.start, plan.end) == (TODAY, TODAY + dt.timedelta(days=90))
    assert [g.title for g in plan.goals.all()] == [g.title for g in f.GOALS]
    assert list(plan.checkpoints.values_list("day", "due_on")) == [
        (30, TODAY + dt.timedelta(days=30)),
        (60, TODAY + dt.timedelta(days=60)),
        (90, TODAY + dt.timedelta(days=90)),
    ]
    [entry] = f.audit_of(plan)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.manager.user
    assert entry.after is not None
    assert entry.after["goals"][0].startswith("月度回款率达到90%")
    assert len(entry.after["checkpoints"]) == 3
    # preparing tells nobody yet
    assert not Notification.objects.filter(event__startswith="outcomes.pip").exists()


def test_a_plan_from_a_grade_is_linked_to_the_result(org: TestOrg) -> None:
    result = f.published_result(org.employee, "D")
    plan = f.pip(org.employee, org.hr_admin, result=result)
    assert plan.trigger == PipTrigger.GRADE
    assert plan.result == result
    assert plan.owner == org.manager


@pytest.mark.parametrize(
    ("grade", "published", "message"),
    [
        ("B", True, "Grade B does not call for an improvement plan (C, D do)."),
        ("C", False, "This result is not published yet."),
    ],
)
def test_a_result_that_does_not_call_for_a_plan_is_refused(
    org: TestOrg, grade: str, published: bool, message: str
) -> None:
    result = f.published_result(org.employee, grade, published=published)
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.manager, result=result)
    assert _messages(caught.value) == [message]
    assert not ImprovementPlan.objects.exists()


def test_another_persons_result_is_refused(org: TestOrg) -> None:
    result = f.published_result(org.peer, "C")
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.manager, result=result)
    assert _messages(caught.value) == ["This result is another person's."]


def test_a_result_with_a_plan_is_not_planned_twice_but_a_cancelled_one_is(org: TestOrg) -> None:
    result = f.published_result(org.employee, "C")
    first = f.pip(org.employee, org.manager, result=result)
    services.pip_cancel(actor=f.actor_for(org.manager), plan=first, reason="录入错误")
    second = f.pip(org.employee, org.manager, result=result)
    assert second.result == result
    with pytest.raises(ValidationError) as again:
        f.pip(org.employee, org.hr_admin, result=result)
    assert _messages(again.value) == ["This result has an improvement plan already."]
    assert ImprovementPlan.objects.count() == 2


def test_one_open_plan_per_person(org: TestOrg) -> None:
    f.pip(org.employee, org.manager)
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.hr_admin)
    assert _messages(caught.value) == ["陈员工 has an improvement plan already."]
    assert ImprovementPlan.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"goals": []}, {"goals": ["Give the plan at least one goal, with how it is measured."]}),
        (
            {"goals": [services.GoalInput(title="回款率", measure="")]},
            {"measure": ["Fill this in."]},
        ),
        ({"reason": " "}, {"reason": ["Fill this in."]}),
        (
            {"start": TODAY, "end": TODAY},
            {"end": ["The end must come after the start."]},
        ),
        (
            {"start": TODAY, "end": TODAY + dt.timedelta(days=400)},
            {"end": ["A plan runs for at most 366 days."]},
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(
    org: TestOrg, kwargs: dict[str, object], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.manager, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message_dict == errors
    assert not ImprovementPlan.objects.exists()


def test_refusals_are_translated(org: TestOrg) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.manager, goals=[])
    assert caught.value.message_dict == {"goals": ["请为计划至少设定一个目标，并写明衡量方式。"]}


def test_the_plan_is_led_by_one_of_the_persons_managers(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.hr_admin, owner=org.other_manager)
    assert caught.value.message_dict == {
        "owner": ["The plan is led by one of the person's managers."]
    }
    with pytest.raises(ValidationError) as no_manager:
        f.pip(org.ceo, org.hr_admin)
    assert no_manager.value.message_dict == {"owner": ["王总 has no manager to lead the plan."]}


def test_nobody_who_left_gets_a_plan(org: TestOrg) -> None:
    employee_update(actor=SYSTEM, employee=org.employee, changes={"status": EmployeeStatus.LEFT})
    org.employee.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        f.pip(org.employee, org.manager)
    assert _messages(caught.value) == ["陈员工 no longer works here."]


# --- preparing -----------------------------------------------------------------------------


def test_new_dates_place_the_checkpoints_again(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager)
    services.pip_update(
        actor=f.actor_for(org.manager),
        plan=plan,
        reason=plan.reason,
        start=TODAY,
        end=TODAY + dt.timedelta(days=60),
        training=plan.training,
        coaching=plan.coaching,
        reassignment="调岗至客服专员",
    )
    plan.refresh_from_db()
    assert plan.reassignment == "调岗至客服专员"
    assert list(plan.checkpoints.values_list("day", flat=True)) == [20, 40, 60]
    entry = f.audit_of(plan)[-1]
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["end"] == "2026-05-31"
    assert entry.after["end"] == "2026-05-01"
    assert entry.after["checkpoints"] == ["20: 2026-03-22", "40: 2026-04-11", "60: 2026-05-01"]


def test_goals_are_added_changed_and_removed_while_preparing(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager)
    who = f.actor_for(org.manager)
    added = services.pip_goal_add(actor=who, plan=plan, title="拜访量每周20家", measure="CRM")
    services.pip_goal_update(actor=who, goal=added, title="拜访量每周25家", measure="CRM")
    first, second = list(plan.goals.all())[:2]
    services.pip_goal_remove(actor=who, goal=first)
    services.pip_goal_remove(actor=who, goal=second)
    assert [g.title for g in plan.goals.all()] == ["拜访量每周25家"]
    with pytest.raises(ValidationError) as caught:
        services.pip_goal_remove(actor=who, goal=added)
    assert _messages(caught.value) == ["A plan keeps at least one goal."]
    assert plan.goals.count() == 1
    keys = [next(iter((e.after or e.before or {}).keys())) for e in f.audit_of(plan)[1:]]
    assert keys == ["goal added", "goal", "goal removed", "goal removed"]


def test_a_checkpoint_moves_within_the_plan_while_preparing(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager)
    who = f.actor_for(org.manager)
    first = plan.checkpoints.get(day=30)
    moved = services.pip_checkpoint_move(
        actor=who, checkpoint=first, due_on=TODAY + dt.timedelta(days=28)
    )
    assert (moved.day, moved.due_on) == (28, dt.date(2026, 3, 30))
    for day, message in (
        (TODAY, "Choose a day after the start and no later than the end (2026-05-31)."),
        (
            TODAY + dt.timedelta(days=91),
            "Choose a day after the start and no later than the end (2026-05-31).",
        ),
        (TODAY + dt.timedelta(days=60), "Another checkpoint falls on that day."),
    ):
        with pytest.raises(ValidationError) as caught:
            services.pip_checkpoint_move(actor=who, checkpoint=first, due_on=day)
        assert caught.value.message_dict == {"due_on": [message]}
    first.refresh_from_db()
    assert first.day == 28


# --- running -------------------------------------------------------------------------------


def test_starting_tells_the_person_without_saying_what_it_is(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    assert plan.status == PipStatus.ACTIVE
    assert plan.started_at is not None
    [note] = Notification.objects.filter(event=events.PIP_STARTED)
    assert note.recipient == org.employee.user
    assert note.params == {"start": "2026-03-02", "end": "2026-05-31"}
    assert note.url == f"/results/pip/{plan.uuid}/"
    entry = f.audit_of(plan)[-1]
    assert (entry.before, entry.after and entry.after["status"]) == (
        {"status": "draft"},
        "active",
    )
    # nothing in a started plan changes the way a draft does
    with pytest.raises(ValidationError) as caught:
        services.pip_goal_add(
            actor=f.actor_for(org.manager), plan=plan, title="新目标", measure="新口径"
        )
    assert _messages(caught.value) == ["Only a plan being prepared can be changed."]
    with pytest.raises(ValidationError) as again:
        services.pip_start(actor=f.actor_for(org.manager), plan=plan)
    assert _messages(again.value) == ["Only a plan being prepared can be started."]
    assert Notification.objects.filter(event=events.PIP_STARTED).count() == 1


def test_the_person_signs_once(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    signed = services.pip_sign(actor=f.actor_for(org.employee), plan=plan)
    assert signed.employee_signed_at is not None
    assert f.audit_of(plan)[-1].action == AuditAction.SIGN
    with pytest.raises(ValidationError) as caught:
        services.pip_sign(actor=f.actor_for(org.employee), plan=plan)
    assert _messages(caught.value) == ["You have signed this plan already."]


def test_a_refusal_to_sign_is_noted_and_the_plan_runs(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    with pytest.raises(ValidationError):
        services.pip_sign_refusal(actor=f.actor_for(org.manager), plan=plan, note="")
    noted = services.pip_sign_refusal(
        actor=f.actor_for(org.manager), plan=plan, note="3月2日面谈时交付，本人拒绝签字，HRBP在场"
    )
    assert noted.status == PipStatus.ACTIVE
    assert noted.sign_refused_at is not None
    assert f.audit_of(plan)[-1].reason.startswith("3月2日面谈时交付")
    # the person may still sign later
    assert services.pip_sign(actor=f.actor_for(org.employee), plan=plan).employee_signed_at


def test_a_checkpoint_is_recorded_and_corrected(org: TestOrg, frozen) -> None:  # noqa: F811
    plan = f.pip(org.employee, org.manager, started=True)
    checkpoint = plan.checkpoints.get(day=30)
    who = f.actor_for(org.manager)
    frozen.move_to(f.NOW + dt.timedelta(days=31))
    recorded = services.pip_checkpoint_record(
        actor=who,
        checkpoint=checkpoint,
        held_on=dt.date(2026, 4, 1),
        verdict=CheckpointVerdict.BEHIND,
        notes="回款率72%，低于目标",
    )
    assert (recorded.verdict, recorded.recorded_by) == ("behind", org.manager.user)
    services.pip_checkpoint_record(
        actor=who,
        checkpoint=checkpoint,
        held_on=dt.date(2026, 4, 1),
        verdict=CheckpointVerdict.ON_TRACK,
        notes="回款率更正为88%",
    )
    first, correction = f.audit_of(plan)[-2:]
    assert first.before is None
    assert correction.before == {"checkpoint 30": "2026-04-01 · behind · 回款率72%，低于目标"}
    assert correction.after == {"checkpoint 30": "2026-04-01 · on_track · 回款率更正为88%"}


@pytest.mark.parametrize(
    ("held_on", "verdict", "field", "message"),
    [
        (None, "on_track", "held_on", "Say when the checkpoint was held."),
        (
            TODAY + dt.timedelta(days=1),
            "on_track",
            "held_on",
            "A checkpoint is recorded once it is held.",
        ),
        (TODAY - dt.timedelta(days=1), "on_track", "held_on", "The plan started on 2026-03-02."),
        (TODAY, "maybe", "verdict", "Say whether the person is on track."),
    ],
)
def test_a_bad_checkpoint_record_is_refused(
    org: TestOrg, held_on: dt.date | None, verdict: str, field: str, message: str
) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    checkpoint = plan.checkpoints.get(day=30)
    with pytest.raises(ValidationError) as caught:
        services.pip_checkpoint_record(
            actor=f.actor_for(org.manager),
            checkpoint=checkpoint,
            held_on=held_on,
            verdict=verdict,
            notes="记录",
        )
    assert caught.value.message_dict == {field: [message]}
    checkpoint.refresh_from_db()
    assert checkpoint.held_on is None


def test_a_draft_checkpoint_is_not_recorded(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager)
    with pytest.raises(ValidationError) as caught:
        services.pip_checkpoint_record(
            actor=f.actor_for(org.manager),
            checkpoint=plan.checkpoints.first(),  # type: ignore[arg-type]
            held_on=TODAY,
            verdict="on_track",
            notes="记录",
        )
    assert _messages(caught.value) == ["Checkpoints are recorded while the plan is under way."]


def test_a_plan_is_extended_once_with_a_reason(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    who = f.actor_for(org.manager)
    with pytest.raises(ValidationError) as early:
        services.pip_extend(actor=who, plan=plan, end=plan.end, reason="需要更多时间")
    assert early.value.message_dict == {"end": ["The new end comes after 2026-05-31."]}
    with pytest.raises(ValidationError) as no_reason:
        services.pip_extend(actor=who, plan=plan, end=dt.date(2026, 6, 30), reason="")
    assert no_reason.value.message_dict == {"reason": ["Fill this in."]}
    extended = services.pip_extend(
        actor=who, plan=plan, end=dt.date(2026, 6, 30), reason="第60天已明显改善，延长观察"
    )
    assert extended.status == PipStatus.EXTENDED
    assert (extended.original_end, extended.end) == (dt.date(2026, 5, 31), dt.date(2026, 6, 30))
    assert list(plan.checkpoints.values_list("day", flat=True)) == [30, 60, 90, 120]
    entry = f.audit_of(plan)[-1]
    assert entry.reason == "第60天已明显改善，延长观察"
    assert entry.after is not None
    assert entry.after["checkpoint added"] == "120: 2026-06-30"
    [note] = Notification.objects.filter(event=events.PIP_EXTENDED)
    assert note.params == {"end": "2026-06-30"}
    with pytest.raises(ValidationError) as twice:
        services.pip_extend(actor=who, plan=plan, end=dt.date(2026, 7, 30), reason="再延长")
    assert _messages(twice.value) == ["A plan is extended once only."]


def test_closing_marks_every_goal_and_tells_the_person(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.manager, started=True)
    first, second = list(plan.goals.all())
    who = f.actor_for(org.manager)
    with pytest.raises(ValidationError) as unmarked:
        services.pip_close(
            actor=who,
            plan=plan,
            outcome=PipStatus.PASSED,
            reason="达标",
            goals_met={first.pk: True},
        )
    assert unmarked.value.message_dict == {"goals": ["Say for each goal whether it was met."]}
    with pytest.raises(ValidationError) as bad:
        services.pip_close(
            actor=who, plan=plan, outcome=PipStatus.CANCELLED, reason="达标", goals_met={}
        )
    assert bad.value.message_dict == {"outcome": ["Say whether the person improved."]}
    plan.refresh_from_db()
    assert plan.status == PipStatus.ACTIVE
    closed = services.pip_close(
        actor=who,
        plan=plan,
        outcome=PipStatus.FAILED,
        reason="两项目标均未达到",
        goals_met={first.pk: False, second.pk: True},
    )
    assert closed.status == PipStatus.FAILED
    assert (closed.outcome, closed.closed_by) == ("两项目标均未达到", org.manager.user)
    assert [g.met for g in plan.goals.all()] == [False, True]
    entry = f.audit_of(plan)[-1]
    assert (entry.action, entry.reason) == (AuditAction.CLOSE, "两项目标均未达到")
    [note] = Notification.objects.filter(event=events.PIP_CLOSED)
    assert note.recipient == org.employee.user
    assert note.params == {"day": "2026-03-02"}  # the outcome is on the page, not in chats
    with pytest.raises(ValidationError):
        services.pip_cancel(actor=who, plan=closed, reason="撤销")


def test_cancelling_a_draft_tells_nobody_a_started_plan_tells_the_person(org: TestOrg) -> None:
    who = f.actor_for(org.manager)
    draft = f.pip(org.employee, org.manager)
    services.pip_cancel(actor=who, plan=draft, reason="改为辅导计划")
    assert not Notification.objects.filter(event=events.PIP_CANCELLED).exists()
    started = f.pip(org.employee, org.manager, started=True)
    cancelled = services.pip_cancel(actor=who, plan=started, reason="员工调岗，计划不再适用")
    assert (cancelled.status, cancelled.outcome) == (PipStatus.CANCELLED, "员工调岗，计划不再适用")
    assert (
        Notification.objects.filter(event=events.PIP_CANCELLED, recipient=org.employee.user).count()
        == 1
    )
    # a cancelled plan keeps everything it had
    assert started.goals.count() == 2
    assert PlanCheckpoint.objects.filter(plan=started).count() == 3
