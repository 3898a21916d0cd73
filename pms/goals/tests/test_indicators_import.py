"""The indicator library in spreadsheets: the import kind (row checks, one transaction,
idempotent), the template, the export that imports back unchanged, and their pages."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.imports import get_importer
from pms.core.models import AuditEntry, ImportJob, ImportStatus
from pms.goals.exporters import indicators as exporter
from pms.goals.library import LIBRARY, load_library
from pms.goals.models import Indicator
from pms.goals.tests import factories as gf
from pms.org import exporters as org_exporters
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import csv_file, errors_of, hr_actor, run, xlsx_file

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
KIND = "indicators"
HEADER = [
    "代码",
    "名称",
    "定义",
    "计算公式",
    "单位",
    "方向",
    "数据来源",
    "来源系统",
    "更新频率",
    "汇总方式",
    "手工录入人",
    "BSC维度",
    "岗位序列",
    "评分规则",
    "启用",
    "员工可选",
    "排序",
]


def row(code: str, name: str, **values: str) -> list[str]:
    cells = {
        "代码": code,
        "名称": name,
        "定义": "",
        "计算公式": "",
        "单位": "%",
        "方向": "越高越好",
        "数据来源": "手工录入",
        "来源系统": "",
        "更新频率": "每月",
        "汇总方式": "累计",
        "手工录入人": "负责人或上级",
        "BSC维度": "财务",
        "岗位序列": "销售",
        "评分规则": "linear 0-120",
        "启用": "是",
        "员工可选": "是",
        "排序": "10",
    }
    cells.update(values)
    return [cells[h] for h in HEADER]


def _families(indicator: Indicator) -> list[str]:
    return sorted(f.code for f in indicator.role_families.all())


def _workbook(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def _download(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- the import kind --------------------------------------------------------------------------


def test_the_kind_is_registered_with_chinese_headers() -> None:
    importer = get_importer(KIND)

    assert importer is not None
    assert [c.header for c in importer.columns] == HEADER


def test_import_creates_indicators_in_one_batch(org: TestOrg) -> None:
    of.role_family("service", "客服")
    file = xlsx_file(
        [
            HEADER,
            row(
                "SVC-COMPLAINTS",
                "客户投诉次数",
                方向="越低越好",
                岗位序列="客服、sales",
                评分规则="deduction 100 -2 floor 0",
                员工可选="否",
                BSC维度="客户",
            ),
            row(
                "SAL-REVENUE",
                "销售额",
                数据来源="外部系统",
                来源系统="CRM",
                评分规则="bands 100:100,90:80 below 0",
                更新频率="季度",
            ),
        ]
    )

    job = run(org, KIND, file)

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert job.summary == {"create": 2, "update": 0, "unchanged": 0, "errors": 0}
    complaints = Indicator.objects.get(code="SVC-COMPLAINTS")
    assert complaints.direction == "lower"
    assert complaints.employee_selectable is False
    assert complaints.perspective == "customer"
    assert _families(complaints) == ["sales", "service"]
    assert complaints.scoring_rule == {
        "type": "deduction",
        "start": "100",
        "per_unit": "2",
        "floor": "0",
    }
    revenue = Indicator.objects.get(code="SAL-REVENUE")
    assert (revenue.data_source, revenue.source_system, revenue.frequency) == (
        "external",
        "CRM",
        "quarterly",
    )
    entries = AuditEntry.objects.filter(object_type="goals.indicator")
    assert entries.count() == 2
    assert {e.batch for e in entries} == {str(job.uuid)}
    assert {e.channel for e in entries} == {"import"}
    entry = entries.get(object_id=str(complaints.pk))
    assert entry.after is not None
    assert entry.after["scoring_rule"] == "deduction 100 -2 floor 0"
    assert entry.after["role_families"] == "客服、销售"


def test_every_bad_row_is_reported_with_line_and_column_and_nothing_is_written(
    org: TestOrg,
) -> None:
    gf.library_indicator("销售额", code="SAL-REVENUE")
    file = csv_file(
        [
            HEADER,
            row("OK-1", "好的一行"),
            row("BAD-DIR", "方向错", 方向="往上"),
            row("BAD-FAM", "序列错", 岗位序列="销售、火星"),
            row("BAD-RULE", "规则错", 评分规则="bands 90:80,100:100"),
            row("OK-1", "重复"),
            row("EXT", "外部无系统", 数据来源="外部系统"),
            row("A B", "代码有空格"),
            row("BAD-FLAG", "启用错", 启用="也许"),
            row("BAD-ORDER", "排序错", 排序="-3"),
            row("sal-revenue", "大小写重复"),
            row("", "无代码"),
        ]
    )

    job = run(org, KIND, file)

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [
        (3, "方向", "Unknown value 往上; use one of 越高越好、越低越好、区间."),
        (4, "岗位序列", "Unknown role family 火星."),
        (5, "评分规则", "Band 2: each minimum must be below the one before."),
        (6, "代码", "Duplicate OK-1: already on line 2."),
        (7, "来源系统", "Name the external system the values come from."),
        (8, "代码", "A code cannot contain spaces."),
        (9, "启用", "Write 是 or 否 (yes or no)."),
        (10, "排序", "Write a whole number, 0 or more."),
        (11, "代码", "The code SAL-REVENUE is already used by another indicator."),
        (12, "代码", "This value is required."),
    ]
    assert job.summary["create"] == 1
    assert list(Indicator.objects.values_list("code", flat=True)) == ["SAL-REVENUE"]


def test_missing_required_columns_are_named(org: TestOrg) -> None:
    job = run(org, KIND, csv_file([["代码", "方向"], ["X", "越高越好"]]))

    assert errors_of(job) == [(1, "", "Required columns are missing: 名称")]


def test_import_updates_only_what_differs_and_keeps_absent_columns(org: TestOrg) -> None:
    indicator = gf.library_indicator(
        "回款率", code="SAL-COLLECTION", rule="passfail 100", unit="%", perspective="financial"
    )
    indicator.enabled = False
    indicator.save(update_fields=["enabled"])
    file = csv_file([["代码", "名称", "评分规则"], ["SAL-COLLECTION", "回款率", "linear 0-150"]])

    job = run(org, KIND, file)

    assert job.summary == {"create": 0, "update": 1, "unchanged": 0, "errors": 0}
    indicator.refresh_from_db()
    assert indicator.scoring_rule == {"type": "linear", "floor": "0", "cap": "150"}
    assert (indicator.enabled, indicator.unit, indicator.perspective) == (False, "%", "financial")
    assert _families(indicator) == ["sales"]
    entry = AuditEntry.objects.filter(object_type="goals.indicator").first()
    assert entry is not None
    assert (entry.before, entry.after) == (
        {"scoring_rule": "passfail 100"},
        {"scoring_rule": "linear 0-150"},
    )


def test_import_replaces_role_families(org: TestOrg) -> None:
    indicator = gf.library_indicator("回款率", code="SAL-COLLECTION", families=("sales", "rnd"))
    of.role_family("service", "客服")

    job = run(org, KIND, csv_file([HEADER, row("SAL-COLLECTION", "回款率", 岗位序列="客服")]))

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert _families(indicator) == ["service"]


def test_the_export_imports_back_unchanged_and_twice_is_idempotent(
    org: TestOrg, client_for: ClientFor
) -> None:
    load_library(actor=hr_actor(org))
    export = client_for("hr_admin").get(reverse("goals:indicator_export", args=["xlsx"]))
    content = _download(export)
    entries = AuditEntry.objects.count()

    first = run(org, KIND, SimpleUploadedFile("library.xlsx", content))
    second = run(org, KIND, SimpleUploadedFile("library.xlsx", content))

    for job in (first, second):
        assert job.status == ImportStatus.APPLIED, errors_of(job)
        assert job.summary == {"create": 0, "update": 0, "unchanged": len(LIBRARY), "errors": 0}
    assert AuditEntry.objects.count() == entries


def _exported() -> bytes:
    """The library as the export page writes it."""
    rows = exporter.export_rows(Indicator.objects.all())
    return org_exporters.write_xlsx(exporter.headers(), rows, title=exporter.TITLE).read()


def test_a_fresh_database_takes_the_exported_library(org: TestOrg) -> None:
    load_library(actor=hr_actor(org))
    content = _exported()
    before = {
        i.code: (i.name, i.scoring_rule, i.direction, i.source_system, _families(i))
        for i in Indicator.objects.all()
    }
    Indicator.objects.all().delete()

    job = run(org, KIND, SimpleUploadedFile("library.xlsx", content))

    assert job.summary["create"] == len(LIBRARY)
    after = {
        i.code: (i.name, i.scoring_rule, i.direction, i.source_system, _families(i))
        for i in Indicator.objects.all()
    }
    assert after == before


# --- pages ------------------------------------------------------------------------------------


def test_keeper_uploads_checks_and_applies(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    assert client.get(reverse("goals:indicator_imports")).status_code == 200

    response = client.post(
        reverse("goals:indicator_imports"),
        {"file": xlsx_file([HEADER, row("SAL-X", "新指标")])},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:indicator_import", args=[job.uuid])
    assert job.status == ImportStatus.VALID
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert reverse("goals:indicator_import_apply", args=[job.uuid]) in detail.text
    assert not Indicator.objects.exists()
    progress = client.get(reverse("goals:indicator_import_progress", args=[job.uuid]))
    assert progress.status_code == 200

    applied = client.post(reverse("goals:indicator_import_apply", args=[job.uuid]))

    assert applied.status_code == 302
    assert Indicator.objects.get().name == "新指标"
    listing = client.get(reverse("goals:indicator_imports"))
    assert reverse("goals:indicator_import", args=[job.uuid]) in listing.text


def test_upload_of_a_wrong_file_shows_the_message(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("hr_admin").post(
        reverse("goals:indicator_imports"),
        {"file": SimpleUploadedFile("notes.txt", b"hello")},
    )

    assert response.status_code == 400
    assert "Please upload an .xlsx or .csv file." in response.text
    assert not ImportJob.objects.exists()


def test_bad_rows_are_listed_on_the_job_page(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("sysadmin")
    client.post(
        reverse("goals:indicator_imports"),
        {"file": csv_file([HEADER, row("X", "规则错", 评分规则="curve")])},
    )
    job = ImportJob.objects.get()

    response = client.get(reverse("goals:indicator_import", args=[job.uuid]))

    assert job.status == ImportStatus.INVALID
    assert "评分规则" in response.text
    assert "Cannot read the rule" in response.text
    assert reverse("goals:indicator_import_apply", args=[job.uuid]) not in response.text


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp", "ceo"])
def test_colleagues_may_not_import_or_export(
    org: TestOrg, client_for: ClientFor, persona: str
) -> None:
    client = client_for(persona)
    hr_job = run(org, KIND, csv_file([HEADER, row("SAL-X", "新指标")]), apply=False)

    assert client.get(reverse("goals:indicator_imports")).status_code == 403
    upload = {"file": csv_file([HEADER, row("SAL-Y", "别的")])}
    assert client.post(reverse("goals:indicator_imports"), upload).status_code == 403
    assert client.get(reverse("goals:indicator_import", args=[hr_job.uuid])).status_code == 403
    assert (
        client.post(reverse("goals:indicator_import_apply", args=[hr_job.uuid])).status_code == 403
    )
    assert client.get(reverse("goals:indicator_export", args=["xlsx"])).status_code == 403
    assert client.get(reverse("goals:indicator_template", args=["xlsx"])).status_code == 403
    assert ImportJob.objects.count() == 1
    assert not Indicator.objects.exists()


def test_jobs_of_other_kinds_are_not_found_here(org: TestOrg, client_for: ClientFor) -> None:
    from pms.org.tests.test_import_org import EMPLOYEE_HEADER, employee_row

    job = run(org, "employees", csv_file([EMPLOYEE_HEADER, employee_row("N1", "甲")]), apply=False)

    response = client_for("hr_admin").get(reverse("goals:indicator_import", args=[job.uuid]))

    assert response.status_code == 404


def test_template_has_the_headers_an_example_and_explanations(client_for: ClientFor) -> None:
    response = client_for("hr_admin").get(reverse("goals:indicator_template", args=["xlsx"]))

    assert response.status_code == 200
    workbook = _workbook(_download(response))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == "SAL-REVENUE"
    notes = [r[0] for r in workbook["说明"].iter_rows(values_only=True)]
    assert "评分规则" in notes
    assert "veto D" in notes
    csv_response = client_for("hr_admin").get(reverse("goals:indicator_template", args=["csv"]))
    assert _download(csv_response).decode("utf-8-sig").startswith(",".join(HEADER))


def test_export_has_every_indicator_in_the_import_columns(
    org: TestOrg, client_for: ClientFor
) -> None:
    gf.library_indicator(
        "客户投诉次数",
        code="SVC-COMPLAINTS",
        families=("service", "sales"),
        rule="deduction 100 -2 floor 0",
        direction="lower",
        employee_selectable=False,
    )
    disabled = gf.library_indicator("旧指标", code="OLD")
    disabled.enabled = False
    disabled.save(update_fields=["enabled"])

    response = client_for("hr_admin").get(reverse("goals:indicator_export", args=["xlsx"]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(_workbook(_download(response)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    by_code = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {"SVC-COMPLAINTS", "OLD"}
    complaints = by_code["SVC-COMPLAINTS"]
    assert complaints["方向"] == "越低越好"
    assert complaints["评分规则"] == "deduction 100 -2 floor 0"
    assert set(complaints["岗位序列"].split("、")) == {"客服", "销售"}
    assert complaints["员工可选"] == "否"
    assert complaints["汇总方式"] == "累计"
    assert complaints["手工录入人"] == "负责人或上级"
    assert by_code["OLD"]["启用"] == "否"


def test_export_refuses_outsiders_and_unknown_formats(client_for: ClientFor, org: TestOrg) -> None:
    from pms.accounts.models import User

    stranger = Client()
    stranger.force_login(User.objects.create_user(username="stranger", password="x"))

    assert stranger.get(reverse("goals:indicator_export", args=["xlsx"])).status_code == 404
    assert (
        client_for("hr_admin").get(reverse("goals:indicator_export", args=["pdf"])).status_code
        == 404
    )


def test_aggregation_and_who_enters_by_hand_are_imported(org: TestOrg) -> None:
    file = xlsx_file(
        [HEADER, row("CSAT", "客户满意度", 汇总方式="平均值", 手工录入人="不可手工录入")]
    )

    job = run(org, KIND, file)

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    indicator = Indicator.objects.get(code="CSAT")
    assert indicator.aggregation == "average"
    assert indicator.entry_by == "nobody"


def test_an_unknown_aggregation_is_reported_with_its_column(org: TestOrg) -> None:
    job = run(org, KIND, xlsx_file([HEADER, row("CSAT", "客户满意度", 汇总方式="随便")]))

    assert job.status == ImportStatus.INVALID
    assert [(line, column) for line, column, _message in errors_of(job)] == [(2, "汇总方式")]
    assert not Indicator.objects.filter(code="CSAT").exists()
