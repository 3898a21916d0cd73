"""An appeal (申诉) in the browser: the person files one against their published result
with reasons and an evidence file; it goes to the HRBP of the sales centre (HR, never
the person's manager), who opens it from the appeals list, takes it up and adjusts the
result with a new grade, score and reasons. The person's result page shows the new
version; their manager sees that the result was appealed and what changed, never the
reasons."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    AckStatus,
    Appeal,
    AppealStatus,
    PerformanceResult,
    ResultChange,
    ResultSource,
)
from tests.browser.outcomes_setup import CYCLE_NAME, published_result

pytestmark = pytest.mark.browser

REASONS = "第四季度签下的三个大客户回款未计入，证明材料见附件"
DECISION = "核对财务回款记录属实，补计回款后上调"
EVIDENCE = "回款明细.pdf"
EVIDENCE_BYTES = b"%PDF-1.4\n% evidence of the three payments\n"


@pytest.fixture
def result(browser_org: TestOrg) -> PerformanceResult:
    return published_result(browser_org)


def _stat(page: Page, label: str) -> Locator:
    card = page.locator(".status-summary .card").filter(has=page.locator(".muted", has_text=label))
    return card.locator(".stat")


def _file_the_appeal(page: Page, live_server: Any, result: PerformanceResult) -> None:
    page.goto(f"{live_server.url}/results/r/{result.uuid}/")
    page.get_by_role("link", name="I disagree: appeal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CYCLE_NAME)
    page.get_by_label("Why do you disagree with the result?").fill(REASONS)
    page.get_by_label("Evidence file").set_input_files(
        files=FilePayload(name=EVIDENCE, mimeType="application/pdf", buffer=EVIDENCE_BYTES)
    )
    page.get_by_role("button", name="File the appeal").click()
    expect(page.locator(".messages")).to_contain_text("Your appeal is filed")
    expect(page.locator(".status-summary .card").first.locator(".stat")).to_have_text("Filed")
    expect(_stat(page, "Handled by")).to_have_text("吴HRBP")
    expect(page.locator("main")).to_contain_text(REASONS)
    expect(page.get_by_role("link", name=EVIDENCE)).to_be_visible()


def _hr_decides(page: Page, live_server: Any, appeal: Appeal) -> None:
    navigation = page.get_by_role("navigation", name="Main")
    navigation.locator("details.navgroup > summary", has_text="Results").click()
    navigation.get_by_role("link", name="Appeals", exact=True).click()
    row = page.locator("main table tbody tr").filter(has_text="陈员工")
    expect(row).to_contain_text("Filed")
    row.get_by_role("link", name="陈员工").click()
    expect(page).to_have_url(f"{live_server.url}/results/appeals/{appeal.uuid}/")
    expect(page.locator("main")).to_contain_text(REASONS)
    with page.expect_download() as download:
        page.get_by_role("link", name=EVIDENCE).click()
    assert download.value.suggested_filename == EVIDENCE

    page.get_by_role("button", name="Take it up").click()
    expect(page.locator(".messages")).to_contain_text("You are handling this appeal.")
    expect(page.locator(".status-summary .card").first.locator(".stat")).to_have_text(
        "Being handled"
    )
    decide = page.locator("section").filter(has=page.get_by_role("heading", name="Decide"))
    decide.get_by_label("The result changes").check()
    decide.get_by_label("New score").fill("91")
    decide.get_by_label("New grade").select_option("S")
    decide.get_by_label("Decision and reasons").fill(DECISION)
    decide.get_by_role("button", name="Decide").click()
    expect(page.locator(".messages")).to_contain_text("The appeal is decided")
    expect(page.locator(".status-summary .card").first.locator(".stat")).to_have_text(
        "Result adjusted"
    )
    expect(_stat(page, "Result now")).to_have_text("S / 91.00")
    expect(page.get_by_role("button", name="Decide")).to_have_count(0)


def test_hr_adjusts_an_appealed_result_and_the_manager_never_reads_why(
    live_server: Any,
    browser_org: TestOrg,
    result: PerformanceResult,
    new_page: Callable[..., Page],
    sign_in: Callable[..., None],
) -> None:
    person = new_page()
    sign_in(person, browser_org.employee.number)
    _file_the_appeal(person, live_server, result)

    appeal = Appeal.objects.get(result=result)
    assert appeal.status == AppealStatus.FILED
    assert appeal.reasons == REASONS
    assert appeal.handler == browser_org.hrbp.user  # the HRBP, not the manager
    assert (appeal.evidence_file.name or "").endswith(".pdf")
    with appeal.evidence_file.open("rb") as kept:
        assert kept.read() == EVIDENCE_BYTES
    result.refresh_from_db()
    assert result.ack_status == AckStatus.APPEALED

    # the manager sees that the result is appealed, and nothing of why
    manager = new_page()
    sign_in(manager, browser_org.manager.number)
    manager.goto(f"{live_server.url}/results/team/")
    expect(manager.locator("main table tbody tr").filter(has_text="陈员工")).to_contain_text(
        "Appealed"
    )
    assert REASONS not in manager.content()
    response = manager.goto(f"{live_server.url}/results/appeals/{appeal.uuid}/")
    assert response is not None
    assert response.status == 404

    hrbp = new_page()
    sign_in(hrbp, browser_org.hrbp.number)
    _hr_decides(hrbp, live_server, appeal)

    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ADJUSTED
    assert (appeal.new_grade, str(appeal.new_score)) == ("S", "91.00")
    assert appeal.decision == DECISION
    assert appeal.decided_at is not None
    result.refresh_from_db()
    assert (result.grade, str(result.score), result.version) == ("S", "91.00", 2)
    assert result.source == ResultSource.APPEAL
    change = ResultChange.objects.get(result=result, source=ResultSource.APPEAL)
    assert (change.grade_before, change.grade_after) == ("A", "S")
    assert change.changed_by == browser_org.hrbp.user
    decided = AuditEntry.objects.filter(
        object_type=appeal._meta.label_lower, object_id=str(appeal.pk)
    ).latest("at", "id")
    assert decided.actor_id == browser_org.hrbp.user_id
    assert decided.after is not None
    assert decided.after["status"] == AppealStatus.ADJUSTED

    # the person's result page shows the new version and why
    person.goto(f"{live_server.url}/results/r/{result.uuid}/")
    expect(_stat(person, "Grade")).to_have_text("S")
    expect(_stat(person, "Score")).to_have_text("91.00")
    expect(person.locator("main")).to_contain_text("version 2")
    changes = person.locator("section").filter(
        has=person.get_by_role("heading", name="What changed and why")
    )
    on_appeal = changes.locator("tbody tr").filter(has_text="A → S")
    expect(on_appeal).to_contain_text("91.00")
    expect(on_appeal).to_contain_text(DECISION)
    appeals = person.locator("section").filter(has=person.get_by_role("heading", name="Appeals"))
    expect(appeals).to_contain_text("Result adjusted")

    # the manager's page: the new grade and that it changed on appeal, not the reasons
    manager.goto(f"{live_server.url}/results/r/{result.uuid}/")
    expect(_stat(manager, "Grade")).to_have_text("S")
    expect(_stat(manager, "Score")).to_have_text("91.00")
    manager_row = manager.locator("section tbody tr").filter(has_text="A → S")
    expect(manager_row).to_contain_text("Decided on appeal")
    expect(manager.locator("details.explain")).to_contain_text("Changed on appeal")
    page_text = manager.content()
    assert REASONS not in page_text
    assert DECISION not in page_text
    assert EVIDENCE not in page_text
    expect(manager.get_by_role("heading", name="Appeals")).to_have_count(0)
