"""``manage.py create_api_token``: prints the token once, stores only its hash."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from pms.accounts.models import ApiToken, hash_token
from pms.core.models import AuditAction, AuditEntry
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_creates_a_token_that_works(org: TestOrg) -> None:
    raw = _run("--user", "E0008", "--scopes", "read_org, write_actuals", "--name", "ERP")

    token = ApiToken.objects.get()
    assert token.name == "ERP"
    assert token.scopes == ["read_org", "write_actuals"]
    assert token.user == org.hr_admin.user
    assert token.key_hash == hash_token(raw)
    assert raw not in (token.key_hash, token.key_hint)
    entry = AuditEntry.objects.get(object_type="accounts.apitoken", object_id=str(token.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.channel == "command"
    assert entry.actor is None
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.json()["username"] == "E0008"


def test_name_defaults_to_something_readable(org: TestOrg) -> None:
    _run("--user", "sysadmin", "--scopes", "read_results")
    assert ApiToken.objects.get().name == "sysadmin (command line)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--scopes", "read_org"], "nobody"),
        (["--user", "E0008", "--scopes", "read_org,fly"], "fly"),
        (["--user", "E0008", "--scopes", " , "], "scope"),
    ],
)
def test_refuses_unknown_users_and_scopes(org: TestOrg, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)

    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(object_type="accounts.apitoken").exists()


def test_refuses_a_deactivated_user(org: TestOrg) -> None:
    assert org.outsider.user is not None
    org.outsider.user.is_active = False
    org.outsider.user.save(update_fields=["is_active"])

    with pytest.raises(CommandError):
        _run("--user", "E0007", "--scopes", "read_org")
    assert not ApiToken.objects.exists()
