"""The strategy cascade's services: create, change, delete, submit, approve, return, comment.
Every write is checked in the response, the database and the audit log; bad input gives a
clear message and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    Comment,
    CommentKind,
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    GoalVersion,
    PeriodStatus,
)
from pms.goals.services import periods as period_services
from pms.goals.services import plan as services
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db


def _actor(person: object) -> Actor:
    return Actor(user=user_of(person))  # type: ignore[arg-type]


def _audit(goal: Goal) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="goals.goal", object_id=str(goal.pk)).order_by("id")
    )


def _message(error: pytest.ExceptionInfo[ValidationError], field: str | None = None) -> str:
    exc = error.value
    if field is None:
        return " ".join(exc.messages)
    return " ".join(exc.message_dict[field])


# --- create --------------------------------------------------------------------------------


def test_an_executive_drafts_a_strategic_goal(org: TestOrg) -> None:
    period = f.period()

    goal = services.company_goal_create(
        actor=_actor(org.ceo),
        period=period,
        title=" 营收增长20% ",
        kind=GoalKind.KPI,
        perspective="financial",
        owner=org.ceo,
        metric="营收增长率",
        unit="%",
        direction="higher",
        baseline=Decimal(0),
        target=Decimal(20),
        target_max=None,
        due_date=None,
        completion_standard="",
        description="三年战略第一年",
    )

    goal.refresh_from_db()
    assert goal.level == GoalLevel.COMPANY
    assert goal.title == "营收增长20%"
    assert goal.status == GoalStatus.DRAFT
    assert goal.owner == org.ceo
    assert goal.scoring_rule == {"type": "linear", "floor": "0", "cap": "120"}
    [entry] = _audit(goal)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == user_of(org.ceo)
    assert entry.after is not None
    assert entry.after["title"] == "营收增长20%"
    assert entry.after["target"] == "20"


def test_a_strategic_goal_needs_a_title_and_a_valid_rule(org: TestOrg) -> None:
    period = f.period()

    with pytest.raises(ValidationError) as no_title:
        f.company_goal(period, "  ")
    with pytest.raises(ValidationError) as bad_rule:
        f.company_goal(period, scoring_rule={"type": "linear", "floor": "50", "cap": "10"})

    assert "Write what the goal is." in _message(no_title, "title")
    assert "floor" in _message(bad_rule, "scoring_rule")
    assert not Goal.objects.exists()
    assert not AuditEntry.objects.filter(object_type="goals.goal").exists()


def test_no_goal_is_set_in_a_closed_period(org: TestOrg) -> None:
    period = f.period()
    period_services.period_update(
        actor=f.SYSTEM, period=period, changes={"status": PeriodStatus.CLOSED}
    )

    with pytest.raises(ValidationError) as error:
        f.company_goal(period)

    assert "is closed" in _message(error, "period")
    assert not Goal.objects.exists()


def test_a_department_goal_is_owned_by_the_head_and_aligned_with_its_contribution(
    org: TestOrg,
) -> None:
    period = f.period()
    strategy = f.company_goal(period, perspective="customer")

    goal = services.department_goal_create(
        actor=_actor(org.head),
        period=period,
        department=org.sales,
        title="主营业务A增长15%",
        parent=strategy,
        contribution=Decimal(60),
        metric="销售额增长率",
        unit="%",
        target=Decimal(15),
    )

    goal.refresh_from_db()
    assert goal.level == GoalLevel.DEPARTMENT
    assert goal.department == org.sales
    assert goal.owner == org.head
    assert goal.parent == strategy
    assert goal.contribution == Decimal(60)
    assert goal.perspective == "customer"  # taken from the strategy it carries
    [entry] = _audit(goal)
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["parent"] == "营收增长20%"
    assert entry.after["contribution"] == "60"


@pytest.mark.parametrize(
    ("case", "field", "text"),
    [
        ("other_period", "parent", "same period"),
        ("top_level_to_department", "parent", "top-level department"),
        ("sibling_department", "parent", "销售二部 is neither"),
        ("contribution_without_parent", "contribution", "needs a goal to contribute to"),
        ("too_much", "contribution", "would contribute 110 % together"),
    ],
)
def test_a_department_goal_aligns_only_upward_within_the_period_and_within_100_percent(
    org: TestOrg, case: str, field: str, text: str
) -> None:
    period = f.period()
    strategy = f.company_goal(period)
    sales_goal = f.department_goal(period, org.sales, parent=strategy, contribution="60")
    sales2_goal = f.department_goal(period, org.sales2, "二部目标", parent=sales_goal)
    hq_goal = f.department_goal(period, org.hq, "总部目标", parent=strategy)
    other_period_goal = f.company_goal(f.period(), "去年战略")
    before = Goal.objects.count()
    cases = {
        "other_period": {"department": org.sales, "parent": other_period_goal},
        "top_level_to_department": {"department": org.hq, "parent": hq_goal},
        "sibling_department": {"department": org.sales1, "parent": sales2_goal},
        "contribution_without_parent": {"department": org.rnd, "contribution": "10"},
        "too_much": {"department": org.rnd, "parent": strategy, "contribution": "50"},
    }

    with pytest.raises(ValidationError) as error:
        f.department_goal(period, **cases[case])  # type: ignore[arg-type]

    assert text in _message(error, field)
    assert Goal.objects.count() == before


def test_a_sub_department_goal_may_carry_a_goal_of_a_department_above(org: TestOrg) -> None:
    period = f.period()
    sales_goal = f.department_goal(period, org.sales, parent=f.company_goal(period))

    goal = f.department_goal(period, org.sales1, "一部目标", parent=sales_goal, contribution="40")

    assert goal.parent == sales_goal


def test_a_department_goal_cannot_align_to_a_persons_goal(org: TestOrg) -> None:
    period = f.period()
    card = f.scorecard(org.manager, period)
    personal = f.kpi(card)

    with pytest.raises(ValidationError) as error:
        f.department_goal(period, org.sales1, parent=personal)

    assert "aligns to a strategic goal or a department goal" in _message(error, "parent")


# --- change and delete ---------------------------------------------------------------------


def test_a_draft_changes_with_the_reason_in_the_history(org: TestOrg) -> None:
    period = f.period()
    goal = f.department_goal(period, org.sales, parent=f.company_goal(period), contribution="30")

    services.plan_goal_update(
        actor=_actor(org.head),
        goal=goal,
        changes={"target": Decimal(18), "contribution": Decimal(50)},
        reason="市场回暖",
    )

    goal.refresh_from_db()
    assert goal.target == Decimal(18)
    assert goal.contribution == Decimal(50)
    entry = _audit(goal)[-1]
    assert entry.action == AuditAction.UPDATE
    assert entry.before == {"target": "15", "contribution": "30"}
    assert entry.after == {"target": "18", "contribution": "50"}
    assert entry.reason == "市场回暖"


def test_an_approved_goal_changes_only_through_an_adjustment(org: TestOrg) -> None:
    period = f.period()
    goal = f.approved_plan_goal(f.company_goal(period), _actor(org.ceo))
    entries = len(_audit(goal))

    with pytest.raises(ValidationError) as error:
        services.plan_goal_update(actor=_actor(org.ceo), goal=goal, changes={"title": "改了"})

    assert "only through an adjustment request" in _message(error)
    goal.refresh_from_db()
    assert goal.title == "营收增长20%"
    assert len(_audit(goal)) == entries


def test_a_submitted_goal_waits_for_its_decision(org: TestOrg) -> None:
    goal = f.company_goal(f.period())
    services.plan_goal_submit(actor=f.SYSTEM, goal=goal)

    with pytest.raises(ValidationError) as error:
        services.plan_goal_update(actor=_actor(org.ceo), goal=goal, changes={"title": "改了"})

    assert "awaits a decision" in _message(error)


def test_goals_cannot_be_aligned_in_a_loop(org: TestOrg) -> None:
    period = f.period()
    first = f.department_goal(period, org.sales1, "一", parent=f.company_goal(period))
    second = f.department_goal(period, org.sales1, "二", parent=first)

    with pytest.raises(ValidationError) as error:
        services.plan_goal_update(actor=_actor(org.head), goal=first, changes={"parent": second})

    assert "a goal that is aligned to it" in _message(error, "parent")
    first.refresh_from_db()
    assert first.parent_id != second.pk


def test_a_draft_without_aligned_goals_is_deleted(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)
    pk = goal.pk

    services.plan_goal_delete(actor=_actor(org.head), goal=goal, reason="重复")

    assert not Goal.objects.filter(pk=pk).exists()
    [_created, deleted] = list(
        AuditEntry.objects.filter(object_type="goals.goal", object_id=str(pk)).order_by("id")
    )
    assert deleted.action == AuditAction.DELETE
    assert deleted.before is not None
    assert deleted.before["title"] == "主营业务A增长15%"
    assert deleted.reason == "重复"


def test_a_goal_others_align_to_or_that_is_approved_is_not_deleted(org: TestOrg) -> None:
    period = f.period()
    strategy = f.company_goal(period)
    f.department_goal(period, org.sales, parent=strategy)
    approved = f.approved_plan_goal(f.company_goal(period, "市场份额提升5%"), _actor(org.ceo))

    with pytest.raises(ValidationError) as has_children:
        services.plan_goal_delete(actor=_actor(org.ceo), goal=strategy)
    with pytest.raises(ValidationError) as is_approved:
        services.plan_goal_delete(actor=_actor(org.ceo), goal=approved)

    assert "align them elsewhere first" in _message(has_children)
    assert "through an adjustment request" in _message(is_approved)
    assert Goal.objects.filter(pk__in=[strategy.pk, approved.pk]).count() == 2


# --- submit --------------------------------------------------------------------------------


def test_submitting_sends_a_complete_goal_for_decision(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)

    services.plan_goal_submit(actor=_actor(org.head), goal=goal)

    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED
    assert goal.submitted_at is not None
    entry = _audit(goal)[-1]
    assert entry.action == AuditAction.SUBMIT
    assert entry.before == {"status": "draft"}
    assert entry.after == {"status": "submitted"}


def test_submitting_names_everything_a_goal_still_lacks(org: TestOrg) -> None:
    period = f.period()
    measured = f.department_goal(period, org.sales, "量化目标", target=None, unit="")
    task = f.department_goal(period, org.sales, "重点任务", kind=GoalKind.TASK)
    strategy = f.company_goal(period, perspective="")

    with pytest.raises(ValidationError) as measured_error:
        services.plan_goal_submit(actor=_actor(org.head), goal=measured)
    with pytest.raises(ValidationError) as task_error:
        services.plan_goal_submit(actor=_actor(org.head), goal=task)
    with pytest.raises(ValidationError) as strategy_error:
        services.plan_goal_submit(actor=_actor(org.ceo), goal=strategy)

    assert _message(measured_error, "target") == "A measured goal needs a target."
    assert _message(measured_error, "unit") == "A measured goal needs a unit."
    assert _message(task_error, "due_date") == "A key task needs a due date."
    assert "completion standard" in _message(task_error, "completion_standard")
    assert "perspective" in _message(strategy_error, "perspective")
    assert set(Goal.objects.values_list("status", flat=True)) == {GoalStatus.DRAFT}
    assert not AuditEntry.objects.filter(action=AuditAction.SUBMIT).exists()


def test_a_complete_key_task_is_submitted(org: TestOrg) -> None:
    goal = f.department_goal(
        f.period(),
        org.rnd,
        "Q3前完成X产品V2.0上线",
        kind=GoalKind.TASK,
        target=None,
        unit="",
        due_date=dt.date(2026, 9, 30),
        completion_standard="3轮用户测试且Bug率≤0.3%",
    )

    services.plan_goal_submit(actor=_actor(org.ceo), goal=goal)

    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED


# --- decide --------------------------------------------------------------------------------


def test_the_committee_approves_and_version_1_starts_with_the_period(org: TestOrg) -> None:
    period = f.period()
    goal = f.department_goal(period, org.sales, parent=f.company_goal(period), contribution="60")
    services.plan_goal_submit(actor=_actor(org.head), goal=goal)

    services.plan_goal_approve(actor=Actor(user=org.committee), goal=goal, comment="同意")

    goal.refresh_from_db()
    assert goal.status == GoalStatus.APPROVED
    assert goal.approved_by == org.committee
    assert goal.approved_at is not None
    [version] = GoalVersion.objects.filter(goal=goal)
    assert version.number == 1
    assert version.valid_from == period.start
    assert version.valid_to is None
    assert version.terms["target"] == "15.0000"
    assert version.terms["unit"] == "%"
    [comment] = Comment.objects.filter(goal=goal)
    assert comment.kind == CommentKind.APPROVAL
    assert comment.body == "同意"
    assert comment.author == org.committee
    entry = _audit(goal)[-1]
    assert entry.action == AuditAction.APPROVE
    assert entry.after == {"status": "approved"}
    assert entry.reason == "同意"


def test_only_a_submitted_goal_is_decided(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)

    with pytest.raises(ValidationError) as error:
        services.plan_goal_approve(actor=Actor(user=org.committee), goal=goal)

    assert "Only a submitted goal" in _message(error)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT
    assert not GoalVersion.objects.exists()
    assert not Comment.objects.exists()


def test_returning_needs_a_comment(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)
    services.plan_goal_submit(actor=_actor(org.head), goal=goal)

    with pytest.raises(ValidationError) as error:
        services.plan_goal_return(actor=Actor(user=org.committee), goal=goal, comment="  ")

    assert "Say what should change" in _message(error, "comment")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED
    assert not Comment.objects.exists()


def test_the_committee_returns_a_goal_with_what_should_change(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)
    services.plan_goal_submit(actor=_actor(org.head), goal=goal)

    services.plan_goal_return(
        actor=Actor(user=org.committee), goal=goal, comment="目标偏低，请提高到20%"
    )

    goal.refresh_from_db()
    assert goal.status == GoalStatus.RETURNED
    [comment] = Comment.objects.filter(goal=goal)
    assert comment.kind == CommentKind.RETURN
    assert comment.body == "目标偏低，请提高到20%"
    entry = _audit(goal)[-1]
    assert entry.action == AuditAction.RETURN
    assert entry.reason == "目标偏低，请提高到20%"
    # the authors change it and send it again
    services.plan_goal_update(actor=_actor(org.head), goal=goal, changes={"target": Decimal(20)})
    services.plan_goal_submit(actor=_actor(org.head), goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED


def test_a_comment_joins_the_discussion(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales)

    comment = services.plan_goal_comment(actor=_actor(org.hrbp), goal=goal, body=" 建议拆分 ")

    assert comment.body == "建议拆分"
    assert comment.kind == CommentKind.COMMENT
    assert comment.author == user_of(org.hrbp)
    entry = AuditEntry.objects.get(object_type="goals.comment", object_id=str(comment.pk))
    assert entry.action == AuditAction.CREATE
    with pytest.raises(ValidationError) as error:
        services.plan_goal_comment(actor=_actor(org.hrbp), goal=goal, body=" ")
    assert "Write a comment." in _message(error, "body")
    assert Comment.objects.count() == 1


def test_clearing_a_department_goals_owner_gives_it_back_to_the_head(org: TestOrg) -> None:
    goal = f.department_goal(f.period(), org.sales, owner=org.manager)

    services.plan_goal_update(actor=_actor(org.head), goal=goal, changes={"owner": None})

    goal.refresh_from_db()
    assert goal.owner == org.head
