"""``manage.py import_org``: check, print every error with line and column, apply."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pms.core.models import AuditEntry, ImportJob, ImportStatus
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import EMPLOYEE_HEADER, csv_file, employee_row


def write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file(rows).read())
    return path


def test_command_checks_then_applies(org: TestOrg, tmp_path: Path) -> None:
    path = write(tmp_path, [EMPLOYEE_HEADER, employee_row("N1", "一号", manager="E0003")])
    out = StringIO()

    call_command("import_org", kind="employees", file=str(path), user="sysadmin", stdout=out)
    assert "Check passed" in out.getvalue()
    assert not Employee.objects.filter(number="N1").exists()

    call_command(
        "import_org", kind="employees", file=str(path), user="sysadmin", apply=True, stdout=out
    )
    assert "Applied: 1 created, 0 updated, 0 unchanged." in out.getvalue()
    person = Employee.objects.get(number="N1")
    assert person.manager == org.manager
    job = ImportJob.objects.filter(status=ImportStatus.APPLIED).get()
    assert AuditEntry.objects.filter(batch=str(job.uuid), channel="import").count() == 1


def test_command_prints_errors_with_line_and_column(org: TestOrg, tmp_path: Path) -> None:
    path = write(
        tmp_path, [EMPLOYEE_HEADER, employee_row("N1", "一号"), employee_row("N2", "二", "X")]
    )
    err = StringIO()

    with pytest.raises(CommandError, match="1 bad row"):
        call_command(
            "import_org",
            kind="employees",
            file=str(path),
            user="sysadmin",
            apply=True,
            stdout=StringIO(),
            stderr=err,
        )

    assert "line 3, column 部门编码: Unknown department code X." in err.getvalue()
    assert not Employee.objects.filter(number__in=["N1", "N2"]).exists()


def test_command_refuses_unknown_user(org: TestOrg, tmp_path: Path) -> None:
    path = write(tmp_path, [EMPLOYEE_HEADER, employee_row("N1", "一号")])

    with pytest.raises(CommandError, match="No user"):
        call_command("import_org", kind="employees", file=str(path), user="nobody")
