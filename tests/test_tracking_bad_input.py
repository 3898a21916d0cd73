"""Bad input never ends in a server error on the run-and-monitor pages: every address of
tracking, coaching, feedback and notifications, posted garbage and given malformed filters
by several personas, answers with a message, a refusal or a redirect (the test client
raises any exception a view lets out)."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pms.coaching.tests import factories as coaching
from pms.comms.models import Notification
from pms.comms.notify import notify
from pms.feedback.tests import factories as feedback
from pms.org.tests.factories import TestOrg
from pms.tracking.models import Actual
from pms.tracking.tests.connector_support import connector
from pms.tracking.tests.factories import enter, measured_goal

pytestmark = pytest.mark.django_db

NAMESPACES = {"tracking", "coaching", "feedback", "comms"}

URLS = [
    "/tracking/?period=bad",
    "/tracking/team/?period=bad&status=zz&page=abc&q=%00",
    "/tracking/departments/?period=bad&page=-1",
    "/tracking/company/?period=bad",
    "/tracking/imports/?page=999999",
    "/coaching/?page=abc",
    "/feedback/?tab=zz&page=abc",
    "/feedback/praise/?page=-3",
    "/feedback/board/?department=bad&start=x&end=y",
    "/notifications/?unread=maybe&page=abc",
    "/api/v1/actuals?employee=nobody&department=x&indicator=y&start=bad&end=bad&source=zz",
    "/api/v1/progress?period=bad&status=zz",
    "/api/v1/goals/not-a-uuid/progress",
    "/api/v1/actuals/not-a-uuid/history",
    "/api/v1/checkins?status=zz",
    "/api/v1/notifications?page=abc",
]

GARBAGE = {
    "day": "2026-13-45",
    "value": "1e999",
    "note": "x" * 2000,
    "evidence_url": "javascript:alert(1)",
    "reason": "",
    "period": "bad",
    "name": "",
    "date": "bad",
    "is_working_day": "maybe",
    "file": "not a file",
    "kind": "zz",
    "category": "zz",
    "status": "zz",
    "receiver": "nobody",
    "goal": "bad",
    "situation": "",
    "behaviour": "",
    "impact": "",
    "anonymous": "maybe",
    "due_date": "bad",
    "owner": "bad",
    "department": "bad",
    "url": "ftp://x",
    "schedule": "zz",
    "frequency": "zz",
    "channel": "zz",
    "webhook": "bad",
    "title": "",
    "talked_at": "bad",
}


@pytest.mark.parametrize("url", URLS)
def test_malformed_filters_are_ignored_or_refused(
    org: TestOrg, client_for: Callable[[str], Client], url: str
) -> None:
    for persona in ("hr_admin", "employee", "manager"):
        response = client_for(persona).get(url)
        assert response.status_code < 500, (persona, url, response.status_code)


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
            elif isinstance(pattern, URLPattern) and namespace in NAMESPACES:
                found.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_garbage_posted_anywhere_gets_no_server_error(
    org: TestOrg, client_for: Callable[[str], Client]
) -> None:
    goal = measured_goal(org.employee)
    enter(goal, dt.date(2026, 1, 10), "100")
    actual = Actual.objects.get()
    checkin = coaching.checkin(org.employee)
    obstacle = coaching.obstacle(checkin)
    request = coaching.resource_request(obstacle, org.sales)
    plan = coaching.plan(org.employee)
    given = feedback.give(org.peer, org.employee)
    asked = feedback.ask(org.employee, org.peer)
    observation = feedback.observe(org.manager, org.employee)
    source = connector("http://127.0.0.1:9/export.json")
    notify(event="goals.scorecard_approved", recipients=[org.employee.user], params={})
    note = Notification.objects.get(event="goals.scorecard_approved")
    ids = [
        goal.uuid,
        actual.uuid,
        checkin.uuid,
        obstacle.uuid,
        request.uuid,
        plan.uuid,
        given.uuid,
        asked.uuid,
        observation.uuid,
        source.uuid,
        org.employee.uuid,
        org.sales.uuid,
        note.uuid,
    ]
    patterns = _patterns()
    assert len(patterns) > 60  # every app's addresses are in the sweep
    bad = []
    for pattern in patterns:
        holes = len(re.findall(r"<[^>]+>", pattern))
        for uuid in ids:
            url = "/" + re.sub(r"<str:fmt>", "xlsx", pattern)
            url = re.sub(r"<[^>]+>", str(uuid), url)
            for persona in ("hr_admin", "employee", "manager"):
                response = client_for(persona).post(url, GARBAGE)
                if response.status_code >= 500:
                    bad.append((persona, url, response.status_code))
            if holes == 0:
                break
    assert bad == []
