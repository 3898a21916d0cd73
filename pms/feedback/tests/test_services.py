"""Giving, asking, answering and declining feedback; observations and conversations."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.core.models import AuditEntry
from pms.feedback import events, services
from pms.feedback.models import Feedback, FeedbackRequest, Observation, RequestStatus
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg

from . import factories as ff

pytestmark = pytest.mark.django_db


def _audit(instance: object) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(instance.pk),  # type: ignore[attr-defined]
        )
    )


def test_recognition_is_saved_audited_and_announced(org: TestOrg, sent: mock.MagicMock) -> None:
    feedback = ff.give(org.peer, org.employee, public=True, suggestion="继续保持")

    feedback.refresh_from_db()
    assert feedback.giver == org.peer
    assert feedback.receiver == org.employee
    assert feedback.public
    assert not feedback.upward
    assert not feedback.anonymous
    [entry] = _audit(feedback)
    assert entry.actor == org.peer.user
    assert entry.action == "create"
    sent.assert_called_once()
    call = sent.call_args.kwargs
    assert call["event"] == events.RECEIVED
    assert call["recipients"] == [org.employee.user]
    assert call["params"] == {"giver": org.peer.name}
    assert str(feedback.uuid) in call["url"]


def test_constructive_needs_behaviour_and_impact(org: TestOrg, sent: mock.MagicMock) -> None:
    with pytest.raises(ValidationError) as caught:
        ff.give(org.peer, org.employee, kind="constructive", behaviour="", impact="")

    assert set(caught.value.message_dict) == {"behaviour", "impact"}
    assert not Feedback.objects.exists()
    sent.assert_not_called()


@pytest.mark.parametrize(
    ("fields", "error_on"),
    [
        ({"kind": "constructive", "public": True}, "public"),
        ({"kind": "praise"}, "kind"),
        ({"behaviour": "x" * 4001}, "behaviour"),
    ],
)
def test_bad_feedback_is_refused_with_a_message(
    org: TestOrg, fields: dict[str, object], error_on: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ff.give(org.peer, org.employee, **fields)

    assert error_on in caught.value.message_dict
    assert not Feedback.objects.exists()


def test_no_self_feedback(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        ff.give(org.employee, org.employee)

    assert "receiver" in caught.value.message_dict
    assert not Feedback.objects.exists()


def test_a_goal_must_be_the_receivers_own(org: TestOrg) -> None:
    period = gf.period()
    theirs = gf.kpi(gf.scorecard(org.employee, period))
    other = gf.kpi(gf.scorecard(org.peer, period))

    with pytest.raises(ValidationError) as caught:
        ff.give(org.manager, org.employee, goal=other)
    assert "goal" in caught.value.message_dict

    linked = ff.give(org.manager, org.employee, goal=theirs)
    assert linked.goal == theirs


def test_feedback_to_a_manager_above_is_upward(org: TestOrg) -> None:
    assert ff.give(org.employee, org.manager).upward
    assert ff.give(org.employee, org.head).upward
    assert not ff.give(org.employee, org.other_manager).upward


def test_anonymous_feedback_keeps_no_author_and_no_time(org: TestOrg, sent: mock.MagicMock) -> None:
    item = ff.anonymous(org.employee, org.manager)

    item.refresh_from_db()
    assert item.giver_id is None
    assert item.anonymous
    assert item.upward
    assert item.window
    assert len(item.author_token) == 64
    local = timezone.localtime(item.created_at)
    assert (local.day, local.hour, local.minute) == (1, 0, 0)
    assert local.month in (1, 4, 7, 10)
    assert not _audit(item)  # written later, by the daily job
    sent.assert_not_called()


def test_anonymous_feedback_only_upward(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        ff.anonymous(org.employee, org.peer)
    assert "anonymous" in caught.value.message_dict
    with pytest.raises(ValidationError):
        ff.anonymous(org.manager, org.employee)  # downward
    assert not Feedback.objects.exists()


def test_anonymous_feedback_never_public_nor_linked(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        ff.give(org.employee, org.manager, anonymous=True, public=True)
    assert "public" in caught.value.message_dict
    assert not Feedback.objects.exists()


def test_one_anonymous_item_per_person_manager_and_quarter(org: TestOrg) -> None:
    ff.anonymous(org.employee, org.manager)

    with pytest.raises(ValidationError) as caught:
        ff.anonymous(org.employee, org.manager, "又一条")

    assert "anonymous" in caught.value.message_dict
    assert Feedback.objects.filter(anonymous=True).count() == 1
    ff.anonymous(org.peer, org.manager)  # somebody else may
    ff.anonymous(org.employee, org.head)  # and to another manager
    assert Feedback.objects.filter(anonymous=True).count() == 3


# --- requests ----------------------------------------------------------------------------


def test_asking_notifies_the_asked_person(org: TestOrg, sent: mock.MagicMock) -> None:
    request = ff.ask(org.employee, org.outsider)

    assert request.status == RequestStatus.OPEN
    assert _audit(request)[0].actor == org.employee.user
    call = sent.call_args.kwargs
    assert call["event"] == events.REQUESTED
    assert call["recipients"] == [org.outsider.user]
    assert call["params"]["requester"] == org.employee.name


@pytest.mark.parametrize(
    ("about", "due", "error_on"),
    [("", None, "about"), ("报告", dt.date(2000, 1, 1), "due_date")],
)
def test_bad_requests_are_refused(
    org: TestOrg, about: str, due: dt.date | None, error_on: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.feedback_request_create(
            actor=ff.actor(org.employee),
            requester=org.employee,
            asked=org.peer,
            about=about,
            due_date=due,
        )
    assert error_on in caught.value.message_dict
    assert not FeedbackRequest.objects.exists()


def test_answering_creates_linked_feedback_and_closes_the_request(org: TestOrg) -> None:
    request = ff.ask(org.employee, org.peer)

    feedback = services.feedback_request_answer(
        actor=ff.actor(org.peer), request=request, kind="recognition", behaviour="结构清晰"
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
    assert request.closed_at is not None
    assert feedback.request == request
    assert (feedback.giver, feedback.receiver) == (org.peer, org.employee)
    with pytest.raises(ValidationError):
        services.feedback_request_answer(
            actor=ff.actor(org.peer), request=request, kind="recognition", behaviour="再来"
        )


def test_declining_closes_the_request_once(org: TestOrg) -> None:
    request = ff.ask(org.employee, org.peer)

    services.feedback_request_decline(actor=ff.actor(org.peer), request=request, reason="不了解")

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert request.decline_reason == "不了解"
    assert [e.action for e in _audit(request)] == ["reject", "create"]
    with pytest.raises(ValidationError):
        services.feedback_request_decline(actor=ff.actor(org.peer), request=request)


# --- observations ------------------------------------------------------------------------


def test_an_observation_is_due_within_24_hours(org: TestOrg) -> None:
    seen = timezone.now() - dt.timedelta(hours=2)
    observation = ff.observe(org.manager, org.employee, observed_at=seen)

    assert observation.due_at == seen + dt.timedelta(hours=24)
    assert observation.conversation_status == "open"
    assert _audit(observation)[0].action == "create"


def test_an_observation_cannot_be_in_the_future_or_empty(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        services.observation_record(
            actor=ff.actor(org.manager),
            manager=org.manager,
            report=org.employee,
            kind="excellent",
            what="  ",
            observed_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert set(caught.value.message_dict) == {"what", "observed_at"}
    assert not Observation.objects.exists()


def test_talking_about_it_records_the_conversation(org: TestOrg) -> None:
    seen = timezone.now() - dt.timedelta(hours=30)
    observation = ff.observe(org.manager, org.employee, observed_at=seen)

    services.observation_talk(
        actor=ff.actor(org.manager),
        observation=observation,
        note="当面沟通",
        talked_at=seen + dt.timedelta(hours=3),
    )

    observation.refresh_from_db()
    assert observation.met_24h
    assert observation.conversation_status == "met"
    assert observation.talk_note == "当面沟通"
    with pytest.raises(ValidationError):
        services.observation_talk(actor=ff.actor(org.manager), observation=observation, note="x")


def test_a_conversation_cannot_predate_the_observation(org: TestOrg) -> None:
    seen = timezone.now() - dt.timedelta(hours=5)
    observation = ff.observe(org.manager, org.employee, observed_at=seen)

    with pytest.raises(ValidationError) as caught:
        services.observation_talk(
            actor=ff.actor(org.manager),
            observation=observation,
            note="x",
            talked_at=seen - dt.timedelta(hours=1),
        )
    assert "talked_at" in caught.value.message_dict
    observation.refresh_from_db()
    assert observation.talked_at is None


def test_feedback_about_an_observation_is_its_conversation(org: TestOrg) -> None:
    observation = ff.observe(org.manager, org.employee, observed_at=timezone.now())

    feedback = ff.give(org.manager, org.employee, observation=observation)

    observation.refresh_from_db()
    assert feedback.observation == observation
    assert observation.talked_at is not None
    assert observation.met_24h


def test_feedback_about_somebody_elses_observation_is_refused(org: TestOrg) -> None:
    observation = ff.observe(org.manager, org.employee, observed_at=timezone.now())

    with pytest.raises(ValidationError):
        ff.give(org.manager, org.peer, observation=observation)
    observation.refresh_from_db()
    assert observation.talked_at is None
