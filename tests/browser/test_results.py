"""My results in the browser: after publication the person opens My results, reads the
grade, score, how it was decided and what calibration changed with its reason, and
confirms the result with a comment (the page and the database follow). On a phone the
same flow fits the window: the page body never scrolls sideways."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import AckStatus, PerformanceResult
from tests.browser.conftest import PHONE
from tests.browser.outcomes_setup import (
    CYCLE_NAME,
    RAISE_REASON,
    no_sideways_scroll,
    published_result,
)

pytestmark = pytest.mark.browser

COMMENT = "认可校准结果，明年继续努力"


@pytest.fixture
def result(browser_org: TestOrg) -> PerformanceResult:
    return published_result(browser_org)


def _stat(page: Page, label: str) -> Locator:
    """The big figure of the summary card labelled ``label``."""
    card = page.locator(".status-summary .card").filter(has=page.locator(".muted", has_text=label))
    return card.locator(".stat")


def _section(page: Page, heading: str) -> Locator:
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading))


def _read_and_confirm(
    page: Page,
    live_server: Any,
    result: PerformanceResult,
    check: Callable[[Page], None] = lambda page: None,
) -> None:
    """From My results: open the result, read it, confirm it with a comment; ``check``
    runs on each page once it is shown."""
    check(page)
    mine = page.locator("main table tbody tr").filter(has_text=CYCLE_NAME)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("83.00")
    expect(mine.locator("td").nth(1)).to_have_text("A")
    expect(mine).to_contain_text("Awaiting confirmation")
    mine.get_by_role("link", name="Open the result").click()

    expect(page).to_have_url(f"{live_server.url}/results/r/{result.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CYCLE_NAME)
    expect(_stat(page, "Grade")).to_have_text("A")
    expect(_stat(page, "Score")).to_have_text("83.00")
    expect(_stat(page, "Coefficient")).to_have_text("1.20")
    expect(page.locator(".status-summary .card").nth(3).locator(".stat")).to_have_text(
        "Awaiting confirmation"
    )
    # how it was decided: the review's score, then calibration with its reason
    steps = page.locator("details.explain li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("78.00")
    expect(steps.nth(1)).to_contain_text("销售中心校准会")
    expect(steps.nth(1)).to_contain_text(RAISE_REASON)
    expect(steps.nth(2)).to_contain_text("1.20")
    # what changed and why
    change = _section(page, "What changed and why").locator("tbody tr")
    expect(change).to_have_count(1)
    expect(change.locator("td").nth(0)).to_have_text("Calibration")
    expect(change.locator("td").nth(1)).to_have_text("78.00 → 83.00")
    expect(change.locator("td").nth(2)).to_have_text("B → A")
    expect(change.locator("td").nth(3)).to_have_text(RAISE_REASON)
    check(page)

    answer = _section(page, "Your answer")
    answer.get_by_label("Comment (optional)").fill(COMMENT)
    answer.get_by_role("button", name="Confirm my result").click()

    expect(page.locator(".messages")).to_contain_text("You confirmed your result.")
    expect(page.locator(".status-summary .card").nth(3).locator(".stat")).to_have_text("Confirmed")
    expect(page.locator("main")).to_contain_text(COMMENT)
    # nothing left to answer: neither confirming again nor appealing
    expect(page.get_by_role("button", name="Confirm my result")).to_have_count(0)
    expect(page.get_by_role("link", name="I disagree: appeal")).to_have_count(0)
    check(page)


def _assert_confirmed(result: PerformanceResult, org: TestOrg) -> None:
    result.refresh_from_db()
    assert result.ack_status == AckStatus.CONFIRMED
    assert result.ack_note == COMMENT
    assert result.ack_at is not None
    assert (result.grade, str(result.score)) == ("A", "83.00")  # confirming changes nothing else
    entry = AuditEntry.objects.filter(
        object_type=result._meta.label_lower, object_id=str(result.pk)
    ).latest("at", "id")
    assert entry.actor_id == org.employee.user_id
    assert entry.after is not None
    assert entry.after["ack_status"] == AckStatus.CONFIRMED


def test_the_person_reads_the_result_and_confirms_it(
    live_server: Any,
    browser_org: TestOrg,
    result: PerformanceResult,
    page: Page,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, browser_org.employee.number)
    navigation = page.get_by_role("navigation", name="Main")
    navigation.locator("details.navgroup > summary", has_text="Results").click()
    navigation.get_by_role("link", name="My performance results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My performance results")

    _read_and_confirm(page, live_server, result)

    _assert_confirmed(result, browser_org)
    # My results says so too
    page.goto(f"{live_server.url}/results/")
    expect(page.locator("main table tbody tr").filter(has_text=CYCLE_NAME)).to_contain_text(
        "Confirmed"
    )


def test_on_a_phone_the_result_fits_and_is_confirmed(
    live_server: Any,
    browser_org: TestOrg,
    result: PerformanceResult,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, browser_org.employee.number)
    phone.goto(f"{live_server.url}/results/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("My performance results")

    _read_and_confirm(phone, live_server, result, check=no_sideways_scroll)

    _assert_confirmed(result, browser_org)
