"""/api/v1/review-templates: read-only, for HR (sessions) and tokens of HR users with the
``read_reviews`` scope; everybody else gets "not found", a token without the scope
"missing scope"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pms.accounts.models import TokenScope
from pms.core.audit import Actor
from pms.core.tests.test_api_support import assert_error, token_client
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import ReviewTemplate
from pms.reviews.services import templates as services
from pms.reviews.tests import factories as rf

ClientFor = Callable[[str], Client]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def active(hr: Actor) -> ReviewTemplate:
    tpl = rf.draft_template(hr, "rnd")
    tpl.role_families.add(org_factories.role_family("rnd", "研发"))
    return services.template_activate(actor=hr, template=tpl)


def test_hr_lists_and_reads_templates(
    client_for: ClientFor, org: TestOrg, hr: Actor, active: ReviewTemplate
) -> None:
    rf.review(rf.cycle(default_template=active), org.employee)
    v2 = services.template_new_version(actor=hr, template=active)
    client = client_for("hr_admin")
    listed = client.get("/api/v1/review-templates")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["code"], first["version"], first["status"]) == ("rnd", 2, "draft")
    assert first["previous"] == str(active.uuid)
    assert (second["version"], second["reviews"], second["role_families"]) == (1, 1, ["rnd"])
    assert second["rater_weights"] == {"self": "10", "manager": "60", "peer": "20", "upward": "10"}
    assert client.get("/api/v1/review-templates", {"status": "draft"}).json()["count"] == 1
    assert_error(
        client.get("/api/v1/review-templates", {"status": "nonsense"}), 422, "validation_error"
    )

    detail = client.get(f"/api/v1/review-templates/{v2.uuid}").json()
    kinds = [section["kind"] for section in detail["sections"]]
    assert kinds == ["goals", "competencies", "questions", "veto"]
    competencies = detail["sections"][1]
    assert competencies["scale"]["kind"] == "levels"
    assert competencies["items"][0]["anchors"] == {
        "S": "树立标杆",
        "B": "达到要求",
        "D": "明显不足",
    }
    assert detail["sections"][3]["items"][0]["veto_grade"] == "D"


@pytest.mark.parametrize("persona", ["employee", "manager", "ceo"])
def test_others_are_refused(client_for: ClientFor, persona: str, active: ReviewTemplate) -> None:
    client = client_for(persona)
    assert_error(client.get("/api/v1/review-templates"), 404, "not_found")
    assert_error(client.get(f"/api/v1/review-templates/{active.uuid}"), 404, "not_found")


def test_tokens_need_the_reviews_scope(org: TestOrg, active: ReviewTemplate) -> None:
    paths = ("/api/v1/review-templates", f"/api/v1/review-templates/{active.uuid}")
    for path in paths:
        assert_error(Client().get(path), 401, "not_authenticated")
        assert_error(
            token_client(org.hr_admin, TokenScope.READ_ORG).get(path), 403, "missing_scope"
        )
        assert token_client(org.hr_admin, TokenScope.READ_REVIEWS).get(path).status_code == 200
        assert_error(
            token_client(org.employee, TokenScope.READ_REVIEWS).get(path), 404, "not_found"
        )
    created = token_client(org.hr_admin, TokenScope.READ_REVIEWS, TokenScope.WRITE_REVIEWS).post(
        "/api/v1/review-templates", {}, content_type="application/json"
    )
    assert created.status_code == 405
    assert ReviewTemplate.objects.count() == 1


def test_unknown_and_malformed_ids_are_not_found(
    client_for: ClientFor, active: ReviewTemplate
) -> None:
    client = client_for("hr_admin")
    assert_error(client.get("/api/v1/review-templates/not-a-uuid"), 404, "not_found")
    missing = "00000000-0000-0000-0000-000000000000"
    assert_error(client.get(f"/api/v1/review-templates/{missing}"), 404, "not_found")


def test_the_list_issues_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    rf.draft_template(hr)
    client.get("/api/v1/review-templates")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/review-templates").status_code == 200
    family = org_factories.role_family("sales", "销售")
    for _ in range(4):
        tpl = rf.draft_template(hr)
        tpl.role_families.add(family)
        services.template_activate(actor=hr, template=tpl)
        services.template_new_version(actor=hr, template=tpl)
    with django_assert_num_queries(len(small)):
        assert client.get("/api/v1/review-templates").json()["count"] == 9


def test_one_edition_issues_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor, django_assert_num_queries: Any
) -> None:
    client = client_for("hr_admin")
    small_tpl = rf.draft_template(hr, competencies=1)
    big_tpl = rf.draft_template(hr, competencies=9)
    client.get(f"/api/v1/review-templates/{small_tpl.uuid}")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/api/v1/review-templates/{small_tpl.uuid}").status_code == 200
    with django_assert_num_queries(len(small)):
        assert client.get(f"/api/v1/review-templates/{big_tpl.uuid}").status_code == 200
