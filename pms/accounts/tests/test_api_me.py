"""/api/v1/me: who the caller is, by session or token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pms.accounts.models import TokenScope
from pms.core.tests.test_api_support import assert_error, token_client
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def test_me_by_session(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    response = client_for("manager").get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "E0003"
    assert body["name"] == "张经理"
    assert body["roles"] == ["employee", "manager"]
    assert body["token_scopes"] is None
    assert body["employee"]["uuid"] == str(org.manager.uuid)
    assert body["employee"]["department"]["code"] == "SALES1"
    assert body["employee"]["manager"]["number"] == "E0002"


def test_me_by_token_shows_its_scopes(org: TestOrg) -> None:
    client = token_client(org.hrbp, TokenScope.WRITE_ACTUALS, TokenScope.READ_ORG)

    body = client.get("/api/v1/me").json()

    assert body["roles"] == ["employee", "hrbp"]
    assert body["token_scopes"] == ["read_org", "write_actuals"]


def test_me_for_an_account_without_an_employee(client_for: Callable[[str], Client]) -> None:
    body = client_for("sysadmin").get("/api/v1/me").json()

    assert body["employee"] is None
    assert body["roles"] == ["system_admin"]


def test_me_needs_credentials(client: Client) -> None:
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
