"""notify(): inbox rows now, one delivery per channel the person and the company keep on,
queued on commit; no duplicates by key; never breaks the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from pms.comms import services
from pms.comms.models import Delivery, DeliveryStatus, Notification
from pms.comms.notify import notify
from pms.comms.tests.factories import SYSTEM, TEST_EVENT, robot
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db


def test_creates_one_notification_per_person_and_sends_email_on_commit(
    org: TestOrg, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    people = [user_of(org.employee), user_of(org.peer), user_of(org.employee)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = notify(event=TEST_EVENT, recipients=people, params={"name": "陈", "thing": "x"})
        assert mail.outbox == []  # nothing goes out before the commit
    assert count == 2
    assert len(callbacks) == 1
    rows = Notification.objects.order_by("recipient_id")
    assert [n.recipient_id for n in rows] == sorted({p.pk for p in people})
    assert rows[0].title == "Hello 陈"
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people[:2])
    assert mail.outbox[0].subject == "Hello 陈"


def test_a_key_makes_the_call_idempotent(org: TestOrg) -> None:
    person = user_of(org.employee)
    assert notify(event=TEST_EVENT, recipients=[person], key="k1") == 1
    assert notify(event=TEST_EVENT, recipients=[person, user_of(org.peer)], key="k1") == 1
    assert notify(event=TEST_EVENT, recipients=[person], key="k2") == 1
    assert Notification.objects.filter(recipient=person).count() == 2
    # without a key every call notifies
    notify(event=TEST_EVENT, recipients=[person])
    notify(event=TEST_EVENT, recipients=[person])
    assert Notification.objects.filter(recipient=person).count() == 4


def test_inactive_missing_and_unknown_are_left_out(org: TestOrg) -> None:
    gone = user_of(org.peer)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert notify(event=TEST_EVENT, recipients=[gone, None]) == 0  # type: ignore[list-item]
    assert notify(event="comms.no_such_event", recipients=[user_of(org.employee)]) == 0
    assert not Notification.objects.exists()


def test_rolls_back_with_the_caller(org: TestOrg) -> None:
    def work() -> None:
        with transaction.atomic():
            notify(event=TEST_EVENT, recipients=[user_of(org.employee)])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        work()
    assert not Notification.objects.exists()


def test_deliveries_follow_the_person_and_the_company(org: TestOrg, webhook: Any) -> None:
    robot("dingtalk", webhook.url(), departments=[org.sales])
    robot("wecom", webhook.url("/cgi-bin/webhook/send?key=k"), departments=[org.rnd])
    person = user_of(org.employee)  # in 销售一部, under 销售中心
    services.preference_update(actor=SYSTEM, user=person, disabled=["goals:email"], language="")
    notify(event=TEST_EVENT, recipients=[person, user_of(org.outsider)])
    mine = Delivery.objects.filter(notification__recipient=person)
    assert sorted(mine.values_list("channel", flat=True)) == ["dingtalk"]
    theirs = Delivery.objects.filter(notification__recipient=user_of(org.outsider))
    assert sorted(theirs.values_list("channel", flat=True)) == ["email", "wecom"]
    services.comms_settings_update(actor=SYSTEM, changes={"email_enabled": False})
    notify(event=TEST_EVENT, recipients=[user_of(org.outsider)])
    latest = Notification.objects.filter(recipient=user_of(org.outsider)).order_by("-id")[0]
    assert list(latest.deliveries.values_list("channel", flat=True)) == ["wecom"]


def test_the_nearest_robot_serves(org: TestOrg, webhook: Any) -> None:
    company_wide = robot("dingtalk", webhook.url(), name="全公司")
    sales = robot("dingtalk", webhook.url(), name="销售中心", departments=[org.sales])
    sales1 = robot("dingtalk", webhook.url(), name="销售一部", departments=[org.sales1])
    notify(event=TEST_EVENT, recipients=[user_of(org.employee), user_of(org.other_manager)])
    notify(event=TEST_EVENT, recipients=[user_of(org.outsider)])
    by_person = dict(
        Delivery.objects.filter(channel="dingtalk").values_list(
            "notification__recipient_id", "robot_id"
        )
    )
    assert by_person == {
        user_of(org.employee).pk: sales1.pk,
        user_of(org.other_manager).pk: sales.pk,
        user_of(org.outsider).pk: company_wide.pk,
    }


def test_a_failing_notify_never_breaks_the_caller(
    org: TestOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database trouble")

    monkeypatch.setattr("pms.comms.notify._deliveries", boom)
    with transaction.atomic():
        assert notify(event=TEST_EVENT, recipients=[user_of(org.employee)]) == 0
        assert not Notification.objects.exists()  # the savepoint rolled back
