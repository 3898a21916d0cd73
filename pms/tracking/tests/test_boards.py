"""Progress boards: the manager's team, the department board and the company board.

Values are entered through the services (``enter``), so the figures on the boards are the
ones ``GoalProgress`` holds after a real recomputation. On 1 July 2026 about half of the
year has passed: for a yearly target of 1,200 with monthly values added up, 700 is on
track, 520 at risk and 300 off track.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.goals.models import Goal, Period, Scorecard
from pms.goals.services.progress import goals_progress_set
from pms.goals.tests import factories as goal_factories
from pms.org.models import Employee
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.tracking.models import GoalProgress, PaceStatus
from pms.tracking.services.progress import progress_recompute
from pms.tracking.tests.factories import enter, measured_goal

ClientFor = Callable[[str], Client]
MID_YEAR = dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)
ON_TRACK, AT_RISK, OFF_TRACK = "700", "520", "300"

pytestmark = pytest.mark.usefixtures("_mid_year")


@pytest.fixture
def _mid_year() -> Iterator[object]:
    with time_machine.travel(MID_YEAR, tick=False) as traveller:
        yield traveller


@pytest.fixture
def year(org: TestOrg) -> Period:
    return goal_factories.period("2026年度")


def tracked(person: Employee, period: Period, value: str | None, title: str = "") -> Goal:
    """A measured goal of ``person`` (target 1,200) with ``value`` entered for January, or
    without values (its progress computed all the same: no data)."""
    card = Scorecard.objects.filter(employee=person, period=period).first()
    goal = measured_goal(
        person,
        the_period=period,
        card=card,
        title=title or f"销售额-{Goal.objects.count() + 1}",
    )
    if value is None:
        progress_recompute(goal_ids=[goal.pk])
    else:
        enter(goal, dt.date(2026, 1, 10), value)
    return goal


def body(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined,no-any-return]


# --- the figures the boards rest on ---------------------------------------------------------


def test_the_values_give_the_statuses_the_boards_count(org: TestOrg, year: Period) -> None:
    goals = {value: tracked(org.employee, year, value) for value in (ON_TRACK, AT_RISK, OFF_TRACK)}
    silent = tracked(org.employee, year, None)

    statuses = dict(GoalProgress.objects.values_list("goal_id", "status"))

    assert statuses[goals[ON_TRACK].pk] == PaceStatus.ON_TRACK
    assert statuses[goals[AT_RISK].pk] == PaceStatus.AT_RISK
    assert statuses[goals[OFF_TRACK].pk] == PaceStatus.OFF_TRACK
    assert statuses[silent.pk] == PaceStatus.NO_DATA


# --- the team board ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("head", 200),
        ("hr_admin", 200),  # the HRBP reports to them
        ("employee", 404),  # nobody reports to them
        ("outsider", 404),
        ("sysadmin", 404),  # no place in the reporting lines
        ("committee", 404),
    ],
)
def test_the_team_board_is_for_managers(
    org: TestOrg, client_for: ClientFor, year: Period, persona: str, status: int
) -> None:
    response = client_for(persona).get(reverse("tracking:team_board"))

    assert response.status_code == status


def test_the_team_board_shows_people_in_trouble_first_with_their_figures(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    # given the employee on track and the peer with one goal off track and one at risk
    tracked(org.employee, year, ON_TRACK, title="员工回款")
    tracked(org.peer, year, OFF_TRACK, title="同事销售额")
    tracked(org.peer, year, AT_RISK, title="同事新客户")

    response = client_for("manager").get(reverse("tracking:team_board"))

    assert response.status_code == 200
    page = body(response)
    assert page.index(org.peer.name) < page.index(org.employee.name)
    rows = response.context["rows"]
    assert [r.person for r in rows] == [org.peer, org.employee]
    peer = rows[0].tally
    assert (peer.goals, peer.off_track, peer.at_risk, peer.on_track) == (2, 1, 1, 0)
    # the average attainment of the peer's two goals: 300 and 520 of 1,200
    assert peer.attainment == Decimal("34.17")
    assert [g.title for g in rows[0].worst] == ["同事销售额", "同事新客户"]
    assert rows[1].worst == []
    # the team's headline: three goals, one on track
    summary = response.context["summary"]
    assert (summary.people, summary.goals, summary.on_track, summary.attention) == (2, 3, 1, 2)
    assert "1 off track" in page
    assert "1 at risk" in page


def test_the_team_board_shows_direct_reports_and_indirect_ones_on_request(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    tracked(org.employee, year, OFF_TRACK)
    head = client_for("head")

    direct = head.get(reverse("tracking:team_board"))
    everyone = head.get(reverse("tracking:team_board"), {"indirect": "on"})

    assert {r.person for r in direct.context["rows"]} == {org.manager, org.other_manager}
    assert {r.person for r in everyone.context["rows"]} == {
        org.manager,
        org.other_manager,
        org.employee,
        org.peer,
    }
    assert everyone.context["rows"][0].person == org.employee


def test_the_team_board_filters_by_status_and_searches_by_name(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    tracked(org.employee, year, ON_TRACK)
    tracked(org.peer, year, AT_RISK)
    manager = client_for("manager")

    attention = manager.get(reverse("tracking:team_board"), {"status": "attention"})
    on_track = manager.get(reverse("tracking:team_board"), {"status": "on_track"})
    found = manager.get(reverse("tracking:team_board"), {"q": org.employee.name[:2]})
    bad = manager.get(reverse("tracking:team_board"), {"status": "nonsense", "period": "x"})

    assert [r.person for r in attention.context["rows"]] == [org.peer]
    assert [r.person for r in on_track.context["rows"]] == [org.employee]
    assert [r.person for r in found.context["rows"]] == [org.employee]
    # a bad filter is not applied and says why; an unknown period falls back to the current
    assert bad.status_code == 200
    assert len(bad.context["rows"]) == 2
    assert bad.context["form"].errors


def test_the_team_board_answers_an_htmx_filter_with_the_results_only(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    tracked(org.employee, year, AT_RISK)

    response = client_for("manager").get(
        reverse("tracking:team_board"),
        {"status": "attention"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board-results",
    )

    assert response.status_code == 200
    assert body(response).startswith('<div id="board-results">')
    assert org.employee.name in body(response)


def _add_reports(manager: Employee, period: Period, count: int) -> None:
    for index in range(count):
        person = org_factories.employee(dept=manager.department, manager=manager)
        tracked(person, period, (ON_TRACK, AT_RISK, OFF_TRACK)[index % 3])
        tracked(person, period, None)


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    client.get(url, params or {})  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


# the session, the user and their roles (6, whatever the page), then the board's own: the
# period, the headline, the count, the page, the page's goals and the list of periods
TEAM_QUERIES = 12


def test_the_team_board_issues_as_many_queries_for_a_big_team_as_for_a_small_one(
    org: TestOrg, client_for: ClientFor, year: Period, django_assert_num_queries: object
) -> None:
    manager = client_for("manager")
    tracked(org.employee, year, AT_RISK)
    small = _queries(manager, reverse("tracking:team_board"))
    _add_reports(org.manager, year, 6)

    big = _queries(manager, reverse("tracking:team_board"))

    assert small == big == TEAM_QUERIES
    with django_assert_num_queries(TEAM_QUERIES):  # type: ignore[operator]
        manager.get(reverse("tracking:team_board"), {"indirect": "on", "status": "attention"})


# --- one person's goals unfolded -----------------------------------------------------------


def test_a_person_unfolds_to_each_goal_with_its_pace(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    late = tracked(org.employee, year, OFF_TRACK, title="回款额")
    fine = tracked(org.employee, year, ON_TRACK, title="新客户数")
    url = reverse("tracking:board_person", args=[org.employee.uuid])

    fragment = client_for("manager").get(url, {"period": str(year.uuid)}, HTTP_HX_REQUEST="true")
    page = client_for("manager").get(url)

    assert fragment.status_code == 200
    text = body(fragment)
    assert text.startswith(f'<tr id="board-detail-{org.employee.uuid}"')
    # worst first, each with attainment, expected by now, forecast and its status
    assert text.index("回款额") < text.index("新客户数")
    assert "25%" in text  # 300 of 1,200
    progress = GoalProgress.objects.get(goal=late)
    assert f"{floatformat(progress.expected, -1)}%" in text
    assert "Off track" in text
    assert "2026-01-31" in text or "01/31/2026" in text
    assert reverse("tracking:goal", args=[fine.uuid]) in text
    assert page.status_code == 200
    assert "<html" in body(page)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("head", 200), ("hrbp", 200), ("peer", 404), ("outsider", 404)],
)
def test_a_persons_goals_on_a_board_are_as_private_as_the_scorecard(
    org: TestOrg, client_for: ClientFor, year: Period, persona: str, status: int
) -> None:
    tracked(org.employee, year, AT_RISK)

    response = client_for(persona).get(
        reverse("tracking:board_person", args=[org.employee.uuid]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == status


# --- the department board ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("head", 200),
        ("hrbp", 200),
        ("hr_admin", 200),
        ("sysadmin", 200),
        ("ceo", 200),
        ("manager", 404),  # a manager, not a head
        ("employee", 404),
        ("outsider", 404),
        ("committee", 404),
    ],
)
def test_the_department_board_is_for_heads_hr_and_executives(
    org: TestOrg, client_for: ClientFor, year: Period, persona: str, status: int
) -> None:
    response = client_for(persona).get(reverse("tracking:departments_board"))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "department", "status"),
    [
        ("head", "sales1", 200),
        ("head", "rnd", 404),  # another department
        ("hrbp", "sales", 200),
        ("hrbp", "hr_dept", 404),  # outside the HRBP's scope
        ("hr_admin", "rnd", 200),
        ("outsider", "rnd", 404),
    ],
)
def test_a_department_board_opens_only_inside_the_users_scope(  # noqa: PLR0917 (parametrized)
    org: TestOrg, client_for: ClientFor, year: Period, persona: str, department: str, status: int
) -> None:
    target = getattr(org, department)

    response = client_for(persona).get(reverse("tracking:department_board", args=[target.uuid]))

    assert response.status_code == status


def test_an_unknown_department_is_not_found(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    response = client_for("hr_admin").get(
        reverse("tracking:departments_board").rstrip("/") + "/not-a-uuid/"
    )
    unknown = client_for("hr_admin").get(
        reverse("tracking:department_board", args=["00000000-0000-0000-0000-000000000000"])
    )

    assert response.status_code == 404
    assert unknown.status_code == 404


def test_the_department_board_adds_up_the_subtree_by_child_department(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    # given 销售一部 with one person on track and one off track, 销售二部 with one at risk
    tracked(org.employee, year, ON_TRACK)
    tracked(org.employee, year, None)
    tracked(org.peer, year, OFF_TRACK)
    tracked(org.other_manager, year, AT_RISK)
    tracked(org.outsider, year, OFF_TRACK)  # R&D: not in 销售中心
    # and a department goal of 销售中心 with its own progress
    plan = goal_factories.agreed_plan_goal(
        year, org.sales, title="销售中心回款", target=Decimal(1200), unit="万元"
    )
    enter(plan, dt.date(2026, 1, 10), ON_TRACK)

    response = client_for("head").get(reverse("tracking:departments_board"))

    assert response.status_code == 200
    board = response.context["board"]
    assert board.focus == org.sales  # the head's one department opens at once
    total = board.total
    assert (total.people, total.goals, total.on_track, total.at_risk, total.off_track) == (
        3,
        4,
        1,
        1,
        1,
    )
    assert total.no_data == 1
    assert total.on_track_percent == 25
    # averages over the goals with values: (700 + 300 + 520) / 3 of 1,200
    assert round(total.attainment, 2) == Decimal("42.22")
    rows = {row.department: row.tally for row in board.rows}
    assert set(rows) == {org.sales1, org.sales2}
    assert (rows[org.sales1].people, rows[org.sales1].goals, rows[org.sales1].off_track) == (
        2,
        3,
        1,
    )
    assert (rows[org.sales2].people, rows[org.sales2].at_risk) == (1, 1)
    # the department goal, and the people needing attention, worst first
    assert [g.title for g in response.context["goals"]] == ["销售中心回款"]
    assert [r.person for r in response.context["rows"]] == [org.peer, org.other_manager]
    page = body(response)
    assert "销售中心回款" in page
    assert org.outsider.name not in page
    assert org.employee.name not in page.split('id="attention"')[1]


def test_the_department_board_drills_down_to_a_child_department(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    tracked(org.employee, year, OFF_TRACK)
    tracked(org.other_manager, year, AT_RISK)

    response = client_for("hrbp").get(reverse("tracking:department_board", args=[org.sales1.uuid]))

    assert response.status_code == 200
    assert response.context["focus"] == org.sales1
    assert response.context["ancestors"] == [org.sales]
    assert [r.person for r in response.context["rows"]] == [org.employee]
    assert response.context["board"].total.goals == 1
    # people placed directly in 销售一部 are a row of their own
    assert [row.direct_only for row in response.context["board"].rows] == [True]


DEPARTMENT_QUERIES = 19


def test_the_department_board_issues_as_many_queries_for_a_big_department_as_for_a_small_one(
    org: TestOrg, client_for: ClientFor, year: Period, django_assert_num_queries: object
) -> None:
    head = client_for("head")
    tracked(org.employee, year, AT_RISK)
    small = _queries(head, reverse("tracking:departments_board"))
    _add_reports(org.manager, year, 6)
    child = org_factories.department("销售一部一组", parent=org.sales1)
    person = org_factories.employee(dept=child, manager=org.manager)
    tracked(person, year, OFF_TRACK)

    big = _queries(head, reverse("tracking:departments_board"))

    assert small == big == DEPARTMENT_QUERIES
    with django_assert_num_queries(DEPARTMENT_QUERIES):  # type: ignore[operator]
        head.get(reverse("tracking:department_board", args=[org.sales1.uuid]), {"page": "2"})


# --- the company board ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("ceo", 200),
        ("hr_admin", 200),
        ("sysadmin", 200),
        ("hrbp", 404),  # HR of one scope only
        ("head", 404),
        ("manager", 404),
        ("employee", 404),
        ("committee", 404),
    ],
)
def test_the_company_board_is_for_executives_company_hr_and_admins(
    org: TestOrg, client_for: ClientFor, year: Period, persona: str, status: int
) -> None:
    response = client_for(persona).get(reverse("tracking:company_board"))

    assert response.status_code == status


def test_the_company_board_totals_compares_top_departments_and_shows_the_strategy(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    tracked(org.employee, year, ON_TRACK)
    tracked(org.peer, year, OFF_TRACK)
    tracked(org.outsider, year, AT_RISK)
    strategy = goal_factories.agreed_plan_goal(year, title="营收增长20%")
    goals_progress_set(values={strategy.pk: Decimal("41.5")})

    response = client_for("ceo").get(reverse("tracking:company_board"))

    assert response.status_code == 200
    board = response.context["board"]
    total = board.total
    assert (total.people, total.goals, total.on_track, total.at_risk, total.off_track) == (
        3,
        3,
        1,
        1,
        1,
    )
    rows = {row.department: row.tally for row in board.rows}
    # 总部 is the one top department: its departments are compared, R&D (all at risk) first
    assert board.rows[0].department == org.rnd
    assert rows[org.sales].goals == 2
    assert rows[org.rnd].at_risk == 1
    assert rows[org.hr_dept].goals == 0
    assert response.context["strategy"] == [strategy]
    page = body(response)
    assert "营收增长20%" in page
    assert "41.5%" in page


COMPANY_QUERIES = 16


def test_the_company_board_issues_as_many_queries_for_a_big_company_as_for_a_small_one(
    org: TestOrg, client_for: ClientFor, year: Period
) -> None:
    ceo = client_for("ceo")
    tracked(org.employee, year, AT_RISK)
    goal_factories.agreed_plan_goal(year, title="营收增长20%")
    small = _queries(ceo, reverse("tracking:company_board"))
    _add_reports(org.outsider, year, 4)
    goal_factories.agreed_plan_goal(year, title="利润率12%")
    org_factories.department("研发二部", parent=org.rnd)

    big = _queries(ceo, reverse("tracking:company_board"))

    assert small == big == COMPANY_QUERIES


# --- navigation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("manager", ["Team progress"], ["Department progress", "Company progress"]),
        ("head", ["Team progress", "Department progress"], ["Company progress"]),
        ("ceo", ["Team progress", "Department progress", "Company progress"], []),
        ("employee", [], ["Team progress", "Department progress", "Company progress"]),
    ],
)
def test_the_navigation_offers_the_boards_a_user_may_open(
    org: TestOrg, client_for: ClientFor, persona: str, shown: list[str], hidden: list[str]
) -> None:
    page = body(client_for(persona).get(reverse("core:home")))

    for label in shown:
        assert f">{label}<" in page
    for label in hidden:
        assert f">{label}<" not in page


def test_company_figures_are_shared_for_a_while_when_caching_is_on(
    org: TestOrg, client_for: ClientFor, settings: Any
) -> None:
    from django.core.cache import cache

    goal = measured_goal(org.employee)
    enter(goal, dt.date(2026, 1, 10), "100")
    cache.clear()
    settings.PMS_BOARD_CACHE_SECONDS = 60
    client = client_for("ceo")
    first = client.get(reverse("tracking:company_board"))
    with CaptureQueriesContext(connection) as second_run:
        second = client.get(reverse("tracking:company_board"))
    with CaptureQueriesContext(connection) as first_run:
        cache.clear()
        client.get(reverse("tracking:company_board"))

    assert first.status_code == second.status_code == 200
    assert len(second_run) < len(first_run)
