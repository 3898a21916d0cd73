"""Exports in the import's columns: scoped to what the user may take away, and an export
imported again changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.models import AuditEntry, ImportStatus
from pms.org.models import Department, Employee, EmployeeStatus
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import EMPLOYEE_HEADER, run

ClientFor = Callable[[str], Client]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def xlsx_rows(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_employee_export_has_the_import_columns_and_chinese_status(
    org: TestOrg, client_for: ClientFor
) -> None:
    Employee.objects.filter(pk=org.peer.pk).update(status=EmployeeStatus.LEFT)

    response = client_for("hr_admin").get(reverse("org:export", args=["employees", "xlsx"]))

    assert response.status_code == 200
    rows = xlsx_rows(body(response))
    assert rows[0] == EMPLOYEE_HEADER
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == set(Employee.objects.values_list("number", flat=True))
    assert by_number["E0004"][4:7] == ["SALES1", "SALES-REP", "E0003"]
    assert by_number["E0005"][9] == "离职"
    assert by_number["E0004"][9] == "在职"


def test_hrbp_exports_only_their_scope(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("hrbp").get(reverse("org:export", args=["employees", "csv"]))

    numbers = {row[0] for row in csv_rows(body(response))[1:]}
    assert numbers == {"E0002", "E0003", "E0004", "E0005", "E0006"}


def test_employee_export_takes_the_directory_filters(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    url = reverse("org:export", args=["employees", "csv"])

    by_department = csv_rows(body(client.get(url, {"department": str(org.sales.uuid)})))
    by_position = csv_rows(body(client.get(url, {"position": str(org.employee.position.uuid)})))  # type: ignore[union-attr]
    by_text = csv_rows(body(client.get(url, {"q": "经理"})))
    unknown = csv_rows(body(client.get(url, {"department": "not-a-uuid"})))
    family = org.employee.position.role_family  # type: ignore[union-attr]
    by_family = csv_rows(body(client.get(url, {"family": str(family.uuid)})))
    by_status = csv_rows(body(client.get(url, {"status": "on_leave"})))

    assert {r[0] for r in by_department[1:]} == {"E0002", "E0003", "E0004", "E0005", "E0006"}
    assert {r[0] for r in by_position[1:]} == {"E0004", "E0005"}
    assert {r[0] for r in by_text[1:]} == {"E0003", "E0006"}
    assert unknown == [EMPLOYEE_HEADER]
    assert {r[0] for r in by_family[1:]} == {"E0004", "E0005"}
    assert by_status == [EMPLOYEE_HEADER]


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "outsider", "ceo"])
@pytest.mark.parametrize("kind", ["departments", "positions", "employees"])
def test_export_is_not_found_for_people_without_export_rights(
    client_for: ClientFor, persona: str, kind: str
) -> None:
    response = client_for(persona).get(reverse("org:export", args=[kind, "xlsx"]))

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["hr_admin", "hrbp", "sysadmin"])
def test_structure_exports_for_people_with_export_rights(
    client_for: ClientFor, persona: str
) -> None:
    client = client_for(persona)

    departments = client.get(reverse("org:export", args=["departments", "csv"]))
    positions = client.get(reverse("org:export", args=["positions", "xlsx"]))

    assert departments.status_code == positions.status_code == 200
    content = body(departments)
    assert content.startswith(b"\xef\xbb\xbf")
    assert {r[0] for r in csv_rows(content)[1:]} == set(
        Department.objects.values_list("code", flat=True)
    )
    assert xlsx_rows(body(positions))[1][:4] == ["SALES-REP", "销售代表", "SALES1", "销售"]


def test_unknown_export_kind_or_format_is_not_found(client_for: ClientFor) -> None:
    client = client_for("hr_admin")

    assert client.get(reverse("org:export", args=["wages", "csv"])).status_code == 404
    assert client.get(reverse("org:export", args=["employees", "pdf"])).status_code == 404


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imported_again_changes_nothing(
    org: TestOrg, client_for: ClientFor, fmt: str
) -> None:
    client = client_for("hr_admin")
    audit_before = AuditEntry.objects.count()

    for kind in ("departments", "positions", "employees"):
        content = body(client.get(reverse("org:export", args=[kind, fmt])))
        job = run(org, kind, SimpleUploadedFile(f"{kind}.{fmt}", content))

        assert job.status == ImportStatus.APPLIED, list(job.row_errors.values_list("message"))
        assert job.summary["create"] == job.summary["update"] == 0
        assert job.summary["unchanged"] == job.total_rows > 0
    assert AuditEntry.objects.count() == audit_before
