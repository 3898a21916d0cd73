"""Plans: improvement (PIP) and development (IDP).

The rules are in the package's docstring (``pms.outcomes.access``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.core.access import get_visible
from pms.goals.access import hr_covers, is_manager_above, is_self
from pms.org.access import hr_scope_q, is_member
from pms.org.models import CURRENT_STATUSES, Employee
from pms.org.roles import Principal
from pms.outcomes.access.results import NOTHING, can_run_results, results_in_scope, team_results
from pms.outcomes.models import (
    OPEN_PIP,
    DevelopmentAction,
    DevelopmentPlan,
    IdpStatus,
    ImprovementGoal,
    ImprovementPlan,
    PerformanceResult,
    PipStatus,
    PlanCheckpoint,
)

# the API scope of integration tokens reading plans (sessions hold every scope)
PLANS_READ_SCOPE = "read_plans"

# a started plan runs until it is closed or cancelled
RUNNING_PIP = (PipStatus.ACTIVE, PipStatus.EXTENDED)

# what every page about one plan needs loaded for the rules below
PIP_RELATED = (
    "employee__department",
    "employee__position",
    "employee__user",
    "owner__user",
    "result__cycle",
    "created_by",
    "closed_by",
)
IDP_RELATED = (
    "employee__department",
    "employee__position",
    "employee__user",
    "target_position",
    "result__cycle",
    "agreed_by",
    "returned_by",
)


def hr_covers_person(principal: Principal, employee: Employee) -> bool:
    """HR (company-wide, or an HRBP whose scope covers the person's current department)."""
    return can_run_results(principal) and hr_covers(principal, employee)


def _below_me_q(principal: Principal, prefix: str) -> Q:
    """Rows about people below the principal in the reporting chain (not the principal)."""
    me = principal.employee
    if me is None or not me.report_path:
        return NOTHING
    return Q(**{f"{prefix}report_path__startswith": me.report_path}) & ~Q(**{f"{prefix}pk": me.pk})


def _hr_people_q(principal: Principal, prefix: str) -> Q:
    return hr_scope_q(principal, prefix) if can_run_results(principal) else NOTHING


def _is_current(employee: Employee) -> bool:
    return employee.status in CURRENT_STATUSES


# PIP


def pips_visible(principal: Principal) -> QuerySet[ImprovementPlan]:
    """The person (once the plan has started), the plan's manager, managers up the chain
    and HR in scope (never their own draft)."""
    if not is_member(principal):
        return ImprovementPlan.objects.none()
    others = _hr_people_q(principal, "employee__") | _below_me_q(principal, "employee__")
    me = principal.employee
    if me is None:
        return ImprovementPlan.objects.filter(others)
    others |= Q(owner=me)
    mine = Q(employee=me) & ~Q(status=PipStatus.DRAFT)
    return ImprovementPlan.objects.filter((others & ~Q(employee=me)) | mine)


def access_pip(principal: Principal, uuid: object) -> ImprovementPlan:
    return get_visible(pips_visible(principal).select_related(*PIP_RELATED), uuid=uuid)


def access_pip_goal(principal: Principal, uuid: object) -> ImprovementGoal:
    return get_visible(
        ImprovementGoal.objects.filter(plan__in=pips_visible(principal)).select_related(
            *(f"plan__{name}" for name in PIP_RELATED)
        ),
        uuid=uuid,
    )


def access_pip_checkpoint(principal: Principal, uuid: object) -> PlanCheckpoint:
    return get_visible(
        PlanCheckpoint.objects.filter(plan__in=pips_visible(principal)).select_related(
            *(f"plan__{name}" for name in PIP_RELATED)
        ),
        uuid=uuid,
    )


def is_pip_person(principal: Principal, plan: ImprovementPlan) -> bool:
    return is_self(principal, plan.employee)


def leads_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    """The plan's manager, or a manager anywhere up the person's chain."""
    me = principal.employee
    if me is None or me.pk == plan.employee_id:
        return False
    return me.pk == plan.owner_id or is_manager_above(principal, plan.employee)


def can_manage_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    """The manager's side: the plan's manager, managers up the chain, HR in scope; never
    the person themself."""
    if is_pip_person(principal, plan):
        return False
    return leads_pip(principal, plan) or hr_covers_person(principal, plan.employee)


def can_create_pip_for(principal: Principal, employee: Employee) -> bool:
    if is_self(principal, employee):
        return False
    if not _is_current(employee):
        return False
    return is_manager_above(principal, employee) or hr_covers_person(principal, employee)


def can_edit_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    """Goals, support, dates and checkpoints change while the plan is being prepared."""
    return plan.status == PipStatus.DRAFT and can_manage_pip(principal, plan)


def can_start_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    return can_edit_pip(principal, plan)


def can_sign_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    """The person signs that they have read the plan, once, while it runs."""
    return (
        is_pip_person(principal, plan)
        and plan.status in RUNNING_PIP
        and plan.employee_signed_at is None
    )


def can_note_sign_refusal(principal: Principal, plan: ImprovementPlan) -> bool:
    return (
        can_manage_pip(principal, plan)
        and plan.status in RUNNING_PIP
        and plan.employee_signed_at is None
    )


def can_record_checkpoint(principal: Principal, plan: ImprovementPlan) -> bool:
    return plan.status in RUNNING_PIP and can_manage_pip(principal, plan)


def can_extend_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    """Once: an extended plan is not extended again."""
    return (
        plan.status == PipStatus.ACTIVE
        and plan.extended_at is None
        and can_manage_pip(principal, plan)
    )


def can_close_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    return plan.status in RUNNING_PIP and can_manage_pip(principal, plan)


def can_cancel_pip(principal: Principal, plan: ImprovementPlan) -> bool:
    return plan.status in OPEN_PIP and can_manage_pip(principal, plan)


def can_see_team_plans(principal: Principal) -> bool:
    return principal.is_authenticated and principal.employee is not None and principal.is_manager


def team_pips(principal: Principal) -> QuerySet[ImprovementPlan]:
    """The plans of the people below the manager, and those the manager owns."""
    me = principal.employee
    if me is None:
        return ImprovementPlan.objects.none()
    return ImprovementPlan.objects.filter(
        _below_me_q(principal, "employee__") | Q(owner=me)
    ).exclude(employee=me)


def can_list_plans(principal: Principal) -> bool:
    """HR's lists of plans and of people whose grade calls for a PIP."""
    return can_run_results(principal)


def pips_in_scope(principal: Principal) -> QuerySet[ImprovementPlan]:
    if not can_list_plans(principal):
        return ImprovementPlan.objects.none()
    rows = ImprovementPlan.objects.filter(hr_scope_q(principal, "employee__"))
    if principal.employee is not None:
        rows = rows.exclude(employee=principal.employee)
    return rows


def pip_candidate_results(principal: Principal) -> QuerySet[PerformanceResult]:
    """Published results a PIP may start from: HR's scope, or a manager's team."""
    if can_list_plans(principal):
        rows = results_in_scope(principal)
    elif can_see_team_plans(principal):
        rows = team_results(principal)
    else:
        return PerformanceResult.objects.none()
    return rows.filter(published_at__isnull=False, employee__status__in=CURRENT_STATUSES)


# IDP


def idps_visible(principal: Principal) -> QuerySet[DevelopmentPlan]:
    """The person, managers up the chain, HR in scope. Mentors do not see plans: they
    see the actions they mentor (``mentored_actions``)."""
    if not is_member(principal):
        return DevelopmentPlan.objects.none()
    q = _hr_people_q(principal, "employee__") | _below_me_q(principal, "employee__")
    if principal.employee is not None:
        q |= Q(employee=principal.employee)
    return DevelopmentPlan.objects.filter(q)


def access_idp(principal: Principal, uuid: object) -> DevelopmentPlan:
    return get_visible(idps_visible(principal).select_related(*IDP_RELATED), uuid=uuid)


def access_idp_action(principal: Principal, uuid: object) -> DevelopmentAction:
    return get_visible(
        DevelopmentAction.objects.filter(plan__in=idps_visible(principal)).select_related(
            "mentor", *(f"plan__{name}" for name in IDP_RELATED)
        ),
        uuid=uuid,
    )


def is_idp_person(principal: Principal, plan: DevelopmentPlan) -> bool:
    return is_self(principal, plan.employee)


def can_edit_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    """The person owns the plan: they change it and its actions until it is done — except
    while it waits for their manager's agreement (the manager decides on what they read)."""
    return is_idp_person(principal, plan) and plan.status in (IdpStatus.DRAFT, IdpStatus.ACTIVE)


def can_submit_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    """The person submits their plan being prepared for their manager's agreement."""
    return is_idp_person(principal, plan) and plan.status == IdpStatus.DRAFT


def can_withdraw_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    """The person takes back their submitted plan to change it before it is agreed."""
    return is_idp_person(principal, plan) and plan.status == IdpStatus.SUBMITTED


def can_agree_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    """A manager up the person's chain agrees a submitted plan."""
    return plan.status == IdpStatus.SUBMITTED and is_manager_above(principal, plan.employee)


def can_return_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    """Whoever may agree a submitted plan may return it instead, with a reason."""
    return can_agree_idp(principal, plan)


def can_update_idp_progress(principal: Principal, plan: DevelopmentPlan) -> bool:
    return is_idp_person(principal, plan) and plan.status == IdpStatus.ACTIVE


def can_complete_idp(principal: Principal, plan: DevelopmentPlan) -> bool:
    return can_update_idp_progress(principal, plan)


def can_create_idp_for(principal: Principal, employee: Employee) -> bool:
    """The person for themself; a manager up the chain or HR in scope for them (from a
    training need: the person still owns the plan)."""
    if not _is_current(employee):
        return False
    if is_self(principal, employee):
        return True
    return is_manager_above(principal, employee) or hr_covers_person(principal, employee)


def team_idps(principal: Principal) -> QuerySet[DevelopmentPlan]:
    return DevelopmentPlan.objects.filter(_below_me_q(principal, "employee__"))


def idps_in_scope(principal: Principal) -> QuerySet[DevelopmentPlan]:
    if not can_list_plans(principal):
        return DevelopmentPlan.objects.none()
    rows = DevelopmentPlan.objects.filter(hr_scope_q(principal, "employee__"))
    if principal.employee is not None:
        rows = rows.exclude(employee=principal.employee)
    return rows


def mentored_actions(principal: Principal) -> QuerySet[DevelopmentAction]:
    """The actions this person mentors, once their plan is agreed: only those actions,
    never the rest of the plan."""
    me = principal.employee
    if me is None or not principal.is_authenticated:
        return DevelopmentAction.objects.none()
    return DevelopmentAction.objects.filter(
        mentor=me, plan__status__in=(IdpStatus.ACTIVE, IdpStatus.DONE)
    ).exclude(plan__employee=me)
