"""/api/v1/progress and /api/v1/goals/{uuid}/progress: where measured goals stand (scope
``read_tracking``), through ``access``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.goals import access as goals_access
from pms.goals.models import GoalLevel
from pms.org import access as org_access
from pms.org.roles import Principal
from pms.tracking import access
from pms.tracking.models import GoalProgress, PaceStatus
from pms.tracking.schemas import ProgressDetailOut, ProgressFilters, ProgressPage

router = Router(tags=["tracking"])

READ = TokenScope.READ_TRACKING
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _progress(who: Principal) -> QuerySet[GoalProgress]:
    return access.progress_visible(who).select_related("goal", "period", "employee", "department")


@router.get(
    "/goals/{uuid:uuid}/progress",
    response={200: ProgressDetailOut, **ERRORS},
    summary="A measured goal's progress and pace",
    description="Attainment to date, expected by now, forecast with its range and status, "
    "with how they were computed. A goal without values yet has the status no_data.",
)
def goal_progress(request: HttpRequest, uuid: UUID) -> GoalProgress:
    who = principal(request, READ)
    goal = access.access_tracked_goal(who, uuid)
    found = (
        GoalProgress.objects.select_related("goal", "period", "employee", "department")
        .filter(goal=goal)
        .first()
    )
    if found is not None:
        return found
    individual = goal.level == GoalLevel.INDIVIDUAL
    return GoalProgress(
        goal=goal,
        period=goal.period,
        employee=goal.employee if individual else None,
        department=None if individual else goal.department,
        status=PaceStatus.NO_DATA,
        explanation={},
    )


@router.get(
    "/progress",
    response={200: ProgressPage, **ERRORS},
    summary="List goal progress",
    description="Progress of the measured goals you may see; filter by period, person, "
    "department (with its people and the departments below) and status.",
)
def progress_list(
    request: HttpRequest, filters: Query[ProgressFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    rows = _progress(who)
    if filters.period is not None:
        period = goals_access.periods_visible(who).filter(uuid=filters.period).first()
        if period is None:
            raise ValidationError({"period": _("No period with this identifier.")})
        rows = rows.filter(period=period)
    if filters.employee:
        rows = rows.filter(employee__number=filters.employee.strip())
    if filters.department:
        department = (
            org_access.departments_visible(who).filter(code=filters.department.strip()).first()
        )
        if department is None:
            raise ValidationError({"department": _("No department with this code.")})
        rows = rows.filter(
            Q(department__path__startswith=department.path)
            | Q(employee__department__path__startswith=department.path)
        )
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    return paginate(rows.order_by("goal_id"), paging)
