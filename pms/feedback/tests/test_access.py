"""pms.feedback.access, branch by branch."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pms.core.access import Forbidden, NotFound
from pms.feedback import access
from pms.goals.tests import factories as gf
from pms.org import services as org_services
from pms.org.models import EmployeeStatus
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import SYSTEM, TestOrg

from . import factories as ff

pytestmark = pytest.mark.django_db


def who(org: TestOrg, persona: str) -> Principal:
    target = getattr(org, persona)
    return principal_for(getattr(target, "user", target))


def visible_to(org: TestOrg, persona: str) -> set[object]:
    return set(access.feedback_visible(who(org, persona)).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("peer", True),  # the giver
        ("employee", True),  # the receiver
        ("manager", True),  # the receiver's manager
        ("head", True),  # a manager further up
        ("ceo", True),  # the top of the chain
        ("hrbp", True),  # HR covering the receiver
        ("hr_admin", True),  # company HR
        ("other_manager", False),
        ("outsider", False),
        ("sysadmin", False),  # system admins do not read feedback
        ("committee", False),
    ],
)
def test_private_feedback_circle(org: TestOrg, persona: str, sees: bool) -> None:
    item = ff.give(org.peer, org.employee, kind="constructive")

    assert (item.pk in visible_to(org, persona)) is sees


def test_dotted_line_manager_sees_feedback_of_the_person(org: TestOrg) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.employee, changes={"dotted_manager": org.outsider}
    )
    item = ff.give(org.peer, org.employee)

    assert item.pk in visible_to(org, "outsider")


def test_hrbp_does_not_see_feedback_outside_the_scope(org: TestOrg) -> None:
    item = ff.give(org.employee, org.outsider)

    assert item.pk not in visible_to(org, "hrbp")
    assert item.pk in visible_to(org, "employee")  # the giver


def test_public_praise_is_seen_by_everyone_with_a_place(org: TestOrg) -> None:
    item = ff.give(org.peer, org.employee, public=True)

    for persona in ("outsider", "other_manager", "committee"):
        assert item.pk in visible_to(org, persona)
        assert list(access.praise_wall(who(org, persona))) == [item]


def test_anonymous_items_are_seen_one_by_one_by_nobody(org: TestOrg) -> None:
    item = ff.anonymous(org.employee, org.manager)

    for persona in ("employee", "manager", "head", "hr_admin", "hrbp", "sysadmin", "ceo"):
        assert item.pk not in visible_to(org, persona)
    with pytest.raises(NotFound):
        access.access_feedback(who(org, "manager"), item.uuid)


def test_nobody_signed_out_sees_anything(org: TestOrg) -> None:
    ff.give(org.peer, org.employee, public=True)
    anonymous = principal_for(None)

    assert not access.feedback_visible(anonymous).exists()
    assert not access.praise_wall(anonymous).exists()
    assert not access.can_give_feedback(anonymous)
    assert not access.can_see_board(anonymous)


def test_team_feedback_is_for_managers_and_hr(org: TestOrg) -> None:
    item = ff.give(org.peer, org.employee)
    to_manager = ff.give(org.employee, org.manager)

    assert set(access.team_feedback(who(org, "manager"))) == {item}
    assert to_manager in set(access.team_feedback(who(org, "head")))
    assert not access.team_feedback(who(org, "employee")).exists()
    assert not access.can_see_team_feedback(who(org, "peer"))


def test_receivers_are_current_colleagues_but_not_oneself(org: TestOrg) -> None:
    me = who(org, "employee")
    org_services.employee_update(
        actor=SYSTEM, employee=org.outsider, changes={"status": EmployeeStatus.LEFT}
    )

    assert access.access_receiver(me, org.peer.uuid) == org.peer
    with pytest.raises(NotFound):
        access.access_receiver(me, org.employee.uuid)
    with pytest.raises(NotFound):
        access.access_receiver(me, org.outsider.uuid)
    with pytest.raises(NotFound):
        access.access_receiver(principal_for(org.sysadmin), org.peer.uuid)  # no employee record


def test_anonymous_only_to_managers_above_or_dotted(org: TestOrg) -> None:
    me = who(org, "employee")
    assert access.can_give_anonymously(me, org.manager)
    assert access.can_give_anonymously(me, org.ceo)
    assert not access.can_give_anonymously(me, org.peer)
    assert not access.can_give_anonymously(who(org, "manager"), org.employee)
    org_services.employee_update(
        actor=SYSTEM, employee=org.employee, changes={"dotted_manager": org.outsider}
    )
    assert access.can_give_anonymously(who(org, "employee"), org.outsider)


def test_only_goals_the_giver_may_see_can_be_linked(org: TestOrg) -> None:
    goal = gf.kpi(gf.scorecard(org.employee, gf.period()))

    assert list(access.goals_linkable(who(org, "manager"), org.employee)) == [goal]
    assert not access.goals_linkable(who(org, "peer"), org.employee).exists()


def test_upward_aggregate_is_for_the_manager_and_hr_in_scope(org: TestOrg) -> None:
    assert access.can_read_upward(who(org, "manager"), org.manager)
    assert access.can_read_upward(who(org, "hrbp"), org.manager)
    assert not access.can_read_upward(who(org, "head"), org.manager)
    assert not access.can_read_upward(who(org, "employee"), org.manager)
    assert not access.can_read_upward(who(org, "hrbp"), org.outsider)
    with pytest.raises(NotFound):
        access.access_upward_manager(who(org, "hrbp"), org.outsider.uuid)
    with pytest.raises(NotFound):
        access.access_upward_manager(who(org, "head"), org.manager.uuid)
    assert access.access_upward_manager(who(org, "hrbp"), org.manager.uuid) == org.manager


def test_requests_are_seen_by_the_two_people_and_answered_by_the_asked(org: TestOrg) -> None:
    request = ff.ask(org.employee, org.outsider)

    assert access.access_request(who(org, "employee"), request.uuid) == request
    assert access.access_request_for_answer(who(org, "outsider"), request.uuid) == request
    with pytest.raises(Forbidden):
        access.access_request_for_answer(who(org, "employee"), request.uuid)
    for persona in ("manager", "hr_admin", "peer"):
        with pytest.raises(NotFound):
            access.access_request(who(org, persona), request.uuid)


def test_observations_by_managers_about_their_people(org: TestOrg) -> None:
    manager = who(org, "manager")
    assert access.can_observe(manager, org.employee)
    assert access.can_observe(who(org, "head"), org.employee)
    assert not access.can_observe(manager, org.outsider)
    assert not access.can_observe(who(org, "peer"), org.employee)
    assert not access.can_record_observations(who(org, "employee"))
    assert set(access.observable_reports(manager)) == {org.employee, org.peer}


def test_observation_circle_and_conversation(org: TestOrg) -> None:
    observation = ff.observe(org.manager, org.employee, observed_at=timezone.now())

    assert access.access_observation_for_talk(who(org, "manager"), observation.uuid)
    assert access.access_observation(who(org, "hrbp"), observation.uuid) == observation
    with pytest.raises(Forbidden):
        access.access_observation_for_talk(who(org, "hrbp"), observation.uuid)
    for persona in ("employee", "head", "outsider", "sysadmin"):
        with pytest.raises(NotFound):
            access.access_observation(who(org, persona), observation.uuid)


def test_board_is_for_hr_limited_to_the_scope(org: TestOrg) -> None:
    inside = ff.observe(org.manager, org.employee, observed_at=timezone.now())
    outside = ff.observe(org.ceo, org.outsider, observed_at=timezone.now())

    assert set(access.board_observations(who(org, "hrbp"))) == {inside}
    assert set(access.board_observations(who(org, "hr_admin"))) == {inside, outside}
    assert not access.can_see_board(who(org, "manager"))
    assert not access.board_observations(who(org, "head")).exists()
