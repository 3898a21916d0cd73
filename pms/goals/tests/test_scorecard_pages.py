"""Scorecard pages: my goals, the scorecard page with its goals edited in place (HTMX),
the live SMART check, starting and copying a scorecard forward — for the users allowed and
the users refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Goal, GoalKind, Period, PeriodStatus, Scorecard, ScorecardStatus
from pms.goals.selectors.scorecards import current_period
from pms.goals.services import periods as period_services
from pms.goals.tests import factories
from pms.org.models import Employee
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def actor_of(person: Employee | User) -> Actor:
    """The actor for a persona (an Employee through their account, or a User)."""
    return Actor(user=person.user if isinstance(person, Employee) else person)


HTMX = {"HTTP_HX_REQUEST": "true"}
Clients = Callable[[str], Client]


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def _url(name: str, *args: object) -> str:
    return reverse(f"goals:{name}", args=args)


def _goal_data(**values: str) -> dict[str, str]:
    data = {
        "kind": "kpi",
        "title": "新客户开发数量达到20个",
        "weight": "40",
        "metric": "新客户数",
        "unit": "个",
        "direction": "higher",
        "target": "20",
        "rule_type": "linear",
        **values,
    }
    return {f"goal-{key}": value for key, value in data.items()}


# --- the current period ------------------------------------------------------------------


def test_the_current_period_is_the_running_one_containing_today() -> None:
    with time_machine.travel(dt.datetime(2026, 5, 10, 9, 0)):
        year = factories.period("2026年度")
        quarter = factories.period(
            "2026Q2", kind="quarter", start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30)
        )
        factories.period("2027年度", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
        today = dt.date(2026, 5, 10)

        assert current_period(Period.objects.all(), today) == quarter
        period_services.period_update(
            actor=factories.SYSTEM, period=quarter, changes={"status": PeriodStatus.CLOSED}
        )
        assert current_period(Period.objects.all(), today) == year
        assert current_period(Period.objects.all(), dt.date(2030, 1, 1)).name == "2027年度"  # type: ignore[union-attr]


# --- my goals ----------------------------------------------------------------------------


def test_my_goals_offers_to_start_a_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("employee").get(_url("my"))

    assert response.status_code == 200
    assert "Start my scorecard" in response.content.decode()


def test_starting_my_scorecard(org: TestOrg, period: Period, client_for: Clients) -> None:
    response = client_for("employee").post(_url("scorecard_start"), {"period": str(period.uuid)})

    card = Scorecard.objects.get(employee=org.employee, period=period)
    assert response.status_code == 302
    assert response["Location"] == _url("scorecard", card.uuid)
    assert AuditEntry.objects.filter(
        object_type="goals.scorecard", object_id=str(card.pk), action=AuditAction.CREATE
    ).exists()


def test_my_goals_shows_the_goals_and_the_weight_problem(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    factories.kpi(card, weight="70")

    page = client_for("employee").get(_url("my"), {"period": str(period.uuid)}).content.decode()

    assert "销售额达到500万元" in page
    assert "Total weight 70%" in page
    assert "The weights total 70%; they must total 100% (30% missing)." in page
    assert _url("scorecard", card.uuid) in page


def test_my_goals_offers_to_copy_last_periods_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    last_year = factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    old = factories.complete_scorecard(org.employee, last_year)

    page = client_for("employee").get(_url("my"), {"period": str(period.uuid)}).content.decode()

    assert "Copy my goals from 2025年度" in page
    assert _url("scorecard_copy_forward", old.uuid) in page


def test_my_goals_for_someone_without_an_employee_record(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    response = client_for("sysadmin").get(_url("my"))

    assert response.status_code == 200
    assert "not linked to an employee" in response.content.decode()


def test_my_goals_needs_a_sign_in(org: TestOrg) -> None:
    response = Client().get(_url("my"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_manager_starts_a_reports_scorecard_but_a_peer_may_not(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    data = {"period": str(period.uuid), "employee": str(org.employee.uuid)}

    refused = client_for("peer").post(_url("scorecard_start"), data)
    allowed = client_for("manager").post(_url("scorecard_start"), data)

    assert refused.status_code == 403
    assert allowed.status_code == 302
    assert Scorecard.objects.filter(employee=org.employee).count() == 1


def test_starting_in_a_closed_period_says_why(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    period_services.period_update(
        actor=factories.SYSTEM, period=period, changes={"status": PeriodStatus.CLOSED}
    )

    response = client_for("employee").post(
        _url("scorecard_start"), {"period": str(period.uuid)}, follow=True
    )

    assert "The period 2026年度 is closed." in response.content.decode()
    assert not Scorecard.objects.exists()


# --- the scorecard page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 200),
        ("manager", 200),
        ("head", 200),
        ("hrbp", 200),
        ("hr_admin", 200),
        ("peer", 404),
        ("other_manager", 404),
        ("outsider", 404),
    ],
)
def test_the_scorecard_page_is_for_the_person_their_managers_and_hr(
    org: TestOrg, period: Period, client_for: Clients, persona: str, status: int
) -> None:
    card = factories.complete_scorecard(org.employee, period)

    response = client_for(persona).get(_url("scorecard", card.uuid))

    assert response.status_code == status
    if status == 200:
        assert "销售额达到500万元" in response.content.decode()


def test_the_scorecard_page_offers_what_the_user_may_do(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.complete_scorecard(org.employee, period)

    mine = client_for("employee").get(_url("scorecard", card.uuid)).content.decode()
    managers = client_for("manager").get(_url("scorecard", card.uuid)).content.decode()

    assert "Submit to the manager" in mine
    assert _url("scorecard_approve", card.uuid) not in mine
    assert _url("goal_add", card.uuid) in mine
    assert _url("scorecard_approve", card.uuid) in managers
    assert "ready to submit" in mine


def test_the_history_shows_the_scorecard_and_its_goals(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.complete_scorecard(org.employee, period)
    goal = card.goals.get(kind=GoalKind.KPI)
    from pms.goals.services import scorecards as services

    services.goal_update(
        actor=actor_of(org.manager), goal=goal, changes={"target": Decimal(650)}, reason="加码"
    )

    page = client_for("employee").get(_url("scorecard", card.uuid)).content.decode()

    assert 'id="history"' in page
    assert "加码" in page
    assert "goal “销售额达到500万元”" in page


def test_an_agreed_scorecard_offers_the_letter_and_no_editing(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))

    page = client_for("employee").get(_url("scorecard", card.uuid)).content.decode()

    assert _url("letter", card.uuid) in page
    assert "Sign as employee" in page
    assert _url("goal_add", card.uuid) not in page


# --- goals edited in place ---------------------------------------------------------------


def test_adding_a_goal_in_place(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("employee").post(_url("goal_add", card.uuid), _goal_data(), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scorecard-goals"' in html
    assert "新客户开发数量达到20个" in html
    assert "<html" not in html
    goal = card.goals.get()
    assert (goal.target, goal.unit, goal.weight) == (Decimal(20), "个", Decimal(40))
    entry = AuditEntry.objects.get(object_type="goals.goal", object_id=str(goal.pk))
    assert entry.actor == org.employee.user


def test_a_goal_with_errors_comes_back_with_the_message_and_nothing_saved(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    data = _goal_data(target="10", target_max="5")

    response = client_for("employee").post(_url("goal_add", card.uuid), data, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The upper target must not be below the target." in html
    assert 'id="goal-editor"' in html
    assert not card.goals.exists()


def test_a_key_result_needs_its_objective(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("employee").post(
        _url("goal_add", card.uuid), _goal_data(kind="key_result"), **HTMX
    )

    assert "Choose the objective this key result belongs to." in response.content.decode()
    assert not card.goals.exists()


def test_a_key_result_is_added_under_its_objective(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    objective = factories.scorecard_services.goal_add(
        actor=factories.SYSTEM, scorecard=card, title="提升用户体验", kind=GoalKind.OBJECTIVE
    )

    client_for("employee").post(
        _url("goal_add", card.uuid),
        _goal_data(kind="key_result", objective=str(objective.uuid), weight="100"),
        **HTMX,
    )

    key_result = card.goals.get(kind=GoalKind.KEY_RESULT)
    assert key_result.parent == objective


def test_a_goal_aligns_to_the_managers_goal(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    manager_goal = factories.kpi(factories.scorecard(org.manager, period), title="团队销售额2000万")
    card = factories.scorecard(org.employee, period)

    form = client_for("employee").get(_url("goal_add", card.uuid), **HTMX).content.decode()
    client_for("employee").post(
        _url("goal_add", card.uuid),
        _goal_data(aligned_to=str(manager_goal.uuid), contribution="20"),
        **HTMX,
    )

    assert "团队销售额2000万" in form
    goal = card.goals.get()
    assert (goal.parent, goal.contribution) == (manager_goal, Decimal(20))


def test_the_add_form_is_an_editor_fragment_or_a_whole_page(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    client = client_for("employee")

    fragment = client.get(_url("goal_add", card.uuid), {"kind": "task"}, **HTMX).content.decode()
    page = client.get(_url("goal_add", card.uuid), {"kind": "task"}).content.decode()

    assert 'id="goal-editor"' in fragment
    assert "<html" not in fragment
    assert 'hx-trigger="input delay:500ms from:closest form' in fragment
    assert "<html" in page
    assert 'id="goal-editor"' in page


def test_choosing_an_indicator_fills_in_its_terms(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    indicator = factories.indicator(
        "回款率", unit="%", scoring_rule={"type": "pass_fail", "threshold": "95"}
    )

    response = client_for("employee").get(
        _url("goal_add", card.uuid),
        {"part": "editor", "goal-indicator": str(indicator.uuid), "goal-weight": "30"},
        **HTMX,
    )

    html = response.content.decode()
    assert html.startswith('<div id="goal-editor"')
    assert 'name="goal-unit" value="%"' in html
    assert 'name="goal-metric" value="回款率"' in html
    assert 'name="goal-weight" value="30"' in html
    assert '<option value="pass_fail" selected>' in html


def test_an_employee_cannot_choose_an_indicator_reserved_for_managers(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    reserved = factories.indicator("利润率", employee_selectable=False)

    mine = client_for("employee").get(_url("goal_add", card.uuid), **HTMX).content.decode()
    managers = client_for("manager").get(_url("goal_add", card.uuid), **HTMX).content.decode()
    refused = client_for("employee").post(
        _url("goal_add", card.uuid), _goal_data(indicator=str(reserved.uuid)), **HTMX
    )

    assert "利润率" not in mine
    assert "利润率" in managers
    assert "Select a valid choice" in refused.content.decode()
    assert not card.goals.exists()


def test_editing_a_goal_in_place(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card)
    client = client_for("manager")

    form = client.get(_url("goal_edit", card.uuid, goal.uuid), **HTMX).content.decode()
    response = client.post(
        _url("goal_edit", card.uuid, goal.uuid),
        _goal_data(
            title="销售额达到600万元", weight="50", target="600", unit="万元", metric="销售额"
        ),
        **HTMX,
    )

    assert 'value="销售额达到500万元"' in form
    assert response.status_code == 200
    goal.refresh_from_db()
    assert (goal.title, goal.target) == ("销售额达到600万元", Decimal(600))
    entry = AuditEntry.objects.get(object_type="goals.goal", action=AuditAction.UPDATE)
    assert entry.actor == org.manager.user
    assert set(entry.after) == {"title", "target"}


def test_removing_a_goal_in_place(org: TestOrg, period: Period, client_for: Clients) -> None:
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card)

    response = client_for("employee").post(_url("goal_remove", card.uuid, goal.uuid), **HTMX)

    assert response.status_code == 200
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert AuditEntry.objects.filter(object_type="goals.goal", action=AuditAction.DELETE).exists()


@pytest.mark.parametrize(("persona", "status"), [("peer", 404), ("outsider", 404)])
def test_strangers_cannot_touch_the_goals(
    org: TestOrg, period: Period, client_for: Clients, persona: str, status: int
) -> None:
    card = factories.scorecard(org.employee, period)
    goal = factories.kpi(card)
    client = client_for(persona)

    responses = [
        client.post(_url("goal_add", card.uuid), _goal_data(), **HTMX),
        client.post(_url("goal_edit", card.uuid, goal.uuid), _goal_data(), **HTMX),
        client.post(_url("goal_remove", card.uuid, goal.uuid), **HTMX),
        client.post(_url("smart_check", card.uuid), _goal_data()),
    ]

    assert [r.status_code for r in responses] == [status] * 4
    assert list(card.goals.all()) == [goal]


def test_the_person_cannot_edit_an_agreed_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.agreed_scorecard(org.employee, period, actor_of(org.manager))
    goal = card.goals.first()
    assert goal is not None

    add = client_for("employee").post(_url("goal_add", card.uuid), _goal_data(), **HTMX)
    remove = client_for("employee").post(_url("goal_remove", card.uuid, goal.uuid), **HTMX)

    assert (add.status_code, remove.status_code) == (403, 403)
    assert card.goals.count() == 2


def test_a_goal_of_another_scorecard_is_not_found_here(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    other = factories.kpi(factories.scorecard(org.peer, period))

    response = client_for("manager").post(_url("goal_remove", card.uuid, other.uuid), **HTMX)

    assert response.status_code == 404
    assert Goal.objects.filter(pk=other.pk).exists()


# --- the SMART check ---------------------------------------------------------------------


def test_the_smart_check_answers_while_the_goal_is_written(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("employee").post(
        _url("smart_check", card.uuid),
        _goal_data(title="进一步提高客户满意度", target="", metric=""),
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "without a number is vague" in html
    assert "Name the metric this goal is measured by." in html
    assert not card.goals.exists()


def test_a_smart_goal_gets_nothing_to_flag(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("employee").post(_url("smart_check", card.uuid), _goal_data(), **HTMX)

    assert "nothing to flag" in response.content.decode()


def test_smart_hints_are_advice_a_vague_goal_is_still_saved(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    client_for("employee").post(
        _url("goal_add", card.uuid), _goal_data(title="提高服务质量", target=""), **HTMX
    )

    assert card.goals.get().title == "提高服务质量"


# --- copy forward ------------------------------------------------------------------------


def test_copying_a_scorecard_forward_from_the_page(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    last_year = factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    old = factories.complete_scorecard(org.employee, last_year)

    page = client_for("employee").get(_url("scorecard", old.uuid)).content.decode()
    response = client_for("employee").post(
        _url("scorecard_copy_forward", old.uuid), {"period": str(period.uuid)}
    )

    card = Scorecard.objects.get(employee=org.employee, period=period)
    assert "Copy forward" in page
    assert response["Location"] == _url("scorecard", card.uuid)
    assert card.status == ScorecardStatus.DRAFT
    assert card.goals.count() == 2


def test_copying_forward_twice_says_a_scorecard_exists(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    last_year = factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    old = factories.complete_scorecard(org.employee, last_year)
    factories.scorecard(org.employee, period)

    response = client_for("employee").post(
        _url("scorecard_copy_forward", old.uuid), {"period": str(period.uuid)}, follow=True
    )

    assert "陈员工 already has a scorecard for 2026年度." in response.content.decode()
    assert Scorecard.objects.get(employee=org.employee, period=period).goals.count() == 0


def test_a_peer_cannot_copy_someone_elses_scorecard(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    last_year = factories.period("2025年度", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    old = factories.complete_scorecard(org.employee, last_year)

    response = client_for("peer").post(
        _url("scorecard_copy_forward", old.uuid), {"period": str(period.uuid)}
    )

    assert response.status_code == 404
    assert not Scorecard.objects.filter(period=period).exists()


def test_the_editor_reloads_with_what_was_typed(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)

    response = client_for("employee").get(
        _url("goal_add", card.uuid),
        {"part": "editor", "goal-kind": "task", "goal-title": "新品上线", "goal-indicator": "x"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="新品上线"' in html
    assert '<option value="task" selected>' in html


def test_a_proposed_indicator_opens_the_editor_with_it(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.scorecard(org.employee, period)
    indicator = factories.indicator("新客户开发数量", unit="个")

    page = (
        client_for("manager")
        .get(_url("goal_add", card.uuid), {"indicator": str(indicator.uuid)})
        .content.decode()
    )

    assert 'name="goal-title" value="新客户开发数量"' in page
    assert 'name="goal-unit" value="个"' in page


def test_cancelling_the_editor_brings_back_the_goals(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.complete_scorecard(org.employee, period)

    response = client_for("employee").get(
        _url("scorecard", card.uuid), {"fragment": "goals"}, **HTMX
    )

    html = response.content.decode()
    assert html.startswith('<section id="scorecard-goals"')
    assert "goal-editor" not in html
    assert "销售额达到500万元" in html
