"""Plans in the browser.

Improvement plan (PIP): the manager finds the report whose published grade is C among the
results that call for a plan, prepares the plan with goals and support, starts it; the
person signs it as read; the manager records the first checkpoint.

Development plan (IDP): the person writes their plan and an action and submits it for the
manager's agreement (the manager is told); the manager agrees it from the team's list and
it is under way."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from pms.comms.models import Notification
from pms.core.models import AuditAction
from pms.org.tests.factories import TestOrg, user_of
from pms.outcomes import events
from pms.outcomes.models import (
    ActionKind,
    CheckpointVerdict,
    DevelopmentPlan,
    IdpStatus,
    ImprovementPlan,
    PerformanceResult,
    PipStatus,
    PipTrigger,
)
from pms.outcomes.tests.plan_factories import audit_of, published_result

pytestmark = pytest.mark.browser

GAP = "连续两个季度销售额未达目标的70%，新客户拜访量为部门最低"
GOAL_1 = ("月度回款率达到90%", "财务系统回款报表")
GOAL_2 = ("每周拜访新客户不少于5家", "CRM拜访记录")
TRAINING = "参加《顾问式销售》内训，3月10日"
COACHING = "主管每周一对一辅导"
FINDINGS = "回款率已到85%，拜访量达标，继续跟进两家重点客户"

IDP_TITLE = "成长为区域销售经理"
ASPIRATION = "两年内带领一个五人销售小组"
IDP_GOAL = "完成谈判技巧课程并在两个项目中实践"


def _menu(page: Page, group: str, item: str) -> None:
    navigation = page.get_by_role("navigation", name="Main")
    navigation.locator("details.navgroup > summary", has_text=group).click()
    navigation.get_by_role("link", name=item, exact=True).click()


def _status(page: Page) -> Locator:
    """The plan's status badge beside its heading."""
    return page.get_by_role("heading", level=1).locator("span")


def _section(page: Page, section_id: str) -> Locator:
    return page.locator(f"section#{section_id}")


@pytest.fixture
def c_result(browser_org: TestOrg) -> PerformanceResult:
    """陈员工's published result of grade C."""
    return published_result(browser_org.employee, "C")


def test_manager_starts_an_improvement_plan_the_person_signs_a_checkpoint_is_recorded(
    live_server: Any,
    browser_org: TestOrg,
    c_result: PerformanceResult,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    today = timezone.localdate()
    manager = new_page()
    manager.on("dialog", lambda dialog: dialog.accept())
    sign_in(manager, browser_org.manager.number)
    _menu(manager, "Results", "Team improvement plans")
    manager.get_by_role("link", name="Results that call for a plan").click()
    row = manager.locator("main table tbody tr").filter(has_text="陈员工")
    expect(row.locator("td").nth(3)).to_have_text("C")
    row.get_by_role("link", name="Prepare a plan").click()

    expect(manager.get_by_role("heading", level=1)).to_contain_text("陈员工")
    reason = manager.get_by_label("The gap to close")
    expect(reason).to_have_value(f"Grade C in {c_result.cycle.name}.")
    reason.fill(GAP)
    manager.get_by_label(re.compile(r"^Goal 1\W*$")).fill(GOAL_1[0])
    manager.get_by_label("How goal 1 is measured").fill(GOAL_1[1])
    manager.get_by_label(re.compile(r"^Goal 2\W*$")).fill(GOAL_2[0])
    manager.get_by_label("How goal 2 is measured").fill(GOAL_2[1])
    manager.get_by_label("Training").fill(TRAINING)
    manager.get_by_label("Coaching").fill(COACHING)
    manager.get_by_role("button", name="Prepare the plan").click()

    expect(manager.locator(".messages")).to_contain_text("The plan is prepared.")
    expect(_status(manager)).to_have_text("Being prepared")
    goals = _section(manager, "goals").locator("ol > li")
    expect(goals).to_have_count(2)
    expect(goals.nth(0)).to_contain_text(GOAL_1[0])
    expect(goals.nth(1)).to_contain_text(GOAL_2[1])
    checkpoints = _section(manager, "checkpoints").locator("tbody tr")
    expect(checkpoints).to_have_count(3)
    expect(checkpoints.nth(0).locator("td").nth(1)).to_have_text(
        (today + dt.timedelta(days=30)).isoformat()
    )
    plan = ImprovementPlan.objects.get(employee=browser_org.employee)
    assert plan.status == PipStatus.DRAFT
    assert (plan.trigger, plan.result_id, plan.owner_id) == (
        PipTrigger.GRADE,
        c_result.pk,
        browser_org.manager.pk,
    )
    assert (plan.reason, plan.training, plan.coaching) == (GAP, TRAINING, COACHING)
    assert [(g.title, g.measure) for g in plan.goals.order_by("pk")] == [GOAL_1, GOAL_2]
    assert (plan.start, plan.end) == (today, today + dt.timedelta(days=90))
    assert [c.due_on - today for c in plan.checkpoints.order_by("due_on")] == [
        dt.timedelta(days=days) for days in (30, 60, 90)
    ]

    manager.get_by_role("button", name="Start the plan").click()
    expect(manager.locator(".messages")).to_contain_text("The plan has started")
    expect(_status(manager)).to_have_text("Under way")
    plan.refresh_from_db()
    assert plan.status == PipStatus.ACTIVE
    assert plan.started_at is not None
    assert Notification.objects.filter(
        recipient=browser_org.employee.user, event=events.PIP_STARTED
    ).exists()

    # the person finds the plan under My plans and signs it as read
    person = new_page()
    sign_in(person, browser_org.employee.number)
    _menu(person, "Results", "My plans")
    improvement = _section(person, "improvement").locator("tbody tr")
    expect(improvement).to_have_count(1)
    expect(improvement).to_contain_text("Under way")
    improvement.get_by_role("link").click()
    expect(_section(person, "goals")).to_contain_text(GOAL_1[0])
    expect(person.locator("main")).to_contain_text(TRAINING)
    expect(person.get_by_role("button", name="Start the plan")).to_have_count(0)
    expect(person.locator("details").filter(has_text="Record")).to_have_count(0)
    person.get_by_role("button", name="Sign as read").click()
    expect(person.locator(".messages")).to_contain_text("You signed that you have read the plan.")
    expect(_section(person, "signature")).to_contain_text("Signed as read on")
    expect(person.get_by_role("button", name="Sign as read")).to_have_count(0)
    plan.refresh_from_db()
    assert plan.employee_signed_at is not None

    # the manager records the first checkpoint
    manager.reload()
    expect(_section(manager, "signature")).to_contain_text("Signed as read on")
    first = _section(manager, "checkpoints").locator("tbody tr").first
    first.locator("summary", has_text="Record").click()
    form = first.locator("form")
    expect(form.locator("input[name='held_on']")).to_have_value(today.isoformat())
    form.get_by_label("On track").check()
    form.get_by_label("What was found").fill(FINDINGS)
    form.get_by_role("button", name="Save").click()

    expect(manager.locator(".messages")).to_contain_text("The checkpoint is recorded.")
    first = _section(manager, "checkpoints").locator("tbody tr").first
    expect(first.locator("td").nth(2)).to_have_text(today.isoformat())
    expect(first.locator("td").nth(3)).to_have_text("On track")
    expect(first.locator("td").nth(4)).to_contain_text(FINDINGS)
    expect(first.locator("td").nth(5)).to_have_text(user_of(browser_org.manager).display_name)
    checkpoint = plan.checkpoints.order_by("due_on")[0]
    assert (checkpoint.held_on, checkpoint.verdict, checkpoint.notes) == (
        today,
        CheckpointVerdict.ON_TRACK,
        FINDINGS,
    )
    assert checkpoint.recorded_by == browser_org.manager.user
    # the plan's dated record: prepared, started and the checkpoint by the manager, signed
    # by the person
    history = audit_of(plan)
    manager_id, person_id = browser_org.manager.user_id, browser_org.employee.user_id
    assert (history[0].action, history[0].actor_id) == (AuditAction.CREATE, manager_id)
    assert [(e.action, e.actor_id) for e in history[-3:]] == [
        (AuditAction.UPDATE, manager_id),
        (AuditAction.SIGN, person_id),
        (AuditAction.UPDATE, manager_id),
    ]
    started, recorded = history[-3].after, history[-1].after
    assert started is not None
    assert started["status"] == PipStatus.ACTIVE
    assert recorded is not None
    assert f"checkpoint {checkpoint.day}" in recorded


def test_person_writes_a_development_plan_and_the_manager_agrees_it(
    live_server: Any,
    browser_org: TestOrg,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    due = timezone.localdate() + dt.timedelta(days=60)
    person = new_page()
    sign_in(person, browser_org.employee.number)
    _menu(person, "Results", "My plans")
    _section(person, "development").get_by_role("link", name="New development plan").click()
    person.get_by_label("Title").fill(IDP_TITLE)
    person.get_by_label("Career aspiration").fill(ASPIRATION)
    person.get_by_role("button", name="Start the plan").click()

    expect(person.locator(".messages")).to_contain_text("Your development plan is started.")
    expect(person.get_by_role("heading", level=1)).to_contain_text(IDP_TITLE)
    expect(_status(person)).to_have_text("Being prepared")
    person.locator("#actions summary", has_text="Add an action").click()
    adding = person.locator("#actions form").last
    adding.get_by_label("Kind").select_option(ActionKind.COURSE)
    adding.get_by_label("Development goal").fill(IDP_GOAL)
    adding.get_by_label(re.compile(r"^Competency\W*$")).fill("谈判能力")
    adding.get_by_label("Due on").fill(due.isoformat())
    adding.get_by_role("button", name="Add").click()

    expect(person.locator(".messages")).to_contain_text("The action is added.")
    action_row = _section(person, "actions").locator("tbody tr")
    expect(action_row).to_have_count(1)
    expect(action_row).to_contain_text(IDP_GOAL)
    expect(action_row).to_contain_text(due.isoformat())
    expect(person.get_by_role("button", name="Agree", exact=True)).to_have_count(
        0
    )  # not the person's
    plan = DevelopmentPlan.objects.get(employee=browser_org.employee)
    assert (plan.title, plan.aspiration, plan.status) == (IDP_TITLE, ASPIRATION, IdpStatus.DRAFT)
    assert plan.manager_agreed_at is None

    # the person submits it: it waits for the manager, who is told, and no longer changes
    person.get_by_role("button", name="Submit for agreement").click()
    expect(person.locator(".messages")).to_contain_text("The plan is submitted")
    expect(_status(person)).to_have_text("Waiting for agreement")
    expect(person.locator("#actions summary", has_text="Add an action")).to_have_count(0)
    expect(person.get_by_role("button", name="Submit for agreement")).to_have_count(0)
    plan.refresh_from_db()
    assert (plan.status, plan.submitted_at is not None) == (IdpStatus.SUBMITTED, True)
    assert Notification.objects.filter(
        recipient=browser_org.manager.user, event=events.IDP_SUBMITTED
    ).exists()
    [action] = plan.actions.all()
    assert (action.kind, action.goal, action.competency, action.due_on) == (
        ActionKind.COURSE,
        IDP_GOAL,
        "谈判能力",
        due,
    )

    # the manager sees it waiting for agreement and agrees it
    manager = new_page()
    sign_in(manager, browser_org.manager.number)
    _menu(manager, "Results", "Team development plans")
    waiting = manager.locator("main table tbody tr").filter(has_text="陈员工")
    expect(waiting).to_contain_text("Waiting for agreement")
    waiting.get_by_role("link", name=IDP_TITLE).click()
    expect(manager.locator("#actions")).to_contain_text(IDP_GOAL)
    expect(manager.locator("#actions summary", has_text="Add an action")).to_have_count(0)
    manager.get_by_role("button", name="Agree", exact=True).click()

    expect(manager.locator(".messages")).to_contain_text("You agreed the plan")
    expect(_status(manager)).to_have_text("Under way")
    expect(manager.locator("dl.props")).to_contain_text(user_of(browser_org.manager).display_name)
    expect(manager.get_by_role("button", name="Agree", exact=True)).to_have_count(0)
    plan.refresh_from_db()
    assert plan.status == IdpStatus.ACTIVE
    assert plan.manager_agreed_at is not None
    assert plan.agreed_by == browser_org.manager.user
    assert Notification.objects.filter(
        recipient=browser_org.employee.user, event=events.IDP_AGREED
    ).exists()

    # the person now records progress on the action
    person.reload()
    expect(_status(person)).to_have_text("Under way")
    expect(person.locator("#actions summary", has_text="Update")).to_be_visible()
