"""The audit log page: company-wide HR and system admins only, filtered, bounded queries."""

from collections.abc import Callable

import pytest
from django.test import Client

from pms.core.audit import Actor
from pms.org import services
from pms.org.tests import factories
from pms.org.tests.factories import TestOrg

URL = "/audit/"


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "hrbp", "ceo"])
def test_refused(client_for: Callable[[str], Client], persona: str) -> None:
    assert client_for(persona).get(URL).status_code == 404


@pytest.mark.parametrize("persona", ["hr_admin", "sysadmin"])
def test_allowed_shows_changes(
    org: TestOrg, client_for: Callable[[str], Client], persona: str
) -> None:
    services.employee_update(
        actor=Actor(user=org.hr_admin.user),
        employee=org.employee,
        changes={"phone": "13900000000"},
        reason="员工更换手机号",
    )
    response = client_for(persona).get(URL, {"object_type": "org.employee", "actor": "周人事"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "员工更换手机号" in text
    assert "13900000000" in text
    assert len(response.context["page"].object_list) == 1


def test_query_count_does_not_grow(
    org: TestOrg, client_for: Callable[[str], Client], django_assert_max_num_queries: object
) -> None:
    client = client_for("hr_admin")
    client.get(URL)  # warm the principal and session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(40):
        factories.department(parent=org.hq)
    assert count() == small
