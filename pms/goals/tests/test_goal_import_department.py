"""Importing department goals: drafts created or updated, every bad row reported, approved
goals refused, contributions and alignment checked, HRBPs limited to their scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pms.core.audit import Actor
from pms.core.models import AuditEntry, ImportJob, ImportStatus
from pms.goals.importers.goal_files import DEPARTMENT_GOALS
from pms.goals.models import Goal, GoalKind, GoalLevel, GoalStatus, Period
from pms.goals.services import plan as plan_services
from pms.goals.tests import factories as f
from pms.goals.tests.test_goal_import_scorecards import batch_entries, errors_of, run
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import xlsx_file

HEADER = [
    "部门编码",
    "期间",
    "目标类型",
    "目标名称",
    "衡量指标",
    "单位",
    "方向",
    "基线值",
    "目标值",
    "目标上限",
    "截止日期",
    "完成标准",
    "BSC维度",
    "对齐战略目标",
    "贡献权重(%)",
    "负责人工号",
]
PERIOD = "2026年度"


def dept_row(code: str = "SALES", title: str = "主营业务A增长15%", **cells: str) -> list[str]:
    values = {
        "期间": PERIOD,
        "目标类型": "KPI",
        "衡量指标": "主营业务A收入",
        "单位": "万元",
        "方向": "越高越好",
        "基线值": "1000",
        "目标值": "1150",
        "目标上限": "",
        "截止日期": "2026-12-31",
        "完成标准": "",
        "BSC维度": "",
        "对齐战略目标": "营收增长20%",
        "贡献权重(%)": "60",
        "负责人工号": "",
        **{({"贡献权重": "贡献权重(%)"}).get(k, k): v for k, v in cells.items()},
    }
    values["部门编码"] = code
    values["目标名称"] = title
    return [values[column] for column in HEADER]


def run_dept(user: Any, rows: list[list[str]], *, apply: bool = True) -> ImportJob:
    return run(user, [], kind=DEPARTMENT_GOALS, apply=apply, upload=xlsx_file([HEADER, *rows]))


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period(PERIOD)


@pytest.fixture
def strategy(period: Period) -> Goal:
    return plan_services.company_goal_create(
        actor=f.SYSTEM, period=period, title="营收增长20%", perspective="financial"
    )


def test_department_goals_are_created_as_drafts_with_audit(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    rows = [
        dept_row(),
        dept_row(
            "SALES1",
            "新客户开发",
            目标类型="重点任务",
            完成标准="新签客户30家",
            BSC维度="客户",
            贡献权重="20",
            负责人工号="E0003",
            衡量指标="",
            单位="",
            基线值="",
            目标值="",
        ),
    ]

    job = run_dept(org.hr_admin.user, rows)

    assert errors_of(job) == []
    assert job.summary == {"create": 2, "update": 0, "unchanged": 0, "errors": 0}
    sales = Goal.objects.get(title="主营业务A增长15%")
    assert sales.level == GoalLevel.DEPARTMENT
    assert sales.department == org.sales
    assert sales.status == GoalStatus.DRAFT
    assert sales.parent == strategy
    assert sales.contribution == Decimal(60)
    assert sales.target == Decimal(1150)
    # as the service does: the head owns it and the perspective is the strategy's
    assert sales.owner == org.head
    assert sales.perspective == "financial"
    task = Goal.objects.get(title="新客户开发")
    assert task.kind == GoalKind.TASK
    assert task.owner == org.manager
    assert task.perspective == "customer"
    entries = batch_entries(job)
    assert {(e.action, e.channel) for e in entries} == {("create", "import")}
    entry = next(e for e in entries if e.object_id == str(sales.pk))
    assert entry.after is not None
    assert entry.after["department"] == "销售中心"
    assert entry.after["parent"] == "营收增长20%"
    assert entry.after["owner"] == "李销售总监 (E0002)"
    assert entry.after["status"] == "draft"


def test_reimport_changes_nothing_and_changed_values_update(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    run_dept(org.hr_admin.user, [dept_row()])
    count = AuditEntry.objects.count()

    same = run_dept(org.hr_admin.user, [dept_row()])
    changed = run_dept(org.hr_admin.user, [dept_row(目标值="1200")])

    assert same.summary == {"create": 0, "update": 0, "unchanged": 1, "errors": 0}
    assert AuditEntry.objects.count() == count + 1
    assert changed.summary == {"create": 0, "update": 1, "unchanged": 0, "errors": 0}
    (entry,) = batch_entries(changed)
    assert entry.before == {"target": "1150.0000"}
    assert entry.after == {"target": "1200"}
    assert Goal.objects.get(title="主营业务A增长15%").target == Decimal(1200)


def test_every_bad_department_row_is_reported(org: TestOrg, period: Period, strategy: Goal) -> None:
    rows = [
        dept_row("NOPE", "甲"),  # 2
        dept_row(title="乙", 期间="2099年度"),  # 3
        dept_row(title="丙", 对齐战略目标="没有"),  # 4
        dept_row(title="丁", 贡献权重="150"),  # 5
        dept_row(title="戊", BSC维度="人力"),  # 6
        dept_row(title="己", 负责人工号="E9999"),  # 7
        dept_row(title="庚", 对齐战略目标="", 贡献权重="10"),  # 8
        dept_row(title="甲甲", 方向="区间"),  # 9
        dept_row(title="甲甲"),  # 10
    ]

    job = run_dept(org.hr_admin.user, rows)

    assert job.status == ImportStatus.INVALID
    errors = errors_of(job)
    assert (2, "部门编码", "Unknown department code NOPE.") in errors
    assert (3, "期间", "Unknown period 2099年度.") in errors
    assert (4, "对齐战略目标", "No strategic goal called 没有 in the period 2026年度.") in errors
    assert (5, "贡献权重(%)", "Enter a percentage between 0 and 100.") in errors
    assert (
        6,
        "BSC维度",
        "Unknown value 人力; use one of 财务、客户、内部流程、学习与成长.",
    ) in errors
    assert (7, "负责人工号", "Unknown employee number E9999.") in errors
    assert (8, "贡献权重(%)", "A contribution weight needs a goal to contribute to.") in errors
    assert (9, "目标上限", "A range goal needs an upper target.") in errors
    assert (10, "目标名称", "Duplicate goal: 销售中心's 甲甲 is already on line 9.") in errors
    assert not Goal.objects.filter(level=GoalLevel.DEPARTMENT).exists()


def test_contributions_to_one_goal_may_not_exceed_100(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    plan_services.department_goal_create(
        actor=f.SYSTEM,
        period=period,
        department=org.rnd,
        title="研发周期缩短15%",
        parent=strategy,
        contribution=Decimal(50),
    )

    job = run_dept(
        org.hr_admin.user, [dept_row(贡献权重="30"), dept_row("SALES1", "乙", 贡献权重="30")]
    )

    message = (
        "The goals aligned to 营收增长20% would contribute 110% together; at most 100% is possible."
    )
    assert errors_of(job) == [(2, "贡献权重(%)", message), (3, "贡献权重(%)", message)]


def test_approved_and_submitted_goals_are_refused(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    goal = plan_services.department_goal_create(
        actor=f.SYSTEM,
        period=period,
        department=org.sales,
        title="主营业务A增长15%",
        parent=strategy,
        contribution=Decimal(60),
        metric="主营业务A收入",
        unit="万元",
        baseline=Decimal(1000),
        target=Decimal(1150),
        due_date=dt.date(2026, 12, 31),
    )
    plan_services.plan_goal_submit(actor=f.SYSTEM, goal=goal)
    submitted = run_dept(org.hr_admin.user, [dept_row(目标值="2000")])
    plan_services.plan_goal_approve(actor=Actor(user=org.committee), goal=goal)
    approved = run_dept(org.hr_admin.user, [dept_row(目标值="2000")])
    unchanged = run_dept(org.hr_admin.user, [dept_row()])

    assert errors_of(submitted) == [
        (
            2,
            "目标名称",
            "This goal awaits the committee's decision and cannot be changed until it is returned.",
        )
    ]
    assert errors_of(approved) == [
        (2, "目标名称", "This goal is approved: change it through an adjustment.")
    ]
    assert unchanged.status == ImportStatus.APPLIED
    goal.refresh_from_db()
    assert goal.target == Decimal(1150)


def test_a_sub_department_aligns_to_its_parent_departments_goal_by_id(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    above = plan_services.department_goal_create(
        actor=f.SYSTEM, period=period, department=org.sales, title="销售中心目标", parent=strategy
    )
    beside = plan_services.department_goal_create(
        actor=f.SYSTEM, period=period, department=org.rnd, title="研发目标", parent=strategy
    )

    good = run_dept(
        org.hr_admin.user, [dept_row("SALES1", "一部目标", 对齐战略目标=str(above.uuid))]
    )
    bad = run_dept(
        org.hr_admin.user, [dept_row("SALES1", "一部目标2", 对齐战略目标=str(beside.uuid))]
    )

    assert good.status == ImportStatus.APPLIED
    assert Goal.objects.get(title="一部目标").parent == above
    assert errors_of(bad) == [
        (
            2,
            "对齐战略目标",
            "A department goal aligns to a strategic goal or to a goal of the same or a parent "
            "department; 研发中心 is neither.",
        )
    ]


def test_a_goal_cannot_end_up_aligned_to_itself(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    first = plan_services.department_goal_create(
        actor=f.SYSTEM, period=period, department=org.sales, title="甲", parent=strategy
    )
    second = plan_services.department_goal_create(
        actor=f.SYSTEM, period=period, department=org.sales, title="乙", parent=first
    )

    job = run_dept(
        org.hr_admin.user,
        [dept_row(title="甲", 对齐战略目标=str(second.uuid), 贡献权重="")],
    )

    assert errors_of(job) == [
        (2, "对齐战略目标", "A goal cannot be aligned to a goal that is aligned to it.")
    ]


def test_an_hrbp_imports_only_departments_in_scope(
    org: TestOrg, period: Period, strategy: Goal
) -> None:
    # (the draft strategy is not the HRBP's to see, so these goals align to nothing)
    rows = [
        dept_row(对齐战略目标="", 贡献权重=""),
        dept_row("RND", "研发目标", 对齐战略目标="", 贡献权重=""),
    ]

    job = run_dept(org.hrbp.user, rows)

    assert errors_of(job) == [
        (3, "部门编码", "研发中心 is outside your HR scope; you may not import its goals.")
    ]
    assert not Goal.objects.filter(level=GoalLevel.DEPARTMENT).exists()
    ok = run_dept(org.hrbp.user, rows[:1])
    assert ok.status == ImportStatus.APPLIED
    assert Goal.objects.get(level=GoalLevel.DEPARTMENT).department == org.sales
