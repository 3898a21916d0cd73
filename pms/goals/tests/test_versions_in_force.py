"""The versions in force over a stretch of the period: what scoring computes against, part by
part (re-baselined), and the day-weighted score over them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pms.goals.models import Goal, GoalVersion, Period, Scorecard
from pms.goals.selectors import adjustments as selectors
from pms.goals.services import adjustments as services
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.fixture
def period(db: None) -> Period:
    return f.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return f.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


def _approve(org: TestOrg, card: Scorecard, *changes: ChangeSpec, effective_from: dt.date) -> None:
    adjustment = f.adjustment(
        card, f.actor_of(org.manager), *changes, effective_from=effective_from
    )
    adjustment = services.adjustment_decide(
        actor=f.actor_of(org.hrbp), adjustment=adjustment, decision="approve"
    )
    if adjustment.status == "committee":
        services.adjustment_decide(
            actor=f.actor_of(org.committee), adjustment=adjustment, decision="approve"
        )


def _kpi(card: Scorecard) -> Goal:
    return card.goals.order_by("sort_order")[0]


def test_an_unadjusted_goal_has_one_segment(card: Scorecard) -> None:
    segments = selectors.goal_versions_in_force(_kpi(card), *YEAR)

    assert [(s.start, s.end, s.days, s.number) for s in segments] == [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), 365, 1)
    ]
    assert Decimal(segments[0].terms["target"]) == 500


def test_each_adjustment_starts_a_segment(org: TestOrg, card: Scorecard) -> None:
    kpi = _kpi(card)
    _approve(org, card, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2026, 4, 1))
    kpi.refresh_from_db()
    _approve(org, card, ChangeSpec.change(kpi, target="480"), effective_from=dt.date(2026, 10, 1))

    segments = selectors.goal_versions_in_force(kpi, *YEAR)

    assert [(s.start, s.end, s.number, Decimal(s.terms["target"])) for s in segments] == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), 1, 500),
        (dt.date(2026, 4, 1), dt.date(2026, 9, 30), 2, 450),
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31), 3, 480),
    ]
    assert sum(s.days for s in segments) == 365


def test_a_stretch_inside_the_period_is_cut_to_it(org: TestOrg, card: Scorecard) -> None:
    kpi = _kpi(card)
    _approve(org, card, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2026, 5, 1))

    q2 = selectors.goal_versions_in_force(kpi, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    q3 = selectors.goal_versions_in_force(kpi, dt.date(2026, 7, 1), dt.date(2026, 9, 30))

    assert [(s.start, s.end, s.number) for s in q2] == [
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30), 1),
        (dt.date(2026, 5, 1), dt.date(2026, 6, 30), 2),
    ]
    assert [(s.start, s.end, s.number) for s in q3] == [
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30), 2)
    ]


def test_removed_and_added_goals_count_only_while_in_force(org: TestOrg, card: Scorecard) -> None:
    kpi, task = card.goals.order_by("sort_order")
    _approve(
        org,
        card,
        ChangeSpec.remove(task),
        ChangeSpec.change(kpi, weight="90"),
        ChangeSpec.add(title="新客户开发数量达到20家", weight="10", target="20"),
        effective_from=dt.date(2026, 7, 1),
    )
    new = card.goals.get(title="新客户开发数量达到20家")

    removed = selectors.goal_versions_in_force(task, *YEAR)
    with_removal = selectors.goal_versions_in_force(task, *YEAR, include_removed=True)
    added = selectors.goal_versions_in_force(new, *YEAR)

    assert [(s.start, s.end) for s in removed] == [(dt.date(2026, 1, 1), dt.date(2026, 6, 30))]
    assert [s.active for s in with_removal] == [True, False]
    assert [(s.start, s.end, s.number) for s in added] == [
        (dt.date(2026, 7, 1), dt.date(2026, 12, 31), 1)
    ]


def test_prefetched_versions_need_no_query(
    org: TestOrg, card: Scorecard, django_assert_num_queries: Any
) -> None:
    kpi = _kpi(card)
    versions = list(GoalVersion.objects.filter(goal=kpi))

    with django_assert_num_queries(0):
        segments = selectors.goal_versions_in_force(kpi, *YEAR, versions=versions)

    assert len(segments) == 1


def test_score_over_versions_weights_each_version_by_its_days(
    org: TestOrg, card: Scorecard
) -> None:
    kpi = _kpi(card)
    _approve(org, card, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2026, 7, 1))
    segments = selectors.goal_versions_in_force(kpi, *YEAR)

    score, steps = selectors.score_over_versions(segments, [Decimal(80), Decimal(100)])
    unscored, _steps = selectors.score_over_versions(segments, [None, Decimal(100)])

    # 181 days at 80, 184 days at 100
    assert score == Decimal("90.08")
    assert [s.code for s in steps] == ["segment", "segment", "prorate"]
    assert steps[0].values["label"] == "v1"
    assert unscored == Decimal(100)
    with pytest.raises(ValueError, match="one score per segment"):
        selectors.score_over_versions(segments, [Decimal(1)])


def test_goal_history_rows_mark_what_changed(org: TestOrg, card: Scorecard) -> None:
    kpi = _kpi(card)
    _approve(org, card, ChangeSpec.change(kpi, target="450"), effective_from=dt.date(2026, 5, 1))

    first, second = selectors.goal_history(kpi)

    assert first.adjustment is None
    assert second.adjustment is not None
    changed = {label: value for label, value, was_changed in second.terms if was_changed}
    assert changed == {"target": "450"}
    assert not any(was_changed for _label, _value, was_changed in first.terms)
