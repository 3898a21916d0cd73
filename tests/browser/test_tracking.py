"""Tracking in the browser: on a phone, the employee records a month's sales for a measured
goal and sees the progress and pace; the manager then sees the value and its source."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pms.core.audit import Actor
from pms.goals.models import PeriodKind
from pms.goals.services.periods import period_create
from pms.org.tests.factories import TestOrg
from pms.tracking.tests.factories import measured_goal
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_an_employee_records_a_value_and_sees_the_pace(
    live_server: Any,
    browser_org: TestOrg,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    today = dt.date.today()
    period = period_create(
        actor=Actor.system(),
        name=f"{today.year}年度",
        kind=PeriodKind.YEAR,
        start=dt.date(today.year, 1, 1),
        end=dt.date(today.year, 12, 31),
    )
    goal = measured_goal(browser_org.employee, the_period=period, target="1200")

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, browser_org.employee.number)
    page.goto(f"{live_server.url}/tracking/")
    page.get_by_role("link", name="Enter a value").click()
    page.locator("[name='value']").fill(str(100 * today.month))
    page.locator("[name='note']").fill("CRM 月报")
    page.get_by_role("button", name="Record").click()

    expect(page.locator("main")).to_contain_text("The value is recorded.")
    expect(page.locator("main")).to_contain_text("CRM 月报")
    expect(page.locator(".badge").filter(has_text="No values yet")).to_have_count(0)
    page.get_by_text("How was this computed?").click()
    expect(page.locator("details.explain li").first).to_be_visible()

    manager = new_page()
    sign_in(manager, browser_org.manager.number)
    manager.goto(f"{live_server.url}/tracking/goals/{goal.uuid}/")
    expect(manager.locator("main")).to_contain_text("Entered by hand")
