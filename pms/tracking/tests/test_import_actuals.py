"""Actual values from .xlsx/.csv files: every bad row reported with its line and column,
nothing written on any error, one batch per applied file, idempotent re-imports, the
background path, the template and the pages (with the users who must be refused)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.imports import import_job_apply, import_job_validate
from pms.core.models import AuditEntry, ImportJob, ImportStatus
from pms.goals.models import Goal, Indicator, Period, PeriodStatus
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import csv_file, errors_of, run, xlsx_file
from pms.tracking.importers.actuals import KIND
from pms.tracking.models import Actual, ActualBatch, ActualSource, GoalProgress
from pms.tracking.tests.factories import measured_goal, monthly_indicator

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
HEADER = [
    "工号",
    "部门编码",
    "指标编码",
    "日期",
    "开始日期",
    "结束日期",
    "实际值",
    "外部编号",
    "备注",
    "证据链接",
]


def row(
    number: str = "E0004",
    code: str = "SAL-REV",
    day: str = "2026-01-15",
    value: str = "100",
    **cells: str,
) -> list[str]:
    values = {
        "工号": number,
        "部门编码": "",
        "指标编码": code,
        "日期": day,
        "开始日期": "",
        "结束日期": "",
        "实际值": value,
        "外部编号": "",
        "备注": "",
        "证据链接": "",
    }
    values.update(cells)
    return [values[h] for h in HEADER]


@pytest.fixture
def period(org: TestOrg) -> Period:
    return gf.period("2026年度")


@pytest.fixture
def revenue(org: TestOrg) -> Indicator:
    return monthly_indicator(code="SAL-REV")


@pytest.fixture
def goal(org: TestOrg, period: Period, revenue: Indicator) -> Goal:
    return measured_goal(org.employee, the_period=period, the_indicator=revenue)


# --- checking ------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_column_and_nothing_is_written(
    org: TestOrg, period: Period, revenue: Indicator
) -> None:
    old = monthly_indicator(code="OLD")
    old.enabled = False
    old.save(update_fields=["enabled"])
    gf.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    Period.objects.filter(name="2025年度").update(status=PeriodStatus.CLOSED)
    rows = [
        HEADER,
        row(),  # 2: fine
        row(number="E9999"),  # 3: unknown person
        row(code="NOPE"),  # 4: unknown indicator
        row(code="OLD"),  # 5: disabled indicator
        row(value="abc"),  # 6: bad number
        row(day="2026-13-45"),  # 7: bad date
        row(day="2025-06-01"),  # 8: span in a closed period only
        row(day="", **{"开始日期": "2026-03-31", "结束日期": "2026-03-01"}),  # 9: end before start
        row(day="2026-01-31"),  # 10: same person, indicator and month as line 2
        row(number="", **{"部门编码": "NOPE"}),  # 11: unknown department
        row(**{"部门编码": "SALES1"}),  # 12: both a person and a department
        row(day="", **{"开始日期": "2026-02-01"}),  # 13: start without an end
        row(day="2026-04-01", **{"证据链接": "not a link"}),  # 14: bad link
        row(day="2026-05-01", value="1.23456"),  # 15: too many decimals
    ]

    job = run(org, KIND, csv_file(rows))

    assert job.status == ImportStatus.INVALID
    found = {(line, column) for line, column, _message in errors_of(job)}
    assert found == {
        (3, "工号"),
        (4, "指标编码"),
        (5, "指标编码"),
        (6, "实际值"),
        (7, "日期"),
        (8, "日期"),
        (9, "结束日期"),
        (10, "日期"),
        (11, "部门编码"),
        (12, "工号"),
        (13, "结束日期"),
        (14, "证据链接"),
        (15, "实际值"),
    }
    messages = {(line, column): message for line, column, message in errors_of(job)}
    assert "E9999" in messages[(3, "工号")]
    assert "disabled" in messages[(5, "指标编码")]
    assert "open period" in messages[(8, "日期")]
    assert "earlier line" in messages[(10, "日期")]
    assert job.error_count == 13
    assert not Actual.objects.exists()
    assert not ActualBatch.objects.exists()


def test_people_and_departments_outside_an_hrbps_scope_are_refused(
    org: TestOrg, period: Period, revenue: Indicator
) -> None:
    from pms.core.audit import Actor
    from pms.core.imports import import_job_create
    from pms.core.models import AuditChannel

    actor = Actor(user=org.hrbp.user, channel=AuditChannel.IMPORT)
    upload = csv_file(
        [
            HEADER,
            row(),  # 销售一部: in scope
            row(number=org.outsider.number),  # 研发中心: not
            row(number="", **{"部门编码": "RND"}),
            row(number="", **{"部门编码": "SALES1"}),
        ]
    )

    job = import_job_create(actor=actor, kind=KIND, uploaded_file=upload)

    assert [(line, column) for line, column, _m in errors_of(job)] == [(3, "工号"), (4, "部门编码")]
    assert "outside your scope" in errors_of(job)[0][2]


def test_a_clean_file_is_applied_in_one_batch_and_reimporting_it_creates_nothing(
    org: TestOrg, goal: Goal
) -> None:
    rows = [
        HEADER,
        row(
            value="100",
            **{"外部编号": "X-1", "备注": "一月", "证据链接": "https://erp.example.cn/1"},
        ),
        row(day="2026-02-10", value="1,250.5"),
        row(
            number="",
            day="",
            value="900",
            **{"部门编码": "SALES1", "开始日期": "2026-01-01", "结束日期": "2026-03-31"},
        ),
    ]

    job = run(org, KIND, xlsx_file(rows))

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert job.summary == {"create": 3, "update": 0, "unchanged": 0, "errors": 0}
    batch = ActualBatch.objects.get()
    assert (batch.source, batch.import_job, batch.items, batch.created) == (
        ActualSource.EXCEL,
        job,
        3,
        3,
    )
    january = Actual.objects.get(employee=org.employee, start=dt.date(2026, 1, 1))
    assert (january.end, january.value, january.external_id, january.note) == (
        dt.date(2026, 1, 31),
        Decimal(100),
        "X-1",
        "一月",
    )
    assert january.batch == batch
    assert january.entered_by == org.hr_admin.user
    department = Actual.objects.get(department=org.sales1)
    assert (department.start, department.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert AuditEntry.objects.filter(
        object_type="tracking.actualbatch", batch=str(job.uuid)
    ).exists()
    # the goal's progress was recomputed from the new values
    assert GoalProgress.objects.get(goal=goal).values == 2

    again = run(org, KIND, xlsx_file(rows))

    assert again.status == ImportStatus.APPLIED
    assert again.summary == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}
    assert Actual.objects.count() == 3


def test_a_changed_value_is_checked_as_a_replacement_and_becomes_version_2(
    org: TestOrg, goal: Goal
) -> None:
    run(org, KIND, csv_file([HEADER, row(value="100")]))

    job = run(org, KIND, csv_file([HEADER, row(value="120")]), apply=False)
    assert job.summary["update"] == 1
    job = import_job_apply(actor=_hr(org), job=job)

    assert job.summary == {"create": 0, "update": 1, "unchanged": 0, "errors": 0}
    versions = list(
        Actual.objects.order_by("version").values_list("version", "value", "is_current")
    )
    assert versions == [(1, Decimal(100), False), (2, Decimal(120), True)]


def _hr(org: TestOrg) -> Any:
    from pms.core.audit import Actor
    from pms.core.models import AuditChannel

    return Actor(user=org.hr_admin.user, channel=AuditChannel.IMPORT)


def test_an_external_id_used_before_for_another_value_is_a_bad_row(
    org: TestOrg, goal: Goal
) -> None:
    run(org, KIND, csv_file([HEADER, row(**{"外部编号": "X-1"})]))

    job = run(org, KIND, csv_file([HEADER, row(day="2026-02-01", **{"外部编号": "X-1"})]))

    assert [(line, column) for line, column, _m in errors_of(job)] == [(2, "外部编号")]
    assert Actual.objects.count() == 1


def test_a_file_with_english_headers_is_read(org: TestOrg, goal: Goal) -> None:
    rows = [
        ["Employee number", "Indicator code", "Start date", "End date", "Value"],
        ["E0004", "SAL-REV", "2026-01-01", "2026-01-31", "5"],
    ]

    job = run(org, KIND, csv_file(rows))

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert Actual.objects.get().value == Decimal(5)


def test_a_problem_found_only_while_applying_rolls_everything_back(
    org: TestOrg, goal: Goal
) -> None:
    job = run(org, KIND, csv_file([HEADER, row(), row(day="2026-02-01")]), apply=False)
    assert job.status == ImportStatus.VALID
    Indicator.objects.filter(code="SAL-REV").update(enabled=False)  # changed in between

    job = import_job_apply(actor=_hr(org), job=job)

    assert job.status == ImportStatus.INVALID
    assert not Actual.objects.exists()
    assert not ActualBatch.objects.exists()


def test_a_large_file_is_checked_and_applied_in_the_background(
    org: TestOrg, goal: Goal, settings: Any, client_for: ClientFor
) -> None:
    settings.PMS_IMPORT_BACKGROUND_ROWS = 2
    client = client_for("hr_admin")
    rows = [HEADER, *(row(day=f"2026-{month:02d}-01") for month in range(1, 7))]
    with patch("pms.core.tasks.validate_import_job"):  # the worker has not started yet
        response = client.post(reverse("tracking:imports"), {"file": csv_file(rows)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.VALIDATING
    progress_url = reverse("tracking:import_progress", args=[job.uuid])
    running = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert f'hx-get="{progress_url}"' in running.text

    import_job_validate(job=job)  # what the worker does
    finished = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    with patch("pms.core.tasks.apply_import_job") as task:
        client.post(reverse("tracking:import_apply", args=[job.uuid]))
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLYING
    assert not Actual.objects.exists()
    assert task.enqueue.call_count == 0  # enqueued once the transaction commits

    import_job_apply(actor=_hr(org), job=job)  # what the worker does

    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert Actual.objects.count() == 6


# --- template ------------------------------------------------------------------------------


def test_the_templates_have_the_chinese_columns_and_import_as_they_are(
    org: TestOrg, client_for: ClientFor
) -> None:
    client = client_for("hr_admin")

    xlsx = client.get(reverse("tracking:import_template", args=["xlsx"]))
    text = b"".join(client.get(reverse("tracking:import_template", args=["csv"])).streaming_content)  # type: ignore[attr-defined]

    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))  # type: ignore[attr-defined]
    first = workbook.worksheets[0]
    assert [c.value for c in next(first.iter_rows(max_row=1))] == HEADER
    assert first.max_row == 4
    assert workbook.worksheets[1].title == "说明"
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert lines[0] == HEADER
    assert len(lines) == 4
    # the example rows import once their people, department and indicator exist
    gf.period("2026年度")
    monthly_indicator(code="SAL-REVENUE")
    from pms.org.tests.factories import department, employee

    department("销售部", code="D-SALES")
    employee("示例甲", dept=org.sales1, number="E000123")
    employee("示例乙", dept=org.sales1, number="E000124")
    job = run(org, KIND, SimpleUploadedFile("模板.csv", text))
    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert Actual.objects.count() == 3


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["employee", "manager", "outsider", "head"])
def test_the_pages_are_not_found_for_those_who_may_not_import(
    client_for: ClientFor, persona: str, org: TestOrg, goal: Goal
) -> None:
    job = run(org, KIND, csv_file([HEADER, row()]), apply=False)
    client = client_for(persona)

    for url in (
        reverse("tracking:imports"),
        reverse("tracking:import_template", args=["xlsx"]),
        reverse("tracking:import", args=[job.uuid]),
        reverse("tracking:import_progress", args=[job.uuid]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("tracking:imports"), {"file": csv_file([HEADER, row()])}).status_code
        == 404
    )
    assert client.post(reverse("tracking:import_apply", args=[job.uuid])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID
    assert ImportJob.objects.count() == 1


def test_hr_uploads_checks_and_applies_through_the_pages(
    client_for: ClientFor, org: TestOrg, goal: Goal
) -> None:
    client = client_for("hr_admin")

    page = client.get(reverse("tracking:imports"))
    response = client.post(reverse("tracking:imports"), {"file": xlsx_file([HEADER, row()])})
    job = ImportJob.objects.get()
    detail = client.get(reverse("tracking:import", args=[job.uuid]))
    applied = client.post(reverse("tracking:import_apply", args=[job.uuid]))

    assert page.status_code == 200
    assert reverse("tracking:import_template", args=["xlsx"]) in page.text
    assert response.status_code == 302
    assert detail.status_code == 200
    assert reverse("tracking:import_apply", args=[job.uuid]) in detail.text
    assert applied.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert Actual.objects.count() == 1


def test_a_wrong_file_type_is_refused_on_the_page(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")

    response = client.post(
        reverse("tracking:imports"), {"file": SimpleUploadedFile("values.txt", b"x")}
    )

    assert response.status_code == 400
    assert ".xlsx or .csv" in response.text
    assert not ImportJob.objects.exists()


def test_an_hrbp_sees_only_their_own_jobs(client_for: ClientFor, org: TestOrg, goal: Goal) -> None:
    admin_job = run(org, KIND, csv_file([HEADER, row()]), apply=False)
    hrbp = client_for("hrbp")

    assert hrbp.get(reverse("tracking:imports")).status_code == 200
    assert hrbp.get(reverse("tracking:import", args=[admin_job.uuid])).status_code == 404
    assert (
        client_for("sysadmin").get(reverse("tracking:import", args=[admin_job.uuid])).status_code
        == 200
    )


def test_the_proposed_fast_insert_stores_what_bulk_create_stores(org: TestOrg, goal: Goal) -> None:
    from pms.tracking.services.actual_copy import insert_actuals

    rows = [
        Actual(
            series=f"e{org.employee.pk}:i{goal.indicator_id}:2026-0{m}-01:2026-0{m}-28",
            indicator_id=goal.indicator_id,
            employee=org.employee,
            start=dt.date(2026, m, 1),
            end=dt.date(2026, m, 28),
            value=Decimal("1.5"),
            source=ActualSource.API,
            source_name="ERP",
            external_id=f"x{m}",
        )
        for m in (1, 2)
    ]

    insert_actuals(rows)

    stored = Actual.objects.get(pk=rows[1].pk)
    assert (stored.external_id, stored.version, stored.is_current) == ("x2", 1, True)
    assert stored.created_at is not None


def test_absurd_numbers_are_bad_rows_and_nul_characters_are_dropped(
    org: TestOrg, period: Period, revenue: Indicator, goal: Goal
) -> None:
    job = run(org, KIND, csv_file([HEADER, row(value="1" * 30)]))
    assert job.status == ImportStatus.INVALID
    assert [(line, column) for line, column, _message in errors_of(job)] == [(2, "实际值")]

    job = run(org, KIND, csv_file([HEADER, row(day="2026-02-01", **{"备注": "坏\x00字符"})]))
    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert Actual.objects.get().note == "坏字符"
