"""Development plan services: the person's plan and actions, a plan started for them from
a training need, submitting it for the manager's agreement, progress and completion — each with its
refusals (a message, nothing changed), its audit entry and its notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pms.comms.models import Notification
from pms.core.models import AuditAction
from pms.org.models import EmployeeStatus
from pms.org.services import employee_update
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import SYSTEM, TestOrg
from pms.outcomes import events
from pms.outcomes.models import ActionKind, DevelopmentAction, DevelopmentPlan, IdpStatus
from pms.outcomes.services import idp as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import TODAY, frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_person_writes_their_plan(org: TestOrg) -> None:
    target = org_factories.position("区域销售经理", dept=org.sales1)
    result = f.published_result(org.employee, "B")
    plan = services.idp_create(
        actor=f.actor_for(org.employee),
        employee=org.employee,
        title="三年内成为区域经理",
        target_position=target,
        aspiration="带领团队开拓华东市场",
        result=result,
        actions=[
            services.ActionInput(
                kind=ActionKind.STRETCH,
                goal="牵头一个重点客户项目",
                competency="项目管理",
                mentor=org.peer,
                due_on=TODAY + dt.timedelta(days=120),
            )
        ],
    )
    assert plan.status == IdpStatus.DRAFT
    assert (plan.start, plan.end) == (TODAY, TODAY + dt.timedelta(days=365))
    assert (plan.target_position, plan.result, plan.created_by) == (
        target,
        result,
        org.employee.user,
    )
    [action] = plan.actions.all()
    assert (action.mentor, action.competency) == (org.peer, "项目管理")
    [entry] = f.audit_of(plan)
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["actions"] == [
        "stretch · 牵头一个重点客户项目 · 项目管理 · 刘同事 (E0005) · 2026-06-30"
    ]


@pytest.mark.parametrize(
    ("action", "errors"),
    [
        (
            services.ActionInput(kind="nap", goal="休息"),
            {"kind": ["Choose what kind of action this is."]},
        ),
        (services.ActionInput(kind=ActionKind.COURSE, goal=" "), {"goal": ["Fill this in."]}),
        (
            services.ActionInput(kind=ActionKind.COURSE, goal="课程", due_on=dt.date(2028, 1, 1)),
            {"due_on": ["Choose a day within the plan (2026-03-02 – 2027-03-02)."]},
        ),
    ],
)
def test_a_bad_action_is_refused_and_nothing_is_made(
    org: TestOrg, action: services.ActionInput, errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationError) as caught:
        f.idp(org.employee, actions=[action])
    assert caught.value.message_dict == errors
    assert not DevelopmentPlan.objects.exists()


def test_nobody_mentors_themself_or_after_leaving(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as own:
        f.idp(org.employee, mentor=org.employee)
    assert own.value.message_dict == {"mentor": ["Nobody mentors themself."]}
    employee_update(actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.LEFT})
    org.peer.refresh_from_db()
    with pytest.raises(ValidationError) as left:
        f.idp(org.employee, mentor=org.peer)
    assert left.value.message_dict == {"mentor": ["刘同事 no longer works here."]}


def test_bad_plan_input_is_refused(org: TestOrg) -> None:
    who = f.actor_for(org.employee)
    with pytest.raises(ValidationError) as no_title:
        services.idp_create(actor=who, employee=org.employee, title="")
    assert no_title.value.message_dict == {"title": ["Fill this in."]}
    with pytest.raises(ValidationError) as dates:
        services.idp_create(actor=who, employee=org.employee, title="计划", start=TODAY, end=TODAY)
    assert dates.value.message_dict == {"end": ["The end must come after the start."]}
    other = f.published_result(org.peer, "B")
    with pytest.raises(ValidationError) as result:
        services.idp_create(actor=who, employee=org.employee, title="计划", result=other)
    assert result.value.message_dict == {"result": ["This result is another person's."]}
    closed = org_factories.position("旧岗位")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as position:
        services.idp_create(actor=who, employee=org.employee, title="计划", target_position=closed)
    assert position.value.message_dict == {
        "target_position": ["This position is no longer in use."]
    }
    assert not DevelopmentPlan.objects.exists()


def test_hr_starts_a_plan_from_a_training_need_and_the_person_is_told(org: TestOrg) -> None:
    plan = services.idp_suggest(
        actor=f.actor_for(org.hr_admin), employee=org.employee, competency="客户导向"
    )
    assert plan.employee == org.employee
    assert plan.status == IdpStatus.DRAFT
    assert plan.created_by == org.hr_admin.user
    [action] = plan.actions.all()
    assert (action.kind, action.competency) == (ActionKind.COURSE, "客户导向")
    [note] = Notification.objects.filter(event=events.IDP_SUGGESTED)
    assert note.recipient == org.employee.user
    assert note.params == {"by": "周人事"}
    # a second need goes into the same draft, not a second plan
    again = services.idp_suggest(
        actor=f.actor_for(org.manager), employee=org.employee, competency="团队协作"
    )
    assert again == plan
    assert list(plan.actions.values_list("competency", flat=True)) == ["客户导向", "团队协作"]
    assert DevelopmentPlan.objects.count() == 1
    with pytest.raises(ValidationError) as empty:
        services.idp_suggest(actor=f.actor_for(org.manager), employee=org.employee, competency="")
    assert empty.value.message_dict == {"competency": ["Fill this in."]}


def test_the_person_changes_the_plan_until_it_is_done(org: TestOrg) -> None:
    plan = f.idp(org.employee)
    who = f.actor_for(org.employee)
    services.idp_update(
        actor=who,
        plan=plan,
        title="成为大客户经理",
        start=TODAY,
        end=TODAY + dt.timedelta(days=200),
        aspiration="专注大客户",
    )
    plan.refresh_from_db()
    assert (plan.title, plan.aspiration) == ("成为大客户经理", "专注大客户")
    entry = f.audit_of(plan)[-1]
    assert entry.before is not None
    assert entry.before["title"] == "成长为区域销售经理"
    with pytest.raises(ValidationError) as outside:
        services.idp_update(
            actor=who, plan=plan, title=plan.title, start=TODAY, end=TODAY + dt.timedelta(days=30)
        )
    assert outside.value.message_dict == {
        "end": ["An action is due outside these dates: move it first."]
    }
    action = plan.actions.get()
    services.idp_action_update(
        actor=who,
        action=action,
        change=services.ActionInput(
            kind=ActionKind.READING, goal="读《大客户销售》", competency="客户管理"
        ),
    )
    action.refresh_from_db()
    assert (action.kind, action.due_on) == (ActionKind.READING, None)
    added = services.idp_action_add(
        actor=who,
        plan=plan,
        action=services.ActionInput(kind=ActionKind.ROTATION, goal="轮岗客服一个月"),
    )
    services.idp_action_remove(actor=who, action=added)
    assert plan.actions.count() == 1


def test_a_submitted_plan_is_agreed_and_under_way(org: TestOrg) -> None:
    empty = f.idp(org.peer, actions=[])
    with pytest.raises(ValidationError) as caught:
        services.idp_submit(actor=f.actor_for(org.peer), plan=empty)
    assert caught.value.messages == ["Add at least one action before you submit the plan."]
    empty.refresh_from_db()
    assert empty.status == IdpStatus.DRAFT
    draft = f.idp(org.employee)
    with pytest.raises(ValidationError) as early:
        services.idp_agree(actor=f.actor_for(org.manager), plan=draft)
    assert early.value.messages == ["Only a plan waiting for agreement is agreed."]
    draft.refresh_from_db()
    assert (draft.status, draft.manager_agreed_at) == (IdpStatus.DRAFT, None)
    plan = services.idp_agree(
        actor=f.actor_for(org.manager),
        plan=services.idp_submit(actor=f.actor_for(org.employee), plan=draft),
    )
    assert plan.status == IdpStatus.ACTIVE
    assert (plan.agreed_by, plan.manager_agreed_at is not None) == (org.manager.user, True)
    assert f.audit_of(plan)[-1].action == AuditAction.APPROVE
    [note] = Notification.objects.filter(event=events.IDP_AGREED)
    assert note.params == {"manager": "张经理", "title": "成长为区域销售经理"}
    with pytest.raises(ValidationError):
        services.idp_agree(actor=f.actor_for(org.manager), plan=plan)
    # once agreed, actions stay (they are updated, not removed)
    with pytest.raises(ValidationError) as remove:
        services.idp_action_remove(actor=f.actor_for(org.employee), action=plan.actions.get())
    assert remove.value.messages == ["Actions come off a plan only while it is being prepared."]


def test_progress_and_done(org: TestOrg) -> None:
    plan = f.idp(org.employee)
    action = plan.actions.get()
    who = f.actor_for(org.employee)
    with pytest.raises(ValidationError) as early:
        services.idp_action_progress(actor=who, action=action, progress=20, done=False)
    assert early.value.messages == ["Progress is recorded once the plan is agreed."]
    services.idp_submit(actor=who, plan=plan)
    services.idp_agree(actor=f.actor_for(org.manager), plan=plan)
    with pytest.raises(ValidationError) as bad:
        services.idp_action_progress(actor=who, action=action, progress=120, done=False)
    assert bad.value.message_dict == {"progress": ["Progress runs from 0 to 100 %."]}
    services.idp_action_progress(
        actor=who, action=action, progress=40, done=False, note="完成前4讲"
    )
    action.refresh_from_db()
    assert (action.progress, action.done_at, action.note) == (40, None, "完成前4讲")
    services.idp_action_progress(actor=who, action=action, progress=None, done=True)
    action.refresh_from_db()
    assert action.progress == 100
    assert action.done_at is not None
    entry = f.audit_of(plan)[-1]
    assert entry.after is not None
    assert entry.after["完成谈判技巧课程: progress"] == 100
    with pytest.raises(ValidationError) as done:
        services.idp_action_update(
            actor=who, action=action, change=services.ActionInput(kind=ActionKind.COURSE, goal="改")
        )
    assert done.value.messages == ["This action is done."]
    finished = services.idp_complete(actor=who, plan=plan)
    assert finished.status == IdpStatus.DONE
    assert finished.completed_at is not None
    with pytest.raises(ValidationError) as closed:
        services.idp_action_add(
            actor=who, plan=plan, action=services.ActionInput(kind=ActionKind.COURSE, goal="新")
        )
    assert closed.value.messages == ["This development plan is completed."]
    assert DevelopmentAction.objects.filter(plan=plan).count() == 1
