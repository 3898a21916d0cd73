"""Check-in, obstacle, resource request and coaching plan services: state, data and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.coaching.models import (
    ActionStatus,
    CheckInGoalNote,
    CheckInStatus,
    Milestone,
    PlanStatus,
    ResourceRequestEntry,
    ResourceStatus,
)
from pms.coaching.services import checkins as services
from pms.coaching.services import obstacles as obstacle_services
from pms.coaching.services import plans as plan_services
from pms.coaching.tests import factories as f
from pms.core.models import AuditEntry
from pms.goals.models import AdjustmentStatus, GoalAdjustment, Period, Scorecard
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.services.progress import goals_progress_set
from pms.goals.tests import factories as goal_factories
from pms.org.tests.factories import TestOrg


@pytest.fixture
def period(db: None) -> Period:
    return goal_factories.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return goal_factories.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


def _audits(obj: object, action: str | None = None) -> list[AuditEntry]:
    rows = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower,  # type: ignore[attr-defined]
        object_id=str(obj.pk),  # type: ignore[attr-defined]
    )
    if action:
        rows = rows.filter(action=action)
    return list(rows)


# --- check-ins -----------------------------------------------------------------------------


def test_create_sets_the_current_manager_and_audits(org: TestOrg) -> None:
    checkin = f.checkin(org.employee, due=dt.date(2026, 3, 31))

    assert checkin.manager == org.manager
    assert checkin.period_start == dt.date(2026, 3, 1)
    assert checkin.status == CheckInStatus.SCHEDULED
    [entry] = _audits(checkin, "create")
    assert entry.after["due_date"] == "2026-03-31"


def test_create_refuses_a_second_checkin_on_the_same_day_and_people_without_manager(
    org: TestOrg,
) -> None:
    f.checkin(org.employee)
    with pytest.raises(ValidationError, match="already has a check-in due"):
        f.checkin(org.employee)
    with pytest.raises(ValidationError, match="no manager"):
        f.checkin(org.ceo, by=org.head)


def test_preparation_keeps_the_progress_shown_then(org: TestOrg, card: Scorecard) -> None:
    kpi, task = card.goals.order_by("sort_order")
    goals_progress_set(values={kpi.pk: Decimal("62.5")})
    kpi.refresh_from_db()
    checkin = f.checkin(org.employee)

    services.checkin_prepare(
        actor=f.actor_of(org.employee),
        checkin=checkin,
        notes=[(kpi, "新客户开发偏慢"), (task, "")],
        improvement_plan="每周复盘重点客户",
    )
    goals_progress_set(values={kpi.pk: Decimal(80)})
    kpi.refresh_from_db()
    services.checkin_prepare(
        actor=f.actor_of(org.employee),
        checkin=checkin,
        notes=[(kpi, "已追上进度")],
        improvement_plan="每周复盘重点客户",
    )

    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.PREPARED
    assert checkin.prepared_at is not None
    note = CheckInGoalNote.objects.get(checkin=checkin, goal=kpi)
    assert (note.comment, note.progress) == ("已追上进度", Decimal(80))
    assert CheckInGoalNote.objects.filter(checkin=checkin).count() == 2
    assert len(_audits(checkin, "submit")) == 2


def test_preparation_refuses_someone_elses_goal(org: TestOrg, period: Period) -> None:
    other = goal_factories.agreed_scorecard(org.peer, period, f.actor_of(org.manager))
    checkin = f.checkin(org.employee)
    with pytest.raises(ValidationError, match="not a goal of this person"):
        services.checkin_prepare(
            actor=f.actor_of(org.employee),
            checkin=checkin,
            notes=[(other.goals.first(), "x")],  # type: ignore[list-item]
            improvement_plan="",
        )
    assert not CheckInGoalNote.objects.exists()


def test_manager_part_hold_close_and_the_state_machine(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    boss = f.actor_of(org.manager)

    services.checkin_manager_update(
        actor=boss,
        checkin=checkin,
        data_comment="完成率60%，低于进度",
        observation="沟通积极",
        minutes="约定下周拜访重点客户",
        scheduled_at=None,
    )
    with pytest.raises(ValidationError, match="held can be closed"):
        services.checkin_close(actor=boss, checkin=checkin)
    services.checkin_hold(actor=boss, checkin=checkin)
    services.checkin_close(actor=boss, checkin=checkin)

    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.CLOSED
    assert checkin.minutes == "约定下周拜访重点客户"
    assert checkin.held_at is not None
    assert checkin.closed_at is not None
    with pytest.raises(ValidationError, match="no longer change"):
        services.checkin_manager_update(
            actor=boss,
            checkin=checkin,
            data_comment="",
            observation="",
            minutes="",
            scheduled_at=None,
        )
    assert [e.action for e in reversed(_audits(checkin))] == [
        "create",
        "update",
        "update",
        "close",
    ]


def test_cancel_needs_a_reason_and_a_future_meeting_cannot_be_held(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    boss = f.actor_of(org.manager)
    with pytest.raises(ValidationError):
        services.checkin_cancel(actor=boss, checkin=checkin, reason=" ")
    with pytest.raises(ValidationError, match="before it happens"):
        services.checkin_hold(
            actor=boss, checkin=checkin, held_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        )
    services.checkin_cancel(actor=boss, checkin=checkin, reason="出差")
    checkin.refresh_from_db()
    assert (checkin.status, checkin.cancel_reason) == (CheckInStatus.CANCELLED, "出差")


def test_action_items_are_followed_until_done(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    item = services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=checkin,
        title="整理重点客户清单",
        owner=org.employee,
        due_date=dt.date(2026, 4, 7),
    )
    services.action_item_complete(actor=f.actor_of(org.employee), item=item, note="已完成")

    item.refresh_from_db()
    assert (item.status, item.note) == (ActionStatus.DONE, "已完成")
    assert item.done_at is not None
    with pytest.raises(ValidationError, match="done already"):
        services.action_item_drop(actor=f.actor_of(org.manager), item=item, note="x")
    with pytest.raises(ValidationError, match="Say what"):
        services.action_item_add(
            actor=f.actor_of(org.manager),
            checkin=checkin,
            title=" ",
            owner=org.employee,
            due_date=dt.date(2026, 4, 7),
        )
    assert [e.action for e in reversed(_audits(item))] == ["create", "close"]


# --- obstacles -----------------------------------------------------------------------------


def test_obstacle_category_must_match_its_kind(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    with pytest.raises(ValidationError) as error:
        f.obstacle(checkin, kind="external", category="skills")
    assert "“Skills gap” is not an external cause." in str(error.value)
    obstacle = f.obstacle(checkin, kind="internal", category="efficiency")
    assert obstacle.get_category_display() == "Low execution efficiency"
    assert _audits(obstacle, "create")


def test_external_obstacle_to_a_goal_adjustment_in_the_goals_flow(
    org: TestOrg, card: Scorecard
) -> None:
    kpi = card.goals.order_by("sort_order")[0]
    checkin = f.checkin(org.employee)
    obstacle = f.obstacle(checkin, category="competitor", goal=kpi)

    adjustment = obstacle_services.obstacle_request_adjustment(
        actor=f.actor_of(org.employee),
        obstacle=obstacle,
        changes=[ChangeSpec.change(kpi, target=Decimal(450))],
        effective_from=dt.date(2026, 4, 1),
        reason="竞品降价15%",
    )

    obstacle.refresh_from_db()
    assert obstacle.adjustment == adjustment
    stored = GoalAdjustment.objects.get(pk=adjustment.pk)
    assert stored.scorecard == card
    assert (stored.reason_category, stored.reason_code) == ("external", "competitor")
    assert stored.status == AdjustmentStatus.PENDING_MANAGER
    assert stored.requested_by == org.employee.user
    assert stored.changes[0]["fields"]["target"] == ["500", "450"]
    assert _audits(obstacle, "update")[0].after["adjustment"]
    with pytest.raises(ValidationError, match="already"):
        obstacle_services.obstacle_request_adjustment(
            actor=f.actor_of(org.employee),
            obstacle=obstacle,
            changes=[ChangeSpec.change(kpi, target=Decimal(400))],
            effective_from=dt.date(2026, 4, 1),
        )


def test_adjustment_request_by_the_manager_skips_the_manager_step(
    org: TestOrg, card: Scorecard
) -> None:
    kpi = card.goals.order_by("sort_order")[0]
    obstacle = f.obstacle(f.checkin(org.employee), category="policy", goal=kpi)

    adjustment = obstacle_services.obstacle_request_adjustment(
        actor=f.actor_of(org.manager),
        obstacle=obstacle,
        changes=[ChangeSpec.change(kpi, target=Decimal(460))],
        effective_from=dt.date(2026, 4, 1),
    )

    assert adjustment.status == AdjustmentStatus.PENDING_HR
    assert adjustment.reason == obstacle.description


def test_a_bad_adjustment_changes_nothing(org: TestOrg, card: Scorecard) -> None:
    kpi = card.goals.order_by("sort_order")[0]
    obstacle = f.obstacle(f.checkin(org.employee), goal=kpi)
    internal = f.obstacle(obstacle.checkin, kind="internal", category="skills", goal=kpi)

    with pytest.raises(ValidationError):
        obstacle_services.obstacle_request_adjustment(
            actor=f.actor_of(org.employee),
            obstacle=obstacle,
            changes=[ChangeSpec.change(kpi, weight=Decimal(90))],  # weights no longer 100
            effective_from=dt.date(2026, 4, 1),
        )
    with pytest.raises(ValidationError, match="Only an external"):
        obstacle_services.obstacle_request_adjustment(
            actor=f.actor_of(org.employee),
            obstacle=internal,
            changes=[ChangeSpec.change(kpi, target=Decimal(450))],
            effective_from=dt.date(2026, 4, 1),
        )
    obstacle.refresh_from_db()
    assert obstacle.adjustment is None
    assert not GoalAdjustment.objects.exists()


def test_resource_request_moves_through_its_states_with_history(org: TestOrg) -> None:
    obstacle = f.obstacle(f.checkin(org.employee))
    request = f.resource_request(obstacle, org.rnd)
    head = f.actor_of(org.outsider)

    with pytest.raises(ValidationError, match="Say why"):
        obstacle_services.resource_request_answer(
            actor=head, request=request, status="declined", comment=""
        )
    obstacle_services.resource_request_answer(
        actor=head, request=request, status="accepted", comment="已安排"
    )
    obstacle_services.resource_request_comment(
        actor=f.actor_of(org.employee), request=request, body="谢谢"
    )
    obstacle_services.resource_request_answer(actor=head, request=request, status="done")
    with pytest.raises(ValidationError, match="cannot become"):
        obstacle_services.resource_request_answer(actor=head, request=request, status="accepted")

    request.refresh_from_db()
    assert request.status == ResourceStatus.DONE
    assert request.handled_by == org.outsider.user
    assert request.decided_at is not None
    assert request.done_at is not None
    history = list(ResourceRequestEntry.objects.filter(request=request).order_by("id"))
    assert [(h.status_from, h.status_to, h.body) for h in history] == [
        ("open", "accepted", "已安排"),
        ("", "", "谢谢"),
        ("accepted", "done", ""),
    ]
    assert [e.action for e in reversed(_audits(request))] == ["create", "approve", "close"]


def test_internal_obstacle_cannot_ask_for_resources(org: TestOrg) -> None:
    obstacle = f.obstacle(f.checkin(org.employee), kind="internal", category="skills")
    with pytest.raises(ValidationError, match="Only an external"):
        f.resource_request(obstacle, org.rnd)


# --- coaching plans ------------------------------------------------------------------------


def test_internal_obstacle_to_a_coaching_plan_with_milestones(org: TestOrg) -> None:
    obstacle = f.obstacle(f.checkin(org.employee), kind="internal", category="skills")

    plan = f.plan(org.employee, the_obstacle=obstacle)

    assert plan.obstacle == obstacle
    assert plan.coach == org.manager
    assert [a.kind for a in plan.actions.order_by("id")] == ["mentor", "course"]
    [milestone] = plan.milestones.all()
    assert milestone.title == "2周内掌握客户需求挖掘技巧"
    assert _audits(plan, "create")[0].after["milestones"] == [
        "2周内掌握客户需求挖掘技巧 (2026-04-14)"
    ]
    with pytest.raises(ValidationError, match="has a coaching plan already"):
        f.plan(org.employee, the_obstacle=obstacle)
    external = f.obstacle(obstacle.checkin)
    with pytest.raises(ValidationError, match="internal obstacle"):
        f.plan(org.employee, the_obstacle=external)


def test_plan_follow_up_until_closed(org: TestOrg) -> None:
    plan = f.plan(org.employee, coach=org.peer)
    milestone = plan.milestones.get()
    me = f.actor_of(org.employee)

    plan_services.milestone_tick(actor=me, milestone=milestone, done=True)
    plan_services.milestone_add(
        actor=f.actor_of(org.peer),
        plan=plan,
        title="独立完成一次方案",
        due_date=dt.date(2026, 5, 1),
    )
    plan_services.plan_note_add(actor=f.actor_of(org.peer), plan=plan, body="进展顺利")
    with pytest.raises(ValidationError, match="how the plan ended"):
        plan_services.plan_close(actor=f.actor_of(org.manager), plan=plan, outcome="")
    plan_services.plan_close(
        actor=f.actor_of(org.manager), plan=plan, outcome="achieved", note="已掌握"
    )

    plan.refresh_from_db()
    assert (plan.status, plan.outcome) == (PlanStatus.CLOSED, "achieved")
    assert Milestone.objects.get(pk=milestone.pk).done_at is not None
    assert plan.notes.count() == 1
    with pytest.raises(ValidationError, match="closed"):
        plan_services.plan_note_add(actor=me, plan=plan, body="x")


def test_nobody_coaches_themself(org: TestOrg) -> None:
    with pytest.raises(ValidationError, match="themself"):
        f.plan(org.employee, coach=org.employee)
