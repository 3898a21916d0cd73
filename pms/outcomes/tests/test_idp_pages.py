"""Development plan pages: the person's walk (create, actions, submit, progress, done),
the manager's agreement, HR starting a plan from a training need, the mentor's list, the
refusals (404 / 403) and lists whose queries do not grow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.comms.models import Notification
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import DevelopmentPlan, IdpStatus
from pms.outcomes.services import idp as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")

ClientFor = Callable[[str], Client]


def url(name: str, *args: object) -> str:
    return reverse(f"outcomes:{name}", args=args)


@pytest.fixture
def plan(org: TestOrg) -> DevelopmentPlan:
    return f.idp(org.employee, mentor=org.outsider)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 200),
        ("manager", 200),
        ("head", 200),
        ("hr_admin", 200),
        ("hrbp", 200),
        ("peer", 404),
        ("outsider", 404),  # the mentor of one action sees it on their own list
    ],
)
def test_the_plan_page(
    client_for: ClientFor, plan: DevelopmentPlan, persona: str, status: int
) -> None:
    assert client_for(persona).get(url("idp", plan.uuid)).status_code == status


def test_the_person_writes_a_plan_and_its_actions(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("employee")
    assert client.get(url("idp_create")).status_code == 200
    response = client.post(
        url("idp_create"),
        {"title": "成为大客户经理", "aspiration": "三年内负责华东大客户", "start": "", "end": ""},
    )
    plan = DevelopmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("idp", plan.uuid)
    assert (plan.employee, plan.created_by) == (org.employee, org.employee.user)
    response = client.post(
        url("idp_action_add", plan.uuid),
        {
            "kind": "mentor",
            "goal": "跟随导师拜访大客户",
            "competency": "客户管理",
            "mentor": "E0005",
        },
    )
    assert response.status_code == 302
    action = plan.actions.get()
    assert action.mentor == org.peer
    bad = client.post(
        url("idp_action_add", plan.uuid), {"kind": "course", "goal": "课程", "mentor": "NOPE"}
    )
    assert bad.status_code == 400
    assert "No employee has the number NOPE." in bad.content.decode()
    assert plan.actions.count() == 1


def test_the_manager_agrees_and_the_person_records_progress(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan
) -> None:
    # a plan being prepared is not the manager's to agree yet
    assert client_for("manager").post(url("idp_agree", plan.uuid)).status_code == 403
    assert client_for("employee").post(url("idp_submit", plan.uuid)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == IdpStatus.SUBMITTED
    assert client_for("employee").post(url("idp_agree", plan.uuid)).status_code == 403
    assert client_for("hr_admin").post(url("idp_agree", plan.uuid)).status_code == 403
    assert client_for("peer").post(url("idp_agree", plan.uuid)).status_code == 404
    assert client_for("manager").post(url("idp_agree", plan.uuid)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == IdpStatus.ACTIVE
    assert Notification.objects.filter(event=events.IDP_AGREED).count() == 1
    action = plan.actions.first()
    assert action is not None
    assert (
        client_for("manager")
        .post(url("idp_action_progress", action.uuid), {"progress": "50"})
        .status_code
        == 403
    )
    client = client_for("employee")
    assert (
        client.post(url("idp_action_progress", action.uuid), {"progress": "150"}).status_code == 400
    )
    assert (
        client.post(url("idp_action_progress", action.uuid), {"progress": "60"}).status_code == 302
    )
    action.refresh_from_db()
    assert action.progress == 60
    assert client.post(url("idp_action_progress", action.uuid), {"done": "on"}).status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None
    assert client.post(url("idp_complete", plan.uuid)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == IdpStatus.DONE
    page = client.get(url("idp", plan.uuid))
    assert url("idp_edit", plan.uuid) not in page.content.decode()


def test_others_do_not_change_the_persons_plan(
    client_for: ClientFor, plan: DevelopmentPlan
) -> None:
    data = {"title": "改名", "start": "2026-03-02", "end": "2026-12-31"}
    assert client_for("manager").post(url("idp_edit", plan.uuid), data).status_code == 403
    assert client_for("hrbp").post(url("idp_edit", plan.uuid), data).status_code == 403
    assert client_for("outsider").post(url("idp_edit", plan.uuid), data).status_code == 404
    action = plan.actions.first()
    assert action is not None
    assert client_for("manager").post(url("idp_action_remove", action.uuid)).status_code == 403
    plan.refresh_from_db()
    assert plan.title == "成长为区域销售经理"
    assert plan.actions.count() == 2


def test_hr_starts_a_plan_from_a_training_need(client_for: ClientFor, org: TestOrg) -> None:
    query = "?" + urlencode({"employee": str(org.employee.uuid), "competency": "客户导向"})
    client = client_for("hrbp")
    form = client.get(url("idp_create") + query)
    assert form.status_code == 200
    assert "客户导向" in form.content.decode()
    response = client.post(url("idp_create") + query, {"competency": "客户导向", "title": ""})
    plan = DevelopmentPlan.objects.get()
    assert response.status_code == 302
    assert (plan.employee, plan.created_by, plan.title) == (
        org.employee,
        org.hrbp.user,
        "Develop 客户导向",
    )
    assert plan.actions.get().competency == "客户导向"
    assert Notification.objects.filter(
        event=events.IDP_SUGGESTED, recipient=org.employee.user
    ).exists()
    # the person owns it: they change it, HR does not
    assert client_for("employee").get(url("idp", plan.uuid)).status_code == 200
    assert (
        client.post(
            url("idp_edit", plan.uuid), {"title": "x", "start": "2026-03-02", "end": "2026-09-01"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        ("peer", "employee", 403),  # sees the colleague, may not plan for them
        ("hrbp", "outsider", 403),  # out of scope
        ("manager", None, 404),  # a malformed id
    ],
)
def test_who_may_not_start_a_plan_for_somebody(
    client_for: ClientFor, org: TestOrg, persona: str, target: str | None, status: int
) -> None:
    employee = str(getattr(org, target).uuid) if target else "nope"
    query = "?" + urlencode({"employee": employee, "competency": "沟通"})
    assert client_for(persona).get(url("idp_create") + query).status_code == status
    assert (
        client_for(persona).post(url("idp_create") + query, {"competency": "沟通"}).status_code
        == status
    )
    assert not DevelopmentPlan.objects.exists()


def test_an_account_without_a_person_has_no_plans(client_for: ClientFor) -> None:
    assert client_for("sysadmin").get(url("idp_create")).status_code == 404
    assert client_for("sysadmin").get(url("plans_mine")).status_code == 404
    assert client_for("sysadmin").get(url("idp_mentoring")).status_code == 404


def test_the_mentor_sees_only_their_actions(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan
) -> None:
    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    services.idp_agree(actor=f.actor_for(org.manager), plan=plan)
    page = client_for("outsider").get(url("idp_mentoring"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "每月与导师复盘一次大客户拜访" in text
    assert "完成谈判技巧课程" not in text
    assert "陈员工" in text


@pytest.mark.parametrize(
    ("name", "persona", "status"),
    [
        ("idp_list", "hr_admin", 200),
        ("idp_list", "manager", 404),
        ("idp_team", "manager", 200),
        ("idp_team", "employee", 404),
        ("plans_mine", "employee", 200),
        ("idp_mentoring", "employee", 200),
    ],
)
def test_list_pages(client_for: ClientFor, name: str, persona: str, status: int) -> None:
    assert client_for(persona).get(url(name)).status_code == status


def test_the_team_list_puts_plans_waiting_for_agreement_first(
    client_for: ClientFor, org: TestOrg
) -> None:
    agreed = f.idp(org.peer, agreed_by=org.manager)
    draft = f.idp(org.peer, title="还在准备的计划")
    waiting = f.idp(org.employee, submitted=True)
    rows = list(client_for("manager").get(url("idp_team")).context["page"].object_list)
    assert rows == [waiting, draft, agreed]


def test_hr_filters_by_status_and_department(client_for: ClientFor, org: TestOrg) -> None:
    sales = f.idp(org.employee, agreed_by=org.manager)
    rnd = f.idp(org.outsider)
    waiting = f.idp(org.peer, submitted=True)
    client = client_for("hr_admin")

    def listed(query: str) -> set[DevelopmentPlan]:
        return set(client.get(url("idp_list") + query).context["page"].object_list)

    assert listed("") == {sales, rnd, waiting}
    assert listed("?status=active") == {sales}
    assert listed("?status=submitted") == {waiting}
    assert listed("?status=draft") == {rnd}
    assert listed(f"?department={org.rnd.uuid}") == {rnd}


def _team(org: TestOrg, count: int) -> None:
    for _ in range(count):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        f.idp(person, mentor=org.employee, agreed_by=org.manager)


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("idp_team", "manager"),
        ("idp_list", "hr_admin"),
        ("idp_mentoring", "employee"),
        ("plans_mine", "employee"),
    ],
)
def test_lists_issue_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, name: str, persona: str, django_assert_num_queries: Any
) -> None:
    client = client_for(persona)
    _team(org, 2)
    f.idp(org.employee)
    client.get(url(name))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(name)).status_code == 200
    _team(org, 6)
    f.idp(org.employee, title="第二个计划")
    with django_assert_num_queries(len(small)):
        assert client.get(url(name)).status_code == 200


def test_the_plan_page_queries_do_not_grow_with_its_actions(
    client_for: ClientFor, org: TestOrg, plan: DevelopmentPlan, django_assert_num_queries: Any
) -> None:
    client = client_for("employee")
    client.get(url("idp", plan.uuid))
    with CaptureQueriesContext(connection) as small:
        client.get(url("idp", plan.uuid))
    for n in range(4):
        services.idp_action_add(
            actor=f.actor_for(org.employee),
            plan=plan,
            action=services.ActionInput(kind="reading", goal=f"读书{n}", mentor=org.peer),
        )
    with django_assert_num_queries(len(small)):
        assert client.get(url("idp", plan.uuid)).status_code == 200
