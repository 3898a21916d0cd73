"""/api/v1/review-cycles: the cycles a caller may see, one cycle with its phases, HR's
monitor (counts only) and moving a cycle to its next phase — through the same access
functions, services and selectors as the pages. Reads need the ``read_reviews`` scope,
writes ``write_reviews`` (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.core.access import Forbidden, NotFound
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org.access import is_member
from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.models import Cycle, RaterType
from pms.reviews.selectors import cycles as cycle_selectors
from pms.reviews.selectors import monitor as monitor_selectors
from pms.reviews.services.phases import cycle_advance

from .cycle_schemas import (
    CompletionOut,
    CycleDetailOut,
    CycleOut,
    CyclePage,
    DepartmentCompletionOut,
    MonitorOut,
    MonitorQuery,
    PhaseCompletionOut,
    PhaseOut,
    TypeCompletionOut,
)

router = Router(tags=["review cycles"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(who: Principal) -> Actor:
    return Actor(user=who.user, channel=AuditChannel.API)


def _cycle_out(cycle: Cycle) -> CycleOut:
    return CycleOut(
        uuid=cycle.uuid,
        name=cycle.name,
        kind=cycle.kind,
        status=cycle.status,
        phase=cycle.phase,
        start=cycle.start,
        end=cycle.end,
        period=cycle.period.name if cycle.period is not None else None,
        reviews=getattr(cycle, "n_reviews", 0),
        launched_at=cycle.launched_at,
        closed_at=cycle.closed_at,
    )


def _detail(cycle: Cycle) -> CycleDetailOut:
    counts = cycle_selectors.cycle_counts(cycle)
    cycle.n_reviews = counts.taking_part  # type: ignore[attr-defined]
    return CycleDetailOut(
        **_cycle_out(cycle).model_dump(),
        default_template=str(cycle.default_template) if cycle.default_template else None,
        phases=[
            PhaseOut(
                phase=row.phase,
                status=row.status,
                opens_on=row.opens_on,
                deadline=row.deadline,
                opened_at=row.opened_at,
                closed_at=row.closed_at,
            )
            for row in cycle_selectors.cycle_phases(cycle)
        ],
    )


def _completion(completion: monitor_selectors.Completion) -> dict[str, Any]:
    return {
        "asked": completion.asked,
        "submitted": completion.submitted,
        "draft": completion.draft,
        "pending": completion.pending,
        "declined": completion.declined,
        "percent": completion.percent,
    }


def _visible(who: Principal, uuid: UUID) -> Cycle:
    if not is_member(who):
        raise NotFound
    return access.access_cycle(who, uuid)


@router.get("/review-cycles", response={200: CyclePage, **ERRORS}, summary="Review cycles")
def cycle_list(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """Running and closed cycles for every member; drafts too for HR."""
    who = principal(request, access.READ_SCOPE)
    if not is_member(who):
        raise NotFound
    return paginate(cycle_selectors.cycle_list(access.cycles_visible(who)), paging, _cycle_out)


@router.get(
    "/review-cycles/{uuid:uuid}", response={200: CycleDetailOut, **ERRORS}, summary="One cycle"
)
def cycle_detail(request: HttpRequest, uuid: UUID) -> CycleDetailOut:
    who = principal(request, access.READ_SCOPE)
    return _detail(_visible(who, uuid))


@router.get(
    "/review-cycles/{uuid:uuid}/monitor",
    response={200: MonitorOut, **ERRORS},
    summary="Completion of a cycle (HR)",
)
def cycle_monitor(
    request: HttpRequest, uuid: UUID, filters: Query[MonitorQuery], rater_type: str = ""
) -> MonitorOut:
    """Completion by phase, rater type and department over the reviews the caller's HR
    scope covers: counts only, never a rater."""
    who = principal(request, access.READ_SCOPE)
    cycle = _visible(who, uuid)
    if not access.can_monitor_cycle(who, cycle):
        raise Forbidden
    if rater_type and rater_type not in RaterType.values:
        raise ValidationError({"rater_type": [_("Choose a rater type.")]})
    department = None
    if filters.department is not None:
        department = access.monitor_departments(who).filter(uuid=filters.department).first()
        if department is None:
            raise ValidationError({"department": [_("Choose a department in your scope.")]})
    chosen = monitor_selectors.MonitorFilters(department=department, rater_type=rater_type)
    reviews = monitor_selectors.monitor_reviews_in(access.monitor_reviews(who, cycle), chosen)
    ratings = monitor_selectors.monitor_ratings(reviews, chosen)
    deadlines = monitor_selectors.phase_deadlines(cycle)
    summary = monitor_selectors.monitor_summary(
        cycle, reviews, ratings, deadlines, timezone.localdate()
    )
    departments = monitor_selectors.completion_by_department(
        ratings,
        access.monitor_departments(who),
        focus=department,
        roots=access.monitor_roots(who),
    )
    return MonitorOut(
        cycle=cycle.uuid,
        reviews=summary.reviews,
        overdue=summary.overdue,
        total=CompletionOut(**_completion(summary.total)),
        phases=[
            PhaseCompletionOut(
                phase=row.phase,
                deadline=row.deadline,
                types=[
                    TypeCompletionOut(rater_type=code, **_completion(found))
                    for code, _label, found in row.types
                ],
                **_completion(row.completion),
            )
            for row in summary.by_phase
        ],
        departments=[
            DepartmentCompletionOut(
                department=row.department.uuid,
                name=row.department.name,
                own_people_only=row.direct_only,
                **_completion(row.completion),
            )
            for row in departments
        ],
    )


@router.post(
    "/review-cycles/{uuid:uuid}/advance",
    response={200: CycleDetailOut, **ERRORS},
    summary="Open the next phase (HR)",
)
def advance(request: HttpRequest, uuid: UUID) -> CycleDetailOut:
    """Close the open phase and open the next; the raters whose phase opens are told."""
    who = principal(request, access.WRITE_SCOPE)
    cycle = _visible(who, uuid)
    if not access.can_manage_cycles(who):
        raise Forbidden
    cycle_advance(actor=_actor(who), cycle=cycle)
    return _detail(Cycle.objects.select_related("period", "default_template").get(pk=cycle.pk))
