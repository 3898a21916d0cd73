"""Role families are configurable by org admins and listed for every member."""

from collections.abc import Callable

import pytest
from django.test import Client

from pms.core.models import AuditEntry
from pms.org.models import RoleFamily
from pms.org.tests.factories import TestOrg

URL = "/org/role-families/"


def test_members_see_the_list(client_for: Callable[[str], Client]) -> None:
    response = client_for("employee").get(URL)
    assert response.status_code == 200
    assert "销售" in response.content.decode()
    assert "Add a role family" not in response.content.decode()


def test_non_members_are_refused(org: TestOrg) -> None:
    from pms.accounts.models import User

    client = Client()
    client.force_login(User.objects.create_user(username="stranger", password="x"))
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("persona", ["employee", "manager", "hrbp", "ceo"])
def test_only_org_admins_change(
    org: TestOrg, client_for: Callable[[str], Client], persona: str
) -> None:
    client = client_for(persona)
    assert client.post(URL, {"code": "rnd", "name": "研发", "sort_order": 1}).status_code == 403
    family = RoleFamily.objects.get(code="sales")
    assert client.get(f"{URL}{family.uuid}/edit/").status_code == 403
    assert not RoleFamily.objects.filter(code="rnd").exists()


def test_add_and_rename(org: TestOrg, client_for: Callable[[str], Client]) -> None:
    client = client_for("hr_admin")
    response = client.post(URL, {"code": "rnd", "name": "研发", "sort_order": 2})
    assert response.status_code == 302
    family = RoleFamily.objects.get(code="rnd")
    response = client.post(f"{URL}{family.uuid}/edit/", {"name": "研发技术", "sort_order": 3})
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.name == "研发技术"
    entries = AuditEntry.objects.filter(object_type="org.rolefamily", object_id=str(family.pk))
    assert entries.count() == 2


def test_duplicate_code_is_refused(client_for: Callable[[str], Client]) -> None:
    response = client_for("hr_admin").post(
        URL, {"code": "sales", "name": "另一个", "sort_order": 0}
    )
    assert response.status_code == 200
    assert RoleFamily.objects.filter(code="sales").count() == 1
    assert "already exists" in response.content.decode()
