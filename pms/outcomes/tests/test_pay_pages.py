"""The bonus and raise plan pages: who reaches them, what they show, changes through them,
the imports and the payroll files, and the queries they take."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry, ExportJob, ExportStatus, ImportStatus
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    BonusFactor,
    BonusLine,
    BonusMethod,
    BonusPlan,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)
from pms.outcomes.pay_exporters import BONUS_HEADER, BONUS_PAYROLL, RAISE_HEADER
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.services import raises as raise_services
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
D = Decimal


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    return pf.cycle_with_results(org, pf.SALES_AND_RD, "2025年度考核")


@pytest.fixture
def plan(hr: Actor, cycle: Cycle) -> BonusPlan:
    return pf.bonus_plan(hr, cycle, name="2025年终奖", budget=D("20000"))


@pytest.fixture
def raise_plan(hr: Actor, cycle: Cycle) -> RaisePlan:
    return pf.raise_plan(hr, cycle, name="2026调薪", budget=D("1000"))


def url(name: str, *args: Any) -> str:
    return reverse(f"outcomes:{name}", args=[getattr(a, "uuid", a) for a in args])


# --- who reaches the pages -----------------------------------------------------------------


def test_pay_pages_are_not_found_for_colleagues(
    client_for: ClientFor, org: TestOrg, plan: BonusPlan, raise_plan: RaisePlan
) -> None:
    line = pf.line_of(plan, org.employee)
    rline = pf.raise_line_of(raise_plan, org.employee)
    pages = [
        url("bonus_plans"),
        url("bonus_plan_create"),
        url("bonus_plan", plan),
        url("bonus_plan_edit", plan),
        url("bonus_line", line),
        url("bonus_import", plan),
        url("raise_plans"),
        url("raise_plan_create"),
        url("raise_plan", raise_plan),
        url("raise_line", rline),
        url("raise_import", raise_plan),
        reverse("outcomes:pay_import_template", args=["outcomes.bonus_bases", "csv"]),
    ]
    for persona in ("employee", "manager", "head", "ceo"):
        client = client_for(persona)
        for page in pages:
            assert client.get(page).status_code == 404, (persona, page)
    posts = [
        url("bonus_compute", plan),
        url("bonus_lock", plan),
        url("bonus_delete", plan),
        url("bonus_export", plan),
        url("bonus_factor", plan),
        url("bonus_line_base", line),
        url("raise_compute", raise_plan),
        url("raise_matrix", raise_plan),
        url("raise_line_inputs", rline),
    ]
    client = client_for("employee")
    for page in posts:
        assert client.post(page, {"base": "1"}).status_code == 404, page
    assert BonusPlan.objects.filter(pk=plan.pk, computed_at__isnull=True).exists()
    assert BonusLine.objects.get(pk=line.pk).base is None


def test_an_hrbp_reads_their_scope_and_changes_nothing(
    client_for: ClientFor, org: TestOrg, plan: BonusPlan, hr: Actor
) -> None:
    client = client_for("hrbp")
    assert client.get(url("bonus_plans")).status_code == 200
    page = client.get(url("bonus_plan", plan))
    assert page.status_code == 200
    assert org.employee.name in page.text
    assert org.outsider.name not in page.text  # 研发中心 is outside the scope
    assert "The figures are those of the departments in your scope." in page.text
    assert client.get(url("bonus_line", pf.line_of(plan, org.outsider))).status_code == 404
    assert client.get(url("bonus_line", pf.line_of(plan, org.peer))).status_code == 200
    refused = [
        ("get", url("bonus_plan_create")),
        ("get", url("bonus_plan_edit", plan)),
        ("get", url("bonus_import", plan)),
        ("post", url("bonus_compute", plan)),
        ("post", url("bonus_lock", plan)),
        ("post", url("bonus_delete", plan)),
        ("post", url("bonus_factor", plan)),
        ("post", url("bonus_line_base", pf.line_of(plan, org.peer))),
    ]
    for method, page_url in refused:
        response = getattr(client, method)(page_url, {"base": "1", "factor": "2"})
        assert response.status_code == 403, page_url
    assert pf.line_of(plan, org.peer).base is None
    assert not BonusFactor.objects.exists()
    plan.refresh_from_db()
    assert plan.computed_at is None
    # the payroll file of a locked plan holds the scope's lines only
    bonus_services.bonus_plan_compute(actor=hr, plan=plan)
    bonus_services.bonus_plan_lock(actor=hr, plan=plan)
    response = client.post(url("bonus_export", plan))
    assert response.status_code == 302
    job = ExportJob.objects.get(kind=BONUS_PAYROLL)
    from pms.core.exports import export_job_run

    done = export_job_run(job_id=job.pk)
    assert done is not None
    assert done.status == ExportStatus.DONE
    book = load_workbook(done.file.open("rb"))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == BONUS_HEADER
    assert {row[0] for row in rows[1:]} == {"E0004", "E0005", "E0003"}


# --- HR at work ----------------------------------------------------------------------------


def test_hr_makes_fills_computes_and_locks_a_plan(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hr_admin")
    form = client.get(url("bonus_plan_create"))
    assert form.status_code == 200
    response = client.post(
        url("bonus_plan_create"),
        {
            "cycle": str(cycle.uuid),
            "name": "年终奖",
            "method": "base",
            "budget": "15000",
            "company_factor": "1",
            "weigh_by_base": "on",
        },
    )
    plan = BonusPlan.objects.get(name="年终奖")
    assert response.status_code == 302
    assert response["Location"] == url("bonus_plan", plan)
    line = pf.line_of(plan, org.employee)
    back = url("bonus_plan", plan) + "?grade=A"
    response = client.post(url("bonus_line_base", line), {"base": "10000", "back": back})
    assert response.status_code == 302
    assert response["Location"] == back
    response = client.post(
        url("bonus_factor", plan), {"department": str(org.sales1.uuid), "factor": "1.5"}
    )
    assert response.status_code == 302
    assert client.post(url("bonus_compute", plan)).status_code == 302
    assert pf.line_of(plan, org.employee).amount == D("18000.00")
    page = client.get(url("bonus_plan", plan))
    assert "The total is 3,000.00 over the budget." in page.text
    assert client.post(url("bonus_lock", plan)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED
    assert AuditEntry.objects.filter(
        object_type="outcomes.bonusplan", object_id=str(plan.pk), action=AuditAction.CLOSE
    ).exists()
    # locked: read-only, and the settings page sends back with the reason
    response = client.post(url("bonus_line_base", line), {"base": "1"}, follow=True)
    assert "This plan is locked; nothing in it can change." in response.text
    assert pf.line_of(plan, org.employee).base == D("10000.00")
    response = client.get(url("bonus_plan_edit", plan), follow=True)
    assert "This plan is locked; nothing in it can change." in response.text
    page = client.get(url("bonus_plan", plan))
    assert url("bonus_compute", plan) not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("bonus_export", plan))
    job = ExportJob.objects.get(kind=BONUS_PAYROLL)
    assert response["Location"] == reverse("core:export", args=[job.uuid])
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    download = client.get(reverse("core:export_download", args=[job.uuid]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == BONUS_HEADER
    assert ("E0004", "陈员工", "销售一部", "A", 1.2, 10000, 1.5, 18000) in rows


def test_bad_input_changes_nothing_and_says_why(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, plan: BonusPlan
) -> None:
    client = client_for("hr_admin")
    response = client.post(
        url("bonus_plan_create"),
        {"cycle": str(cycle.uuid), "name": "奖金池", "method": "pool", "company_factor": "1"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not BonusPlan.objects.filter(name="奖金池").exists()
    response = client.post(url("bonus_line_base", pf.line_of(plan, org.employee)), {"base": "-5"})
    assert response.status_code == 400
    assert pf.line_of(plan, org.employee).base is None
    response = client.post(url("bonus_factor", plan), {"department": "nope", "factor": "1"})
    assert response.status_code == 400
    assert not BonusFactor.objects.exists()
    response = client.post(url("bonus_lock", plan), follow=True)
    assert "Compute the plan before locking it." in response.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_the_raise_pages(
    client_for: ClientFor,
    org: TestOrg,
    raise_plan: RaisePlan,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("hr_admin")
    matrix = {
        f"m_{grade}_{zone}": "5"
        for grade in "SABCD"
        for zone in ("below", "q1", "q2", "q3", "q4", "above")
    }
    response = client.post(url("raise_matrix", raise_plan), {**matrix, "m_A_q2": "101"})
    assert response.status_code == 400
    raise_plan.refresh_from_db()
    assert raise_plan.matrix["A"]["q2"] == "7"
    response = client.post(url("raise_matrix", raise_plan), matrix)
    assert response.status_code == 302
    raise_plan.refresh_from_db()
    assert raise_plan.matrix["A"]["q2"] == "5"
    line = pf.raise_line_of(raise_plan, org.employee)
    response = client.post(
        url("raise_line_inputs", line),
        {"salary": "10000", "range_min": "9000", "range_max": "8000"},
    )
    assert response.status_code == 400
    assert "The range&#x27;s maximum must not be below its minimum." in response.text
    response = client.post(
        url("raise_line_inputs", line),
        {"salary": "30000", "range_min": "8000", "range_max": "12000"},
    )
    assert response.status_code == 302
    assert client.post(url("raise_compute", raise_plan)).status_code == 302
    page = client.get(url("raise_plan", raise_plan))
    assert page.status_code == 200
    assert "The raises cost 1500.00, 500.00 over the budget of 1000.00" in page.text
    assert "Scaling every raise by 0.6666" in page.text
    line_page = client.get(url("raise_line", line))
    assert "Salary 30000.00 in the range 8000.00 – 10000.00 – 12000.00: above the range" in (
        line_page.text
    )
    client.post(url("raise_lock", raise_plan))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("raise_export", raise_plan))
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    rows = list(load_workbook(job.file.open("rb")).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == RAISE_HEADER
    mine = next(row for row in rows if row[0] == "E0004")
    assert mine[4:11] == (30000, 8000, 12000, "above the range", 5, 1500, 31500)


def test_importing_through_the_pages(client_for: ClientFor, org: TestOrg, plan: BonusPlan) -> None:
    client = client_for("hr_admin")
    assert client.get(url("bonus_import", plan)).status_code == 200
    template = client.get(
        reverse("outcomes:pay_import_template", args=["outcomes.bonus_bases", "csv"])
    )
    text = b"".join(template.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.splitlines()[0] == "工号,奖金基数"
    xlsx = client.get(
        reverse("outcomes:pay_import_template", args=["outcomes.raise_inputs", "xlsx"])
    )
    assert xlsx.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bases.csv", "工号,奖金基数\nE0004,5000\n".encode())
    response = client.post(url("bonus_import", plan), {"file": upload})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url)
    assert page.status_code == 200
    assert "lines to change" in page.text
    assert client_for("hrbp").get(job_url).status_code == 404
    apply_url = job_url + "apply/"
    assert client_for("hrbp").post(apply_url).status_code == 404
    assert pf.line_of(plan, org.employee).base is None
    response = client.post(apply_url)
    assert response.status_code == 302
    assert pf.line_of(plan, org.employee).base == D("5000.00")
    from pms.core.models import ImportJob

    assert ImportJob.objects.get().status == ImportStatus.APPLIED
    bad = SimpleUploadedFile("bases.pdf", b"%PDF")
    response = client.post(url("bonus_import", plan), {"file": bad})
    assert response.status_code == 400
    assert "Please upload an .xlsx or .csv file." in response.text


# --- queries -------------------------------------------------------------------------------


def _grow(org: TestOrg, cycle: Cycle, size: int) -> None:
    for person in pf.people(org.sales2, size):
        pf.result(cycle, person, "B")


@pytest.mark.parametrize("kind", ["bonus", "raise"])
def test_the_plan_page_takes_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, kind: str
) -> None:
    counts = []
    for size in (2, 12):
        cycle = pf.results_cycle()
        _grow(org, cycle, size)
        if kind == "bonus":
            plan: Any = pf.bonus_plan(hr, cycle, method=BonusMethod.BASE)
            bonus_services.bonus_factor_set(
                actor=hr, plan=plan, department=org.sales2, factor=D("1.1")
            )
            BonusLine.objects.filter(plan=plan).update(base=D("1000"))
            bonus_services.bonus_plan_compute(actor=hr, plan=plan)
            name = "bonus_plan"
        else:
            plan = pf.raise_plan(hr, cycle, budget=D("10"))
            RaiseLine.objects.filter(plan=plan).update(
                salary=D("1000"), range_min=D("900"), range_max=D("1100")
            )
            raise_services.raise_plan_compute(actor=hr, plan=plan)
            name = "raise_plan"
        for persona in ("hr_admin", "hrbp"):
            client = client_for(persona)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url(name, plan), {"department": str(org.sales.uuid)})
            assert response.status_code == 200
            counts.append((persona, len(captured.captured_queries)))
    assert counts[0] == counts[2]
    assert counts[1] == counts[3]


def test_the_plan_list_takes_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    counts = []
    for size in (1, 6):
        for _ in range(size):
            cycle = pf.results_cycle()
            _grow(org, cycle, 2)
            pf.bonus_plan(hr, cycle)
            pf.raise_plan(hr, cycle)
        client = client_for("hrbp")
        for name in ("bonus_plans", "raise_plans"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url(name)).status_code == 200
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:]
