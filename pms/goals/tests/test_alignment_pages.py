"""The alignment page: the cascade with lazy levels, orphans, uncovered strategy and the
coverage table; who sees what, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.goals.models import Goal, Period
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of

ClientFor = Callable[[str], Client]
pytestmark = pytest.mark.django_db


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period("2026年度")


@pytest.fixture
def cascade(org: TestOrg, period: Period) -> dict[str, Goal]:
    """营收增长20% → 销售一部 goal (approved) → 陈员工 (80 %) and 刘同事 (100 %); a draft
    strategy nobody works on; a draft R&D goal aligned to nothing."""
    ceo = Actor(user=user_of(org.ceo))
    strategy = f.approved_plan_goal(f.company_goal(period, "营收增长20%"), ceo)
    sales1 = f.approved_plan_goal(
        f.department_goal(period, org.sales1, "一部增长", parent=strategy, contribution="50"),
        Actor(user=org.committee),
    )
    mine = f.kpi(f.scorecard(org.employee, period), "陈的销售额", parent=sales1)
    peers = f.kpi(f.scorecard(org.peer, period), "刘的销售额", parent=sales1)
    Goal.objects.filter(pk=mine.pk).update(progress=Decimal(80))
    Goal.objects.filter(pk=peers.pk).update(progress=Decimal(100))
    draft = f.company_goal(period, "人才梯队", perspective="learning")
    orphan = f.department_goal(period, org.rnd, "研发草稿")
    return {"strategy": strategy, "sales1": sales1, "draft": draft, "orphan": orphan}


def test_the_cascade_starts_at_the_strategy_with_progress(
    client_for: ClientFor, cascade: dict[str, Goal], period: Period
) -> None:
    response = client_for("employee").get(reverse("goals:alignment"), {"period": period.uuid})

    assert response.status_code == 200
    html = response.content.decode()
    assert "营收增长20%" in html
    assert "90 %" in html
    assert "人才梯队" not in html  # a draft
    assert "1 goal you may not see" in html
    assert reverse("goals:alignment_children", args=[cascade["strategy"].uuid]) in html


def test_expanding_shows_only_the_goals_of_people_one_may_see(
    client_for: ClientFor, cascade: dict[str, Goal]
) -> None:
    url = reverse("goals:alignment_children", args=[cascade["sales1"].uuid])

    employee_html = client_for("employee").get(url, headers={"HX-Request": "true"}).content
    manager_html = client_for("manager").get(url, headers={"HX-Request": "true"}).content

    assert "陈的销售额" in employee_html.decode()
    assert "刘的销售额" not in employee_html.decode()
    assert "1 goal you may not see" in employee_html.decode()
    assert "刘的销售额" in manager_html.decode()


def test_a_draft_is_not_expanded_by_those_who_may_not_see_it(
    client_for: ClientFor, cascade: dict[str, Goal]
) -> None:
    url = reverse("goals:alignment_children", args=[cascade["orphan"].uuid])

    assert client_for("outsider").get(url).status_code == 404
    assert client_for("hr_admin").get(url).status_code == 200


def test_the_alignment_page_is_for_people_of_the_company(org: TestOrg, period: Period) -> None:
    stranger = Client()
    stranger.force_login(User.objects.create_user(username="stranger", password="x"))

    assert stranger.get(reverse("goals:alignment")).status_code == 404
    assert (
        stranger.get(reverse("goals:alignment_roots"), {"period": period.uuid}).status_code == 404
    )
    assert Client().get(reverse("goals:alignment"))["Location"].startswith("/accounts/login/")


def test_a_goal_can_be_the_root_of_the_view(
    client_for: ClientFor, cascade: dict[str, Goal], period: Period
) -> None:
    html = (
        client_for("manager")
        .get(reverse("goals:alignment"), {"period": period.uuid, "goal": cascade["sales1"].uuid})
        .content.decode()
    )

    assert "一部增长" in html
    assert "Whole strategy" in html


def test_the_orphans_tab_lists_goals_aligned_to_nothing(
    client_for: ClientFor, cascade: dict[str, Goal], period: Period
) -> None:
    params = {"period": period.uuid, "tab": "orphans"}

    hr_html = client_for("hr_admin").get(reverse("goals:alignment"), params).content.decode()
    employee_html = client_for("employee").get(reverse("goals:alignment"), params).content.decode()

    assert "研发草稿" in hr_html
    assert "研发草稿" not in employee_html
    assert "1 more goal aligned to nothing is on scorecards you may not see." in employee_html


def test_the_uncovered_tab_lists_strategy_nobody_works_on(
    client_for: ClientFor, cascade: dict[str, Goal], period: Period
) -> None:
    html = (
        client_for("ceo")
        .get(reverse("goals:alignment"), {"period": period.uuid, "tab": "uncovered"})
        .content.decode()
    )

    assert "人才梯队" in html
    assert "营收增长20%" not in html


def test_the_coverage_tab_shows_figures_per_department(
    client_for: ClientFor, org: TestOrg, cascade: dict[str, Goal], period: Period
) -> None:
    html = (
        client_for("head")
        .get(
            reverse("goals:alignment"),
            {"period": period.uuid, "tab": "coverage", "department": org.sales.uuid},
        )
        .content.decode()
    )

    assert "销售一部" in html
    assert "100.0 %" in html
    assert "研发中心</span>" not in html  # only in the department filter
    assert "销售二部</span>" in html


@pytest.mark.parametrize("size", [3, 30])
def test_expanding_costs_the_same_whatever_the_number_of_children(
    client_for: ClientFor,
    org: TestOrg,
    period: Period,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    parent = f.department_goal(period, org.sales1)
    card = f.scorecard(org.employee, period)
    for n in range(size):
        f.kpi(card, f"目标{n}", parent=parent)
    client = client_for("head")

    with django_assert_num_queries(13):
        response = client.get(
            reverse("goals:alignment_children", args=[parent.uuid]),
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_the_alignment_page_costs_the_same_whatever_the_number_of_goals(
    client_for: ClientFor,
    org: TestOrg,
    period: Period,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    for n in range(size):
        strategy = f.company_goal(period, f"战略{n}")
        f.department_goal(period, org.sales1, f"一部{n}", parent=strategy)
    client = client_for("ceo")

    with django_assert_num_queries(18):
        response = client.get(reverse("goals:alignment"), {"period": period.uuid})

    assert response.status_code == 200
