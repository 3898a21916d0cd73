"""Raise plans: the matrix, salaries and ranges, computing zone, percent and amount,
the budget with its scale-down factor, locking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import PlanStatus, RaiseLine, RaisePlan
from pms.outcomes.pay_wording import pay_sentences
from pms.outcomes.selectors.pay import raise_simulation
from pms.outcomes.services import raises as services
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db
D = Decimal
GRADES = ["S", "A", "B", "C", "D"]


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return pf.hr_actor(org.hr_admin)


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    the_cycle = pf.results_cycle("2025年度考核")
    pf.result(the_cycle, org.employee, "A")
    pf.result(the_cycle, org.peer, "B")
    pf.result(the_cycle, org.manager, "B")
    pf.result(the_cycle, org.other_manager, "C")
    pf.result(the_cycle, org.outsider, "S")
    return the_cycle


def salaried(org: TestOrg, hr: Actor, cycle: Cycle, **values: object) -> RaisePlan:
    plan = pf.raise_plan(hr, cycle, **values)
    pf.set_salaries(
        hr,
        plan,
        {
            org.employee: ("10000", "8000", "14000"),  # mid 11000: q2
            org.peer: ("7000", "8000", "12000"),  # below
            org.manager: ("15000", "10000", "20000"),  # the midpoint: q3
            org.other_manager: ("21000", "10000", "20000"),  # above
        },
    )
    return plan


def test_a_plan_starts_from_the_example_matrix(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.raise_plan(hr, cycle, name="2026调薪", budget=D("1500"))
    assert list(plan.matrix) == GRADES
    assert plan.matrix["S"] == {
        "below": "15",
        "q1": "12",
        "q2": "10",
        "q3": "8",
        "q4": "6",
        "above": "3",
    }
    assert plan.matrix["D"]["below"] == "0"
    assert RaiseLine.objects.filter(plan=plan).count() == 5
    entry = AuditEntry.objects.get(object_type="outcomes.raiseplan", object_id=str(plan.pk))
    assert entry.action == AuditAction.CREATE


def test_zone_percent_and_amount_with_their_steps(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = salaried(org, hr, cycle)
    services.raise_plan_compute(actor=hr, plan=plan)
    found = {
        line.employee_id: (line.zone, line.percent, line.amount)
        for line in RaiseLine.objects.filter(plan=plan)
    }
    assert found == {
        org.employee.pk: ("q2", D("7.00"), D("700.00")),
        org.peer.pk: ("below", D("8.00"), D("560.00")),
        org.manager.pk: ("q3", D("3.00"), D("450.00")),
        org.other_manager.pk: ("above", D("0.00"), D("0.00")),
        org.outsider.pk: ("", D("0.00"), D("0.00")),
    }
    mine = pf.raise_line_of(plan, org.employee)
    assert pay_sentences(mine.explanation) == [
        "Compa-ratio = salary 10000.00 ÷ midpoint 11000.00 = 90.91%",
        "Salary 10000.00 in the range 8000.00 – 11000.00 – 14000.00: second quarter of the range",
        "Grade A, second quarter of the range: raise 7%",
        "10000.00 × 7% = 700.00; new salary 10700.00",
    ]
    assert pay_sentences(pf.raise_line_of(plan, org.outsider).explanation) == [
        "No salary or salary range is entered, so there is no raise"
    ]
    entry = AuditEntry.objects.filter(object_type="outcomes.raiseplan").order_by("id").last()
    assert entry is not None
    assert entry.after is not None
    assert entry.after["total"] == "1710.00"


def test_over_budget_suggests_the_scale_down_factor(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = salaried(org, hr, cycle, budget=D("1500"))
    services.raise_plan_compute(actor=hr, plan=plan)
    figures = raise_simulation(principal_for(org.hr_admin.user), plan, GRADES)
    assert figures.total == D("1710.00")
    assert figures.check is not None
    assert (figures.check.within, figures.check.over, figures.check.factor) == (
        False,
        D("210.00"),
        D("0.8771"),
    )
    assert figures.check_sentences == [
        "The raises cost 1710.00, 210.00 over the budget of 1500.00",
        "Scaling every raise by 0.8771 (rounded down to the fen) keeps within the budget",
    ]
    assert figures.missing_inputs == 1
    by_grade = {row.key: (row.count, row.total) for row in figures.by_grade}
    assert by_grade == {
        "S": (1, D("0.00")),
        "A": (1, D("700.00")),
        "B": (2, D("1010.00")),
        "C": (1, D("0.00")),
    }
    cells = {row.grade: row.cells for row in figures.matrix}
    assert ("q2", "7", 1) in cells["A"]
    services.raise_plan_update(actor=hr, plan=plan, changes={"budget": D("2000")})
    plan.refresh_from_db()
    figures = raise_simulation(principal_for(org.hr_admin.user), plan, GRADES)
    assert figures.check is not None
    assert figures.check.within
    assert figures.check_sentences == ["The raises cost 1710.00, within the budget of 2000.00"]
    # an HRBP sees their scope only and no budget
    scoped = raise_simulation(principal_for(org.hrbp.user), plan, GRADES)
    assert (scoped.people, scoped.total, scoped.check, scoped.scoped) == (
        4,
        D("1710.00"),
        None,
        True,
    )


def test_the_matrix_is_checked_and_audited(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.raise_plan(hr, cycle)
    matrix = {g: dict.fromkeys(("below", "q1", "q2", "q3", "q4", "above"), "1") for g in GRADES}
    bad = {**matrix, "A": {**matrix["A"], "q2": "101"}}
    with pytest.raises(ValidationError) as caught:
        services.raise_matrix_set(actor=hr, plan=plan, matrix=bad)
    assert "matrix" in caught.value.message_dict
    missing = {**matrix, "B": {"below": "1"}}
    with pytest.raises(ValidationError) as caught:
        services.raise_matrix_set(actor=hr, plan=plan, matrix=missing)
    assert caught.value.message_dict["matrix"] == [
        "The raise matrix has no percent for grade B in q1."
    ]
    plan.refresh_from_db()
    assert plan.matrix["A"]["q2"] == "7"
    services.raise_matrix_set(actor=hr, plan=plan, matrix=matrix)
    plan.refresh_from_db()
    assert plan.matrix["A"]["q2"] == "1"
    entry = AuditEntry.objects.filter(object_type="outcomes.raiseplan").order_by("id").last()
    assert entry is not None
    assert entry.before is not None
    assert entry.before["matrix"]["A"]["q2"] == "7"


def test_salary_and_range_are_checked(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.raise_plan(hr, cycle)
    line = pf.raise_line_of(plan, org.employee)
    cases = [
        ((D("100"), None, None), {"range_min", "range_max"}),
        ((D("100"), D("200"), D("150")), {"range_max"}),
        ((D("-1"), D("1"), D("2")), {"salary"}),
        ((D("100"), D("0"), D("2")), {"range_min"}),
        ((D("100.001"), D("1"), D("2")), {"salary"}),
    ]
    for (salary, low, high), fields in cases:
        with pytest.raises(ValidationError) as caught:
            services.raise_inputs_set(
                actor=hr, line=line, salary=salary, range_min=low, range_max=high
            )
        assert set(caught.value.message_dict) == fields
    line.refresh_from_db()
    assert line.salary is None
    services.raise_inputs_set(
        actor=hr, line=line, salary=D("9000"), range_min=D("8000"), range_max=D("8000")
    )
    line.refresh_from_db()
    assert (line.salary, line.range_min, line.range_max) == (D("9000"), D("8000"), D("8000"))
    entry = AuditEntry.objects.get(object_type="outcomes.raiseline", object_id=str(line.pk))
    assert entry.after == {"salary": "9000", "range_min": "8000", "range_max": "8000"}


def test_lock_and_a_locked_plan(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = salaried(org, hr, cycle)
    with pytest.raises(ValidationError):
        services.raise_plan_lock(actor=hr, plan=plan)
    services.raise_plan_compute(actor=hr, plan=plan)
    services.raise_plan_lock(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED
    entry = AuditEntry.objects.get(
        object_type="outcomes.raiseplan", object_id=str(plan.pk), action=AuditAction.CLOSE
    )
    assert entry.after is not None
    assert entry.after["total"] == "1710.00"
    line = pf.raise_line_of(plan, org.employee)
    for attempt in (
        lambda: services.raise_inputs_set(
            actor=hr, line=line, salary=D("1"), range_min=D("1"), range_max=D("2")
        ),
        lambda: services.raise_matrix_set(actor=hr, plan=plan, matrix=plan.matrix),
        lambda: services.raise_plan_update(actor=hr, plan=plan, changes={"name": "改名"}),
        lambda: services.raise_plan_compute(actor=hr, plan=plan),
        lambda: services.raise_plan_delete(actor=hr, plan=plan),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.messages == ["This plan is locked; nothing in it can change."]
    line.refresh_from_db()
    assert (line.salary, line.amount) == (D("10000.00"), D("700.00"))


def test_computing_takes_the_same_queries_whatever_the_size(org: TestOrg, hr: Actor) -> None:
    counts = []
    for size in (3, 30):
        cycle = pf.results_cycle()
        for person in pf.people(org.sales2, size):
            pf.result(cycle, person, "A")
        plan = pf.raise_plan(hr, cycle)
        RaiseLine.objects.filter(plan=plan).update(
            salary=D("10000"), range_min=D("8000"), range_max=D("14000")
        )
        with CaptureQueriesContext(connection) as captured:
            services.raise_plan_compute(actor=hr, plan=plan)
        counts.append(len(captured.captured_queries))
        assert RaiseLine.objects.filter(plan=plan, amount=D("700")).count() == size
    assert counts[0] == counts[1]
