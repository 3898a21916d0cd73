"""Pay: bonus and raise plans, promotion, training needs.

The rules are in the package's docstring (``pms.outcomes.access``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.models import ImportJob
from pms.org.access import hr_scope_q
from pms.org.roles import Principal
from pms.outcomes.access.results import NOTHING, can_run_results, can_see_team_results
from pms.outcomes.models import (
    BonusLine,
    BonusPlan,
    PayImport,
    PerformanceResult,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)
from pms.reviews.access import (
    is_review_admin,
)
from pms.reviews.models import Cycle

# the API scope of bonus and raise lines (sessions hold every scope)
PAY_READ_SCOPE = "read_pay"
# the import kinds of pay inputs (``pms.outcomes.importers.pay``)
PAY_IMPORT_KINDS = ("outcomes.bonus_bases", "outcomes.raise_inputs")


def can_manage_pay(principal: Principal) -> bool:
    """Company-wide HR and system admins create, fill, compute, lock and export plans."""
    return is_review_admin(principal)


def can_read_pay(principal: Principal) -> bool:
    """HR (company-wide or an HRBP) and system admins read plans; an HRBP only the lines
    (and totals) of their scope."""
    return can_run_results(principal)


def pay_cycles(principal: Principal) -> QuerySet[Cycle]:
    """The cycles a plan may be made for: those with results."""
    if not can_manage_pay(principal):
        return Cycle.objects.none()
    return Cycle.objects.filter(pk__in=PerformanceResult.objects.values("cycle_id"))


def bonus_plans_visible(principal: Principal) -> QuerySet[BonusPlan]:
    if not can_read_pay(principal):
        return BonusPlan.objects.none()
    return BonusPlan.objects.all()


def access_bonus_plan(principal: Principal, uuid: object) -> BonusPlan:
    return get_visible(
        bonus_plans_visible(principal).select_related("cycle", "locked_by"), uuid=uuid
    )


def access_bonus_plan_for_change(principal: Principal, uuid: object) -> BonusPlan:
    """Changing a plan (its settings, factors, bases, computing, locking, deleting): "not
    found" to whoever does not read plans, "forbidden" to an HRBP. A locked plan is found
    here; the services refuse to change it, with the reason."""
    plan = access_bonus_plan(principal, uuid)
    if not can_manage_pay(principal):
        raise Forbidden
    return plan


def bonus_lines_visible(principal: Principal, plan: BonusPlan) -> QuerySet[BonusLine]:
    """The plan's lines in the reader's scope (by the department recorded on the line)."""
    if not can_read_pay(principal):
        return BonusLine.objects.none()
    return BonusLine.objects.filter(plan=plan).filter(hr_scope_q(principal))


def access_bonus_line(principal: Principal, uuid: object) -> BonusLine:
    if not can_read_pay(principal):
        raise NotFound
    lines = BonusLine.objects.filter(hr_scope_q(principal))
    return get_visible(
        lines.select_related("plan__cycle", "employee", "department", "result"), uuid=uuid
    )


def raise_plans_visible(principal: Principal) -> QuerySet[RaisePlan]:
    if not can_read_pay(principal):
        return RaisePlan.objects.none()
    return RaisePlan.objects.all()


def access_raise_plan(principal: Principal, uuid: object) -> RaisePlan:
    return get_visible(
        raise_plans_visible(principal).select_related("cycle", "locked_by"), uuid=uuid
    )


def access_raise_plan_for_change(principal: Principal, uuid: object) -> RaisePlan:
    plan = access_raise_plan(principal, uuid)
    if not can_manage_pay(principal):
        raise Forbidden
    return plan


def raise_lines_visible(principal: Principal, plan: RaisePlan) -> QuerySet[RaiseLine]:
    if not can_read_pay(principal):
        return RaiseLine.objects.none()
    return RaiseLine.objects.filter(plan=plan).filter(hr_scope_q(principal))


def access_raise_line(principal: Principal, uuid: object) -> RaiseLine:
    if not can_read_pay(principal):
        raise NotFound
    lines = RaiseLine.objects.filter(hr_scope_q(principal))
    return get_visible(
        lines.select_related("plan__cycle", "employee", "department", "result"), uuid=uuid
    )


def is_plan_locked(plan: BonusPlan | RaisePlan) -> bool:
    return plan.status == PlanStatus.LOCKED


def can_change_plan(principal: Principal, plan: BonusPlan | RaisePlan) -> bool:
    return can_manage_pay(principal) and not is_plan_locked(plan)


def can_export_plan(principal: Principal, plan: BonusPlan | RaisePlan) -> bool:
    """The payroll file of a locked plan: whoever reads plans, with the lines of their
    scope. A simulation is never exported, so nothing unlocked reaches payroll."""
    return can_read_pay(principal) and is_plan_locked(plan)


def pay_imports_visible(principal: Principal) -> QuerySet[ImportJob]:
    """The uploaded files of bonus bases and salaries: company-wide HR's."""
    if not can_manage_pay(principal):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(kind__in=PAY_IMPORT_KINDS)


def access_pay_import(principal: Principal, uuid: object) -> tuple[ImportJob, PayImport]:
    job = get_visible(pay_imports_visible(principal).select_related("created_by"), uuid=uuid)
    link = PayImport.objects.select_related("bonus_plan", "raise_plan").filter(job=job).first()
    if link is None:
        raise NotFound
    return job, link


def can_see_promotion(principal: Principal) -> bool:
    """The promotion eligibility list is HR's, over the people of their scope."""
    return can_run_results(principal)


def promotion_results(principal: Principal) -> QuerySet[PerformanceResult]:
    """Published results of the people in HR's scope (by their current department)."""
    if not can_see_promotion(principal):
        return PerformanceResult.objects.none()
    return PerformanceResult.objects.filter(
        hr_scope_q(principal, "employee__"), published_at__isnull=False
    )


def can_see_training_needs(principal: Principal) -> bool:
    """HR over their scope; a manager over the people they lead."""
    return can_run_results(principal) or can_see_team_results(principal)


def training_results(principal: Principal) -> QuerySet[PerformanceResult]:
    """The published results whose competency gaps the principal may read: HR's scope
    (the department recorded at launch), and a manager's people (recorded at launch or up
    the chain), never the manager's own."""
    if not can_see_training_needs(principal):
        return PerformanceResult.objects.none()
    q = hr_scope_q(principal) if can_run_results(principal) else NOTHING
    me = principal.employee
    if me is not None and principal.is_manager:
        team = Q(review__manager=me)
        if me.report_path:
            team |= Q(employee__report_path__startswith=me.report_path)
        q |= team & ~Q(employee=me)
    return PerformanceResult.objects.filter(q, published_at__isnull=False)


def can_manage_outcome_settings(principal: Principal) -> bool:
    """The results settings (coefficients, days, promotion rule, training threshold) are
    company-wide HR's."""
    return is_review_admin(principal)
