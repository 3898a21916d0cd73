"""Anonymous upward feedback: no author anywhere, whole groups of k only, shuffled."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pms.core.models import AuditEntry
from pms.feedback import events, selectors, services
from pms.feedback.anonymity import anonymity_min, released_count, window_of
from pms.feedback.models import Feedback
from pms.org.models import Employee
from pms.org.roles import principal_for
from pms.org.tests import factories as of
from pms.org.tests.factories import TestOrg

from . import factories as ff

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]
NOW = dt.datetime(2026, 5, 14, 10, 0, tzinfo=dt.UTC)


def team(org: TestOrg, size: int) -> list[Employee]:
    """``size`` reports of the manager (the persona employee and peer first)."""
    people = [org.employee, org.peer]
    people += [of.employee(dept=org.sales1, manager=org.manager) for _ in range(size - 2)]
    return people[:size]


def test_k_comes_from_the_setting_and_is_never_below_two(settings: object) -> None:
    assert anonymity_min() == 3
    settings.PMS_ANONYMITY_MIN = 5  # type: ignore[attr-defined]
    assert anonymity_min() == 5
    settings.PMS_ANONYMITY_MIN = 1  # type: ignore[attr-defined]
    assert anonymity_min() == 2
    assert [released_count(n, 3) for n in range(8)] == [0, 0, 0, 3, 3, 3, 6, 6]


def test_windows_are_quarters_in_the_company_time_zone() -> None:
    assert window_of(dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)) == "2026Q2"  # Shanghai
    assert window_of(dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)) == "2026Q1"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("written", "shown"), [(2, 0), (3, 3), (4, 3), (5, 3), (6, 6)])
def test_only_whole_groups_of_k_are_shown(org: TestOrg, written: int, shown: int) -> None:
    for n, person in enumerate(team(org, written)):
        ff.anonymous(person, org.manager, f"意见{n}")

    summary = selectors.upward_summary(principal_for(org.manager.user), org.manager)

    assert summary.shown == shown
    texts = {c.behaviour for w in summary.windows for c in w.comments}
    assert texts == {f"意见{n}" for n in range(shown)}  # the oldest first
    if shown:
        [window] = summary.windows
        assert window.constructive == shown
        assert window.recognition == 0
        assert window.label == "2026 Q2"
    else:
        assert summary.windows == []


def test_quarters_count_separately(org: TestOrg) -> None:
    people = team(org, 4)
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False):
        for person in people[:2]:
            ff.anonymous(person, org.manager)
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), tick=False):
        for person in people[2:]:
            ff.anonymous(person, org.manager)

    summary = selectors.upward_summary(principal_for(org.manager.user), org.manager)

    assert summary.shown == 0  # 2 + 2 is not 3 in one quarter


@time_machine.travel(NOW, tick=False)
def test_comments_are_shuffled(org: TestOrg) -> None:
    for n, person in enumerate(team(org, 3)):
        ff.anonymous(person, org.manager, f"意见{n}")
    shuffler = mock.MagicMock()
    shuffler.shuffle.side_effect = lambda items: items.reverse()

    with mock.patch("pms.feedback.selectors.random.SystemRandom", return_value=shuffler):
        summary = selectors.upward_summary(principal_for(org.manager.user), org.manager)

    shuffler.shuffle.assert_called()
    assert [c.behaviour for c in summary.windows[0].comments] == ["意见2", "意见1", "意见0"]


@time_machine.travel(NOW, tick=False)
def test_the_author_appears_nowhere(
    org: TestOrg, client_for: ClientFor, sent: mock.MagicMock
) -> None:
    """Page, fragment, API, audit log and notifications: no name, number or id of the
    authors of anonymous feedback."""
    for n, person in enumerate(team(org, 3)):
        ff.anonymous(person, org.manager, f"匿名意见{n}")
    services.anonymous_release(timezone.now())
    authors = [org.employee, org.peer, *Employee.objects.filter(manager=org.manager)]
    secrets = {
        text
        for person in authors
        for text in (person.name, person.number, str(person.uuid), person.user.username)  # type: ignore[union-attr]
    }

    page = client_for("manager").get(reverse("feedback:upward")).text
    hr_page = client_for("hrbp").get(reverse("feedback:upward_of", args=[org.manager.uuid])).text
    api = json.dumps(
        json.loads(client_for("manager").get("/api/v1/feedback/upward").content),
        ensure_ascii=False,
    )
    audit = json.dumps(
        [
            [e.actor_id, e.actor_label, e.object_repr, e.before, e.after, e.reason]
            for e in AuditEntry.objects.filter(object_type="feedback.feedback")
        ],
        ensure_ascii=False,
    )
    notifications = json.dumps([repr(c) for c in sent.call_args_list], ensure_ascii=False)

    assert "匿名意见0" in page
    assert "匿名意见0" in hr_page
    assert "匿名意见0" in api
    for text in secrets:
        for where in (page, hr_page, api, audit, notifications):
            assert text not in where
    assert not Feedback.objects.filter(anonymous=True, giver__isnull=False).exists()
    assert set(
        AuditEntry.objects.filter(object_type="feedback.feedback").values_list("actor", "channel")
    ) == {(None, "system")}


@time_machine.travel(NOW, tick=False)
def test_the_author_cannot_read_it_back(org: TestOrg, client_for: ClientFor) -> None:
    ff.anonymous(org.employee, org.manager, "只有汇总可见")
    client = client_for("employee")

    assert "只有汇总可见" not in client.get(reverse("feedback:mine") + "?tab=given").text
    assert json.loads(client.get("/api/v1/feedback/given").content)["count"] == 0


@time_machine.travel(NOW, tick=False)
def test_release_audits_once_and_announces_each_new_group_once(
    org: TestOrg, sent: mock.MagicMock
) -> None:
    people = team(org, 4)
    for person in people[:2]:
        ff.anonymous(person, org.manager)

    assert services.anonymous_release(timezone.now()) == 0
    assert AuditEntry.objects.filter(object_type="feedback.feedback").count() == 2
    sent.assert_not_called()

    for person in people[2:]:
        ff.anonymous(person, org.manager)
    services.anonymous_release(timezone.now())
    services.anonymous_release(timezone.now())  # twice: nothing new audited

    assert AuditEntry.objects.filter(object_type="feedback.feedback").count() == 4
    assert not Feedback.objects.filter(audited=False).exists()
    keys = {c.kwargs["key"] for c in sent.call_args_list}
    assert keys == {f"upward:{org.manager.uuid}:2026Q2:3"}  # notify's key keeps it to one
    call = sent.call_args.kwargs
    assert call["event"] == events.UPWARD_THRESHOLD
    assert call["params"] == {}
    assert call["recipients"] == [org.manager.user]


@time_machine.travel(NOW, tick=False)
def test_no_feedback_received_notification_for_anonymous_items(
    org: TestOrg, sent: mock.MagicMock
) -> None:
    ff.anonymous(org.employee, org.manager)

    assert not [c for c in sent.call_args_list if c.kwargs["event"] == events.RECEIVED]
