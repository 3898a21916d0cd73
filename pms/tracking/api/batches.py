"""/api/v1/actual-batches: uploads and pushes of actual values with their counts (scope
``read_tracking``): one's own, all of them for company-wide HR and system admins."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.tracking import access
from pms.tracking.schemas import BatchFilters, BatchPage

router = Router(tags=["tracking"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/actual-batches",
    response={200: BatchPage, **ERRORS},
    summary="List batches of actual values",
)
def batch_list(
    request: HttpRequest, filters: Query[BatchFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, TokenScope.READ_TRACKING)
    batches = access.batches_visible(who).select_related("created_by", "import_job")
    if filters.source is not None:
        batches = batches.filter(source=filters.source)
    return paginate(batches.order_by("-created_at", "-id"), paging)
