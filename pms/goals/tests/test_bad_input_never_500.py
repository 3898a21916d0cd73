"""Bad input never ends in a server error: every goals page and API list, given malformed
filters, and every goals address, posted garbage by several personas, answers with a
message, a refusal or a redirect (the test client raises any exception a view lets out)."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pms.core.audit import Actor
from pms.goals.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/goals?period=bad&department=x&status=zz&level=qq",
    "/api/v1/scorecards?period=bad&department=bad&status=zz",
    "/api/v1/adjustments?period=bad&status=zz",
    "/api/v1/alignment/coverage?period=bad",
    "/api/v1/alignment/coverage",
    "/api/v1/indicators?enabled=maybe&role_family=nope",
    "/api/v1/goals/not-a-uuid/versions",
    "/goals/list/?period=bad&department=bad&status=zz&page=abc",
    "/goals/alignment/?period=bad&department=bad",
    "/goals/team/?period=bad&status=zz&page=-1",
    "/goals/status/?period=bad&department=bad",
    "/goals/status/people/?period=bad&department=bad&state=zz",
    "/goals/my/?period=bad",
    "/goals/strategy/?period=bad",
    "/goals/indicators/?q=%00&perspective=zz&page=999999",
    "/goals/adjustments/?status=zz",
    "/goals/files/export/scorecard_goals.xlsx?period=bad",
    "/goals/files/export/nope.xlsx",
    "/goals/templates/runs/",
]


@pytest.mark.parametrize("url", URLS)
def test_malformed_filters_are_ignored_or_refused(
    org: TestOrg, client_for: Callable[[str], Client], url: str
) -> None:
    for persona in ("hr_admin", "employee"):
        response = client_for(persona).get(url)
        assert response.status_code < 500, (persona, url, response.status_code)


def _goal_patterns() -> list[str]:
    found: list[str] = []

    def walk(patterns: list[object], prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern) and namespace == "goals":
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", None)
    return found


GARBAGE = {
    "title": "x" * 400,
    "weight": "abc",
    "target": "1e999",
    "due_date": "2026-13-45",
    "goal-title": "",
    "goal-weight": "-5",
    "goal-target": "nan",
    "goal-kind": "zzz",
    "comment": "",
    "role": "boss",
    "period": "bad",
    "department": "bad",
    "kind": "zz",
    "effective_from": "bad",
    "reason_code": "zz",
    "decision": "maybe",
    "start": "x",
    "end": "y",
    "rule_type": "bands",
    "rule_bands": "a:b",
    "direction": "sideways",
    "employee": "nobody",
}


def test_garbage_posted_anywhere_gets_no_server_error(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    p = factories.period("2026年度")
    card = factories.agreed_scorecard(org.employee, p, Actor(org.manager.user))
    draft = factories.complete_scorecard(org.peer, p)
    goal = card.goals.first()
    dgoal = factories.department_goal(p, org.sales)
    tmpl = factories.scorecard_template("T")
    ind = factories.indicator()
    ids = [card.uuid, goal.uuid, draft.uuid, dgoal.uuid, tmpl.uuid, ind.uuid, p.uuid]
    bad = []
    for pat in _goal_patterns():
        n = len(re.findall(r"<[^>]+>", pat))
        for u in ids:
            url = "/" + pat
            url = re.sub(r"<uuid:goal_uuid>", str(goal.uuid), url)
            url = re.sub(r"<str:fmt>", "xlsx", url)
            url = re.sub(r"<str:kind>", "scorecard_goals", url)
            url = re.sub(r"<[^>]+>", str(u), url)
            for persona in ("hr_admin", "employee", "manager", "committee"):
                r = client_for(persona).post(url, GARBAGE)
                if r.status_code >= 500:
                    bad.append((persona, url, r.status_code))
            if n == 0:
                break
    assert bad == []
