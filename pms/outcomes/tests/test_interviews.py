"""The performance interview: scheduled by a manager (the person told), recorded in its
structure, the person's opinion, signed by both and then locked; a change of content
takes back the other party's signature; guides per grade; HR's list of overdue ones."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import Interview, InterviewGuide, InterviewStatus, PerformanceResult
from pms.outcomes.selectors import interviews as selectors
from pms.outcomes.services import interviews as services
from pms.outcomes.tests.factories import errors_of
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db

RECORD = {
    "achievements": "新开拓三个重点客户",
    "gaps": "回款周期偏长",
    "support_needed": "财务协助对账",
    "next_focus": "回款率提升到95%",
}


@pytest.fixture
def manager(org: TestOrg) -> Actor:
    return Actor(user=org.manager.user)


@pytest.fixture
def person(org: TestOrg) -> Actor:
    return Actor(user=org.employee.user)


@pytest.fixture
def scheduled(org: TestOrg, manager: Actor, mine: PerformanceResult) -> Interview:
    return services.interview_schedule(
        actor=manager,
        result=mine,
        interviewer=org.manager,
        scheduled_at=timezone.now() + dt.timedelta(days=2),
        place="三楼会议室",
    )


def test_scheduling_tells_the_person(org: TestOrg, scheduled: Interview) -> None:
    assert (scheduled.status, scheduled.place, scheduled.interviewer) == (
        InterviewStatus.SCHEDULED,
        "三楼会议室",
        org.manager,
    )
    notice = Notification.objects.get(event=events.INTERVIEW_SCHEDULED)
    assert notice.recipient == org.employee.user
    assert notice.params["manager"] == "张经理"
    assert notice.params["place"] == "三楼会议室"
    entry = AuditEntry.objects.filter(object_type="outcomes.interview").latest("id")
    assert entry.action == AuditAction.CREATE


def test_one_interview_per_result_and_the_time_is_needed(
    org: TestOrg, manager: Actor, scheduled: Interview, mine: PerformanceResult
) -> None:
    with pytest.raises(ValidationError, match="already has its interview"):
        services.interview_schedule(
            actor=manager, result=mine, interviewer=org.manager, scheduled_at=timezone.now()
        )
    services.interview_cancel(actor=manager, interview=scheduled)
    with pytest.raises(ValidationError) as refused:
        services.interview_schedule(
            actor=manager, result=mine, interviewer=org.manager, scheduled_at=None
        )
    assert errors_of(refused.value) == {"scheduled_at": ["Choose the day and time."]}
    again = services.interview_schedule(
        actor=manager, result=mine, interviewer=org.manager, scheduled_at=timezone.now()
    )
    assert Interview.objects.filter(result=mine).count() == 2
    assert again.status == InterviewStatus.SCHEDULED


def test_moving_tells_the_person_again(org: TestOrg, manager: Actor, scheduled: Interview) -> None:
    later = scheduled.scheduled_at + dt.timedelta(days=1)
    services.interview_reschedule(
        actor=manager, interview=scheduled, scheduled_at=later, place="线上"
    )
    assert Notification.objects.filter(event=events.INTERVIEW_SCHEDULED).count() == 2
    scheduled.refresh_from_db()
    assert (scheduled.scheduled_at, scheduled.place) == (later, "线上")


def test_record_opinion_and_both_signatures_lock_it(
    org: TestOrg, manager: Actor, person: Actor, scheduled: Interview
) -> None:
    recorded = services.interview_record(actor=manager, interview=scheduled, **RECORD)
    assert recorded.status == InterviewStatus.RECORDED
    assert Notification.objects.filter(
        event=events.INTERVIEW_RECORDED, recipient=org.employee.user
    ).exists()
    services.interview_opinion(actor=person, interview=recorded, opinion="认同，需要财务支持")
    services.interview_sign(actor=manager, interview=recorded, party=services.Party.INTERVIEWER)
    signed = services.interview_sign(
        actor=person, interview=recorded, party=services.Party.EMPLOYEE
    )

    assert signed.status == InterviewStatus.SIGNED
    assert signed.interviewer_signed_at is not None
    assert signed.employee_signed_at is not None
    assert signed.employee_opinion == "认同，需要财务支持"
    with pytest.raises(ValidationError, match="locked"):
        services.interview_record(actor=manager, interview=signed, **RECORD)
    with pytest.raises(ValidationError):
        services.interview_opinion(actor=person, interview=signed, opinion="改")
    assert (
        AuditEntry.objects.filter(object_type="outcomes.interview", action=AuditAction.SIGN).count()
        == 2
    )


def test_changing_the_text_takes_back_the_other_signature(
    manager: Actor, person: Actor, scheduled: Interview
) -> None:
    recorded = services.interview_record(actor=manager, interview=scheduled, **RECORD)
    services.interview_sign(actor=person, interview=recorded, party=services.Party.EMPLOYEE)
    changed = services.interview_record(
        actor=manager, interview=recorded, **{**RECORD, "gaps": "回款周期偏长，报价审批慢"}
    )
    assert changed.employee_signed_at is None
    services.interview_sign(actor=manager, interview=changed, party=services.Party.INTERVIEWER)
    after = services.interview_opinion(actor=person, interview=changed, opinion="补充意见")
    assert after.interviewer_signed_at is None
    assert after.status == InterviewStatus.RECORDED


def test_a_record_without_its_parts_changes_nothing(manager: Actor, scheduled: Interview) -> None:
    with pytest.raises(ValidationError) as refused:
        services.interview_record(actor=manager, interview=scheduled, **{**RECORD, "gaps": " "})
    assert errors_of(refused.value) == {"gaps": ["Fill this in."]}
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.achievements) == (InterviewStatus.SCHEDULED, "")


def test_signing_twice_and_before_the_record_is_refused(
    manager: Actor, scheduled: Interview
) -> None:
    with pytest.raises(ValidationError, match="Only a written record"):
        services.interview_sign(
            actor=manager, interview=scheduled, party=services.Party.INTERVIEWER
        )
    recorded = services.interview_record(actor=manager, interview=scheduled, **RECORD)
    services.interview_sign(actor=manager, interview=recorded, party=services.Party.INTERVIEWER)
    with pytest.raises(ValidationError, match="signed this record already"):
        services.interview_sign(actor=manager, interview=recorded, party=services.Party.INTERVIEWER)


# --- guides ----------------------------------------------------------------------------------


def test_guides_for_a_grade_and_for_every_grade(org: TestOrg) -> None:
    hr = Actor(user=org.hr_admin.user)
    services.guide_create(actor=hr, grade="", title="通用面谈要点", talking_points="先肯定成绩")
    services.guide_create(actor=hr, grade="C", title="C 档", talking_points="明确改进目标")
    a = services.guide_create(actor=hr, grade="A", title="A 档", talking_points="讨论发展方向")

    assert [g.title for g in selectors.guides_for("A")] == ["通用面谈要点", "A 档"]
    assert [g.title for g in selectors.guides_for("C")] == ["通用面谈要点", "C 档"]
    updated = services.guide_update(
        actor=hr, guide=a, grade="S", title="S 档", talking_points="讨论晋升"
    )
    assert updated.grade == "S"
    services.guide_delete(actor=hr, guide=updated)
    assert InterviewGuide.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="outcomes.interviewguide").count() == 5


def test_a_guide_for_an_unknown_grade_is_refused(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as refused:
        services.guide_create(
            actor=Actor(user=org.hr_admin.user), grade="Z", title="t", talking_points="p"
        )
    assert errors_of(refused.value) == {"grade": ["Choose one of the grades S, A, B, C, D."]}
    assert not InterviewGuide.objects.exists()


# --- overdue ---------------------------------------------------------------------------------


def test_hr_sees_interviews_not_held_in_time(
    org: TestOrg, manager: Actor, published: Cycle, scheduled: Interview
) -> None:
    hrbp = principal_for(org.hrbp.user)
    days, rows = selectors.overdue_interviews(hrbp)
    assert days == 14
    assert not rows.exists()

    with time_machine.travel(timezone.now() + dt.timedelta(days=15), tick=False):
        _days, late = selectors.overdue_interviews(hrbp)
        found = {r.employee.number: r for r in late}
        assert set(found) == {"E0003", "E0004", "E0005", "E0006"}  # the HRBP's scope
        assert found["E0004"].scheduled_at == scheduled.scheduled_at
        assert found["E0005"].scheduled_at is None
        services.interview_record(actor=manager, interview=scheduled, **RECORD)
        _days, late = selectors.overdue_interviews(hrbp)
        assert "E0004" not in {r.employee.number for r in late}
