"""The import pages: upload, preview with every error, progress, apply, templates; only
for company-wide HR admins and system admins."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.models import ImportJob, ImportStatus
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import EMPLOYEE_HEADER, csv_file, employee_row, xlsx_file

ClientFor = Callable[[str], Client]
REFUSED = ["employee", "manager", "head", "outsider", "hrbp", "ceo"]


def upload(client: Client, kind: str, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("org:imports"), {"kind": kind, "file": file})


def make_job(org: TestOrg, client_for: ClientFor, rows: list[list[str]]) -> ImportJob:
    response = upload(client_for("hr_admin"), "employees", csv_file(rows))
    assert response.status_code == 302
    return ImportJob.objects.get()


@pytest.mark.parametrize("persona", ["hr_admin", "sysadmin"])
def test_import_page_is_for_company_wide_hr_and_system_admins(
    client_for: ClientFor, persona: str
) -> None:
    response = client_for(persona).get(reverse("org:imports"))

    assert response.status_code == 200
    assert reverse("org:import_template", args=["employees", "xlsx"]) in response.text


@pytest.mark.parametrize("persona", REFUSED)
def test_import_page_is_not_found_for_everyone_else(client_for: ClientFor, persona: str) -> None:
    client = client_for(persona)

    assert client.get(reverse("org:imports")).status_code == 404
    response = upload(client, "employees", csv_file([EMPLOYEE_HEADER, employee_row("N1", "甲")]))
    assert response.status_code == 404
    assert not ImportJob.objects.exists()


def test_upload_check_preview_and_apply(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    file = xlsx_file(
        [EMPLOYEE_HEADER, employee_row("N1", "一号", manager="E0003"), employee_row("N2", "二号")]
    )

    response = upload(client, "employees", file)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("org:import", args=[job.uuid])
    assert job.status == ImportStatus.VALID
    assert job.created_by == org.hr_admin.user
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("org:import_apply", args=[job.uuid]) in page.text
    assert not Employee.objects.filter(number__in=["N1", "N2"]).exists()

    applied = client.post(reverse("org:import_apply", args=[job.uuid]))

    assert applied.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert Employee.objects.get(number="N1").manager == org.manager
    # applying twice does nothing more
    again = client.post(reverse("org:import_apply", args=[job.uuid]), follow=True)
    assert "Only a checked import without errors can be applied." in again.text


def test_preview_lists_every_error_page_by_page(
    org: TestOrg, client_for: ClientFor, settings: Any
) -> None:
    settings.PMS_PAGE_SIZE = 2
    job = make_job(
        org,
        client_for,
        [
            EMPLOYEE_HEADER,
            employee_row("N1", "", "SALES1"),
            employee_row("N2", "乙", "NOPE"),
            employee_row("N3", "丙", status="退休"),
        ],
    )
    client = client_for("hr_admin")

    first = client.get(reverse("org:import", args=[job.uuid]))
    second = client.get(reverse("org:import", args=[job.uuid]), {"page": 2})

    assert job.status == ImportStatus.INVALID
    assert "This value is required." in first.text
    assert "Unknown department code NOPE." in first.text
    assert "Unknown status 退休" in second.text
    assert reverse("org:import_apply", args=[job.uuid]) not in first.text
    assert client.post(reverse("org:import_apply", args=[job.uuid])).status_code == 302
    assert not Employee.objects.filter(number__in=["N1", "N2", "N3"]).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.txt", b"hello", "Please upload an .xlsx or .csv file."),
        ("people.xlsx", b"PK\x03\x04 not really a workbook", "This is not a valid .xlsx file."),
        ("people.xlsx", b"just text", "This is not a valid .xlsx file."),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(
    client_for: ClientFor, name: str, content: bytes, message: str
) -> None:
    response = upload(client_for("hr_admin"), "employees", SimpleUploadedFile(name, content))

    assert response.status_code == 400
    assert message in response.text
    assert not ImportJob.objects.exists()


def test_an_empty_file_or_unknown_kind_is_refused(client_for: ClientFor) -> None:
    client = client_for("hr_admin")

    empty = upload(client, "employees", SimpleUploadedFile("people.csv", b""))
    unknown = upload(client, "wages", csv_file([EMPLOYEE_HEADER]))

    assert empty.status_code == 400
    assert unknown.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_header_only_file_is_checked_as_having_no_rows(client_for: ClientFor) -> None:
    upload(client_for("hr_admin"), "employees", csv_file([EMPLOYEE_HEADER]))

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    assert [(e.line, e.message) for e in job.row_errors.all()] == [
        (1, "The file has no data rows.")
    ]


@pytest.mark.parametrize("persona", REFUSED)
def test_a_job_is_not_found_for_people_who_may_not_import(
    org: TestOrg, client_for: ClientFor, persona: str
) -> None:
    job = make_job(org, client_for, [EMPLOYEE_HEADER, employee_row("N1", "甲")])
    client = client_for(persona)

    assert client.get(reverse("org:import", args=[job.uuid])).status_code == 404
    assert client.get(reverse("org:import_progress", args=[job.uuid])).status_code == 404
    assert client.post(reverse("org:import_apply", args=[job.uuid])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID


def test_progress_polls_while_running_and_refreshes_when_done(
    org: TestOrg, client_for: ClientFor
) -> None:
    job = make_job(org, client_for, [EMPLOYEE_HEADER, employee_row("N1", "甲")])
    client = client_for("sysadmin")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATING, total_rows=10, processed_rows=4
    )

    running = client.get(reverse("org:import_progress", args=[job.uuid]), HTTP_HX_REQUEST="true")

    assert running.status_code == 200
    assert 'hx-trigger="every 2s"' in running.text
    assert "width: 40%" in running.text
    assert "HX-Refresh" not in running
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALID, processed_rows=10)
    done = client.get(reverse("org:import_progress", args=[job.uuid]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert "every 2s" not in done.text


def test_xlsx_template_has_header_example_and_notes(client_for: ClientFor) -> None:
    response = client_for("hr_admin").get(
        reverse("org:import_template", args=["employees", "xlsx"])
    )

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["员工", "说明"]
    rows = list(workbook["员工"].iter_rows(values_only=True))
    assert list(rows[0]) == EMPLOYEE_HEADER
    assert rows[1][0] == "E1001"
    notes = [row[0] for row in workbook["说明"].iter_rows(values_only=True)]
    assert "直接上级工号" in notes


def test_csv_template_is_utf8_with_bom(client_for: ClientFor) -> None:
    response = client_for("sysadmin").get(
        reverse("org:import_template", args=["departments", "csv"])
    )

    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert (
        body.decode("utf-8-sig").splitlines()[0] == "部门编码,部门名称,上级部门编码,负责人工号,排序"
    )


@pytest.mark.parametrize("persona", REFUSED)
def test_templates_are_not_found_for_people_who_may_not_import(
    client_for: ClientFor, persona: str
) -> None:
    url = reverse("org:import_template", args=["employees", "xlsx"])

    assert client_for(persona).get(url).status_code == 404


def test_unknown_template_kind_or_format_is_not_found(client_for: ClientFor) -> None:
    client = client_for("hr_admin")

    assert client.get(reverse("org:import_template", args=["wages", "xlsx"])).status_code == 404
    assert client.get(reverse("org:import_template", args=["employees", "pdf"])).status_code == 404
