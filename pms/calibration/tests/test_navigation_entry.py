"""The menu's calibration entry: shown by the roles, and to anybody seated on an opened
session (an employee observing one) — at one query, only on a page that draws the menu,
never for those whose roles already show it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.calibration.access import calibration_in_menu, sits_on_a_session
from pms.calibration.models import MemberRole
from pms.calibration.services.sessions import session_open
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
TABLES = ("calibration_calibrationsession", "calibration_sessionmember")


def link() -> str:
    return f'href="{reverse("calibration:sessions")}"'


def session_queries(client: Client, path: str, **headers: str) -> tuple[str, int]:
    """The page, and how many of its queries read sessions or their members."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    return response.content.decode(), sum(any(t in s for t in TABLES) for s in sql)


def test_an_observing_employee_sees_the_entry_and_a_plain_employee_does_not(
    org: TestOrg, client_for: ClientFor
) -> None:
    # given: the outsider (an employee of R&D, no role) observes the sales session; the
    # employee is calibrated in it but not seated
    f.sales_session(org)

    # when
    observer, observer_queries = session_queries(client_for("outsider"), reverse("core:home"))
    plain, plain_queries = session_queries(client_for("employee"), reverse("core:home"))

    # then: one query each, the entry only for the observer, who finds the session there
    assert link() in observer
    assert link() not in plain
    assert (observer_queries, plain_queries) == (1, 1)
    listed = client_for("outsider").get(reverse("calibration:sessions"))
    assert "销售中心校准会" in listed.content.decode()


def test_roles_show_the_entry_without_a_query(org: TestOrg, client_for: ClientFor) -> None:
    for persona in ("manager", "hr_admin", "committee"):
        page, queries = session_queries(client_for(persona), reverse("core:home"))
        assert link() in page, persona
        assert queries == 0, persona


def test_a_fragment_without_the_menu_pays_nothing(org: TestOrg, client_for: ClientFor) -> None:
    f.sales_session(org)
    _page, queries = session_queries(
        client_for("outsider"), reverse("comms:badge"), HTTP_HX_REQUEST="true"
    )
    assert queries == 0


def test_a_seat_on_a_draft_session_does_not_count(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    f.sales_reviews(org, cycle, 0)
    draft = f.session(org.hr_admin.user, cycle, [org.sales], open_it=False)
    f.seat(draft, org.hr_admin.user, org.outsider.user, MemberRole.OBSERVER)
    outsider = principal_for(org.outsider.user)
    assert not sits_on_a_session(outsider)
    assert not calibration_in_menu(outsider)

    session_open(actor=Actor(org.hr_admin.user), session=draft)

    assert calibration_in_menu(principal_for(org.outsider.user))
    assert not calibration_in_menu(principal_for(org.employee.user))
