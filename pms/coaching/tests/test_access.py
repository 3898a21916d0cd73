"""Who sees and does what, branch by branch."""

from __future__ import annotations

import pytest

from pms.coaching import access
from pms.coaching.services import checkins as services
from pms.coaching.tests import factories as f
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg

PERSONAS = (
    "employee",
    "peer",
    "manager",
    "head",
    "other_manager",
    "outsider",
    "hr_admin",
    "hrbp",
    "ceo",
    "sysadmin",
    "committee",
)


def _p(org: TestOrg, persona: str):  # type: ignore[no-untyped-def]
    target = getattr(org, persona)
    return principal_for(getattr(target, "user", target))


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("employee", True),  # the person
        ("manager", True),  # direct manager
        ("head", True),  # up the chain
        ("ceo", True),  # top of the chain
        ("hr_admin", True),  # company-wide HR
        ("hrbp", True),  # HR whose scope covers the person
        ("sysadmin", True),
        ("peer", False),
        ("other_manager", False),
        ("outsider", False),
        ("committee", False),
    ],
)
def test_checkin_visibility(org: TestOrg, persona: str, sees: bool) -> None:
    checkin = f.checkin(org.employee)
    assert access.checkins_visible(_p(org, persona)).filter(pk=checkin.pk).exists() is sees


def test_hrbp_out_of_scope_does_not_see(org: TestOrg) -> None:
    checkin = f.checkin(org.outsider)  # R&D, outside the HRBP's 销售中心
    assert not access.checkins_visible(_p(org, "hrbp")).filter(pk=checkin.pk).exists()


def test_the_manager_it_was_held_with_still_sees_it_after_a_move(org: TestOrg) -> None:
    from pms.org import services as org_services

    checkin = f.checkin(org.employee)
    org_services.employee_update(
        actor=f.actor_of(org.hr_admin),
        employee=org.employee,
        changes={"manager": org.other_manager},
    )
    manager = _p(org, "manager")
    checkin.refresh_from_db()
    assert access.checkins_visible(manager).filter(pk=checkin.pk).exists()
    assert access.leads_checkin(manager, checkin)


def test_who_writes_what(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    me, boss, head, hr, peer = (
        _p(org, n) for n in ("employee", "manager", "head", "hr_admin", "peer")
    )

    assert access.can_prepare(me, checkin)
    assert not access.can_prepare(boss, checkin)
    assert access.can_write_manager_part(boss, checkin)
    assert access.can_write_manager_part(head, checkin)
    assert not access.can_write_manager_part(me, checkin)
    assert not access.can_write_manager_part(hr, checkin)
    assert access.can_discuss(me, checkin)
    assert access.can_discuss(boss, checkin)
    assert not access.can_discuss(hr, checkin)
    assert not access.can_discuss(peer, checkin)
    assert access.can_cancel(hr, checkin)
    assert access.can_cancel(boss, checkin)
    assert not access.can_cancel(me, checkin)
    assert access.can_hold(boss, checkin)
    assert not access.can_hold(me, checkin)
    assert not access.can_close(boss, checkin)

    services.checkin_hold(actor=f.actor_of(org.manager), checkin=checkin)
    assert not access.can_prepare(me, checkin)
    assert access.can_close(boss, checkin)
    assert not access.can_cancel(hr, checkin)
    services.checkin_close(actor=f.actor_of(org.manager), checkin=checkin)
    assert not access.can_write_manager_part(boss, checkin)
    assert not access.can_discuss(me, checkin)


def test_team_checkins_and_new_checkins(org: TestOrg) -> None:
    mine = f.checkin(org.employee)
    own = f.checkin(org.manager, by=org.head)
    boss = _p(org, "manager")
    assert list(access.team_checkins(boss)) == [mine]
    assert set(access.team_checkins(_p(org, "head"))) == {mine, own}
    assert not access.team_checkins(_p(org, "employee")).exists()
    assert access.can_create_checkin_for(boss, org.employee)
    assert not access.can_create_checkin_for(boss, org.outsider)
    assert not access.can_create_checkin_for(_p(org, "employee"), org.employee)


def test_action_items(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    item = services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=checkin,
        title="x",
        owner=org.peer,
        due_date=checkin.due_date,
    )
    peer = _p(org, "peer")
    # the owner sees the item (not the check-in) and may mark it done
    assert access.action_items_visible(peer).filter(pk=item.pk).exists()
    assert not access.checkins_visible(peer).filter(pk=checkin.pk).exists()
    assert access.can_update_action(peer, item)
    assert access.can_update_action(_p(org, "employee"), item)
    assert access.can_update_action(_p(org, "manager"), item)
    assert not access.can_update_action(_p(org, "hr_admin"), item)
    assert not access.action_items_visible(_p(org, "outsider")).filter(pk=item.pk).exists()
    assert list(access.my_team_action_items(_p(org, "manager"))) == [item]


def test_obstacle_follow_ups(org: TestOrg) -> None:
    checkin = f.checkin(org.employee)
    external = f.obstacle(checkin)
    internal = f.obstacle(checkin, kind="internal", category="skills")
    me, boss, hr = (_p(org, n) for n in ("employee", "manager", "hr_admin"))

    assert access.can_request_resources(me, external)
    assert not access.can_request_resources(me, internal)
    assert not access.can_request_resources(hr, external)
    # no goal linked: no adjustment
    assert not access.can_request_adjustment_for(me, external)
    assert access.can_start_plan_from(boss, internal)
    assert access.can_start_plan_from(hr, internal)
    assert not access.can_start_plan_from(me, internal)
    assert not access.can_start_plan_from(boss, external)
    f.plan(org.employee, the_obstacle=internal)
    internal.refresh_from_db()
    assert not access.can_start_plan_from(boss, internal)


def test_resource_requests_requester_side_and_handling_side(org: TestOrg) -> None:
    request = f.resource_request(f.obstacle(f.checkin(org.employee)), org.rnd)
    from pms.org import services as org_services

    org_services.department_update(
        actor=f.actor_of(org.hr_admin), department=org.rnd, changes={"head": org.outsider}
    )
    outsider, employee, peer, hrbp, hr = (
        _p(org, n) for n in ("outsider", "employee", "peer", "hrbp", "hr_admin")
    )

    for who in (outsider, employee, hrbp, hr, _p(org, "manager"), _p(org, "ceo")):
        assert access.resource_requests_visible(who).filter(pk=request.pk).exists()
    assert not access.resource_requests_visible(peer).filter(pk=request.pk).exists()
    assert access.can_answer_resource_request(outsider, request)
    assert access.can_answer_resource_request(hr, request)
    assert access.can_answer_resource_request(_p(org, "ceo"), request)  # heads 总部
    assert not access.can_answer_resource_request(employee, request)
    assert not access.can_answer_resource_request(hrbp, request)  # R&D is not in scope
    assert list(access.resource_requests_to_handle(outsider)) == [request]
    assert not access.resource_requests_to_handle(employee).exists()
    assert access.can_open_resource_inbox(outsider)
    assert not access.can_open_resource_inbox(peer)


def test_coaching_plans(org: TestOrg) -> None:
    plan = f.plan(org.employee, coach=org.outsider)
    visible = {n: access.plans_visible(_p(org, n)).filter(pk=plan.pk).exists() for n in PERSONAS}
    assert {n for n, v in visible.items() if v} == {
        "employee",
        "manager",
        "head",
        "ceo",
        "hr_admin",
        "hrbp",
        "sysadmin",
        "outsider",  # the coach
    }
    coach, me, hr = (_p(org, n) for n in ("outsider", "employee", "hr_admin"))
    assert access.can_follow_plan(coach, plan)
    assert access.can_follow_plan(me, plan)
    assert not access.can_follow_plan(hr, plan)
    assert access.can_change_plan(coach, plan)
    assert access.can_change_plan(hr, plan)
    assert not access.can_change_plan(me, plan)
    assert access.can_start_plan_for(_p(org, "manager"), org.employee)
    assert not access.can_start_plan_for(me, org.employee)
    assert not access.can_start_plan_for(_p(org, "peer"), org.employee)


def test_cadence_is_for_company_hr_and_system_admins(org: TestOrg) -> None:
    allowed = {n for n in PERSONAS if access.can_manage_cadence(_p(org, n))}
    assert allowed == {"hr_admin", "sysadmin"}
