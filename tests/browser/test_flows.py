"""The flows a person walks in the browser: sign in, switch language, find a colleague,
be refused an HR page, and use the directory on a phone."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pms.org.tests.factories import TestOrg
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_an_error_and_the_right_one_signs_in(
    live_server: Any, browser_org: TestOrg, page: Page, sign_in: Callable[..., None]
) -> None:
    number = browser_org.employee.number

    sign_in(page, number, "not-the-password")

    expect(page.get_by_role("alert")).to_be_visible()
    assert page.url.endswith("/accounts/login/")

    sign_in(page, number)

    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈员工")


def test_switching_language_changes_the_navigation(
    live_server: Any, browser_org: TestOrg, page: Page, sign_in: Callable[..., None]
) -> None:
    sign_in(page, browser_org.employee.number)
    navigation = page.locator("nav.mainnav")
    english = navigation.text_content() or ""
    assert "Directory" in english

    page.locator("form.langswitch button[lang='zh-hans']").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    chinese = navigation.text_content() or ""
    assert "Directory" not in chinese, "the navigation is not translated"

    page.locator("form.langswitch button[lang='en']").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert navigation.text_content() == english


def test_the_desktop_layout_shows_the_main_navigation(
    live_server: Any, browser_org: TestOrg, page: Page, sign_in: Callable[..., None]
) -> None:
    sign_in(page, browser_org.employee.number)

    navigation = page.get_by_role("navigation", name="Main")

    expect(page.locator("details.menu > summary")).to_be_hidden()
    expect(navigation.get_by_role("link", name="Directory")).to_be_hidden()
    navigation.locator("details.navgroup > summary", has_text="Organisation").click()
    expect(navigation.get_by_role("link", name="Directory")).to_be_visible()
    navigation.locator("details.navgroup > summary", has_text="Goals").click()
    expect(navigation.get_by_role("link", name="My goals")).to_be_visible()
    expect(navigation.get_by_role("link", name="Directory")).to_be_hidden()


def test_the_directory_finds_a_colleague_by_name_and_opens_the_profile(
    live_server: Any, browser_org: TestOrg, page: Page, sign_in: Callable[..., None]
) -> None:
    sign_in(page, browser_org.employee.number)
    page.goto(f"{live_server.url}/org/people/")
    expect(page.get_by_role("link", name="孙工程师").first).to_be_visible()

    search = page.locator("input[name='q']")
    search.fill("刘同事")
    search.press("Enter")

    expect(page.get_by_role("link", name="孙工程师")).to_have_count(0)
    page.get_by_role("link", name="刘同事").first.click()

    expect(page).to_have_url(re.compile(rf"/org/people/{browser_org.peer.uuid}/$"), timeout=10_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("刘同事")
    expect(page.locator("main")).to_contain_text(browser_org.peer.number)


@pytest.mark.parametrize("path", ["/audit/", "/org/imports/"])
def test_an_employee_is_refused_an_hr_page(
    live_server: Any,
    browser_org: TestOrg,
    page: Page,
    sign_in: Callable[..., None],
    path: str,
) -> None:
    sign_in(page, browser_org.employee.number)

    response = page.goto(f"{live_server.url}{path}")

    assert response is not None
    assert response.status == 404


def test_the_phone_layout_has_a_menu_button_and_no_sideways_scrolling(
    live_server: Any,
    browser_org: TestOrg,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, browser_org.hr_admin.number)

    page.goto(f"{live_server.url}/org/people/")

    menu = page.locator("details.menu > summary")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="陈员工").first).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    menu.click()
    navigation = page.locator("nav.mainnav")
    navigation.locator("details.navgroup > summary", has_text="Organisation").click()
    expect(navigation.get_by_role("link", name="Directory")).to_be_visible()
