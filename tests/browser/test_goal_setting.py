"""Setting goals in the browser: the employee drafts a scorecard with the SMART checker's
advice, submits it, the manager approves it from the inbox, and both sign the letter."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pms.core.audit import Actor
from pms.goals.models import PeriodKind, Scorecard, ScorecardStatus
from pms.goals.services.periods import period_create
from pms.org.tests.factories import TestOrg
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def period(browser_org: TestOrg) -> None:
    today = dt.date.today()
    period_create(
        actor=Actor.system(),
        name=f"{today.year}年度",
        kind=PeriodKind.YEAR,
        start=dt.date(today.year, 1, 1),
        end=dt.date(today.year, 12, 31),
    )


def _add_goal(page: Page, kind: str, fields: dict[str, str]) -> None:
    page.get_by_role("link", name=kind, exact=True).click()
    editor = page.locator("#goal-editor")
    expect(editor).to_be_visible()
    for name, value in fields.items():
        editor.locator(f"[name='goal-{name}']").fill(value)
    editor.get_by_role("button", name="Add goal").click()
    expect(page.locator("#goal-editor")).to_have_count(0)


def test_an_employee_sets_goals_and_both_sign(
    live_server: Any,
    browser_org: TestOrg,
    period: None,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    # the employee drafts on a phone
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, browser_org.employee.number)
    page.goto(f"{live_server.url}/goals/my/")
    page.get_by_role("button", name="Start my scorecard").click()
    expect(page.locator("main")).to_contain_text("The scorecard has no goals yet.")

    page.get_by_role("link", name="KPI", exact=True).click()
    title = page.locator("#goal-editor [name='goal-title']")
    title.fill("提高服务质量")
    # leaving the field sends a change event too, in case the editor's listeners were
    # still being attached when the text went in
    title.press("Tab")
    expect(page.locator("#smart-findings")).to_contain_text("without a number is vague")
    title.fill("销售额达到500万元")
    page.locator("#goal-editor [name='goal-metric']").fill("销售额")
    page.locator("#goal-editor [name='goal-unit']").fill("万元")
    page.locator("#goal-editor [name='goal-target']").fill("500")
    page.locator("#goal-editor [name='goal-weight']").fill("60")
    page.locator("#goal-editor").get_by_role("button", name="Add goal").click()
    expect(page.locator("#scorecard-goals")).to_contain_text("销售额达到500万元")
    expect(page.locator("#scorecard-goals")).to_contain_text("40% missing")

    _add_goal(
        page,
        "Key task",
        {
            "title": "Q3前完成X产品V2.0上线",
            "weight": "40",
            "due_date": f"{dt.date.today().year}-09-30",
            "completion_standard": "3轮用户测试且Bug率≤0.3%",
        },
    )
    expect(page.locator("#scorecard-goals")).to_contain_text("ready to submit")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the scorecard scrolls sideways by {overflow}px"
    page.get_by_role("button", name="Submit to the manager").click()
    expect(page.locator("main")).to_contain_text("Submitted")

    # the manager approves from the inbox
    manager = new_page()
    sign_in(manager, browser_org.manager.number)
    manager.goto(f"{live_server.url}/goals/inbox/")
    manager.get_by_role("link", name=re.compile("陈员工")).first.click()
    manager.get_by_role("button", name="Approve").click()
    expect(manager.locator("main")).to_contain_text("Not signed yet")
    manager.get_by_role("button", name="Sign as manager").click()
    expect(manager.get_by_role("button", name="Sign as manager")).to_have_count(0)

    # the employee signs and the scorecard is signed
    page.goto(f"{live_server.url}/goals/my/")
    page.get_by_role("link", name="Open the scorecard").click()
    page.get_by_role("button", name="Sign as employee").click()
    expect(page.locator("main")).to_contain_text("Signed")
    card = Scorecard.objects.get(employee=browser_org.employee)
    assert card.status == ScorecardStatus.SIGNED
    assert card.signatures.count() == 2
    letter = page.request.get(f"{live_server.url}/goals/scorecards/{card.uuid}/letter.pdf")
    assert letter.status == 200
    assert letter.body()[:4] == b"%PDF"


def test_the_committee_decides_department_goals_and_the_cascade_opens_level_by_level(
    live_server: Any,
    browser_org: TestOrg,
    period: None,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    from pms.goals.models import Goal, GoalStatus, Period
    from pms.goals.services import plan as plan_services
    from pms.goals.tests import factories

    # given an approved strategy and a sales goal aligned to it, before the committee
    the_period = Period.objects.get()
    ceo = Actor(user=browser_org.ceo.user)
    strategy = factories.approved_plan_goal(
        factories.company_goal(the_period, "营收增长20%", owner=browser_org.ceo), ceo
    )
    sales_goal = factories.department_goal(
        the_period, browser_org.sales, "主营业务A增长15%", parent=strategy, contribution="60"
    )
    plan_services.plan_goal_submit(actor=Actor(user=browser_org.head.user), goal=sales_goal)
    browser_org.committee.set_password("browser-pass-1")
    browser_org.committee.save(update_fields=["password"])

    # when the committee tries to return it without a comment, then approves it in place
    page = new_page()
    sign_in(page, "committee")
    page.goto(f"{live_server.url}/goals/strategy/decisions/")
    row = page.locator(f"#goal-{sales_goal.uuid}")
    row.get_by_role("button", name="Return with comment").click()
    expect(row.locator(".error").first).to_be_visible()
    page.locator(f"#goal-{sales_goal.uuid}").get_by_role("button", name="Approve").click()
    expect(page.locator(f"#goal-{sales_goal.uuid}")).to_contain_text("Approved")
    assert Goal.objects.get(pk=sales_goal.pk).status == GoalStatus.APPROVED

    # then the employee sees it under the strategy in the alignment tree, on a phone
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, browser_org.employee.number)
    phone.goto(f"{live_server.url}/goals/alignment/")
    expect(phone.locator("main")).to_contain_text("营收增长20%")
    expect(phone.locator("main")).not_to_contain_text("主营业务A增长15%")
    phone.get_by_role("link", name=re.compile("1 aligned goal")).click()
    expect(phone.locator("main")).to_contain_text("主营业务A增长15%")
