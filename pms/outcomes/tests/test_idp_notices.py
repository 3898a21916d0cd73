"""Development plan notifications: when the manager agrees a submitted plan the person is
told, and so is each mentor named on it — once per plan, with a link to their own list of
the actions they mentor, which they can open; a mentor named on an action of a plan
already agreed is told then. Nobody else is told, nothing twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pms.comms.models import Notification
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import ActionKind, DevelopmentPlan
from pms.outcomes.services import idp as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def _mentoring(goal: str, mentor: Any) -> services.ActionInput:
    return services.ActionInput(kind=ActionKind.MENTOR, goal=goal, mentor=mentor)


def _told(event: str) -> list[str]:
    """Who was told of ``event``, by user name (employee number), sorted."""
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


def _agree(org: TestOrg, plan: DevelopmentPlan) -> DevelopmentPlan:
    """The person submits the plan and their manager agrees it."""
    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    return services.idp_agree(actor=f.actor_for(org.manager), plan=plan)


@pytest.fixture
def plan(org: TestOrg) -> DevelopmentPlan:
    """The person's draft with a mentor named on two actions and another on one."""
    return f.idp(
        org.employee,
        actions=[
            _mentoring("每月与导师复盘一次大客户拜访", org.outsider),
            _mentoring("跟随导师参加两次招标答辩", org.outsider),
            _mentoring("学习同事的客户分层方法", org.peer),
        ],
    )


def test_nobody_is_told_while_the_plan_is_prepared(org: TestOrg, plan: DevelopmentPlan) -> None:
    services.idp_action_add(
        actor=f.actor_for(org.employee),
        plan=plan,
        action=_mentoring("向销售总监请教大客户谈判", org.head),
    )
    assert not Notification.objects.exists()


def test_agreeing_tells_the_person_and_each_mentor_once(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    _agree(org, plan)

    assert _told(events.IDP_AGREED) == ["E0004"]
    # the outsider mentors two actions: one message; the manager, the head, HR: none
    assert _told(events.IDP_MENTOR_NAMED) == ["E0005", "E0007"]
    for notice in Notification.objects.filter(event=events.IDP_MENTOR_NAMED):
        assert notice.params == {"person": "陈员工"}  # not the plan's title or goals
        assert notice.url == "/results/idp/mentoring/"
    assert _told(events.IDP_SUBMITTED) == ["E0003"]  # the manager, when it was submitted
    assert Notification.objects.count() == 4


def test_the_mentor_opens_the_link_and_sees_what_they_mentor(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    _agree(org, plan)
    notice = Notification.objects.get(event=events.IDP_MENTOR_NAMED, recipient=org.outsider.user)
    client = Client()
    client.force_login(org.outsider.user)  # type: ignore[arg-type]

    response = client.get(notice.url)

    assert response.status_code == 200
    shown = {action.goal for action in response.context["page"].object_list}
    assert shown == {"每月与导师复盘一次大客户拜访", "跟随导师参加两次招标答辩"}
    # and the plan itself stays the person's and their managers'
    assert client.get(f"/results/idp/{plan.uuid}/").status_code == 404


def test_the_manager_who_agrees_is_not_told_of_mentoring_they_agreed(org: TestOrg) -> None:
    plan = f.idp(org.employee, actions=[_mentoring("每周与主管复盘", org.manager)])
    _agree(org, plan)
    assert _told(events.IDP_MENTOR_NAMED) == []
    assert _told(events.IDP_AGREED) == ["E0004"]


def test_a_mentor_named_on_an_agreed_plan_is_told_then_once(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    _agree(org, plan)
    person = f.actor_for(org.employee)

    added = services.idp_action_add(
        actor=person, plan=plan, action=_mentoring("向销售总监请教大客户谈判", org.head)
    )
    services.idp_action_add(
        actor=person, plan=plan, action=_mentoring("旁听总监的季度复盘", org.head)
    )
    assert _told(events.IDP_MENTOR_NAMED) == ["E0002", "E0005", "E0007"]

    # another mentor on that action: told; the same change again tells nobody
    change = _mentoring("向销售总监请教大客户谈判", org.other_manager)
    services.idp_action_update(actor=person, action=added, change=change)
    services.idp_action_update(actor=person, action=added, change=change)
    # a mentor told already is not told again about the same plan
    services.idp_action_update(
        actor=person, action=added, change=_mentoring("向销售总监请教大客户谈判", org.peer)
    )
    assert _told(events.IDP_MENTOR_NAMED) == ["E0002", "E0005", "E0006", "E0007"]


def test_a_mentor_who_cannot_sign_in_is_not_told(org: TestOrg) -> None:
    mentor = org_factories.employee("离岗导师", dept=org.rnd)
    user = mentor.user
    assert user is not None
    plan = f.idp(org.employee, actions=[_mentoring("学习研发流程", mentor)])
    user.is_active = False
    user.save(update_fields=["is_active"])

    _agree(org, plan)

    assert _told(events.IDP_MENTOR_NAMED) == []
