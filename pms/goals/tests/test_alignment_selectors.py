"""The alignment view's numbers on a hand-built cascade: progress roll-ups, child counts,
what each user may see, orphans, uncovered strategy, coverage per department, and a fixed
number of queries whatever the size.

    C1 营收增长20% ── S 销售中心 (60 %) ── S1 销售一部 (100 %) ── e1 陈员工 (50 %, 80 %)
                  │                                          └─ p1 刘同事 (50 %, 100 %)
                  └─ R1 研发中心 (40 %, no progress)
    C2 客户满意度 ── D2 销售二部 ── m1 赵经理 (40 %)
    C3 人才梯队 (nothing below)      C4 研发周期缩短15% ── R4 研发中心 (nobody below)
    O 人力资源部, p2 刘同事, o1 孙工程师 (+ its key result): aligned to nothing
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.goals.models import Goal, GoalKind, Period
from pms.goals.selectors import alignment as selectors
from pms.goals.services import scorecards as scorecard_services
from pms.goals.tests import factories as f
from pms.org.models import Employee
from pms.org.roles import Principal, principal_for
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg, user_of
from pms.scoring.progress import rollup

pytestmark = pytest.mark.django_db


def _principal(person: Employee | User) -> Principal:
    return principal_for(person if isinstance(person, User) else user_of(person))


def _progress(goal: Goal, value: str) -> None:
    # tracking writes progress as actual values arrive; it is not built yet
    Goal.objects.filter(pk=goal.pk).update(progress=Decimal(value))


@dataclass
class Cascade:
    period: Period
    c1: Goal
    c2: Goal
    c3: Goal
    c4: Goal
    s: Goal
    s1: Goal
    r1: Goal
    r4: Goal
    d2: Goal
    o: Goal
    e1: Goal
    p1: Goal
    p2: Goal
    m1: Goal
    o1: Goal


@pytest.fixture
def cascade(org: TestOrg) -> Cascade:
    period = f.period()
    ceo = Actor(user=user_of(org.ceo))
    committee = Actor(user=org.committee)
    c1 = f.approved_plan_goal(f.company_goal(period, "营收增长20%"), ceo)
    c2 = f.approved_plan_goal(f.company_goal(period, "客户满意度", perspective="customer"), ceo)
    c3 = f.company_goal(period, "人才梯队", perspective="learning")
    c4 = f.company_goal(period, "研发周期缩短15%", perspective="process")
    s = f.approved_plan_goal(
        f.department_goal(period, org.sales, "销售增长", parent=c1, contribution="60"), committee
    )
    r1 = f.department_goal(period, org.rnd, "研发支撑", parent=c1, contribution="40")
    s1 = f.department_goal(period, org.sales1, "一部增长", parent=s, contribution="100")
    d2 = f.approved_plan_goal(
        f.department_goal(period, org.sales2, "二部满意度", parent=c2), committee
    )
    r4 = f.department_goal(period, org.rnd, "缩短周期", parent=c4)
    o = f.department_goal(period, org.hr_dept, "招聘到位")
    e1 = f.kpi(f.scorecard(org.employee, period), "陈的销售额", parent=s1, contribution=Decimal(50))
    peer_card = f.scorecard(org.peer, period)
    p1 = f.kpi(peer_card, "刘的销售额", parent=s1, contribution=Decimal(50))
    p2 = f.kpi(peer_card, "刘的学习")
    m1 = f.kpi(f.scorecard(org.other_manager, period), "赵的满意度", parent=d2)
    outsider_card = f.scorecard(org.outsider, period)
    o1 = scorecard_services.goal_add(
        actor=f.SYSTEM, scorecard=outsider_card, title="孙的目标", kind=GoalKind.OBJECTIVE
    )
    scorecard_services.goal_add(
        actor=f.SYSTEM,
        scorecard=outsider_card,
        title="孙的关键结果",
        kind=GoalKind.KEY_RESULT,
        parent=o1,
    )
    for goal, value in ((e1, "80"), (p1, "100"), (p2, "10"), (m1, "40")):
        _progress(goal, value)
    return Cascade(period, c1, c2, c3, c4, s, s1, r1, r4, d2, o, e1, p1, p2, m1, o1)


def _nodes(page: selectors.NodePage) -> dict[str, selectors.AlignmentNode]:
    return {node.goal.title: node for node in page.nodes}


# --- the tree ------------------------------------------------------------------------------


def test_the_strategy_rolls_up_progress_by_contribution(org: TestOrg, cascade: Cascade) -> None:
    roots = selectors.alignment_roots(_principal(org.hr_admin), cascade.period)

    nodes = _nodes(roots)
    assert list(nodes) == ["营收增长20%", "客户满意度", "人才梯队", "研发周期缩短15%"]
    # S1 = (50 × 80 + 50 × 100) / 100 = 90; S carries it fully; R1 has none yet
    assert nodes["营收增长20%"].progress == Decimal("90.00")
    assert nodes["营收增长20%"].children == 2
    # D2 and its one person weigh nothing, so they count equally
    assert nodes["客户满意度"].progress == Decimal("40.00")
    assert nodes["人才梯队"].progress is None
    assert nodes["人才梯队"].children == 0
    assert roots.hidden == 0
    assert roots.next_offset is None


def test_own_progress_wins_over_the_roll_up(org: TestOrg, cascade: Cascade) -> None:
    _progress(cascade.s, "55")

    nodes = _nodes(selectors.alignment_roots(_principal(org.hr_admin), cascade.period))

    assert nodes["营收增长20%"].progress == Decimal("55.00")


def test_an_employee_sees_approved_strategy_and_counts_of_what_is_hidden(
    org: TestOrg, cascade: Cascade
) -> None:
    employee = _principal(org.employee)

    roots = selectors.alignment_roots(employee, cascade.period)
    children_of_s1 = selectors.alignment_children(employee, cascade.s1)

    assert list(_nodes(roots)) == ["营收增长20%", "客户满意度"]
    assert roots.hidden == 2  # the draft strategy
    assert list(_nodes(children_of_s1)) == ["陈的销售额"]
    assert children_of_s1.hidden == 1  # the peer's goal
    assert _nodes(children_of_s1)["陈的销售额"].progress == Decimal("80.00")


def test_a_manager_sees_the_teams_goals(org: TestOrg, cascade: Cascade) -> None:
    page = selectors.alignment_children(_principal(org.manager), cascade.s1)

    assert list(_nodes(page)) == ["陈的销售额", "刘的销售额"]
    assert page.hidden == 0


def test_a_department_view_starts_where_its_part_of_the_cascade_starts(
    org: TestOrg, cascade: Cascade
) -> None:
    roots = selectors.alignment_roots(
        _principal(org.hr_admin), cascade.period, department=org.sales
    )

    assert list(_nodes(roots)) == ["销售增长", "二部满意度"]
    assert _nodes(roots)["销售增长"].progress == Decimal("90.00")


def test_long_child_lists_come_in_pages_of_50(org: TestOrg) -> None:
    period = f.period()
    parent = f.department_goal(period, org.sales1)
    card = f.scorecard(org.employee, period)
    for n in range(60):
        f.kpi(card, f"目标{n:02d}", parent=parent)
    manager = _principal(org.manager)

    first = selectors.alignment_children(manager, parent)
    second = selectors.alignment_children(manager, parent, offset=first.next_offset or 0)

    assert len(first.nodes) == 50
    assert first.total == 60
    assert first.next_offset == 50
    assert len(second.nodes) == 10
    assert second.next_offset is None
    assert second.nodes[-1].goal.title == "目标59"


@pytest.mark.parametrize("size", [3, 30])
def test_a_level_costs_the_same_whatever_its_size(
    org: TestOrg, size: int, django_assert_num_queries: Any
) -> None:
    period = f.period()
    strategy = f.company_goal(period)
    department_goal = f.department_goal(period, org.sales1, parent=strategy)
    card = f.scorecard(org.employee, period)
    for n in range(size):
        f.department_goal(period, org.sales1, f"一部{n}", parent=strategy)
        goal = f.kpi(card, f"个人{n}", parent=department_goal)
        _progress(goal, str(n))
    manager = _principal(org.manager)
    ceo = _principal(org.ceo)

    with django_assert_num_queries(6):
        people = selectors.alignment_children(manager, department_goal)
    with django_assert_num_queries(6):
        departments = selectors.alignment_children(ceo, strategy)

    assert people.total == size
    assert departments.total == size + 1


# --- roll-up arithmetic --------------------------------------------------------------------

weights = st.decimals(min_value=0, max_value=100, places=2)
progresses = st.none() | st.decimals(min_value=0, max_value=200, places=2)
pairs = st.lists(st.tuples(weights, progresses), max_size=8)


@given(plan=pairs, people=pairs)
def test_summed_individual_children_roll_up_like_the_children_one_by_one(
    plan: list[tuple[Decimal, Decimal | None]], people: list[tuple[Decimal, Decimal | None]]
) -> None:
    known = [(w, p) for w, p in people if p is not None]
    stats = selectors.ChildStats(
        count=len(people),
        known=len(known),
        weight=sum((w for w, _p in known), Decimal(0)),
        weighted=sum((w * p for w, p in known), Decimal(0)),
        progress_sum=sum((p for _w, p in known), Decimal(0)),
    )

    summed = selectors.rolled_progress(None, plan, stats)
    one_by_one = rollup(None, plan + people)

    if one_by_one is None:
        assert summed is None
    else:
        assert summed is not None
        assert abs(summed - one_by_one) <= Decimal("0.01")


# --- orphans and uncovered strategy --------------------------------------------------------


def test_orphans_are_department_and_individual_goals_aligned_to_nothing(
    org: TestOrg, cascade: Cascade
) -> None:
    hr = _principal(org.hr_admin)

    everything = [g.title for g in selectors.orphan_goals(hr, cascade.period)]
    in_sales = [g.title for g in selectors.orphan_goals(hr, cascade.period, org.sales)]
    seen_by_employee = list(selectors.orphan_goals(_principal(org.employee), cascade.period))

    assert everything == ["招聘到位", "刘的学习", "孙的目标"]
    assert in_sales == ["刘的学习"]
    assert seen_by_employee == []
    assert selectors.orphan_candidates(cascade.period).count() == 3


def test_uncovered_strategy_is_what_no_person_works_on(org: TestOrg, cascade: Cascade) -> None:
    uncovered = selectors.uncovered_strategy(_principal(org.ceo), cascade.period)

    assert [(u.goal.title, u.department_goals) for u in uncovered] == [
        ("人才梯队", 0),
        ("研发周期缩短15%", 1),
    ]
    # the drafts are not shown to those who may not see them
    assert selectors.uncovered_strategy(_principal(org.employee), cascade.period) == []


# --- coverage ------------------------------------------------------------------------------


def test_coverage_counts_people_aligned_upward_per_department_and_below(
    org: TestOrg, cascade: Cascade
) -> None:
    rows = {
        row.department.code: row
        for row in selectors.coverage_by_department(_principal(org.hr_admin), cascade.period)
    }

    def figures(code: str) -> tuple[int, int, Decimal | None, int, int]:
        row = rows[code]
        return row.people, row.aligned, row.percent, row.goals, row.goals_approved

    assert list(rows) == ["HQ", "SALES", "SALES1", "SALES2", "RND", "HR"]
    assert figures("SALES1") == (2, 2, Decimal("100.0"), 1, 0)
    assert figures("SALES2") == (1, 1, Decimal("100.0"), 1, 1)
    assert figures("SALES") == (3, 3, Decimal("100.0"), 3, 2)
    # the outsider's key result under their own objective is not alignment
    assert figures("RND") == (1, 0, Decimal("0.0"), 2, 0)
    assert figures("HR") == (0, 0, None, 1, 0)
    assert figures("HQ") == (4, 3, Decimal("75.0"), 6, 2)


def test_coverage_of_a_subtree(org: TestOrg, cascade: Cascade) -> None:
    rows = selectors.coverage_by_department(_principal(org.head), cascade.period, org.sales)

    assert [row.department.code for row in rows] == ["SALES", "SALES1", "SALES2"]


@pytest.mark.parametrize("extra", [0, 20])
def test_coverage_costs_the_same_whatever_the_number_of_departments(
    org: TestOrg, cascade: Cascade, extra: int, django_assert_num_queries: Any
) -> None:
    for n in range(extra):
        department = org_factories.department(f"新部门{n}", parent=org.rnd)
        person = org_factories.employee(dept=department, manager=org.outsider)
        f.kpi(f.scorecard(person, cascade.period), parent=cascade.c1)
    hr = _principal(org.hr_admin)

    with django_assert_num_queries(3):
        rows = selectors.coverage_by_department(hr, cascade.period)

    assert len(rows) == 6 + extra
    assert rows[0].people == 4 + extra
