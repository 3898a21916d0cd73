"""The access rules of pay, promotion and training, branch by branch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pms.accounts.models import User
from pms.core.access import Forbidden, NotFound
from pms.org.roles import Principal, principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes import access
from pms.outcomes.importers.pay import pay_import_start
from pms.outcomes.models import PerformanceResult
from pms.outcomes.services import bonus as bonus_services
from pms.outcomes.tests import pay_factories as pf

pytestmark = pytest.mark.django_db

EVERYBODY = (
    "employee",
    "peer",
    "manager",
    "head",
    "other_manager",
    "outsider",
    "hr_admin",
    "hrbp",
    "ceo",
    "sysadmin",
    "committee",
)


def _p(org: TestOrg, persona: str) -> Principal:
    who = getattr(org, persona)
    user = who if isinstance(who, User) else who.user
    return principal_for(user)


@pytest.fixture
def plan(org: TestOrg):  # type: ignore[no-untyped-def]
    cycle = pf.results_cycle()
    for person, grade in ((org.employee, "A"), (org.peer, "B"), (org.outsider, "S")):
        pf.result(cycle, person, grade)
    return pf.bonus_plan(pf.hr_actor(org.hr_admin), cycle)


def test_who_manages_and_who_reads_pay(org: TestOrg) -> None:
    managers = {p for p in EVERYBODY if access.can_manage_pay(_p(org, p))}
    readers = {p for p in EVERYBODY if access.can_read_pay(_p(org, p))}
    assert managers == {"hr_admin", "sysadmin"}
    assert readers == {"hr_admin", "sysadmin", "hrbp"}


def test_who_finds_a_plan_and_who_may_change_it(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    for persona in ("hr_admin", "sysadmin"):
        assert access.access_bonus_plan_for_change(_p(org, persona), plan.uuid) == plan
    assert access.access_bonus_plan(_p(org, "hrbp"), plan.uuid) == plan
    with pytest.raises(Forbidden):
        access.access_bonus_plan_for_change(_p(org, "hrbp"), plan.uuid)
    for persona in ("employee", "manager", "head", "outsider", "ceo", "committee"):
        assert not access.bonus_plans_visible(_p(org, persona)).exists()
        with pytest.raises(NotFound):
            access.access_bonus_plan(_p(org, persona), plan.uuid)
        with pytest.raises(NotFound):
            access.access_bonus_plan_for_change(_p(org, persona), plan.uuid)
    with pytest.raises(NotFound):
        access.access_bonus_plan(_p(org, "hr_admin"), "not-a-uuid")


def test_an_hrbp_reads_the_lines_of_their_scope_only(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    hrbp = _p(org, "hrbp")
    seen = set(access.bonus_lines_visible(hrbp, plan).values_list("employee_id", flat=True))
    assert seen == {org.employee.pk, org.peer.pk}
    everyone = access.bonus_lines_visible(_p(org, "hr_admin"), plan)
    assert everyone.count() == 3
    outsider_line = pf.line_of(plan, org.outsider)
    with pytest.raises(NotFound):
        access.access_bonus_line(hrbp, outsider_line.uuid)
    assert access.access_bonus_line(hrbp, pf.line_of(plan, org.peer).uuid).employee == org.peer
    for persona in ("employee", "manager", "ceo"):
        assert not access.bonus_lines_visible(_p(org, persona), plan).exists()
        # not even one's own line: payroll tells people their bonus
        with pytest.raises(NotFound):
            access.access_bonus_line(_p(org, persona), pf.line_of(plan, org.employee).uuid)


def test_changing_and_exporting_follow_the_plan_state(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    hr, hrbp = _p(org, "hr_admin"), _p(org, "hrbp")
    assert access.can_change_plan(hr, plan)
    assert not access.can_change_plan(hrbp, plan)
    assert not access.can_export_plan(hr, plan)  # a simulation never goes to payroll
    actor = pf.hr_actor(org.hr_admin)
    bonus_services.bonus_plan_compute(actor=actor, plan=plan)
    bonus_services.bonus_plan_lock(actor=actor, plan=plan)
    plan.refresh_from_db()
    assert not access.can_change_plan(hr, plan)
    assert access.can_export_plan(hr, plan)
    assert access.can_export_plan(hrbp, plan)
    assert not access.can_export_plan(_p(org, "manager"), plan)


def test_imports_and_cycles_are_company_wide_hrs(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    job = pay_import_start(
        actor=pf.hr_actor(org.hr_admin),
        plan=plan,
        uploaded_file=SimpleUploadedFile("b.csv", "工号,奖金基数\nE0004,1\n".encode()),
    )
    assert access.access_pay_import(_p(org, "hr_admin"), job.uuid)[0] == job
    for persona in ("hrbp", "manager", "employee"):
        with pytest.raises(NotFound):
            access.access_pay_import(_p(org, persona), job.uuid)
        assert not access.pay_cycles(_p(org, persona)).exists()
    assert list(access.pay_cycles(_p(org, "hr_admin"))) == [plan.cycle]


def test_promotion_is_hrs_over_their_scope(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    assert {p for p in EVERYBODY if access.can_see_promotion(_p(org, p))} == {
        "hr_admin",
        "sysadmin",
        "hrbp",
    }
    seen = set(access.promotion_results(_p(org, "hrbp")).values_list("employee_id", flat=True))
    assert seen == {org.employee.pk, org.peer.pk}
    assert access.promotion_results(_p(org, "hr_admin")).count() == 3
    assert not access.promotion_results(_p(org, "manager")).exists()
    # a result not yet published is nobody's to judge
    PerformanceResult.objects.filter(employee=org.peer).update(published_at=None)
    seen = set(access.promotion_results(_p(org, "hrbp")).values_list("employee_id", flat=True))
    assert seen == {org.employee.pk}


def test_training_needs_for_hr_and_for_a_managers_own_people(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    cycle = plan.cycle
    pf.result(cycle, org.manager, "B")
    readers = {p for p in EVERYBODY if access.can_see_training_needs(_p(org, p))}
    # HR, and managers of people (赵经理 leads nobody)
    assert readers == {"hr_admin", "sysadmin", "hrbp", "manager", "head", "ceo"}

    def seen(persona: str) -> set[int]:
        rows = access.training_results(_p(org, persona))
        return set(rows.values_list("employee_id", flat=True))

    assert seen("manager") == {org.employee.pk, org.peer.pk}  # never the manager's own
    assert seen("head") == {org.employee.pk, org.peer.pk, org.manager.pk}
    assert seen("other_manager") == set()
    assert seen("hrbp") == {org.employee.pk, org.peer.pk, org.manager.pk}
    assert seen("hr_admin") == {org.employee.pk, org.peer.pk, org.manager.pk, org.outsider.pk}
    assert seen("employee") == set()


def test_results_settings_are_company_wide_hrs(org: TestOrg) -> None:
    allowed = {p for p in EVERYBODY if access.can_manage_outcome_settings(_p(org, p))}
    assert allowed == {"hr_admin", "sysadmin"}


def test_raise_plans_follow_the_same_rules(org: TestOrg, plan) -> None:  # type: ignore[no-untyped-def]
    raise_plan = pf.raise_plan(pf.hr_actor(org.hr_admin), plan.cycle)
    assert access.access_raise_plan(_p(org, "hrbp"), raise_plan.uuid) == raise_plan
    with pytest.raises(Forbidden):
        access.access_raise_plan_for_change(_p(org, "hrbp"), raise_plan.uuid)
    with pytest.raises(NotFound):
        access.access_raise_plan(_p(org, "manager"), raise_plan.uuid)
    lines = access.raise_lines_visible(_p(org, "hrbp"), raise_plan)
    assert set(lines.values_list("employee_id", flat=True)) == {org.employee.pk, org.peer.pk}
    outsider = pf.raise_line_of(raise_plan, org.outsider)
    with pytest.raises(NotFound):
        access.access_raise_line(_p(org, "hrbp"), outsider.uuid)
    assert access.access_raise_line(_p(org, "sysadmin"), outsider.uuid) == outsider
    assert Decimal(0) == pf.raise_line_of(raise_plan, org.peer).amount
