"""Scorecard templates: keeping them (create, change, goals, order, checks) and applying
them to a group in bulk, with per-person edits kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals import access
from pms.goals.models import (
    Goal,
    GoalKind,
    PeriodStatus,
    RunStatus,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    TemplateItem,
    TemplateRun,
)
from pms.goals.services import periods as period_services
from pms.goals.services import scorecards as scorecard_services
from pms.goals.services import template_apply
from pms.goals.services import templates as services
from pms.goals.tests import factories as gf
from pms.org.models import Employee
from pms.org.roles import principal_for
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

SYSTEM = Actor.system()


def _entries(instance: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk)
        ).order_by("id")
    )


def _card(person: Employee, period: Any) -> Scorecard:
    return Scorecard.objects.get(employee=person, period=period)


def _goals(card: Scorecard) -> dict[str, Goal]:
    return {goal.title: goal for goal in card.goals.order_by("sort_order", "id")}


@pytest.fixture
def period(org: TestOrg) -> Any:
    return gf.period("2026年度")


@pytest.fixture
def sales_template(org: TestOrg) -> ScorecardTemplate:
    return gf.scorecard_template("销售岗位模板", items=(("销售额", "60"), ("回款率", "40")))


# --- keeping templates -------------------------------------------------------------------


def test_template_create_is_audited(org: TestOrg) -> None:
    family = of.role_family()

    template = services.template_create(
        actor=SYSTEM, name=" 销售模板 ", description="销售结果为主", role_family=family
    )

    template.refresh_from_db()
    assert (template.name, template.role_family, template.is_active) == ("销售模板", family, True)
    [entry] = _entries(template)
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["name"] == "销售模板"
    assert entry.after["role_family"] == "销售"


def test_template_name_must_be_unique(org: TestOrg) -> None:
    services.template_create(actor=SYSTEM, name="销售模板")

    with pytest.raises(ValidationError) as error:
        services.template_create(actor=SYSTEM, name="销售模板")

    assert error.value.message_dict == {"name": ["A template with this name exists already."]}
    assert ScorecardTemplate.objects.count() == 1


def test_template_for_a_position_takes_its_role_family(org: TestOrg) -> None:
    position = org.employee.position
    assert position is not None

    template = services.template_create(actor=SYSTEM, name="销售代表模板", position=position)

    assert template.role_family_id == position.role_family_id


def test_template_position_of_another_family_is_refused(org: TestOrg) -> None:
    position = org.employee.position
    other = of.role_family("rnd", "研发")

    with pytest.raises(ValidationError) as error:
        services.template_create(actor=SYSTEM, name="错配", position=position, role_family=other)

    assert error.value.message_dict == {
        "position": ["This position belongs to another role family."]
    }
    assert not ScorecardTemplate.objects.exists()


def test_template_update_records_only_what_changed(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="旧名")

    services.template_update(
        actor=SYSTEM,
        template=template,
        changes={"name": "新名", "description": ""},
        reason="统一命名",
    )
    services.template_update(actor=SYSTEM, template=template, changes={"name": "新名"})

    template.refresh_from_db()
    assert template.name == "新名"
    entries = _entries(template)
    assert len(entries) == 2
    assert (entries[1].before, entries[1].after, entries[1].reason) == (
        {"name": "旧名"},
        {"name": "新名"},
        "统一命名",
    )


def test_template_set_active(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="模板")

    services.template_set_active(actor=SYSTEM, template=template, is_active=False, reason="停用")

    template.refresh_from_db()
    assert template.is_active is False
    assert _entries(template)[-1].after == {"is_active": False}


# --- template goals ----------------------------------------------------------------------


def test_item_with_an_indicator_takes_its_defaults(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="模板")
    indicator = gf.indicator(
        "回款率",
        unit="%",
        direction="higher",
        scoring_rule={"type": "bands", "bands": [["100", "100"], ["90", "80"]]},
    )

    item = services.template_item_add(
        actor=SYSTEM,
        template=template,
        title="回款率不低于95%",
        weight=Decimal(30),
        indicator=indicator,
        target=Decimal(95),
    )

    item.refresh_from_db()
    assert (item.metric, item.unit, item.direction) == ("回款率", "%", "higher")
    assert item.scoring_rule["type"] == "bands"
    assert item.sort_order == 1
    assert item.section == "results"
    [entry] = _entries(item)
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None
    assert entry.after["indicator"] == "回款率"


def test_item_with_a_bad_rule_is_refused(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="模板")

    with pytest.raises(ValidationError) as error:
        services.template_item_add(
            actor=SYSTEM,
            template=template,
            title="销售额",
            weight=Decimal(50),
            scoring_rule={"type": "linear", "floor": "90", "cap": "10"},
        )

    assert list(error.value.message_dict) == ["scoring_rule"]
    assert not TemplateItem.objects.exists()


def test_item_of_an_okr_kind_is_refused(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="模板")

    with pytest.raises(ValidationError) as error:
        services.template_item_add(
            actor=SYSTEM,
            template=template,
            title="成为行业第一",
            weight=Decimal(50),
            kind=GoalKind.OBJECTIVE,
        )

    assert error.value.message_dict == {
        "kind": ["A template holds KPIs and key tasks; add OKRs on the scorecard."]
    }
    assert not TemplateItem.objects.exists()


def test_item_with_switched_off_indicator_is_refused(org: TestOrg) -> None:
    template = services.template_create(actor=SYSTEM, name="模板")

    with pytest.raises(ValidationError) as error:
        services.template_item_add(
            actor=SYSTEM,
            template=template,
            title="x",
            weight=Decimal(50),
            indicator=gf.indicator(enabled=False),
        )

    assert error.value.message_dict == {"indicator": ["This indicator is switched off."]}


def test_item_update_is_audited_and_checked(org: TestOrg, sales_template: Any) -> None:
    item = sales_template.items.get(title="销售额")

    services.template_item_update(
        actor=SYSTEM, item=item, changes={"target": Decimal(600)}, reason="上调"
    )
    with pytest.raises(ValidationError):
        services.template_item_update(actor=SYSTEM, item=item, changes={"target_max": Decimal(1)})

    item.refresh_from_db()
    assert item.target == Decimal(600)
    assert item.target_max is None
    entry = _entries(item)[-1]
    assert (entry.before, entry.after, entry.reason) == (
        {"target": "500.0000"},
        {"target": "600"},
        "上调",
    )


def test_items_reorder(org: TestOrg, sales_template: Any) -> None:
    first, second = sales_template.items.order_by("sort_order")

    services.template_items_reorder(
        actor=SYSTEM, template=sales_template, order=[second.uuid, first.uuid]
    )

    assert [i.title for i in sales_template.items.order_by("sort_order")] == ["回款率", "销售额"]
    assert _entries(sales_template)[-1].after == {"order": ["回款率", "销售额"]}
    with pytest.raises(ValidationError):
        services.template_items_reorder(actor=SYSTEM, template=sales_template, order=[first.uuid])


def test_item_move(org: TestOrg, sales_template: Any) -> None:
    second = sales_template.items.get(title="回款率")

    services.template_item_move(actor=SYSTEM, item=second, step=-1)
    services.template_item_move(actor=SYSTEM, item=second, step=-1)  # already first

    assert [i.title for i in sales_template.items.order_by("sort_order")] == ["回款率", "销售额"]


def test_template_problems_name_the_weight_gap(org: TestOrg) -> None:
    empty = services.template_create(actor=SYSTEM, name="空")
    short = gf.scorecard_template("缺", items=(("销售额", "60"), ("回款率", "30")))
    over = gf.scorecard_template("多", items=(("销售额", "60"), ("回款率", "50")))

    assert services.template_problems(empty) == ["The template has no goals yet."]
    assert services.template_problems(short) == [
        "The weights total 90%; they must total 100% (10% missing)."
    ]
    assert services.template_problems(over) == [
        "The weights total 110%; they must total 100% (10% too much)."
    ]


# --- applying: refusals ------------------------------------------------------------------


def _start(template: Any, period: Any, **group: Any) -> TemplateRun:
    return services.template_run_start(
        actor=SYSTEM,
        template=template,
        period=period,
        people_in_scope=Employee.objects.all(),
        **group,
    )


def test_run_needs_weights_totalling_100(org: TestOrg, period: Any) -> None:
    short = gf.scorecard_template("缺", items=(("销售额", "60"),))

    with pytest.raises(ValidationError) as error:
        _start(short, period, department=org.sales)

    assert error.value.messages == ["The weights total 60%; they must total 100% (40% missing)."]
    assert not TemplateRun.objects.exists()


def test_run_needs_a_group(org: TestOrg, period: Any, sales_template: Any) -> None:
    with pytest.raises(ValidationError) as error:
        _start(sales_template, period)

    assert error.value.messages == [
        "Choose whom to apply the template to: a department, a role family or a position."
    ]
    assert not TemplateRun.objects.exists()


def test_run_refuses_a_closed_period(org: TestOrg, period: Any, sales_template: Any) -> None:
    period_services.period_update(
        actor=SYSTEM, period=period, changes={"status": PeriodStatus.CLOSED}
    )

    with pytest.raises(ValidationError) as error:
        _start(sales_template, period, department=org.sales)

    assert error.value.messages == ["The period 2026年度 is closed."]
    assert not TemplateRun.objects.exists()


def test_run_refuses_a_template_out_of_use(org: TestOrg, period: Any, sales_template: Any) -> None:
    services.template_set_active(actor=SYSTEM, template=sales_template, is_active=False)

    with pytest.raises(ValidationError):
        _start(sales_template, period, department=org.sales)

    assert not TemplateRun.objects.exists()


def test_run_refuses_an_empty_group(org: TestOrg, period: Any, sales_template: Any) -> None:
    empty = of.department("空部门", parent=org.hq)

    with pytest.raises(ValidationError) as error:
        _start(sales_template, period, department=empty)

    assert error.value.messages == ["Nobody you may set goals for is in this group."]


def test_run_refuses_while_another_runs_for_the_period(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    _start(sales_template, period, department=org.sales)  # queued, not executed

    with pytest.raises(ValidationError) as error:
        _start(sales_template, period, department=org.rnd)

    assert "is being applied to 2026年度" in error.value.messages[0]
    assert TemplateRun.objects.count() == 1


def test_run_start_counts_the_group_and_is_audited(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    run = _start(sales_template, period, department=org.sales)

    # head, manager, employee, peer, other_manager
    assert (run.status, run.total, run.processed) == (RunStatus.QUEUED, 5, 0)
    [entry] = _entries(run)
    assert entry.after is not None
    assert (entry.after["department"], entry.after["total"]) == ("销售中心", 5)


# --- applying: first time ----------------------------------------------------------------


def test_apply_creates_scorecards_with_the_templates_goals(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    run = gf.apply_template(sales_template, period, department=org.sales)

    assert (run.status, run.total, run.processed) == (RunStatus.DONE, 5, 5)
    assert (run.created, run.updated, run.skipped) == (5, 0, 0)
    assert run.finished_at is not None
    people = {org.head, org.manager, org.employee, org.peer, org.other_manager}
    cards = Scorecard.objects.filter(period=period)
    assert {card.employee for card in cards} == people
    card = _card(org.employee, period)
    assert (card.status, card.template, card.department, card.position) == (
        ScorecardStatus.DRAFT,
        sales_template,
        org.sales1,
        org.employee.position,
    )
    goals = list(card.goals.order_by("sort_order"))
    assert [(g.title, g.weight) for g in goals] == [
        ("销售额", Decimal("60.00")),
        ("回款率", Decimal("40.00")),
    ]
    assert sum(g.weight for g in goals if g.weight is not None) == 100
    assert {g.template_item.template for g in goals if g.template_item} == {sales_template}
    assert all(g.employee == org.employee and g.period == period for g in goals)
    assert all(g.owner == org.employee and g.department == org.sales1 for g in goals)
    assert all(
        (g.status, g.level, g.is_active, g.version) == ("draft", "individual", True, 1)
        for g in goals
    )
    assert all(g.customised is False and g.created_at is not None for g in goals)
    assert len({g.uuid for g in Goal.objects.all()}) == Goal.objects.count() == 10
    assert scorecard_services.scorecard_problems(card) == []
    [entry] = _entries(card)
    assert (entry.action, entry.batch) == (AuditAction.CREATE, str(run.uuid))
    assert entry.after == {
        "status": "draft",
        "template": "销售岗位模板",
        "added": ["销售额 (60%)", "回款率 (40%)"],
    }
    assert not Scorecard.objects.filter(employee=org.outsider).exists()


def test_apply_gives_key_tasks_the_periods_end_as_due_date(org: TestOrg, period: Any) -> None:
    template = services.template_create(actor=SYSTEM, name="研发模板")
    services.template_item_add(
        actor=SYSTEM,
        template=template,
        title="版本按期上线",
        weight=Decimal(100),
        kind=GoalKind.TASK,
        completion_standard="3轮用户测试且Bug率≤0.3%",
        scoring_rule={"type": "pass_fail"},
    )

    gf.apply_template(template, period, department=org.rnd)

    [goal] = _card(org.outsider, period).goals.all()
    assert (goal.kind, goal.section, goal.due_date) == ("task", "tasks", period.end)
    assert scorecard_services.scorecard_problems(_card(org.outsider, period)) == []


def test_apply_to_a_role_family_or_a_position(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    position = org.employee.position
    assert position is not None

    run = gf.apply_template(sales_template, period, role_family=position.role_family)

    assert run.total == 2
    assert set(Scorecard.objects.values_list("employee", flat=True)) == {
        org.employee.pk,
        org.peer.pk,
    }


def test_apply_leaves_out_people_who_have_left(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    of.employee("离职者", dept=org.sales1, status="left")

    run = gf.apply_template(sales_template, period, department=org.sales1)

    assert run.total == 3


def test_hrbp_reaches_only_people_in_scope(org: TestOrg, period: Any, sales_template: Any) -> None:
    principal = principal_for(org.hrbp.user)
    in_scope = access.employees_in_scope_for_scorecards(principal)

    run = gf.apply_template(
        sales_template,
        period,
        department=org.hq,
        people_in_scope=in_scope,
        actor=Actor(user=org.hrbp.user),
    )

    reached = set(Scorecard.objects.values_list("employee__department__path", flat=True))
    assert run.total == 5
    assert all(path.startswith(org.sales.path) for path in reached)
    assert not Scorecard.objects.filter(employee__in=[org.outsider, org.ceo]).exists()
    entry = _entries(_card(org.employee, period))[0]
    assert entry.actor == org.hrbp.user


# --- applying again ----------------------------------------------------------------------


def test_second_run_changes_nothing(org: TestOrg, period: Any, sales_template: Any) -> None:
    gf.apply_template(sales_template, period, department=org.sales)
    goals_before = list(Goal.objects.order_by("pk").values())
    entries_before = AuditEntry.objects.count()

    run = gf.apply_template(sales_template, period, department=org.sales)

    assert (run.status, run.processed, run.created, run.updated, run.skipped) == (
        RunStatus.DONE,
        5,
        0,
        0,
        0,
    )
    assert list(Goal.objects.order_by("pk").values()) == goals_before
    assert AuditEntry.objects.count() == entries_before + 1  # the run's own start


def test_reapply_keeps_personal_edits_and_follows_the_template(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    # given a scorecard from the template, with one goal changed and one added by hand
    gf.apply_template(sales_template, period, department=org.sales1)
    card = _card(org.employee, period)
    goals = _goals(card)
    scorecard_services.goal_update(
        actor=SYSTEM, goal=goals["回款率"], changes={"target": Decimal(90)}
    )
    gf.kpi(card, title="新客户开发数量", weight="10", target=Decimal(5))
    # and the template then changes: a target, a new goal
    sales = sales_template.items.get(title="销售额")
    services.template_item_update(
        actor=SYSTEM, item=sales, changes={"target": Decimal(800), "weight": Decimal(50)}
    )
    services.template_item_add(
        actor=SYSTEM,
        template=sales_template,
        title="客户满意度",
        weight=Decimal(10),
        target=Decimal(90),
    )

    run = gf.apply_template(sales_template, period, department=org.sales1)

    assert (run.created, run.updated, run.skipped) == (0, 3, 0)
    goals = _goals(card)
    assert set(goals) == {"销售额", "回款率", "新客户开发数量", "客户满意度"}
    assert (goals["销售额"].target, goals["销售额"].weight) == (Decimal(800), Decimal(50))
    assert goals["销售额"].customised is False
    assert (goals["回款率"].target, goals["回款率"].customised) == (Decimal(90), True)
    assert goals["新客户开发数量"].template_item is None
    assert goals["客户满意度"].template_item is not None
    entry = _entries(card)[-1]
    assert (entry.action, entry.batch) == (AuditAction.UPDATE, str(run.uuid))
    assert entry.after == {
        "template": "销售岗位模板",
        "added": ["客户满意度 (10%)"],
        "updated": ["销售额 (50%)"],
        "removed": [],
    }


def test_removing_an_item_takes_its_untouched_goals_off_open_scorecards(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    gf.apply_template(sales_template, period, department=org.sales1)
    kept = _goals(_card(org.employee, period))["回款率"]
    scorecard_services.goal_update(actor=SYSTEM, goal=kept, changes={"target": Decimal(90)})
    agreed = gf.period("2025年度")
    gf.apply_template(sales_template, agreed, department=org.sales1)
    agreed_card = _card(org.peer, agreed)
    scorecard_services.scorecard_approve(actor=Actor(user=org.manager.user), scorecard=agreed_card)
    item = sales_template.items.get(title="回款率")

    removed = services.template_item_remove(actor=SYSTEM, item=item, reason="不再考核")

    # the drafts lose it (but the employee's, changed by hand); the agreed card keeps it
    assert removed == 4
    assert set(_goals(_card(org.peer, period))) == {"销售额"}
    assert set(_goals(_card(org.manager, period))) == {"销售额"}
    kept.refresh_from_db()
    assert (kept.template_item, kept.customised) == (None, True)
    assert set(_goals(agreed_card)) == {"销售额", "回款率"}
    entry = _entries(_card(org.peer, period))[-1]
    assert entry.after == {"template": "销售岗位模板", "removed": ["回款率"]}
    assert entry.reason == "不再考核"
    assert not TemplateItem.objects.filter(pk=item.pk).exists()
    # applying again after fixing the weights changes nothing for the peer
    services.template_item_update(
        actor=SYSTEM, item=sales_template.items.get(), changes={"weight": Decimal(100)}
    )
    run = gf.apply_template(sales_template, period, department=org.sales1)
    assert set(_goals(_card(org.peer, period))) == {"销售额"}
    assert _goals(_card(org.peer, period))["销售额"].weight == 100
    assert run.updated == 3


def test_reapply_skips_agreed_scorecards(org: TestOrg, period: Any, sales_template: Any) -> None:
    gf.apply_template(sales_template, period, department=org.sales1)
    card = _card(org.employee, period)
    scorecard_services.scorecard_approve(actor=Actor(user=org.manager.user), scorecard=card)
    services.template_item_update(
        actor=SYSTEM,
        item=sales_template.items.get(title="销售额"),
        changes={"target": Decimal(800)},
    )

    run = gf.apply_template(sales_template, period, department=org.sales1)

    assert (run.created, run.updated, run.skipped) == (0, 2, 1)
    assert _goals(card)["销售额"].target == 500
    assert _goals(_card(org.peer, period))["销售额"].target == 800


def test_reapply_reaches_submitted_scorecards(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    gf.apply_template(sales_template, period, department=org.sales1)
    card = _card(org.employee, period)
    scorecard_services.scorecard_submit(actor=SYSTEM, scorecard=card)
    services.template_item_add(
        actor=SYSTEM,
        template=sales_template,
        title="客户满意度",
        weight=Decimal(0),
        target=Decimal(90),
    )

    gf.apply_template(sales_template, period, department=org.sales1)

    added = _goals(card)["客户满意度"]
    assert added.status == "submitted"


def test_another_template_replaces_the_untouched_goals_of_the_first(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    gf.apply_template(sales_template, period, department=org.sales1)
    card = _card(org.employee, period)
    scorecard_services.goal_update(
        actor=SYSTEM, goal=_goals(card)["回款率"], changes={"target": Decimal(90)}
    )
    key_accounts = gf.scorecard_template("大客户模板", items=(("大客户销售额", "100"),))

    run = gf.apply_template(key_accounts, period, department=org.sales1)

    assert set(_goals(card)) == {"大客户销售额", "回款率"}
    card.refresh_from_db()
    assert card.template == key_accounts
    assert run.updated == 3
    entry = _entries(card)[-1]
    assert entry.before == {"template": "销售岗位模板"}
    assert entry.after is not None
    assert entry.after["removed"] == ["销售额 (60%)"]


def test_a_hand_made_scorecard_gets_the_template_added(
    org: TestOrg, period: Any, sales_template: Any
) -> None:
    card = gf.scorecard(org.employee, period)
    gf.kpi(card, title="自定目标", weight="20")

    run = gf.apply_template(sales_template, period, position=org.employee.position)

    assert (run.created, run.updated) == (1, 1)
    assert set(_goals(card)) == {"自定目标", "销售额", "回款率"}
    card.refresh_from_db()
    assert card.template == sales_template


# --- the background job ------------------------------------------------------------------


def test_run_is_queued_and_executed_on_commit(
    org: TestOrg, period: Any, sales_template: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.template_run_start(
            actor=Actor(user=org.hr_admin.user),
            template=sales_template,
            period=period,
            people_in_scope=Employee.objects.all(),
            department=org.sales,
        )

    assert len(callbacks) == 1
    run.refresh_from_db()
    assert (run.status, run.processed, run.created) == (RunStatus.DONE, 5, 5)


def test_run_now_does_not_queue(
    org: TestOrg, period: Any, sales_template: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        run = gf.apply_template(sales_template, period, department=org.sales1)

    assert callbacks == []
    assert run.status == RunStatus.DONE


def test_task_fails_the_run_when_its_starter_may_no_longer_apply(
    org: TestOrg, period: Any, sales_template: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pms.org.models import GrantedRole, RoleGrant
    from pms.org.services import role_revoke

    user = org.hr_admin.user
    assert user is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.template_run_start(
            actor=Actor(user=user),
            template=sales_template,
            period=period,
            people_in_scope=Employee.objects.all(),
            department=org.sales,
        )
    role_revoke(actor=SYSTEM, grant=RoleGrant.objects.get(user=user, role=GrantedRole.HR_ADMIN))

    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "The person who started this run may no longer apply templates."
    assert not Scorecard.objects.exists()


def test_progress_is_kept_per_batch_and_a_failure_is_reported(
    org: TestOrg, period: Any, sales_template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    real = template_apply.apply_batch
    seen: list[int] = []

    def flaky(app: Any, people: list[Employee], now: Any) -> None:
        seen.append(TemplateRun.objects.get().processed)
        real(app, people, now)
        if len(seen) == 2:  # written, then rolled back with its batch
            raise RuntimeError("disk full")

    monkeypatch.setattr(template_apply, "apply_batch", flaky)
    run = _start(sales_template, period, department=org.sales)

    run = services.template_run_execute(run_id=run.pk, people_in_scope=Employee.objects.all())

    assert seen == [0, 2]
    assert (run.status, run.total, run.processed, run.created) == (RunStatus.FAILED, 5, 2, 2)
    assert run.error == "Stopped after 2 of 5 people: disk full"
    assert run.finished_at is not None
    assert Scorecard.objects.count() == 2
    assert Goal.objects.count() == 4


def test_a_finished_run_is_not_run_again(org: TestOrg, period: Any, sales_template: Any) -> None:
    run = gf.apply_template(sales_template, period, department=org.sales1)
    Scorecard.objects.all().delete()

    again = services.template_run_execute(run_id=run.pk, people_in_scope=Employee.objects.all())

    assert again.status == RunStatus.DONE
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("again", [False, True])
def test_queries_do_not_grow_with_the_group(
    org: TestOrg, period: Any, sales_template: Any, again: bool
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    targets = iter(range(600, 700))

    def count(department: Any) -> int:
        if again:  # measure a re-application that changes every scorecard
            gf.apply_template(sales_template, period, department=department)
            services.template_item_update(
                actor=SYSTEM,
                item=sales_template.items.get(title="销售额"),
                changes={"target": Decimal(next(targets))},
            )
        run = _start(sales_template, period, department=department)
        with CaptureQueriesContext(connection) as queries:
            done = services.template_run_execute(
                run_id=run.pk, people_in_scope=Employee.objects.all()
            )
        assert done.status == RunStatus.DONE, done.error
        assert done.created + done.updated == done.total
        return len(queries)

    small = of.department("小组", parent=org.hq)
    big = of.department("大组", parent=org.hq)
    for _ in range(5):
        of.employee(dept=small)
    for _ in range(20):
        of.employee(dept=big)

    # 5 versus 20 people: only the insert statements SQLite splits at 999 values may grow
    assert count(big) <= count(small) + 4
