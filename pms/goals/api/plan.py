"""The strategy cascade over JSON: strategic and department goals, and alignment coverage.

Reads only (scope ``read_goals``); the same access functions and selectors as the pages.
"""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.access import NotFound, get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.goals import access
from pms.goals.models import Goal
from pms.goals.schemas.plan import (
    CoverageOut,
    CoveragePage,
    PlanGoalDetailOut,
    PlanGoalFilters,
    PlanGoalPage,
)
from pms.goals.selectors import alignment as alignment_selectors
from pms.goals.selectors import plan as selectors
from pms.org import access as org_access
from pms.org.schemas import DepartmentRef

router = Router(tags=["goals"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _goal_data(goal: Goal) -> dict[str, Any]:
    return {
        "uuid": goal.uuid,
        "period": goal.period,
        "level": goal.level,
        "kind": goal.kind,
        "title": goal.title,
        "description": goal.description,
        "perspective": goal.perspective,
        "department": goal.department,
        "owner": goal.owner,
        "parent": goal.parent.uuid if goal.parent else None,
        "contribution": goal.contribution,
        "metric": goal.metric,
        "unit": goal.unit,
        "direction": goal.direction,
        "baseline": goal.baseline,
        "target": goal.target,
        "target_max": goal.target_max,
        "due_date": goal.due_date,
        "completion_standard": goal.completion_standard,
        "scoring_rule": goal.scoring_rule,
        "status": goal.status,
        "progress": goal.progress,
        "is_active": goal.is_active,
        "version": goal.version,
        "submitted_at": goal.submitted_at,
        "approved_at": goal.approved_at,
        "updated_at": goal.updated_at,
    }


@router.get(
    "/goals",
    response={200: PlanGoalPage, **ERRORS},
    summary="List strategic and department goals",
)
def goal_list(
    request: HttpRequest, filters: Query[PlanGoalFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    """Company strategy and department goals the caller may see (drafts only to those who
    write or decide them). Individual goals are read with their scorecards.
    Scope: read_goals."""
    who = principal(request, TokenScope.READ_GOALS)
    period = access.access_period(who, filters.period) if filters.period else None
    department = (
        org_access.access_department(who, filters.department) if filters.department else None
    )
    goals = selectors.plan_goals(
        access.plan_goals_visible(who),
        period=period,
        level=filters.level or "",
        department=department,
        below=filters.below,
        status=filters.status or "",
    )
    return paginate(goals, paging, _goal_data)


@router.get(
    "/goals/{uuid}",
    response={200: PlanGoalDetailOut, **ERRORS},
    summary="One strategic or department goal",
)
def goal_detail(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    """With the goal it is aligned to, the number of goals aligned to it and its rolled-up
    progress. Scope: read_goals."""
    who = principal(request, TokenScope.READ_GOALS)
    visible = access.plan_goals_visible(who)
    goal = selectors.goal_detail(visible, get_visible(visible, uuid=uuid))
    node = alignment_selectors.alignment_node(who, goal)
    return {
        **_goal_data(goal),
        "children_count": node.children,
        "rolled_progress": node.progress,
    }


@router.get(
    "/alignment/coverage",
    response={200: CoveragePage, **ERRORS},
    summary="Alignment coverage per department",
)
def alignment_coverage(
    request: HttpRequest,
    paging: Query[PageQuery],
    period: UUID,
    department: UUID | None = None,
) -> dict[str, Any]:
    """For every open department (of ``department``'s subtree), with its sub-departments:
    people with a scorecard in the period, how many have a goal aligned upward, and the
    department goals. Departments in tree order. Scope: read_goals."""
    who = principal(request, TokenScope.READ_GOALS)
    if not access.can_see_alignment(who):
        raise NotFound
    the_period = access.access_period(who, period)
    root = org_access.access_department(who, department) if department else None
    rows = alignment_selectors.coverage_by_department(who, the_period, root)
    size = min(paging.page_size, settings.PMS_API_MAX_PAGE_SIZE)
    start = (paging.page - 1) * size
    items = [
        CoverageOut(
            department=DepartmentRef(
                uuid=row.department.uuid, code=row.department.code, name=row.department.name
            ),
            depth=row.department.depth,
            people=row.people,
            aligned=row.aligned,
            percent_aligned=row.percent,
            department_goals=row.goals,
            department_goals_approved=row.goals_approved,
        )
        for row in rows[start : start + size]
    ]
    return {
        "items": items,
        "count": len(rows),
        "page": paging.page,
        "page_size": size,
        "pages": math.ceil(len(rows) / size),
    }
