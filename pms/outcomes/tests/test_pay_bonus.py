"""Bonus plans: making a plan with its lines, settings, department factors and bases,
computing base × coefficient × factors and a pool shared to the fen, locking."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import BonusFactor, BonusLine, BonusMethod, BonusPlan, PlanStatus
from pms.outcomes.pay_wording import pay_sentences
from pms.outcomes.services import bonus as services
from pms.outcomes.tests import pay_factories as pf
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return pf.hr_actor(org.hr_admin)


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    """Five published results: A, B, B in 销售一部, C in 销售二部, S in 研发中心."""
    the_cycle = pf.results_cycle("2025年度考核")
    pf.result(the_cycle, org.employee, "A")
    pf.result(the_cycle, org.peer, "B")
    pf.result(the_cycle, org.manager, "B")
    pf.result(the_cycle, org.other_manager, "C")
    pf.result(the_cycle, org.outsider, "S")
    return the_cycle


def audits(instance: object, action: str | None = None) -> list[AuditEntry]:
    rows = AuditEntry.objects.filter(
        object_type=instance._meta.label_lower,  # type: ignore[attr-defined]
        object_id=str(instance.pk),  # type: ignore[attr-defined]
    )
    if action is not None:
        rows = rows.filter(action=action)
    return list(rows.order_by("id"))


def amounts(plan: BonusPlan) -> dict[str, Decimal]:
    return dict(BonusLine.objects.filter(plan=plan).values_list("employee__number", "amount"))


# --- making a plan -------------------------------------------------------------------------


def test_a_plan_gets_a_line_per_result_with_grade_and_coefficient(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle, name="2025年终奖", budget=D("50000"))
    lines = {line.employee_id: line for line in BonusLine.objects.filter(plan=plan)}
    assert len(lines) == 5
    mine = lines[org.employee.pk]
    assert (mine.grade, mine.coefficient, mine.base, mine.amount) == ("A", D("1.20"), None, 0)
    assert mine.department_id == org.sales1.pk
    assert plan.status == PlanStatus.DRAFT
    assert plan.computed_at is None
    [entry] = audits(plan, AuditAction.CREATE)
    assert entry.after is not None
    assert entry.after["name"] == "2025年终奖"
    assert entry.after["cycle"] == "2025年度考核"
    assert entry.actor == org.hr_admin.user


def test_a_plan_needs_results_and_sound_settings(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    empty = pf.results_cycle()
    with pytest.raises(ValidationError) as caught:
        pf.bonus_plan(hr, empty)
    assert "cycle" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.bonus_plan_create(
            actor=hr,
            cycle=cycle,
            name=" ",
            method=BonusMethod.POOL,
            pool=None,
            budget=D("-1"),
            company_factor=D("1000"),
            cap=D("0"),
        )
    assert set(caught.value.message_dict) == {"name", "pool", "budget", "company_factor", "cap"}
    with pytest.raises(ValidationError) as caught:
        pf.bonus_plan(hr, cycle, method=BonusMethod.POOL, pool=D("100.005"))
    assert "pool" in caught.value.message_dict
    pf.bonus_plan(hr, cycle, name="同名")
    with pytest.raises(ValidationError) as caught:
        pf.bonus_plan(hr, cycle, name="同名")
    assert "name" in caught.value.message_dict
    assert BonusPlan.objects.count() == 1
    assert BonusLine.objects.count() == 5


def test_changing_settings_is_audited_and_asks_for_a_new_computation(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle, budget=D("1000"))
    services.bonus_plan_compute(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.computed_at is not None
    services.bonus_plan_update(actor=hr, plan=plan, changes={"budget": D("2000"), "cap": D("500")})
    plan.refresh_from_db()
    assert (plan.budget, plan.cap, plan.computed_at) == (D("2000"), D("500"), None)
    entry = audits(plan, AuditAction.UPDATE)[-1]
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["budget"], entry.after["budget"]) == ("1000.00", "2000")
    # the same values again: nothing written
    count = AuditEntry.objects.count()
    services.bonus_plan_update(actor=hr, plan=plan, changes={"budget": D("2000")})
    assert AuditEntry.objects.count() == count


# --- computing: base × coefficient × factors -----------------------------------------------


def test_base_times_coefficient_times_factors_to_the_fen(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle, company_factor=D("1.10"), budget=D("40000"))
    services.bonus_factor_set(actor=hr, plan=plan, department=org.sales1, factor=D("0.95"))
    pf.set_bases(
        hr,
        plan,
        {
            org.employee: "10000",
            org.peer: "8000",
            org.manager: "12000.55",
            org.other_manager: "9000",
        },
    )
    services.bonus_plan_compute(actor=hr, plan=plan)
    assert amounts(plan) == {
        "E0004": D("12540.00"),  # 10000 × 1.2 × 1.1 × 0.95
        "E0005": D("8360.00"),  # 8000 × 1.0 × 1.1 × 0.95
        "E0003": D("12540.57"),  # 12000.55 × 1.0 × 1.1 × 0.95 = 12540.57475
        "E0006": D("7920.00"),  # 9000 × 0.8 × 1.1 (销售二部 has no factor)
        "E0007": D("0.00"),  # no base
    }
    mine = pf.line_of(plan, org.employee)
    assert mine.factor == D("0.95")
    assert pf.line_of(plan, org.other_manager).factor == D("1.00")
    codes = [step["code"] for step in mine.explanation["steps"]]
    assert codes == ["bonus_coefficient", "bonus_factor", "bonus_factor", "bonus_amount"]
    sentences = pay_sentences(mine.explanation)
    assert sentences[1] == "Factor company: × 1.1"
    assert sentences[2] == "Factor 销售一部: × 0.95"
    assert sentences[3] == "Base 10000.00 × coefficient 1.2 × factor 1.045 = 12540.00"
    assert pay_sentences(pf.line_of(plan, org.outsider).explanation) == [
        "No bonus base is entered, so there is no bonus"
    ]
    plan.refresh_from_db()
    assert plan.computed_at is not None
    entry = audits(plan, AuditAction.UPDATE)[-1]
    assert entry.after == {
        "people": 5,
        "total": "41360.57",
        "lines_added": 0,
        "lines_refreshed": 0,
    }


def test_the_cap_and_a_result_without_coefficient(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    pf.result(cycle, org.head, "", coefficient=None)
    plan = pf.bonus_plan(hr, cycle, cap=D("9000"))
    pf.set_bases(hr, plan, {org.employee: "10000", org.peer: "8000", org.head: "50000"})
    services.bonus_plan_compute(actor=hr, plan=plan)
    found = amounts(plan)
    assert found["E0004"] == D("9000.00")  # 12000 capped
    assert found["E0005"] == D("8000.00")
    assert found["E0002"] == D("0.00")
    assert pay_sentences(pf.line_of(plan, org.employee).explanation)[-1] == (
        "12000.00 is above the most per person: 9000.00 is paid"
    )
    assert pay_sentences(pf.line_of(plan, org.head).explanation) == [
        "The result (grade —) has no coefficient, so there is no bonus"
    ]


def test_computing_adds_lines_for_new_results_and_follows_changed_grades(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle)
    late = pf.result(cycle, org.head, "A")
    changed = pf.line_of(plan, org.peer).result
    changed.grade, changed.coefficient = "A", D("1.20")
    changed.save()
    pf.set_bases(hr, plan, {org.peer: "1000"})
    services.bonus_plan_compute(actor=hr, plan=plan)
    assert BonusLine.objects.filter(plan=plan).count() == 6
    assert pf.line_of(plan, org.head).result == late
    peer = pf.line_of(plan, org.peer)
    assert (peer.grade, peer.coefficient, peer.amount) == ("A", D("1.20"), D("1200.00"))
    entry = audits(plan, AuditAction.UPDATE)[-1]
    assert entry.after is not None
    assert (entry.after["lines_added"], entry.after["lines_refreshed"]) == (1, 1)


def test_factors_are_set_changed_and_taken_away(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    made = services.bonus_factor_set(actor=hr, plan=plan, department=org.sales1, factor=D("1.2"))
    assert made is not None
    services.bonus_factor_set(actor=hr, plan=plan, department=org.sales1, factor=D("1.3"))
    assert BonusFactor.objects.get(plan=plan).factor == D("1.30")
    assert [e.action for e in audits(made)] == [AuditAction.CREATE, AuditAction.UPDATE]
    with pytest.raises(ValidationError):
        services.bonus_factor_set(actor=hr, plan=plan, department=org.sales1, factor=D("-1"))
    services.bonus_factor_set(actor=hr, plan=plan, department=org.sales1, factor=None)
    assert not BonusFactor.objects.filter(plan=plan).exists()
    assert audits(made)[-1].action == AuditAction.DELETE


def test_a_base_is_audited_and_checked(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    services.bonus_plan_compute(actor=hr, plan=plan)
    line = pf.line_of(plan, org.employee)
    services.bonus_base_set(actor=hr, line=line, base=D("5000.5"))
    line.refresh_from_db()
    assert line.base == D("5000.50")
    [entry] = audits(line)
    assert (entry.before, entry.after) == ({"base": None}, {"base": "5000.5"})
    plan.refresh_from_db()
    assert plan.computed_at is None
    for bad in (D("-1"), D("1.001"), D("100000000000")):
        with pytest.raises(ValidationError) as caught:
            services.bonus_base_set(actor=hr, line=line, base=bad)
        assert "base" in caught.value.message_dict
    line.refresh_from_db()
    assert line.base == D("5000.50")


# --- computing: a pool ---------------------------------------------------------------------


def test_a_pool_shared_by_coefficient_adds_up_to_the_fen(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle, method=BonusMethod.POOL, pool=D("10000"), weigh_by_base=False)
    services.bonus_plan_compute(actor=hr, plan=plan)
    found = amounts(plan)
    assert sum(found.values()) == D("10000.00")
    weights = {
        "E0004": D("1.2"),
        "E0005": D("1"),
        "E0003": D("1"),
        "E0006": D("0.8"),
        "E0007": D("1.5"),
    }
    for number, weight in weights.items():
        exact = Fraction(10000) * Fraction(weight) / Fraction(D("5.5"))
        assert abs(Fraction(found[number]) - exact) < Fraction(1, 100)
    assert found["E0004"] == D("2181.82")
    sentences = pay_sentences(pf.line_of(plan, org.employee).explanation)
    assert sentences[0].startswith("A pool of 10000.00 shared among 5 people by coefficient")
    assert sentences[-1].startswith("E0004: 10000.00 × 1.2 ÷ 5.5 = 2181.8182")


def test_a_pool_weighed_by_base_with_factors_and_cap(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(
        hr, cycle, method=BonusMethod.POOL, pool=D("30000"), weigh_by_base=True, cap=D("9000")
    )
    with pytest.raises(ValidationError) as caught:
        services.bonus_plan_compute(actor=hr, plan=plan)
    assert caught.value.messages == [
        "5 people have no bonus base. Enter or import their bases, or share the pool by "
        "coefficient alone."
    ]
    services.bonus_factor_set(actor=hr, plan=plan, department=org.rnd, factor=D("2"))
    pf.set_bases(
        hr,
        plan,
        {
            org.employee: "10000",
            org.peer: "10000",
            org.manager: "10000",
            org.other_manager: "10000",
            org.outsider: "10000",
        },
    )
    services.bonus_plan_compute(actor=hr, plan=plan)
    found = amounts(plan)
    # weights 12000, 10000, 10000, 8000 and 30000 (S 1.5 × factor 2): the outsider's share
    # of 12857.14 is above the cap, so 9000 and the rest shared again
    assert found["E0007"] == D("9000.00")
    assert sum(found.values()) == D("30000.00")
    assert found["E0004"] == D("6300.00")  # 21000 × 12000 / 40000
    assert found["E0006"] == D("4200.00")
    outsider = pay_sentences(pf.line_of(plan, org.outsider).explanation)
    assert "Factor 研发中心: × 2" in outsider
    assert any("above the cap" in sentence for sentence in outsider)


# --- locking -------------------------------------------------------------------------------


def test_lock_needs_a_computation_on_the_current_results(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    plan = pf.bonus_plan(hr, cycle)
    with pytest.raises(ValidationError) as caught:
        services.bonus_plan_lock(actor=hr, plan=plan)
    assert caught.value.messages == ["Compute the plan before locking it."]
    services.bonus_plan_compute(actor=hr, plan=plan)
    result = pf.line_of(plan, org.peer).result
    result.grade, result.coefficient = "A", D("1.20")
    result.save()
    with pytest.raises(ValidationError) as caught:
        services.bonus_plan_lock(actor=hr, plan=plan)
    assert caught.value.messages == [
        "Results have changed since the plan was computed. Compute it again first."
    ]
    services.bonus_plan_compute(actor=hr, plan=plan)
    pf.result(cycle, org.head, "B")
    with pytest.raises(ValidationError):
        services.bonus_plan_lock(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_locked_plan_refuses_every_change(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle)
    pf.set_bases(hr, plan, {org.employee: "1000"})
    services.bonus_plan_compute(actor=hr, plan=plan)
    services.bonus_plan_lock(actor=hr, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LOCKED
    assert plan.locked_by == org.hr_admin.user
    assert plan.locked_at is not None
    [entry] = audits(plan, AuditAction.CLOSE)
    assert entry.after is not None
    assert (entry.after["status"], entry.after["total"]) == ("locked", "1200.00")
    before = AuditEntry.objects.count()
    line = pf.line_of(plan, org.employee)
    attempts = [
        lambda: services.bonus_base_set(actor=hr, line=line, base=D("2000")),
        lambda: services.bonus_factor_set(
            actor=hr, plan=plan, department=org.sales1, factor=D("2")
        ),
        lambda: services.bonus_plan_update(actor=hr, plan=plan, changes={"cap": D("1")}),
        lambda: services.bonus_plan_compute(actor=hr, plan=plan),
        lambda: services.bonus_plan_lock(actor=hr, plan=plan),
        lambda: services.bonus_plan_delete(actor=hr, plan=plan),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.messages == ["This plan is locked; nothing in it can change."]
    line.refresh_from_db()
    assert (line.base, line.amount) == (D("1000.00"), D("1200.00"))
    assert not BonusFactor.objects.filter(plan=plan).exists()
    assert AuditEntry.objects.count() == before
    assert BonusPlan.objects.filter(pk=plan.pk).exists()


def test_a_draft_plan_is_deleted_with_its_lines(org: TestOrg, hr: Actor, cycle: Cycle) -> None:
    plan = pf.bonus_plan(hr, cycle, name="试算")
    pk = plan.pk
    services.bonus_plan_delete(actor=hr, plan=plan)
    assert not BonusPlan.objects.filter(pk=pk).exists()
    assert not BonusLine.objects.filter(plan_id=pk).exists()
    entry = AuditEntry.objects.get(
        object_type="outcomes.bonusplan", object_id=str(pk), action=AuditAction.DELETE
    )
    assert entry.before is not None
    assert entry.before["name"] == "试算"


# --- size ----------------------------------------------------------------------------------


def test_computing_takes_the_same_queries_whatever_the_size(org: TestOrg, hr: Actor) -> None:
    counts = []
    for size in (3, 30):
        cycle = pf.results_cycle()
        for person in pf.people(org.sales2, size):
            pf.result(cycle, person, "B")
        for method, extra in ((BonusMethod.BASE, {}), (BonusMethod.POOL, {"pool": D("1000")})):
            plan = pf.bonus_plan(hr, cycle, method=method, weigh_by_base=False, **extra)
            services.bonus_factor_set(actor=hr, plan=plan, department=org.sales2, factor=D("1.1"))
            BonusLine.objects.filter(plan=plan).update(base=D("1000"))
            with CaptureQueriesContext(connection) as captured:
                services.bonus_plan_compute(actor=hr, plan=plan)
            counts.append((method, len(captured.captured_queries)))
            assert BonusLine.objects.filter(plan=plan, amount__gt=0).count() == size
    assert counts[0] == counts[2]
    assert counts[1] == counts[3]
