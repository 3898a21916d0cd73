"""Who sees and does what with a development plan, branch by branch: the person (who owns
it), the direct manager, the manager above, HR in and out of scope, colleagues, outsiders
and a mentor (who sees the actions they mentor, nothing else)."""

from __future__ import annotations

import pytest

from pms.accounts.models import User
from pms.org.models import EmployeeStatus
from pms.org.roles import Principal, principal_for
from pms.org.services import employee_update
from pms.org.tests.factories import SYSTEM, TestOrg
from pms.outcomes import access
from pms.outcomes.models import DevelopmentPlan
from pms.outcomes.services import idp as services
from pms.outcomes.tests import plan_factories as f
from pms.outcomes.tests.plan_factories import frozen  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen")


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    user: User = target if isinstance(target, User) else target.user
    return principal_for(user)


def sees(org: TestOrg, persona: str, plan: DevelopmentPlan) -> bool:
    return access.idps_visible(who(org, persona)).filter(pk=plan.pk).exists()


@pytest.fixture
def plan(org: TestOrg) -> DevelopmentPlan:
    return f.idp(org.employee, mentor=org.outsider)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("employee", True),
        ("manager", True),
        ("head", True),
        ("hr_admin", True),
        ("hrbp", True),
        ("sysadmin", True),
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),  # the mentor of one action: not the plan
        ("committee", False),
    ],
)
def test_who_sees_a_plan(org: TestOrg, plan: DevelopmentPlan, persona: str, visible: bool) -> None:
    assert sees(org, persona, plan) is visible


def test_an_hrbp_out_of_scope_does_not_see_it(org: TestOrg) -> None:
    theirs = f.idp(org.outsider)
    assert not sees(org, "hrbp", theirs)
    assert sees(org, "hr_admin", theirs)


def test_the_person_owns_it(org: TestOrg, plan: DevelopmentPlan) -> None:
    person, manager, hr = who(org, "employee"), who(org, "manager"), who(org, "hr_admin")
    assert access.can_edit_idp(person, plan)
    assert not access.can_edit_idp(manager, plan)
    assert not access.can_edit_idp(hr, plan)
    assert access.can_submit_idp(person, plan)
    assert not access.can_submit_idp(manager, plan)
    assert not access.can_agree_idp(manager, plan)  # not before it is submitted
    assert not access.can_update_idp_progress(person, plan)  # not before it is agreed
    submitted = services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    assert not access.can_edit_idp(person, submitted)  # it waits as the manager reads it
    assert not access.can_submit_idp(person, submitted)
    assert access.can_agree_idp(manager, submitted)
    assert access.can_return_idp(manager, submitted)
    assert access.can_agree_idp(who(org, "head"), submitted)
    assert not access.can_agree_idp(person, submitted)  # nobody agrees their own plan
    assert not access.can_return_idp(person, submitted)
    assert not access.can_agree_idp(hr, submitted)
    assert not access.can_return_idp(hr, submitted)
    assert not access.can_agree_idp(who(org, "other_manager"), submitted)
    agreed = services.idp_agree(actor=f.actor_for(org.manager), plan=submitted)
    assert access.can_update_idp_progress(person, agreed)
    assert not access.can_update_idp_progress(manager, agreed)
    assert access.can_complete_idp(person, agreed)
    assert not access.can_agree_idp(manager, agreed)
    assert not access.can_return_idp(manager, agreed)
    assert access.can_edit_idp(person, agreed)


def test_a_mentor_sees_the_actions_they_mentor_once_agreed(
    org: TestOrg, plan: DevelopmentPlan
) -> None:
    mentor = who(org, "outsider")
    assert not access.mentored_actions(mentor).exists()  # still being prepared
    services.idp_submit(actor=f.actor_for(org.employee), plan=plan)
    assert not access.mentored_actions(mentor).exists()  # waiting for agreement
    services.idp_agree(actor=f.actor_for(org.manager), plan=plan)
    [action] = access.mentored_actions(mentor)
    assert action.mentor == org.outsider
    assert plan.actions.count() == 2  # the course is not theirs to see
    assert not access.mentored_actions(who(org, "manager")).exists()


def test_who_starts_a_plan_for_whom(org: TestOrg) -> None:
    person = org.employee
    assert access.can_create_idp_for(who(org, "employee"), person)
    assert access.can_create_idp_for(who(org, "manager"), person)
    assert access.can_create_idp_for(who(org, "head"), person)
    assert access.can_create_idp_for(who(org, "hr_admin"), person)
    assert access.can_create_idp_for(who(org, "hrbp"), person)
    assert not access.can_create_idp_for(who(org, "peer"), person)
    assert not access.can_create_idp_for(who(org, "hrbp"), org.outsider)
    employee_update(actor=SYSTEM, employee=person, changes={"status": EmployeeStatus.LEFT})
    person.refresh_from_db()
    assert not access.can_create_idp_for(who(org, "hr_admin"), person)


def test_team_and_hr_lists(org: TestOrg, plan: DevelopmentPlan) -> None:
    rnd = f.idp(org.outsider)
    assert set(access.team_idps(who(org, "manager"))) == {plan}
    assert set(access.team_idps(who(org, "ceo"))) == {plan, rnd}
    assert set(access.team_idps(who(org, "employee"))) == set()
    assert set(access.idps_in_scope(who(org, "hr_admin"))) == {plan, rnd}
    assert set(access.idps_in_scope(who(org, "hrbp"))) == {plan}
    assert set(access.idps_in_scope(who(org, "manager"))) == set()
