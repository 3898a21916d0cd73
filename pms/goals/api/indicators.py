"""/api/v1/indicators: the indicator library, read with the ``read_goals`` scope through
the same access functions and selector as the pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from pms.accounts.models import TokenScope
from pms.core.access import get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.goals import access
from pms.goals.models import Indicator
from pms.goals.schemas.indicators import IndicatorFilters, IndicatorOut, IndicatorPage
from pms.goals.selectors.indicators import IndicatorFilters as ListFilters
from pms.goals.selectors.indicators import indicator_list
from pms.org.models import RoleFamily

router = Router(tags=["indicators"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/indicators",
    response={200: IndicatorPage, **ERRORS},
    summary="List the indicator library",
)
def indicators(
    request: HttpRequest, filters: Query[IndicatorFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    who = principal(request, TokenScope.READ_GOALS)
    family = None
    if filters.role_family:
        family = RoleFamily.objects.filter(code=filters.role_family).first()
        if family is None:
            raise ValidationError({"role_family": _("No role family with this code.")})
    chosen = ListFilters(search=filters.q.strip(), role_family=family, enabled=filters.enabled)
    return paginate(indicator_list(access.indicators_visible(who), chosen), paging)


@router.get(
    "/indicators/{uuid:uuid}",
    response={200: IndicatorOut, **ERRORS},
    summary="One indicator",
)
def indicator(request: HttpRequest, uuid: UUID) -> Indicator:
    who = principal(request, TokenScope.READ_GOALS)
    return get_visible(indicator_list(access.indicators_visible(who)), uuid=uuid)
