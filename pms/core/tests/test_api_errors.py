"""The API's shared behaviour: authentication, scopes, the error shape, docs without a CDN."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client, RequestFactory

from config.api import api
from pms.accounts.models import ApiToken, TokenScope, hash_token
from pms.accounts.services import api_token_create, api_token_revoke
from pms.core.audit import Actor
from pms.core.tests.test_api_support import assert_error, token_client
from pms.org.models import Department
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def test_no_credentials_is_401(client: Client) -> None:
    assert_error(client.get("/api/v1/departments"), 401, "not_authenticated")
    assert_error(client.post("/api/v1/departments", {}), 401, "not_authenticated")


def test_unknown_or_malformed_token_is_401(org: TestOrg) -> None:
    for header in ("Bearer pms_nope", "Bearer ", "Basic abc", "Bearer x y"):
        response = Client(headers={"Authorization": header}).get("/api/v1/departments")
        assert_error(response, 401, "not_authenticated")


def test_revoked_token_is_401(org: TestOrg) -> None:
    assert org.hr_admin.user is not None
    token, raw = api_token_create(
        actor=Actor.system(), user=org.hr_admin.user, name="erp", scopes=["read_org"]
    )
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/departments").status_code == 200

    api_token_revoke(actor=Actor.system(), token=token)

    assert_error(client.get("/api/v1/departments"), 401, "not_authenticated")


def test_only_the_hash_is_stored(org: TestOrg) -> None:
    assert org.hr_admin.user is not None
    token, raw = api_token_create(
        actor=Actor.system(), user=org.hr_admin.user, name="erp", scopes=["read_org"]
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw)
    assert raw not in {stored.key_hash, stored.key_hint, stored.name}
    assert stored.key_hint == raw[:8]


def test_a_bad_token_is_401_even_with_a_session(org: TestOrg) -> None:
    assert org.hr_admin.user is not None
    client = Client(headers={"Authorization": "Bearer pms_nope"})
    client.force_login(org.hr_admin.user)
    assert_error(client.get("/api/v1/departments"), 401, "not_authenticated")


def test_token_of_a_deactivated_user_is_401(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.READ_ORG)
    assert org.hr_admin.user is not None
    org.hr_admin.user.is_active = False
    org.hr_admin.user.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/departments"), 401, "not_authenticated")


def test_token_without_the_scope_is_403(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.WRITE_ACTUALS)
    error = assert_error(client.get("/api/v1/departments"), 403, "missing_scope")
    assert "read_org" in error["message"]


def test_session_post_needs_the_csrf_token(org: TestOrg) -> None:
    assert org.hr_admin.user is not None
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.hr_admin.user)
    response = client.post(
        "/api/v1/departments", {"code": "X1", "name": "新部门"}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    assert not Department.objects.filter(code="X1").exists()

    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does for Swagger
    response = client.post(
        "/api/v1/departments",
        {"code": "X1", "name": "新部门"},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 201, response.content


def test_bearer_post_needs_no_csrf_token(org: TestOrg) -> None:
    client = token_client(org.hr_admin, TokenScope.WRITE_ORG, enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/departments", {"code": "X2", "name": "新部门"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_unknown_path_and_root_are_404_in_the_error_shape(
    client_for: Callable[[str], Client],
) -> None:
    client = client_for("hr_admin")
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/v1/"), 404, "not_found")
    assert_error(client.get("/api/v1/departments/not-a-uuid"), 404, "not_found")
    assert_error(client.post("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405(client_for: Callable[[str], Client]) -> None:
    response = client_for("hr_admin").delete("/api/v1/departments")
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_malformed_json_is_400_and_changes_nothing(client_for: Callable[[str], Client]) -> None:
    before = Department.objects.count()
    response = client_for("hr_admin").post(
        "/api/v1/departments", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "malformed_body")
    assert Department.objects.count() == before


def test_wrong_types_are_422_field_by_field(client_for: Callable[[str], Client]) -> None:
    before = Department.objects.count()
    response = client_for("hr_admin").post(
        "/api/v1/departments",
        {"code": 5, "name": "", "sort_order": "x", "colour": "red"},
        content_type="application/json",
    )
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"code", "name", "sort_order", "colour"}
    assert all(isinstance(m, list) and m for m in error["fields"].values())
    assert Department.objects.count() == before


def test_a_body_that_is_not_an_object_is_422(client_for: Callable[[str], Client]) -> None:
    response = client_for("hr_admin").post(
        "/api/v1/departments", [1, 2], content_type="application/json"
    )
    error = assert_error(response, 422, "validation_error")
    assert error["fields"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("page=abc", "page"), ("page_size=0", "page_size"), ("page=-3", "page")],
)
def test_bad_page_numbers_are_422(
    client_for: Callable[[str], Client], query: str, field: str
) -> None:
    response = client_for("hr_admin").get(f"/api/v1/employees?{query}")
    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"]


def test_page_past_the_end_is_empty_and_size_is_capped(
    client_for: Callable[[str], Client], settings: object
) -> None:
    settings.PMS_API_MAX_PAGE_SIZE = 3  # type: ignore[attr-defined]
    client = client_for("hr_admin")
    body = client.get("/api/v1/employees?page_size=1000").json()
    assert body["page_size"] == 3
    assert len(body["items"]) == 3
    assert body["count"] == 9
    assert body["pages"] == 3
    late = client.get("/api/v1/employees?page=99").json()
    assert late["items"] == []
    assert late["count"] == 9


def test_messages_are_translated(client_for: Callable[[str], Client]) -> None:
    response = client_for("hr_admin").get(
        "/api/v1/employees?page=0", headers={"Accept-Language": "zh-hans"}
    )
    error = assert_error(response, 422, "validation_error")
    message = error["fields"]["page"][0]
    assert re.search(r"[\u4e00-\u9fff]", message), message


def test_unexpected_errors_never_leak_a_traceback(settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    request = RequestFactory().get("/api/v1/boom")
    response = api.on_exception(request, RuntimeError("secret internals"))
    assert_error(response, 500, "server_error")  # type: ignore[arg-type]
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_openapi_lists_the_paths(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/v1/me",
        "/api/v1/departments",
        "/api/v1/departments/{uuid}",
        "/api/v1/positions",
        "/api/v1/positions/{uuid}",
        "/api/v1/employees",
        "/api/v1/employees/{uuid}",
        "/api/v1/employees/by-number/{number}",
    } <= paths
    schemes = response.json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_docs_load_nothing_from_outside_the_app(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert external == []
    assets = re.findall(r"""(?:src|href)="([^"]+)\"""", html)
    assert len(assets) == 4
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()


def test_docs_assets_serve_only_the_listed_files(client: Client) -> None:
    assert_error(client.get("/api/v1/docs-assets/redoc.standalone.js.map"), 404, "not_found")
    assert_error(client.get("/api/v1/docs-assets/..%2F__init__.py"), 404, "not_found")
