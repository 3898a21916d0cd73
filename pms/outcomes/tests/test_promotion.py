"""Promotion eligibility: the latest published results of one kind of cycle against the
company's rule, for HR's scope; the page and its export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
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
from pms.outcomes.pay_exporters import PROMOTION_LIST
from pms.outcomes.selectors.promotion import promotion_list
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import CycleKind

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
TODAY = dt.date(2026, 1, 15)


@pytest.fixture
def history(org: TestOrg) -> None:
    """Annual results 2024 and 2025 (and an older 2023, and a quarter that does not
    count for annual cycles)."""
    y2023 = pf.results_cycle("2023年度", end=dt.date(2023, 12, 31))
    y2024 = pf.results_cycle("2024年度", end=dt.date(2024, 12, 31))
    y2025 = pf.results_cycle("2025年度", end=dt.date(2025, 12, 31))
    q4 = pf.results_cycle("2025年Q4", kind=CycleKind.QUARTERLY, end=dt.date(2025, 12, 31))
    pf.results_cycle("2026年度", end=dt.date(2026, 12, 31), published=False)
    Employee.objects.filter(pk=org.other_manager.pk).update(hire_date=dt.date(2025, 6, 1))
    grades = {
        org.employee: ("C", "A", "S"),  # eligible: A then S
        org.peer: ("A", "B", "A"),  # B in 2024
        org.manager: ("A", None, "A"),  # no result in 2024
        org.other_manager: ("A", "A", "A"),  # seven months in the company
        org.outsider: ("B", "S", "A"),  # eligible, outside the HRBP's scope
    }
    for person, found in grades.items():
        for cycle, grade in zip((y2023, y2024, y2025), found, strict=True):
            if grade is not None:
                pf.result(cycle, person, grade)
        pf.result(q4, person, "D")


def names(found: Any) -> set[str]:
    return {row.number for row in found.rows}


def test_the_rule_over_the_latest_cycles_of_a_kind(org: TestOrg, history: None) -> None:
    hr = principal_for(org.hr_admin.user)
    found = promotion_list(hr, CycleKind.ANNUAL, today=TODAY)
    assert [cycle.name for cycle in found.cycles] == ["2025年度", "2024年度"]
    assert names(found) == {"E0004", "E0007"}
    assert found.considered == 5
    [mine] = [row for row in found.rows if row.number == "E0004"]
    assert mine.grades == [("2025年度", "S"), ("2024年度", "A")]
    assert mine.tenure == 46
    assert mine.sentences == [
        "2025年度: grade S, A or better",
        "2024年度: grade A, A or better",
        "2 latest results in a row at A or better, 2 needed",
        "Tenure 46 months, 12 needed",
    ]
    # quarterly cycles are judged among themselves
    assert names(promotion_list(hr, CycleKind.QUARTERLY, today=TODAY)) == set()


def test_the_hrbps_scope_and_the_department_filter(org: TestOrg, history: None) -> None:
    hrbp = principal_for(org.hrbp.user)
    assert names(promotion_list(hrbp, CycleKind.ANNUAL, today=TODAY)) == {"E0004"}
    hr = principal_for(org.hr_admin.user)
    only = promotion_list(hr, CycleKind.ANNUAL, today=TODAY, department=org.rnd)
    assert names(only) == {"E0007"}
    assert promotion_list(principal_for(org.manager.user), CycleKind.ANNUAL, today=TODAY).rows == []


def test_the_rule_follows_the_settings(org: TestOrg, history: None) -> None:
    hr = principal_for(org.hr_admin.user)
    OutcomeSettings.objects.create(
        promotion_grade="A", promotion_count=1, promotion_tenure_months=0
    )
    assert names(promotion_list(hr, CycleKind.ANNUAL, today=TODAY)) == {
        "E0004",
        "E0005",
        "E0003",
        "E0006",
        "E0007",
    }
    OutcomeSettings.objects.update(promotion_count=3)
    assert names(promotion_list(hr, CycleKind.ANNUAL, today=TODAY)) == {"E0006"}  # A, A, A
    OutcomeSettings.objects.update(promotion_grade="X")
    found = promotion_list(hr, CycleKind.ANNUAL, today=TODAY)
    assert found.rows == []
    assert found.error == "Grade “X” is not one of S, A, B, C, D."


def test_the_page_and_its_refusals(
    client_for: ClientFor, org: TestOrg, history: None, django_capture_on_commit_callbacks: Any
) -> None:
    for persona in ("employee", "manager", "head", "ceo"):
        assert client_for(persona).get(reverse("outcomes:promotion")).status_code == 404
        assert client_for(persona).post(reverse("outcomes:promotion_export")).status_code == 404
    client = client_for("hrbp")
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("outcomes:promotion"), {"kind": "annual"})
    assert page.status_code == 200
    assert org.employee.name in page.text
    assert org.outsider.name not in page.text
    assert "1 of 4 people are eligible." in page.text
    with (
        time_machine.travel(dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("outcomes:promotion_export"), {"kind": "annual"})
    assert response.status_code == 302
    job = ExportJob.objects.get(kind=PROMOTION_LIST)
    assert job.status == ExportStatus.DONE
    rows = list(load_workbook(job.file.open("rb")).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["E0004"]
    assert rows[1][5] == "2025年度 S；2024年度 A"


def test_the_page_takes_the_same_queries_at_two_sizes(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    counts = []
    for size in (2, 10):
        first = pf.results_cycle(end=dt.date(2010 + size, 12, 31))
        second = pf.results_cycle(end=dt.date(2011 + size, 12, 31))
        for person in pf.people(org.sales2, size):
            pf.result(first, person, "A")
            pf.result(second, person, "S")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("outcomes:promotion"), {"kind": "annual"})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
