"""The navigation shows each role what it may use, and marks the page the user is on."""

from pms.core.navigation import navigation_for
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg


def urls(org: TestOrg, persona: str, path: str = "/") -> dict[str, bool]:
    target = getattr(org, persona)
    user = getattr(target, "user", target)
    return {item.url: item.active for item in navigation_for(principal_for(user), path)}


def test_employee_sees_the_organisation_but_no_admin_pages(org: TestOrg) -> None:
    items = urls(org, "employee")
    assert {"/", "/org/", "/org/people/", "/org/positions/"} <= set(items)
    assert not {"/org/imports/", "/audit/", "/accounts/tokens/", "/org/roles/"} & set(items)


def test_hr_admin_sees_imports_and_audit(org: TestOrg) -> None:
    items = urls(org, "hr_admin")
    assert {"/org/imports/", "/audit/", "/org/role-families/"} <= set(items)
    assert "/accounts/tokens/" not in items


def test_system_admin_sees_tokens_and_roles(org: TestOrg) -> None:
    assert {"/accounts/tokens/", "/org/roles/"} <= set(urls(org, "sysadmin"))


def test_only_the_closest_entry_is_active(org: TestOrg) -> None:
    items = urls(org, "hr_admin", "/org/people/123/")
    assert [url for url, active in items.items() if active] == ["/org/people/"]
    items = urls(org, "hr_admin", "/")
    assert [url for url, active in items.items() if active] == ["/"]
