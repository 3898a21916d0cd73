"""The SMART checker on Chinese and English drafts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.attainment import Direction
from pms.scoring.errors import ScoringError
from pms.scoring.smart import (
    FINDING_CODES,
    KINDS,
    Finding,
    GoalDraft,
    Severity,
    check_goal,
    has_number,
    vague_words,
)
from pms.scoring.tests.strategies import PROPERTY, money

PERIOD_END = date(2025, 12, 31)

GOOD_KPI = GoalDraft(
    title="华东区销售额达到1200万元",
    metric="销售额",
    unit="万元",
    target=Decimal(1200),
    baseline=Decimal(1000),
    weight=Decimal(30),
    period_end=PERIOD_END,
)
GOOD_TASK = GoalDraft(
    title="上线新版审批流程",
    kind="task",
    due_date=date(2025, 6, 30),
    completion_standard="全部门切换到新流程，审批平均时长≤2天",
    period_end=PERIOD_END,
)


def codes(draft: GoalDraft) -> list[str]:
    return [finding.code for finding in check_goal(draft)]


def test_smart_goals_have_no_findings() -> None:
    assert check_goal(GOOD_KPI) == ()
    assert check_goal(GOOD_TASK) == ()


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("提高服务质量", "提高"),
        ("进一步提升客户体验", "进一步, 提升"),
        ("加强团队建设，积极推进改善", "加强, 积极, 改善"),
        ("提升员工积极性", "提升"),  # 积极性 is a noun, not the adverb 积极
        ("Improve customer service", "improve"),
        (
            "Enhanced onboarding; try to optimize and OPTIMISE billing",
            "enhanced, try, optimize, optimise",
        ),
        ("Make the product better", "better"),
    ],
)
def test_vague_verbs_without_a_number_are_flagged(title: str, words: str) -> None:
    draft = GoalDraft(title=title, kind="task", due_date=date(2025, 6, 1), completion_standard="")
    findings = [f for f in check_goal(draft) if f.code == "vague_verb"]
    assert findings == [Finding("vague_verb", Severity.ADVICE, {"words": words})]


@pytest.mark.parametrize(
    "title",
    [
        "提高销售额15%",
        "客户满意度提升至九成",
        "三个月内提升转化率",
        "Improve NPS to 45",
        "Increase revenue by ten percent",
        "Double the number of trial sign-ups",
        "betterment of the tooling",  # not the word "better"
        "完成年度审计",  # no vague word at all
    ],
)
def test_a_number_or_no_vague_word_is_not_flagged(title: str) -> None:
    draft = GoalDraft(title=title, kind="task", due_date=date(2025, 6, 1))
    assert "vague_verb" not in codes(draft)


def test_a_number_elsewhere_in_the_draft_makes_it_measurable() -> None:
    draft = GoalDraft(
        title="优化审批流程",
        kind="task",
        due_date=date(2025, 6, 1),
        completion_standard="审批平均时长≤2天",
    )
    assert "vague_verb" not in codes(draft)


def test_objectives_and_goals_with_a_target_are_not_checked_for_vague_verbs() -> None:
    assert "vague_verb" not in codes(GoalDraft(title="提升用户体验", kind="objective"))
    assert "vague_verb" not in codes(GoalDraft(title="提升销售额", target=Decimal(100)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15%", True),
        ("１５个", True),
        ("≤2天", True),
        ("三个月", True),
        ("减半", True),
        ("统一管理", False),
        ("进一步一致", False),
        ("十分重要", False),
        ("twice a week", True),
        ("everyone", False),
        ("", False),
    ],
)
def test_has_number(text: str, expected: bool) -> None:
    assert has_number(text) is expected


def test_vague_words_are_reported_once_in_order() -> None:
    assert vague_words("提升提升 improve Improve") == ("提升", "improve")


def test_kpis_need_a_metric_and_a_target() -> None:
    draft = GoalDraft(title="华东区销售额", period_end=PERIOD_END)
    assert codes(draft) == ["no_metric", "no_target"]
    assert codes(GoalDraft(title="华东区销售额", metric="销售额", period_end=PERIOD_END)) == [
        "no_target"
    ]
    key_result = GoalDraft(title="华东区销售额", kind="key_result", target=Decimal(5))
    assert codes(key_result) == ["no_metric", "no_deadline"]


def test_deadlines() -> None:
    # a KPI runs to its period end
    assert "no_deadline" not in codes(GOOD_KPI)
    assert "no_deadline" in codes(GoalDraft(title="华东区销售额", metric="m", target=Decimal(1)))
    # a task needs its own date
    task = GoalDraft(
        title="上线新版审批流程", kind="task", completion_standard="上线", period_end=PERIOD_END
    )
    assert codes(task) == ["no_deadline"]

    late = GoalDraft(
        title="上线新版审批流程",
        kind="task",
        completion_standard="上线",
        due_date=date(2026, 1, 15),
        period_end=PERIOD_END,
    )
    assert check_goal(late) == (
        Finding(
            "deadline_after_period",
            Severity.WARNING,
            {"due": "2026-01-15", "period_end": "2025-12-31"},
        ),
    )


def test_tasks_need_a_completion_standard() -> None:
    task = GoalDraft(title="上线新版审批流程", kind="task", due_date=date(2025, 6, 1))
    assert codes(task) == ["no_completion_standard"]


def test_weight_out_of_range() -> None:
    heavy = GoalDraft(
        title="华东区销售额",
        metric="m",
        target=Decimal(1),
        weight=Decimal("45.50"),
        period_end=PERIOD_END,
    )
    assert check_goal(heavy) == (
        Finding(
            "weight_out_of_range", Severity.WARNING, {"weight": "45.5", "min": "5", "max": "40"}
        ),
    )
    light = GoalDraft(
        title="华东区销售额",
        metric="m",
        target=Decimal(1),
        weight=Decimal(3),
        min_weight=Decimal(2),
        period_end=PERIOD_END,
    )
    assert check_goal(light) == ()


def test_a_target_that_is_no_improvement_on_the_baseline() -> None:
    higher = GoalDraft(
        title="华东区销售额",
        metric="m",
        target=Decimal(900),
        baseline=Decimal(1000),
        period_end=PERIOD_END,
    )
    assert check_goal(higher) == (
        Finding("target_below_baseline", Severity.ADVICE, {"target": "900", "baseline": "1000"}),
    )
    lower = GoalDraft(
        title="客户投诉次数",
        metric="m",
        target=Decimal(12),
        baseline=Decimal(10),
        direction=Direction.LOWER,
        period_end=PERIOD_END,
    )
    assert codes(lower) == ["target_below_baseline"]
    same = GoalDraft(
        title="客户投诉次数",
        metric="m",
        target=Decimal(10),
        baseline=Decimal(10),
        period_end=PERIOD_END,
    )
    assert codes(same) == []


def test_range_targets_need_a_sensible_upper_bound() -> None:
    base = GoalDraft(
        title="员工流失率",
        metric="m",
        target=Decimal(5),
        direction=Direction.RANGE,
        period_end=PERIOD_END,
    )
    assert codes(base) == ["range_incomplete"]
    assert codes(replace(base, target_max=Decimal(3))) == ["range_incomplete"]
    assert codes(replace(base, target_max=Decimal(8))) == []
    assert codes(replace(base, target_max=Decimal(5))) == []  # a single point is a range


def test_short_titles() -> None:
    draft = GoalDraft(title=" 销售 ", metric="m", target=Decimal(1), period_end=PERIOD_END)
    assert check_goal(draft) == (
        Finding("title_too_short", Severity.WARNING, {"length": "2", "min": "4"}),
    )
    assert (
        codes(GoalDraft(title="提升销量", metric="m", target=Decimal(1), period_end=PERIOD_END))
        == []
    )


def test_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(ScoringError) as caught:
        check_goal(GoalDraft(title="华东区销售额", kind="okr"))
    assert caught.value.code == "unknown_kind"


drafts = st.builds(
    GoalDraft,
    title=st.text(max_size=30),
    description=st.text(max_size=30),
    kind=st.sampled_from(KINDS),
    target=st.none() | money(-100, 100),
    target_max=st.none() | money(-100, 100),
    baseline=st.none() | money(-100, 100),
    direction=st.sampled_from(Direction),
    due_date=st.none() | st.dates(),
    completion_standard=st.text(max_size=20),
    weight=st.none() | money(0, 100),
    period_end=st.none() | st.dates(),
)


@PROPERTY
@given(draft=drafts)
def test_findings_are_deterministic_and_use_known_codes(draft: GoalDraft) -> None:
    findings = check_goal(draft)
    assert findings == check_goal(draft)
    assert all(finding.code in FINDING_CODES for finding in findings)
    assert all(isinstance(value, str) for f in findings for value in f.params.values())
    assert len({f.code for f in findings}) == len(findings)
