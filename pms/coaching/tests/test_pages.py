"""Every coaching page: who may open it, who is refused (404 invisible, 403 not allowed),
what a form changes, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.coaching.models import (
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInCadence,
    CheckInStatus,
    CoachingPlan,
    Milestone,
    Obstacle,
    ResourceRequest,
    ResourceStatus,
)
from pms.coaching.services import checkins as services
from pms.coaching.tests import factories as f
from pms.goals.models import GoalAdjustment, Period, Scorecard
from pms.goals.services.progress import goals_progress_set
from pms.goals.tests import factories as goal_factories
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def period(db: None) -> Period:
    return goal_factories.period("2026年度")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    return goal_factories.agreed_scorecard(org.employee, period, f.actor_of(org.manager))


@pytest.fixture
def checkin(org: TestOrg) -> CheckIn:
    return f.checkin(org.employee)


def _url(name: str, *args: Any) -> str:
    return reverse(f"coaching:{name}", args=args)


# --- lists ---------------------------------------------------------------------------------


def test_my_checkins_upcoming_and_past(client_for: ClientFor, org: TestOrg) -> None:
    f.checkin(org.employee, due=dt.date(2026, 3, 31))
    past = f.checkin(org.employee, due=dt.date(2026, 2, 28))
    services.checkin_cancel(actor=f.actor_of(org.manager), checkin=past, reason="出差")

    response = client_for("employee").get(_url("my"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-03-31" in html
    assert "2026-02-28" in html
    assert "Cancelled" in html
    assert client_for("sysadmin").get(_url("my")).status_code == 404  # no employee record


def test_team_checkins_show_who_is_overdue(client_for: ClientFor, org: TestOrg) -> None:
    f.checkin(org.employee, due=dt.date(2026, 3, 10))
    f.checkin(org.peer, due=dt.date(2026, 3, 25))

    response = client_for("manager").get(_url("team") + "?state=overdue")

    assert response.status_code == 200
    html = response.content.decode()
    assert "陈员工" in html
    assert "刘同事" not in html
    assert response.context["counts"] == {"overdue": 1, "soon": 1, "held": 0}
    assert client_for("employee").get(_url("team")).status_code == 404


def _team(org: TestOrg, count: int) -> None:
    for _ in range(count):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        checkin = f.checkin(person)
        services.action_item_add(
            actor=f.actor_of(org.manager),
            checkin=checkin,
            title="跟进客户",
            owner=person,
            due_date=dt.date(2026, 4, 1),
        )
        obstacle = f.obstacle(checkin, by=org.manager)
        f.resource_request(obstacle, org.rnd, by=org.manager)
        f.plan(person)


@pytest.mark.parametrize("name", ["team", "actions", "plans", "resources", "my"])
def test_lists_issue_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, name: str, django_assert_num_queries: Any
) -> None:
    persona = "employee" if name == "my" else "manager"
    client = client_for(persona)
    _team(org, 2)
    f.checkin(org.employee, due=dt.date(2026, 1, 31))
    client.get(_url(name))  # warm up (session, content types)
    response = client.get(_url(name))
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as small:
        assert client.get(_url(name)).status_code == 200
    _team(org, 5)
    for day in range(2, 7):
        f.checkin(org.employee, due=dt.date(2026, 2, day))
    with django_assert_num_queries(len(small)):
        assert client.get(_url(name)).status_code == 200


def test_cadence_page_queries_do_not_grow(
    client_for: ClientFor, org: TestOrg, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    client.get(_url("cadence"))
    org_factories.role_family("rnd", "研发")
    with CaptureQueriesContext(connection) as small:
        assert client.get(_url("cadence")).status_code == 200
    org_factories.role_family("service", "客服")
    org_factories.role_family("production", "生产")
    with django_assert_num_queries(len(small)):
        assert client.get(_url("cadence")).status_code == 200


# --- one check-in --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("employee", 200), ("manager", 200), ("hrbp", 200), ("peer", 404), ("outsider", 404)],
)
def test_checkin_page_visibility(
    client_for: ClientFor, checkin: CheckIn, persona: str, status: int
) -> None:
    assert client_for(persona).get(_url("checkin", checkin.uuid)).status_code == status


def test_unknown_checkin_is_404(client_for: ClientFor, org: TestOrg) -> None:
    assert client_for("manager").get("/coaching/checkins/not-a-uuid/").status_code == 404
    assert client_for("manager").get(_url("checkin", CheckIn().uuid)).status_code == 404


def test_employee_prepares_with_the_progress_of_each_goal(
    client_for: ClientFor, org: TestOrg, card: Scorecard, checkin: CheckIn
) -> None:
    kpi, _task = card.goals.order_by("sort_order")
    goals_progress_set(values={kpi.pk: Decimal("62.5")})
    client = client_for("employee")

    page = client.get(_url("checkin", checkin.uuid))
    assert "62.5%" in page.content.decode()
    assert "销售额达到500万元" in page.content.decode()

    response = client.post(
        _url("checkin_prepare", checkin.uuid),
        {f"goal-{kpi.uuid.hex}": "新客户开发偏慢", "improvement_plan": "每周复盘"},
    )

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.PREPARED
    note = checkin.goal_notes.get(goal=kpi)
    assert (note.comment, note.progress) == ("新客户开发偏慢", Decimal("62.5"))
    # the manager may not write the person's preparation
    refused = client_for("manager").post(
        _url("checkin_prepare", checkin.uuid), {"improvement_plan": "x"}
    )
    assert refused.status_code == 403
    assert client_for("peer").post(_url("checkin_prepare", checkin.uuid)).status_code == 404


def test_manager_writes_comments_holds_and_closes(client_for: ClientFor, checkin: CheckIn) -> None:
    client = client_for("manager")
    data = {
        "data_comment": "完成率60%",
        "observation": "沟通积极",
        "minutes": "约定下周拜访",
        "scheduled_at": "2026-03-30T15:00",
    }
    assert client.post(_url("checkin_manager", checkin.uuid), data).status_code == 302
    assert client.post(_url("checkin_hold", checkin.uuid)).status_code == 302
    assert client.post(_url("checkin_close", checkin.uuid)).status_code == 302

    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.CLOSED
    assert checkin.minutes == "约定下周拜访"
    assert checkin.scheduled_at is not None
    assert (
        client_for("employee").post(_url("checkin_manager", checkin.uuid), data).status_code == 403
    )


def test_bad_input_is_explained_and_changes_nothing(
    client_for: ClientFor, checkin: CheckIn
) -> None:
    client = client_for("manager")
    response = client.post(
        _url("checkin_manager", checkin.uuid), {"scheduled_at": "next tuesday", "minutes": "x"}
    )
    assert response.status_code == 422
    assert "Enter a valid date/time." in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.minutes == ""
    bad_obstacle = client.post(
        _url("obstacle_add", checkin.uuid), {"description": "x", "category": "weather"}
    )
    assert bad_obstacle.status_code == 422
    assert not Obstacle.objects.exists()
    cancel = client.post(_url("checkin_cancel", checkin.uuid), {"reason": ""})
    assert cancel.status_code == 422


def test_cancel_by_hr_and_refused_for_the_person(client_for: ClientFor, checkin: CheckIn) -> None:
    assert (
        client_for("employee")
        .post(_url("checkin_cancel", checkin.uuid), {"reason": "x"})
        .status_code
        == 403
    )
    assert (
        client_for("hr_admin")
        .post(_url("checkin_cancel", checkin.uuid), {"reason": "调岗"})
        .status_code
        == 302
    )
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.CANCELLED


def test_new_checkin_by_a_manager(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("manager")
    assert client.get(_url("checkin_new")).status_code == 200
    response = client.post(_url("checkin_new"), {"employee": "E0004", "due_date": "2026-04-15"})
    assert response.status_code == 302
    made = CheckIn.objects.get(employee=org.employee)
    assert made.due_date == dt.date(2026, 4, 15)
    # someone outside the team is not offered
    outside = client.post(_url("checkin_new"), {"employee": "E0007", "due_date": "2026-04-15"})
    assert outside.status_code == 422
    assert "No one you may choose has the number E0007." in outside.content.decode()
    assert client_for("employee").get(_url("checkin_new")).status_code == 404


def test_obstacles_and_action_items_from_the_page(
    client_for: ClientFor, org: TestOrg, card: Scorecard, checkin: CheckIn
) -> None:
    kpi = card.goals.order_by("sort_order")[0]
    client = client_for("employee")

    response = client.post(
        _url("obstacle_add", checkin.uuid),
        {"description": "竞品降价15%", "category": "competitor", "goal": kpi.uuid},
    )
    assert response.status_code == 302
    obstacle = Obstacle.objects.get()
    assert (obstacle.kind, obstacle.goal) == ("external", kpi)
    response = client_for("manager").post(
        _url("action_add", checkin.uuid),
        {"title": "整理客户清单", "owner": org.employee.uuid.hex, "due_date": "2026-04-07"},
    )
    assert response.status_code == 302
    assert ActionItem.objects.get().owner == org.employee
    page = client.get(_url("checkin", checkin.uuid)).content.decode()
    assert "Request resources" in page
    assert "Request goal adjustment" in page
    assert (
        client_for("hr_admin")
        .post(_url("obstacle_add", checkin.uuid), {"description": "x", "category": "skills"})
        .status_code
        == 403
    )


# --- follow-ups ----------------------------------------------------------------------------


def test_request_resources_from_an_external_obstacle(
    client_for: ClientFor, org: TestOrg, checkin: CheckIn
) -> None:
    obstacle = f.obstacle(checkin)
    client = client_for("employee")
    assert client.get(_url("resource_request_new", obstacle.uuid)).status_code == 200

    response = client.post(
        _url("resource_request_new", obstacle.uuid),
        {"department": org.rnd.uuid, "need": "请协调技术支持"},
    )

    assert response.status_code == 302
    request = ResourceRequest.objects.get()
    assert (request.department, request.requested_by) == (org.rnd, org.employee.user)
    assert (
        client_for("hr_admin").get(_url("resource_request_new", obstacle.uuid)).status_code == 403
    )
    assert client_for("peer").get(_url("resource_request_new", obstacle.uuid)).status_code == 404


def test_request_a_goal_adjustment_from_an_obstacle(
    client_for: ClientFor, org: TestOrg, card: Scorecard, checkin: CheckIn
) -> None:
    kpi = card.goals.order_by("sort_order")[0]
    obstacle = f.obstacle(checkin, category="market", goal=kpi)
    client = client_for("employee")
    assert client.get(_url("obstacle_adjustment", obstacle.uuid)).status_code == 200

    empty = client.post(
        _url("obstacle_adjustment", obstacle.uuid),
        {"effective_from": "2026-04-01", "reason": "市场下滑"},
    )
    assert empty.status_code == 422
    assert "Give a new target, weight or due date." in empty.content.decode()
    response = client.post(
        _url("obstacle_adjustment", obstacle.uuid),
        {"target": "450", "effective_from": "2026-04-01", "reason": "市场下滑"},
    )

    adjustment = GoalAdjustment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:adjustment", args=[adjustment.uuid])
    obstacle.refresh_from_db()
    assert obstacle.adjustment == adjustment
    assert adjustment.reason_code == "market"
    # once asked, not again
    assert client.get(_url("obstacle_adjustment", obstacle.uuid)).status_code == 403
    assert client_for("outsider").get(_url("obstacle_adjustment", obstacle.uuid)).status_code == 404


def test_start_a_coaching_plan_from_an_internal_obstacle(
    client_for: ClientFor, org: TestOrg, checkin: CheckIn
) -> None:
    obstacle = f.obstacle(checkin, kind="internal", category="skills")
    client = client_for("manager")
    assert client.get(_url("obstacle_plan", obstacle.uuid)).status_code == 200

    response = client.post(
        _url("obstacle_plan", obstacle.uuid),
        {
            "coach": "E0005",
            "target_skill": "客户需求挖掘",
            "action_kind": "mentor",
            "action": "导师每周辅导",
            "milestone": "2周内掌握客户需求挖掘技巧",
            "milestone_due": "2026-04-03",
        },
    )

    plan = CoachingPlan.objects.get()
    assert response.status_code == 302
    assert (plan.employee, plan.coach, plan.obstacle) == (org.employee, org.peer, obstacle)
    assert plan.milestones.get().due_date == dt.date(2026, 4, 3)
    assert client_for("employee").get(_url("obstacle_plan", obstacle.uuid)).status_code == 403


# --- action items --------------------------------------------------------------------------


def test_mark_an_action_item_done_in_place(
    client_for: ClientFor, org: TestOrg, checkin: CheckIn
) -> None:
    item = services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=checkin,
        title="整理客户清单",
        owner=org.employee,
        due_date=dt.date(2026, 3, 18),
    )
    page = client_for("employee").get(_url("actions")).content.decode()
    assert "整理客户清单" in page
    assert "overdue" in page

    assert client_for("peer").post(_url("action_done", item.uuid), **HTMX).status_code == 404
    assert client_for("hr_admin").post(_url("action_done", item.uuid), **HTMX).status_code == 403
    response = client_for("employee").post(_url("action_done", item.uuid), **HTMX)

    assert response.status_code == 200
    assert f'id="action-{item.uuid}"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE
    again = client_for("employee").post(_url("action_done", item.uuid))
    assert again.status_code == 403


def test_drop_needs_a_note(client_for: ClientFor, org: TestOrg, checkin: CheckIn) -> None:
    item = services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=checkin,
        title="x",
        owner=org.employee,
        due_date=dt.date(2026, 4, 1),
    )
    response = client_for("manager").post(_url("action_drop", item.uuid), {"note": ""}, **HTMX)
    assert response.status_code == 422
    assert "Say why the action is dropped." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN


# --- coaching plans ------------------------------------------------------------------------


def test_plan_page_ticks_milestones_and_closes(client_for: ClientFor, org: TestOrg) -> None:
    plan = f.plan(org.employee)
    milestone = plan.milestones.get()
    assert client_for("peer").get(_url("plan", plan.uuid)).status_code == 404
    page = client_for("employee").get(_url("plan", plan.uuid))
    assert page.status_code == 200
    assert "2周内掌握客户需求挖掘技巧" in page.content.decode()

    ticked = client_for("employee").post(
        _url("milestone_tick", milestone.uuid), {"done": "1"}, **HTMX
    )
    assert ticked.status_code == 200
    assert "☑" in ticked.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).done_at is not None
    assert (
        client_for("hr_admin")
        .post(_url("milestone_tick", milestone.uuid), {"done": "0"})
        .status_code
        == 403
    )

    client = client_for("manager")
    assert (
        client.post(
            _url("milestone_add", plan.uuid), {"title": "独立完成方案", "due_date": "2026-05-01"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            _url("plan_action_add", plan.uuid), {"kind": "practice", "description": "实战演练"}
        ).status_code
        == 302
    )
    assert client.post(_url("plan_note_add", plan.uuid), {"body": "进展顺利"}).status_code == 302
    assert (
        client_for("employee")
        .post(_url("plan_close", plan.uuid), {"outcome": "achieved"})
        .status_code
        == 403
    )
    assert client.post(_url("plan_close", plan.uuid), {"outcome": "achieved"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.milestones.count(), plan.actions.count(), plan.notes.count()) == (
        "closed",
        2,
        3,
        1,
    )


def test_new_standalone_plan(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("manager")
    response = client.post(
        _url("plan_new"), {"employee": "E0005", "coach": "E0003", "target_skill": "谈判技巧"}
    )
    assert response.status_code == 302
    assert CoachingPlan.objects.get().employee == org.peer
    assert client_for("employee").get(_url("plan_new")).status_code == 404
    refused = client.post(
        _url("plan_new"), {"employee": "E0007", "coach": "E0003", "target_skill": "x"}
    )
    assert refused.status_code == 422


# --- resource requests ---------------------------------------------------------------------


def test_resource_inbox_and_answer(client_for: ClientFor, org: TestOrg, checkin: CheckIn) -> None:
    request = f.resource_request(f.obstacle(checkin), org.sales2)
    inbox = client_for("head").get(_url("resources"))
    assert inbox.status_code == 200
    assert "请协调备用供应商" in inbox.content.decode()
    mine = client_for("employee").get(_url("resources"))
    assert mine.status_code == 200
    assert "请协调备用供应商" in mine.content.decode()
    assert client_for("sysadmin").get(_url("resources")).status_code == 200

    assert client_for("outsider").get(_url("resource_request", request.uuid)).status_code == 404
    assert (
        client_for("employee")
        .post(_url("resource_answer", request.uuid), {"status": "accepted"})
        .status_code
        == 403
    )
    response = client_for("head").post(
        _url("resource_answer", request.uuid), {"status": "accepted", "comment": "已安排"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ResourceStatus.ACCEPTED
    comment = client_for("employee").post(_url("resource_comment", request.uuid), {"body": "谢谢"})
    assert comment.status_code == 302
    page = client_for("employee").get(_url("resource_request", request.uuid)).content.decode()
    assert "已安排" in page
    assert "谢谢" in page


# --- cadence -------------------------------------------------------------------------------


def test_cadence_settings_and_schedule_now(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hr_admin")
    family = org_factories.role_family("sales")
    page = client.get(_url("cadence"))
    assert page.status_code == 200
    assert "Monthly" in page.content.decode()

    saved = client.post(_url("cadence"), {"family": family.uuid, "frequency": "quarterly"})
    assert saved.status_code == 302
    cadence = CheckInCadence.objects.get()
    assert (cadence.role_family, cadence.frequency, cadence.enabled) == (family, "quarterly", False)
    bad = client.post(_url("cadence"), {"family": "", "frequency": "weekly"})
    assert bad.status_code == 422
    assert CheckInCadence.objects.count() == 1

    scheduled = client.post(_url("schedule_now"))
    assert scheduled.status_code == 302
    assert CheckIn.objects.count() == 6  # the sales family is switched off now
    for persona in ("hrbp", "manager", "employee"):
        assert client_for(persona).get(_url("cadence")).status_code == 404
        assert client_for(persona).post(_url("schedule_now")).status_code == 404


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(_url("my"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_checkin_page_shows_every_follow_up(
    client_for: ClientFor, org: TestOrg, card: Scorecard, checkin: CheckIn
) -> None:
    from pms.coaching.services import obstacles as obstacle_services
    from pms.goals.services.adjustments import ChangeSpec

    kpi = card.goals.order_by("sort_order")[0]
    external = f.obstacle(checkin, goal=kpi)
    f.resource_request(external, org.rnd)
    obstacle_services.obstacle_request_adjustment(
        actor=f.actor_of(org.employee),
        obstacle=external,
        changes=[ChangeSpec.change(kpi, target=Decimal(450))],
        effective_from=dt.date(2026, 4, 1),
    )
    f.plan(org.employee, the_obstacle=f.obstacle(checkin, kind="internal", category="skills"))

    for persona in ("employee", "manager", "hr_admin"):
        html = client_for(persona).get(_url("checkin", checkin.uuid)).content.decode()
        assert "Resources asked of 研发中心" in html
        assert "Goal adjustment" in html
        assert "Coaching plan: 客户需求挖掘" in html
        assert "Start a coaching plan" not in html
