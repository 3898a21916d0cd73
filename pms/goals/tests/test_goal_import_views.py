"""The goal files pages: upload, check with every bad row, progress, apply; templates with
an explanations sheet; who may see, upload and follow an import."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.imports import import_job_validate
from pms.core.models import AuditEntry, ImportJob, ImportStatus
from pms.goals.importers.goal_files import (
    DEPARTMENT_GOALS,
    SCORECARD_GOALS,
    SCORECARD_GOALS_REPLACE,
)
from pms.goals.models import Goal, Period
from pms.goals.tests import factories as f
from pms.goals.tests.test_goal_import_scorecards import HEADER, row
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import csv_file, xlsx_file

ClientFor = Callable[[str], Client]
FILES = "goals:goal_files"


def upload(client: Client, file: SimpleUploadedFile, **data: Any) -> Any:
    return client.post(reverse(FILES), {"kind": SCORECARD_GOALS, "file": file, **data})


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period("2026年度")


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["hr_admin", "sysadmin", "hrbp"])
def test_importers_see_the_upload_form_templates_and_exports(
    client_for: ClientFor, persona: str, period: Period
) -> None:
    response = client_for(persona).get(reverse(FILES))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert reverse("goals:goal_file_template", args=[SCORECARD_GOALS, "xlsx"]) in response.text
    assert reverse("goals:goal_file_export", args=[DEPARTMENT_GOALS, "csv"]) in response.text
    assert str(period.uuid) in response.text


@pytest.mark.parametrize("persona", ["manager", "head"])
def test_managers_see_exports_but_may_not_upload(client_for: ClientFor, persona: str) -> None:
    client = client_for(persona)

    page = client.get(reverse(FILES))
    posted = upload(client, xlsx_file([HEADER, row()]))

    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.text
    assert reverse("goals:goal_file_export", args=[SCORECARD_GOALS, "xlsx"]) in page.text
    assert posted.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["employee", "outsider", "committee"])
def test_everyone_else_gets_not_found(client_for: ClientFor, persona: str) -> None:
    client = client_for(persona)

    assert client.get(reverse(FILES)).status_code == 404
    assert upload(client, xlsx_file([HEADER, row()])).status_code == 404
    template = reverse("goals:goal_file_template", args=[SCORECARD_GOALS, "xlsx"])
    assert client.get(template).status_code == 404
    assert not ImportJob.objects.exists()


def test_anonymous_users_are_sent_to_sign_in() -> None:
    response = Client().get(reverse(FILES))

    assert response.status_code == 302
    assert "next=" in response["Location"]


# --- upload, check, apply ------------------------------------------------------------------


def test_upload_check_and_apply(org: TestOrg, client_for: ClientFor, period: Period) -> None:
    client = client_for("hr_admin")

    response = upload(client, xlsx_file([HEADER, row()]))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:goal_file_import", args=[job.uuid])
    assert job.kind == SCORECARD_GOALS
    assert job.status == ImportStatus.VALID
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("goals:goal_file_import_apply", args=[job.uuid]) in page.text
    assert not Goal.objects.exists()

    applied = client.post(reverse("goals:goal_file_import_apply", args=[job.uuid]), follow=True)

    assert applied.status_code == 200
    assert "The import has been applied." in applied.text
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    goal = Goal.objects.get()
    assert goal.employee == org.employee
    assert AuditEntry.objects.filter(batch=str(job.uuid), object_id=str(goal.pk)).exists()
    listing = client.get(reverse(FILES))
    assert job.original_name in listing.text


def test_the_check_lists_every_bad_row_and_nothing_can_be_applied(
    client_for: ClientFor, period: Period
) -> None:
    client = client_for("hr_admin")
    upload(client, csv_file([HEADER, row("E9999", "甲"), row(title="乙", 期间="没有")]))
    job = ImportJob.objects.get()

    page = client.get(reverse("goals:goal_file_import", args=[job.uuid]))
    applied = client.post(reverse("goals:goal_file_import_apply", args=[job.uuid]), follow=True)

    assert job.status == ImportStatus.INVALID
    assert "Unknown employee number E9999." in page.text
    assert "Unknown period 没有." in page.text
    assert "员工工号" in page.text
    assert reverse("goals:goal_file_import_apply", args=[job.uuid]) not in page.text
    assert "Only a checked import without errors can be applied." in applied.text
    assert not Goal.objects.exists()


def test_the_replace_box_makes_a_replacing_import(client_for: ClientFor, period: Period) -> None:
    upload(client_for("hr_admin"), xlsx_file([HEADER, row()]), replace="on")

    assert ImportJob.objects.get().kind == SCORECARD_GOALS_REPLACE


def test_department_goals_are_uploaded_through_the_same_page(
    client_for: ClientFor, period: Period
) -> None:
    file = xlsx_file(
        [["部门编码", "期间", "目标类型", "目标名称"], ["SALES", "2026年度", "KPI", "甲"]]
    )

    client_for("hr_admin").post(reverse(FILES), {"kind": DEPARTMENT_GOALS, "file": file})

    job = ImportJob.objects.get()
    assert job.kind == DEPARTMENT_GOALS
    assert job.status == ImportStatus.VALID


def test_a_bad_file_gets_a_clear_message(client_for: ClientFor) -> None:
    response = upload(client_for("hr_admin"), SimpleUploadedFile("goals.txt", b"hello"))

    assert response.status_code == 400
    assert "Please upload an .xlsx or .csv file." in response.text
    assert not ImportJob.objects.exists()


def test_a_large_file_is_checked_in_the_background_with_progress(
    client_for: ClientFor, period: Period, settings: Any
) -> None:
    settings.PMS_IMPORT_BACKGROUND_ROWS = 0
    client = client_for("hr_admin")
    with patch("pms.core.tasks.validate_import_job"):  # the worker has not started yet
        upload(client, xlsx_file([HEADER, row()]))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALIDATING
    url = reverse("goals:goal_file_import_progress", args=[job.uuid])

    running = client.get(url, HTTP_HX_REQUEST="true")
    page = client.get(reverse("goals:goal_file_import", args=[job.uuid]))
    import_job_validate(job=job)  # what the background worker does
    finished = client.get(url, HTTP_HX_REQUEST="true")

    assert job.status == ImportStatus.VALID
    assert running.status_code == 200
    assert f'hx-get="{url}"' in running.text
    assert f'hx-get="{url}"' in page.text
    assert "HX-Refresh" not in running
    assert finished["HX-Refresh"] == "true"


# --- who follows an import -----------------------------------------------------------------


def test_an_hrbp_sees_their_own_imports_and_admins_see_all(
    client_for: ClientFor, period: Period
) -> None:
    upload(client_for("hr_admin"), xlsx_file([HEADER, row()]))
    admin_job = ImportJob.objects.get()
    upload(client_for("hrbp"), xlsx_file([HEADER, row()]))
    hrbp_job = ImportJob.objects.exclude(pk=admin_job.pk).get()
    hrbp = client_for("hrbp")
    admin = client_for("hr_admin")

    assert hrbp.get(reverse("goals:goal_file_import", args=[admin_job.uuid])).status_code == 404
    assert (
        hrbp.post(reverse("goals:goal_file_import_apply", args=[admin_job.uuid])).status_code == 404
    )
    assert hrbp.get(reverse("goals:goal_file_import", args=[hrbp_job.uuid])).status_code == 200
    assert admin.get(reverse("goals:goal_file_import", args=[hrbp_job.uuid])).status_code == 200
    listing = hrbp.get(reverse(FILES))
    assert str(hrbp_job.uuid) in listing.text
    assert str(admin_job.uuid) not in listing.text


@pytest.mark.parametrize("persona", ["manager", "employee", "outsider"])
def test_import_jobs_are_not_found_for_others(
    client_for: ClientFor, period: Period, persona: str
) -> None:
    upload(client_for("hr_admin"), xlsx_file([HEADER, row()]))
    job = ImportJob.objects.get()
    client = client_for(persona)

    assert client.get(reverse("goals:goal_file_import", args=[job.uuid])).status_code == 404
    progress = reverse("goals:goal_file_import_progress", args=[job.uuid])
    assert client.get(progress).status_code == 404
    apply = reverse("goals:goal_file_import_apply", args=[job.uuid])
    assert client.post(apply).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID


def test_org_import_jobs_are_not_shown_here(client_for: ClientFor, org: TestOrg) -> None:
    file = csv_file([["工号", "姓名", "部门编码"], ["N1", "甲", "SALES1"]])
    client_for("hr_admin").post(reverse("org:imports"), {"kind": "employees", "file": file})
    job = ImportJob.objects.get()

    response = client_for("hr_admin").get(reverse("goals:goal_file_import", args=[job.uuid]))

    assert response.status_code == 404


# --- templates -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [SCORECARD_GOALS, DEPARTMENT_GOALS])
def test_templates_have_the_import_header_and_an_explanations_sheet(
    client_for: ClientFor, kind: str
) -> None:
    response = client_for("manager").get(reverse("goals:goal_file_template", args=[kind, "xlsx"]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames[1] == "说明"
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    notes = [r[0] for r in workbook.worksheets[1].iter_rows(values_only=True) if r and r[0]]
    workbook.close()
    assert header[2:4] == ("目标类型", "目标名称")
    assert set(header) <= set(notes)


def test_a_csv_template_and_an_unknown_one(client_for: ClientFor) -> None:
    client = client_for("hr_admin")

    csv = client.get(reverse("goals:goal_file_template", args=[SCORECARD_GOALS, "csv"]))
    unknown = client.get(reverse("goals:goal_file_template", args=["wages", "csv"]))

    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.startswith("员工工号,期间,目标类型,目标名称")
    assert unknown.status_code == 404
