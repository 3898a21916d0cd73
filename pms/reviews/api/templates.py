"""/api/v1/review-templates: the template editions HR may see, and one edition with its
sections and items — read-only, through the same access functions and selectors as the
pages. Tokens need the ``read_reviews`` scope (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router

from pms.core.access import NotFound, get_visible
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.reviews import access
from pms.reviews.models import ReviewTemplate
from pms.reviews.selectors import templates as selectors
from pms.reviews.template_rules import weight_value

from .template_schemas import (
    ItemOut,
    SectionOut,
    TemplateDetailOut,
    TemplateOut,
    TemplatePage,
)

router = Router(tags=["review templates"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _template_out(template: ReviewTemplate) -> TemplateOut:
    return TemplateOut(
        uuid=template.uuid,
        code=template.code,
        version=template.version,
        name=template.name,
        description=template.description,
        status=template.status,
        role_families=[family.code for family in template.role_families.all()],
        positions=[position.code for position in template.positions.all()],
        rater_types=list(template.rater_types),
        rater_weights={k: weight_value(v) for k, v in template.rater_weights.items()},
        anonymous_types=list(template.anonymous_types),
        peer_min=template.peer_min,
        peer_max=template.peer_max,
        grade_bands=list(template.grade_bands),
        previous=template.previous.uuid if template.previous is not None else None,
        reviews=getattr(template, "review_count", 0),
        updated_at=template.updated_at,
    )


@router.get(
    "/review-templates",
    response={200: TemplatePage, **ERRORS},
    summary="Review templates",
)
def template_list(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: Literal["all", "current", "draft", "active", "retired"] = "all",
) -> dict[str, Any]:
    """Every edition (``status``: all, current = drafts and in use, draft, active,
    retired), by code and newest version first."""
    who = principal(request, access.READ_SCOPE)
    if not access.can_run_reviews(who):
        raise NotFound
    rows = selectors.template_list(access.templates_visible(who), status).select_related("previous")
    return paginate(rows.prefetch_related("positions"), paging, _template_out)


@router.get(
    "/review-templates/{uuid:uuid}",
    response={200: TemplateDetailOut, **ERRORS},
    summary="One review template edition",
)
def template_detail(request: HttpRequest, uuid: UUID) -> TemplateDetailOut:
    who = principal(request, access.READ_SCOPE)
    template = get_visible(selectors.template_detail(access.templates_visible(who)), uuid=uuid)
    sections = [
        SectionOut(
            uuid=view.section.uuid,
            kind=view.section.kind,
            title=view.section.title,
            description=view.section.description,
            weight=view.section.weight,
            scale=dict(view.section.scale),
            rater_types=list(view.section.rater_types),
            goal_sections=list(view.section.goal_sections),
            items=[
                ItemOut(
                    uuid=item_view.item.uuid,
                    title=item_view.item.title,
                    description=item_view.item.description,
                    weight=item_view.item.weight,
                    anchors=dict(item_view.item.anchors),
                    required=item_view.item.required,
                    veto_grade=item_view.item.veto_grade,
                    veto_score_cap=item_view.item.veto_score_cap,
                )
                for item_view in view.items
            ],
        )
        for view in selectors.template_sections(template)
    ]
    return TemplateDetailOut(**_template_out(template).model_dump(), sections=sections)
