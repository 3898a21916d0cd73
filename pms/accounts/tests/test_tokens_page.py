"""API tokens in the UI: system admins only; the raw token is shown once, only a hash kept."""

from collections.abc import Callable

import pytest
from django.test import Client

from pms.accounts.models import ApiToken, hash_token
from pms.core.models import AuditAction, AuditEntry
from pms.org.tests.factories import TestOrg

URL = "/accounts/tokens/"


@pytest.mark.parametrize("persona", ["employee", "manager", "hr_admin", "ceo"])
def test_refused_for_non_admins(client_for: Callable[[str], Client], persona: str) -> None:
    client = client_for(persona)
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"name": "x", "username": "E0004", "scopes": ["read_org"]})
    assert response.status_code == 404
    assert not ApiToken.objects.exists()


def test_create_shows_token_once_and_stores_hash(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    client = client_for("sysadmin")
    response = client.post(
        URL, {"name": "ERP 同步", "username": "E0008", "scopes": ["read_org", "write_actuals"]}
    )
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("pms_")
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw)
    assert raw not in str(token.__dict__)
    assert token.scopes == ["read_org", "write_actuals"]
    assert token.user == org.hr_admin.user
    entry = AuditEntry.objects.get(object_type="accounts.apitoken")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == org.sysadmin
    # shown once: the list page no longer has it
    assert raw not in client.get(URL).content.decode()


def test_bad_input_creates_nothing(client_for: Callable[[str], Client]) -> None:
    response = client_for("sysadmin").post(URL, {"name": "x", "username": "nobody"})
    assert response.status_code == 200
    assert "No active user" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    client = client_for("sysadmin")
    client.post(URL, {"name": "ERP", "username": "E0008", "scopes": ["read_org"]})
    token = ApiToken.objects.get()
    # refused for others
    assert client_for("hr_admin").post(f"{URL}{token.uuid}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active
    # allowed for the admin
    response = client.post(f"{URL}{token.uuid}/revoke/", {"reason": "系统下线"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
    entry = AuditEntry.objects.filter(action=AuditAction.REVOKE).get()
    assert entry.reason == "系统下线"
