"""Importing bonus bases and salaries for a plan: every bad row reported with its line and
column, nothing written until a clean file is applied, the same file again changes
nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pms.core.audit import Actor
from pms.core.imports import import_job_apply
from pms.core.models import AuditAction, AuditChannel, AuditEntry, ImportJob, ImportStatus
from pms.org.tests.factories import TestOrg
from pms.outcomes.importers.pay import pay_import_start
from pms.outcomes.models import BonusLine, BonusPlan, PayImport, PlanStatus, RaiseLine, RaisePlan
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return pf.hr_actor(org.hr_admin)


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    the_cycle = pf.results_cycle()
    for person, grade in (
        (org.employee, "A"),
        (org.peer, "B"),
        (org.manager, "B"),
        (org.other_manager, "C"),
    ):
        pf.result(the_cycle, person, grade)
    return the_cycle


def csv_file(text: str, name: str = "bases.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def xlsx_file(rows: list[list[object]], name: str = "salaries.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in job.row_errors.order_by("line", "id")]


def bases(plan: BonusPlan) -> dict[str, Decimal | None]:
    return dict(BonusLine.objects.filter(plan=plan).values_list("employee__number", "base"))


def test_every_bad_row_is_reported_and_nothing_is_written(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle)
    text = (
        "工号,奖金基数\n"
        "E0004,10000\n"  # 2: fine
        "E9999,100\n"  # 3: nobody
        "E0005,abc\n"  # 4: not a number
        "E0003,-5\n"  # 5: negative
        "E0004,200\n"  # 6: the same person again
        ",100\n"  # 7: no 工号
        "E0006,1.005\n"  # 8: three decimals
        "E0007,1000\n"  # 9: no result in the cycle (the outsider)
    )
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file(text))
    assert job.status == ImportStatus.INVALID
    assert PayImport.objects.get(job=job).bonus_plan == plan
    assert errors_of(job) == [
        (3, "工号", "Nobody with this 工号 has a result in the plan's cycle."),
        (4, "奖金基数", "Enter a number, such as 500 or 12.5."),
        (5, "奖金基数", "Enter an amount of 0 or more."),
        (6, "工号", "This 工号 is already on line 2."),
        (7, "工号", "This value is required."),
        (8, "奖金基数", "Use at most 2 decimal places."),
        (9, "工号", "Nobody with this 工号 has a result in the plan's cycle."),
    ]
    assert set(bases(plan).values()) == {None}
    assert not AuditEntry.objects.filter(object_type="outcomes.bonusline").exists()
    with pytest.raises(ValidationError):
        import_job_apply(actor=hr, job=job)
    assert set(bases(plan).values()) == {None}


def test_a_clean_file_is_applied_once_and_again_changes_nothing(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle)
    bonus_services.bonus_plan_compute(actor=hr, plan=plan)
    text = '工号,奖金基数\nE0004,"10,000"\nE0005,8000.5\nE0003,0\n'
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file(text))
    assert job.status == ImportStatus.VALID
    assert job.summary == {"create": 0, "update": 3, "unchanged": 0, "errors": 0}
    assert set(bases(plan).values()) == {None}  # checking writes nothing
    job = import_job_apply(actor=hr, job=job)
    assert job.status == ImportStatus.APPLIED
    assert bases(plan) == {
        "E0004": D("10000.00"),
        "E0005": D("8000.50"),
        "E0003": D("0.00"),
        "E0006": None,
    }
    entries = AuditEntry.objects.filter(object_type="outcomes.bonusline", batch=str(job.uuid))
    assert entries.count() == 3
    assert {e.channel for e in entries} == {AuditChannel.IMPORT}
    mine = entries.get(object_id=str(pf.line_of(plan, org.employee).pk))
    assert (mine.before, mine.after) == ({"base": None}, {"base": "10000"})
    plan.refresh_from_db()
    assert plan.computed_at is None
    assert AuditEntry.objects.filter(
        object_type="outcomes.bonusplan", object_id=str(plan.pk), action=AuditAction.IMPORT
    ).exists()
    # the same file again: all unchanged, nothing written
    before = AuditEntry.objects.count()
    again = pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file(text))
    assert again.summary == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}
    again = import_job_apply(actor=hr, job=again)
    assert again.status == ImportStatus.APPLIED
    assert AuditEntry.objects.count() == before
    assert bases(plan)["E0004"] == D("10000.00")


def test_a_result_without_a_line_gets_one(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    pf.result(cycle, org.head, "A")
    job = pay_import_start(
        actor=hr, plan=plan, uploaded_file=csv_file("工号,奖金基数\nE0002,30000\n")
    )
    assert job.summary["create"] == 1
    import_job_apply(actor=hr, job=job)
    line = pf.line_of(plan, org.head)
    assert (line.base, line.grade, line.coefficient, line.department) == (
        D("30000.00"),
        "A",
        D("1.20"),
        org.sales,
    )
    assert AuditEntry.objects.filter(
        object_type="outcomes.bonusline", object_id=str(line.pk), action=AuditAction.CREATE
    ).exists()


def test_a_locked_plan_takes_no_file(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file("工号,奖金基数\nE0004,1\n"))
    assert job.status == ImportStatus.VALID
    bonus_services.bonus_plan_compute(actor=hr, plan=plan)
    bonus_services.bonus_plan_lock(actor=hr, plan=plan)
    # locked between the check and "apply": nothing is written
    job = import_job_apply(actor=hr, job=job)
    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [(1, "", "This plan is locked; nothing in it can change.")]
    assert bases(plan)["E0004"] is None
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED
    with pytest.raises(ValidationError):
        pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file("工号,奖金基数\nE0004,1\n"))


def test_a_file_without_the_columns(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=csv_file("工号,金额\nE0004,1\n"))
    assert errors_of(job) == [(1, "", "Required columns are missing: 奖金基数")]
    with pytest.raises(ValidationError) as caught:
        pay_import_start(
            actor=hr,
            plan=plan,
            uploaded_file=SimpleUploadedFile("bases.txt", b"x"),
        )
    assert "file" in caught.value.message_dict


def test_salaries_from_a_workbook(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan: RaisePlan = pf.raise_plan(hr, cycle)
    rows: list[list[object]] = [
        ["工号", "月薪", "薪级下限", "薪级上限"],
        ["E0004", 10000, 8000, 14000],
        ["E0005", 9000, 12000, 10000],  # 3: max below min
        ["E0003", 9000, "", 10000],  # 4: no minimum
        ["E0006", "一万", 8000, 9000],  # 5: not a number
    ]
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=xlsx_file(rows))
    assert errors_of(job) == [
        (3, "薪级上限", "The range's maximum must not be below its minimum."),
        (4, "薪级下限", "This value is required."),
        (5, "月薪", "Enter a number, such as 500 or 12.5."),
    ]
    assert not RaiseLine.objects.filter(plan=plan, salary__isnull=False).exists()
    job = pay_import_start(actor=hr, plan=plan, uploaded_file=xlsx_file(rows[:2]))
    job = import_job_apply(actor=hr, job=job)
    assert job.status == ImportStatus.APPLIED
    line = pf.raise_line_of(plan, org.employee)
    assert (line.salary, line.range_min, line.range_max) == (D("10000"), D("8000"), D("14000"))
    again = pay_import_start(actor=hr, plan=plan, uploaded_file=xlsx_file(rows[:2]))
    assert again.summary == {"create": 0, "update": 0, "unchanged": 1, "errors": 0}
