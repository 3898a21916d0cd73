"""Scorecard services: drafting goals, the completeness check, submit / approve / return,
the letter's fingerprint and signatures, the discussion, starting in bulk and copying a
scorecard forward. Each asserts the result, the database and the audit entry; bad input
gets its message and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    Comment,
    CommentKind,
    Goal,
    GoalKind,
    GoalStatus,
    GoalVersion,
    Period,
    PeriodStatus,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    Section,
    Signature,
    SignerRole,
    TemplateItem,
)
from pms.goals.services import periods as period_services
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org import services as org_services
from pms.org.models import Employee, EmployeeStatus
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def actor_of(person: Employee | User) -> Actor:
    """The actor for a persona (an Employee through their account, or a User)."""
    return Actor(user=person.user if isinstance(person, Employee) else person)


SYSTEM = Actor.system()


def _strategy(period: Period) -> Goal:
    """An approved company goal of the period (made directly: the cascade has its tests)."""
    return Goal.objects.create(
        period=period, level="company", title="营收增长20%", status=GoalStatus.APPROVED
    )


def _audit(instance: object, action: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
            action=action,
        )
    )


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return list(error.value.messages)


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


# --- scorecard_create / get_or_create ----------------------------------------------------


def test_a_scorecard_is_started_as_a_draft_with_the_persons_place(
    org: TestOrg, period: Period
) -> None:
    card = services.scorecard_create(
        actor=actor_of(org.manager), employee=org.employee, period=period
    )

    card.refresh_from_db()
    assert card.status == ScorecardStatus.DRAFT
    assert card.department == org.sales1
    assert card.position == org.employee.position
    [entry] = _audit(card, AuditAction.CREATE)
    assert entry.actor == org.manager.user
    assert entry.after["status"] == "draft"


def test_a_second_scorecard_for_the_same_period_is_refused(org: TestOrg, period: Period) -> None:
    factories.scorecard(org.employee, period)

    with pytest.raises(ValidationError) as error:
        services.scorecard_create(actor=SYSTEM, employee=org.employee, period=period)

    assert _messages(error) == ["陈员工 already has a scorecard for 2026年度."]
    assert Scorecard.objects.filter(employee=org.employee).count() == 1


def test_nobody_starts_a_scorecard_for_someone_who_left_or_in_a_closed_period(
    org: TestOrg, period: Period
) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.LEFT}
    )
    closed = factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    period_services.period_update(
        actor=SYSTEM, period=closed, changes={"status": PeriodStatus.CLOSED}
    )

    with pytest.raises(ValidationError) as left:
        services.scorecard_create(actor=SYSTEM, employee=org.peer, period=period)
    with pytest.raises(ValidationError) as shut:
        services.scorecard_create(actor=SYSTEM, employee=org.employee, period=closed)

    assert _messages(left) == ["刘同事 has left; no scorecard can be started."]
    assert _messages(shut) == ["The period 2025年度 is closed."]
    assert not Scorecard.objects.exists()


def test_get_or_create_returns_the_existing_scorecard(org: TestOrg, period: Period) -> None:
    first, created = services.scorecard_get_or_create(
        actor=SYSTEM, employee=org.employee, period=period
    )
    again, created_again = services.scorecard_get_or_create(
        actor=SYSTEM, employee=org.employee, period=period
    )

    assert (created, created_again) == (True, False)
    assert again == first
    assert len(_audit(first, AuditAction.CREATE)) == 1


# --- goals -------------------------------------------------------------------------------


def test_a_goal_from_the_library_takes_the_indicators_unit_metric_and_rule(
    org: TestOrg, period: Period
) -> None:
    card = factories.scorecard(org.employee, period)
    indicator = factories.indicator(
        "回款率", unit="%", scoring_rule={"type": "pass_fail", "threshold": "95"}
    )

    goal = services.goal_add(
        actor=actor_of(org.employee),
        scorecard=card,
        title="回款率达到95%",
        indicator=indicator,
        weight=Decimal(30),
        target=Decimal(95),
    )

    goal.refresh_from_db()
    assert (goal.metric, goal.unit, goal.section) == ("回款率", "%", Section.RESULTS)
    assert goal.scoring_rule["type"] == "pass_fail"
    assert goal.status == GoalStatus.DRAFT
    assert (goal.employee, goal.department, goal.period) == (org.employee, org.sales1, period)
    [entry] = _audit(goal, AuditAction.CREATE)
    assert entry.after["title"] == "回款率达到95%"
    assert entry.after["weight"] == "30"


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"title": "   "}, "title", "Write what the goal is."),
        (
            {"target": Decimal(10), "target_max": Decimal(5)},
            "target_max",
            "The upper target must not be below the target.",
        ),
        ({"kind": GoalKind.KEY_RESULT}, "parent", None),
        ({"scoring_rule": {"type": "linear", "floor": "50", "cap": "10"}}, "scoring_rule", None),
    ],
)
def test_a_goal_with_bad_terms_is_refused_and_nothing_is_saved(
    org: TestOrg, period: Period, terms: dict[str, object], field: str, message: str | None
) -> None:
    card = factories.scorecard(org.employee, period)
    values: dict[str, object] = {"title": "销售额达到500万元", **terms}

    with pytest.raises(ValidationError) as error:
        services.goal_add(actor=SYSTEM, scorecard=card, **values)  # type: ignore[arg-type]

    assert field in error.value.message_dict
    if message is not None:
        assert error.value.message_dict[field] == [message]
    assert not Goal.objects.exists()
    assert not AuditEntry.objects.filter(object_type="goals.goal").exists()


def test_a_switched_off_indicator_cannot_be_put_on_a_scorecard(
    org: TestOrg, period: Period
) -> None:
    card = factories.scorecard(org.employee, period)
    off = factories.indicator(enabled=False)

    with pytest.raises(ValidationError) as error:
        services.goal_add(actor=SYSTEM, scorecard=card, title="销售额", indicator=off)

    assert error.value.message_dict == {"indicator": ["This indicator is switched off."]}
    assert not card.goals.exists()


def test_a_goal_aligns_to_a_goal_of_the_same_period_only(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    other_period = factories.period(
        "2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
    )
    old_strategy = _strategy(other_period)
    strategy = _strategy(period)

    with pytest.raises(ValidationError) as error:
        factories.kpi(card, parent=old_strategy)
    aligned = factories.kpi(card, parent=strategy, contribution=Decimal(10))

    assert error.value.message_dict == {
        "parent": ["A goal can only be aligned to a goal of the same period."]
    }
    assert aligned.parent == strategy
    assert card.goals.count() == 1


def test_a_goal_cannot_align_to_the_persons_own_goal(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    first = factories.kpi(card)

    with pytest.raises(ValidationError) as error:
        factories.kpi(card, title="回款率", parent=first)

    assert "parent" in error.value.message_dict
    assert card.goals.count() == 1


def test_key_results_belong_to_an_objective_on_the_same_scorecard(
    org: TestOrg, period: Period
) -> None:
    card = factories.scorecard(org.employee, period)
    objective = services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title="提升用户体验",
        kind=GoalKind.OBJECTIVE,
        weight=Decimal(40),
    )

    key_result = services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title="NPS从30提升到45",
        kind=GoalKind.KEY_RESULT,
        parent=objective,
        weight=Decimal(100),
        metric="NPS",
        target=Decimal(45),
    )

    assert key_result.parent == objective
    assert key_result.section == Section.OKR


def test_a_goal_is_changed_with_the_change_in_its_history(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card)

    services.goal_update(
        actor=actor_of(org.manager),
        goal=goal,
        changes={"target": Decimal(600), "weight": Decimal(60)},
        reason="市场扩大",
    )

    goal.refresh_from_db()
    assert (goal.target, goal.weight) == (Decimal(600), Decimal(60))
    [entry] = _audit(goal, AuditAction.UPDATE)
    assert entry.before == {"target": "500", "weight": "50"}
    assert entry.after == {"target": "600", "weight": "60"}
    assert entry.reason == "市场扩大"


def test_changing_nothing_writes_no_history(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card)

    services.goal_update(actor=SYSTEM, goal=goal, changes={"title": "销售额达到500万元"})

    assert not _audit(goal, AuditAction.UPDATE)


def test_a_goal_from_a_template_is_marked_edited_by_hand(org: TestOrg, period: Period) -> None:
    # given a goal a template put on the scorecard
    template = ScorecardTemplate.objects.create(name="销售模板")
    item = TemplateItem.objects.create(template=template, title="销售额", weight=Decimal(60))
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card, title="销售额", template_item=item)

    # when a person changes it
    services.goal_update(actor=SYSTEM, goal=goal, changes={"target": Decimal(700)})

    # then it is kept as hand-edited, and the history names only the changed term
    goal.refresh_from_db()
    assert goal.customised is True
    [entry] = _audit(goal, AuditAction.UPDATE)
    assert set(entry.after) == {"target"}


def test_an_unknown_field_is_a_programming_error(org: TestOrg, period: Period) -> None:
    goal = factories.kpi(factories.scorecard(org.employee, period))

    with pytest.raises(ValueError, match="not changeable"):
        services.goal_update(actor=SYSTEM, goal=goal, changes={"status": "approved"})


def test_goals_of_an_agreed_scorecard_change_only_by_adjustment(
    org: TestOrg, period: Period
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))
    goal = card.goals.first()
    assert goal is not None

    with pytest.raises(ValidationError) as changed:
        services.goal_update(actor=SYSTEM, goal=goal, changes={"target": Decimal(1)})
    with pytest.raises(ValidationError) as added:
        factories.kpi(card, title="回款率")
    with pytest.raises(ValidationError) as removed:
        services.goal_remove(actor=SYSTEM, goal=goal)

    expected = ["This scorecard is agreed: its goals change only through an adjustment."]
    assert _messages(changed) == _messages(added) == _messages(removed) == expected
    goal.refresh_from_db()
    assert goal.target == Decimal(500)
    assert card.goals.count() == 2


def test_removing_an_objective_removes_its_key_results_with_history(
    org: TestOrg, period: Period
) -> None:
    card = factories.scorecard(org.employee, period)
    objective = services.goal_add(
        actor=SYSTEM, scorecard=card, title="提升用户体验", kind=GoalKind.OBJECTIVE
    )
    key_result = services.goal_add(
        actor=SYSTEM, scorecard=card, title="NPS达到45", kind=GoalKind.KEY_RESULT, parent=objective
    )
    objective_pk, key_result_pk = objective.pk, key_result.pk

    services.goal_remove(actor=actor_of(org.employee), goal=objective, reason="改为KPI")

    assert not card.goals.exists()
    deleted = AuditEntry.objects.filter(object_type="goals.goal", action=AuditAction.DELETE)
    assert {e.object_id for e in deleted} == {str(objective_pk), str(key_result_pk)}
    assert all(e.reason == "改为KPI" for e in deleted)


def test_a_goal_others_align_to_cannot_be_removed(org: TestOrg, period: Period) -> None:
    manager_card = factories.scorecard(org.manager, period)
    manager_goal = factories.kpi(manager_card, title="团队销售额达到2000万元")
    factories.kpi(factories.scorecard(org.employee, period), parent=manager_goal)

    with pytest.raises(ValidationError) as error:
        services.goal_remove(actor=SYSTEM, goal=manager_goal)

    assert _messages(error) == ["Other goals are aligned to this one; align them elsewhere first."]
    assert Goal.objects.filter(pk=manager_goal.pk).exists()


# --- completeness ------------------------------------------------------------------------


def test_an_empty_scorecard_has_no_goals_yet(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)

    assert services.scorecard_problems(card) == ["The scorecard has no goals yet."]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (("60", "30"), "The weights total 90%; they must total 100% (10% missing)."),
        (("60", "50"), "The weights total 110%; they must total 100% (10% too much)."),
    ],
)
def test_weights_must_total_100(
    org: TestOrg, period: Period, weights: tuple[str, str], message: str
) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight=weights[0])
    factories.task(card, weight=weights[1])

    assert services.scorecard_problems(card) == [message]


def test_every_missing_term_is_named(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    services.goal_add(actor=SYSTEM, scorecard=card, title="销售额", weight=Decimal(50))
    services.goal_add(
        actor=SYSTEM, scorecard=card, title="新品上线", kind=GoalKind.TASK, weight=Decimal(30)
    )
    services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title="库存周转",
        weight=Decimal(10),
        direction="range",
        target=Decimal(5),
    )
    services.goal_add(actor=SYSTEM, scorecard=card, title="团队建设", kind=GoalKind.OBJECTIVE)

    problems = services.scorecard_problems(card)

    assert problems == [
        "“团队建设” has no weight.",
        "“销售额” has no target.",
        "The key task “新品上线” has no due date.",
        "The key task “新品上线” has no completion standard.",
        "“库存周转” is a range goal without an upper target.",
        "The objective “团队建设” has no key results.",
    ]


def test_key_results_of_an_objective_must_total_100(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="60")
    objective = services.goal_add(
        actor=SYSTEM, scorecard=card, title="提升体验", kind=GoalKind.OBJECTIVE, weight=Decimal(40)
    )
    for title in ("NPS达到45", "投诉下降到10件"):
        services.goal_add(
            actor=SYSTEM,
            scorecard=card,
            title=title,
            kind=GoalKind.KEY_RESULT,
            parent=objective,
            weight=Decimal(40),
            metric=title,
            target=Decimal(1),
        )

    assert services.scorecard_problems(card) == [
        "The key results of “提升体验” weigh 80%; they must total 100%."
    ]


# --- submit / approve / return -----------------------------------------------------------


def test_submitting_a_complete_scorecard(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    services.scorecard_submit(actor=actor_of(org.employee), scorecard=card)

    card.refresh_from_db()
    assert card.status == ScorecardStatus.SUBMITTED
    assert card.submitted_at is not None
    assert set(card.goals.values_list("status", flat=True)) == {GoalStatus.SUBMITTED}
    [entry] = _audit(card, AuditAction.SUBMIT)
    assert entry.before == {"status": "draft"}
    assert entry.after == {"status": "submitted"}
    assert entry.actor == org.employee.user


def test_an_incomplete_scorecard_is_not_submitted(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="70")

    with pytest.raises(ValidationError) as error:
        services.scorecard_submit(actor=SYSTEM, scorecard=card)

    assert _messages(error) == ["The weights total 70%; they must total 100% (30% missing)."]
    card.refresh_from_db()
    assert card.status == ScorecardStatus.DRAFT
    assert not _audit(card, AuditAction.SUBMIT)


def test_a_submitted_scorecard_is_not_submitted_again(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=SYSTEM, scorecard=card)

    with pytest.raises(ValidationError) as error:
        services.scorecard_submit(actor=SYSTEM, scorecard=card)

    assert _messages(error) == ["Only a draft or returned scorecard can be submitted."]
    assert len(_audit(card, AuditAction.SUBMIT)) == 1


def test_approval_agrees_the_goals_and_writes_version_one(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=SYSTEM, scorecard=card)

    services.scorecard_approve(actor=actor_of(org.manager), scorecard=card, comment="同意")

    card.refresh_from_db()
    assert card.status == ScorecardStatus.APPROVED
    assert card.approved_by == org.manager.user
    goals = list(card.goals.all())
    assert {g.status for g in goals} == {GoalStatus.APPROVED}
    assert {g.approved_by for g in goals} == {org.manager.user}
    versions = GoalVersion.objects.filter(goal__in=goals)
    assert versions.count() == 2
    assert {v.number for v in versions} == {1}
    assert {v.valid_from for v in versions} == {period.start}
    kpi_version = versions.get(goal__kind=GoalKind.KPI)
    assert kpi_version.terms["target"] == "500.0000"
    assert kpi_version.terms["weight"] == "60.00"
    [entry] = _audit(card, AuditAction.APPROVE)
    assert entry.after["status"] == "approved"
    assert entry.reason == "同意"
    [comment] = Comment.objects.filter(scorecard=card)
    assert (comment.kind, comment.body) == (CommentKind.APPROVAL, "同意")


def test_a_manager_may_approve_a_draft_directly(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    services.scorecard_approve(actor=actor_of(org.manager), scorecard=card)

    card.refresh_from_db()
    assert card.status == ScorecardStatus.APPROVED
    assert not Comment.objects.exists()


def test_an_agreed_scorecard_is_not_approved_again(org: TestOrg, period: Period) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    with pytest.raises(ValidationError) as error:
        services.scorecard_approve(actor=actor_of(org.manager), scorecard=card)

    assert _messages(error) == ["Only a draft or submitted scorecard can be approved."]
    assert len(_audit(card, AuditAction.APPROVE)) == 1


def test_returning_needs_a_comment(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=SYSTEM, scorecard=card)

    with pytest.raises(ValidationError) as error:
        services.scorecard_return(actor=actor_of(org.manager), scorecard=card, comment="  ")

    assert error.value.message_dict == {"comment": ["Say what should change."]}
    card.refresh_from_db()
    assert card.status == ScorecardStatus.SUBMITTED
    assert not Comment.objects.exists()


def test_returning_sends_the_scorecard_back_with_the_comment(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=SYSTEM, scorecard=card)

    services.scorecard_return(actor=actor_of(org.manager), scorecard=card, comment="目标偏低")

    card.refresh_from_db()
    assert card.status == ScorecardStatus.RETURNED
    assert set(card.goals.values_list("status", flat=True)) == {GoalStatus.RETURNED}
    [entry] = _audit(card, AuditAction.RETURN)
    assert entry.reason == "目标偏低"
    [comment] = Comment.objects.filter(scorecard=card)
    assert (comment.kind, comment.author) == (CommentKind.RETURN, org.manager.user)


def test_only_a_submitted_scorecard_is_returned(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    with pytest.raises(ValidationError) as error:
        services.scorecard_return(actor=SYSTEM, scorecard=card, comment="再想想")

    assert _messages(error) == ["Only a submitted scorecard can be returned."]
    assert not _audit(card, AuditAction.RETURN)


def test_version_one_holds_the_terms_agreed_after_a_return(org: TestOrg, period: Period) -> None:
    # given a scorecard returned and its target raised
    card = factories.complete_scorecard(org.employee, period)
    services.scorecard_submit(actor=SYSTEM, scorecard=card)
    services.scorecard_return(actor=SYSTEM, scorecard=card, comment="目标偏低")
    goal = card.goals.get(kind=GoalKind.KPI)
    services.goal_update(actor=SYSTEM, goal=goal, changes={"target": Decimal(800)})

    # when it is submitted and approved
    services.scorecard_submit(actor=SYSTEM, scorecard=card)
    services.scorecard_approve(actor=SYSTEM, scorecard=card)

    # then version 1 holds the agreed target
    [version] = GoalVersion.objects.filter(goal=goal)
    assert Decimal(version.terms["target"]) == 800


# --- the letter --------------------------------------------------------------------------


def test_the_fingerprint_follows_the_terms(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    first = services.letter_fingerprint(card)

    same = services.letter_fingerprint(Scorecard.objects.get(pk=card.pk))
    goal = card.goals.get(kind=GoalKind.KPI)
    services.goal_update(actor=SYSTEM, goal=goal, changes={"target": Decimal(501)})
    changed = services.letter_fingerprint(card)

    assert len(first) == 64
    assert same == first
    assert changed != first


def test_the_fingerprint_changes_with_the_edition(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)
    first = services.letter_fingerprint(card)

    card.version = 2

    assert services.letter_fingerprint(card) != first


def test_the_letter_is_signed_when_both_sides_sign(org: TestOrg, period: Period) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))
    fingerprint = services.letter_fingerprint(card)

    mine = services.scorecard_sign(
        actor=actor_of(org.employee), scorecard=card, role=SignerRole.EMPLOYEE
    )
    card.refresh_from_db()
    status_after_one = card.status
    services.scorecard_sign(actor=actor_of(org.manager), scorecard=card, role=SignerRole.MANAGER)

    card.refresh_from_db()
    assert status_after_one == ScorecardStatus.APPROVED
    assert card.status == ScorecardStatus.SIGNED
    assert card.signed_at is not None
    assert (mine.signer_name, mine.version, mine.content_hash) == ("陈员工", 1, fingerprint)
    assert Signature.objects.filter(scorecard=card).count() == 2
    entries = _audit(card, AuditAction.SIGN)
    assert {e.after["role"] for e in entries} == {"employee", "manager"}
    assert {e.after["hash"] for e in entries} == {fingerprint}


def test_one_side_signs_once(org: TestOrg, period: Period) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))
    services.scorecard_sign(actor=actor_of(org.employee), scorecard=card, role=SignerRole.EMPLOYEE)

    with pytest.raises(ValidationError) as error:
        services.scorecard_sign(
            actor=actor_of(org.employee), scorecard=card, role=SignerRole.EMPLOYEE
        )

    assert _messages(error) == ["This letter is signed on that side already."]
    assert Signature.objects.filter(scorecard=card).count() == 1
    assert len(_audit(card, AuditAction.SIGN)) == 1


def test_only_an_approved_scorecard_is_signed(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    with pytest.raises(ValidationError) as error:
        services.scorecard_sign(
            actor=actor_of(org.employee), scorecard=card, role=SignerRole.EMPLOYEE
        )

    assert _messages(error) == ["Only an approved scorecard awaits signatures."]
    assert not Signature.objects.exists()


def test_a_signature_needs_a_person(org: TestOrg, period: Period) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    with pytest.raises(ValidationError) as error:
        services.scorecard_sign(actor=SYSTEM, scorecard=card, role=SignerRole.MANAGER)

    assert _messages(error) == ["A signature needs a person."]
    assert not Signature.objects.exists()


# --- discussion --------------------------------------------------------------------------


def test_a_comment_and_a_proposed_indicator(org: TestOrg, period: Period) -> None:
    card = factories.scorecard(org.employee, period)
    indicator = factories.indicator("新客户开发数量", unit="个")

    remark = services.scorecard_comment(
        actor=actor_of(org.manager), scorecard=card, body=" 目标再高一点？ "
    )
    proposal = services.scorecard_comment(
        actor=actor_of(org.employee), scorecard=card, body="建议加上新客户", indicator=indicator
    )

    assert (remark.kind, remark.body, remark.author) == (
        CommentKind.COMMENT,
        "目标再高一点？",
        org.manager.user,
    )
    assert (proposal.kind, proposal.indicator) == (CommentKind.PROPOSAL, indicator)


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("empty", "body", "Write something first."),
        ("other goal", "goal", "That goal is on another scorecard."),
        ("disabled", "indicator", "This indicator is switched off."),
    ],
)
def test_bad_comments_are_refused(
    org: TestOrg, period: Period, case: str, field: str, message: str
) -> None:
    card = factories.scorecard(org.employee, period)
    other_goal = factories.kpi(factories.scorecard(org.peer, period))
    kwargs: dict[str, object] = {"body": "好"}
    if case == "empty":
        kwargs["body"] = "  "
    elif case == "other goal":
        kwargs["goal"] = other_goal
    else:
        kwargs["indicator"] = factories.indicator(enabled=False)

    with pytest.raises(ValidationError) as error:
        services.scorecard_comment(actor=actor_of(org.employee), scorecard=card, **kwargs)  # type: ignore[arg-type]

    assert error.value.message_dict == {field: [message]}
    assert not Comment.objects.exists()


# --- starting in bulk --------------------------------------------------------------------


def test_starting_the_teams_scorecards_skips_who_has_one_or_left(
    org: TestOrg, period: Period
) -> None:
    existing = factories.scorecard(org.employee, period)
    org_services.employee_update(
        actor=SYSTEM, employee=org.other_manager, changes={"status": EmployeeStatus.LEFT}
    )
    team = [org.employee, org.peer, org.manager, org.other_manager]

    created = services.scorecards_start(actor=actor_of(org.head), employees=team, period=period)

    assert {c.employee for c in created} == {org.peer, org.manager}
    assert set(Scorecard.objects.values_list("employee", flat=True)) == {
        org.employee.pk,
        org.peer.pk,
        org.manager.pk,
    }
    assert Scorecard.objects.get(pk=existing.pk).status == ScorecardStatus.DRAFT
    entries = AuditEntry.objects.filter(object_type="goals.scorecard", action=AuditAction.CREATE)
    assert entries.filter(actor=org.head.user).count() == 2


def test_no_scorecards_are_started_in_a_closed_period(org: TestOrg, period: Period) -> None:
    period_services.period_update(
        actor=SYSTEM, period=period, changes={"status": PeriodStatus.CLOSED}
    )

    with pytest.raises(ValidationError) as error:
        services.scorecards_start(actor=SYSTEM, employees=[org.employee], period=period)

    assert _messages(error) == ["The period 2026年度 is closed."]
    assert not Scorecard.objects.exists()


# --- copy forward ------------------------------------------------------------------------


@pytest.fixture
def last_year() -> Period:
    return factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))


def test_copying_forward_keeps_terms_weights_and_okr_structure(
    org: TestOrg, period: Period, last_year: Period
) -> None:
    # given last year's scorecard with a KPI from the library, a task and an OKR
    source = factories.scorecard(org.employee, last_year)
    indicator = factories.indicator("销售额")
    old_strategy = _strategy(last_year)
    factories.kpi(source, weight="50", indicator=indicator, parent=old_strategy)
    factories.task(source, weight="20", due_date=dt.date(2025, 9, 30))
    objective = services.goal_add(
        actor=SYSTEM,
        scorecard=source,
        title="提升体验",
        kind=GoalKind.OBJECTIVE,
        weight=Decimal(30),
    )
    services.goal_add(
        actor=SYSTEM,
        scorecard=source,
        title="NPS达到45",
        kind=GoalKind.KEY_RESULT,
        parent=objective,
        weight=Decimal(100),
        metric="NPS",
        target=Decimal(45),
    )

    # when it is copied into this year
    card = services.scorecard_copy_forward(
        actor=actor_of(org.employee), employee=org.employee, source=source, period=period
    )

    # then the new draft has the same goals, the due date moved a year, the alignment dropped
    assert (card.period, card.status) == (period, ScorecardStatus.DRAFT)
    goals = {g.title: g for g in card.goals.all()}
    assert set(goals) == {"销售额达到500万元", "Q3前完成X产品V2.0上线", "提升体验", "NPS达到45"}
    assert goals["销售额达到500万元"].indicator == indicator
    assert goals["销售额达到500万元"].weight == Decimal(50)
    assert goals["销售额达到500万元"].parent is None
    assert goals["Q3前完成X产品V2.0上线"].due_date == dt.date(2026, 9, 30)
    assert goals["Q3前完成X产品V2.0上线"].scoring_rule["type"] == "pass_fail"
    assert goals["NPS达到45"].parent == goals["提升体验"]
    assert {g.period for g in goals.values()} == {period}
    assert services.scorecard_problems(card) == []
    assert len(_audit(card, AuditAction.CREATE)) == 1
    assert source.goals.count() == 4


def test_copying_forward_keeps_links_to_goals_of_the_new_period(
    org: TestOrg, period: Period, last_year: Period
) -> None:
    strategy = _strategy(period)
    source = factories.scorecard(org.employee, last_year)
    # an odd but possible link: last year's goal pointing at this year's strategy
    Goal.objects.create(
        period=last_year,
        level="individual",
        title="销售额",
        employee=org.employee,
        scorecard=source,
        parent=strategy,
        weight=Decimal(100),
    )

    card = services.scorecard_copy_forward(
        actor=SYSTEM, employee=org.employee, source=source, period=period
    )

    assert card.goals.get().parent == strategy


def test_copying_forward_drops_a_switched_off_indicator_but_keeps_the_terms(
    org: TestOrg, period: Period, last_year: Period
) -> None:
    source = factories.scorecard(org.employee, last_year)
    indicator = factories.indicator("旧指标")
    factories.kpi(source, weight="100", indicator=indicator)
    type(indicator).objects.filter(pk=indicator.pk).update(enabled=False)

    card = services.scorecard_copy_forward(
        actor=SYSTEM, employee=org.employee, source=source, period=period
    )

    goal = card.goals.get()
    assert goal.indicator is None
    assert (goal.target, goal.unit) == (Decimal(500), "万元")


@pytest.mark.parametrize("case", ["exists", "same period", "someone else"])
def test_copying_forward_is_refused_with_a_reason(
    org: TestOrg, period: Period, last_year: Period, case: str
) -> None:
    source = factories.complete_scorecard(org.employee, last_year)
    employee, target = org.employee, period
    expected = ""
    if case == "exists":
        factories.scorecard(org.employee, period)
        expected = "陈员工 already has a scorecard for 2026年度."
    elif case == "same period":
        target = last_year
        expected = "Choose another period to copy the scorecard to."
    else:
        employee = org.peer
        expected = "The scorecard to copy belongs to someone else."
    before = Scorecard.objects.count()

    with pytest.raises(ValidationError) as error:
        services.scorecard_copy_forward(
            actor=SYSTEM, employee=employee, source=source, period=target
        )

    assert _messages(error) == [expected]
    assert Scorecard.objects.count() == before


def test_a_copied_scorecard_keeps_its_template_so_reapplying_adds_no_twins(
    org: TestOrg, period: Period, last_year: Period
) -> None:
    # given last year's scorecard made from a template, one goal changed by hand
    template = factories.scorecard_template("销售模板")
    factories.apply_template(template, last_year, department=org.sales1)
    source = Scorecard.objects.get(employee=org.employee, period=last_year)
    changed = source.goals.get(title="回款率")
    services.goal_update(actor=SYSTEM, goal=changed, changes={"target": Decimal(90)})

    # when it is copied forward and the template is applied to the new period
    card = services.scorecard_copy_forward(
        actor=SYSTEM, employee=org.employee, source=source, period=period
    )
    run = factories.apply_template(template, period, department=org.sales1)

    # then the copy keeps the template's links and the hand-made change, with no twins
    card.refresh_from_db()
    assert card.template == template
    titles = sorted(card.goals.values_list("title", flat=True))
    assert titles == ["回款率", "销售额"]
    assert card.goals.get(title="回款率").target == Decimal(90)
    assert card.goals.get(title="回款率").customised
    assert run.status == "done"
