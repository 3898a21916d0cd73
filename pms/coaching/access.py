"""Who may see and change check-ins, obstacles, action items, resource requests and
coaching plans. Pages, the API and reminders all call these functions; nothing else decides.

- A check-in is the person's and their managers' up the chain (and the manager who led it,
  should the person move): they see it, as does HR whose scope covers the person.
- The person prepares (notes per goal, own improvement plan) while it is open; a manager up
  the chain (or the manager who leads it) writes comments, minutes, holds and closes it.
  Both raise obstacles and agree action items; HR in scope may cancel an open check-in.
- An action item is seen with its check-in, and by its owner; the owner and the two sides
  of the check-in mark it done.
- A resource request is seen by the requester's side (whoever sees the check-in) and by the
  side that handles it: the heads of the department asked (or of one above it) and HR whose
  scope covers that department. The handling side answers it.
- A coaching plan is seen by the person, their managers up the chain, HR in scope and the
  coach. The person, the coach and managers up the chain follow it (tick milestones, notes);
  the coach, managers up the chain and HR in scope change and close it. Managers up the chain
  and HR in scope start plans.
- Cadences are set by company-wide HR and system admins, who may also schedule at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet

from pms.coaching.models import (
    ActionItem,
    ActionStatus,
    CheckIn,
    CheckInCadence,
    CheckInStatus,
    CoachingPlan,
    Milestone,
    Obstacle,
    ObstacleKind,
    PlanStatus,
    ResourceRequest,
    ResourceStatus,
)
from pms.core.access import Forbidden, NotFound, get_visible
from pms.goals import access as goals_access
from pms.goals.access import hr_covers, is_goal_admin, is_manager_above, is_self
from pms.org.access import hr_scope_q, is_member
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal

NOTHING = Q(pk__in=[])

# the API scopes of integration tokens (sessions hold every scope)
READ_SCOPE = "read_tracking"
WRITE_SCOPE = "write_tracking"


def _paths_q(field: str, paths: tuple[str, ...]) -> Q:
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _person_circle_q(principal: Principal, prefix: str) -> Q:
    """Rows about a person (``prefix`` leads to the Employee) that this user may see as the
    person, a manager up the chain or HR in scope."""
    q = hr_scope_q(principal, prefix) if (principal.is_hr or principal.is_system_admin) else NOTHING
    me = principal.employee
    if me is not None:
        q |= Q(**{f"{prefix}pk": me.pk})
        if me.report_path:
            q |= Q(**{f"{prefix}report_path__startswith": me.report_path})
    return q


def _checkin_q(principal: Principal, prefix: str = "") -> Q:
    q = _person_circle_q(principal, f"{prefix}employee__")
    if principal.employee is not None:
        q |= Q(**{f"{prefix}manager": principal.employee})
    return q


def _hr_covers(principal: Principal, employee: Employee) -> bool:
    if not (principal.is_hr or principal.is_system_admin):
        return False
    return hr_covers(principal, employee)


# --- check-ins -----------------------------------------------------------------------------


def checkins_visible(principal: Principal) -> QuerySet[CheckIn]:
    if not is_member(principal):
        return CheckIn.objects.none()
    return CheckIn.objects.filter(_checkin_q(principal))


def access_checkin(principal: Principal, uuid: object) -> CheckIn:
    return get_visible(
        checkins_visible(principal).select_related(
            "employee__department", "employee__position", "manager"
        ),
        uuid=uuid,
    )


def leads_checkin(principal: Principal, checkin: CheckIn) -> bool:
    """The manager's side: a manager up the chain, or the manager it was scheduled with."""
    if not principal.is_authenticated or is_self(principal, checkin.employee):
        return False
    me = principal.employee
    if me is not None and me.pk == checkin.manager_id:
        return True
    return is_manager_above(principal, checkin.employee)


def takes_part(principal: Principal, checkin: CheckIn) -> bool:
    return is_self(principal, checkin.employee) or leads_checkin(principal, checkin)


def can_prepare(principal: Principal, checkin: CheckIn) -> bool:
    return checkin.is_open and is_self(principal, checkin.employee)


def can_write_manager_part(principal: Principal, checkin: CheckIn) -> bool:
    return checkin.is_active and leads_checkin(principal, checkin)


def can_hold(principal: Principal, checkin: CheckIn) -> bool:
    return checkin.is_open and leads_checkin(principal, checkin)


def can_close(principal: Principal, checkin: CheckIn) -> bool:
    return checkin.status == CheckInStatus.HELD and leads_checkin(principal, checkin)


def can_cancel(principal: Principal, checkin: CheckIn) -> bool:
    if not checkin.is_open:
        return False
    return leads_checkin(principal, checkin) or _hr_covers(principal, checkin.employee)


def can_discuss(principal: Principal, checkin: CheckIn) -> bool:
    """Raise obstacles and agree action items: both sides, until the check-in closes."""
    return checkin.is_active and takes_part(principal, checkin)


def access_checkin_for(
    principal: Principal, uuid: object, may: Callable[[Principal, CheckIn], bool]
) -> CheckIn:
    """The check-in, if visible (else 404), and ``may(principal, checkin)`` (else 403)."""
    checkin = access_checkin(principal, uuid)
    if not may(principal, checkin):
        raise Forbidden
    return checkin


def can_see_team_checkins(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_manager


def team_checkins(principal: Principal) -> QuerySet[CheckIn]:
    """Check-ins of the user's direct and indirect reports (not the user's own)."""
    me = principal.employee
    if not can_see_team_checkins(principal) or me is None or not me.report_path:
        return CheckIn.objects.none()
    return CheckIn.objects.filter(
        Q(employee__report_path__startswith=me.report_path) | Q(manager=me)
    ).exclude(employee=me)


def employees_for_new_checkin(principal: Principal) -> QuerySet[Employee]:
    """People a manager may set up a check-in with: current reports down the chain."""
    return goals_access.team_members(principal)


def can_create_checkin_for(principal: Principal, employee: Employee) -> bool:
    return employee.status in CURRENT_STATUSES and is_manager_above(principal, employee)


# --- obstacles -----------------------------------------------------------------------------


def access_obstacle(principal: Principal, uuid: object) -> Obstacle:
    return get_visible(
        Obstacle.objects.filter(_checkin_q(principal, "checkin__")).select_related(
            "checkin__employee__department",
            "checkin__manager",
            "goal__scorecard__period",
            "adjustment",
        ),
        uuid=uuid,
    )


def can_request_resources(principal: Principal, obstacle: Obstacle) -> bool:
    if obstacle.kind != ObstacleKind.EXTERNAL:
        return False
    return obstacle.checkin.status != CheckInStatus.CANCELLED and takes_part(
        principal, obstacle.checkin
    )


def can_request_adjustment_for(principal: Principal, obstacle: Obstacle) -> bool:
    """An external obstacle on an agreed goal, not yet taken to an adjustment, by whoever
    takes part in the check-in and may ask the goals flow for an adjustment."""
    if obstacle.kind != ObstacleKind.EXTERNAL or obstacle.adjustment_id is not None:
        return False
    goal = obstacle.goal
    if goal is None or goal.scorecard is None or not goal.is_active:
        return False
    if obstacle.checkin.status == CheckInStatus.CANCELLED:
        return False
    return takes_part(principal, obstacle.checkin) and goals_access.can_request_adjustment(
        principal, goal.scorecard
    )


def can_start_plan_for(principal: Principal, employee: Employee) -> bool:
    """Managers up the chain and HR in scope start coaching plans; never for oneself."""
    if not principal.is_authenticated or is_self(principal, employee):
        return False
    return is_manager_above(principal, employee) or _hr_covers(principal, employee)


def can_start_plan_from(principal: Principal, obstacle: Obstacle) -> bool:
    if obstacle.kind != ObstacleKind.INTERNAL:
        return False
    # the plan is read from the cache when the obstacle was loaded with it
    if getattr(obstacle, "coaching_plan", None) is not None:
        return False
    return can_start_plan_for(principal, obstacle.checkin.employee)


# --- action items --------------------------------------------------------------------------


def action_items_visible(principal: Principal) -> QuerySet[ActionItem]:
    if not is_member(principal):
        return ActionItem.objects.none()
    q = _checkin_q(principal, "checkin__")
    if principal.employee is not None:
        q |= Q(owner=principal.employee)
    return ActionItem.objects.filter(q)


def access_action_item(principal: Principal, uuid: object) -> ActionItem:
    return get_visible(
        action_items_visible(principal).select_related(
            "checkin__employee__department", "checkin__manager", "owner"
        ),
        uuid=uuid,
    )


def can_update_action(principal: Principal, item: ActionItem) -> bool:
    """Mark done or drop an open item: its owner, or either side of the check-in."""
    if item.status != ActionStatus.OPEN or not principal.is_authenticated:
        return False
    me = principal.employee
    if me is not None and me.pk == item.owner_id:
        return True
    return takes_part(principal, item.checkin)


def my_team_action_items(principal: Principal) -> QuerySet[ActionItem]:
    me = principal.employee
    if me is None or not principal.is_manager or not me.report_path:
        return ActionItem.objects.none()
    return ActionItem.objects.filter(
        Q(checkin__employee__report_path__startswith=me.report_path)
        | Q(owner__report_path__startswith=me.report_path)
    ).exclude(owner=me)


# --- resource requests ---------------------------------------------------------------------


def _handler_q(principal: Principal, prefix: str = "") -> Q:
    """Requests the user answers: to a department they head (or one below it), or HR's."""
    if principal.hr_company or principal.is_system_admin:
        return ~NOTHING
    return _paths_q(f"{prefix}department__path", principal.head_paths) | _paths_q(
        f"{prefix}department__path", principal.hr_scope_paths
    )


def resource_requests_visible(principal: Principal) -> QuerySet[ResourceRequest]:
    if not is_member(principal):
        return ResourceRequest.objects.none()
    return ResourceRequest.objects.filter(
        _checkin_q(principal, "obstacle__checkin__") | _handler_q(principal)
    )


def access_resource_request(principal: Principal, uuid: object) -> ResourceRequest:
    return get_visible(
        resource_requests_visible(principal).select_related(
            "obstacle__checkin__employee", "obstacle__goal", "department", "requested_by"
        ),
        uuid=uuid,
    )


def handles_department(principal: Principal, department: Department) -> bool:
    if not principal.is_authenticated:
        return False
    if principal.hr_company or principal.is_system_admin:
        return True
    paths = principal.head_paths + principal.hr_scope_paths
    return any(department.path.startswith(p) for p in paths)


def can_answer_resource_request(principal: Principal, request: ResourceRequest) -> bool:
    if request.status in (ResourceStatus.DECLINED, ResourceStatus.DONE):
        return False
    return handles_department(principal, request.department)


def can_comment_resource_request(principal: Principal, request: ResourceRequest) -> bool:
    """Everyone who may see the request takes part in its discussion."""
    return resource_requests_visible(principal).filter(pk=request.pk).exists()


def can_open_resource_inbox(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return principal.is_department_head or principal.is_hr or principal.is_system_admin


def resource_requests_to_handle(principal: Principal) -> QuerySet[ResourceRequest]:
    if not can_open_resource_inbox(principal):
        return ResourceRequest.objects.none()
    return ResourceRequest.objects.filter(_handler_q(principal))


def resource_requests_of_mine(principal: Principal) -> QuerySet[ResourceRequest]:
    if principal.user is None:
        return ResourceRequest.objects.none()
    return ResourceRequest.objects.filter(requested_by=principal.user)


# --- coaching plans ------------------------------------------------------------------------


def plans_visible(principal: Principal) -> QuerySet[CoachingPlan]:
    if not is_member(principal):
        return CoachingPlan.objects.none()
    q = _person_circle_q(principal, "employee__")
    if principal.employee is not None:
        q |= Q(coach=principal.employee)
    return CoachingPlan.objects.filter(q)


def access_plan(principal: Principal, uuid: object) -> CoachingPlan:
    return get_visible(
        plans_visible(principal).select_related(
            "employee__department", "coach", "obstacle__checkin"
        ),
        uuid=uuid,
    )


def is_coach(principal: Principal, plan: CoachingPlan) -> bool:
    return principal.employee is not None and principal.employee.pk == plan.coach_id


def can_follow_plan(principal: Principal, plan: CoachingPlan) -> bool:
    """Tick milestones and add follow-up notes: the person, the coach, managers above."""
    if plan.status != PlanStatus.OPEN:
        return False
    return (
        is_self(principal, plan.employee)
        or is_coach(principal, plan)
        or is_manager_above(principal, plan.employee)
    )


def can_change_plan(principal: Principal, plan: CoachingPlan) -> bool:
    """Add actions and milestones, close: the coach, managers above, HR in scope."""
    if plan.status != PlanStatus.OPEN:
        return False
    return (
        is_coach(principal, plan)
        or is_manager_above(principal, plan.employee)
        or _hr_covers(principal, plan.employee)
    )


def access_milestone(principal: Principal, uuid: object) -> Milestone:
    return get_visible(
        Milestone.objects.filter(plan__in=plans_visible(principal)).select_related(
            "plan__employee__department", "plan__coach"
        ),
        uuid=uuid,
    )


def can_start_plans(principal: Principal) -> bool:
    """Whether "new coaching plan" is worth offering."""
    if not principal.is_authenticated:
        return False
    return principal.is_manager or principal.is_hr or principal.is_system_admin


def employees_for_new_plan(principal: Principal) -> QuerySet[Employee]:
    if not can_start_plans(principal):
        return Employee.objects.none()
    q = NOTHING
    if principal.is_hr or principal.is_system_admin:
        q |= hr_scope_q(principal)
    me = principal.employee
    if me is not None and me.report_path:
        q |= Q(report_path__startswith=me.report_path)
    people = Employee.objects.filter(q, status__in=CURRENT_STATUSES)
    return people.exclude(pk=me.pk) if me is not None else people


def coaches_choosable(principal: Principal) -> QuerySet[Employee]:
    """A coach is the manager or a mentor: any current colleague."""
    if not is_member(principal):
        return Employee.objects.none()
    return Employee.objects.filter(status__in=CURRENT_STATUSES)


# --- cadence -------------------------------------------------------------------------------


def can_manage_cadence(principal: Principal) -> bool:
    return is_goal_admin(principal)


def cadences_visible(principal: Principal) -> QuerySet[CheckInCadence]:
    if not can_manage_cadence(principal):
        return CheckInCadence.objects.none()
    return CheckInCadence.objects.all()


__all__ = ["Forbidden", "NotFound"]
