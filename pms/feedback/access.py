"""Who may see and do what with feedback. Pages, API, jobs and the demo call these
functions; nothing else decides.

Feedback (即时反馈)
- Anyone with an employee record gives feedback to any current colleague, never to
  themself. Recognition may be put on the company praise wall by its giver (opt-in);
  constructive feedback and anonymous feedback never.
- Private by default: a named item is seen by its giver, its receiver, the receiver's
  managers up the chain and dotted-line manager (they coach the receiver), and HR whose
  scope covers the receiver (coaching, 辅导). System admins do not read feedback.
  Public praise is seen by everyone in the company.
- A goal may be linked only where the giver may already see it (their own, a report's…),
  so linking never reveals somebody's goals.
- Upward feedback goes from a person to a manager above them in the chain or to their
  dotted-line manager. Only upward feedback may be anonymous. An anonymous item is seen by
  nobody one by one — not its receiver, not HR, not the author afterwards (no author is
  stored). Its receiver, and HR covering the receiver, see it only in the aggregate of
  ``pms.feedback.anonymity`` (whole groups of k, shuffled, by quarter).

Requests (征求反馈)
- Anyone with an employee record asks a current colleague; the request is seen by the two
  people only; the asked person answers (giving feedback) or declines while it is open.
  A goal named in a request must be the requester's own: asking shares its title.

Observations and the 24-hour rule
- A manager above a person in the chain, or their dotted-line manager, records
  observations about them; the observation is seen by the manager who recorded it and by
  HR covering the person; only the recorder records the conversation about it.
- The 24-hour board (per manager, share of observations talked about within 24 hours) is
  for HR, limited to the people their scope covers.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.core.access import Forbidden, NotFound, get_visible
from pms.goals import access as goals_access
from pms.goals.models import Goal, GoalLevel
from pms.org.access import is_member
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal

from .models import Feedback, FeedbackRequest, Observation, RequestStatus

NOTHING = Q(pk__in=[])
EVERYTHING = ~Q(pk__in=[])

__all__ = ["Forbidden", "NotFound"]


def _paths_q(field: str, paths: tuple[str, ...]) -> Q:
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def hr_q(principal: Principal, prefix: str) -> Q:
    """Rows about people HR covers: company-wide HR all, an HRBP their departments.
    (System admins are deliberately left out: feedback is not system data.)"""
    if not principal.is_authenticated:
        return NOTHING
    if principal.hr_company:
        return EVERYTHING
    return _paths_q(f"{prefix}department__path", principal.hr_scope_paths)


def hr_covers(principal: Principal, employee: Employee) -> bool:
    if not principal.is_authenticated:
        return False
    if principal.hr_company:
        return True
    return any(employee.department.path.startswith(p) for p in principal.hr_scope_paths)


def _me(principal: Principal) -> Employee | None:
    return principal.employee if principal.is_authenticated else None


def is_upward(giver: Employee, receiver: Employee) -> bool:
    """The receiver is a manager above the giver in the chain, or their dotted-line one."""
    if giver.pk == receiver.pk:
        return False
    if giver.dotted_manager_id == receiver.pk:
        return True
    return bool(receiver.report_path) and giver.report_path.startswith(receiver.report_path)


def coaches(principal: Principal, employee: Employee) -> bool:
    """A manager above the person in the chain or their dotted-line manager."""
    me = _me(principal)
    if me is None or me.pk == employee.pk:
        return False
    if employee.dotted_manager_id == me.pk:
        return True
    return bool(me.report_path) and employee.report_path.startswith(me.report_path)


# --- feedback ----------------------------------------------------------------------------


def feedback_visible(principal: Principal) -> QuerySet[Feedback]:
    """Named feedback this user may read one by one (anonymous items never)."""
    if not is_member(principal):
        return Feedback.objects.none()
    q = Q(public=True) | hr_q(principal, "receiver__")
    me = principal.employee
    if me is not None:
        q |= Q(giver=me) | Q(receiver=me) | Q(receiver__dotted_manager=me)
        if me.report_path:
            q |= Q(receiver__report_path__startswith=me.report_path) & ~Q(receiver=me)
    return Feedback.objects.filter(anonymous=False).filter(q)


def access_feedback(principal: Principal, uuid: object) -> Feedback:
    return get_visible(
        feedback_visible(principal).select_related(
            "giver__department", "receiver__department", "goal", "request", "observation"
        ),
        uuid=uuid,
    )


def received_by_me(principal: Principal) -> QuerySet[Feedback]:
    me = _me(principal)
    if me is None:
        return Feedback.objects.none()
    return feedback_visible(principal).filter(receiver=me)


def given_by_me(principal: Principal) -> QuerySet[Feedback]:
    me = _me(principal)
    if me is None:
        return Feedback.objects.none()
    return feedback_visible(principal).filter(giver=me)


def can_see_team_feedback(principal: Principal) -> bool:
    return principal.is_authenticated and (principal.is_manager or principal.is_hr)


def team_feedback(principal: Principal) -> QuerySet[Feedback]:
    """Feedback received by the people this user coaches (reports, or HR's scope)."""
    if not can_see_team_feedback(principal):
        return Feedback.objects.none()
    me = _me(principal)
    q = hr_q(principal, "receiver__")
    if me is not None:
        q |= Q(receiver__dotted_manager=me)
        if me.report_path:
            q |= Q(receiver__report_path__startswith=me.report_path)
        q &= ~Q(receiver=me)
    return Feedback.objects.filter(anonymous=False).filter(q)


def praise_wall(principal: Principal) -> QuerySet[Feedback]:
    if not is_member(principal):
        return Feedback.objects.none()
    return Feedback.objects.filter(public=True, anonymous=False)


def can_give_feedback(principal: Principal) -> bool:
    return _me(principal) is not None


def receivers_choosable(principal: Principal) -> QuerySet[Employee]:
    """Current colleagues, except the user."""
    me = _me(principal)
    if me is None:
        return Employee.objects.none()
    return Employee.objects.filter(status__in=CURRENT_STATUSES).exclude(pk=me.pk)


def access_receiver(principal: Principal, uuid: object) -> Employee:
    """The colleague to give feedback to (or ask): NotFound for a former colleague, for
    oneself, or for a user without an employee record."""
    return get_visible(receivers_choosable(principal).select_related("department"), uuid=uuid)


def can_give_anonymously(principal: Principal, receiver: Employee) -> bool:
    me = _me(principal)
    return me is not None and is_upward(me, receiver)


def can_make_public(kind: str, anonymous: bool) -> bool:
    return kind == "recognition" and not anonymous


def goals_linkable(principal: Principal, receiver: Employee) -> QuerySet[Goal]:
    """The receiver's individual goals in force that the giver may already see."""
    if _me(principal) is None:
        return Goal.objects.none()
    return (
        goals_access.individual_goals_visible(principal)
        .filter(employee=receiver, level=GoalLevel.INDIVIDUAL, is_active=True)
        .select_related("period")
        .order_by("-period__start", "sort_order", "id")
    )


# --- upward feedback ---------------------------------------------------------------------


def can_read_upward(principal: Principal, manager: Employee) -> bool:
    """The aggregate of upward feedback about ``manager``: the manager, HR covering them."""
    return (_me(principal) is not None and _me(principal) == manager) or hr_covers(
        principal, manager
    )


def access_upward_manager(principal: Principal, uuid: object) -> Employee:
    """A manager whose upward feedback HR looks at (404 outside the scope)."""
    if not principal.is_authenticated or not principal.is_hr:
        raise NotFound
    return get_visible(
        Employee.objects.filter(hr_q(principal, "")).select_related("department"), uuid=uuid
    )


def named_upward(principal: Principal, manager: Employee) -> QuerySet[Feedback]:
    if not can_read_upward(principal, manager):
        return Feedback.objects.none()
    return Feedback.objects.filter(receiver=manager, upward=True, anonymous=False)


def anonymous_upward(principal: Principal, manager: Employee) -> QuerySet[Feedback]:
    """Raw anonymous items — for the aggregate selector only, never to be listed."""
    if not can_read_upward(principal, manager):
        return Feedback.objects.none()
    return Feedback.objects.filter(receiver=manager, anonymous=True)


# --- requests ----------------------------------------------------------------------------


def requests_visible(principal: Principal) -> QuerySet[FeedbackRequest]:
    me = _me(principal)
    if me is None or not is_member(principal):
        return FeedbackRequest.objects.none()
    return FeedbackRequest.objects.filter(Q(requester=me) | Q(asked=me))


def access_request(principal: Principal, uuid: object) -> FeedbackRequest:
    return get_visible(
        requests_visible(principal).select_related(
            "requester__department", "asked__department", "goal"
        ),
        uuid=uuid,
    )


def can_answer_request(principal: Principal, request: FeedbackRequest) -> bool:
    me = _me(principal)
    return me is not None and request.asked_id == me.pk and request.status == RequestStatus.OPEN


def access_request_for_answer(principal: Principal, uuid: object) -> FeedbackRequest:
    request = access_request(principal, uuid)
    if not can_answer_request(principal, request):
        raise Forbidden
    return request


def request_goals(principal: Principal) -> QuerySet[Goal]:
    """Goals a request may name: the requester's own individual goals in force."""
    me = _me(principal)
    if me is None:
        return Goal.objects.none()
    return (
        Goal.objects.filter(employee=me, level=GoalLevel.INDIVIDUAL, is_active=True)
        .select_related("period")
        .order_by("-period__start", "sort_order", "id")
    )


# --- observations and the 24-hour rule ---------------------------------------------------


def can_record_observations(principal: Principal) -> bool:
    return _me(principal) is not None and principal.is_manager


def observable_reports(principal: Principal) -> QuerySet[Employee]:
    """Current people this manager may record observations about."""
    me = _me(principal)
    if me is None or not principal.is_manager:
        return Employee.objects.none()
    q = Q(dotted_manager=me)
    if me.report_path:
        q |= Q(report_path__startswith=me.report_path)
    return (
        Employee.objects.filter(q, status__in=CURRENT_STATUSES).exclude(pk=me.pk).order_by("name")
    )


def can_observe(principal: Principal, report: Employee) -> bool:
    return coaches(principal, report) and report.is_current


def observations_visible(principal: Principal) -> QuerySet[Observation]:
    if not is_member(principal):
        return Observation.objects.none()
    q = hr_q(principal, "report__")
    me = principal.employee
    if me is not None:
        q |= Q(manager=me)
    return Observation.objects.filter(q)


def my_observations(principal: Principal) -> QuerySet[Observation]:
    me = _me(principal)
    if me is None:
        return Observation.objects.none()
    return Observation.objects.filter(manager=me)


def access_observation(principal: Principal, uuid: object) -> Observation:
    return get_visible(
        observations_visible(principal).select_related("manager", "report__department"),
        uuid=uuid,
    )


def can_talk_about(principal: Principal, observation: Observation) -> bool:
    me = _me(principal)
    return me is not None and observation.manager_id == me.pk and observation.talked_at is None


def access_observation_for_talk(principal: Principal, uuid: object) -> Observation:
    observation = access_observation(principal, uuid)
    if not can_talk_about(principal, observation):
        raise Forbidden
    return observation


def can_see_board(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_hr


def board_observations(principal: Principal) -> QuerySet[Observation]:
    if not can_see_board(principal):
        return Observation.objects.none()
    return Observation.objects.filter(hr_q(principal, "report__"))


def board_departments(principal: Principal) -> QuerySet[Department]:
    if not can_see_board(principal):
        return Department.objects.none()
    if principal.hr_company:
        return Department.objects.filter(is_active=True)
    return Department.objects.filter(_paths_q("path", principal.hr_scope_paths), is_active=True)
