"""Sending by chat robots and e-mail: each platform's format and signature checked against
a local HTTP server, retries after a failure, nothing sent twice, the recipient's language."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from pms.comms import services
from pms.comms.models import Delivery, DeliveryStatus
from pms.comms.notify import notify
from pms.comms.sending import MAX_ATTEMPTS, deliveries_retry, delivery_send
from pms.comms.tasks import deliver_notification
from pms.comms.tests.factories import SYSTEM, TEST_EVENT, robot
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_only() -> None:
    services.comms_settings_update(
        actor=SYSTEM, changes={"email_enabled": False, "site_url": "https://pms.example.com"}
    )


def _notify(org: TestOrg, capture: Callable[..., Any], **kw: Any) -> None:
    with capture(execute=True):
        notify(
            event=TEST_EVENT,
            recipients=[user_of(org.employee)],
            params={"name": "陈员工", "thing": "目标"},
            url="/goals/my/",
            **kw,
        )


def test_dingtalk_markdown_signed_and_mentioning_by_mobile(
    org: TestOrg, webhook: Any, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("dingtalk", webhook.url(), secret="SEC123")
    _notify(org, django_capture_on_commit_callbacks)
    assert len(webhook.received) == 1
    call = webhook.received[0]
    assert call.path == "/robot/send"
    assert call.query["access_token"] == ["t0k3n"]
    timestamp = call.query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest()
    ).decode()
    assert call.query["sign"] == [expected]
    body = call.body
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "Hello 陈员工"
    assert "Something happened to 目标." in body["markdown"]["text"]
    assert "https://pms.example.com/goals/my/" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == [org.employee.phone]
    assert f"@{org.employee.phone}" in body["markdown"]["text"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert delivery.sent_at is not None


def test_wecom_text_mentions_by_mobile(
    org: TestOrg, webhook: Any, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("wecom", webhook.url("/cgi-bin/webhook/send?key=abc"))
    _notify(org, django_capture_on_commit_callbacks)
    call = webhook.received[0]
    assert call.query == {"key": ["abc"]}
    assert call.body["msgtype"] == "text"
    assert call.body["text"]["content"].startswith("Hello 陈员工\nSomething happened to 目标.")
    assert call.body["text"]["mentioned_mobile_list"] == [org.employee.phone]


def test_feishu_post_signed_in_the_body(
    org: TestOrg, webhook: Any, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("feishu", webhook.url("/open-apis/bot/v2/hook/xyz"), secret="fs-secret")
    webhook.answers.append((200, {"code": 0, "msg": "success"}))
    _notify(org, django_capture_on_commit_callbacks)
    body = webhook.received[0].body
    key = f"{body['timestamp']}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["en_us"]
    assert post["title"] == "Hello 陈员工"
    assert post["content"][0] == [{"tag": "text", "text": "Something happened to 目标."}]
    assert post["content"][1][0]["href"] == "https://pms.example.com/goals/my/"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_500_is_retried_later_then_sent_once(
    org: TestOrg, webhook: Any, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("dingtalk", webhook.url())
    webhook.answers.append((500, {"errmsg": "busy"}))
    _notify(org, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at is not None
    # not due yet: the periodic job and a stray task leave it alone
    assert deliveries_retry(timezone.now()) == 0
    deliver_notification.enqueue(delivery.pk)
    assert len(webhook.received) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert deliveries_retry(timezone.now()) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT,
        2,
        "",
    )
    assert len(webhook.received) == 2
    # sent is final: neither the job nor the task sends it again
    assert deliveries_retry(timezone.now() + timedelta(days=1)) == 0
    assert delivery_send(delivery_id=delivery.pk) == "not due"
    assert len(webhook.received) == 2


def test_a_platform_refusal_counts_as_failure_and_attempts_stop(
    org: TestOrg, webhook: Any, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("dingtalk", webhook.url())
    webhook.answers.extend([(200, {"errcode": 310000, "errmsg": "sign not match"})] * 10)
    _notify(org, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.last_error == "errcode 310000: sign not match"
    now = timezone.now()
    for minutes in (10, 60, 240, 600, 1200):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            deliveries_retry(timezone.now())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert len(webhook.received) == MAX_ATTEMPTS


def test_an_unreachable_robot_fails_without_breaking_anything(
    org: TestOrg, chat_only: None, django_capture_on_commit_callbacks: Any
) -> None:
    robot("dingtalk", "http://127.0.0.1:9/robot/send?access_token=x")
    _notify(org, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("network:")


def test_a_channel_switched_off_after_notify_is_skipped(
    org: TestOrg, webhook: Any, chat_only: None
) -> None:
    robot("dingtalk", webhook.url())
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)])  # not committed: not sent
    services.comms_settings_update(actor=SYSTEM, changes={"dingtalk_enabled": False})
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SKIPPED
    assert webhook.received == []


def test_messages_are_written_in_the_recipients_language(
    org: TestOrg, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils.translation import gettext_lazy

    from pms.comms.events import register_event

    register_event("comms.test_language", title=gettext_lazy("Goals"), body="", category="goals")
    english = user_of(org.peer)
    services.preference_update(actor=SYSTEM, user=english, disabled=[], language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="comms.test_language", recipients=[user_of(org.employee), english])
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {user_of(org.employee).email: "目标", english.email: "Goals"}


def test_a_backend_that_defers_gets_the_retry_queued(
    org: TestOrg, webhook: Any, chat_only: None, settings: Any
) -> None:
    robot("dingtalk", webhook.url())
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)])
    delivery = Delivery.objects.get()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    webhook.answers.append((503, {}))
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.args == [delivery.pk]
    assert queued.task.run_after == delivery.next_attempt_at
