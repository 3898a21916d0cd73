"""Who may see and do what in calibration. Pages, the API and exports call these functions;
nothing else decides.

- HR (company-wide or HRBP) and system admins run calibration: they create sessions (an
  HRBP only over departments in their scope), and see every session company HR sees or,
  for an HRBP, the sessions touching their scope (``can_run_calibration``).
- A session is seen by HR as above, its facilitator and its members; a member sees it once
  it is opened (a session being prepared is HR's and the facilitator's).
- The facilitator, company HR and system admins prepare, open and close a session
  (``can_setup_session``); an HRBP who may see it too when its departments are all in
  their scope.
- In an open session, the facilitator, HR who may set it up and members of a deciding role
  (committee, head, HRBP) change score, grade and potential, each change with a reason;
  observers only look (``can_decide``). A closed session is locked for everybody.
- Nobody sees or changes their own entry: a person calibrated in a session they sit on
  does not find themself in its grid, its nine-box, its exports or the API
  (``entries_visible``), so nobody learns their grade before it is published.
- Evidence shown to calibrators respects reviews' anonymity: anonymous rater types are
  aggregated with at least k answers (``pms.reviews.selectors.anonymity``), never named.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.calibration.models import (
    DECIDING_ROLES,
    CalibrationEntry,
    CalibrationSession,
    SessionMember,
    SessionStatus,
)
from pms.core.access import Forbidden, NotFound, get_visible
from pms.org.access import is_member
from pms.org.models import Department
from pms.org.roles import Principal
from pms.reviews.access import can_run_reviews, is_review_admin
from pms.reviews.models import Cycle, CycleStatus

NOTHING = Q(pk__in=[])

READ_SCOPE = "read_calibration"
WRITE_SCOPE = "write_calibration"


def can_run_calibration(principal: Principal) -> bool:
    return can_run_reviews(principal)


def can_open_calibration(principal: Principal) -> bool:
    """The navigation's entry to the session list. Decided from the roles alone (no query on
    every page): HR and admins, and those who usually sit on a session — the committee,
    executives, department heads and managers. The list itself shows ``sessions_visible``,
    so anybody seated on a session finds it there, whether or not the entry shows."""
    if not principal.is_authenticated:
        return False
    return (
        can_run_calibration(principal)
        or principal.is_committee
        or principal.is_executive
        or principal.is_department_head
        or principal.is_manager
    )


def sits_on_a_session(principal: Principal) -> bool:
    """Facilitates a session, or is seated on one that has been opened: the sessions the
    list shows them beyond their roles (``sessions_visible``). One small query."""
    if not is_member(principal) or principal.user is None:
        return False
    user = principal.user
    return CalibrationSession.objects.filter(
        Q(facilitator=user) | (Q(members__user=user) & ~Q(status=SessionStatus.DRAFT))
    ).exists()


def calibration_in_menu(principal: Principal) -> bool:
    """The navigation's entry: the roles first (no query), then — only for someone none of
    them covers, say an employee seated as an observer — whether they sit on a session.
    The menu asks once per request, and only on a page that draws it
    (``pms.core.context_processors.navigation``)."""
    return can_open_calibration(principal) or sits_on_a_session(principal)


def can_manage_settings(principal: Principal) -> bool:
    """The company's distribution and nine-box defaults: company-wide HR and admins."""
    return is_review_admin(principal)


def _scope_q(principal: Principal) -> Q:
    q = NOTHING
    for path in principal.hr_scope_paths:
        q |= Q(departments__path__startswith=path)
    return q


def sessions_visible(principal: Principal) -> QuerySet[CalibrationSession]:
    if not is_member(principal) or principal.user is None:
        return CalibrationSession.objects.none()
    if is_review_admin(principal):
        return CalibrationSession.objects.all()
    user = principal.user
    q = Q(facilitator=user) | (Q(members__user=user) & ~Q(status=SessionStatus.DRAFT))
    if can_run_calibration(principal):
        q |= _scope_q(principal)
    ids = CalibrationSession.objects.filter(q).values("pk")
    return CalibrationSession.objects.filter(pk__in=ids)


def access_session(principal: Principal, uuid: object) -> CalibrationSession:
    return get_visible(
        sessions_visible(principal).select_related("cycle", "facilitator", "role_family"),
        uuid=uuid,
    )


def departments_for_sessions(principal: Principal) -> QuerySet[Department]:
    """The departments a principal may put into a session."""
    if not can_run_calibration(principal):
        return Department.objects.none()
    if is_review_admin(principal):
        return Department.objects.filter(is_active=True)
    q = NOTHING
    for path in principal.hr_scope_paths:
        q |= Q(path__startswith=path)
    return Department.objects.filter(q, is_active=True)


def cycles_for_sessions(principal: Principal) -> QuerySet[Cycle]:
    """Running cycles sessions may be prepared for."""
    if not can_run_calibration(principal):
        return Cycle.objects.none()
    return Cycle.objects.filter(status=CycleStatus.RUNNING)


def _in_scope(principal: Principal, session: CalibrationSession) -> bool:
    paths = [d.path for d in session.departments.all()]
    if not paths:
        return False
    return all(any(p.startswith(root) for root in principal.hr_scope_paths) for p in paths)


def can_setup_session(principal: Principal, session: CalibrationSession) -> bool:
    if session.status == SessionStatus.CLOSED or principal.user is None:
        return False
    if is_review_admin(principal) or session.facilitator_id == principal.user.pk:
        return True
    return can_run_calibration(principal) and _in_scope(principal, session)


def member_role(principal: Principal, session: CalibrationSession) -> str | None:
    if principal.user is None:
        return None
    return (
        SessionMember.objects.filter(session=session, user=principal.user)
        .values_list("role", flat=True)
        .first()
    )


def can_decide(principal: Principal, session: CalibrationSession) -> bool:
    """May change scores, grades and potential in this session now."""
    if session.status != SessionStatus.OPEN:
        return False
    if can_setup_session(principal, session):
        return True
    return member_role(principal, session) in DECIDING_ROLES


def entries_visible(
    principal: Principal, session: CalibrationSession
) -> QuerySet[CalibrationEntry]:
    """A session's people, without the viewer themself."""
    entries = CalibrationEntry.objects.filter(session=session)
    if principal.employee is not None:
        entries = entries.exclude(employee=principal.employee)
    return entries


def access_entry(principal: Principal, uuid: object) -> CalibrationEntry:
    entry = get_visible(
        CalibrationEntry.objects.select_related(
            "session__cycle", "employee", "department", "manager", "review"
        ),
        uuid=uuid,
    )
    session = entry.session
    if not sessions_visible(principal).filter(pk=session.pk).exists():
        raise NotFound
    if principal.employee is not None and entry.employee_id == principal.employee.pk:
        raise NotFound
    return entry


def access_entry_for_change(principal: Principal, uuid: object) -> CalibrationEntry:
    entry = access_entry(principal, uuid)
    if not can_decide(principal, entry.session):
        raise Forbidden
    return entry


def access_session_for_setup(principal: Principal, uuid: object) -> CalibrationSession:
    session = access_session(principal, uuid)
    if not can_setup_session(principal, session):
        raise Forbidden
    return session


def check_settings_page(principal: Principal) -> None:
    if can_manage_settings(principal):
        return
    if can_run_calibration(principal):
        raise Forbidden
    raise NotFound
