"""Preparing, opening and closing calibration sessions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.calibration.models import (
    CalibrationEntry,
    CalibrationSession,
    Enforcement,
    MemberRole,
    SessionMember,
    SessionStatus,
)
from pms.calibration.services.entries import entry_change
from pms.calibration.services.sessions import (
    member_add,
    member_remove,
    session_close,
    session_create,
    session_delete,
    session_open,
    session_update,
)
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Department
from pms.org.tests.factories import TestOrg
from pms.reviews.models import Phase, ReviewStatus
from pms.reviews.services.phases import cycle_advance

pytestmark = pytest.mark.django_db


def _hr(org: TestOrg) -> Actor:
    assert org.hr_admin.user is not None
    return Actor(org.hr_admin.user)


def test_create_copies_company_defaults_and_audits(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    session = session_create(
        actor=_hr(org),
        cycle=cycle,
        name=" 销售中心校准会 ",
        departments=[org.sales],
        subtree=True,
        role_family=None,
        facilitator=org.hr_admin.user,  # type: ignore[arg-type]
        allowed_departments=Department.objects.all(),
    )
    assert session.name == "销售中心校准会"
    assert session.status == SessionStatus.DRAFT
    assert [g["grade"] for g in session.distribution] == ["S", "A", "B", "C", "D"]
    assert session.min_group_size == 10
    assert session.enforcement == Enforcement.WARN
    assert list(session.departments.all()) == [org.sales]
    entry = AuditEntry.objects.get(object_type="calibration.calibrationsession")
    assert entry.action == "create"
    assert entry.after["departments"] == [str(org.sales)]


def test_create_refuses_bad_input_and_writes_nothing(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    with pytest.raises(ValidationError) as caught:
        session_create(
            actor=_hr(org),
            cycle=cycle,
            name="  ",
            departments=[org.rnd],
            subtree=True,
            role_family=None,
            facilitator=org.hr_admin.user,  # type: ignore[arg-type]
            allowed_departments=[org.sales],
        )
    errors = caught.value.message_dict
    assert "name" in errors
    assert "departments" in errors
    assert not CalibrationSession.objects.exists()
    with pytest.raises(ValidationError) as caught:
        session_create(
            actor=_hr(org),
            cycle=cycle,
            name="无范围",
            departments=[],
            subtree=True,
            role_family=None,
            facilitator=org.hr_admin.user,  # type: ignore[arg-type]
            allowed_departments=Department.objects.all(),
        )
    assert "departments" in caught.value.message_dict
    f.session(org.hr_admin.user, cycle, [org.sales], name="同名", open_it=False)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        f.session(org.hr_admin.user, cycle, [org.rnd], name="同名", open_it=False)  # type: ignore[arg-type]
    assert "name" in caught.value.message_dict
    assert CalibrationSession.objects.count() == 1


def test_open_copies_proposals_and_skips_reviews_of_other_sessions(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    a = f.scored(cycle, org.employee, "91.5", "S")
    b = f.scored(cycle, org.peer, "72", "B")
    f.scored(cycle, org.outsider, "65", "C")  # 研发中心: not covered
    removed = f.scored(cycle, org.other_manager, "80", "A")
    removed.status = ReviewStatus.REMOVED
    removed.save(update_fields=["status"])
    first = f.session(org.hr_admin.user, cycle, [org.sales1], name="一部")  # type: ignore[arg-type]
    assert first.status == SessionStatus.OPEN
    assert first.opened_at is not None
    entries = {e.review_id: e for e in CalibrationEntry.objects.filter(session=first)}
    assert set(entries) == {a.pk, b.pk}
    assert entries[a.pk].proposed_score == Decimal("91.50")
    assert entries[a.pk].score == Decimal("91.50")
    assert entries[a.pk].grade == "S"
    assert entries[a.pk].manager_id == org.employee.manager_id
    assert entries[a.pk].changed is False
    # a wider session leaves the people already in a session where they are
    second = f.session(org.hr_admin.user, cycle, [org.sales], name="中心", open_it=False)  # type: ignore[arg-type]
    f.scored(cycle, org.manager, "88", "A")
    report = session_open(actor=_hr(org), session=second)
    assert report.added == 1
    assert report.skipped == 2
    audit = AuditEntry.objects.filter(
        object_type="calibration.calibrationsession", object_id=str(second.pk), action="update"
    ).get()
    assert audit.after == {"status": "open", "people": 1, "skipped": 2}


def test_open_needs_the_calibration_phase_and_someone_to_calibrate(org: TestOrg) -> None:
    early = f.calibration_cycle(phase=Phase.MANAGER)
    f.scored(early, org.employee, "80", "A")
    session = f.session(org.hr_admin.user, early, [org.sales], open_it=False)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="reached calibration"):
        session_open(actor=_hr(org), session=session)
    empty = f.calibration_cycle()
    nobody = f.session(org.hr_admin.user, empty, [org.rnd], open_it=False)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="No review"):
        session_open(actor=_hr(org), session=nobody)
    session.refresh_from_db()
    nobody.refresh_from_db()
    assert session.status == nobody.status == SessionStatus.DRAFT
    assert not CalibrationEntry.objects.exists()


def test_pools_put_small_teams_together(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    for person in f.people(org.sales1, 6) + f.people(org.sales2, 5) + f.people(org.rnd, 12):
        f.scored(cycle, person, "75", "B")
    session = f.session(org.hr_admin.user, cycle, [org.hq])  # type: ignore[arg-type]
    pools = dict(
        CalibrationEntry.objects.filter(session=session)
        .values_list("department_id", "pool")
        .distinct()
    )
    # 6 + 5 people under 销售中心 pool there; 研发中心 has enough on its own
    assert pools[org.sales1.pk] == pools[org.sales2.pk] == str(org.sales.pk)
    assert pools[org.rnd.pk] == str(org.rnd.pk)


def test_update_only_while_draft_and_validates_the_rule(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    f.scored(cycle, org.employee, "80", "A")
    session = f.session(org.hr_admin.user, cycle, [org.sales], open_it=False)  # type: ignore[arg-type]
    kwargs = {
        "actor": _hr(org),
        "session": session,
        "name": "改名",
        "departments": [org.sales1],
        "subtree": False,
        "role_family": None,
        "facilitator": org.hr_admin.user,
        "min_group_size": 5,
        "enforcement": Enforcement.BLOCK,
        "allowed_departments": Department.objects.all(),
    }
    with pytest.raises(ValidationError) as caught:
        session_update(**kwargs, distribution=[{"grade": "S", "share": "60", "mode": "at_most"}])  # type: ignore[arg-type]
    assert "distribution" in caught.value.message_dict
    session.refresh_from_db()
    assert session.name != "改名"
    rule = [
        {"grade": "A", "share": "30", "mode": "at_most"},
        {"grade": "B", "share": "70", "mode": "target"},
    ]
    updated = session_update(**kwargs, distribution=rule)  # type: ignore[arg-type]
    assert updated.name == "改名"
    assert updated.subtree is False
    assert updated.distribution == rule
    assert updated.enforcement == Enforcement.BLOCK
    session_open(actor=_hr(org), session=updated)
    with pytest.raises(ValidationError):
        session_update(**kwargs, distribution=rule)  # type: ignore[arg-type]


def test_members_join_change_role_and_leave(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    session = f.session(org.hr_admin.user, cycle, [org.sales], open_it=False)  # type: ignore[arg-type]
    head_user = org.head.user
    assert head_user is not None
    member = member_add(actor=_hr(org), session=session, user=head_user, role=MemberRole.HEAD)
    again = member_add(actor=_hr(org), session=session, user=head_user, role=MemberRole.OBSERVER)
    assert again.pk == member.pk
    assert again.role == MemberRole.OBSERVER
    with pytest.raises(ValidationError):
        member_add(actor=_hr(org), session=session, user=head_user, role="boss")
    member_remove(actor=_hr(org), member=again)
    assert not SessionMember.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="calibration.sessionmember")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def _ten_b(org: TestOrg) -> CalibrationSession:
    cycle = f.calibration_cycle()
    for person in f.people(org.sales1, 10):
        f.scored(cycle, person, "75", "B")
    return f.session(org.hr_admin.user, cycle, [org.sales1])  # type: ignore[arg-type]


def test_close_off_target_needs_a_reason_when_warning(org: TestOrg) -> None:
    session = _ten_b(org)  # nobody in C or D, which need at least 2 and 1
    with pytest.raises(ValidationError) as caught:
        session_close(actor=_hr(org), session=session)
    assert "reason" in caught.value.message_dict
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
    closed = session_close(actor=_hr(org), session=session, reason="本部门整体表现良好")
    assert closed.status == SessionStatus.CLOSED
    assert closed.close_reason == "本部门整体表现良好"
    audit = AuditEntry.objects.get(object_type="calibration.calibrationsession", action="close")
    assert audit.reason == "本部门整体表现良好"
    assert audit.after["off_target_groups"] == 1
    # locked: no more changes
    entry = CalibrationEntry.objects.filter(session=session).first()
    assert entry is not None
    with pytest.raises(ValidationError, match="not open"):
        entry_change(actor=_hr(org), entry=entry, grade="A", reason="再议")


def test_close_off_target_is_refused_when_blocking_until_on_target(org: TestOrg) -> None:
    session = _ten_b(org)
    CalibrationSession.objects.filter(pk=session.pk).update(enforcement=Enforcement.BLOCK)
    session.refresh_from_db()
    with pytest.raises(ValidationError, match="off target"):
        session_close(actor=_hr(org), session=session, reason="想关")
    entries = list(CalibrationEntry.objects.filter(session=session).order_by("pk"))
    for entry in entries[:2]:
        entry_change(actor=_hr(org), entry=entry, grade="C", reason="与同级比较偏弱")
    entry_change(actor=_hr(org), entry=entries[2], grade="D", reason="未达基本要求")
    closed = session_close(actor=_hr(org), session=session, reason="ignored when on target")
    assert closed.status == SessionStatus.CLOSED
    assert closed.close_reason == ""


def test_delete_only_a_draft(org: TestOrg) -> None:
    session = _ten_b(org)
    with pytest.raises(ValidationError):
        session_delete(actor=_hr(org), session=session)
    draft = f.session(org.hr_admin.user, f.calibration_cycle(), [org.rnd], open_it=False)  # type: ignore[arg-type]
    session_delete(actor=_hr(org), session=draft)
    assert not CalibrationSession.objects.filter(pk=draft.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="calibration.calibrationsession", action="delete"
    ).exists()


def test_results_wait_for_open_sessions(org: TestOrg) -> None:
    session = _ten_b(org)
    cycle = session.cycle
    with pytest.raises(ValidationError, match="Close every open calibration session"):
        cycle_advance(actor=_hr(org), cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.phase == Phase.CALIBRATION
    session_close(actor=_hr(org), session=session, reason="分布偏差已说明")
    advanced = cycle_advance(actor=_hr(org), cycle=cycle)
    assert advanced.phase == Phase.RESULTS


def test_members_hear_of_opening_and_closing_but_not_the_people_calibrated(org: TestOrg) -> None:
    from pms.comms.models import Notification

    cycle = f.calibration_cycle()
    for person in f.people(org.sales1, 10):
        f.scored(cycle, person, "75", "B")
    f.scored(cycle, org.employee, "80", "A")
    session = f.session(org.hr_admin.user, cycle, [org.sales1], open_it=False)  # type: ignore[arg-type]
    member_add(actor=_hr(org), session=session, user=org.head.user, role=MemberRole.HEAD)  # type: ignore[arg-type]
    session_open(actor=_hr(org), session=session)
    session_open_again = CalibrationSession.objects.get(pk=session.pk)
    opened = Notification.objects.filter(event="calibration.session_opened")
    assert set(opened.values_list("recipient", flat=True)) == {
        org.head.user.pk,  # type: ignore[union-attr]
        org.hr_admin.user.pk,  # type: ignore[union-attr]
    }
    session_close(actor=_hr(org), session=session_open_again, reason="小组人数不足")
    closed = Notification.objects.filter(event="calibration.session_closed")
    assert closed.count() == 2
    assert not Notification.objects.filter(recipient=org.employee.user).exists()
