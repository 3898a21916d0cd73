"""/api/v1/improvement-plans, /api/v1/development-plans and
/api/v1/development-actions/mentored: the plans the caller may read, paged, and one plan
with its parts — through the same access functions and selectors as the pages. Tokens
need the ``read_plans`` scope (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.outcomes import access
from pms.outcomes.models import DevelopmentAction, DevelopmentPlan, ImprovementPlan
from pms.outcomes.selectors import plans as selectors

from .plan_schemas import (
    ActionOut,
    CheckpointOut,
    IdpDetailOut,
    IdpOut,
    IdpPage,
    IdpQuery,
    MentoredActionOut,
    MentoredPage,
    PipDetailOut,
    PipGoalOut,
    PipOut,
    PipPage,
    PlanQuery,
)

router = Router(tags=["improvement and development plans"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _pip_fields(plan: ImprovementPlan) -> dict[str, Any]:
    return {
        "uuid": plan.uuid,
        "employee": plan.employee.name,
        "employee_number": plan.employee.number,
        "department": plan.employee.department.name,
        "manager": plan.owner.name,
        "trigger": plan.trigger,
        "result": plan.result.uuid if plan.result is not None else None,
        "start": plan.start,
        "end": plan.end,
        "original_end": plan.original_end,
        "status": plan.status,
        "started_at": plan.started_at,
        "employee_signed_at": plan.employee_signed_at,
        "closed_at": plan.closed_at,
        "next_checkpoint": getattr(plan, "next_due", None),
        "checkpoint_overdue": bool(getattr(plan, "overdue", False)),
    }


def _pip(plan: ImprovementPlan) -> PipOut:
    return PipOut(**_pip_fields(plan))


@router.get("/improvement-plans", response={200: PipPage, **ERRORS}, summary="Improvement plans")
def pip_list(
    request: HttpRequest, paging: Query[PageQuery], query: Query[PlanQuery]
) -> dict[str, Any]:
    """The improvement plans the caller may read (their own once started, their team's,
    HR's scope), newest first; ``status`` filters."""
    who = principal(request, access.PLANS_READ_SCOPE)
    rows = selectors.visible_pip_rows(who, timezone.localdate(), query.status)
    return paginate(rows, paging, _pip)


@router.get(
    "/improvement-plans/{uuid:uuid}",
    response={200: PipDetailOut, **ERRORS},
    summary="An improvement plan",
)
def pip_detail(request: HttpRequest, uuid: UUID) -> PipDetailOut:
    """The plan with its goals, checkpoints, signature, extension and outcome."""
    who = principal(request, access.PLANS_READ_SCOPE)
    plan = access.access_pip(who, uuid)
    page = selectors.pip_page(plan, timezone.localdate())
    fields = _pip_fields(plan)
    fields["next_checkpoint"] = next(
        (c.due_on for c in page.checkpoints if c.held_on is None), None
    )
    fields["checkpoint_overdue"] = bool(page.overdue)
    return PipDetailOut(
        **fields,
        reason=plan.reason,
        training=plan.training,
        coaching=plan.coaching,
        reassignment=plan.reassignment,
        sign_refused_at=plan.sign_refused_at,
        sign_note=plan.sign_note,
        extended_at=plan.extended_at,
        extension_reason=plan.extension_reason,
        outcome=plan.outcome,
        goals=[
            PipGoalOut(uuid=g.uuid, title=g.title, measure=g.measure, met=g.met) for g in page.goals
        ],
        checkpoints=[
            CheckpointOut(
                uuid=c.uuid,
                day=c.day,
                due_on=c.due_on,
                held_on=c.held_on,
                verdict=c.verdict,
                notes=c.notes,
                recorded_by=c.recorded_by.display_name if c.recorded_by else None,
            )
            for c in page.checkpoints
        ],
    )


def _idp_fields(plan: DevelopmentPlan) -> dict[str, Any]:
    mean = getattr(plan, "mean_progress", None)
    return {
        "uuid": plan.uuid,
        "employee": plan.employee.name,
        "employee_number": plan.employee.number,
        "department": plan.employee.department.name,
        "title": plan.title,
        "target_position": plan.target_position.title if plan.target_position else None,
        "result": plan.result.uuid if plan.result is not None else None,
        "start": plan.start,
        "end": plan.end,
        "status": plan.status,
        "submitted_at": plan.submitted_at,
        "returned_at": plan.returned_at,
        "manager_agreed_at": plan.manager_agreed_at,
        "completed_at": plan.completed_at,
        "action_count": getattr(plan, "action_count", 0),
        "done_count": getattr(plan, "done_count", 0),
        "progress": round(mean) if mean is not None else None,
    }


def _idp(plan: DevelopmentPlan) -> IdpOut:
    return IdpOut(**_idp_fields(plan))


def _action_fields(action: DevelopmentAction) -> dict[str, Any]:
    return {
        "uuid": action.uuid,
        "kind": action.kind,
        "goal": action.goal,
        "competency": action.competency,
        "mentor": action.mentor.name if action.mentor else None,
        "due_on": action.due_on,
        "progress": action.progress,
        "done_at": action.done_at,
        "note": action.note,
    }


@router.get("/development-plans", response={200: IdpPage, **ERRORS}, summary="Development plans")
def idp_list(
    request: HttpRequest, paging: Query[PageQuery], query: Query[IdpQuery]
) -> dict[str, Any]:
    """The development plans the caller may read (their own, their team's, HR's scope),
    newest first; ``status`` filters (``submitted``: waiting for the manager's agreement)."""
    who = principal(request, access.PLANS_READ_SCOPE)
    return paginate(selectors.visible_idp_rows(who, query.status), paging, _idp)


@router.get(
    "/development-plans/{uuid:uuid}",
    response={200: IdpDetailOut, **ERRORS},
    summary="A development plan",
)
def idp_detail(request: HttpRequest, uuid: UUID) -> IdpDetailOut:
    who = principal(request, access.PLANS_READ_SCOPE)
    plan = access.access_idp(who, uuid)
    page = selectors.idp_page(plan)
    fields = _idp_fields(plan)
    fields.update(
        action_count=len(page.actions),
        done_count=sum(1 for a in page.actions if a.done_at is not None),
        progress=page.progress if page.actions else None,
    )
    return IdpDetailOut(
        **fields,
        aspiration=plan.aspiration,
        returned_reason=plan.returned_reason,
        actions=[ActionOut(**_action_fields(a)) for a in page.actions],
    )


def _mentored(action: DevelopmentAction) -> MentoredActionOut:
    return MentoredActionOut(
        **_action_fields(action),
        plan_title=action.plan.title,
        employee=action.plan.employee.name,
    )


@router.get(
    "/development-actions/mentored",
    response={200: MentoredPage, **ERRORS},
    summary="Development actions I mentor",
)
def mentored_actions(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """The actions the caller mentors (of agreed plans): those actions only."""
    who = principal(request, access.PLANS_READ_SCOPE)
    rows = selectors.mentoring_rows(who).select_related("mentor")
    return paginate(rows, paging, _mentored)
