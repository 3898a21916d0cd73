"""Helpers for the API tests (no tests here): a client holding a bearer token, and the
one error shape."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

from pms.accounts.models import User
from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Employee


def user_of(target: Employee | User) -> User:
    if isinstance(target, User):
        return target
    assert target.user is not None
    return target.user


def token_client(target: Employee | User, *scopes: str, **client_options: Any) -> Client:
    _, raw = api_token_create(
        actor=Actor.system(), user=user_of(target), name="test", scopes=list(scopes)
    )
    return Client(headers={"Authorization": f"Bearer {raw}"}, **client_options)


def assert_error(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape with this status and code; returns its body."""
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def api_audit(instance: Any) -> list[AuditEntry]:
    """Audit rows written through the API for this object."""
    return list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk), channel="api"
        )
    )
