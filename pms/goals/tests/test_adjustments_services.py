"""Goal adjustment services: request, the approval chain, versions, withdrawal, comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    AdjustmentDecision,
    AdjustmentStatus,
    Comment,
    Goal,
    GoalAdjustment,
    GoalKind,
    GoalVersion,
    Period,
    Scorecard,
    ScorecardStatus,
    SignerRole,
)
from pms.goals.services import adjustments as services
from pms.goals.services import scorecards as scorecard_services
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg

MAY = dt.date(2026, 5, 1)


@pytest.fixture
def period(db: None) -> Period:
    return f.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return f.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


def _goals(card: Scorecard) -> tuple[Goal, Goal]:
    kpi, task = card.goals.order_by("sort_order")
    return kpi, task


def _audit(instance: object, action: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
            action=action,
        )
    )


def _decide(
    who: object, adjustment: GoalAdjustment, decision: str = "approve", comment: str = ""
) -> GoalAdjustment:
    return services.adjustment_decide(
        actor=f.actor_of(who), adjustment=adjustment, decision=decision, comment=comment
    )


# --- request -----------------------------------------------------------------------------


def test_employee_requests_a_target_change_within_the_limit(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    assert adjustment.status == AdjustmentStatus.PENDING_MANAGER
    assert adjustment.requested_by == org.employee.user
    assert adjustment.changes == [
        {
            "op": "change",
            "goal": str(kpi.uuid),
            "title": "销售额达到500万元",
            "fields": {"target": ["500", "450"]},
            "change": "10",
            "beyond_limit": False,
        }
    ]
    assert adjustment.largest_change == Decimal(10)
    assert not adjustment.needs_committee
    assert not adjustment.decisions.exists()
    kpi.refresh_from_db()
    assert kpi.target == Decimal(500)  # nothing applied before the approval
    [entry] = _audit(adjustment, AuditAction.CREATE)
    assert entry.after is not None
    assert entry.after["reason_code"] == "market"
    assert entry.reason == "竞品降价，市场需求下滑"


def test_a_manager_asking_for_the_person_approves_the_manager_step_by_asking(
    org: TestOrg, card: Scorecard
) -> None:
    kpi, _task = _goals(card)

    adjustment = f.adjustment(card, f.actor_of(org.manager), ChangeSpec.change(kpi, target="480"))

    assert adjustment.status == AdjustmentStatus.PENDING_HR
    [decision] = adjustment.decisions.all()
    assert (decision.step, decision.decision, decision.decided_by) == (
        "manager",
        "approve",
        org.manager.user,
    )


def test_hr_asking_is_not_the_manager_step(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    adjustment = f.adjustment(card, f.actor_of(org.hrbp), ChangeSpec.change(kpi, target="480"))

    assert adjustment.status == AdjustmentStatus.PENDING_MANAGER
    assert not adjustment.decisions.exists()


def test_weight_move_beyond_the_limit_needs_the_committee(org: TestOrg, card: Scorecard) -> None:
    kpi, task = _goals(card)

    adjustment = f.adjustment(
        card,
        f.actor_of(org.employee),
        ChangeSpec.change(kpi, weight="40"),
        ChangeSpec.change(task, weight="60"),
    )

    assert adjustment.needs_committee
    assert adjustment.largest_change == Decimal(20)
    assert [c["beyond_limit"] for c in adjustment.changes] == [True, True]


def test_target_ratio_exactly_at_the_limit_stays_within(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="575"))

    assert adjustment.largest_change == Decimal(15)
    assert not adjustment.needs_committee


def test_the_limit_is_the_periods(org: TestOrg) -> None:
    strict = f.period("2026年度-严格", adjustment_limit=Decimal(5))
    card = f.agreed_scorecard(org.employee, strict, f.actor_of(org.manager))
    kpi, _task = _goals(card)

    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    assert adjustment.needs_committee


def test_removing_a_light_goal_and_adding_one_stay_within_the_limit(
    org: TestOrg, period: Period
) -> None:
    card = f.scorecard(org.employee, period)
    f.kpi(card, weight="50")
    f.kpi(card, title="回款率达到95%", weight="40", target=Decimal(95), unit="%")
    light = f.task(card, title="完成客户回访", weight="10")
    scorecard_services.scorecard_approve(actor=f.actor_of(org.manager), scorecard=card)

    adjustment = f.adjustment(
        card,
        f.actor_of(org.employee),
        ChangeSpec.remove(light),
        ChangeSpec.add(
            title="新客户开发数量达到20家", kind="kpi", weight="10", target="20", unit="家"
        ),
    )

    assert not adjustment.needs_committee
    assert adjustment.largest_change == Decimal(10)
    ops = [(c["op"], c["title"]) for c in adjustment.changes]
    assert ops == [("remove", "完成客户回访"), ("add", "新客户开发数量达到20家")]
    assert adjustment.changes[0]["fields"] == {"is_active": [True, False]}
    assert adjustment.changes[1]["fields"]["weight"] == [None, "10"]
    assert adjustment.changes[1]["goal"] is None


def test_removing_a_heavy_goal_needs_the_committee(org: TestOrg, card: Scorecard) -> None:
    kpi, task = _goals(card)

    adjustment = f.adjustment(
        card,
        f.actor_of(org.employee),
        ChangeSpec.remove(task),
        ChangeSpec.change(kpi, weight="100"),
    )

    assert adjustment.needs_committee
    assert adjustment.largest_change == Decimal(40)


def test_changes_within_a_quarter_add_up(org: TestOrg, card: Scorecard) -> None:
    # given a first 10 % cut approved from April
    kpi, _task = _goals(card)
    first = f.adjustment(
        card,
        f.actor_of(org.manager),
        ChangeSpec.change(kpi, target="450"),
        effective_from=dt.date(2026, 4, 1),
    )
    _decide(org.hrbp, first)
    kpi.refresh_from_db()

    # when another 10 % cut is asked in the same quarter
    second = f.adjustment(
        card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="405"), effective_from=MAY
    )

    # then it is measured from the quarter's start: 500 → 405 is 19 %
    assert second.largest_change == Decimal(19)
    assert second.needs_committee


def test_a_new_quarter_starts_afresh(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    first = f.adjustment(
        card,
        f.actor_of(org.manager),
        ChangeSpec.change(kpi, target="450"),
        effective_from=dt.date(2026, 4, 1),
    )
    _decide(org.hrbp, first)
    kpi.refresh_from_db()

    second = f.adjustment(
        card,
        f.actor_of(org.employee),
        ChangeSpec.change(kpi, target="405"),
        effective_from=dt.date(2026, 7, 1),
    )

    assert second.largest_change == Decimal(10)
    assert not second.needs_committee


# --- refused requests: the message, and nothing written ----------------------------------


def _refused(
    card: Scorecard, requester: Actor, *changes: ChangeSpec, **kwargs: object
) -> ValidationError:
    before = (
        GoalAdjustment.objects.count(),
        AuditEntry.objects.count(),
        GoalVersion.objects.count(),
    )
    with pytest.raises(ValidationError) as caught:
        f.adjustment(card, requester, *changes, **kwargs)  # type: ignore[arg-type]
    assert (
        GoalAdjustment.objects.count(),
        AuditEntry.objects.count(),
        GoalVersion.objects.count(),
    ) == before
    return caught.value


def test_weights_must_still_total_100(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    error = _refused(card, f.actor_of(org.employee), ChangeSpec.change(kpi, weight="70"))

    assert error.messages == [
        "After this adjustment the weights would total 110%; they must total 100%. "
        "Change other weights by 10 points to make up for it."
    ]


def test_reason_must_be_given_and_match_its_category(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    error = _refused(
        card,
        f.actor_of(org.employee),
        ChangeSpec.change(kpi, target="450"),
        reason_category="internal",
        reason_code="market",
        reason="  ",
    )

    assert error.message_dict == {
        "reason_code": ["“Market change” is not an internal cause."],
        "reason": ["Explain why the goal must change."],
    }


def test_effective_date_inside_the_period_and_after_the_version_in_force(
    org: TestOrg, card: Scorecard
) -> None:
    kpi, _task = _goals(card)
    employee = f.actor_of(org.employee)

    outside = _refused(
        card, employee, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2027, 1, 1)
    )
    at_start = _refused(
        card, employee, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2026, 1, 1)
    )

    assert outside.message_dict == {
        "effective_from": [
            "The change must take effect within the period (2026-01-01 – 2026-12-31)."
        ]
    }
    assert at_start.message_dict == {
        "effective_from": [
            "“销售额达到500万元” has terms in force from 2026-01-01; a change can take effect "
            "from the day after at the earliest."
        ]
    }


def test_nothing_to_change_is_refused(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)

    error = _refused(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="500.00"))

    assert error.messages == ["Nothing would change: give a goal new terms, remove one or add one."]


def test_a_goal_in_an_open_adjustment_cannot_be_in_a_second(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    error = _refused(card, f.actor_of(org.manager), ChangeSpec.change(kpi, target="480"))

    assert error.messages == [
        "“销售额达到500万元” is already in an open adjustment; wait for its decision or "
        "withdraw it first."
    ]


def test_bad_values_are_reported_per_goal(org: TestOrg, card: Scorecard) -> None:
    kpi, task = _goals(card)

    error = _refused(
        card,
        f.actor_of(org.employee),
        ChangeSpec.change(kpi, target="lots"),
        ChangeSpec.change(task, due_date="soon"),
    )

    assert error.messages == [
        "“销售额达到500万元”, target: “lots” value must be a decimal number.",
        "“Q3前完成X产品V2.0上线”, due date: “soon” value has an invalid date format. It must be in "
        "YYYY-MM-DD format.",
    ]


def test_no_adjustment_in_a_closed_period(org: TestOrg, period: Period, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    Period.objects.filter(pk=period.pk).update(status="closed")
    card.period.refresh_from_db()

    error = _refused(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    assert error.messages == ["The period 2026年度 is closed."]


def test_only_an_agreed_scorecard_is_adjusted(org: TestOrg, period: Period) -> None:
    card = f.complete_scorecard(org.employee, period)
    kpi, _task = _goals(card)

    error = _refused(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    assert error.messages == ["Only an agreed scorecard is adjusted; a draft is changed directly."]


# --- the approval chain ------------------------------------------------------------------


def test_manager_then_hr_approve_and_the_change_applies_from_its_date(
    org: TestOrg, card: Scorecard
) -> None:
    # given a signed letter
    scorecard_services.scorecard_sign(
        actor=f.actor_of(org.employee), scorecard=card, role=SignerRole.EMPLOYEE
    )
    scorecard_services.scorecard_sign(
        actor=f.actor_of(org.manager), scorecard=card, role=SignerRole.MANAGER
    )
    card.refresh_from_db()
    assert card.status == ScorecardStatus.SIGNED
    kpi, task = _goals(card)
    adjustment = f.adjustment(
        card,
        f.actor_of(org.employee),
        ChangeSpec.change(kpi, target="450", weight="50"),
        ChangeSpec.change(task, weight="50", due_date="2026-10-31"),
    )

    # when the manager and then HR approve
    adjustment = _decide(org.manager, adjustment, comment="同意")
    assert adjustment.status == AdjustmentStatus.PENDING_HR
    adjustment = _decide(org.hrbp, adjustment)

    # then the goals carry the new terms, each with a new version from 1 May
    assert adjustment.status == AdjustmentStatus.APPROVED
    assert adjustment.decided_at is not None
    kpi.refresh_from_db()
    task.refresh_from_db()
    assert (kpi.target, kpi.weight, kpi.version) == (Decimal(450), Decimal(50), 2)
    assert (task.due_date, task.weight, task.version) == (dt.date(2026, 10, 31), Decimal(50), 2)
    v1, v2 = GoalVersion.objects.filter(goal=kpi).order_by("number")
    assert (v1.valid_from, v1.valid_to, v1.terms["target"]) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 30),
        "500.0000",
    )
    assert (v2.valid_from, v2.valid_to, v2.adjustment) == (MAY, None, adjustment)
    assert Decimal(v2.terms["target"]) == 450
    # and the letter is a new edition awaiting both signatures; the old one stays signed
    card.refresh_from_db()
    assert (card.status, card.version, card.signed_at) == (ScorecardStatus.APPROVED, 2, None)
    assert card.signatures.filter(version=1).count() == 2
    assert card.approved_by == org.manager.user  # the manager still signs as manager
    # and everything is audited with the reason
    [goal_entry] = _audit(kpi, AuditAction.UPDATE)
    assert goal_entry.before == {"weight": "60.00", "target": "500.0000"}
    assert goal_entry.after == {"weight": "50", "target": "450"}
    assert goal_entry.reason == "Market change: 竞品降价，市场需求下滑"
    assert [
        e.after for e in sorted(_audit(adjustment, AuditAction.APPROVE), key=lambda e: e.pk)
    ] == [
        {"status": "hr"},
        {"status": "approved"},
    ]
    card_entry = AuditEntry.objects.filter(
        object_type="goals.scorecard", object_id=str(card.pk)
    ).latest("at")
    assert card_entry.after == {"status": "approved", "version": 2, "signed_at": None}


def test_approval_removes_and_adds_goals(org: TestOrg, period: Period) -> None:
    card = f.scorecard(org.employee, period)
    f.kpi(card, weight="90")
    light = f.task(card, title="完成客户回访", weight="10")
    scorecard_services.scorecard_approve(actor=f.actor_of(org.manager), scorecard=card)
    adjustment = f.adjustment(
        card,
        f.actor_of(org.manager),
        ChangeSpec.remove(light),
        ChangeSpec.add(title="新客户开发数量达到20家", weight="10", target="20", unit="家"),
    )

    adjustment = _decide(org.hr_admin, adjustment)

    light.refresh_from_db()
    assert not light.is_active
    assert light.versions.get(number=2).terms["is_active"] is False
    new = card.goals.get(title="新客户开发数量达到20家")
    assert (new.kind, new.status, new.weight, new.target) == ("kpi", "approved", 10, 20)
    [version] = new.versions.all()
    assert (version.number, version.valid_from, version.adjustment) == (1, MAY, adjustment)
    assert adjustment.changes[1]["goal"] == str(new.uuid)
    assert _audit(new, AuditAction.CREATE)


def test_beyond_the_limit_the_committee_decides_last(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    adjustment = f.adjustment(card, f.actor_of(org.manager), ChangeSpec.change(kpi, target="300"))

    adjustment = _decide(org.hrbp, adjustment)
    assert adjustment.status == AdjustmentStatus.PENDING_COMMITTEE
    kpi.refresh_from_db()
    assert kpi.target == 500

    adjustment = _decide(org.committee, adjustment)
    assert adjustment.status == AdjustmentStatus.APPROVED
    kpi.refresh_from_db()
    assert kpi.target == 300
    assert [d.step for d in adjustment.decisions.all()] == ["manager", "hr", "committee"]


def test_a_rejection_ends_it_and_needs_a_reason(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    with pytest.raises(ValidationError) as caught:
        _decide(org.manager, adjustment, "reject")
    assert caught.value.message_dict == {"comment": ["Say why the adjustment is rejected."]}
    assert not adjustment.decisions.exists()

    adjustment = _decide(org.manager, adjustment, "reject", "市场变化不足以调整目标")

    assert adjustment.status == AdjustmentStatus.REJECTED
    [decision] = adjustment.decisions.all()
    assert decision.comment == "市场变化不足以调整目标"
    kpi.refresh_from_db()
    assert kpi.target == 500
    assert not GoalVersion.objects.filter(adjustment=adjustment).exists()
    [entry] = _audit(adjustment, AuditAction.REJECT)
    assert entry.reason == "市场变化不足以调整目标"
    with pytest.raises(ValidationError):
        _decide(org.hrbp, adjustment)


def test_nobody_decides_two_steps(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    # the company-wide HR admin manages nobody here, so ask as the manager and let HR approve
    adjustment = f.adjustment(card, f.actor_of(org.manager), ChangeSpec.change(kpi, target="300"))
    adjustment = _decide(org.hr_admin, adjustment)

    with pytest.raises(ValidationError) as caught:
        _decide(org.manager, adjustment)

    assert "another person decides this one" in caught.value.messages[0]
    assert adjustment.decisions.count() == 2


def test_withdrawal_by_the_requester(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    services.adjustment_withdraw(actor=f.actor_of(org.employee), adjustment=adjustment)

    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.WITHDRAWN
    assert _audit(adjustment, AuditAction.WITHDRAW)
    # the goal is free for a new request
    again = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="460"))
    assert again.status == AdjustmentStatus.PENDING_MANAGER
    with pytest.raises(ValidationError):
        services.adjustment_withdraw(actor=f.actor_of(org.employee), adjustment=adjustment)


def test_comment(org: TestOrg, card: Scorecard) -> None:
    kpi, _task = _goals(card)
    adjustment = f.adjustment(card, f.actor_of(org.employee), ChangeSpec.change(kpi, target="450"))

    comment = services.adjustment_comment(
        actor=f.actor_of(org.manager), adjustment=adjustment, body=" 请附上市场数据 "
    )

    assert Comment.objects.get(adjustment=adjustment) == comment
    assert comment.body == "请附上市场数据"
    with pytest.raises(ValidationError):
        services.adjustment_comment(actor=f.actor_of(org.manager), adjustment=adjustment, body=" ")


def test_objective_removal_takes_its_key_results(org: TestOrg, period: Period) -> None:
    card = f.scorecard(org.employee, period)
    f.kpi(card, weight="80")
    objective = scorecard_services.goal_add(
        actor=f.SYSTEM,
        scorecard=card,
        title="提升客户体验",
        kind=GoalKind.OBJECTIVE,
        weight=Decimal(20),
    )
    kr = scorecard_services.goal_add(
        actor=f.SYSTEM,
        scorecard=card,
        title="满意度达到90分",
        kind=GoalKind.KEY_RESULT,
        parent=objective,
        weight=Decimal(100),
        target=Decimal(90),
    )
    scorecard_services.scorecard_approve(actor=f.actor_of(org.manager), scorecard=card)
    kpi = card.goals.get(kind="kpi")

    adjustment = f.adjustment(
        card,
        f.actor_of(org.manager),
        ChangeSpec.remove(objective),
        ChangeSpec.change(kpi, weight="100"),
    )
    _decide(org.hrbp, adjustment)  # the objective weighed 20 > 15: the committee decides
    adjustment.refresh_from_db()
    _decide(org.committee, adjustment)

    kr.refresh_from_db()
    assert not kr.is_active
    assert [c["op"] for c in adjustment.changes] == ["remove", "change", "remove"]


# --- company and department goals --------------------------------------------------------


def test_plan_goal_adjustment_chain(org: TestOrg, period: Period) -> None:
    goal = f.agreed_plan_goal(period, org.sales1)

    adjustment = services.plan_adjustment_request(
        actor=f.actor_of(org.head),
        goal=goal,
        values={"target": "12"},
        reason_category="external",
        reason_code="policy",
        reason="行业政策收紧",
        effective_from=dt.date(2026, 7, 1),
    )
    assert adjustment.status == AdjustmentStatus.PENDING_MANAGER
    assert adjustment.needs_committee  # 15 → 12 is 20 %

    adjustment = _decide(org.ceo, adjustment)
    adjustment = _decide(org.hr_admin, adjustment)
    adjustment = _decide(org.committee, adjustment)

    goal.refresh_from_db()
    assert goal.target == 12
    assert [(v.number, v.valid_from) for v in goal.versions.all()] == [
        (1, dt.date(2026, 1, 1)),
        (2, dt.date(2026, 7, 1)),
    ]


def test_an_executive_asking_approves_the_first_plan_step(org: TestOrg, period: Period) -> None:
    goal = f.agreed_plan_goal(period)

    adjustment = services.plan_adjustment_request(
        actor=f.actor_of(org.ceo),
        goal=goal,
        values={"target": "18"},
        reason_category="internal",
        reason_code="strategy",
        reason="战略重点调整",
        effective_from=dt.date(2026, 7, 1),
    )

    assert adjustment.status == AdjustmentStatus.PENDING_HR
    assert AdjustmentDecision.objects.filter(adjustment=adjustment, step="manager").exists()
    assert not adjustment.needs_committee


def test_plan_goal_weights_cannot_be_changed(org: TestOrg, period: Period) -> None:
    goal = f.agreed_plan_goal(period)

    with pytest.raises(ValueError, match="weight"):
        services.plan_adjustment_request(
            actor=f.actor_of(org.ceo),
            goal=goal,
            values={"weight": "14"},
            reason_category="internal",
            reason_code="strategy",
            reason="x",
            effective_from=dt.date(2026, 7, 1),
        )
