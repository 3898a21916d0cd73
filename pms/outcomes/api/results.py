"""/api/v1/performance-results and /api/v1/review-cycles/{uuid}/performance-results: the
caller's published results, one result with how it was decided and what changed, and HR's
paged list of a cycle — through the same access functions and selectors as the pages.
Tokens need the ``read_results`` scope (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.outcomes import access
from pms.outcomes.models import AckStatus, PerformanceResult
from pms.outcomes.selectors import results as selectors
from pms.outcomes.services.results import coefficient_table
from pms.reviews.access import monitor_departments

from .result_schemas import (
    ChangeOut,
    CycleResultsQuery,
    ResultDetailOut,
    ResultOut,
    ResultPage,
)

router = Router(tags=["performance results"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _out(result: PerformanceResult) -> ResultOut:
    return ResultOut(
        uuid=result.uuid,
        cycle=result.cycle.uuid,
        cycle_name=result.cycle.name,
        employee=result.employee.name,
        employee_number=result.employee.number,
        department=result.department.name,
        grade=result.grade,
        score=result.score,
        coefficient=result.coefficient,
        review_grade=result.review_grade,
        review_score=result.review_score,
        source=result.source,
        version=result.version,
        published_at=result.published_at,
        ack_status=result.ack_status,
        ack_deadline=result.ack_deadline,
        ack_at=result.ack_at,
    )


@router.get(
    "/performance-results/mine",
    response={200: ResultPage, **ERRORS},
    summary="My published results",
)
def my_results(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """The caller's own published results, newest cycle first."""
    who = principal(request, access.READ_SCOPE)
    rows = (
        access.my_results(who)
        .select_related("cycle", "employee", "department")
        .order_by("-cycle__start", "-cycle_id")
    )
    return paginate(rows, paging, _out)


@router.get(
    "/performance-results/{uuid:uuid}",
    response={200: ResultDetailOut, **ERRORS},
    summary="A published result",
)
def result_detail(request: HttpRequest, uuid: UUID) -> ResultDetailOut:
    """Grade, score, coefficient, how they were decided (sentences in the caller's
    language) and every change with its reason — an appeal's reason only for the person
    and appeal HR."""
    who = principal(request, access.READ_SCOPE)
    found = access.access_result(who, uuid)
    page = selectors.result_page(who, found)
    return ResultDetailOut(
        **_out(found).model_dump(),
        explanation=page.sentences,
        changes=[
            ChangeOut(
                source=row.change.source,
                score_before=row.change.score_before,
                score_after=row.change.score_after,
                grade_before=row.change.grade_before,
                grade_after=row.change.grade_after,
                reason=row.reason,
                changed_at=row.change.created_at,
            )
            for row in page.changes
        ],
        confirm_by=found.ack_deadline,
        appeal_until=page.appeal_until,
    )


@router.get(
    "/review-cycles/{uuid:uuid}/performance-results",
    response={200: ResultPage, **ERRORS},
    summary="A cycle's published results",
)
def cycle_results(
    request: HttpRequest, uuid: UUID, filters: Query[CycleResultsQuery], paging: Query[PageQuery]
) -> dict[str, Any]:
    """The published results HR's scope covers (an HRBP: their departments), filtered by
    department (with its sub-departments), grade and confirmation state."""
    who = principal(request, access.READ_SCOPE)
    cycle = access.access_cycle_for_results(who, uuid)
    department = None
    if filters.department is not None:
        department = monitor_departments(who).filter(uuid=filters.department).first()
        if department is None:
            raise ValidationError({"department": [_("Choose a department in your scope.")]})
    if filters.grade and filters.grade not in coefficient_table():
        raise ValidationError({"grade": [_("Choose a grade.")]})
    if filters.ack_status and filters.ack_status not in AckStatus.values:
        raise ValidationError({"ack_status": [_("Choose a confirmation state.")]})
    rows = selectors.cycle_result_rows(
        who,
        cycle,
        selectors.ResultFilters(department=department, grade=filters.grade, ack=filters.ack_status),
    ).select_related("cycle")
    return paginate(rows, paging, _out)
