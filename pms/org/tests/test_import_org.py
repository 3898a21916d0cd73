"""Importing departments, positions and employees through the services: every error with
its line and column, all-or-nothing apply, idempotent re-imports, audit and paths."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.imports import import_job_apply, import_job_create
from pms.core.models import AuditChannel, AuditEntry, ImportJob, ImportStatus
from pms.org.models import Department, Employee, EmployeeStatus, Position
from pms.org.tests.factories import TestOrg

EMPLOYEE_HEADER = [
    "工号",
    "姓名",
    "邮箱",
    "手机",
    "部门编码",
    "岗位编码",
    "直接上级工号",
    "虚线上级工号",
    "入职日期",
    "状态",
]
DEPARTMENT_HEADER = ["部门编码", "部门名称", "上级部门编码", "负责人工号", "排序"]
POSITION_HEADER = ["岗位编码", "岗位名称", "所属部门编码", "岗位序列", "岗位职责", "关键指标"]


def xlsx_file(rows: Sequence[Sequence[Any]], name: str = "data.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(
    rows: Sequence[Sequence[Any]], name: str = "data.csv", encoding: str = "utf-8-sig"
) -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def hr_actor(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user, channel=AuditChannel.IMPORT)


def run(org: TestOrg, kind: str, upload: SimpleUploadedFile, *, apply: bool = True) -> ImportJob:
    job = import_job_create(actor=hr_actor(org), kind=kind, uploaded_file=upload)
    if apply and job.status == ImportStatus.VALID:
        job = import_job_apply(actor=hr_actor(org), job=job)
    return job


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in job.row_errors.all()]


def employee_row(number: str, name: str, dept: str = "SALES1", **extra: str) -> list[str]:
    row = {
        "email": f"{number.lower()}@example.com",
        "phone": "13800001111",
        "position": "",
        "manager": "",
        "dotted": "",
        "hire_date": "2024-03-01",
        "status": "在职",
        **extra,
    }
    return [
        number,
        name,
        row["email"],
        row["phone"],
        dept,
        row["position"],
        row["manager"],
        row["dotted"],
        row["hire_date"],
        row["status"],
    ]


def batch_entries(job: ImportJob) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(batch=str(job.uuid)).order_by("id"))


# --- departments ---------------------------------------------------------------------------


def test_departments_are_created_with_parents_further_down_and_correct_paths(
    org: TestOrg,
) -> None:
    # given a child listed before its new parent, and a head who exists
    upload = xlsx_file(
        [
            DEPARTMENT_HEADER,
            ["OPS1", "运营一组", "OPS", "E0007", 2],
            ["OPS", "运营中心", "HQ", "", 5],
        ]
    )

    job = run(org, "departments", upload)

    assert job.status == ImportStatus.APPLIED
    assert job.summary == {"create": 2, "update": 0, "unchanged": 0, "errors": 0}
    ops = Department.objects.get(code="OPS")
    ops1 = Department.objects.get(code="OPS1")
    assert ops.parent == org.hq
    assert ops.path == f"{org.hq.path}{ops.pk}/"
    assert ops.depth == 1
    assert ops.sort_order == 5
    assert ops1.parent == ops
    assert ops1.path == f"{ops.path}{ops1.pk}/"
    assert ops1.depth == 2
    assert ops1.head == org.outsider
    entries = batch_entries(job)
    assert {(e.object_id, e.action, e.channel) for e in entries} == {
        (str(ops.pk), "create", "import"),
        (str(ops1.pk), "create", "import"),
    }


def test_moving_a_department_by_file_moves_its_whole_subtree(org: TestOrg) -> None:
    sub = Department.objects.create(
        company=org.hq.company, code="SALES1A", name="一部一组", parent=org.sales1, path="/"
    )
    sub.path = f"{org.sales1.path}{sub.pk}/"
    sub.depth = 3
    sub.save()
    upload = csv_file([DEPARTMENT_HEADER, ["SALES1", "销售一部", "RND", "", "0"]])

    job = run(org, "departments", upload)

    assert job.status == ImportStatus.APPLIED
    assert job.summary["update"] == 1
    org.sales1.refresh_from_db()
    sub.refresh_from_db()
    assert org.sales1.parent == org.rnd
    assert org.sales1.path == f"{org.rnd.path}{org.sales1.pk}/"
    assert org.sales1.depth == 2
    assert sub.path == f"{org.sales1.path}{sub.pk}/"
    assert sub.depth == 3
    (entry,) = batch_entries(job)
    assert entry.before == {"parent": "SALES"}
    assert entry.after == {"parent": "RND"}


def test_a_department_cannot_become_its_own_ancestor(org: TestOrg) -> None:
    # SALES1 sits under SALES in the database; the file puts SALES under SALES1
    upload = csv_file(
        [
            DEPARTMENT_HEADER,
            ["NEW", "新部门", "", "", ""],
            ["SALES", "销售中心", "SALES1", "", ""],
            ["X", "自己", "X", "", ""],
        ]
    )

    job = run(org, "departments", upload)

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [
        (3, "上级部门编码", "A department cannot be its own ancestor: SALES → SALES1 → SALES."),
        (4, "上级部门编码", "A department cannot be its own parent."),
    ]
    assert not Department.objects.filter(code__in=["NEW", "X"]).exists()
    org.sales.refresh_from_db()
    assert org.sales.parent == org.hq


def test_department_rows_report_unknown_parent_head_and_bad_order(org: TestOrg) -> None:
    upload = csv_file(
        [
            DEPARTMENT_HEADER,
            ["A1", "甲", "NOPE", "", ""],
            ["A2", "乙", "", "E9999", ""],
            ["A3", "丙", "", "", "-1"],
            ["A1", "甲二", "", "", ""],
            ["", "无编码", "", "", ""],
        ]
    )

    job = run(org, "departments", upload)

    assert errors_of(job) == [
        (2, "上级部门编码", "Unknown department code NOPE."),
        (3, "负责人工号", "Unknown employee number E9999."),
        (4, "排序", "Enter a whole number, 0 or more."),
        (5, "部门编码", "Duplicate A1: already on line 2."),
        (6, "部门编码", "This value is required."),
    ]
    assert job.error_count == 5
    assert not Department.objects.filter(code__startswith="A").exists()


# --- positions -----------------------------------------------------------------------------


def test_positions_take_role_family_by_name_or_code_and_split_indicators(org: TestOrg) -> None:
    upload = xlsx_file(
        [
            POSITION_HEADER,
            ["KAM", "大客户经理", "SALES", "销售", "维护大客户", "销售额；回款率、新客户数"],
            ["AE", "客户代表", "", "sales", "", "拜访量;签约数\n满意度"],
            ["BAD", "未知序列", "NOPE", "魔法", "", ""],
        ]
    )

    job = run(org, "positions", upload)

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [
        (4, "所属部门编码", "Unknown department code NOPE."),
        (4, "岗位序列", "Unknown role family 魔法."),
    ]
    fixed = xlsx_file(
        [
            POSITION_HEADER,
            ["KAM", "大客户经理", "SALES", "销售", "维护大客户", "销售额；回款率、新客户数"],
            ["AE", "客户代表", "", "sales", "", "拜访量;签约数\n满意度"],
        ]
    )
    job = run(org, "positions", fixed)
    assert job.status == ImportStatus.APPLIED
    kam = Position.objects.get(code="KAM")
    assert kam.department == org.sales
    assert kam.role_family.code == "sales"
    assert kam.key_indicators == "销售额\n回款率\n新客户数"
    assert Position.objects.get(code="AE").key_indicator_list == ["拜访量", "签约数", "满意度"]
    assert len(batch_entries(job)) == 2


# --- employees -----------------------------------------------------------------------------


def test_every_bad_employee_row_is_reported_with_line_and_column_and_nothing_is_written(
    org: TestOrg,
) -> None:
    before = Employee.objects.count()
    rows = [
        EMPLOYEE_HEADER,
        employee_row("N01", "好人"),  # 2: fine
        employee_row("N02", ""),  # 3
        employee_row("N03", "坏邮箱", email="not-an-email"),  # 4
        employee_row("N04", "坏手机", phone="call me"),  # 5
        employee_row("N05", "无部门", dept="NOPE"),  # 6
        employee_row("N06", "无岗位", position="NOPE"),  # 7
        employee_row("N07", "坏日期", hire_date="2024-13-45"),  # 8
        employee_row("N08", "坏状态", status="退休"),  # 9
        [],  # 10: empty rows are skipped, the line numbers still count them
        employee_row("N01", "重复"),  # 11
        employee_row("N10", "自己管自己", manager="N10"),  # 12
        employee_row("N11", "无上级", manager="E9999"),  # 13
        employee_row("N12", "名" * 101),  # 14
    ]

    job = run(org, "employees", xlsx_file(rows))

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [
        (3, "姓名", "This value is required."),
        (4, "邮箱", "Enter a valid email address."),
        (5, "手机", "Enter a valid phone number."),
        (6, "部门编码", "Unknown department code NOPE."),
        (7, "岗位编码", "Unknown position code NOPE."),
        (8, "入职日期", "Enter a date such as 2024-03-01, 2024/3/1 or 2024年3月1日."),
        (9, "状态", "Unknown status 退休: use 试用期, 在职, 休假 or 离职."),
        (11, "工号", "Duplicate N01: already on line 2."),
        (12, "直接上级工号", "A person cannot be their own manager."),
        (13, "直接上级工号", "Unknown employee number E9999."),
        (14, "姓名", "Too long: at most 100 characters."),
    ]
    assert job.error_count == 11
    assert job.total_rows == 12
    assert Employee.objects.count() == before
    assert not AuditEntry.objects.filter(batch=str(job.uuid)).exists()


def test_missing_required_columns_is_one_file_level_error(org: TestOrg) -> None:
    job = run(org, "employees", csv_file([["工号", "邮箱"], ["N1", "a@b.cn"]]))

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [(1, "", "Required columns are missing: 姓名、部门编码")]


def test_new_employees_get_accounts_manager_paths_and_one_audit_entry_each(
    org: TestOrg,
) -> None:
    # N2 reports to N1, who comes further down the file; N1 reports to the manager in the DB
    upload = xlsx_file(
        [
            EMPLOYEE_HEADER,
            employee_row("N2", "二号", manager="N1", dotted="E0002", hire_date="2024/3/1"),
            employee_row("N1", "一号", manager="E0003", position="SALES-REP", status="试用期"),
            employee_row("N3", "三号", hire_date="2024年3月1日", status="left"),
        ]
    )

    job = run(org, "employees", upload)

    assert job.status == ImportStatus.APPLIED
    assert job.summary == {"create": 3, "update": 0, "unchanged": 0, "errors": 0}
    n1 = Employee.objects.get(number="N1")
    n2 = Employee.objects.get(number="N2")
    n3 = Employee.objects.get(number="N3")
    assert n1.manager == org.manager
    assert n1.report_path == f"{org.manager.report_path}{n1.pk}/"
    assert n2.report_path == f"{n1.report_path}{n2.pk}/"
    assert n2.dotted_manager == org.head
    assert n1.status == EmployeeStatus.PROBATION
    assert n1.position is not None
    assert n1.position.code == "SALES-REP"
    assert n2.hire_date == n3.hire_date == dt.date(2024, 3, 1)
    assert n2.user is not None
    assert n2.user.username == "N2"
    assert not n2.user.has_usable_password()
    assert n3.user is not None
    assert not n3.user.is_active
    entries = batch_entries(job)
    assert sorted(e.object_id for e in entries) == sorted(str(e.pk) for e in (n1, n2, n3))
    assert all(e.channel == "import" and e.actor == org.hr_admin.user for e in entries)


def test_the_same_file_twice_changes_nothing(org: TestOrg) -> None:
    rows = [
        EMPLOYEE_HEADER,
        employee_row("N1", "一号", manager="E0003"),
        employee_row("N2", "二号", manager="N1"),
    ]
    first = run(org, "employees", xlsx_file(rows))
    assert first.status == ImportStatus.APPLIED
    stamps = dict(Employee.objects.values_list("number", "updated_at"))

    second = run(org, "employees", xlsx_file(rows))

    assert second.status == ImportStatus.APPLIED
    assert second.summary == {"create": 0, "update": 0, "unchanged": 2, "errors": 0}
    assert batch_entries(second) == []
    assert dict(Employee.objects.values_list("number", "updated_at")) == stamps


def test_an_edited_file_updates_by_number_and_audits_the_changed_fields(org: TestOrg) -> None:
    person = org.employee  # E0004 in SALES1 under E0003
    upload = xlsx_file(
        [
            EMPLOYEE_HEADER,
            [
                "E0004",
                "陈员工（改）",
                person.email,
                person.phone,
                "SALES2",
                "SALES-REP",
                "E0006",
                "",
                person.hire_date,
                "休假",
            ],
            [
                "E0005",
                org.peer.name,
                org.peer.email,
                org.peer.phone,
                "SALES1",
                "SALES-REP",
                "E0003",
                "",
                "2022-03-01",
                "在职",
            ],
        ]
    )

    job = run(org, "employees", upload)

    assert job.status == ImportStatus.APPLIED
    assert job.summary == {"create": 0, "update": 1, "unchanged": 1, "errors": 0}
    person.refresh_from_db()
    assert person.name == "陈员工（改）"
    assert person.department == org.sales2
    assert person.manager == org.other_manager
    assert person.report_path == f"{org.other_manager.report_path}{person.pk}/"
    assert person.status == EmployeeStatus.ON_LEAVE
    assert person.user is not None
    assert person.user.name == "陈员工（改）"
    (entry,) = batch_entries(job)
    assert entry.object_id == str(person.pk)
    assert entry.action == "update"
    assert entry.before == {
        "name": "陈员工",
        "department": "SALES1",
        "manager": "E0003",
        "status": "active",
    }
    assert entry.after == {
        "name": "陈员工（改）",
        "department": "SALES2",
        "manager": "E0006",
        "status": "on_leave",
    }


def test_moving_a_manager_moves_the_report_paths_of_everyone_below(org: TestOrg) -> None:
    manager = org.manager  # E0003 with E0004 and E0005 below
    upload = csv_file(
        [
            EMPLOYEE_HEADER,
            employee_row(
                "E0003",
                manager.name,
                email=manager.email,
                phone=manager.phone,
                manager="E0007",
                hire_date="2022-03-01",
            ),
        ]
    )

    job = run(org, "employees", upload)

    assert job.status == ImportStatus.APPLIED
    manager.refresh_from_db()
    org.employee.refresh_from_db()
    assert manager.report_path == f"{org.outsider.report_path}{manager.pk}/"
    assert org.employee.report_path == f"{manager.report_path}{org.employee.pk}/"


def test_a_reporting_loop_across_file_and_database_is_refused(org: TestOrg) -> None:
    # In the database E0004 → E0003 → E0002; the file makes E0002 report to E0004.
    head = org.head
    upload = csv_file(
        [
            EMPLOYEE_HEADER,
            employee_row("N1", "新人"),
            employee_row("E0002", head.name, dept="SALES", manager="E0004"),
        ]
    )

    job = run(org, "employees", upload)

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [
        (3, "直接上级工号", "The reporting line would loop: E0002 → E0004 → E0003 → E0002."),
    ]
    head.refresh_from_db()
    assert head.manager == org.ceo
    assert not Employee.objects.filter(number="N1").exists()


def test_a_reporting_loop_inside_the_file_is_reported_on_every_row_of_the_loop(
    org: TestOrg,
) -> None:
    upload = csv_file(
        [
            EMPLOYEE_HEADER,
            employee_row("A", "甲", manager="B"),
            employee_row("B", "乙", manager="C"),
            employee_row("C", "丙", manager="A"),
            employee_row("D", "丁", manager="A"),
        ]
    )

    job = run(org, "employees", upload)

    assert [(line, column) for line, column, _m in errors_of(job)] == [
        (2, "直接上级工号"),
        (3, "直接上级工号"),
        (4, "直接上级工号"),
    ]
    assert errors_of(job)[0][2] == "The reporting line would loop: A → B → C → A."


def test_joining_a_closed_department_is_refused(org: TestOrg) -> None:
    Department.objects.filter(pk=org.sales2.pk).update(is_active=False)
    job = run(org, "employees", csv_file([EMPLOYEE_HEADER, employee_row("N1", "新", "SALES2")]))

    assert errors_of(job) == [(2, "部门编码", "People cannot join a closed department.")]


def test_apply_writes_nothing_when_the_data_changed_after_the_check(org: TestOrg) -> None:
    upload = csv_file(
        [EMPLOYEE_HEADER, employee_row("N1", "一号"), employee_row("N2", "二号", "SALES2")]
    )
    job = import_job_create(actor=hr_actor(org), kind="employees", uploaded_file=upload)
    assert job.status == ImportStatus.VALID
    Department.objects.filter(pk=org.sales2.pk).update(is_active=False)

    job = import_job_apply(actor=hr_actor(org), job=job)

    assert job.status == ImportStatus.INVALID
    assert errors_of(job) == [(3, "部门编码", "People cannot join a closed department.")]
    assert not Employee.objects.filter(number__in=["N1", "N2"]).exists()
    assert batch_entries(job) == []


def test_csv_in_gb18030_and_english_headers_and_excel_cells_are_understood(
    org: TestOrg,
) -> None:
    header = [
        "number",
        "name",
        "email",
        "phone",
        "department code",
        "position code",
        "manager number",
        "dotted-line manager number",
        "hire date",
        "status",
    ]
    gbk = csv_file([header, employee_row("N1", "国标", status="on_leave")], encoding="gb18030")
    plain = csv_file([EMPLOYEE_HEADER, employee_row("N2", "无BOM")], encoding="utf-8")
    excel = xlsx_file(
        [
            EMPLOYEE_HEADER,
            [1001, "数字工号", "", 13800001111, "SALES1", "", "", "", dt.datetime(2023, 5, 6), ""],
        ]
    )

    jobs = [run(org, "employees", f) for f in (gbk, plain, excel)]

    assert [j.status for j in jobs] == [ImportStatus.APPLIED] * 3
    assert Employee.objects.get(number="N1").name == "国标"
    assert Employee.objects.get(number="N1").status == EmployeeStatus.ON_LEAVE
    assert Employee.objects.get(number="N2").name == "无BOM"
    numeric = Employee.objects.get(number="1001")
    assert numeric.phone == "13800001111"
    assert numeric.hire_date == dt.date(2023, 5, 6)
    assert numeric.status == EmployeeStatus.ACTIVE


def test_a_large_file_is_checked_and_applied_in_the_background(
    org: TestOrg, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from pms.core.imports import import_job_start_apply

    settings.PMS_IMPORT_BACKGROUND_ROWS = 2
    rows = [EMPLOYEE_HEADER, *(employee_row(f"N{i}", f"人{i}", manager="E0003") for i in range(5))]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_create(actor=hr_actor(org), kind="employees", uploaded_file=csv_file(rows))
        assert job.status == ImportStatus.VALIDATING
    # the check runs after commit; its end notifies the person who uploaded
    assert callbacks
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID
    assert Notification.objects.filter(
        event="core.import_checked", recipient=job.created_by
    ).exists()
    assert job.processed_rows == job.total_rows == 5

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_start_apply(actor=hr_actor(org), job=job)
        assert job.status == ImportStatus.APPLYING
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert job.processed_rows == job.total_rows == 5
    assert Employee.objects.filter(number__startswith="N", manager=org.manager).count() == 5
