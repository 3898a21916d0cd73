"""Access functions added for the scorecard pages: the team, the inbox's two lists, the
status board's scope and what a goal may be aligned to."""

from __future__ import annotations

from typing import Any

import pytest

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.goals import access
from pms.goals.models import Goal, GoalStatus, Period, SignerRole
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.models import Employee
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def _principal(person: Employee | User) -> Principal:
    return principal_for(person.user if isinstance(person, Employee) else person)


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def test_the_team_is_every_current_report_down_the_chain(org: TestOrg) -> None:
    head = set(access.team_members(_principal(org.head)).values_list("number", flat=True))
    employee = access.team_members(_principal(org.employee))
    sysadmin = access.team_members(_principal(org.sysadmin))

    assert head == {"E0003", "E0004", "E0005", "E0006"}
    assert not employee.exists()
    assert not sysadmin.exists()


def test_submitted_scorecards_await_managers_up_the_chain_and_hr_in_scope(
    org: TestOrg, period: Period
) -> None:
    for person in (org.employee, org.manager, org.outsider):
        card = factories.complete_scorecard(person, period)
        services.scorecard_submit(actor=factories.SYSTEM, scorecard=card)

    def numbers(person: Employee) -> set[str]:
        awaiting = access.scorecards_awaiting_approval(_principal(person))
        return set(awaiting.values_list("employee__number", flat=True))

    assert numbers(org.manager) == {"E0004"}
    assert numbers(org.head) == {"E0003", "E0004"}
    assert numbers(org.hrbp) == {"E0003", "E0004"}
    assert numbers(org.hr_admin) == {"E0003", "E0004", "E0007"}
    assert numbers(org.employee) == set()


def test_letters_await_the_person_the_direct_manager_and_the_approver(
    org: TestOrg, period: Period
) -> None:
    card = factories.agreed_scorecard(org.employee, period, Actor(user=org.hr_admin.user))

    def waiting(person: Employee) -> bool:
        letters = access.letters_awaiting_signature(_principal(person))
        return letters.filter(pk=card.pk).exists()

    assert [waiting(p) for p in (org.employee, org.manager, org.hr_admin, org.head, org.peer)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    services.scorecard_sign(
        actor=Actor(user=org.manager.user), scorecard=card, role=SignerRole.MANAGER
    )
    assert [waiting(p) for p in (org.employee, org.manager, org.hr_admin)] == [True, False, False]


def test_the_status_board_scope(org: TestOrg) -> None:
    def people(person: Employee) -> int:
        return access.status_board_people(_principal(person)).count()

    assert people(org.hr_admin) == 9
    assert people(org.hrbp) == 5
    assert people(org.head) == 5
    assert people(org.employee) == 0
    assert access.status_board_roots(_principal(org.hrbp)) == (org.sales.path,)
    assert access.status_board_roots(_principal(org.ceo)) == (org.hq.path,)


def test_alignment_targets_are_the_strategy_the_chains_departments_and_the_manager(
    org: TestOrg, period: Period
) -> None:
    def plan_goal(title: str, **fields: Any) -> Goal:
        return Goal.objects.create(period=period, title=title, **fields)

    company = plan_goal("营收增长20%", level="company", status=GoalStatus.APPROVED)
    sales = plan_goal("销售增长15%", level="department", department=org.sales, status="approved")
    plan_goal("研发周期缩短15%", level="department", department=org.rnd, status="approved")
    plan_goal("草稿目标", level="department", department=org.sales1, status="draft")
    manager_goal = factories.kpi(factories.scorecard(org.manager, period), title="团队2000万")
    card = factories.scorecard(org.employee, period)

    targets = set(access.alignment_targets(_principal(org.employee), card))

    assert targets == {company, sales, manager_goal}
