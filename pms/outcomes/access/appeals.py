"""Appeals.

The rules are in the package's docstring (``pms.outcomes.access``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from pms.accounts.models import User
from pms.core.access import get_visible
from pms.org.access import hr_scope_q, is_member
from pms.org.models import Employee, GrantedRole, RoleGrant
from pms.org.roles import Principal
from pms.outcomes.access.results import (
    NOTHING,
    RESULT_RELATED,
    _conflict_q,
    appeal_until,
    can_run_results,
    is_result_owner,
    may_handle_appeal,
)
from pms.outcomes.models import (
    OPEN_APPEAL,
    AckStatus,
    Appeal,
    AppealStatus,
    PerformanceResult,
)


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
