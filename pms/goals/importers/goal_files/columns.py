"""The columns of the two goal files: headers, the other names a file may use for them,
the help and the example the template and the export show."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from pms.core.imports import Column


def _goal_column(
    key: str,
    header: str,
    aliases: tuple[str, ...],
    help_text: Promise,
    example: str,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> Column:
    return Column(
        key,
        header,
        aliases,
        required=required,
        max_length=max_length,
        help=help_text,
        example=example,
    )


def _shared_columns(target_example: str = "500") -> tuple[Column, ...]:
    return (
        _goal_column(
            "metric",
            "衡量指标",
            ("metric", "衡量标准"),
            gettext_lazy("What is measured; blank takes the indicator's name."),
            "销售额",
            max_length=200,
        ),
        _goal_column(
            "unit",
            "单位",
            ("unit",),
            gettext_lazy("Unit of the target, e.g. 万元, %, 个; blank takes the indicator's unit."),
            "万元",
            max_length=20,
        ),
        _goal_column(
            "direction",
            "方向",
            ("direction",),
            gettext_lazy(
                "越高越好, 越低越好 or 区间 (higher, lower, range); blank takes the "
                "indicator's direction, else 越高越好."
            ),
            "越高越好",
            max_length=20,
        ),
        _goal_column(
            "baseline",
            "基线值",
            ("baseline",),
            gettext_lazy("Where the measure stands today; a number, optional."),
            "420",
            max_length=40,
        ),
        _goal_column(
            "target",
            "目标值",
            ("target",),
            gettext_lazy("The target; a number with at most 4 decimals."),
            target_example,
            max_length=40,
        ),
        _goal_column(
            "target_max",
            "目标上限",
            ("upper target", "target max"),
            gettext_lazy("The upper end of a range target; required when the direction is 区间."),
            "",
            max_length=40,
        ),
    )


SCORECARD_GOAL_COLUMNS = (
    _goal_column(
        "number",
        "员工工号",
        ("工号", "employee number", "number"),
        gettext_lazy("Employee number of the person whose scorecard the goal is on."),
        "E0004",
        required=True,
        max_length=40,
    ),
    _goal_column(
        "period",
        "期间",
        ("考核期间", "period"),
        gettext_lazy("Name of the period, exactly as on the periods page."),
        "2026年度",
        required=True,
        max_length=100,
    ),
    _goal_column(
        "kind",
        "目标类型",
        ("类型", "goal type", "kind"),
        gettext_lazy("KPI, 重点任务, OKR目标 or 关键结果 (kpi, task, objective, key_result)."),
        "KPI",
        required=True,
        max_length=20,
    ),
    _goal_column(
        "title",
        "目标名称",
        ("目标", "goal", "title"),
        gettext_lazy(
            "What the goal is. Together with the employee number and the period it "
            "identifies the goal: a new title adds a goal, an existing one is updated."
        ),
        "销售额达到500万元",
        required=True,
        max_length=300,
    ),
    _goal_column(
        "indicator",
        "指标代码",
        ("indicator code", "indicator"),
        gettext_lazy("Code of an indicator in the library (optional); it must be switched on."),
        "",
        max_length=40,
    ),
    *_shared_columns(),
    _goal_column(
        "weight",
        "权重(%)",
        ("权重", "权重%", "权重（%）", "weight", "weight (%)"),
        gettext_lazy(
            "Weight in percent, 0 to 100. Each person's goals must total 100 (the goals in "
            "the file plus those already on the scorecard that the file does not list). "
            "A key result's weight is its share of its objective."
        ),
        "60",
        max_length=20,
    ),
    _goal_column(
        "due_date",
        "截止日期",
        ("due date", "deadline"),
        gettext_lazy("Due date, e.g. 2026-09-30; a key task needs one before submission."),
        "2026-12-31",
        max_length=40,
    ),
    _goal_column(
        "completion_standard",
        "完成标准",
        ("completion standard",),
        gettext_lazy("For a key task: what counts as done."),
        "",
    ),
    _goal_column(
        "parent",
        "对齐上级目标",
        ("aligned to", "parent goal"),
        gettext_lazy(
            "Optional: the exact title (or the id) of the company or department goal of "
            "the same period this goal supports; a manager's goal by its id."
        ),
        "",
        max_length=300,
    ),
    _goal_column(
        "objective",
        "所属目标",
        ("objective",),
        gettext_lazy(
            "For a key result: the title of its OKR objective on the same scorecard (in "
            "the file or already there). Blank for other goals."
        ),
        "",
        max_length=300,
    ),
    _goal_column(
        "description",
        "说明",
        ("description", "备注"),
        gettext_lazy("Any further explanation."),
        "",
    ),
    _goal_column(
        "scoring_rule",
        "评分规则",
        ("scoring rule", "rule"),
        gettext_lazy(
            "Optional scoring rule, e.g. linear 0-120, bands 100:100,90:80 below 0, "
            "passfail 100, milestones, deduction 100 -2 floor 0, veto D. Blank keeps the "
            "goal's rule (a new goal takes its indicator's rule, else linear)."
        ),
        "linear 0-120",
        max_length=500,
    ),
)

DEPARTMENT_GOAL_COLUMNS = (
    _goal_column(
        "department",
        "部门编码",
        ("department code", "department"),
        gettext_lazy("Code of the department the goal belongs to."),
        "SALES1",
        required=True,
        max_length=40,
    ),
    _goal_column(
        "period",
        "期间",
        ("考核期间", "period"),
        gettext_lazy("Name of the period, exactly as on the periods page."),
        "2026年度",
        required=True,
        max_length=100,
    ),
    _goal_column(
        "kind",
        "目标类型",
        ("类型", "goal type", "kind"),
        gettext_lazy("KPI, 重点任务, OKR目标 or 关键结果 (kpi, task, objective, key_result)."),
        "KPI",
        required=True,
        max_length=20,
    ),
    _goal_column(
        "title",
        "目标名称",
        ("目标", "goal", "title"),
        gettext_lazy(
            "What the goal is. Together with the department and the period it identifies "
            "the goal: a new title adds a draft, an existing draft is updated."
        ),
        "主营业务A增长15%",
        required=True,
        max_length=300,
    ),
    *_shared_columns("1150"),
    _goal_column(
        "due_date",
        "截止日期",
        ("due date", "deadline"),
        gettext_lazy("Due date, e.g. 2026-12-31; a key task needs one before submission."),
        "2026-12-31",
        max_length=40,
    ),
    _goal_column(
        "completion_standard",
        "完成标准",
        ("completion standard",),
        gettext_lazy("For a key task: what counts as done."),
        "",
    ),
    _goal_column(
        "perspective",
        "BSC维度",
        ("bsc", "perspective", "平衡计分卡维度"),
        gettext_lazy(
            "财务, 客户, 内部流程 or 学习与成长. Blank: a new goal takes the perspective of "
            "the goal it aligns to, an existing goal keeps its own."
        ),
        "财务",
        max_length=20,
    ),
    _goal_column(
        "parent",
        "对齐战略目标",
        ("对齐上级目标", "aligned to", "parent goal"),
        gettext_lazy(
            "Optional: the exact title (or the id) of the strategic goal of the same period "
            "this goal carries; a goal of a parent department by its id."
        ),
        "营收增长20%",
        max_length=300,
    ),
    _goal_column(
        "contribution",
        "贡献权重(%)",
        ("贡献权重", "贡献权重%", "贡献权重（%）", "contribution", "contribution (%)"),
        gettext_lazy(
            "This goal's share of the goal it aligns to, 0 to 100; the goals aligned to one "
            "goal contribute at most 100 together."
        ),
        "60",
        max_length=20,
    ),
    _goal_column(
        "owner",
        "负责人工号",
        ("owner number", "owner"),
        gettext_lazy(
            "Employee number of the person responsible. Blank: a new goal is owned by the "
            "department's head, an existing goal keeps its owner."
        ),
        "E0003",
        max_length=40,
    ),
    _goal_column(
        "description",
        "说明",
        ("description", "备注"),
        gettext_lazy("Any further explanation."),
        "",
    ),
    _goal_column(
        "scoring_rule",
        "评分规则",
        ("scoring rule", "rule"),
        gettext_lazy(
            "Optional scoring rule, e.g. linear 0-120 or bands 100:100,90:80 below 0. Blank "
            "keeps the goal's rule (a new goal is scored linearly)."
        ),
        "",
        max_length=500,
    ),
)
