"""Granting and revoking roles: system admins only, audited, scopes validated."""

from collections.abc import Callable

import pytest
from django.test import Client

from pms.core.models import AuditAction, AuditEntry
from pms.org.models import GrantedRole, RoleGrant
from pms.org.tests.factories import TestOrg

URL = "/org/roles/"


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "hr_admin", "hrbp", "ceo"])
def test_refused(org: TestOrg, client_for: Callable[[str], Client], persona: str) -> None:
    client = client_for(persona)
    before = RoleGrant.objects.count()
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"user": "E0004", "role": "executive"}).status_code == 404
    grant = RoleGrant.objects.first()
    assert grant is not None
    assert client.post(f"{URL}{grant.uuid}/revoke/").status_code == 404
    assert RoleGrant.objects.count() == before


def test_list_shows_grants_with_scope(client_for: Callable[[str], Client]) -> None:
    response = client_for("sysadmin").get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "吴HRBP" in text
    assert "销售中心" in text
    assert "Whole company" in text


def test_grant_hrbp_scope_by_employee_number(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    response = client_for("sysadmin").post(
        URL,
        {"user": "E0007", "role": "hr_admin", "departments": "RND，SALES2", "reason": "新HRBP"},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=org.outsider.user, role=GrantedRole.HR_ADMIN)
    assert {d.code for d in grant.departments.all()} == {"RND", "SALES2"}
    entry = AuditEntry.objects.filter(action=AuditAction.GRANT).latest("id")
    assert entry.reason == "新HRBP"
    assert entry.actor == org.sysadmin


def test_unknown_department_or_user_changes_nothing(
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("sysadmin")
    before = RoleGrant.objects.count()
    response = client.post(URL, {"user": "E0007", "role": "hr_admin", "departments": "NOPE"})
    assert response.status_code == 200
    assert "Unknown department code: NOPE" in response.content.decode()
    response = client.post(URL, {"user": "ghost", "role": "executive"})
    assert "No active user" in response.content.decode()
    response = client.post(URL, {"user": "E0007", "role": "executive", "departments": "RND"})
    assert "Only an HR admin role has a department scope." in response.content.decode()
    assert RoleGrant.objects.count() == before


def test_revoke(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    grant = RoleGrant.objects.get(user=org.ceo.user)
    response = client_for("sysadmin").post(f"{URL}{grant.uuid}/revoke/", {"reason": "卸任"})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.REVOKE).latest("id")
    assert entry.reason == "卸任"


def test_grant_role_command(org: TestOrg) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("grant_role", "--user", "E0005", "--role", "hr_admin", "--departments", "SALES1")
    grant = RoleGrant.objects.get(user=org.peer.user)
    assert [d.code for d in grant.departments.all()] == ["SALES1"]
    entry = AuditEntry.objects.filter(action=AuditAction.GRANT).latest("id")
    assert entry.channel == "command"
    with pytest.raises(CommandError):
        call_command("grant_role", "--user", "ghost", "--role", "executive")
    with pytest.raises(CommandError):
        call_command("grant_role", "--user", "E0005", "--role", "hr_admin", "--departments", "X")
