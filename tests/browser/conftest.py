"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Run with ``make test-browser`` (``DJANGO_ALLOW_ASYNC_UNSAFE=true pytest -m browser``):
Playwright's sync API runs an event loop in the test thread, where Django would otherwise
refuse database calls. A failed test leaves a screenshot under ``test-artifacts/``.
"""

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from pms.org.tests.factories import TestOrg, build_test_org

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-pass-1"
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser-packages)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_org(transactional_db: None) -> TestOrg:
    """The small test company, every persona with the password ``PASSWORD``."""
    org = build_test_org()
    for persona in ("ceo", "head", "manager", "employee", "peer", "outsider", "hr_admin", "hrbp"):
        user = getattr(org, persona).user
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return org


def _screenshot_on_failure(request: pytest.FixtureRequest, page: Page) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def new_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Generator[Callable[..., Page], None, None]:
    """``new_page(viewport=PHONE)``: a fresh browser context and page; screenshots on failure."""
    opened: list[tuple[BrowserContext, Page]] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        opened.append((context, page))
        return page

    yield make
    for context, page in opened:
        _screenshot_on_failure(request, page)
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def sign_in(live_server: Any) -> Callable[[Page, str], None]:
    """``sign_in(page, "E0004")``: through the login form, as a person would."""

    def do(page: Page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return do
