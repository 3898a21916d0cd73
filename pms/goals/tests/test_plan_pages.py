"""Strategy pages: the strategy, department goals, one goal, create/edit/submit, and the
decision inbox. Who may see and do what, what changes, and how many queries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Comment, CommentKind, Goal, GoalLevel, GoalStatus, Period
from pms.goals.services import plan as services
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg, user_of

ClientFor = Callable[[str], Client]
pytestmark = pytest.mark.django_db


@pytest.fixture
def period(org: TestOrg) -> Period:
    return f.period("2026年度")


@pytest.fixture
def stranger(org: TestOrg) -> Client:
    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ceo(org: TestOrg) -> Actor:
    return Actor(user=user_of(org.ceo))


def _goal_form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "新客户开发",
        "kind": "kpi",
        "perspective": "customer",
        "owner": "",
        "metric": "新客户数",
        "unit": "家",
        "direction": "higher",
        "baseline": "",
        "target": "50",
        "target_max": "",
        "due_date": "",
        "completion_standard": "",
        "description": "",
        "rule_type": "linear",
    }
    data.update(overrides)
    return data


# --- strategy page -------------------------------------------------------------------------


def test_everyone_sees_the_approved_strategy_by_perspective(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    f.approved_plan_goal(f.company_goal(period, "营收增长20%"), _ceo(org))
    f.company_goal(period, "研发周期缩短15%", perspective="process")  # a draft

    response = client_for("employee").get(reverse("goals:strategy"), {"period": period.uuid})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Financial" in html
    assert "Internal process" in html
    assert "营收增长20%" in html
    assert "研发周期缩短15%" not in html
    assert reverse("goals:strategy_goal_create") not in html


def test_executives_see_drafts_and_may_add_strategy(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    f.company_goal(period, "研发周期缩短15%", perspective="process")

    html = client_for("ceo").get(reverse("goals:strategy")).content.decode()

    assert "研发周期缩短15%" in html  # the current period is chosen when none is named
    assert reverse("goals:strategy_goal_create") in html
    assert reverse("goals:decision_inbox") in html


def test_the_strategy_page_is_not_found_for_someone_outside_the_company(
    stranger: Client, period: Period
) -> None:
    assert stranger.get(reverse("goals:strategy")).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_strategy_page_costs_the_same_whatever_the_number_of_goals(
    client_for: ClientFor,
    org: TestOrg,
    period: Period,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    strategy = f.company_goal(period, "总目标")
    for n in range(size):
        f.company_goal(period, f"战略{n}", perspective=["financial", "customer"][n % 2])
        f.department_goal(period, org.sales1, f"一部{n}", parent=strategy)
    client = client_for("ceo")

    with django_assert_num_queries(15):
        response = client.get(reverse("goals:strategy"), {"period": period.uuid})

    assert response.status_code == 200


# --- create, edit, submit ------------------------------------------------------------------


def test_an_executive_creates_a_strategic_goal(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    url = reverse("goals:strategy_goal_create") + f"?period={period.uuid}"

    response = client_for("ceo").post(url, _goal_form(title="市场份额提升5%", owner="E0001"))

    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:plan_goal", args=[goal.uuid])
    assert goal.level == GoalLevel.COMPANY
    assert goal.title == "市场份额提升5%"
    assert goal.owner == org.ceo
    assert goal.target == Decimal(50)
    assert AuditEntry.objects.filter(
        object_type="goals.goal", object_id=str(goal.pk), action=AuditAction.CREATE
    ).exists()


def test_an_employee_may_not_create_strategy_or_department_goals(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    client = client_for("employee")
    strategy_url = reverse("goals:strategy_goal_create") + f"?period={period.uuid}"
    department_url = (
        reverse("goals:department_goal_create", args=[org.sales1.uuid]) + f"?period={period.uuid}"
    )

    assert client.get(strategy_url).status_code == 403
    assert client.post(strategy_url, _goal_form()).status_code == 403
    assert client.get(department_url).status_code == 403
    assert client.post(department_url, _goal_form()).status_code == 403
    assert not Goal.objects.exists()


def test_the_head_creates_a_department_goal_aligned_to_the_strategy(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    strategy = f.approved_plan_goal(f.company_goal(period), _ceo(org))
    url = reverse("goals:department_goal_create", args=[org.sales.uuid]) + f"?period={period.uuid}"
    client = client_for("head")
    form_html = client.get(url + f"&parent={strategy.uuid}").content.decode()

    response = client.post(
        url, _goal_form(title="主营业务A增长15%", parent=str(strategy.uuid), contribution="60")
    )

    goal = Goal.objects.get(level=GoalLevel.DEPARTMENT)
    assert f'value="{strategy.uuid}" selected' in form_html
    assert response.status_code == 302
    assert goal.department == org.sales
    assert goal.parent == strategy
    assert goal.contribution == Decimal(60)
    assert goal.owner == org.head


def test_an_hrbp_writes_goals_only_in_scope(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    client = client_for("hrbp")
    in_scope = reverse("goals:department_goal_create", args=[org.sales1.uuid])
    out_of_scope = reverse("goals:department_goal_create", args=[org.rnd.uuid])

    assert client.get(in_scope, {"period": period.uuid}).status_code == 200
    assert client.get(out_of_scope, {"period": period.uuid}).status_code == 403


def test_a_service_error_shows_on_the_form_and_nothing_is_saved(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    strategy = f.approved_plan_goal(f.company_goal(period), _ceo(org))
    f.department_goal(period, org.rnd, parent=strategy, contribution="70")
    url = reverse("goals:department_goal_create", args=[org.sales.uuid]) + f"?period={period.uuid}"

    response = client_for("head").post(
        url, _goal_form(parent=str(strategy.uuid), contribution="40")
    )

    assert response.status_code == 200
    assert "would contribute 110 % together" in response.content.decode()
    assert Goal.objects.count() == 2


def test_the_head_edits_a_draft_with_a_reason(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales)
    url = reverse("goals:plan_goal_edit", args=[goal.uuid])
    client = client_for("head")
    assert client.get(url).status_code == 200

    response = client.post(
        url, _goal_form(title="主营业务A增长18%", target="18", unit="%", reason="市场回暖")
    )

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "主营业务A增长18%"
    entry = AuditEntry.objects.get(
        object_type="goals.goal", object_id=str(goal.pk), action=AuditAction.UPDATE
    )
    assert entry.reason == "市场回暖"


def test_an_approved_goal_is_not_edited_and_a_draft_is_hidden_from_outsiders(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    draft = f.department_goal(period, org.sales, "草稿")
    approved = f.approved_plan_goal(f.department_goal(period, org.sales), Actor(org.committee))

    assert (
        client_for("outsider").get(reverse("goals:plan_goal_edit", args=[draft.uuid])).status_code
        == 404
    )
    assert (
        client_for("head").get(reverse("goals:plan_goal_edit", args=[approved.uuid])).status_code
        == 403
    )


def test_the_head_submits_to_the_committee(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales)

    response = client_for("head").post(reverse("goals:plan_goal_submit", args=[goal.uuid]))

    assert response.status_code == 302
    assert "Submitted to the performance committee." in _messages(response)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED


def test_an_incomplete_goal_is_not_submitted_and_the_page_says_why(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales, target=None)

    response = client_for("head").post(reverse("goals:plan_goal_submit", args=[goal.uuid]))

    assert "A measured goal needs a target." in _messages(response)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT


def test_a_draft_is_deleted_from_its_page(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales)

    response = client_for("head").post(reverse("goals:plan_goal_delete", args=[goal.uuid]))

    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("goals:department_goals_of", args=[org.sales.uuid])
    )
    assert not Goal.objects.exists()


# --- department page and goal page ---------------------------------------------------------


def test_the_department_page_shows_drafts_to_their_writers_only(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    strategy = f.approved_plan_goal(f.company_goal(period), _ceo(org))
    f.department_goal(period, org.sales, "销售草稿", parent=strategy, contribution="60")
    f.approved_plan_goal(
        f.department_goal(period, org.sales, "销售已批", parent=strategy), Actor(org.committee)
    )
    url = reverse("goals:department_goals_of", args=[org.sales.uuid])

    head_html = client_for("head").get(url, {"period": period.uuid}).content.decode()
    outsider_html = client_for("outsider").get(url, {"period": period.uuid}).content.decode()

    assert "销售草稿" in head_html
    assert "60 %" in head_html
    assert "营收增长20%" in head_html  # the strategy it carries
    assert reverse("goals:department_goal_create", args=[org.sales.uuid]) in head_html
    assert "销售草稿" not in outsider_html
    assert "销售已批" in outsider_html
    assert reverse("goals:department_goal_create", args=[org.sales.uuid]) not in outsider_html


def test_the_department_page_can_include_sub_departments(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    f.department_goal(period, org.sales1, "一部目标")
    url = reverse("goals:department_goals_of", args=[org.sales.uuid])

    only = client_for("head").get(url, {"period": period.uuid}).content.decode()
    below = client_for("head").get(url, {"period": period.uuid, "below": "1"}).content.decode()

    assert "一部目标" not in only
    assert "一部目标" in below


def test_picking_a_department_leads_to_its_page(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    response = client_for("committee").get(
        reverse("goals:department_goals"), {"department": org.rnd.uuid, "period": period.uuid}
    )

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("goals:department_goals_of", args=[org.rnd.uuid]) + f"?period={period.uuid}"
    )
    assert client_for("committee").get(reverse("goals:department_goals")).status_code == 200


def test_department_goals_open_on_ones_own_department(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    response = client_for("employee").get(reverse("goals:department_goals"))

    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("goals:department_goals_of", args=[org.sales1.uuid])
    )


def test_an_outsider_cannot_see_a_draft_goal_of_sales(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales)
    url = reverse("goals:plan_goal", args=[goal.uuid])

    assert client_for("outsider").get(url).status_code == 404
    assert client_for("hrbp").get(url).status_code == 200
    f.approved_plan_goal(goal, Actor(org.committee))
    assert client_for("outsider").get(url).status_code == 200
    head_html = client_for("head").get(url).content.decode()
    assert reverse("goals:plan_adjustment_request", args=[goal.uuid]) in head_html
    outsider_html = client_for("outsider").get(url).content.decode()
    assert reverse("goals:plan_adjustment_request", args=[goal.uuid]) not in outsider_html


def test_the_goal_page_shows_terms_comments_and_history(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.department_goal(period, org.sales, parent=f.company_goal(period), contribution="60")
    services.plan_goal_comment(actor=Actor(user_of(org.hrbp)), goal=goal, body="建议拆分到一部")

    html = client_for("head").get(reverse("goals:plan_goal", args=[goal.uuid])).content.decode()

    assert "主营业务A增长15%" in html
    assert "15 %" in html  # the target with its unit
    assert "建议拆分到一部" in html
    assert "History" in html
    assert reverse("goals:plan_goal_submit", args=[goal.uuid]) in html
    assert reverse("goals:plan_goal_approve", args=[goal.uuid]) not in html


def test_only_those_who_write_or_decide_comment(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.approved_plan_goal(f.department_goal(period, org.sales), Actor(org.committee))
    url = reverse("goals:plan_goal_comment", args=[goal.uuid])

    refused = client_for("employee").post(url, {"body": "我有意见"})
    allowed = client_for("head").post(url, {"body": "下半年加速"})

    assert refused.status_code == 403
    assert allowed.status_code == 302
    assert list(
        Comment.objects.filter(kind=CommentKind.COMMENT).values_list("body", flat=True)
    ) == ["下半年加速"]


# --- decisions -----------------------------------------------------------------------------


def _submitted(period: Period, org: TestOrg, title: str = "主营业务A增长15%") -> Goal:
    goal = f.department_goal(period, org.sales, title)
    return services.plan_goal_submit(actor=f.SYSTEM, goal=goal)


def test_only_the_committee_approves_department_goals(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = _submitted(period, org)
    url = reverse("goals:plan_goal_approve", args=[goal.uuid])

    assert client_for("head").post(url).status_code == 403
    assert client_for("ceo").post(url).status_code == 403
    assert client_for("outsider").post(url).status_code == 404
    response = client_for("committee").post(url, {"comment": "同意"})

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.APPROVED
    assert goal.approved_by == org.committee


def test_executives_approve_strategy(client_for: ClientFor, org: TestOrg, period: Period) -> None:
    goal = services.plan_goal_submit(actor=f.SYSTEM, goal=f.company_goal(period))

    response = client_for("ceo").post(reverse("goals:plan_goal_approve", args=[goal.uuid]))

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.APPROVED


def test_the_inbox_lists_what_awaits_the_committee(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    strategy = f.approved_plan_goal(f.company_goal(period), _ceo(org))
    goal = f.department_goal(period, org.sales, "待审目标", parent=strategy, contribution="60")
    services.plan_goal_submit(actor=f.SYSTEM, goal=goal)
    f.department_goal(period, org.sales, "未提交")

    html = client_for("committee").get(reverse("goals:decision_inbox")).content.decode()

    assert "待审目标" in html
    assert "销售中心" in html
    assert "营收增长20%" in html
    assert "未提交" not in html
    assert reverse("goals:plan_goal_return", args=[goal.uuid]) in html


def test_the_inbox_is_for_deciders(
    client_for: ClientFor, stranger: Client, org: TestOrg, period: Period
) -> None:
    assert client_for("employee").get(reverse("goals:decision_inbox")).status_code == 403
    assert client_for("head").get(reverse("goals:decision_inbox")).status_code == 403
    assert stranger.get(reverse("goals:decision_inbox")).status_code == 404


def test_returning_from_the_inbox_needs_a_comment_and_updates_the_row_in_place(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = _submitted(period, org)
    url = reverse("goals:plan_goal_return", args=[goal.uuid])
    client = client_for("committee")

    refused = client.post(url, {"comment": ""}, headers={"HX-Request": "true"})
    goal.refresh_from_db()
    assert refused.status_code == 200
    assert "Say what should change" in refused.content.decode()
    assert goal.status == GoalStatus.SUBMITTED

    returned = client.post(url, {"comment": "请细化到季度"}, headers={"HX-Request": "true"})

    html = returned.content.decode()
    assert html.startswith("<tr")
    assert "Returned" in html
    goal.refresh_from_db()
    assert goal.status == GoalStatus.RETURNED
    assert Comment.objects.get(goal=goal).body == "请细化到季度"


@pytest.mark.parametrize("size", [3, 30])
def test_the_inbox_costs_the_same_whatever_its_length(
    client_for: ClientFor,
    org: TestOrg,
    period: Period,
    size: int,
    django_assert_num_queries: Any,
) -> None:
    strategy = f.company_goal(period)
    for n in range(size):
        goal = f.department_goal(period, org.sales1, f"一部{n}", parent=strategy)
        services.plan_goal_submit(actor=f.SYSTEM, goal=goal)
    client = client_for("committee")

    with django_assert_num_queries(7):
        response = client.get(reverse("goals:decision_inbox"))

    assert response.status_code == 200


def test_executives_find_only_strategy_in_their_inbox(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    services.plan_goal_submit(actor=f.SYSTEM, goal=f.company_goal(period, "待批战略"))
    _submitted(period, org, "待审部门目标")

    html = client_for("ceo").get(reverse("goals:decision_inbox")).content.decode()

    assert "待批战略" in html
    assert "待审部门目标" not in html
