"""The notifications API: a person's own, paginated; marking read; others' are not found."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pms.comms.models import Notification
from pms.comms.notify import notify
from pms.comms.tests.factories import TEST_EVENT
from pms.org.tests.factories import TestOrg, user_of

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def test_list_is_own_paginated_and_rendered(org: TestOrg, client_for: Clients) -> None:
    for n in range(3):
        notify(event=TEST_EVENT, recipients=[user_of(org.employee)], params={"name": n})
    notify(event=TEST_EVENT, recipients=[user_of(org.peer)], params={"name": "x"})
    response = client_for("employee").get("/api/v1/notifications?page_size=2")
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["pages"], len(data["items"])) == (3, 2, 2)
    assert data["items"][0]["title"] == "Hello 2"
    assert data["items"][0]["read"] is False
    assert data["items"][0]["event"] == TEST_EVENT


def test_mark_one_and_all_read(org: TestOrg, client_for: Clients) -> None:
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)])
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)])
    notify(event=TEST_EVENT, recipients=[user_of(org.peer)])
    client = client_for("employee")
    note = Notification.objects.filter(recipient=user_of(org.employee)).first()
    assert note is not None
    response = client.post(f"/api/v1/notifications/{note.uuid}/read")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert client.post("/api/v1/notifications/read-all").json() == {"updated": 1}
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert unread["count"] == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the peer's


def test_others_notifications_are_not_found(org: TestOrg, client_for: Clients) -> None:
    notify(event=TEST_EVENT, recipients=[user_of(org.employee)])
    note = Notification.objects.get()
    response = client_for("hr_admin").post(f"/api/v1/notifications/{note.uuid}/read")
    assert response.status_code == 404
    assert response.json()["error"]["code"]
    assert client_for("hr_admin").get("/api/v1/notifications").json()["count"] == 0
    note.refresh_from_db()
    assert note.read_at is None


def test_anonymous_is_refused(org: TestOrg) -> None:
    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().post("/api/v1/notifications/read-all").status_code in {401, 403}
