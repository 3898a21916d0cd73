"""Results, their release and interviews.

The rules are in the package's docstring (``pms.outcomes.access``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from pms.core.access import Forbidden, get_visible
from pms.goals.access import is_self
from pms.org.access import hr_scope_q, is_member
from pms.org.roles import Principal
from pms.outcomes.models import (
    AckStatus,
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


def may_handle_appeal(principal: Principal, result: PerformanceResult) -> bool:
    """HR whose scope covers the result and who is neither the person nor a manager of
    theirs."""
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
