"""Importing individual goals onto scorecards: every bad row with its line, column and
reason; nothing written while any row is bad; goals and scorecards written with their
audit entries; re-imports change nothing; HRBPs limited to their scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pms.core.audit import Actor
from pms.core.imports import import_job_apply, import_job_create
from pms.core.models import AuditChannel, AuditEntry, ImportJob, ImportStatus
from pms.goals.importers.goal_files import SCORECARD_GOALS, SCORECARD_GOALS_REPLACE, parse_number
from pms.goals.models import (
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Period,
    PeriodStatus,
    Scorecard,
    ScorecardStatus,
    Section,
)
from pms.goals.services import plan as plan_services
from pms.goals.tests import factories as f
from pms.org.models import Employee, EmployeeStatus
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import csv_file, xlsx_file

HEADER = [
    "员工工号",
    "期间",
    "目标类型",
    "目标名称",
    "指标代码",
    "衡量指标",
    "单位",
    "方向",
    "基线值",
    "目标值",
    "目标上限",
    "权重(%)",
    "截止日期",
    "完成标准",
    "对齐上级目标",
    "所属目标",
    "说明",
]
PERIOD = "2026年度"


def goal_row(number: str = "E0004", title: str = "销售额达到500万元", **cells: str) -> list[str]:
    values = {
        "期间": PERIOD,
        "目标类型": "KPI",
        "指标代码": "",
        "衡量指标": "销售额",
        "单位": "万元",
        "方向": "越高越好",
        "基线值": "420",
        "目标值": "500",
        "目标上限": "",
        "权重(%)": "100",
        "截止日期": "2026-12-31",
        "完成标准": "",
        "对齐上级目标": "",
        "所属目标": "",
        "说明": "",
        **{key.replace("_", ""): value for key, value in cells.items()},
    }
    values["员工工号"] = number
    values["目标名称"] = title
    return [values[column] for column in HEADER]


def cell(**cells: str) -> dict[str, str]:
    """Keyword arguments for ``goal_row`` by Chinese header (``cell(权重="60")``)."""
    names = {"权重": "权重(%)"}
    return {names.get(key, key): value for key, value in cells.items()}


def row(number: str = "E0004", title: str = "销售额达到500万元", **cells: str) -> list[str]:
    return goal_row(number, title, **cell(**cells))


def actor_for(user: Any) -> Actor:
    return Actor(user=user, channel=AuditChannel.IMPORT)


def run(
    user: Any,
    rows: list[list[str]],
    *,
    kind: str = SCORECARD_GOALS,
    apply: bool = True,
    upload: SimpleUploadedFile | None = None,
) -> ImportJob:
    file = upload or xlsx_file([HEADER, *rows])
    job = import_job_create(actor=actor_for(user), kind=kind, uploaded_file=file)
    if apply and job.status == ImportStatus.VALID:
        job = import_job_apply(actor=actor_for(user), job=job)
    return job


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in job.row_errors.all()]


def batch_entries(job: ImportJob) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(batch=str(job.uuid)).order_by("id"))


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period(PERIOD)


# --- writing -------------------------------------------------------------------------------


def test_a_file_creates_scorecards_and_goals_with_audit_entries(
    org: TestOrg, period: Period
) -> None:
    # given a strategic goal to align to and an indicator in the library
    strategy = plan_services.company_goal_create(
        actor=f.SYSTEM, period=period, title="营收增长20%", perspective="financial"
    )
    indicator = f.indicator("回款率", code="COLLECT", unit="%")
    rows = [
        row(title="销售额达到500万元", 权重="60", 对齐上级目标="营收增长20%"),
        row(
            title="回款率达到95%",
            指标代码="COLLECT",
            衡量指标="",
            单位="",
            目标值="95",
            基线值="",
            权重="40",
            截止日期="2026/12/31",
        ),
        row(
            "E0005",
            "Q3前完成X产品V2.0上线",
            目标类型="重点任务",
            完成标准="3轮用户测试",
            权重="30",
            目标值="",
            基线值="",
            衡量指标="",
            单位="",
        ),
        row(
            "E0005",
            "开拓华东市场",
            目标类型="OKR目标",
            权重="70",
            目标值="",
            基线值="",
            衡量指标="",
            单位="",
        ),
        row(
            "E0005",
            "新客户20家",
            目标类型="关键结果",
            所属目标="开拓华东市场",
            权重="100",
            目标值="20",
            单位="家",
            衡量指标="新客户数",
        ),
    ]

    job = run(org.hr_admin.user, rows)

    assert errors_of(job) == []
    assert job.status == ImportStatus.APPLIED
    assert job.summary == {"create": 5, "update": 0, "unchanged": 0, "errors": 0}
    card = Scorecard.objects.get(employee=org.employee, period=period)
    assert card.status == ScorecardStatus.DRAFT
    assert card.department == org.sales1
    sales, collect = card.goals.order_by("sort_order")
    assert sales.level == GoalLevel.INDIVIDUAL
    assert sales.kind == GoalKind.KPI
    assert sales.section == Section.RESULTS
    assert sales.weight == Decimal(60)
    assert sales.target == Decimal(500)
    assert sales.baseline == Decimal(420)
    assert sales.unit == "万元"
    assert sales.due_date == dt.date(2026, 12, 31)
    assert sales.parent == strategy
    assert sales.status == GoalStatus.DRAFT
    assert sales.employee == org.employee
    assert sales.owner == org.employee
    assert sales.scoring_rule == {"type": "linear", "floor": "0", "cap": "120"}
    # the indicator fills in what the row leaves blank
    assert collect.indicator == indicator
    assert collect.metric == "回款率"
    assert collect.unit == "%"
    peer_card = Scorecard.objects.get(employee=org.peer, period=period)
    task, objective, key_result = peer_card.goals.order_by("sort_order")
    assert task.kind == GoalKind.TASK
    assert task.section == Section.TASKS
    assert task.completion_standard == "3轮用户测试"
    assert objective.kind == GoalKind.OBJECTIVE
    assert key_result.parent == objective
    assert key_result.kind == GoalKind.KEY_RESULT
    entries = batch_entries(job)
    assert {(e.object_type, e.action, e.channel) for e in entries} == {
        ("goals.scorecard", "create", "import"),
        ("goals.goal", "create", "import"),
    }
    assert len(entries) == 7
    goal_entries = {e.object_id: e for e in entries if e.object_type == "goals.goal"}
    sales_entry = goal_entries[str(sales.pk)]
    assert sales_entry.actor == org.hr_admin.user
    assert sales_entry.after is not None
    assert sales_entry.after["parent"] == "营收增长20%"
    assert sales_entry.after["weight"] == "60"
    assert sales_entry.after["status"] == "draft"
    kr_entry = goal_entries[str(key_result.pk)]
    assert kr_entry.after is not None
    assert kr_entry.after["parent"] == "开拓华东市场"


def test_reimporting_the_same_file_changes_nothing(org: TestOrg, period: Period) -> None:
    rows = [row(title="销售额达到500万元", 权重="60"), row(title="回款率达到95%", 权重="40")]
    run(org.hr_admin.user, rows)
    before = list(Goal.objects.values_list("id", "updated_at", "weight"))
    audit_count = AuditEntry.objects.count()

    again = run(org.hr_admin.user, rows)

    assert again.status == ImportStatus.APPLIED
    assert again.summary == {"create": 0, "update": 0, "unchanged": 2, "errors": 0}
    assert list(Goal.objects.values_list("id", "updated_at", "weight")) == before
    assert AuditEntry.objects.count() == audit_count


def test_changed_values_update_the_goal_and_goals_not_in_the_file_stay(
    org: TestOrg, period: Period
) -> None:
    card = f.scorecard(org.employee, period)
    sales = f.kpi(card, "销售额达到500万元", weight="50")
    other = f.task(card, "Q3前完成X产品V2.0上线", weight="30")
    rows = [row(title="销售额达到500万元", 权重="70", 目标值="600")]

    job = run(org.hr_admin.user, rows)

    assert errors_of(job) == []
    assert job.summary == {"create": 0, "update": 1, "unchanged": 0, "errors": 0}
    sales.refresh_from_db()
    assert sales.weight == Decimal(70)
    assert sales.target == Decimal(600)
    assert sales.baseline == Decimal(420)
    assert Goal.objects.filter(pk=other.pk).exists()
    (entry,) = batch_entries(job)
    assert entry.action == "update"
    assert entry.object_id == str(sales.pk)
    assert entry.before == {
        "weight": "50.00",
        "target": "500.0000",
        "baseline": None,
        "due_date": None,
    }
    assert entry.after == {
        "weight": "70",
        "target": "600",
        "baseline": "420",
        "due_date": "2026-12-31",
    }


def test_a_file_with_only_some_columns_changes_only_those(org: TestOrg, period: Period) -> None:
    card = f.scorecard(org.employee, period)
    sales = f.kpi(card, "销售额达到500万元", weight="50", baseline=Decimal(400))
    f.task(card, "Q3前完成X产品V2.0上线", weight="50")
    upload = csv_file(
        [
            ["工号", "期间", "目标类型", "目标名称", "权重"],
            ["E0004", PERIOD, "KPI", "销售额达到500万元", "40"],
            ["E0004", PERIOD, "重点任务", "Q3前完成X产品V2.0上线", "60"],
        ]
    )

    job = run(org.hr_admin.user, [], upload=upload)

    assert errors_of(job) == []
    assert job.summary == {"create": 0, "update": 2, "unchanged": 0, "errors": 0}
    sales.refresh_from_db()
    assert sales.weight == Decimal(40)
    assert sales.baseline == Decimal(400)
    assert sales.target == Decimal(500)


# --- checking ------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_line_column_and_reason(
    org: TestOrg, period: Period
) -> None:
    f.indicator("停用指标", code="OFF", enabled=False)
    rows = [
        row("E9999", "甲"),  # 2
        row(title="乙", 期间="2099年度"),  # 3
        row(title="丙", 指标代码="NOPE"),  # 4
        row(title="丁", 指标代码="OFF"),  # 5
        row(title="戊", 目标值="五百"),  # 6
        row(title="己", 截止日期="明年"),  # 7
        row(title="庚", 权重="120"),  # 8
        row(title="辛", 方向="区间", 目标上限=""),  # 9
        row(title="壬", 对齐上级目标="不存在的目标"),  # 10
        row(title="癸", 目标类型="关键结果", 所属目标="没有这个目标"),  # 11
        row(title="甲甲", 目标类型="未知"),  # 12
        row(title="乙乙", 目标值="1.23456"),  # 13
        row(title="丙丙", 目标值="600", 目标上限="500"),  # 14
        row(title="丁丁", 方向="越多越好"),  # 15
    ]

    job = run(org.hr_admin.user, rows)

    assert job.status == ImportStatus.INVALID
    errors = errors_of(job)
    assert (2, "员工工号", "Unknown employee number E9999.") in errors
    assert (3, "期间", "Unknown period 2099年度.") in errors
    assert (4, "指标代码", "Unknown indicator code NOPE.") in errors
    assert (5, "指标代码", "The indicator OFF is switched off.") in errors
    assert (6, "目标值", "Enter a number, such as 500 or 12.5.") in errors
    assert (7, "截止日期", "Enter a date such as 2026-09-30, 2026/9/30 or 2026年9月30日.") in errors
    assert (8, "权重(%)", "Enter a percentage between 0 and 100.") in errors
    assert (9, "目标上限", "A range goal needs an upper target.") in errors
    assert (
        10,
        "对齐上级目标",
        "No company or department goal called 不存在的目标 in the period 2026年度.",
    ) in errors
    assert (
        11,
        "所属目标",
        "陈员工 has no objective called 没有这个目标, neither in the file nor on the scorecard.",
    ) in errors
    assert (
        12,
        "目标类型",
        "Unknown goal type 未知; use one of KPI、重点任务、OKR目标、关键结果.",
    ) in errors
    assert (13, "目标值", "Use at most 4 decimal places.") in errors
    assert (14, "目标上限", "The upper target must not be below the target.") in errors
    assert (15, "方向", "Unknown value 越多越好; use one of 越高越好、越低越好、区间.") in errors
    assert not Scorecard.objects.exists()
    assert not Goal.objects.exists()


def test_weights_must_total_100_per_person_reported_on_their_rows(
    org: TestOrg, period: Period
) -> None:
    rows = [
        row(title="甲", 权重="60"),
        row("E0005", "乙", 权重="100"),
        row(title="丙", 权重="30"),
    ]

    job = run(org.hr_admin.user, rows)

    message = "陈员工's goals for 2026年度 weigh 90% together; they must total 100%."
    assert errors_of(job) == [(2, "权重(%)", message), (4, "权重(%)", message)]
    assert not Goal.objects.exists()


def test_weights_count_the_goals_the_file_leaves_on_the_scorecard(
    org: TestOrg, period: Period
) -> None:
    card = f.scorecard(org.employee, period)
    f.kpi(card, "已有目标", weight="50")

    job = run(org.hr_admin.user, [row(title="新目标", 权重="100")])

    assert errors_of(job) == [
        (
            2,
            "权重(%)",
            "陈员工's goals for 2026年度 would weigh 150% together; they must total 100% "
            "(100% in this file, 50% from goals on the scorecard that the file does not list).",
        )
    ]


def test_a_duplicate_goal_in_the_file_is_refused(org: TestOrg, period: Period) -> None:
    rows = [row(title="甲", 权重="50"), row(title="甲", 权重="50")]

    job = run(org.hr_admin.user, rows)

    assert errors_of(job) == [(3, "目标名称", "Duplicate goal: 陈员工's 甲 is already on line 2.")]


def test_a_top_level_goal_needs_a_weight(org: TestOrg, period: Period) -> None:
    job = run(org.hr_admin.user, [row(title="甲", 权重="")])

    assert errors_of(job) == [(2, "权重(%)", "Give the goal a weight between 0 and 100.")]


def test_an_agreed_scorecard_is_changed_only_through_an_adjustment(
    org: TestOrg, period: Period
) -> None:
    card = f.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    kpi = card.goals.get(kind=GoalKind.KPI)

    job = run(org.hr_admin.user, [row(title=kpi.title, 权重="60", 目标值="900")])

    assert errors_of(job) == [
        (
            2,
            "目标名称",
            "陈员工's scorecard for 2026年度 is agreed: change it through an adjustment.",
        )
    ]
    kpi.refresh_from_db()
    assert kpi.target == Decimal(500)


def test_closed_periods_and_people_who_left(org: TestOrg, period: Period) -> None:
    closed = f.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    Period.objects.filter(pk=closed.pk).update(status=PeriodStatus.CLOSED)
    Employee.objects.filter(pk=org.peer.pk).update(status=EmployeeStatus.LEFT)

    job = run(org.hr_admin.user, [row(title="甲", 期间="2025年度"), row("E0005", "乙")])

    assert errors_of(job) == [
        (2, "期间", "The period 2025年度 is closed."),
        (3, "员工工号", "刘同事 has left; no scorecard can be started."),
    ]


def test_alignment_by_title_must_be_unambiguous_and_by_id_works(
    org: TestOrg, period: Period
) -> None:
    first = plan_services.company_goal_create(actor=f.SYSTEM, period=period, title="同名")
    plan_services.company_goal_create(actor=f.SYSTEM, period=period, title="同名")

    bad = run(org.hr_admin.user, [row(title="甲", 对齐上级目标="同名")], apply=False)
    good = run(org.hr_admin.user, [row(title="甲", 对齐上级目标=str(first.uuid))])

    assert errors_of(bad) == [
        (
            2,
            "对齐上级目标",
            "Several goals of the period are called 同名; give the goal's id instead.",
        )
    ]
    assert good.status == ImportStatus.APPLIED
    assert Goal.objects.get(title="甲").parent == first


def test_a_key_result_may_name_an_objective_further_down_or_on_the_scorecard(
    org: TestOrg, period: Period
) -> None:
    rows = [
        row(title="KR1", 目标类型="关键结果", 所属目标="目标O", 权重="100"),
        row(title="目标O", 目标类型="OKR目标", 权重="100"),
    ]
    first = run(org.hr_admin.user, rows)
    second = run(
        org.hr_admin.user,
        [row(title="KR2", 目标类型="关键结果", 所属目标="目标O", 权重="0")],
    )

    assert errors_of(first) == []
    assert errors_of(second) == []
    objective = Goal.objects.get(title="目标O")
    assert set(objective.children.values_list("title", flat=True)) == {"KR1", "KR2"}


def test_a_key_result_row_cannot_align_upwards_and_others_have_no_objective(
    org: TestOrg, period: Period
) -> None:
    rows = [
        row(title="O", 目标类型="OKR目标", 权重="100"),
        row(title="KR", 目标类型="关键结果", 所属目标="O", 对齐上级目标="营收", 权重="100"),
        row("E0005", "K", 所属目标="O", 权重="100"),
    ]

    job = run(org.hr_admin.user, rows)

    assert (
        3,
        "对齐上级目标",
        "A key result counts towards its objective: name it under 所属目标 and leave this blank.",
    ) in errors_of(job)
    assert (
        4,
        "所属目标",
        "Only a key result belongs to an objective; leave this blank.",
    ) in errors_of(job)


# --- who may import ------------------------------------------------------------------------


def test_an_hrbp_imports_only_for_people_in_scope(org: TestOrg, period: Period) -> None:
    rows = [row(title="甲"), row("E0007", "乙")]

    job = run(org.hrbp.user, rows)

    assert errors_of(job) == [
        (3, "员工工号", "孙工程师 is outside your HR scope; you may not import their goals.")
    ]
    assert not Goal.objects.exists()
    ok = run(org.hrbp.user, [row(title="甲")])
    assert ok.status == ImportStatus.APPLIED
    assert Goal.objects.get().employee == org.employee


# --- replacing -----------------------------------------------------------------------------


def test_replace_removes_the_goals_the_file_does_not_list(org: TestOrg, period: Period) -> None:
    card = f.scorecard(org.employee, period)
    f.kpi(card, "旧目标", weight="50")
    objective = scorecard_objective(card, "旧O")
    job = run(org.hr_admin.user, [row(title="新目标")], kind=SCORECARD_GOALS_REPLACE)

    assert errors_of(job) == []
    assert list(card.goals.values_list("title", flat=True)) == ["新目标"]
    deleted = [e for e in batch_entries(job) if e.action == "delete"]
    assert {e.object_repr for e in deleted} == {"旧目标", "旧O", "旧KR"}
    assert not Goal.objects.filter(pk=objective.pk).exists()


def test_replace_refuses_to_remove_agreed_goals(org: TestOrg, period: Period) -> None:
    card = f.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    kpi = card.goals.get(kind=GoalKind.KPI)

    job = run(
        org.hr_admin.user,
        [row(title=kpi.title, 权重="60", 基线值="", 截止日期="", 衡量指标="销售额")],
        kind=SCORECARD_GOALS_REPLACE,
    )

    assert job.status == ImportStatus.INVALID
    assert (
        2,
        "目标名称",
        "陈员工's scorecard for 2026年度 is agreed: its goals Q3前完成X产品V2.0上线 can only "
        "be removed through an adjustment.",
    ) in errors_of(job)
    assert card.goals.count() == 2


def test_replace_keeps_goals_others_are_aligned_to(org: TestOrg, period: Period) -> None:
    card = f.scorecard(org.manager, period)
    team_goal = f.kpi(card, "团队销售额", weight="100")
    f.kpi(f.scorecard(org.employee, period), "个人销售额", weight="100", parent=team_goal)

    job = run(org.hr_admin.user, [row("E0003", "新目标")], kind=SCORECARD_GOALS_REPLACE)

    assert errors_of(job) == [
        (
            2,
            "目标名称",
            "Other goals are aligned to 张经理's goal 团队销售额, which the file would remove; "
            "align them elsewhere first.",
        )
    ]
    assert Goal.objects.filter(pk=team_goal.pk).exists()


def scorecard_objective(card: Scorecard, title: str) -> Goal:
    from pms.goals.services import scorecards as services

    objective = services.goal_add(
        actor=f.SYSTEM, scorecard=card, title=title, kind=GoalKind.OBJECTIVE, weight=Decimal(50)
    )
    services.goal_add(
        actor=f.SYSTEM,
        scorecard=card,
        title="旧KR",
        kind=GoalKind.KEY_RESULT,
        parent=objective,
        weight=Decimal(100),
    )
    return objective


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500", Decimal(500)),
        ("1,200", Decimal(1200)),
        ("12.5", Decimal("12.5")),
        ("85%", Decimal(85)),
        ("０.３", Decimal("0.3")),
        ("0.30000000000000004", Decimal("0.3")),
        ("-3", Decimal(-3)),
    ],
)
def test_numbers_are_read_as_people_write_them(text: str, value: Decimal) -> None:
    assert parse_number(text) == value
    assert "E" not in str(parse_number(text))


@pytest.mark.parametrize("text", ["abc", "1.2.3", "1e5", "12345678901234567"])
def test_unreadable_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_number(text)


# --- cost ----------------------------------------------------------------------------------


def test_checking_and_applying_cost_the_same_queries_for_more_people(
    org: TestOrg, period: Period
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pms.core.imports import import_job_validate
    from pms.org.tests import factories as org_factories

    strategy = plan_services.company_goal_create(actor=f.SYSTEM, period=period, title="营收增长20%")
    people = [
        org_factories.employee(f"员工{n}", dept=org.sales1, manager=org.manager, number=f"N{n:03d}")
        for n in range(12)
    ]

    def cost(numbers: list[str]) -> tuple[int, int]:
        rows = []
        for number in numbers:
            rows.append(row(number, "销售额", 权重="50", 对齐上级目标="营收增长20%"))
            rows.append(row(number, "回款率", 权重="50", 对齐上级目标=str(strategy.uuid)))
        upload = xlsx_file([HEADER, *rows])
        job = import_job_create(
            actor=actor_for(org.hr_admin.user),
            kind=SCORECARD_GOALS,
            uploaded_file=upload,
            start=False,
        )
        with CaptureQueriesContext(connection) as checking:
            import_job_validate(job=job)
        with CaptureQueriesContext(connection) as applying:
            job = import_job_apply(actor=actor_for(org.hr_admin.user), job=job)
        assert job.status == ImportStatus.APPLIED
        return len(checking), len(applying)

    small = cost([p.number for p in people[:2]])
    large = cost([p.number for p in people[2:]])

    assert small == large
