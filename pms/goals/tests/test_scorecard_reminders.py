"""Reminders to those behind: who is written to for each state, one e-mail per recipient,
sent on commit, remembered (reminded_at, audit) and not repeated the same day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Period, Scorecard, SignerRole
from pms.goals.services import reminders
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
Capture = Callable[..., Any]


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def _to(person: Employee) -> list[str]:
    return [m.body for m in mail.outbox if m.to == [person.email]]


def _remind(capture: Capture, hr: Actor, cards: list[Scorecard]) -> reminders.RemindResult:
    with capture(execute=True):
        return reminders.scorecards_remind(
            actor=hr, scorecards=cards, base_url="https://pms.example.com"
        )


@time_machine.travel(NOW, tick=False)
def test_a_draft_reminds_the_person_with_a_link(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    card = factories.scorecard(org.employee, period)

    result = _remind(django_capture_on_commit_callbacks, hr, [card])

    assert (result.reminded, result.emails) == (1, 1)
    [message] = mail.outbox
    assert message.to == [org.employee.email]
    assert message.subject == "Goals waiting for you"
    assert f"https://pms.example.com/goals/scorecards/{card.uuid}/" in message.body
    assert "not submitted yet" in message.body
    card.refresh_from_db()
    assert card.reminded_at == NOW
    [entry] = AuditEntry.objects.filter(object_id=str(card.pk), action=AuditAction.REMIND)
    assert entry.after == {"status": "draft", "to": ["E0004"]}
    assert entry.actor == org.hr_admin.user


@time_machine.travel(NOW, tick=False)
def test_a_submitted_scorecard_reminds_the_manager_once_for_all_reports(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    cards = [factories.complete_scorecard(p, period) for p in (org.employee, org.peer)]
    for card in cards:
        services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)

    result = _remind(django_capture_on_commit_callbacks, hr, cards)

    assert (result.reminded, result.emails) == (2, 1)
    [body] = _to(org.manager)
    assert "陈员工" in body
    assert "刘同事" in body
    assert "awaits your approval" in body
    assert not _to(org.employee)


@time_machine.travel(NOW, tick=False)
def test_an_approved_letter_reminds_whoever_has_not_signed(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    both = factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    one = factories.agreed_scorecard(org.peer, period, Actor(user=org.manager.user))
    services.scorecard_sign(
        actor=Actor(user=org.peer.user), scorecard=one, role=SignerRole.EMPLOYEE
    )

    _remind(django_capture_on_commit_callbacks, hr, [both, one])

    assert len(_to(org.employee)) == 1
    assert "sign your target responsibility letter" in _to(org.employee)[0]
    assert not _to(org.peer)
    [manager_mail] = _to(org.manager)
    assert "陈员工" in manager_mail
    assert "刘同事" in manager_mail


@time_machine.travel(NOW, tick=False)
def test_a_signed_scorecard_waits_for_nobody(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    card = factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    services.scorecard_sign(
        actor=Actor(user=org.employee.user), scorecard=card, role=SignerRole.EMPLOYEE
    )
    services.scorecard_sign(
        actor=Actor(user=org.manager.user), scorecard=card, role=SignerRole.MANAGER
    )

    result = _remind(django_capture_on_commit_callbacks, hr, [card])

    assert (result.reminded, result.emails) == (0, 0)
    assert not mail.outbox
    assert not AuditEntry.objects.filter(action=AuditAction.REMIND).exists()


def test_nobody_is_reminded_twice_the_same_day(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    card = factories.scorecard(org.employee, period)

    with time_machine.travel(NOW, tick=False):
        _remind(django_capture_on_commit_callbacks, hr, [card])
    with time_machine.travel(NOW + dt.timedelta(hours=5), tick=False):
        again = _remind(django_capture_on_commit_callbacks, hr, [card])
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        next_day = _remind(django_capture_on_commit_callbacks, hr, [card])

    assert (again.reminded, again.already_today, again.emails) == (0, 1, 0)
    assert next_day.reminded == 1
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action=AuditAction.REMIND).count() == 2


@time_machine.travel(NOW, tick=False)
def test_mail_leaves_only_when_the_transaction_commits(
    org: TestOrg, period: Period, hr: Actor
) -> None:
    card = factories.scorecard(org.employee, period)

    reminders.scorecards_remind(actor=hr, scorecards=[card])

    assert not mail.outbox  # the test's transaction never commits


@time_machine.travel(NOW, tick=False)
def test_someone_without_an_address_is_counted(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    Employee.objects.filter(pk=org.employee.pk).update(email="")
    type(org.employee.user).objects.filter(pk=org.employee.user.pk).update(email="")  # type: ignore[union-attr]
    card = factories.scorecard(org.employee, period)

    result = _remind(django_capture_on_commit_callbacks, hr, [card])

    assert (result.reminded, result.no_address, result.emails) == (0, 1, 0)
    card.refresh_from_db()
    assert card.reminded_at is None


@time_machine.travel(NOW, tick=False)
def test_people_without_a_scorecard_and_their_managers_are_reminded(
    org: TestOrg, period: Period, hr: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    factories.scorecard(org.employee, period)  # has one: left to scorecards_remind

    with django_capture_on_commit_callbacks(execute=True):
        result = reminders.people_remind(
            actor=hr, employees=[org.employee, org.peer], period=period
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = reminders.people_remind(actor=hr, employees=[org.peer], period=period)

    assert (result.reminded, result.emails) == (1, 2)
    assert "no scorecard for 2026年度" in _to(org.peer)[0]
    assert "刘同事 has no scorecard" in _to(org.manager)[0]
    assert not _to(org.employee)
    [entry] = AuditEntry.objects.filter(object_type="org.employee", action=AuditAction.REMIND)
    assert entry.object_id == str(org.peer.pk)
    assert entry.after["to"] == ["E0005", "E0003"]
    assert (again.reminded, again.already_today) == (0, 1)
