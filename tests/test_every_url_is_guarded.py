"""A net under the per-page tests: every URL the project serves refuses a visitor who is not
signed in, except the few that are public by design (sign-in, password reset, health,
language switch, the API description)."""

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pms.org.tests.factories import TestOrg

PUBLIC = {
    "healthz",
    "set_language",
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:logout",
}
# A fixed id: parallel test workers must collect the same test names.
SAMPLE_UUID = "00000000-0000-4000-8000-000000000001"
SAMPLE_ARGS = {"uuid": SAMPLE_UUID, "kind": "employees", "fmt": "xlsx"}


def _patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _patterns(entry, prefix + str(entry.pattern), full_ns)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield name, prefix + str(entry.pattern), entry


def _url(route: str) -> str:
    import re

    def fill(match: re.Match[str]) -> str:
        return SAMPLE_ARGS.get(match.group(2), "x")

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path.lstrip("/")


PAGES = sorted(
    {
        (name, _url(route))
        for name, route, _ in _patterns(get_resolver())
        if name not in PUBLIC
        and not route.startswith("api/")
        and not name.startswith("api")
        and "(?P" not in route
    }
)


@pytest.mark.parametrize(("name", "url"), PAGES)
def test_pages_refuse_anonymous_visitors(org: TestOrg, name: str, url: str) -> None:
    client = Client()
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in {302, 404, 405}, (name, url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), (name, url)


def test_the_list_of_pages_is_not_empty() -> None:
    names = {name for name, _ in PAGES}
    assert {"core:home", "org:directory", "org:imports", "accounts:tokens"} <= names


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/departments",
        "/api/v1/positions",
        "/api/v1/employees",
        f"/api/v1/employees/{SAMPLE_UUID}",
    ],
)
def test_api_refuses_anonymous_callers(org: TestOrg, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"]
