"""Adjustment pages: request with preview, detail with decisions, withdrawal, comments,
the inbox, and the version history of a goal and of a scorecard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pms.core.models import AuditAction, AuditEntry
from pms.goals import access
from pms.goals.models import AdjustmentStatus, Comment, Goal, GoalAdjustment, Period, Scorecard
from pms.goals.services import adjustments as services
from pms.goals.services.adjustments import ChangeSpec
from pms.goals.tests import factories as f
from pms.org.roles import principal_for
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]


@pytest.fixture
def period(db: None) -> Period:
    return f.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return f.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


def _goals(card: Scorecard) -> tuple[Goal, Goal]:
    kpi, task = card.goals.order_by("sort_order")
    return kpi, task


def _asked(card: Scorecard, who: Any, *changes: ChangeSpec) -> GoalAdjustment:
    kpi, _task = _goals(card)
    return f.adjustment(
        card, f.actor_of(who), *(changes or (ChangeSpec.change(kpi, target="450"),))
    )


def _form_data(card: Scorecard, **overrides: str) -> dict[str, str]:
    kpi, task = _goals(card)
    k, t = kpi.uuid.hex, task.uuid.hex
    data = {
        f"{k}-title": kpi.title,
        f"{k}-weight": "60",
        f"{k}-target": "500",
        f"{t}-title": task.title,
        f"{t}-weight": "40",
        f"{t}-due_date": "2026-09-30",
        f"{t}-completion_standard": task.completion_standard,
        "add_kind": "kpi",
        "reason_category": "external",
        "reason_code": "market",
        "reason": "竞品降价",
        "effective_from": "2026-05-01",
    }
    for key, value in overrides.items():
        data[key.replace("KPI", k).replace("TASK", t)] = value
    return data


# --- request -----------------------------------------------------------------------------


def test_request_form_lists_the_goals_in_force(client_for: ClientFor, card: Scorecard) -> None:
    response = client_for("employee").get(reverse("goals:adjustment_request", args=[card.uuid]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "销售额达到500万元" in html
    assert "Q3前完成X产品V2.0上线" in html
    assert 'value="500"' in html  # the target, without trailing zeros
    assert "Add a goal" in html
    assert "Policy change" in html


def test_request_form_is_for_the_circle_and_only_for_an_agreed_scorecard(
    client_for: ClientFor, org: TestOrg, period: Period, card: Scorecard
) -> None:
    url = reverse("goals:adjustment_request", args=[card.uuid])
    draft = f.complete_scorecard(org.peer, period)

    assert client_for("peer").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert client_for("committee").get(url).status_code == 404
    peer_draft = reverse("goals:adjustment_request", args=[draft.uuid])
    assert client_for("peer").get(peer_draft).status_code == 403


def test_submitting_the_request(client_for: ClientFor, org: TestOrg, card: Scorecard) -> None:
    data = _form_data(card, **{"KPI-target": "450"})

    response = client_for("employee").post(
        reverse("goals:adjustment_request", args=[card.uuid]), data
    )

    adjustment = GoalAdjustment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:adjustment", args=[adjustment.uuid])
    assert adjustment.requested_by == org.employee.user
    assert [c["fields"] for c in adjustment.changes] == [{"target": ["500", "450"]}]
    assert (
        AuditEntry.objects.filter(
            object_type="goals.goaladjustment", action=AuditAction.CREATE
        ).count()
        == 1
    )


def test_a_bad_request_shows_why_and_writes_nothing(client_for: ClientFor, card: Scorecard) -> None:
    data = _form_data(card, **{"KPI-weight": "70", "reason": ""})

    response = client_for("employee").post(
        reverse("goals:adjustment_request", args=[card.uuid]), data
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html  # the explanation
    assert not GoalAdjustment.objects.exists()

    data = _form_data(card, **{"KPI-weight": "70"})
    html = (
        client_for("employee")
        .post(reverse("goals:adjustment_request", args=[card.uuid]), data)
        .content.decode()
    )
    assert "the weights would total 110%" in html
    assert not GoalAdjustment.objects.exists()


def test_preview_shows_the_diff_and_the_committee_warning(
    client_for: ClientFor, card: Scorecard
) -> None:
    url = reverse("goals:adjustment_request", args=[card.uuid])
    client = client_for("employee")

    within = client.post(
        url, {**_form_data(card, **{"KPI-target": "450"}), "preview": "1"}, HTTP_HX_REQUEST="true"
    )
    beyond = client.post(
        url,
        {
            **_form_data(card, **{"KPI-weight": "40", "TASK-weight": "60", "reason": ""}),
            "preview": "1",
        },
        HTTP_HX_REQUEST="true",
    )

    assert within.status_code == 200
    assert "<html" not in within.content.decode()
    assert "Within the flexibility limit of 15%" in within.content.decode()
    assert "450" in within.content.decode()
    html = beyond.content.decode()
    assert "Beyond the flexibility limit (20% against 15%)" in html
    assert "performance committee" in html
    assert not GoalAdjustment.objects.exists()


def test_preview_without_javascript_renders_the_page(
    client_for: ClientFor, card: Scorecard
) -> None:
    url = reverse("goals:adjustment_request", args=[card.uuid])

    response = client_for("employee").post(
        url, {**_form_data(card, **{"KPI-weight": "70"}), "preview": "1"}
    )

    html = response.content.decode()
    assert "<html" in html
    assert "the weights would total 110%" in html
    assert not GoalAdjustment.objects.exists()


def test_removing_and_adding_through_the_form(client_for: ClientFor, card: Scorecard) -> None:
    data = _form_data(
        card,
        **{
            "TASK-remove": "on",
            "add_title": "新客户开发数量达到20家",
            "add_weight": "40",
            "add_target": "20",
            "add_unit": "家",
        },
    )

    client_for("manager").post(reverse("goals:adjustment_request", args=[card.uuid]), data)

    adjustment = GoalAdjustment.objects.get()
    assert [c["op"] for c in adjustment.changes] == ["remove", "add"]
    assert adjustment.needs_committee  # a goal of weight 40 goes and one comes


def test_plan_goal_request(client_for: ClientFor, org: TestOrg, period: Period) -> None:
    goal = f.agreed_plan_goal(period, org.sales1)
    url = reverse("goals:plan_adjustment_request", args=[goal.uuid])
    key = goal.uuid.hex

    assert client_for("employee").get(url).status_code == 403
    assert client_for("head").get(url).status_code == 200
    response = client_for("head").post(
        url,
        {
            f"{key}-title": goal.title,
            f"{key}-target": "14",
            "reason_category": "external",
            "reason_code": "policy",
            "reason": "行业政策收紧",
            "effective_from": "2026-07-01",
        },
    )

    adjustment = GoalAdjustment.objects.get()
    assert response.status_code == 302
    assert adjustment.goal == goal
    assert adjustment.scorecard is None


# --- detail and decisions ----------------------------------------------------------------


def test_detail_shows_the_diff_steps_and_actions_by_role(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment", args=[adjustment.uuid])

    mine = client_for("employee").get(url)
    managers = client_for("manager").get(url)

    assert mine.status_code == 200
    html = mine.content.decode()
    assert "销售额达到500万元" in html
    assert "Market change" in html
    assert "Withdraw the request" in html
    assert "Your decision" not in html
    assert "Your decision" in managers.content.decode()
    assert "Withdraw the request" not in managers.content.decode()
    assert client_for("peer").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("committee").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_manager_then_hr_approve_through_the_page(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment_decide", args=[adjustment.uuid])

    first = client_for("manager").post(url, {"decision": "approve", "comment": "同意"})
    second = client_for("hrbp").post(url, {"decision": "approve"})

    assert first.status_code == second.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED
    kpi, _task = _goals(card)
    assert kpi.target == 450
    card.refresh_from_db()
    assert card.version == 2


def test_the_employee_cannot_approve_their_own_adjustment(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)

    response = client_for("employee").post(
        reverse("goals:adjustment_decide", args=[adjustment.uuid]), {"decision": "approve"}
    )

    assert response.status_code == 403
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PENDING_MANAGER
    assert not adjustment.decisions.exists()


def test_hr_decides_only_at_its_step_and_in_its_scope(
    client_for: ClientFor, org: TestOrg, period: Period, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment_decide", args=[adjustment.uuid])
    # HR in scope, but the manager has not decided yet
    assert client_for("hrbp").post(url, {"decision": "approve"}).status_code == 403
    # HR whose scope does not cover the person does not even see it
    rnd_card = f.agreed_scorecard(org.outsider, period, f.actor_of(org.ceo))
    rnd = _asked(rnd_card, org.ceo)
    assert rnd.status == AdjustmentStatus.PENDING_HR
    assert not access.can_decide_adjustment(principal_for(org.hrbp.user), rnd)
    assert access.can_decide_adjustment(principal_for(org.hr_admin.user), rnd)
    rnd_url = reverse("goals:adjustment_decide", args=[rnd.uuid])
    assert client_for("hrbp").post(rnd_url, {"decision": "approve"}).status_code == 404
    rnd.refresh_from_db()
    assert rnd.status == AdjustmentStatus.PENDING_HR


def test_the_committee_decides_only_at_its_step(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    kpi, _task = _goals(card)
    adjustment = _asked(card, org.manager, ChangeSpec.change(kpi, target="300"))
    url = reverse("goals:adjustment_decide", args=[adjustment.uuid])

    assert (
        client_for("committee").get(reverse("goals:adjustment", args=[adjustment.uuid])).status_code
        == 200
    )
    assert client_for("committee").post(url, {"decision": "approve"}).status_code == 403
    client_for("hrbp").post(url, {"decision": "approve"})
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PENDING_COMMITTEE
    assert client_for("hrbp").post(url, {"decision": "approve"}).status_code == 403
    assert client_for("committee").post(url, {"decision": "approve"}).status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED


def test_a_rejection_needs_a_comment(client_for: ClientFor, org: TestOrg, card: Scorecard) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment_decide", args=[adjustment.uuid])

    refused = client_for("manager").post(url, {"decision": "reject", "comment": ""})
    rejected = client_for("manager").post(url, {"decision": "reject", "comment": "理由不充分"})

    assert refused.status_code == 422
    assert "Say why the adjustment is rejected." in refused.content.decode()
    assert rejected.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.REJECTED


def test_withdrawal(client_for: ClientFor, org: TestOrg, card: Scorecard) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment_withdraw", args=[adjustment.uuid])

    assert client_for("manager").post(url).status_code == 403
    assert client_for("peer").post(url).status_code == 404
    assert client_for("employee").get(url).status_code == 405
    assert client_for("employee").post(url).status_code == 302

    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.WITHDRAWN


def test_comments(client_for: ClientFor, org: TestOrg, card: Scorecard) -> None:
    adjustment = _asked(card, org.employee)
    url = reverse("goals:adjustment_comment", args=[adjustment.uuid])

    posted = client_for("manager").post(url, {"body": "请附上竞品价格数据"})
    empty = client_for("manager").post(url, {"body": ""})

    assert posted.status_code == 302
    assert Comment.objects.get(adjustment=adjustment).body == "请附上竞品价格数据"
    assert empty.status_code == 422
    assert client_for("peer").post(url, {"body": "x"}).status_code == 404
    assert (
        "请附上竞品价格数据"
        in client_for("employee")
        .get(reverse("goals:adjustment", args=[adjustment.uuid]))
        .content.decode()
    )


# --- inbox -------------------------------------------------------------------------------


def _team_with_requests(org: TestOrg, period: Period, size: int) -> None:
    for _ in range(size):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        card = f.agreed_scorecard(person, period, f.actor_of(org.manager))
        _asked(card, person)


def test_inbox_lists_what_waits_for_me_and_what_i_asked(
    client_for: ClientFor, org: TestOrg, period: Period, card: Scorecard
) -> None:
    adjustment = _asked(card, org.employee)

    managers = client_for("manager").get(reverse("goals:adjustments_inbox"))
    mine = client_for("employee").get(reverse("goals:adjustments_inbox"))

    assert managers.context["adjustment_inbox"] == [adjustment]
    assert mine.context["adjustment_inbox"] == []
    assert mine.context["my_requests"] == [adjustment]
    assert "陈员工" in managers.content.decode()
    assert (
        client_for("hrbp").get(reverse("goals:adjustments_inbox")).context["adjustment_inbox"] == []
    )


@pytest.mark.parametrize("size", [1, 5])
def test_inbox_queries_do_not_grow(
    client_for: ClientFor, org: TestOrg, period: Period, size: int, django_assert_num_queries: Any
) -> None:
    _team_with_requests(org, period, size)
    client = client_for("manager")

    with django_assert_num_queries(8):
        response = client.get(reverse("goals:adjustments_inbox"))

    assert len(response.context["adjustment_inbox"]) == size


# --- history -----------------------------------------------------------------------------


def test_the_employee_sees_the_history_of_their_goal(
    client_for: ClientFor, org: TestOrg, card: Scorecard
) -> None:
    adjustment = _asked(card, org.manager)
    services.adjustment_decide(
        actor=f.actor_of(org.hrbp), adjustment=adjustment, decision="approve"
    )
    kpi, _task = _goals(card)
    url = reverse("goals:goal_history", args=[kpi.uuid])

    response = client_for("employee").get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "v1" in html
    assert "v2" in html
    assert "2026-01-01 – 2026-04-30" in html
    assert "竞品降价，市场需求下滑" in html
    assert [r.version.number for r in response.context["rows"]] == [1, 2]
    assert client_for("peer").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_plan_goal_history_is_open_like_the_cascade(
    client_for: ClientFor, org: TestOrg, period: Period
) -> None:
    goal = f.agreed_plan_goal(period, org.sales1)

    response = client_for("outsider").get(reverse("goals:goal_history", args=[goal.uuid]))

    assert response.status_code == 200
    assert "Request an adjustment" not in response.content.decode()
    head = client_for("head").get(reverse("goals:goal_history", args=[goal.uuid]))
    assert "Request an adjustment" in head.content.decode()


def test_scorecard_versions_page(client_for: ClientFor, org: TestOrg, card: Scorecard) -> None:
    kpi, task = _goals(card)
    adjustment = _asked(
        card, org.manager, ChangeSpec.remove(task), ChangeSpec.change(kpi, weight="100")
    )
    services.adjustment_decide(
        actor=f.actor_of(org.hrbp), adjustment=adjustment, decision="approve"
    )
    services.adjustment_decide(
        actor=f.actor_of(org.committee), adjustment=adjustment, decision="approve"
    )
    url = reverse("goals:scorecard_versions", args=[card.uuid])

    response = client_for("employee").get(url)

    assert response.status_code == 200
    timeline = response.context["timeline"]
    assert [(t.goal.title, len(t.rows)) for t in timeline] == [
        ("销售额达到500万元", 2),
        ("Q3前完成X产品V2.0上线", 2),
    ]
    assert timeline[1].rows[1].removed
    assert "removed" in response.content.decode()
    assert client_for("peer").get(url).status_code == 404


@pytest.mark.parametrize("goals", [2, 5])
def test_scorecard_versions_queries_do_not_grow(
    client_for: ClientFor, org: TestOrg, period: Period, goals: int, django_assert_num_queries: Any
) -> None:
    card = f.scorecard(org.employee, period)
    for n in range(goals):
        f.kpi(card, title=f"指标{n}", weight=str(Decimal(100) / goals))
    from pms.goals.services import scorecards as scorecard_services

    scorecard_services.scorecard_approve(actor=f.actor_of(org.manager), scorecard=card)
    client = client_for("employee")

    # 11: a plain employee's menu asks once whether they sit in a calibration session
    with django_assert_num_queries(11):
        response = client.get(reverse("goals:scorecard_versions", args=[card.uuid]))

    assert len(response.context["timeline"]) == goals
    assert dt.date(2026, 1, 1) == response.context["timeline"][0].rows[0].version.valid_from


def test_preview_names_the_goal_of_a_bad_value(client_for: ClientFor, card: Scorecard) -> None:
    url = reverse("goals:adjustment_request", args=[card.uuid])
    data = {**_form_data(card, **{"KPI-target": "很多"}), "preview": "1"}

    response = client_for("employee").post(url, data, HTTP_HX_REQUEST="true")

    assert "“销售额达到500万元”, Target: Enter a number." in response.content.decode()
    assert not GoalAdjustment.objects.exists()
