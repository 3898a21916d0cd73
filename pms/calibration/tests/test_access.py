"""Calibration's access rules, branch by branch."""

from __future__ import annotations

import pytest

from pms.accounts.models import User
from pms.calibration import access
from pms.calibration.models import CalibrationEntry, CalibrationSession, MemberRole
from pms.calibration.services.sessions import member_add, session_close
from pms.calibration.tests import factories as f
from pms.core.access import Forbidden, NotFound
from pms.core.audit import Actor
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def _p(who: object) -> Principal:
    user = who if isinstance(who, User) else who.user  # type: ignore[attr-defined]
    return principal_for(user)


def _session(
    org: TestOrg, *, open_it: bool = True, departments: list | None = None
) -> CalibrationSession:  # type: ignore[type-arg]
    cycle = f.calibration_cycle()
    f.scored(cycle, org.employee, "80", "A")
    f.scored(cycle, org.peer, "70", "B")
    f.scored(cycle, org.manager, "75", "B")
    return f.session(org.hr_admin.user, cycle, departments or [org.sales], open_it=open_it)  # type: ignore[arg-type]


def _seat(org: TestOrg, session: CalibrationSession, who: object, role: str) -> None:
    user = who if isinstance(who, User) else who.user  # type: ignore[attr-defined]
    member_add(actor=Actor(org.hr_admin.user), session=session, user=user, role=role)


def test_who_sees_a_session(org: TestOrg) -> None:
    draft = _session(org, open_it=False)
    assert draft in access.sessions_visible(_p(org.hr_admin))
    assert draft in access.sessions_visible(_p(org.sysadmin))
    assert draft in access.sessions_visible(_p(org.hrbp))  # 销售中心 is in the HRBP's scope
    _seat(org, draft, org.head, MemberRole.HEAD)
    # a member waits until the session is opened
    assert draft not in access.sessions_visible(_p(org.head))
    for nobody in (org.employee, org.outsider, org.manager, org.committee):
        assert draft not in access.sessions_visible(_p(nobody))
        with pytest.raises(NotFound):
            access.access_session(_p(nobody), draft.uuid)
    opened = _session(org)
    _seat(org, opened, org.head, MemberRole.HEAD)
    assert opened in access.sessions_visible(_p(org.head))
    assert access.access_session(_p(org.head), opened.uuid) == opened
    # an HRBP does not see a session outside their scope
    rnd = _session(org, departments=[org.rnd], open_it=False)
    assert rnd not in access.sessions_visible(_p(org.hrbp))
    # the facilitator sees their draft
    own = f.session(
        org.hr_admin.user,
        f.calibration_cycle(),
        [org.rnd],
        open_it=False,
        facilitator=org.committee,
    )  # type: ignore[arg-type]
    assert own in access.sessions_visible(_p(org.committee))


def test_who_prepares_a_session(org: TestOrg) -> None:
    session = _session(org, open_it=False)
    assert access.can_setup_session(_p(org.hr_admin), session)
    assert access.can_setup_session(_p(org.hrbp), session)
    _seat(org, session, org.head, MemberRole.COMMITTEE)
    assert not access.can_setup_session(_p(org.head), session)
    wide = _session(org, departments=[org.sales, org.rnd], open_it=False)
    assert not access.can_setup_session(_p(org.hrbp), wide)  # not all in scope
    with pytest.raises(Forbidden):
        access.access_session_for_setup(_p(org.hrbp), wide.uuid)
    assert access.can_setup_session(_p(org.hr_admin), wide)
    mine = f.session(
        org.hr_admin.user,
        f.calibration_cycle(),
        [org.rnd],
        open_it=False,
        facilitator=org.committee,
    )  # type: ignore[arg-type]
    assert access.can_setup_session(_p(org.committee), mine)


def test_who_decides_and_nobody_after_closing(org: TestOrg) -> None:
    session = _session(org)
    _seat(org, session, org.head, MemberRole.HEAD)
    _seat(org, session, org.committee, MemberRole.COMMITTEE)
    _seat(org, session, org.ceo, MemberRole.OBSERVER)
    assert access.can_decide(_p(org.hr_admin), session)
    assert access.can_decide(_p(org.head), session)
    assert access.can_decide(_p(org.committee), session)
    assert not access.can_decide(_p(org.ceo), session)
    entry = CalibrationEntry.objects.filter(session=session, employee=org.peer).get()
    with pytest.raises(Forbidden):
        access.access_entry_for_change(_p(org.ceo), entry.uuid)
    assert access.access_entry_for_change(_p(org.committee), entry.uuid) == entry
    session_close(actor=Actor(org.hr_admin.user), session=session, reason="小组不强制")
    session.refresh_from_db()
    assert not access.can_decide(_p(org.hr_admin), session)
    assert not access.can_setup_session(_p(org.hr_admin), session)
    with pytest.raises(Forbidden):
        access.access_entry_for_change(_p(org.committee), entry.uuid)


def test_nobody_sees_their_own_entry(org: TestOrg) -> None:
    session = _session(org)
    _seat(org, session, org.manager, MemberRole.HEAD)  # the manager is calibrated here too
    people = set(
        access.entries_visible(_p(org.manager), session).values_list("employee", flat=True)
    )
    assert people == {org.employee.pk, org.peer.pk}
    own = CalibrationEntry.objects.get(session=session, employee=org.manager)
    with pytest.raises(NotFound):
        access.access_entry(_p(org.manager), own.uuid)
    assert access.access_entry(_p(org.hr_admin), own.uuid) == own
    # a person who does not see the session does not see its entries
    with pytest.raises(NotFound):
        access.access_entry(_p(org.outsider), own.uuid)
    with pytest.raises(NotFound):
        access.access_entry(_p(org.hr_admin), "not-a-uuid")


def test_departments_cycles_and_settings(org: TestOrg) -> None:
    assert set(access.departments_for_sessions(_p(org.hrbp))) == {org.sales, org.sales1, org.sales2}
    assert org.rnd in access.departments_for_sessions(_p(org.hr_admin))
    assert not access.departments_for_sessions(_p(org.manager)).exists()
    cycle = f.calibration_cycle()
    assert cycle in access.cycles_for_sessions(_p(org.hrbp))
    assert not access.cycles_for_sessions(_p(org.employee)).exists()
    access.check_settings_page(_p(org.hr_admin))
    with pytest.raises(Forbidden):
        access.check_settings_page(_p(org.hrbp))
    with pytest.raises(NotFound):
        access.check_settings_page(_p(org.employee))
