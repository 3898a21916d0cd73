"""Who may see and do what with results and their use. Pages, the API, exports and
notifications all call these functions; nothing else decides. One module for the whole
app: each area has its section below (results, releases, interviews, appeals; pay and
plans append theirs).

Results (``PerformanceResult``; a row exists only once its cycle's results are published)
- A result is seen by the person, their managers up the chain (and the manager recorded at
  launch, should the person have moved) and HR whose scope covers the department recorded
  at launch. System admins count as company-wide HR.
- The person confirms their own result while it waits for confirmation.
- HR in scope corrects a result, with a reason — but never HR who is the person themself
  or one of their managers (direct, dotted-line or up the chain): the same conflict rule
  as appeals.
- The manager's team list holds the results of the people they manage; HR's list of a
  cycle the results in their scope.
- Why a result changed is shown with it: calibration and corrections with their reasons
  to all who see the result. A change made on appeal shows its new score and grade to the
  managers too (the result is what it is), but its reason only to the person and to HR
  who may handle the appeal.

Releases (``ResultRelease``)
- Scheduling and publishing a cycle's results moves the whole cycle to its results phase,
  so it is company-wide HR's (as advancing a cycle is); HRBPs see the release's state.

Interviews (``Interview``, ``InterviewGuide``)
- A result's interview is scheduled by one of the person's managers (recorded at launch or
  up the chain), who becomes its interviewer. The interviewer and the person see it and
  work on it; HR in scope reads it (and the list of overdue interviews). Other managers
  do not see its record.
- The interviewer writes the record; the person adds their opinion; each signs; a record
  signed by both is locked. A change of content takes back the other party's signature.
- Interview guides are company-wide HR's to write; the interviewer reads the guides for
  the person's grade and for all grades on the interview page.

Appeals (``Appeal``)
- The person files an appeal against their own result while the window is open (the
  cycle's; for a result published later, as long again from its own publication), unless
  they confirmed the result themself (an automatic confirmation does not stop an
  appeal); one open appeal per result, and a decided appeal is final.
- The person sees their appeals and withdraws an open one.
- HR whose scope covers the department handles appeals — never HR who is the person or
  one of their managers (direct, dotted-line or up the chain). Such HR sees the appeal,
  assigns or reassigns its handler among the HR who may handle it; the handler takes it
  up and decides it.
- The person's managers are not told of the appeal and never see its reasons, evidence
  or decision: they see only that the result is "appealed" (its confirmation state) and,
  when it was adjusted, the new score and grade. This keeps an employee free to appeal
  without their manager reading over their shoulder.
- Appeal statistics per department: HR, over the results in their scope.

Plans: improvement (PIP, ``ImprovementPlan``) and development (IDP, ``DevelopmentPlan``)
- A PIP is created for a current employee by a manager up their chain or HR in scope
  (never for oneself); the plan's manager, managers up the chain and HR in scope prepare,
  start, record checkpoints, extend (once), close and cancel it. The person sees it from
  the day it starts and signs that they have read it. Its record is for all who see it.
- An IDP is the person's: they write and update it until it is done (not while it waits
  for agreement); they submit it, and a manager up the chain agrees it or returns it
  with a reason; HR in scope and managers up the chain read it, and may create one for
  the person (from a training need) that the person then owns. A mentor sees only the
  actions they mentor, once the plan is agreed.
- Lists: the person's own plans, a manager's team, HR's scope (and the results whose
  grade calls for a PIP).

Pay: bonus and raise plans (``BonusPlan``, ``RaisePlan``), promotion, training needs
- Pay is confidential. Company-wide HR and system admins create plans, enter or import
  bases and salaries, compute, lock and export them; an HRBP reads the plans and only the
  lines and totals of their scope; managers and employees never see a plan, nor their own
  line (payroll tells people their bonus and raise). A locked plan changes no more, and
  only a locked plan is exported to payroll.
- The promotion eligibility list is HR's, over the people of their scope.
- Training needs come from named manager-type ratings only (never an anonymous answer):
  HR over their scope, a manager over the people they lead.

API tokens: reads need ``read_results`` (browser sessions hold every scope); plans
need ``read_plans``; bonus and raise lines ``read_pay``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from pms.accounts.models import User
from pms.core.access import Forbidden, get_visible
from pms.goals.access import is_self
from pms.org.access import hr_scope_q, is_member
from pms.org.models import Employee, GrantedRole, RoleGrant
from pms.org.roles import Principal
from pms.outcomes.models import (
    OPEN_APPEAL,
    AckStatus,
    Appeal,
    AppealStatus,
    Interview,
    InterviewGuide,
    InterviewStatus,
    PerformanceResult,
    ResultRelease,
    ResultSource,
)
from pms.reviews.access import (
    access_cycle,
    can_run_reviews,
    hr_covers_review,
    is_manager_of_review,
    is_review_admin,
)
from pms.reviews.models import Cycle, CycleStatus

NOTHING = Q(pk__in=[])

# the API scope of integration tokens (sessions hold every scope)
READ_SCOPE = "read_results"

# what every page about one result needs loaded for the rules below
RESULT_RELATED = (
    "cycle__release",
    "employee",
    "department",
    "review__employee",
    "review__department",
    "review__manager",
)


# --- results -------------------------------------------------------------------------------


def is_result_owner(principal: Principal, result: PerformanceResult) -> bool:
    return is_self(principal, result.employee)


def is_manager_of_result(principal: Principal, result: PerformanceResult) -> bool:
    """The manager recorded at launch, or a manager anywhere up the person's chain."""
    return is_manager_of_review(principal, result.review)


def hr_covers_result(principal: Principal, result: PerformanceResult) -> bool:
    return can_run_reviews(principal) and hr_covers_review(principal, result.review)


def is_conflicted(principal: Principal, result: PerformanceResult) -> bool:
    """The person themself or one of their managers (direct, dotted-line, up the chain, or
    recorded at launch): never the one to judge an appeal or correct the result."""
    me = principal.employee
    if me is None:
        return False
    if me.pk == result.employee_id:
        return True
    if result.employee.dotted_manager_id == me.pk:
        return True
    return is_manager_of_result(principal, result)


def _conflict_q(principal: Principal, prefix: str) -> Q:
    """Rows (through ``prefix`` to a result) about the principal or somebody they manage."""
    me = principal.employee
    if me is None:
        return NOTHING
    q = (
        Q(**{f"{prefix}employee": me})
        | Q(**{f"{prefix}review__manager": me})
        | Q(**{f"{prefix}employee__dotted_manager": me})
    )
    if me.report_path:
        q |= Q(**{f"{prefix}employee__report_path__startswith": me.report_path})
    return q


def _result_q(principal: Principal) -> Q:
    q = hr_scope_q(principal) if can_run_reviews(principal) else NOTHING
    me = principal.employee
    if me is not None:
        q |= Q(employee=me, published_at__isnull=False) | Q(review__manager=me)
        if me.report_path:
            q |= Q(employee__report_path__startswith=me.report_path)
    return q


def results_visible(principal: Principal) -> QuerySet[PerformanceResult]:
    if not is_member(principal):
        return PerformanceResult.objects.none()
    return PerformanceResult.objects.filter(_result_q(principal))


def access_result(principal: Principal, uuid: object) -> PerformanceResult:
    return get_visible(results_visible(principal).select_related(*RESULT_RELATED), uuid=uuid)


def my_results(principal: Principal) -> QuerySet[PerformanceResult]:
    """The person's own published results ("my results")."""
    me = principal.employee
    if me is None:
        return PerformanceResult.objects.none()
    return PerformanceResult.objects.filter(employee=me, published_at__isnull=False)


def can_confirm_result(principal: Principal, result: PerformanceResult) -> bool:
    return is_result_owner(principal, result) and result.ack_status == AckStatus.PENDING


def can_correct_result(principal: Principal, result: PerformanceResult) -> bool:
    """HR in scope, not the person nor one of their managers."""
    return hr_covers_result(principal, result) and not is_conflicted(principal, result)


def can_see_change_reason(principal: Principal, result: PerformanceResult, source: str) -> bool:
    """Why a result changed: an appeal's reason only for the person and appeal HR."""
    if source != ResultSource.APPEAL:
        return True
    return is_result_owner(principal, result) or may_handle_appeal(principal, result)


def can_see_team_results(principal: Principal) -> bool:
    return principal.is_authenticated and principal.employee is not None and principal.is_manager


def team_results(principal: Principal) -> QuerySet[PerformanceResult]:
    """The results of the people this manager leads (recorded at launch or up the chain)."""
    me = principal.employee
    if me is None:
        return PerformanceResult.objects.none()
    q = Q(review__manager=me)
    if me.report_path:
        q |= Q(employee__report_path__startswith=me.report_path)
    return PerformanceResult.objects.filter(q).exclude(employee=me)


def can_run_results(principal: Principal) -> bool:
    """HR (company-wide or HRBP) and system admins: results lists, interviews overdue,
    appeals."""
    return can_run_reviews(principal)


def can_see_cycle_results(principal: Principal, cycle: Cycle) -> bool:
    return can_run_results(principal) and cycle.status != CycleStatus.DRAFT


def results_in_scope(principal: Principal) -> QuerySet[PerformanceResult]:
    """The results HR's scope covers (every cycle)."""
    if not can_run_results(principal):
        return PerformanceResult.objects.none()
    return PerformanceResult.objects.filter(hr_scope_q(principal))


def cycle_results(principal: Principal, cycle: Cycle) -> QuerySet[PerformanceResult]:
    """The results of a cycle HR's scope covers."""
    return results_in_scope(principal).filter(cycle=cycle)


def access_cycle_for_results(principal: Principal, uuid: object) -> Cycle:
    """A cycle's results list: unknown (404) to whoever does not see the cycle, forbidden
    (403) to colleagues who are not HR."""
    cycle = access_cycle(principal, uuid)
    if not can_see_cycle_results(principal, cycle):
        raise Forbidden
    return cycle


def results_cycles(principal: Principal) -> QuerySet[Cycle]:
    """The cycles HR picks a results list from: launched ones."""
    if not can_run_results(principal):
        return Cycle.objects.none()
    return Cycle.objects.exclude(status=CycleStatus.DRAFT)


# --- releases ------------------------------------------------------------------------------


def can_release_results(principal: Principal, cycle: Cycle) -> bool:
    """Schedule or publish a cycle's results: company-wide HR, while the cycle runs."""
    return is_review_admin(principal) and cycle.status == CycleStatus.RUNNING


def release_of(cycle: Cycle) -> ResultRelease | None:
    try:
        return cycle.release
    except ResultRelease.DoesNotExist:
        return None


def appeal_until_for(release: ResultRelease, published_at: dt.datetime | None) -> dt.date | None:
    """The last day to appeal a result published at ``published_at``: the cycle's
    ``appeal_until``, or — for a result published after the cycle's release (a person
    brought into the cycle late) — as many days from the day it was published as the
    cycle's window (``appeal_days`` when the cycle was released), never earlier."""
    until = release.appeal_until
    if until is None or release.published_at is None or published_at is None:
        return until
    window = until - timezone.localdate(release.published_at)
    return max(until, timezone.localdate(published_at) + window)


def appeal_until(result: PerformanceResult) -> dt.date | None:
    """The last day ``result``'s person may appeal it (``appeal_until_for``)."""
    release = release_of(result.cycle)
    return appeal_until_for(release, result.published_at) if release is not None else None


# --- interviews ----------------------------------------------------------------------------


def interviews_visible(principal: Principal) -> QuerySet[Interview]:
    if not is_member(principal):
        return Interview.objects.none()
    q = hr_scope_q(principal, "result__") if can_run_results(principal) else NOTHING
    me = principal.employee
    if me is not None:
        q |= Q(interviewer=me) | Q(result__employee=me)
    return Interview.objects.filter(q)


def access_interview(principal: Principal, uuid: object) -> Interview:
    return get_visible(
        interviews_visible(principal).select_related(
            "interviewer", *(f"result__{name}" for name in RESULT_RELATED)
        ),
        uuid=uuid,
    )


def is_interviewer(principal: Principal, interview: Interview) -> bool:
    return principal.employee is not None and principal.employee.pk == interview.interviewer_id


def can_see_interview(principal: Principal, interview: Interview) -> bool:
    return (
        is_interviewer(principal, interview)
        or is_result_owner(principal, interview.result)
        or hr_covers_result(principal, interview.result)
    )


def can_schedule_interview(principal: Principal, result: PerformanceResult) -> bool:
    """One of the person's managers holds the interview."""
    return is_manager_of_result(principal, result)


def can_reschedule_interview(principal: Principal, interview: Interview) -> bool:
    return is_interviewer(principal, interview) and interview.status == InterviewStatus.SCHEDULED


def can_cancel_interview(principal: Principal, interview: Interview) -> bool:
    return can_reschedule_interview(principal, interview)


def can_record_interview(principal: Principal, interview: Interview) -> bool:
    """The interviewer writes the record until both have signed."""
    return is_interviewer(principal, interview) and interview.status in (
        InterviewStatus.SCHEDULED,
        InterviewStatus.RECORDED,
    )


def can_give_opinion(principal: Principal, interview: Interview) -> bool:
    """The person adds their opinion once there is a record, until both have signed."""
    return (
        is_result_owner(principal, interview.result)
        and interview.status == InterviewStatus.RECORDED
    )


def can_sign_interview(principal: Principal, interview: Interview) -> bool:
    if interview.status != InterviewStatus.RECORDED:
        return False
    if is_interviewer(principal, interview):
        return interview.interviewer_signed_at is None
    if is_result_owner(principal, interview.result):
        return interview.employee_signed_at is None
    return False


def can_see_overdue_interviews(principal: Principal) -> bool:
    return can_run_results(principal)


def can_manage_guides(principal: Principal) -> bool:
    return is_review_admin(principal)


def guides_visible(principal: Principal) -> QuerySet[InterviewGuide]:
    """HR's guide list; interviewers read guides through the interview page."""
    if not can_run_results(principal):
        return InterviewGuide.objects.none()
    return InterviewGuide.objects.all()


def access_guide_for_change(principal: Principal, uuid: object) -> InterviewGuide:
    guide = get_visible(guides_visible(principal), uuid=uuid)
    if not can_manage_guides(principal):
        raise Forbidden
    return guide


# --- appeals -------------------------------------------------------------------------------


def may_handle_appeal(principal: Principal, result: PerformanceResult) -> bool:
    """HR whose scope covers the result and who is neither the person nor a manager of
    theirs."""
    return hr_covers_result(principal, result) and not is_conflicted(principal, result)


def can_file_appeal(
    principal: Principal, result: PerformanceResult, today: dt.date, *, has_appeal: bool
) -> bool:
    """The person, while the window is open, unless they confirmed the result themself
    or it already has an open or decided appeal (``has_appeal``)."""
    if not is_result_owner(principal, result) or has_appeal:
        return False
    if result.ack_status not in (AckStatus.PENDING, AckStatus.AUTO):
        return False
    until = appeal_until(result)
    return until is not None and today <= until


def appeals_visible(principal: Principal) -> QuerySet[Appeal]:
    if not is_member(principal):
        return Appeal.objects.none()
    q = NOTHING
    me = principal.employee
    if me is not None:
        q |= Q(result__employee=me)
    if can_run_results(principal):
        q |= hr_scope_q(principal, "result__") & ~_conflict_q(principal, "result__")
    return Appeal.objects.filter(q)


def appeals_to_handle(principal: Principal) -> QuerySet[Appeal]:
    """HR's appeal list: the appeals in scope they may handle (never their own people's)."""
    if not can_run_results(principal):
        return Appeal.objects.none()
    return Appeal.objects.filter(hr_scope_q(principal, "result__")).exclude(
        _conflict_q(principal, "result__")
    )


def access_appeal(principal: Principal, uuid: object) -> Appeal:
    return get_visible(
        appeals_visible(principal).select_related(
            "handler", "filed_by", *(f"result__{name}" for name in RESULT_RELATED)
        ),
        uuid=uuid,
    )


def is_appellant(principal: Principal, appeal: Appeal) -> bool:
    return is_result_owner(principal, appeal.result)


def is_handler(principal: Principal, appeal: Appeal) -> bool:
    return principal.user is not None and appeal.handler_id == principal.user.pk


def can_withdraw_appeal(principal: Principal, appeal: Appeal) -> bool:
    return is_appellant(principal, appeal) and appeal.status in OPEN_APPEAL


def can_assign_appeal(principal: Principal, appeal: Appeal) -> bool:
    return appeal.status in OPEN_APPEAL and may_handle_appeal(principal, appeal.result)


def can_take_up_appeal(principal: Principal, appeal: Appeal) -> bool:
    return (
        appeal.status == AppealStatus.FILED
        and is_handler(principal, appeal)
        and may_handle_appeal(principal, appeal.result)
    )


def can_decide_appeal(principal: Principal, appeal: Appeal) -> bool:
    """The assigned handler, while the appeal is open."""
    return (
        appeal.status in OPEN_APPEAL
        and is_handler(principal, appeal)
        and may_handle_appeal(principal, appeal.result)
    )


def can_see_appeal_stats(principal: Principal) -> bool:
    return can_run_results(principal)


def appeals_in_scope(principal: Principal) -> QuerySet[Appeal]:
    """Every appeal about a result in HR's scope: for counting only (statistics), never
    for reading one."""
    if not can_run_results(principal):
        return Appeal.objects.none()
    return Appeal.objects.filter(hr_scope_q(principal, "result__"))


def appeal_handlers(result: PerformanceResult) -> QuerySet[User]:
    """The users who may handle an appeal against ``result``: active accounts with an HR
    grant covering its department (company-wide or an HRBP scope above it), who are not
    the person nor one of their managers. The most specific scope first."""
    # the department's own path and those above it
    covering = _ancestor_paths(result.department.path)
    grants = RoleGrant.objects.filter(role=GrantedRole.HR_ADMIN).filter(
        Q(departments__isnull=True) | Q(departments__path__in=covering, departments__is_active=True)
    )
    managers = _manager_ids(result)
    return (
        User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .exclude(employee__pk__in=managers)
        .order_by("username")
    )


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a department and of those above it: "/1/4/9/" gives "/1/", "/1/4/"
    and "/1/4/9/"."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _manager_ids(result: PerformanceResult) -> set[int]:
    person: Employee = result.employee
    ids = {int(p) for p in person.report_path.split("/") if p}
    ids.add(person.pk)
    if person.dotted_manager_id is not None:
        ids.add(person.dotted_manager_id)
    if result.review.manager_id is not None:
        ids.add(result.review.manager_id)
    return ids


# --- plans: improvement (PIP) and development (IDP) ---

from pms.goals.access import hr_covers, is_manager_above  # noqa: E402
from pms.org.models import CURRENT_STATUSES  # noqa: E402
from pms.outcomes.models import (  # noqa: E402
    OPEN_PIP,
    DevelopmentAction,
    DevelopmentPlan,
    IdpStatus,
    ImprovementGoal,
    ImprovementPlan,
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


# --- pay: bonus and raises, promotion, training ---

from pms.core.access import NotFound  # noqa: E402
from pms.core.models import ImportJob  # noqa: E402
from pms.outcomes.models import (  # noqa: E402
    BonusLine,
    BonusPlan,
    PayImport,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)

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
