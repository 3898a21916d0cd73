"""notify() to many people: a fixed number of queries whatever their number, the same
notifications and deliveries as one by one, deliveries queued in chunks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from pms.accounts.models import User
from pms.comms import sending, services, tasks
from pms.comms.models import Delivery, DeliveryStatus, Notification
from pms.comms.notify import notify
from pms.comms.tests.factories import SYSTEM, TEST_EVENT, robot
from pms.org.models import Department
from pms.org.tests.factories import TestOrg, employee, user_of

pytestmark = pytest.mark.django_db


def _people(org: TestOrg, count: int, *, switched_off: dict[int, list[str]]) -> list[User]:
    """``count`` new people spread over three departments; every third switched e-mail
    off for the test event's category, every fifth DingTalk (noted in ``switched_off``)."""
    places: list[Department] = [org.sales1, org.sales2, org.rnd]
    users = []
    for index in range(count):
        user = user_of(employee(dept=places[index % 3]))
        disabled = [
            name
            for name, off in (("goals:email", index % 3 == 0), ("goals:dingtalk", index % 5 == 0))
            if off
        ]
        if disabled:
            services.preference_update(actor=SYSTEM, user=user, disabled=disabled, language="")
        switched_off[user.pk] = disabled
        users.append(user)
    return users


def _queries(work: Callable[[], Any], capture: Callable[..., Any]) -> int:
    """Queries of ``work`` and of what it queues on commit."""
    with CaptureQueriesContext(connection) as captured, capture(execute=True):
        work()
    return len(captured.captured_queries)


def test_the_queries_do_not_grow_with_the_recipients(
    org: TestOrg,
    webhook: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # deliveries queued in the database, as in production (sent later by the worker)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # given robots for parts of the company and people with their own preferences
    robot("dingtalk", webhook.url(), name="全公司")
    robot("dingtalk", webhook.url(), name="销售中心", departments=[org.sales])
    robot("wecom", webhook.url("/cgi-bin/webhook/send?key=k"), departments=[org.rnd])
    off: dict[int, list[str]] = {}
    few, many = _people(org, 5, switched_off=off), _people(org, 40, switched_off=off)
    # when both groups are told
    capture = django_capture_on_commit_callbacks
    small = _queries(lambda: notify(event=TEST_EVENT, recipients=few, key="k"), capture)
    large = _queries(lambda: notify(event=TEST_EVENT, recipients=many, key="k"), capture)
    # then the number of queries is the same
    assert small == large
    assert Notification.objects.count() == 45
    assert DBTaskResult.objects.count() == 2  # one chunk of deliveries each time
    # and each person's deliveries follow their preferences and department
    for user in few + many:
        expected = {"email", "dingtalk"} - {name.split(":")[1] for name in off[user.pk]}
        if user.employee.department_id == org.rnd.pk:
            expected.add("wecom")
        rows = Delivery.objects.filter(notification__recipient=user)
        assert set(rows.values_list("channel", flat=True)) == expected
        robots = dict(rows.exclude(channel="email").values_list("channel", "robot__name"))
        if "dingtalk" in expected:
            in_sales = user.employee.department_id != org.rnd.pk
            assert robots["dingtalk"] == ("销售中心" if in_sales else "全公司")


def test_running_again_sends_nothing_twice(
    org: TestOrg, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    people = _people(org, 12, switched_off={})
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(event=TEST_EVENT, recipients=people[:8], key="once") == 8
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(event=TEST_EVENT, recipients=people, key="once") == 4
        assert notify(event=TEST_EVENT, recipients=people, key="once") == 0
    assert Notification.objects.count() == 12
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        p.pk for p in people
    }
    emails = Delivery.objects.filter(channel="email")
    assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # every e-mail went out once, to its person
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        emails.values_list("notification__recipient__email", flat=True)
    )


def test_deliveries_are_queued_in_chunks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    tasks.enqueue_deliveries(range(1, tasks.CHUNK * 2 + 51))
    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [len(result.args[0]) for result in queued] == [tasks.CHUNK, tasks.CHUNK, 50]
    assert [i for result in queued for i in result.args[0]] == list(range(1, tasks.CHUNK * 2 + 51))


def test_one_broken_delivery_does_not_stop_its_chunk(
    org: TestOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    notify(event=TEST_EVENT, recipients=[user_of(employee(dept=org.rnd)) for _ in range(4)])
    ids = sorted(Delivery.objects.values_list("pk", flat=True))
    real = sending.delivery_send

    def flaky(*, delivery_id: int) -> str:
        if delivery_id == ids[0]:
            raise RuntimeError("database trouble")
        return real(delivery_id=delivery_id)

    monkeypatch.setattr(sending, "delivery_send", flaky)
    outcome = tasks.deliver_notifications.call(ids)
    assert outcome == {"error": 1, DeliveryStatus.SENT: len(ids) - 1}
    assert Delivery.objects.get(pk=ids[0]).status == DeliveryStatus.PENDING
