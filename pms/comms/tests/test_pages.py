"""The inbox, marking read (with HTMX), the header badge, a person's settings, and HR's
channels and robots — each with the people who must be refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from pms.comms.models import ChatRobot, CommsSettings, Notification, NotificationPreference
from pms.comms.notify import notify
from pms.comms.tests.factories import TEST_EVENT, robot
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def _notes(org: TestOrg, count: int, persona: str = "employee", **kw: Any) -> None:
    target = getattr(org, persona)
    user = getattr(target, "user", target)
    for n in range(count):
        notify(event=TEST_EVENT, recipients=[user], params={"name": f"n{n}", "thing": "t"}, **kw)


def test_inbox_lists_own_notifications_unread_first(org: TestOrg, client_for: Clients) -> None:
    _notes(org, 3)
    _notes(org, 1, "peer")
    first = Notification.objects.filter(recipient=user_of(org.employee)).order_by("id").first()
    assert first is not None
    client_for("employee").post(f"/notifications/{first.uuid}/read/")
    response = client_for("employee").get("/notifications/")
    assert response.status_code == 200
    titles = [n.title for n in response.context["page"].object_list]
    assert titles == ["Hello n2", "Hello n1", "Hello n0"]
    assert response.context["unread_count"] == 2
    assert 'id="unread-badge"' in response.content.decode()
    unread = client_for("employee").get("/notifications/?unread=1")
    assert [n.title for n in unread.context["page"].object_list] == ["Hello n2", "Hello n1"]


def test_inbox_needs_a_sign_in(org: TestOrg) -> None:
    response = Client().get("/notifications/")
    assert response.status_code == 302


@pytest.mark.parametrize("size", [2, 12])
def test_inbox_queries_do_not_grow(
    org: TestOrg, client_for: Clients, django_assert_num_queries: Any, size: int
) -> None:
    _notes(org, size)
    client = client_for("employee")
    # session, user, principal (4), unread count (page and badge share it), page count + rows,
    # and the menu's one question whether a plain employee sits in a calibration session
    with django_assert_num_queries(10):
        response = client.get("/notifications/")
    assert len(response.context["page"].object_list) == size


def test_mark_read_with_htmx_answers_the_item_and_the_badge(
    org: TestOrg, client_for: Clients
) -> None:
    _notes(org, 2)
    note = Notification.objects.filter(recipient=user_of(org.employee)).first()
    assert note is not None
    response = client_for("employee").post(
        f"/notifications/{note.uuid}/read/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="n-{note.uuid}"' in html
    assert 'hx-swap-oob="true"' in html
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_marks_or_opens_anothers_notification(org: TestOrg, client_for: Clients) -> None:
    _notes(org, 1)
    note = Notification.objects.get()
    for persona in ("peer", "manager", "hr_admin", "sysadmin"):
        client = client_for(persona)
        assert client.post(f"/notifications/{note.uuid}/read/").status_code == 404
        assert client.get(f"/notifications/{note.uuid}/open/").status_code == 404
    assert client_for("employee").get("/notifications/not-a-uuid/open/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_open_follows_the_link_and_marks_read(org: TestOrg, client_for: Clients) -> None:
    _notes(org, 1, url="/goals/my/")
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)], url="https://evil.example/")
    local, foreign = Notification.objects.order_by("id")
    client = client_for("employee")
    assert client.get(f"/notifications/{local.uuid}/open/")["Location"] == "/goals/my/"
    assert client.get(f"/notifications/{foreign.uuid}/open/")["Location"] == "/notifications/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_mark_all_read_only_touches_own(org: TestOrg, client_for: Clients) -> None:
    _notes(org, 3)
    _notes(org, 1, "peer")
    response = client_for("employee").post("/notifications/read-all/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="inbox-list"' in response.content.decode()
    assert not Notification.objects.filter(
        recipient=user_of(org.employee), read_at__isnull=True
    ).exists()
    assert Notification.objects.filter(recipient=user_of(org.peer), read_at__isnull=True).exists()
    assert client_for("employee").post("/notifications/read-all/").status_code == 302
    assert Client().post("/notifications/read-all/").status_code == 302  # to sign in


def test_a_person_switches_channels_and_language(org: TestOrg, client_for: Clients) -> None:
    client = client_for("employee")
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    assert "on__goals__email" in page.context["form"].fields
    response = client.post(
        "/notifications/settings/", {"on__goals__dingtalk": "on", "language": "en"}
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user_of(org.employee))
    assert preference.language == "en"
    assert "goals:email" in preference.disabled
    assert "goals:dingtalk" not in preference.disabled
    assert AuditEntry.objects.filter(object_type="comms.notificationpreference").exists()
    bad = client.post("/notifications/settings/", {"language": "xx"})
    assert bad.status_code == 200
    assert bad.context["form"].errors
    assert NotificationPreference.objects.get(user=user_of(org.employee)).language == "en"


HR_PAGES = ("/notifications/channels/", "/notifications/robots/new/")


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp", "ceo", "committee"])
def test_channels_and_robots_do_not_exist_for_others(
    org: TestOrg, client_for: Clients, persona: str, webhook: Any
) -> None:
    bot = robot("dingtalk", webhook.url())
    client = client_for(persona)
    for url in HR_PAGES:
        assert client.get(url).status_code == 404
    assert client.post("/notifications/channels/", {"email_enabled": ""}).status_code == 404
    assert client.get(f"/notifications/robots/{bot.uuid}/").status_code == 404
    assert client.post(f"/notifications/robots/{bot.uuid}/test/").status_code == 404
    assert client.post(f"/notifications/robots/{bot.uuid}/delete/").status_code == 404
    assert ChatRobot.objects.filter(pk=bot.pk).exists()
    assert webhook.received == []


@pytest.mark.parametrize("persona", ["hr_admin", "sysadmin"])
def test_hr_keeps_the_company_switches(org: TestOrg, client_for: Clients, persona: str) -> None:
    client = client_for(persona)
    assert client.get("/notifications/channels/").status_code == 200
    response = client.post(
        "/notifications/channels/",
        {"email_enabled": "on", "feishu_enabled": "on", "site_url": "https://pms.example.com"},
    )
    assert response.status_code == 302
    current = CommsSettings.objects.get()
    assert (current.email_enabled, current.dingtalk_enabled, current.feishu_enabled) == (
        True,
        False,
        True,
    )
    assert current.site_url == "https://pms.example.com"
    bad = client.post("/notifications/channels/", {"site_url": "not a url"})
    assert bad.status_code == 200
    assert bad.context["form"].errors


def test_hr_adds_tests_changes_and_removes_a_robot(
    org: TestOrg, client_for: Clients, webhook: Any
) -> None:
    client = client_for("hr_admin")
    response = client.post(
        "/notifications/robots/new/",
        {
            "channel": "dingtalk",
            "name": "销售群",
            "webhook_url": webhook.url(),
            "secret": "s3cr3t-XYZ",
            "enabled": "on",
            "departments": [str(org.sales.uuid)],
        },
    )
    assert response.status_code == 302
    bot = ChatRobot.objects.get()
    assert (bot.secret, list(bot.departments.all())) == ("s3cr3t-XYZ", [org.sales])
    entry = AuditEntry.objects.get(object_type="comms.chatrobot")
    assert "s3cr3t-XYZ" not in str(entry.after)
    assert webhook.url() not in str(entry.after)

    tested = client.post(f"/notifications/robots/{bot.uuid}/test/", HTTP_HX_REQUEST="true")
    assert tested.status_code == 200
    assert "Test message sent." in tested.content.decode()
    assert webhook.received[0].body["msgtype"] == "markdown"
    assert "sign" in webhook.received[0].query

    webhook.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
    failed = client.post(f"/notifications/robots/{bot.uuid}/test/", HTTP_HX_REQUEST="true")
    assert "sign not match" in failed.content.decode()

    page = client.get(f"/notifications/robots/{bot.uuid}/")
    assert page.status_code == 200
    assert "s3cr3t-XYZ" not in page.content.decode()  # the secret is never shown again
    changed = client.post(
        f"/notifications/robots/{bot.uuid}/",
        {"channel": "dingtalk", "name": "销售中心群", "webhook_url": webhook.url(), "secret": ""},
    )
    assert changed.status_code == 302
    bot.refresh_from_db()
    assert (bot.name, bot.secret, bot.enabled) == ("销售中心群", "s3cr3t-XYZ", False)
    assert list(bot.departments.all()) == []

    bad = client.post(
        "/notifications/robots/new/",
        {"channel": "wecom", "name": "x", "webhook_url": webhook.url("/no-key")},
    )
    assert bad.status_code == 200
    assert "webhook_url" in bad.context["form"].errors

    assert client.post(f"/notifications/robots/{bot.uuid}/delete/").status_code == 302
    assert not ChatRobot.objects.exists()
    assert AuditEntry.objects.filter(object_type="comms.chatrobot", action="delete").exists()


def test_every_page_has_the_badge_which_loads_its_count(
    org: TestOrg, client_for: Clients, django_assert_num_queries: Any
) -> None:
    _notes(org, 3)
    client = client_for("employee")
    html = client.get("/").content.decode()
    assert 'id="unread-badge"' in html
    assert 'hx-get="/notifications/badge/"' in html
    # session, user, principal (4), the count
    with django_assert_num_queries(7):
        badge = client.get("/notifications/badge/")
    assert "Notifications: 3 unread" in badge.content.decode()
    assert Client().get("/notifications/badge/").status_code == 404
    assert 'id="unread-badge"' not in Client().get("/accounts/login/").content.decode()
