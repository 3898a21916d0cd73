"""Data for the browser tests of published results (``pms.outcomes``): a cycle whose
reviews were calibrated in a closed session (the person, 陈员工, raised from B 78 to A 83
with one reason) and then published by company-wide HR, as HR reaches it.

Also the page checks the result tests share: nothing on the page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page

from pms.calibration.models import ChangeField
from pms.org.tests.factories import TestOrg, user_of
from pms.outcomes.models import PerformanceResult
from pms.outcomes.tests import factories as of

CYCLE_NAME = "2026年度考核"
RAISE_REASON = "全年业绩在部门第一，按事实上调"


def published_result(org: TestOrg) -> PerformanceResult:
    """The person's published result: review B 78, calibrated to A 83 for ``RAISE_REASON``."""
    cycle = of.calibration_cycle(CYCLE_NAME)
    mine = of.scored_review(cycle, org.employee, "78.00", "B", version=3)
    peer = of.scored_review(cycle, org.peer, "88.00", "A")
    manager = of.scored_review(cycle, org.manager, "72.00", "B")
    hr = user_of(org.hr_admin)
    of.closed_session(
        cycle,
        hr,
        [mine, peer, manager],
        {
            mine: [
                (ChangeField.SCORE, "83.00", RAISE_REASON),
                (ChangeField.GRADE, "A", RAISE_REASON),
            ]
        },
        name="销售中心校准会",
    )
    of.publish(cycle, hr)
    return of.result_of(mine)


def no_sideways_scroll(page: Page) -> None:
    """Neither the page's body nor its main column is wider than the window."""
    widths = page.evaluate(
        """() => [document.querySelector('main').scrollWidth,
                  document.querySelector('main').clientWidth,
                  document.documentElement.scrollWidth,
                  document.body.scrollWidth, window.innerWidth]"""
    )
    main_scroll, main_width, page_scroll, body_scroll, viewport = widths
    assert main_scroll <= main_width, widths
    assert page_scroll <= viewport, widths
    assert body_scroll <= viewport, widths
