"""Bad input never ends in a server error on the review pages: every address of the reviews
app, posted garbage and given malformed filters by several personas, answers with a
message, a refusal or a redirect (the test client raises any exception a view lets out)."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pms.org.tests.factories import TestOrg
from pms.reviews.models import Phase, RaterType, TemplateItem
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

URLS = [
    "/reviews/cycles/?page=abc&status=zz",
    "/reviews/to-do/?page=-1",
    "/reviews/results/?page=abc",
    "/reviews/templates/?status=zz&page=abc",
    "/reviews/monitor/?page=999999",
    "/api/v1/review-cycles?page=abc",
    "/api/v1/review-templates?status=zz",
    "/api/v1/my-ratings?page=-1",
    "/api/v1/reviews/not-a-uuid/result",
]

GARBAGE = {
    "name": "",
    "kind": "zz",
    "period": "bad",
    "start": "2026-13-45",
    "end": "bad",
    "default_template": "bad",
    "departments": "bad",
    "role_families": "bad",
    "positions": "bad",
    "statuses": "zz",
    "min_tenure_days": "-5",
    "hired_before": "bad",
    "include": "NOBODY\x00",
    "exclude": "x" * 3000,
    "deadline": "bad",
    "until": "bad",
    "reason": "",
    "phase": "zz",
    "rater": "bad",
    "rater_type": "zz",
    "weight": "1e999",
    "scale": "{",
    "levels": "bad",
    "min": "x",
    "max": "y",
    "step": "0",
    "anchors": "{",
    "title": "",
    "code": "!!",
    "peer_min": "9",
    "peer_max": "1",
    "anonymity_min": "1",
    "grade": "TOOLONG",
    "value": "7",
    "comment": "x" * 20000,
    "which": "zz",
    "action": "zz",
    "freeze": "maybe",
    "direction": "sideways",
    "field": "zz",
}


def _patterns() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[object], prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern) and namespace == "reviews":
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", None)
    return found


@pytest.mark.parametrize("url", URLS)
def test_malformed_filters_are_ignored_or_refused(
    org: TestOrg, client_for: Callable[[str], Client], url: str
) -> None:
    for persona in ("hr_admin", "employee", "manager"):
        response = client_for(persona).get(url)
        assert response.status_code < 500, (persona, url, response.status_code)


def test_garbage_posted_anywhere_gets_no_server_error(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.SELF)
    review = rf.review(cycle, org.employee)
    own = rf.rating(review, org.employee, RaterType.SELF)
    peer = rf.rating(review, org.peer, RaterType.PEER)
    section = tpl.sections.first()
    item = TemplateItem.objects.filter(section__template=tpl).first()
    assert section is not None
    assert item is not None
    ids = [cycle.uuid, review.uuid, tpl.uuid, section.uuid, item.uuid, own.uuid, peer.uuid]
    ids.append(org.sales.uuid)
    patterns = _patterns()
    assert len(patterns) > 40  # every review address is in the sweep
    bad = []
    for pattern in patterns:
        holes = len(re.findall(r"<[^>]+>", pattern))
        for uuid in ids:
            url = "/" + re.sub(r"<[^>]+>", str(uuid), pattern)
            for persona in ("hr_admin", "employee", "manager", "peer"):
                response = client_for(persona).post(url, GARBAGE)
                if response.status_code >= 500:
                    bad.append((persona, url, response.status_code))
            if holes == 0:
                break
    assert bad == []
