"""Who may see and enter actual values, progress and the boards. Pages, API, imports and
exports all call these functions; nothing else decides.

- A person's actuals and progress are as private as their scorecard: the person, managers
  up the chain, the dotted-line manager, heads above them, HR in scope, system admins.
  A department's actuals and progress are open to the company once its goals are (the
  cascade is meant to be seen); only their entry is restricted.
- By hand, values are entered as the indicator says: by the goal's owner, by a manager up
  the chain, by either, or by nobody (they come from files and systems only). Goals with
  their own metric take either. HR in scope may always enter and correct, with a reason.
  A department's values are entered by heads above it and HR in scope.
- Uploads are for HR (company-wide or in scope: every row must fall in the scope);
  pushes for integration tokens with the scope ``write_actuals``, within the reach of the
  token's user as an upload would be.
- Boards: the team board for managers (their reports up the chain), the department board
  for heads (their subtree) and HR in scope, the company board for executives, company-wide
  HR and system admins.
- Snapshots are taken, the working calendar kept and data connectors set up by company-wide
  HR and system admins (connectors never through a token: they hold another system's
  credential and write values for anyone).
- Board figures are aggregates over the departments the user may open; names on a board are
  only of people whose private details the user may read.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.core.access import NotFound, get_visible
from pms.core.models import ImportJob
from pms.goals import access as goals_access
from pms.goals.models import EntryBy, Goal, GoalLevel
from pms.org.access import employees_private, is_member, private_view_q
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal
from pms.tracking.models import Actual, ActualBatch, ActualSnapshot, Connector, GoalProgress

NOTHING = Q(pk__in=[])
ACTUALS_IMPORT_KIND = "actuals"  # the import kind registered by pms.tracking.importers


def _heads_over(principal: Principal, department: Department) -> bool:
    return any(department.path.startswith(p) for p in principal.head_paths)


def _hr_over_department(principal: Principal, department: Department) -> bool:
    if goals_access.is_goal_admin(principal):
        return True
    return any(department.path.startswith(p) for p in principal.hr_scope_paths)


# --- reading -----------------------------------------------------------------------------


def actuals_visible(principal: Principal) -> QuerySet[Actual]:
    if not is_member(principal):
        return Actual.objects.none()
    return Actual.objects.filter(
        private_view_q(principal, "employee__") | Q(department__isnull=False)
    )


def access_actual(principal: Principal, uuid: object) -> Actual:
    return get_visible(
        actuals_visible(principal).select_related(
            "employee", "department", "indicator", "goal", "entered_by", "batch"
        ),
        uuid=uuid,
    )


def progress_visible(principal: Principal) -> QuerySet[GoalProgress]:
    if not is_member(principal):
        return GoalProgress.objects.none()
    return GoalProgress.objects.filter(
        private_view_q(principal, "employee__") | Q(employee__isnull=True)
    )


def goals_tracked_visible(principal: Principal) -> QuerySet[Goal]:
    """Measured goals whose progress this principal may read."""
    if not is_member(principal):
        return Goal.objects.none()
    individual = goals_access.individual_goals_visible(principal)
    plan = goals_access.plan_goals_visible(principal)
    return Goal.objects.filter(Q(pk__in=individual.values("pk")) | Q(pk__in=plan.values("pk")))


def access_tracked_goal(principal: Principal, uuid: object) -> Goal:
    """A goal whose progress and values this principal may read (individual or plan)."""
    members = Goal.objects.all() if is_member(principal) else Goal.objects.none()
    goal = get_visible(
        members.select_related(
            "employee__department", "department", "indicator", "period", "scorecard", "owner"
        ),
        uuid=uuid,
    )
    if not can_see_goal(principal, goal):
        raise NotFound
    return goal


def can_see_goal(principal: Principal, goal: Goal) -> bool:
    if goal.level == GoalLevel.INDIVIDUAL:
        return goal.employee is not None and _sees_person(principal, goal.employee)
    return goals_access.plan_goals_visible(principal).filter(pk=goal.pk).exists()


def _sees_person(principal: Principal, employee: Employee) -> bool:
    return (
        goals_access.is_self(principal, employee)
        or goals_access.is_manager_above(principal, employee)
        or (principal.employee is not None and employee.dotted_manager_id == principal.employee.pk)
        or _heads_over(principal, employee.department)
        or goals_access.hr_covers(principal, employee)
    )


# --- entering by hand --------------------------------------------------------------------


def can_enter_for_goal(principal: Principal, goal: Goal) -> bool:
    """May enter a value by hand for this measured goal (see the module's rules)."""
    if not principal.is_authenticated or not goal.is_measured or not goal.is_active:
        return False
    if goal.level == GoalLevel.INDIVIDUAL:
        employee = goal.employee
        if employee is None:
            return False
        if goals_access.hr_covers(principal, employee):
            return True
        entry_by = goal.indicator.entry_by if goal.indicator is not None else EntryBy.EITHER
        owner_may = entry_by in (EntryBy.OWNER, EntryBy.EITHER)
        manager_may = entry_by in (EntryBy.MANAGER, EntryBy.EITHER)
        return (owner_may and goals_access.is_self(principal, employee)) or (
            manager_may and goals_access.is_manager_above(principal, employee)
        )
    department = goal.department
    if department is None:
        return _may_enter_company(principal)
    return _hr_over_department(principal, department) or _heads_over(principal, department)


def _may_enter_company(principal: Principal) -> bool:
    return goals_access.is_goal_admin(principal) or principal.is_executive


def can_correct_for_goal(principal: Principal, goal: Goal) -> bool:
    """Corrections of values that came from a file or a system: HR in scope only."""
    if goal.level == GoalLevel.INDIVIDUAL:
        return goal.employee is not None and goals_access.hr_covers(principal, goal.employee)
    if goal.department is None:
        return goals_access.is_goal_admin(principal)
    return _hr_over_department(principal, goal.department)


# --- uploads, pushes, snapshots ----------------------------------------------------------


def can_import_actuals(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return goals_access.is_goal_admin(principal) or bool(principal.hr_scope_paths)


def employees_for_import(principal: Principal) -> QuerySet[Employee]:
    """The people an upload or a push by this principal may write values for."""
    if goals_access.is_goal_admin(principal):
        return Employee.objects.all()
    q = NOTHING
    for path in principal.hr_scope_paths:
        q |= Q(department__path__startswith=path)
    return Employee.objects.filter(q)


def departments_for_import(principal: Principal) -> QuerySet[Department]:
    if goals_access.is_goal_admin(principal):
        return Department.objects.all()
    q = NOTHING
    for path in (*principal.hr_scope_paths, *principal.head_paths):
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


def actual_imports_visible(principal: Principal) -> QuerySet[ImportJob]:
    """Actual-value import jobs: all for company-wide HR and system admins, one's own
    uploads for an HRBP (whose rows their scope limited), none for anyone else."""
    if not can_import_actuals(principal):
        return ImportJob.objects.none()
    jobs = ImportJob.objects.filter(kind=ACTUALS_IMPORT_KIND)
    if goals_access.is_goal_admin(principal):
        return jobs
    return jobs.filter(created_by=principal.user)


def can_push_actuals(principal: Principal) -> bool:
    return principal.is_authenticated and principal.allows_scope("write_actuals")


def batches_visible(principal: Principal) -> QuerySet[ActualBatch]:
    if not principal.is_authenticated:
        return ActualBatch.objects.none()
    if goals_access.is_goal_admin(principal):
        return ActualBatch.objects.all()
    return ActualBatch.objects.filter(created_by=principal.user)


def can_take_snapshot(principal: Principal) -> bool:
    return goals_access.is_goal_admin(principal)


def can_manage_calendar(principal: Principal) -> bool:
    return goals_access.is_goal_admin(principal)


def snapshots_visible(principal: Principal) -> QuerySet[ActualSnapshot]:
    if not is_member(principal):
        return ActualSnapshot.objects.none()
    return ActualSnapshot.objects.all()


# --- boards ------------------------------------------------------------------------------


def can_see_team_board(principal: Principal) -> bool:
    return principal.is_authenticated and principal.is_manager


def can_see_department_board(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return principal.is_department_head or principal.is_hr or principal.is_system_admin


def can_open_department_boards(principal: Principal) -> bool:
    """Heads, HR and system admins; executives too, to drill down from the company board."""
    return can_see_department_board(principal) or can_see_company_board(principal)


def board_departments(principal: Principal) -> QuerySet[Department]:
    """Departments whose board this principal may open."""
    if not can_open_department_boards(principal):
        return Department.objects.none()
    if goals_access.is_goal_admin(principal) or principal.is_executive:
        return Department.objects.all()
    q = NOTHING
    for path in (*principal.head_paths, *principal.hr_scope_paths):
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


def access_board_department(principal: Principal, uuid: object) -> Department:
    return get_visible(board_departments(principal), uuid=uuid)


def board_roots(principal: Principal) -> tuple[str, ...]:
    """The department paths the department board starts from (``()``: the top ones)."""
    if goals_access.is_goal_admin(principal) or principal.is_executive:
        return ()
    paths = sorted({*principal.head_paths, *principal.hr_scope_paths})
    # a path inside another one is already counted there
    return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def board_progress(principal: Principal) -> QuerySet[GoalProgress]:
    """Progress rows the department and company boards may aggregate (the boards narrow
    them further to the departments shown). Figures are aggregates; names on a board come
    from ``board_named_people`` only."""
    if not can_open_department_boards(principal):
        return GoalProgress.objects.none()
    return GoalProgress.objects.all()


def board_named_people(principal: Principal) -> QuerySet[Employee]:
    """Current people a board may name, with their goals' progress: those whose private
    details the principal may read."""
    return employees_private(principal).filter(status__in=CURRENT_STATUSES)


def access_board_person(principal: Principal, uuid: object) -> Employee:
    """A person whose goals' progress a board may unfold."""
    return get_visible(board_named_people(principal), uuid=uuid)


def can_see_company_board(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return principal.is_executive or goals_access.is_goal_admin(principal)


# --- data connectors ---------------------------------------------------------------------


def can_manage_connectors(principal: Principal) -> bool:
    """Company-wide HR and system admins, on pages only (never an integration token): a
    connector writes values for anyone and holds another system's credential."""
    if not principal.is_authenticated:
        return False
    if principal.token_scopes is not None:
        return False
    return goals_access.is_goal_admin(principal)


def connectors_visible(principal: Principal) -> QuerySet[Connector]:
    if not can_manage_connectors(principal):
        return Connector.objects.none()
    return Connector.objects.all()


def access_connector(principal: Principal, uuid: object) -> Connector:
    return get_visible(connectors_visible(principal), uuid=uuid)
