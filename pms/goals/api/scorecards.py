"""Scorecards over JSON: the list (filtered, paginated) and one scorecard with its goals and
signatures. Reads only (scope ``read_goals``); the same access functions and selectors as
the pages, so a token sees exactly what its user sees on the pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.access import get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.goals import access
from pms.goals.models import Goal, GoalKind, Scorecard
from pms.goals.schemas.scorecards import ScorecardDetailOut, ScorecardFilters, ScorecardPage
from pms.goals.selectors import scorecards as selectors
from pms.goals.services.scorecards import letter_fingerprint
from pms.org import access as org_access
from pms.org.roles import Principal

router = Router(tags=["goals"])

READ = TokenScope.READ_GOALS
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


SCORECARD_FIELDS = (
    "uuid",
    "period",
    "employee",
    "department",
    "position",
    "status",
    "version",
    "goal_count",
    "total_weight",
    "submitted_at",
    "approved_at",
    "signed_at",
    "updated_at",
)


def _scorecards(who: Principal) -> QuerySet[Scorecard]:
    top = Q(goals__is_active=True) & ~Q(goals__kind=GoalKind.KEY_RESULT)
    return (
        access.scorecards_visible(who)
        .select_related("period", "employee", "department", "position")
        .annotate(
            goal_count=Count("goals", filter=top),
            total_weight=Coalesce(Sum("goals__weight", filter=top), Decimal(0)),
        )
        .order_by("-period__start", "employee__number", "id")
    )


@router.get(
    "/scorecards",
    response={200: ScorecardPage, **ERRORS},
    summary="List scorecards",
    description="Scorecards you may see, newest period first; filter by period, department "
    "(and below), status or employee number.",
)
def scorecard_list(
    request: HttpRequest, filters: Query[ScorecardFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, READ)
    cards = _scorecards(who)
    if filters.period is not None:
        period = access.periods_visible(who).filter(uuid=filters.period).first()
        if period is None:
            raise ValidationError({"period": _("No period with this identifier.")})
        cards = cards.filter(period=period)
    if filters.department is not None:
        department = org_access.departments_visible(who).filter(uuid=filters.department).first()
        if department is None:
            raise ValidationError({"department": _("No department with this identifier.")})
        cards = cards.filter(employee__department__path__startswith=department.path)
    if filters.status is not None:
        cards = cards.filter(status=filters.status)
    if filters.employee:
        cards = cards.filter(employee__number=filters.employee.strip())
    return paginate(cards, paging)


def _goal_data(goal: Goal) -> dict[str, Any]:
    is_key_result = goal.kind == GoalKind.KEY_RESULT
    parent = goal.parent.uuid if goal.parent is not None else None
    return {
        "uuid": goal.uuid,
        "kind": goal.kind,
        "section": goal.section,
        "title": goal.title,
        "description": goal.description,
        "perspective": goal.perspective,
        "indicator": goal.indicator,
        "objective": parent if is_key_result else None,
        "aligned_to": None if is_key_result else parent,
        "contribution": goal.contribution,
        "weight": goal.weight,
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
        "version": goal.version,
        "is_active": goal.is_active,
    }


@router.get(
    "/scorecards/{uuid:uuid}",
    response={200: ScorecardDetailOut, **ERRORS},
    summary="One scorecard with its goals and signatures",
)
def scorecard_detail(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    who = principal(request, READ)
    card = get_visible(_scorecards(who), uuid=uuid)
    view = selectors.scorecard_view(card)
    return {
        **{name: getattr(card, name) for name in SCORECARD_FIELDS},
        "goals": [_goal_data(goal) for goal in view.goals],
        "signatures": [
            {
                "role": s.role,
                "version": s.version,
                "signer_name": s.signer_name,
                "signed_at": s.signed_at,
                "fingerprint": s.content_hash,
            }
            for s in view.signatures.values()
        ],
        "fingerprint": letter_fingerprint(card, view.goals),
        "problems": view.problems,
    }
