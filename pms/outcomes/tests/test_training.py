"""Training needs from competency gaps: named manager ratings only, below the company's
threshold, for HR's scope and a manager's people; the page, its IDP link and export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.models import ExportJob, ExportStatus
from pms.org.models import Employee
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import OutcomeSettings
from pms.outcomes.pay_exporters import TRAINING_NEEDS
from pms.outcomes.selectors.training import TrainingNeeds, training_cycles, training_needs
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle, RatingStatus, TemplateItem
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def rate(
    cycle: Cycle,
    person: Employee,
    rater: Employee,
    rater_type: str,
    values: dict[str, str],
    *,
    anonymous: bool = False,
    submitted: bool = True,
) -> None:
    review = cycle.reviews.get(employee=person)
    items = {item.title: item for item in rf.competency_items(review.template)}
    rating = rf.rating(review, rater, rater_type, anonymous=anonymous)
    if submitted:
        rf.submitted(rating, {items[title]: value for title, value in values.items()})
    else:
        for title, value in values.items():
            rf.answer(rating, items[title], value)
        rating.status = RatingStatus.DRAFT
        rating.save(update_fields=["status"])


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    """On the S–D levels (D 40, C 60, B 70, A 85, S 100) with the threshold at 60."""
    the_cycle = pf.results_cycle("2025年度考核")
    for person in (org.employee, org.peer, org.manager, org.outsider):
        pf.result(the_cycle, person, "B")
    rate(
        the_cycle,
        org.employee,
        org.manager,
        "manager",
        {"客户导向": "D", "团队协作": "B", "专业能力": "C"},
    )
    rate(the_cycle, org.peer, org.manager, "manager", {"客户导向": "D", "团队协作": "D"})
    rate(the_cycle, org.peer, org.head, "skip", {"客户导向": "S"})  # 客户导向: (40 + 100) / 2
    # never read: a peer's (named or anonymous), a self-review, a draft
    rate(the_cycle, org.peer, org.employee, "peer", {"专业能力": "D"}, anonymous=True)
    rate(the_cycle, org.peer, org.manager, "peer", {"专业能力": "D"})
    rate(the_cycle, org.employee, org.employee, "self", {"团队协作": "D"})
    rate(the_cycle, org.manager, org.head, "manager", {"客户导向": "D"}, submitted=False)
    rate(the_cycle, org.outsider, org.ceo, "manager", {"专业能力": "D"})
    return the_cycle


def needs_of(found: TrainingNeeds) -> dict[str, set[str]]:
    return {need.title: {p.number for p in need.people} for need in found.competencies}


def test_gaps_from_named_manager_ratings_only(org: TestOrg, cycle: Cycle) -> None:
    hr = principal_for(org.hr_admin.user)
    found = training_needs(hr, cycle)
    assert (found.threshold, found.rated) == (60, 3)
    assert needs_of(found) == {
        "客户导向": {"E0004"},
        "团队协作": {"E0005"},
        "专业能力": {"E0007"},
    }
    [person] = found.competencies[0].people
    assert (person.points, person.raters, person.department) == (40, 1, "销售一部")
    assert found.competencies[0].by_department == [("销售一部", 1)]
    OutcomeSettings.objects.create(training_gap_percent=65)
    assert needs_of(training_needs(hr, cycle))["专业能力"] == {"E0004", "E0007"}


def test_who_sees_whose_gaps(org: TestOrg, cycle: Cycle) -> None:
    hrbp = training_needs(principal_for(org.hrbp.user), cycle)
    assert needs_of(hrbp) == {"客户导向": {"E0004"}, "团队协作": {"E0005"}, "专业能力": set()}
    manager = training_needs(principal_for(org.manager.user), cycle)
    assert needs_of(manager) == {"客户导向": {"E0004"}, "团队协作": {"E0005"}, "专业能力": set()}
    filtered = training_needs(principal_for(org.hr_admin.user), cycle, department=org.rnd)
    assert needs_of(filtered)["专业能力"] == {"E0007"}
    assert needs_of(filtered)["客户导向"] == set()
    assert list(training_cycles(principal_for(org.manager.user))) == [cycle]
    assert not training_cycles(principal_for(org.employee.user)).exists()


def test_the_page_links_each_need_to_a_development_plan(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    for persona in ("employee", "peer", "outsider"):
        assert client_for(persona).get(reverse("outcomes:training")).status_code == 404
        assert client_for(persona).post(reverse("outcomes:training_export")).status_code == 404
    client = client_for("manager")
    page = client.get(reverse("outcomes:training"), {"competency": "客户导向"})
    assert page.status_code == 200
    assert org.employee.name in page.text
    assert org.outsider.name not in page.text
    link = (
        f"{reverse('outcomes:idp_create')}?employee={org.employee.uuid}"
        f"&amp;competency={quote('客户导向')}"
    )
    assert link in page.text
    assert "department" not in page.context["filter_form"].fields  # HR's filter only
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outcomes:training_export"), {"cycle": str(cycle.uuid)})
    assert response.status_code == 302
    job = ExportJob.objects.get(kind=TRAINING_NEEDS)
    assert job.status == ExportStatus.DONE
    rows = list(load_workbook(job.file.open("rb")).worksheets[0].iter_rows(values_only=True))
    assert sorted(row[:2] for row in rows[1:]) == [("团队协作", "E0005"), ("客户导向", "E0004")]


def test_the_page_takes_the_same_queries_at_two_sizes(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    counts = []
    for size in (2, 10):
        template = rf.template()
        the_cycle = pf.results_cycle(template=template)
        item = TemplateItem.objects.filter(section__template=template, title="客户导向").get()
        for person in pf.people(org.sales2, size, manager=org.other_manager):
            pf.result(the_cycle, person, "C")
            rating = rf.rating(the_cycle.reviews.get(employee=person), org.other_manager, "manager")
            rf.submitted(rating, {item: "D"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("outcomes:training"), {"cycle": str(the_cycle.uuid)})
        assert response.status_code == 200
        assert response.context["needs"].competencies[0].count == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
