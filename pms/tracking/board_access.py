"""Who may open which progress board, and what each board counts. The rules themselves are
in ``pms.tracking.access`` (``can_see_team_board``, ``can_see_department_board``,
``board_departments``, ``can_see_company_board``); this module only puts them together for
the board pages.

- Figures on a board are aggregates over the departments the user may open: the subtrees
  the user heads or covers as HR, everything for executives, company-wide HR and system
  admins.
- Names on a board (the team, the people needing attention, one person's goals) are as
  private as the person's scorecard: only people whose private details the user may read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from pms.core.access import get_visible
from pms.goals import access as goals_access
from pms.org.access import employees_private
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal
from pms.tracking import access
from pms.tracking.models import GoalProgress


def can_open_department_boards(principal: Principal) -> bool:
    """Heads, HR and system admins; executives too, to drill down from the company board."""
    return access.can_see_department_board(principal) or access.can_see_company_board(principal)


def board_roots(principal: Principal) -> tuple[str, ...]:
    """The department paths the department board starts from (``()``: the top ones)."""
    if goals_access.is_goal_admin(principal) or principal.is_executive:
        return ()
    paths = sorted({*principal.head_paths, *principal.hr_scope_paths})
    # a path inside another one is already counted there
    return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def board_departments(principal: Principal) -> QuerySet[Department]:
    if not can_open_department_boards(principal):
        return Department.objects.none()
    return access.board_departments(principal)


def access_board_department(principal: Principal, uuid: object) -> Department:
    return get_visible(board_departments(principal), uuid=uuid)


def board_progress(principal: Principal) -> QuerySet[GoalProgress]:
    """Progress rows the department and company boards may aggregate (the boards narrow
    them further to the departments shown)."""
    if not can_open_department_boards(principal):
        return GoalProgress.objects.none()
    return GoalProgress.objects.all()


def board_named_people(principal: Principal) -> QuerySet[Employee]:
    """Current people a board may name, with their goals' progress."""
    return employees_private(principal).filter(status__in=CURRENT_STATUSES)


def access_board_person(principal: Principal, uuid: object) -> Employee:
    """A person whose goals' progress a board may unfold."""
    return get_visible(board_named_people(principal), uuid=uuid)
