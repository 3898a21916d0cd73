"""How the appeal, result and interview pages end a change: back on the page with a
message, the service's refusal as an error message, a failed form shown again (400)
with nothing changed — and cancelling an interview, which goes back to its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    Appeal,
    AppealStatus,
    Interview,
    InterviewStatus,
    PerformanceResult,
)
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.services import interviews as interview_services

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
REFUSAL = "Refused by the service."
RECORD = {
    "achievements": "达成目标",
    "gaps": "回款偏慢",
    "support_needed": "",
    "next_focus": "回款",
}


def url(name: str, obj: Any) -> str:
    return reverse(f"outcomes:{name}", args=[obj.uuid])


def said(response: Any) -> list[tuple[str, str]]:
    """The messages the request left for the next page."""
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def refuse(**_kwargs: Any) -> None:
    raise ValidationError(REFUSAL)


@pytest.fixture
def appeal(org: TestOrg, mine: PerformanceResult) -> Appeal:
    return appeal_services.appeal_file(
        actor=Actor(user=org.employee.user),
        result=mine,
        reasons="客户满意度口径有误",
        evidence_file=SimpleUploadedFile("e.txt", b"x"),
    )


@pytest.fixture
def scheduled(org: TestOrg, mine: PerformanceResult) -> Interview:
    return interview_services.interview_schedule(
        actor=Actor(user=org.manager.user),
        result=mine,
        interviewer=org.manager,
        scheduled_at=timezone.now() + dt.timedelta(days=1),
        place="三楼会议室",
    )


@pytest.mark.parametrize(
    ("persona", "view", "service"),
    [
        ("employee", "appeal_withdraw", "appeal_withdraw"),
        ("hrbp", "appeal_take_up", "appeal_take_up"),
    ],
)
def test_an_appeal_action_refused_by_the_service_is_a_message(  # noqa: PLR0917 (parametrized)
    appeal: Appeal,
    client_for: Clients,
    monkeypatch: pytest.MonkeyPatch,
    persona: str,
    view: str,
    service: str,
) -> None:
    # given a service that refuses
    monkeypatch.setattr(appeal_services, service, refuse)

    # when the button is pressed
    response = client_for(persona).post(url(view, appeal))

    # then back on the appeal with the reason, nothing changed
    assert response.status_code == 302
    assert response["Location"] == url("appeal", appeal)
    assert said(response) == [("error", REFUSAL)]
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FILED


def test_an_appeal_action_done_is_a_success_message(appeal: Appeal, client_for: Clients) -> None:
    response = client_for("employee").post(url("appeal_withdraw", appeal))

    assert response["Location"] == url("appeal", appeal)
    assert said(response) == [("success", "Your appeal is withdrawn.")]


def test_a_refused_assignment_shows_the_appeal_again(
    org: TestOrg, appeal: Appeal, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(appeal_services, "appeal_assign", refuse)
    handler = appeal.handler

    response = client_for("hr_admin").post(
        url("appeal_assign", appeal),
        {"handler": org.hr_admin.user.pk},  # type: ignore[union-attr]
    )

    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert response.context["assign_form"].errors
    appeal.refresh_from_db()
    assert appeal.handler == handler


def test_a_confirmation_refused_by_the_service_shows_the_result_again(
    mine: PerformanceResult, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pms.outcomes.services.results.result_confirm", refuse)

    response = client_for("employee").post(url("result_confirm", mine), {"note": "同意"})

    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert response.context["confirm_form"].data["note"] == "同意"
    ack = mine.ack_status
    mine.refresh_from_db()
    assert mine.ack_status == ack


def test_cancelling_goes_back_to_the_result(scheduled: Interview, client_for: Clients) -> None:
    response = client_for("manager").post(url("interview_cancel", scheduled))

    assert response["Location"] == url("result", scheduled.result)
    assert said(response) == [("success", "The interview is cancelled.")]
    scheduled.refresh_from_db()
    assert scheduled.status == InterviewStatus.CANCELLED


def test_a_refused_cancel_stays_on_the_interview(
    scheduled: Interview, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interview_services, "interview_cancel", refuse)

    response = client_for("manager").post(url("interview_cancel", scheduled))

    assert response["Location"] == url("interview", scheduled)
    assert said(response) == [("error", REFUSAL)]
    scheduled.refresh_from_db()
    assert scheduled.status == InterviewStatus.SCHEDULED


def test_signing_refused_by_the_service_is_a_message(
    org: TestOrg, scheduled: Interview, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    interview_services.interview_record(
        actor=Actor(user=org.manager.user), interview=scheduled, **RECORD
    )
    monkeypatch.setattr(interview_services, "interview_sign", refuse)

    response = client_for("manager").post(url("interview_sign", scheduled))

    assert response["Location"] == url("interview", scheduled)
    assert said(response) == [("error", REFUSAL)]
    scheduled.refresh_from_db()
    assert scheduled.interviewer_signed_at is None


def test_a_bad_move_or_opinion_shows_the_interview_again(
    org: TestOrg, scheduled: Interview, client_for: Clients
) -> None:
    moved = client_for("manager").post(
        url("interview_reschedule", scheduled), {"scheduled_at": "", "place": "线上"}
    )
    assert moved.status_code == 400
    assert moved.context["schedule_form"].errors["scheduled_at"]

    interview_services.interview_record(
        actor=Actor(user=org.manager.user), interview=scheduled, **RECORD
    )
    opinion = client_for("employee").post(
        url("interview_opinion", scheduled), {"employee_opinion": ""}
    )
    assert opinion.status_code == 400
    assert opinion.context["opinion_form"].errors["employee_opinion"]

    scheduled.refresh_from_db()
    assert (scheduled.place, scheduled.employee_opinion) == ("三楼会议室", "")
