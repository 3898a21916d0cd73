"""Who sees and does what with an improvement plan, branch by branch: the person, the
direct manager, the manager above, HR company-wide, an HRBP in scope and out of it,
colleagues and outsiders."""

from __future__ import annotations

import datetime as dt

import pytest

from pms.accounts.models import User
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes import access
from pms.outcomes.models import ImprovementPlan
from pms.outcomes.services import pip as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    user: User = target if isinstance(target, User) else target.user
    return principal_for(user)


def sees(org: TestOrg, persona: str, plan: ImprovementPlan) -> bool:
    return access.pips_visible(who(org, persona)).filter(pk=plan.pk).exists()


@pytest.fixture
def draft(org: TestOrg) -> ImprovementPlan:
    return f.pip(org.employee, org.manager)


@pytest.fixture
def running(org: TestOrg, draft: ImprovementPlan) -> ImprovementPlan:
    return services.pip_start(actor=f.actor_for(org.manager), plan=draft)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("employee", False),  # a plan being prepared is not the person's to read yet
        ("manager", True),
        ("head", True),  # the manager above
        ("ceo", True),
        ("hr_admin", True),
        ("hrbp", True),  # scope 销售中心
        ("sysadmin", True),
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),
        ("committee", False),
    ],
)
def test_who_sees_a_plan_being_prepared(
    org: TestOrg, draft: ImprovementPlan, persona: str, visible: bool
) -> None:
    assert sees(org, persona, draft) is visible


def test_the_person_sees_the_plan_once_it_started(org: TestOrg, running: ImprovementPlan) -> None:
    assert sees(org, "employee", running)
    assert not sees(org, "peer", running)


def test_an_hrbp_does_not_see_a_plan_out_of_scope(org: TestOrg) -> None:
    plan = f.pip(org.outsider, org.ceo)  # 研发中心, outside 销售中心
    assert not sees(org, "hrbp", plan)
    assert sees(org, "hr_admin", plan)
    assert not sees(org, "manager", plan)


def test_the_plans_manager_sees_it_even_when_no_longer_above_the_person(org: TestOrg) -> None:
    plan = f.pip(org.employee, org.hr_admin, owner=org.head)
    assert plan.owner == org.head
    ImprovementPlan.objects.filter(pk=plan.pk).update(owner=org.other_manager)
    assert sees(org, "other_manager", plan)


def test_the_manager_side_manages_the_person_does_not(
    org: TestOrg, running: ImprovementPlan
) -> None:
    may = {
        persona: access.can_manage_pip(who(org, persona), running)
        for persona in ("employee", "manager", "head", "hr_admin", "hrbp", "peer", "outsider")
    }
    assert may == {
        "employee": False,
        "manager": True,
        "head": True,
        "hr_admin": True,
        "hrbp": True,
        "peer": False,
        "outsider": False,
    }


def test_hr_who_is_the_person_does_not_manage_their_own_plan(org: TestOrg) -> None:
    plan = f.pip(org.hrbp, org.hr_admin, started=True)  # the HRBP's own plan
    hrbp = who(org, "hrbp")
    assert access.is_pip_person(hrbp, plan)
    assert not access.can_manage_pip(hrbp, plan)
    assert access.can_sign_pip(hrbp, plan)
    assert not access.pips_in_scope(hrbp).filter(pk=plan.pk).exists()


def test_who_creates_a_plan_for_whom(org: TestOrg) -> None:
    person = org.employee
    assert access.can_create_pip_for(who(org, "manager"), person)
    assert access.can_create_pip_for(who(org, "head"), person)
    assert access.can_create_pip_for(who(org, "hr_admin"), person)
    assert access.can_create_pip_for(who(org, "hrbp"), person)
    assert not access.can_create_pip_for(who(org, "employee"), person)  # not for oneself
    assert not access.can_create_pip_for(who(org, "peer"), person)
    assert not access.can_create_pip_for(who(org, "other_manager"), person)
    assert not access.can_create_pip_for(who(org, "hrbp"), org.outsider)


def test_steps_follow_the_status(org: TestOrg, draft: ImprovementPlan) -> None:
    manager = who(org, "manager")
    person = who(org, "employee")
    assert access.can_edit_pip(manager, draft)
    assert access.can_start_pip(manager, draft)
    assert not access.can_record_checkpoint(manager, draft)
    assert not access.can_sign_pip(person, draft)
    assert access.can_cancel_pip(manager, draft)
    running = services.pip_start(actor=f.actor_for(org.manager), plan=draft)
    assert not access.can_edit_pip(manager, running)
    assert access.can_record_checkpoint(manager, running)
    assert access.can_extend_pip(manager, running)
    assert access.can_close_pip(manager, running)
    assert access.can_sign_pip(person, running)
    assert not access.can_sign_pip(manager, running)
    assert access.can_note_sign_refusal(manager, running)
    assert not access.can_note_sign_refusal(person, running)
    assert not access.can_close_pip(person, running)
    extended = services.pip_extend(
        actor=f.actor_for(org.manager), plan=running, end=dt.date(2026, 6, 30), reason="延长"
    )
    assert not access.can_extend_pip(manager, extended)
    assert access.can_close_pip(manager, extended)


def test_team_and_hr_lists(org: TestOrg) -> None:
    mine = f.pip(org.employee, org.manager)
    rnd = f.pip(org.outsider, org.ceo)
    assert set(access.team_pips(who(org, "manager"))) == {mine}
    assert set(access.team_pips(who(org, "head"))) == {mine}
    assert set(access.team_pips(who(org, "ceo"))) == {mine, rnd}
    assert set(access.team_pips(who(org, "employee"))) == set()
    assert set(access.pips_in_scope(who(org, "hr_admin"))) == {mine, rnd}
    assert set(access.pips_in_scope(who(org, "hrbp"))) == {mine}
    assert set(access.pips_in_scope(who(org, "manager"))) == set()
    assert not access.can_list_plans(who(org, "manager"))
