"""Calibration in the browser: HR opens the sales centre's session, changes a grade in the
grid with a reason (the row is highlighted and the distribution panel follows without a
reload), then closes the session off target with a reason; on a phone the grid scrolls
sideways inside its frame while the page itself does not."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pms.calibration.models import CalibrationEntry, CalibrationSession, SessionStatus
from pms.calibration.services.sessions import session_open
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def session(browser_org: TestOrg) -> CalibrationSession:
    """A session being prepared over the sales centre: 15 scored reviews, 13 of them in
    销售一部 (held to the distribution, which wants a C and a D there)."""
    cycle = f.calibration_cycle()
    f.sales_reviews(browser_org, cycle, extra=10)
    made = f.session(
        browser_org.hr_admin.user, cycle, [browser_org.sales], open_it=False, name="销售中心校准会"
    )
    f.seat(made, browser_org.hr_admin.user, browser_org.committee, "committee")
    return made


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        """() => [document.querySelector('main').scrollWidth,
                  document.querySelector('main').clientWidth,
                  document.documentElement.scrollWidth, window.innerWidth]"""
    )
    main_scroll, main_width, page_scroll, viewport = widths
    assert main_scroll <= main_width, widths
    assert page_scroll <= viewport, widths


def test_hr_opens_changes_a_grade_with_a_reason_and_closes(
    live_server: Any,
    browser_org: TestOrg,
    session: CalibrationSession,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, browser_org.hr_admin.number)
    page.goto(f"{live_server.url}/calibration/")
    page.get_by_role("link", name="销售中心校准会").click()
    expect(page.locator("#session-state")).to_have_text("Being prepared")

    page.get_by_role("button", name="Open the session").click()
    expect(page.locator(".messages")).to_contain_text("The session is open with 15 people.")
    expect(page.locator("#session-state")).to_have_text("Open")
    expect(page.locator("#session-status")).to_contain_text("Off target")
    expect(page.locator("#count-C")).to_have_text("1")

    # one of the ten at B 70 is calibrated down to C, with the reason
    target = CalibrationEntry.objects.filter(session=session, proposed_score=70).order_by("pk")[0]
    row = page.locator(f"#entry-{target.uuid}")
    row.get_by_role("link", name="Change").click()
    editing = page.locator(f"#entry-{target.uuid}.editing")
    expect(editing).to_be_visible()
    editing.locator("select[name='grade']").select_option("C")
    editing.locator("input[name='reason']").fill("本期回款不达标，委员会一致同意")
    editing.get_by_role("button", name="Save the change").click()
    expect(page.locator(f"#entry-{target.uuid}.changed")).to_be_visible()
    expect(page.locator(f"#entry-{target.uuid}")).to_contain_text("C")
    # the distribution panel and the counts follow without a reload
    expect(page.locator("#count-C")).to_have_text("2")
    target.refresh_from_db()
    assert target.grade == "C"
    change = target.changes.get()
    assert change.reason == "本期回款不达标，委员会一致同意"

    # a change without a reason is refused in place, nothing changed
    other = CalibrationEntry.objects.filter(session=session, proposed_score=70).order_by("pk")[1]
    page.locator(f"#entry-{other.uuid}").get_by_role("link", name="Change").click()
    form = page.locator(f"#entry-{other.uuid}.editing")
    form.locator("select[name='grade']").select_option("D")
    form.locator("input[name='reason']").evaluate("element => element.removeAttribute('required')")
    form.get_by_role("button", name="Save the change").click()
    expect(page.locator(f"#entry-{other.uuid}")).to_contain_text("Give the reason for the change.")
    other.refresh_from_db()
    assert other.grade == "B"

    # still off target (D): closing asks for the reason, which is kept
    close = page.locator("#close")
    close.locator("textarea[name='reason']").fill("销售一部今年新人多，委员会决定不强制D")
    close.get_by_role("button", name="Close the session").click()
    expect(page.locator(".messages")).to_contain_text("The session is closed")
    expect(page.locator("#session-state")).to_have_text("Closed")
    expect(page.get_by_role("link", name="Change")).to_have_count(0)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.close_reason == "销售一部今年新人多，委员会决定不强制D"


def test_the_grid_on_a_phone_scrolls_inside_its_frame(
    live_server: Any,
    browser_org: TestOrg,
    session: CalibrationSession,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    session_open(actor=Actor(browser_org.hr_admin.user), session=session)
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, "committee", "x")  # the committee's account (no employee record)
    phone.goto(f"{live_server.url}/calibration/{session.uuid}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("销售中心校准会")
    grid = phone.locator("#grid .table-wrap")
    expect(grid).to_be_visible()
    _no_sideways_scroll(phone)
    scroll, width = grid.evaluate("element => [element.scrollWidth, element.clientWidth]")
    assert scroll > width  # the table is wider than the phone: it scrolls in its frame
    # the change form opens in the row and stays usable
    first = phone.locator("#grid tbody tr").first
    first.get_by_role("link", name="Change").click()
    expect(phone.locator("#grid tr.editing input[name='reason']")).to_be_visible()
    _no_sideways_scroll(phone)
