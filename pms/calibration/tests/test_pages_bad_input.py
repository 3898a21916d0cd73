"""Garbage never ends in a server error on the calibration pages and API: every address,
posted nonsense and given malformed filters by several personas, answers with a message,
a refusal or a redirect (the test client raises any exception a view lets out)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from pms.calibration.models import SessionMember
from pms.calibration.tests import factories as f
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]

GARBAGE = {
    "cycle": "bad",
    "name": "x" * 500,
    "departments": ["bad", "00000000-0000-0000-0000-000000000000"],
    "subtree": "maybe",
    "role_family": "bad",
    "facilitator": "\x00",
    "min_group_size": "1e999",
    "enforcement": "zz",
    "rows-TOTAL_FORMS": "3",
    "rows-INITIAL_FORMS": "x",
    "rows-0-grade": "SSS",
    "rows-0-share": "nan",
    "rows-0-mode": "zz",
    "rows-0-level": "top",
    "user": "",
    "role": "boss",
    "reason": "x" * 3000,
    "score": "Infinity",
    "grade": "Z",
    "potential": "huge",
    "part": "zz",
    "e": ["junk", "00000000-0000-0000-0000-000000000000"],
    "filters": "%%%&&&==",
    "pool": "x" * 100,
}
QUERIES = "?page=abc&box=zz&sort=zz&department=bad&manager=bad&changed=maybe&e=junk&e=x"


def _calibration_routes() -> list[str]:
    resolver = get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        if getattr(entry, "namespace", None) == "calibration":
            routes.extend(str(p.pattern) for p in entry.url_patterns if isinstance(p, URLPattern))
    return routes


@pytest.mark.parametrize("persona", ["hr_admin", "committee", "outsider", "manager", "employee"])
def test_garbage_to_every_address_is_answered(
    org: TestOrg, client_for: ClientFor, persona: str
) -> None:
    sales = f.sales_session(org)
    member = SessionMember.objects.filter(session=sales.session).first()
    assert member is not None
    ids = {
        "members/<uuid:uuid>/": str(member.uuid),
        "entries/<uuid:uuid>/": str(sales.entry("peer").uuid),
    }
    client = client_for(persona)
    routes = _calibration_routes()
    assert len(routes) >= 15
    for route in routes:
        uuid = next((v for k, v in ids.items() if route.startswith(k)), str(sales.session.uuid))
        path = "/calibration/" + route.replace("<uuid:uuid>", uuid)
        for response in (
            client.get(path + QUERIES),
            client.get(path + QUERIES, HTTP_HX_REQUEST="true"),
            client.post(path, GARBAGE),
            client.post(path, GARBAGE, HTTP_HX_REQUEST="true"),
        ):
            assert response.status_code < 500, (persona, path, response.status_code)
    api = [
        "/api/v1/calibration-sessions?page=abc",
        f"/api/v1/calibration-sessions/{sales.session.uuid}/entries?box=zz&manager=bad",
        "/api/v1/calibration-sessions/not-a-uuid",
        f"/api/v1/calibration-entries/{sales.entry('peer').uuid}/changes?page_size=-1",
    ]
    for path in api:
        assert client.get(path).status_code < 500, path
    posted = client.post(
        f"/api/v1/calibration-entries/{sales.entry('peer').uuid}/changes",
        '{"score": 12, "grade": ["x"], "reason": null}',
        content_type="application/json",
    )
    assert posted.status_code < 500
