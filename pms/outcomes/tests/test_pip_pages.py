"""Improvement plan pages: who may open and post what (404 for what one may not see, 403
for what one sees but may not do), the whole walk through the pages with the database and
the audit log checked, bad input shown again with nothing changed, and lists whose
queries do not grow with the number of plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.comms.models import Notification
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import ImprovementPlan, PipStatus, PipTrigger
from pms.outcomes.services import pip as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import TODAY, frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")

ClientFor = Callable[[str], Client]


def url(name: str, *args: object) -> str:
    return reverse(f"outcomes:{name}", args=args)


@pytest.fixture
def draft(org: TestOrg) -> ImprovementPlan:
    return f.pip(org.employee, org.manager)


@pytest.fixture
def running(org: TestOrg) -> ImprovementPlan:
    return f.pip(org.employee, org.manager, started=True)


# --- seeing a plan -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 404),  # not before it starts
        ("manager", 200),
        ("head", 200),
        ("hr_admin", 200),
        ("hrbp", 200),
        ("peer", 404),
        ("outsider", 404),
    ],
)
def test_a_draft_page(
    client_for: ClientFor, draft: ImprovementPlan, persona: str, status: int
) -> None:
    assert client_for(persona).get(url("pip", draft.uuid)).status_code == status
    assert client_for(persona).get(url("pip_record", draft.uuid)).status_code == status


def test_an_hrbp_out_of_scope_does_not_find_the_plan(client_for: ClientFor, org: TestOrg) -> None:
    plan = f.pip(org.outsider, org.ceo)
    assert client_for("hrbp").get(url("pip", plan.uuid)).status_code == 404
    assert client_for("hr_admin").get(url("pip", plan.uuid)).status_code == 200


def test_the_person_reads_the_started_plan_and_signs(
    client_for: ClientFor, org: TestOrg, running: ImprovementPlan
) -> None:
    client = client_for("employee")
    page = client.get(url("pip", running.uuid))
    assert page.status_code == 200
    assert "月度回款率达到90%" in page.content.decode()
    assert url("pip_sign", running.uuid) in page.content.decode()
    assert url("pip_close", running.uuid) not in page.content.decode()
    response = client.post(url("pip_sign", running.uuid))
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.employee_signed_at is not None
    assert f.audit_of(running)[-1].actor == org.employee.user


@pytest.mark.parametrize(
    ("persona", "name", "status"),
    [
        ("employee", "pip_close", 403),
        ("employee", "pip_extend", 403),
        ("employee", "pip_cancel", 403),
        ("employee", "pip_sign_refusal", 403),
        ("manager", "pip_sign", 403),
        ("peer", "pip_sign", 404),
        ("peer", "pip_close", 404),
        ("outsider", "pip_cancel", 404),
    ],
)
def test_refused_actions_change_nothing(
    client_for: ClientFor, running: ImprovementPlan, persona: str, name: str, status: int
) -> None:
    response = client_for(persona).post(
        url(name, running.uuid), {"reason": "理由", "note": "备注", "end": "2026-06-30"}
    )
    assert response.status_code == status
    running.refresh_from_db()
    assert running.status == PipStatus.ACTIVE
    assert running.employee_signed_at is None
    assert running.sign_refused_at is None
    assert len(f.audit_of(running)) == 2  # created, started


def test_a_draft_is_not_changed_by_the_person_or_a_colleague(
    client_for: ClientFor, draft: ImprovementPlan
) -> None:
    assert client_for("peer").post(url("pip_start", draft.uuid)).status_code == 404
    goal = draft.goals.first()
    assert goal is not None
    assert client_for("outsider").post(url("pip_goal_remove", goal.uuid)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == PipStatus.DRAFT
    assert draft.goals.count() == 2


# --- creating ------------------------------------------------------------------------------


def test_a_manager_prepares_a_plan_from_a_grade(client_for: ClientFor, org: TestOrg) -> None:
    result = f.published_result(org.employee, "C")
    client = client_for("manager")
    form = client.get(url("pip_create") + f"?result={result.uuid}")
    assert form.status_code == 200
    assert "Grade C in" in form.content.decode()
    response = client.post(
        url("pip_create") + f"?result={result.uuid}",
        {
            "reason": "2025年度考核C，回款率长期低于60%",
            "goal_1_title": "回款率达到85%",
            "goal_1_measure": "财务回款报表",
            "goal_2_title": "",
            "goal_2_measure": "",
            "training": "",
            "reassignment": "",
        },
    )
    plan = ImprovementPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("pip", plan.uuid)
    assert (plan.trigger, plan.result, plan.owner) == (PipTrigger.GRADE, result, org.manager)
    assert [g.title for g in plan.goals.all()] == ["回款率达到85%"]
    assert plan.checkpoints.count() == 3
    # neither training nor reassignment: a warning, not a refusal
    page = client.get(response["Location"])
    assert "neither training nor reassignment" in page.content.decode()


def test_hr_prepares_a_plan_by_choice_by_number(client_for: ClientFor, org: TestOrg) -> None:
    client = client_for("hrbp")
    assert client.get(url("pip_create") + "?number=E0004").status_code == 200
    response = client.post(
        url("pip_create") + "?number=E0004",
        {
            "reason": "多次违反客户拜访流程",
            "goal_1_title": "按流程完成每次拜访记录",
            "goal_1_measure": "CRM抽查",
            "training": "销售流程培训",
        },
    )
    assert response.status_code == 302
    plan = ImprovementPlan.objects.get()
    assert (plan.trigger, plan.owner, plan.created_by) == (
        PipTrigger.CHOICE,
        org.manager,
        org.hrbp.user,
    )


@pytest.mark.parametrize(
    ("persona", "query", "status"),
    [
        ("employee", "?number=E0004", 403),  # nobody prepares their own plan
        ("peer", "?number=E0004", 403),  # a colleague sees the person, may not
        ("hrbp", "?number=E0007", 403),  # the outsider, out of the HRBP's scope
        ("manager", "?number=NOPE", 404),
        ("manager", "", 404),
        ("manager", "?employee=not-a-uuid", 404),
    ],
)
def test_who_may_not_prepare_a_plan(
    client_for: ClientFor, persona: str, query: str, status: int
) -> None:
    assert client_for(persona).get(url("pip_create") + query).status_code == status
    assert (
        client_for(persona).post(url("pip_create") + query, {"reason": "x"}).status_code == status
    )
    assert not ImprovementPlan.objects.exists()


def test_a_result_nobody_may_see_is_not_found(client_for: ClientFor, org: TestOrg) -> None:
    result = f.published_result(org.employee, "C")
    assert (
        client_for("outsider").get(url("pip_create") + f"?result={result.uuid}").status_code == 404
    )


def test_bad_input_is_shown_again_and_nothing_is_made(client_for: ClientFor) -> None:
    response = client_for("manager").post(
        url("pip_create") + "?number=E0004",
        {
            "reason": "差距",
            "goal_1_title": "目标",
            "goal_1_measure": "口径",
            "start": "2026-03-10",
            "end": "2026-03-01",
        },
    )
    assert response.status_code == 400
    assert "The end must come after the start." in response.content.decode()
    assert not ImprovementPlan.objects.exists()


# --- the walk: prepare, start, record, extend, close -------------------------------------


def test_the_manager_walks_the_plan_through_its_steps(
    client_for: ClientFor,
    org: TestOrg,
    draft: ImprovementPlan,
    frozen: Any,  # noqa: F811
) -> None:
    client = client_for("manager")
    goal = draft.goals.first()
    assert goal is not None
    assert (
        client.post(
            url("pip_goal_edit", goal.uuid), {"title": "回款率达到92%", "measure": "财务报表"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url("pip_goal_add", draft.uuid), {"title": "周拜访20家", "measure": "CRM"}
        ).status_code
        == 302
    )
    first = draft.checkpoints.get(day=30)
    assert (
        client.post(url("pip_checkpoint_move", first.uuid), {"due_on": "2026-03-30"}).status_code
        == 302
    )
    assert client.post(url("pip_start", draft.uuid)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PipStatus.ACTIVE
    assert Notification.objects.filter(event=events.PIP_STARTED).count() == 1

    assert (
        client.post(
            url("pip_sign_refusal", draft.uuid), {"note": "本人拒绝签字，HRBP吴在场"}
        ).status_code
        == 302
    )
    frozen.move_to(f.NOW + dt.timedelta(days=29))
    client = client_for("manager")  # a new session: the first one has expired meanwhile
    response = client.post(
        url("pip_checkpoint_record", first.uuid),
        {"held_on": "2026-03-30", "verdict": "behind", "notes": "回款率70%"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.held_on, first.verdict, first.recorded_by) == (
        dt.date(2026, 3, 30),
        "behind",
        org.manager.user,
    )
    assert (
        client.post(
            url("pip_extend", draft.uuid), {"end": "2026-06-30", "reason": "已有改善，延长30天"}
        ).status_code
        == 302
    )
    goals = list(draft.goals.all())
    data = {"outcome": "passed", "reason": "目标均已达成"}
    data.update({f"goal_{g.pk}": "yes" for g in goals})
    assert client.post(url("pip_close", draft.uuid), data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PipStatus.PASSED
    assert all(g.met for g in draft.goals.all())

    record = client.get(url("pip_record", draft.uuid))
    text = record.content.decode()
    assert record.status_code == 200
    for expected in (
        "回款率达到92%",
        "2026-03-30",
        "回款率70%",
        "已有改善，延长30天",
        "本人拒绝签字",
        "目标均已达成",
    ):
        assert expected in text
    actions = [e.action for e in f.audit_of(draft)]
    assert actions == [
        "create",
        "update",
        "update",
        "update",
        "update",
        "update",
        "update",
        "update",
        "close",
    ]


def test_bad_checkpoint_input_is_shown_again(
    client_for: ClientFor, running: ImprovementPlan
) -> None:
    checkpoint = running.checkpoints.get(day=30)
    response = client_for("manager").post(
        url("pip_checkpoint_record", checkpoint.uuid),
        {"held_on": "2026-04-20", "verdict": "on_track", "notes": "提前记录"},
    )
    assert response.status_code == 400
    assert "A checkpoint is recorded once it is held." in response.content.decode()
    checkpoint.refresh_from_db()
    assert checkpoint.held_on is None


def test_closing_without_marking_every_goal_is_refused(
    client_for: ClientFor, running: ImprovementPlan
) -> None:
    response = client_for("manager").post(
        url("pip_close", running.uuid), {"outcome": "failed", "reason": "未达标"}
    )
    assert response.status_code == 400
    running.refresh_from_db()
    assert running.status == PipStatus.ACTIVE


def test_a_started_plan_cannot_be_started_again(
    client_for: ClientFor, running: ImprovementPlan
) -> None:
    assert client_for("manager").post(url("pip_start", running.uuid)).status_code == 403


# --- lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "persona", "status"),
    [
        ("pip_list", "hr_admin", 200),
        ("pip_list", "hrbp", 200),
        ("pip_list", "manager", 404),
        ("pip_list", "employee", 404),
        ("pip_team", "manager", 200),
        ("pip_team", "employee", 404),
        ("pip_candidates", "hrbp", 200),
        ("pip_candidates", "manager", 200),
        ("pip_candidates", "employee", 404),
    ],
)
def test_list_pages(client_for: ClientFor, name: str, persona: str, status: int) -> None:
    assert client_for(persona).get(url(name)).status_code == status


def test_the_team_list_puts_overdue_checkpoints_first(
    client_for: ClientFor,
    org: TestOrg,
    frozen: Any,  # noqa: F811
) -> None:
    calm = f.pip(
        org.peer, org.manager, started=True, start=TODAY, end=TODAY + dt.timedelta(days=90)
    )
    late = f.pip(
        org.employee,
        org.manager,
        start=TODAY - dt.timedelta(days=40),
        end=TODAY + dt.timedelta(days=50),
    )
    services.pip_start(actor=f.actor_for(org.manager), plan=late)
    page = client_for("manager").get(url("pip_team"))
    rows = list(page.context["page"].object_list)
    assert rows == [late, calm]
    assert rows[0].overdue is True
    assert "Overdue" in page.content.decode()


def test_hr_filters_by_status_department_and_overdue(client_for: ClientFor, org: TestOrg) -> None:
    late = f.pip(
        org.employee,
        org.manager,
        start=TODAY - dt.timedelta(days=40),
        end=TODAY + dt.timedelta(days=50),
        started=True,
    )
    rnd = f.pip(org.outsider, org.ceo)
    client = client_for("hr_admin")

    def listed(query: str) -> list[ImprovementPlan]:
        return list(client.get(url("pip_list") + query).context["page"].object_list)

    assert set(listed("")) == {late, rnd}
    assert listed("?status=draft") == [rnd]
    assert listed(f"?department={org.sales.uuid}") == [late]
    assert listed("?overdue=on") == [late]
    assert listed("?status=bogus") == listed("")  # a bad filter shows everything, no error


def test_candidates_are_people_with_a_grade_and_no_plan(
    client_for: ClientFor, org: TestOrg
) -> None:
    c_result = f.published_result(org.employee, "C")
    f.published_result(org.peer, "B")
    d_result = f.published_result(org.outsider, "D")
    client = client_for("hr_admin")
    assert list(client.get(url("pip_candidates")).context["page"].object_list) == [
        d_result,
        c_result,
    ]
    f.pip(org.employee, org.manager, result=c_result)
    assert list(client.get(url("pip_candidates")).context["page"].object_list) == [d_result]
    # the manager sees their own team only; the HRBP their scope
    assert list(client_for("manager").get(url("pip_candidates")).context["page"].object_list) == []
    assert list(client_for("hrbp").get(url("pip_candidates")).context["page"].object_list) == []


def _team(org: TestOrg, count: int) -> None:
    for _ in range(count):
        person = org_factories.employee(dept=org.sales1, manager=org.manager)
        result = f.published_result(person, "C")
        plan = f.pip(person, org.manager, result=result, started=True)
        services.pip_sign(actor=f.actor_for(person), plan=plan)


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("pip_team", "manager"),
        ("pip_list", "hr_admin"),
        ("pip_list", "hrbp"),
        ("pip_candidates", "hr_admin"),
        ("plans_mine", "employee"),
    ],
)
def test_lists_issue_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, name: str, persona: str, django_assert_num_queries: Any
) -> None:
    client = client_for(persona)
    _team(org, 2)
    f.published_result(org.peer, "D")
    f.pip(org.employee, org.manager, started=True)
    client.get(url(name))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(name)).status_code == 200
    _team(org, 6)
    f.published_result(org.other_manager, "C")
    with django_assert_num_queries(len(small)):
        assert client.get(url(name)).status_code == 200


def test_the_plan_page_queries_do_not_grow_with_its_checkpoints(
    client_for: ClientFor, org: TestOrg, running: ImprovementPlan, django_assert_num_queries: Any
) -> None:
    client = client_for("manager")
    client.get(url("pip", running.uuid))
    with CaptureQueriesContext(connection) as small:
        client.get(url("pip", running.uuid))
    services.pip_extend(
        actor=f.actor_for(org.manager), plan=running, end=dt.date(2026, 6, 30), reason="延长"
    )
    with django_assert_num_queries(len(small)):
        assert client.get(url("pip", running.uuid)).status_code == 200


def test_the_record_reads_in_chinese(
    client_for: ClientFor, running: ImprovementPlan, settings: Any
) -> None:
    client = client_for("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = client.get(url("pip_record", running.uuid)).content.decode()
    for expected in ("绩效改进计划", "发起原因", "检查点", "支持措施", "制定时间"):
        assert expected in text
    page = client.get(url("pip", running.uuid)).content.decode()
    assert "记录员工拒绝签字" in page
