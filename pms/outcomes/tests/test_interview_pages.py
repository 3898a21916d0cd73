"""Interview pages: scheduling from a result, the interview (record, opinion, signatures),
my interviews, HR's overdue list and the guides — allowed and refused users, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.models import Interview, InterviewGuide, InterviewStatus, PerformanceResult
from pms.outcomes.services import interviews as services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
RECORD = {
    "achievements": "新开拓三个重点客户",
    "gaps": "回款周期偏长",
    "support_needed": "",
    "next_focus": "回款率提升到95%",
}


def url(name: str, obj: Any) -> str:
    return reverse(f"outcomes:{name}", args=[obj.uuid])


@pytest.fixture
def scheduled(org: TestOrg, mine: PerformanceResult) -> Interview:
    return services.interview_schedule(
        actor=Actor(user=org.manager.user),
        result=mine,
        interviewer=org.manager,
        scheduled_at=timezone.now() + dt.timedelta(days=1),
        place="三楼会议室",
    )


def test_the_manager_schedules_from_the_result(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    InterviewGuide.objects.create(grade="A", title="A 档面谈", talking_points="讨论发展方向")
    client = client_for("manager")
    page = client.get(url("interview_for_result", mine))
    assert page.status_code == 200
    assert "讨论发展方向" in page.content.decode()

    response = client.post(
        url("interview_for_result", mine),
        {"scheduled_at": "2030-01-08T10:00", "place": "三楼会议室"},
    )

    interview = Interview.objects.get(result=mine)
    assert response.status_code == 302
    assert response["Location"] == url("interview", interview)
    assert (interview.interviewer, interview.place) == (org.manager, "三楼会议室")
    assert Notification.objects.filter(
        event=events.INTERVIEW_SCHEDULED, recipient=org.employee.user
    ).exists()


def test_scheduling_refused_and_bad_input(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    assert client_for("peer").get(url("interview_for_result", mine)).status_code == 404
    assert client_for("employee").get(url("interview_for_result", mine)).status_code == 403
    assert client_for("hrbp").post(url("interview_for_result", mine), {}).status_code == 403
    response = client_for("manager").post(
        url("interview_for_result", mine), {"scheduled_at": "next tuesday"}
    )
    assert response.status_code == 400
    assert "Enter a valid date/time." in response.content.decode()
    assert not Interview.objects.exists()


def test_once_scheduled_the_result_leads_to_the_interview(
    org: TestOrg, mine: PerformanceResult, scheduled: Interview, client_for: Clients
) -> None:
    response = client_for("employee").get(url("interview_for_result", mine))
    assert response.status_code == 302
    assert response["Location"] == url("interview", scheduled)
    assert client_for("head").get(url("interview_for_result", mine)).status_code == 403


def test_the_whole_interview_through_the_pages(
    org: TestOrg, scheduled: Interview, client_for: Clients
) -> None:
    manager, person = client_for("manager"), client_for("employee")
    assert manager.post(url("interview_record", scheduled), RECORD).status_code == 302
    assert (
        person.post(url("interview_opinion", scheduled), {"employee_opinion": "认同"}).status_code
        == 302
    )
    assert manager.post(url("interview_sign", scheduled)).status_code == 302
    assert person.post(url("interview_sign", scheduled)).status_code == 302

    scheduled.refresh_from_db()
    assert scheduled.status == InterviewStatus.SIGNED
    assert scheduled.employee_opinion == "认同"
    page = client_for("hrbp").get(url("interview", scheduled))
    assert page.status_code == 200
    assert "新开拓三个重点客户" in page.content.decode()
    assert manager.post(url("interview_record", scheduled), RECORD).status_code == 403


def test_each_party_writes_only_their_part(
    org: TestOrg, scheduled: Interview, client_for: Clients
) -> None:
    person, manager = client_for("employee"), client_for("manager")
    assert person.post(url("interview_record", scheduled), RECORD).status_code == 403
    assert person.post(url("interview_reschedule", scheduled), {}).status_code == 403
    assert person.post(url("interview_cancel", scheduled)).status_code == 403
    assert client_for("head").get(url("interview", scheduled)).status_code == 404
    assert client_for("peer").post(url("interview_record", scheduled), RECORD).status_code == 404
    services.interview_record(actor=Actor(user=org.manager.user), interview=scheduled, **RECORD)
    assert (
        manager.post(url("interview_opinion", scheduled), {"employee_opinion": "x"}).status_code
        == 403
    )
    assert client_for("hrbp").post(url("interview_sign", scheduled)).status_code == 403


def test_a_bad_record_changes_nothing(
    org: TestOrg, scheduled: Interview, client_for: Clients
) -> None:
    response = client_for("manager").post(
        url("interview_record", scheduled), {**RECORD, "achievements": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.gaps) == (InterviewStatus.SCHEDULED, "")


def test_moving_and_cancelling(org: TestOrg, scheduled: Interview, client_for: Clients) -> None:
    client = client_for("manager")
    response = client.post(
        url("interview_reschedule", scheduled),
        {"scheduled_at": "2030-02-01T15:30", "place": "线上"},
    )
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.place == "线上"
    assert client.post(url("interview_cancel", scheduled)).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == InterviewStatus.CANCELLED


def test_my_interviews(org: TestOrg, scheduled: Interview, client_for: Clients) -> None:
    for persona in ("employee", "manager"):
        response = client_for(persona).get(reverse("outcomes:interviews"))
        assert response.status_code == 200
        assert url("interview", scheduled) in response.content.decode()
    assert (
        url("interview", scheduled)
        not in client_for("peer").get(reverse("outcomes:interviews")).content.decode()
    )
    assert client_for("sysadmin").get(reverse("outcomes:interviews")).status_code == 404


def _overdue_queries(client_for: Clients, expect: int) -> int:
    with time_machine.travel(timezone.now() + dt.timedelta(days=20), tick=False):
        client = client_for("hrbp")
        client.get(reverse("outcomes:interviews_overdue"))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("outcomes:interviews_overdue"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == expect
    assert "陈员工" in response.content.decode()
    return len(captured.captured_queries)


def test_hr_s_overdue_list(org: TestOrg, published: Cycle, client_for: Clients) -> None:
    assert client_for("manager").get(reverse("outcomes:interviews_overdue")).status_code == 404
    first = _overdue_queries(client_for, 4)
    for person in rf.extra_peers(org.employee, 3):
        of.scored_review(published, person, "70.00", "B")
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    assert _overdue_queries(client_for, 7) == first


def test_guides_for_hr(org: TestOrg, client_for: Clients) -> None:
    hr = client_for("hr_admin")
    response = hr.post(
        reverse("outcomes:guides"),
        {"grade": "C", "title": "C 档面谈", "talking_points": "明确改进目标"},
    )
    assert response.status_code == 302
    guide = InterviewGuide.objects.get()
    assert hr.get(reverse("outcomes:guides")).status_code == 200
    response = hr.post(
        url("guide_edit", guide), {"grade": "", "title": "通用", "talking_points": "先肯定成绩"}
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.grade, guide.title) == ("", "通用")
    bad = hr.post(reverse("outcomes:guides"), {"grade": "Z", "title": "", "talking_points": ""})
    assert bad.status_code == 400
    assert InterviewGuide.objects.count() == 1
    assert hr.post(url("guide_delete", guide)).status_code == 302
    assert not InterviewGuide.objects.exists()


def test_guides_refused(org: TestOrg, client_for: Clients) -> None:
    guide = InterviewGuide.objects.create(grade="", title="通用", talking_points="先肯定成绩")
    assert client_for("manager").get(reverse("outcomes:guides")).status_code == 404
    assert client_for("hrbp").get(reverse("outcomes:guides")).status_code == 200
    assert (
        client_for("hrbp")
        .post(reverse("outcomes:guides"), {"title": "x", "talking_points": "y"})
        .status_code
        == 403
    )
    assert client_for("hrbp").post(url("guide_delete", guide)).status_code == 403
    assert client_for("manager").post(url("guide_delete", guide)).status_code == 404
    assert InterviewGuide.objects.count() == 1
