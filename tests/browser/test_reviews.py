"""Reviews in the browser: the employee fills in their self review from the to-do list —
levels chosen, a comment typed, each answer saved as they go — submits it and finds it
read-only; the manager then finds the person on the team reviews page and opens their
rating form, which stays usable on a phone."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    Cycle,
    CycleKind,
    Phase,
    RaterType,
    Rating,
    RatingStatus,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.services.cycles import cycle_create
from pms.reviews.services.launch import cycle_launch
from pms.reviews.services.phases import cycle_advance
from pms.reviews.services.templates import templates_install_starters
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

COMMENT = "本季度独立完成了三个重点客户的方案，客户反馈很好"


@pytest.fixture
def cycle(browser_org: TestOrg) -> Cycle:
    """This year's cycle, launched by HR with the starter templates, in the self review."""
    hr = Actor(user=browser_org.hr_admin.user)
    templates_install_starters(actor=hr)
    today = dt.date.today()
    day = dt.timedelta(days=1)
    created = cycle_create(
        actor=hr,
        name=f"{today.year}年度考核",
        kind=CycleKind.ANNUAL,
        start=dt.date(today.year, 1, 1),
        end=dt.date(today.year, 12, 31),
        default_template=ReviewTemplate.objects.get(code="general", status=TemplateStatus.ACTIVE),
        deadlines={
            Phase.SELF: (today, today + 7 * day),
            Phase.PEER: (today, today + 14 * day),
            Phase.MANAGER: (today, today + 21 * day),
        },
    )
    launched = cycle_launch(actor=hr, cycle=created, background=False)
    return cycle_advance(actor=hr, cycle=launched)


def _move_to_manager_review(org: TestOrg, cycle: Cycle) -> None:
    hr = Actor(user=org.hr_admin.user)
    while cycle.phase != Phase.MANAGER:
        cycle = cycle_advance(actor=hr, cycle=cycle)


def _saved(page: Page, action: Callable[[], None]) -> None:
    """Do what makes the page save an answer, and wait until it is saved: one autosave at
    a time (the live server's in-memory SQLite refuses two writers at once)."""
    with page.expect_response(
        lambda response: "/autosave/" in response.url and response.request.method == "POST"
    ) as saved:
        action()
    assert saved.value.ok


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        """() => {
            const main = document.querySelector('main');
            return [main.scrollWidth, main.clientWidth,
                    document.documentElement.scrollWidth, window.innerWidth];
        }"""
    )
    main_scroll, main_width, page_scroll, viewport = widths
    assert main_scroll <= main_width, widths
    assert page_scroll <= viewport, widths


def test_an_employee_submits_a_self_review_and_the_manager_opens_theirs(
    live_server: Any,
    browser_org: TestOrg,
    cycle: Cycle,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    employee = browser_org.employee
    page = new_page()
    sign_in(page, employee.number)
    page.goto(f"{live_server.url}/reviews/to-do/")
    expect(page.locator("main")).to_contain_text(cycle.name)
    page.get_by_role("link", name="Start", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My self review")

    # levels with their behaviour descriptions; each answer is saved as it is given
    questions = page.locator("fieldset:has(input[type=radio])")
    count = questions.count()
    assert count >= 3
    first = questions.first
    _saved(page, lambda: first.locator("input[type=radio][value='A']").check())
    expect(first.locator("[id^='saved-']")).to_contain_text("Saved at")
    for index in range(1, count):
        radio = questions.nth(index).locator("input[type=radio][value='B']")
        _saved(page, radio.check)
    comment = first.locator("textarea")
    comment.fill(COMMENT)
    _saved(page, lambda: comment.press("Tab"))
    expect(questions.nth(count - 1).locator("[id^='saved-']")).to_contain_text("Saved at")
    rating = Rating.objects.get(review__cycle=cycle, rater=employee, rater_type=RaterType.SELF)
    assert rating.status == RatingStatus.DRAFT

    # the draft is there after a reload
    page.reload()
    expect(questions.first.locator("input[type=radio][value='A']")).to_be_checked()
    expect(questions.first.locator("textarea")).to_have_value(COMMENT)
    overall = page.locator("#overall_comment")
    overall.fill("本期按计划完成了主要工作，下期加强新客户开发")
    _saved(page, lambda: overall.press("Tab"))
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("main")).to_contain_text(f"Your review of {employee.name} is submitted.")
    rating.refresh_from_db()
    assert rating.status == RatingStatus.SUBMITTED
    assert sorted(a.value for a in rating.answers.exclude(value="")) == sorted(
        ["A"] + ["B"] * (count - 1)
    )
    assert rating.answers.filter(comment=COMMENT).count() == 1

    # what was submitted, read-only
    page.get_by_role("link", name="What I submitted").click()
    expect(page.locator("main")).to_contain_text("It can no longer be changed.")
    expect(page.locator("input[type=radio]").first).to_be_disabled()
    expect(page.locator("main textarea").first).to_be_disabled()
    expect(page.get_by_role("button", name="Submit", exact=True)).to_have_count(0)

    # the manager review opens; the manager finds the person and their form
    _move_to_manager_review(browser_org, cycle)
    boss = new_page()
    sign_in(boss, browser_org.manager.number)
    boss.goto(f"{live_server.url}/reviews/team/")
    boss.get_by_role("link", name=cycle.name).click()
    expect(boss.locator("main")).to_contain_text(employee.name)
    boss.goto(f"{live_server.url}/reviews/to-do/")
    row = boss.locator("tr", has_text=employee.name)
    row.get_by_role("link", name="Start", exact=True).click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(f"Review of {employee.name}")
    expect(boss.locator("main")).to_contain_text("否决项")
    form_url = boss.url
    assert re.search(r"/reviews/ratings/[0-9a-f-]+/$", form_url)

    # on a phone the form fits the screen and answers are saved as on a desk
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, browser_org.manager.number)
    phone.goto(form_url)
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Review of {employee.name}")
    _no_sideways_scroll(phone)
    question = phone.locator("fieldset:has(input[type=radio][value='B'])").first
    _saved(phone, question.locator("input[type=radio][value='B']").check)
    expect(question.locator("[id^='saved-']")).to_contain_text("Saved at")
    expect(phone.get_by_role("button", name="Submit", exact=True)).to_be_visible()
    _no_sideways_scroll(phone)
    mine = Rating.objects.get(
        review__cycle=cycle,
        review__employee=employee,
        rater=browser_org.manager,
        rater_type=RaterType.MANAGER,
    )
    assert mine.status == RatingStatus.DRAFT
