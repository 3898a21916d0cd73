"""Improvement plan pages (PIP, 绩效改进计划): creating one from a result or by choice,
preparing it, starting, signing, checkpoints, extending, closing, cancelling; its dated
record for printing; the manager's team, HR's list and the people whose grade calls for
a plan.

Refusals: a plan, result or person the user may not see is "not found"; acting on a
visible plan without the right (the person closing their own plan, a manager signing) is
"forbidden". HR's list is "not found" to people who are not HR; the team list to people
who lead nobody.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.goals.access import is_manager_above
from pms.org.access import access_employee, employees_visible
from pms.org.forms import add_service_errors
from pms.org.models import Employee
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.plans import (
    CancelForm,
    CheckpointMoveForm,
    CheckpointRecordForm,
    CloseForm,
    ExtendForm,
    PipCreateForm,
    PipEditForm,
    PipFilterForm,
    PipGoalForm,
    SignRefusalForm,
)
from pms.outcomes.models import (
    ImprovementGoal,
    ImprovementPlan,
    PerformanceResult,
    PipTrigger,
    PlanCheckpoint,
)
from pms.outcomes.selectors import plans as selectors
from pms.outcomes.services import pip as services
from pms.outcomes.views.detail_pages import DetailPages, as_form, as_row
from pms.reviews.access import monitor_departments

# --- creating --------------------------------------------------------------------------------


def _person_and_result(
    principal: Principal, request: HttpRequest
) -> tuple[Employee, PerformanceResult | None]:
    """The person the plan is for: from ``?result=`` (a grade), ``?employee=`` or
    ``?number=`` (by choice). Unknown or invisible: "not found"."""
    params = request.GET
    if params.get("result"):
        result = access.access_result(principal, params["result"])
        return result.employee, result
    if params.get("employee"):
        return access_employee(principal, params["employee"]), None
    number = (params.get("number") or "").strip()
    if number:
        person = employees_visible(principal).filter(number=number).first()
        if person is not None:
            return person, None
    raise NotFound


def _owner(principal: Principal, person: Employee) -> Employee | None:
    """A manager who creates the plan leads it; HR's plan is led by the direct manager."""
    if principal.employee is not None and is_manager_above(principal, person):
        return principal.employee
    return person.manager


@login_required
def pip_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    person, result = _person_and_result(principal, request)
    if not access.can_create_pip_for(principal, person):
        raise Forbidden
    initial: dict[str, Any] = {}
    if result is not None:
        initial["reason"] = _("Grade %(grade)s in %(cycle)s.") % {
            "grade": result.grade or "—",
            "cycle": result.cycle.name,
        }
    form = PipCreateForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.pip_create(
                    actor=actor_of(request),
                    employee=person,
                    owner=_owner(principal, person),
                    trigger=PipTrigger.GRADE if result is not None else PipTrigger.CHOICE,
                    result=result,
                    reason=data["reason"],
                    goals=form.goals(),
                    start=data["start"],
                    end=data["end"],
                    training=data["training"],
                    coaching=data["coaching"],
                    reassignment=data["reassignment"],
                )
            except ValidationError as error:
                add_service_errors(form, error, {"goals": "goal_1_title"})
            else:
                messages.success(
                    request, _("The plan is prepared. Check it, then start it with the person.")
                )
                for warning in services.plan_warnings(plan):
                    messages.warning(request, warning)
                return redirect("outcomes:pip", uuid=plan.uuid)
        status = 400
    return render(
        request,
        "outcomes/pip_form.html",
        {
            "form": form,
            "person": person,
            "result": result,
            "title": _("New improvement plan: %(name)s") % {"name": person.name},
        },
        status=status,
    )


# --- one plan --------------------------------------------------------------------------------


def _rows(items: list[Any], bound_for: int | None, bound: Any, make: Any) -> list[tuple[Any, Any]]:
    return [(item, bound if item.pk == bound_for else make(item)) for item in items]


def _context(
    principal: Principal,
    plan: ImprovementPlan,
    *,
    edit_form: PipEditForm | None = None,
    goal_form: PipGoalForm | None = None,
    goal_edit: tuple[int, PipGoalForm] | None = None,
    move: tuple[int, CheckpointMoveForm] | None = None,
    record: tuple[int, CheckpointRecordForm] | None = None,
    refusal_form: SignRefusalForm | None = None,
    extend_form: ExtendForm | None = None,
    close_form: CloseForm | None = None,
    cancel_form: CancelForm | None = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    page = selectors.pip_page(plan, today)
    can_edit = access.can_edit_pip(principal, plan)
    can_record = access.can_record_checkpoint(principal, plan)
    goal_rows = _rows(
        page.goals,
        goal_edit[0] if goal_edit else None,
        goal_edit[1] if goal_edit else None,
        lambda g: PipGoalForm(initial={"title": g.title, "measure": g.measure}),
    )
    if can_edit:
        checkpoint_forms = _rows(
            page.checkpoints,
            move[0] if move else None,
            move[1] if move else None,
            lambda c: CheckpointMoveForm(initial={"due_on": c.due_on}),
        )
    elif can_record:
        checkpoint_forms = _rows(
            page.checkpoints,
            record[0] if record else None,
            record[1] if record else None,
            lambda c: CheckpointRecordForm(
                initial={
                    "held_on": c.held_on or today,
                    "verdict": c.verdict,
                    "notes": c.notes,
                }
            ),
        )
    else:
        checkpoint_forms = [(c, None) for c in page.checkpoints]
    return {
        "page": page,
        "plan": plan,
        "today": today,
        "is_person": access.is_pip_person(principal, plan),
        "can_manage": access.can_manage_pip(principal, plan),
        "can_edit": can_edit,
        "can_start": access.can_start_pip(principal, plan),
        "can_sign": access.can_sign_pip(principal, plan),
        "can_note_refusal": access.can_note_sign_refusal(principal, plan),
        "can_record": can_record,
        "can_extend": access.can_extend_pip(principal, plan),
        "can_close": access.can_close_pip(principal, plan),
        "can_cancel": access.can_cancel_pip(principal, plan),
        "goal_rows": goal_rows,
        "checkpoint_rows": checkpoint_forms,
        "edit_form": edit_form
        or PipEditForm(
            initial={
                "reason": plan.reason,
                "start": plan.start,
                "end": plan.end,
                "training": plan.training,
                "coaching": plan.coaching,
                "reassignment": plan.reassignment,
            }
        ),
        "goal_form": goal_form or PipGoalForm(),
        "refusal_form": refusal_form or SignRefusalForm(initial={"note": plan.sign_note}),
        "extend_form": extend_form or ExtendForm(),
        "close_form": close_form or CloseForm(goals=page.goals),
        "cancel_form": cancel_form or CancelForm(),
        "title": _("Improvement plan: %(name)s") % {"name": plan.employee.name},
    }


PAGES: DetailPages[ImprovementPlan] = DetailPages(
    template="outcomes/pip_detail.html",
    url_name="outcomes:pip",
    find=access.access_pip,
    context=_context,
)


@login_required
@require_GET
def pip_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return PAGES.page(request, principal, access.access_pip(principal, uuid))


def _goal_for(request: HttpRequest, uuid: str) -> tuple[Principal, ImprovementGoal]:
    principal = principal_of(request)
    goal = access.access_pip_goal(principal, uuid)
    if not access.can_edit_pip(principal, goal.plan):
        raise Forbidden
    return principal, goal


def _checkpoint_for(request: HttpRequest, uuid: str, may: Any) -> tuple[Principal, PlanCheckpoint]:
    principal = principal_of(request)
    checkpoint = access.access_pip_checkpoint(principal, uuid)
    if not may(principal, checkpoint.plan):
        raise Forbidden
    return principal, checkpoint


@login_required
@require_POST
def pip_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_edit_pip)

    def write(data: dict[str, Any]) -> None:
        services.pip_update(actor=actor_of(request), plan=plan, **data)
        for warning in services.support_warnings(
            training=data["training"], reassignment=data["reassignment"]
        ):
            messages.warning(request, warning)

    return PAGES.submit(
        request,
        principal,
        plan,
        PipEditForm(request.POST),
        write,
        message=_("The plan is saved."),
        bound=as_form("edit_form"),
    )


@login_required
@require_POST
def pip_goal_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_edit_pip)
    return PAGES.submit(
        request,
        principal,
        plan,
        PipGoalForm(request.POST),
        lambda data: services.pip_goal_add(actor=actor_of(request), plan=plan, **data),
        message=_("The goal is added."),
        bound=as_form("goal_form"),
    )


@login_required
@require_POST
def pip_goal_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, goal = _goal_for(request, uuid)
    return PAGES.submit(
        request,
        principal,
        goal.plan,
        PipGoalForm(request.POST),
        lambda data: services.pip_goal_update(actor=actor_of(request), goal=goal, **data),
        message=_("The goal is saved."),
        bound=as_row("goal_edit", goal.pk),
    )


@login_required
@require_POST
def pip_goal_remove(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, goal = _goal_for(request, uuid)
    return PAGES.act(
        request,
        goal.plan,
        lambda: services.pip_goal_remove(actor=actor_of(request), goal=goal),
        _("The goal is taken off the plan."),
    )


@login_required
@require_POST
def pip_checkpoint_move(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, checkpoint = _checkpoint_for(request, uuid, access.can_edit_pip)
    return PAGES.submit(
        request,
        principal,
        checkpoint.plan,
        CheckpointMoveForm(request.POST),
        lambda data: services.pip_checkpoint_move(
            actor=actor_of(request), checkpoint=checkpoint, due_on=data["due_on"]
        ),
        message=_("The checkpoint is moved."),
        bound=as_row("move", checkpoint.pk),
    )


@login_required
@require_POST
def pip_checkpoint_record(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, checkpoint = _checkpoint_for(request, uuid, access.can_record_checkpoint)
    return PAGES.submit(
        request,
        principal,
        checkpoint.plan,
        CheckpointRecordForm(request.POST),
        lambda data: services.pip_checkpoint_record(
            actor=actor_of(request), checkpoint=checkpoint, **data
        ),
        message=_("The checkpoint is recorded."),
        bound=as_row("record", checkpoint.pk),
    )


@login_required
@require_POST
def pip_start(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_start_pip)
    return PAGES.act(
        request,
        plan,
        lambda: services.pip_start(actor=actor_of(request), plan=plan),
        _("The plan has started; the person is asked to read and sign it."),
    )


@login_required
@require_POST
def pip_sign(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_sign_pip)
    return PAGES.act(
        request,
        plan,
        lambda: services.pip_sign(actor=actor_of(request), plan=plan),
        _("You signed that you have read the plan."),
    )


@login_required
@require_POST
def pip_sign_refusal(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_note_sign_refusal)
    return PAGES.submit(
        request,
        principal,
        plan,
        SignRefusalForm(request.POST),
        lambda data: services.pip_sign_refusal(
            actor=actor_of(request), plan=plan, note=data["note"]
        ),
        message=_("The refusal to sign is recorded; the plan runs."),
        bound=as_form("refusal_form"),
    )


@login_required
@require_POST
def pip_extend(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_extend_pip)
    return PAGES.submit(
        request,
        principal,
        plan,
        ExtendForm(request.POST),
        lambda data: services.pip_extend(actor=actor_of(request), plan=plan, **data),
        message=_("The plan is extended; the person is told."),
        bound=as_form("extend_form"),
    )


@login_required
@require_POST
def pip_close(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_close_pip)
    form = CloseForm(request.POST, goals=list(plan.goals.all()))
    return PAGES.submit(
        request,
        principal,
        plan,
        form,
        lambda data: services.pip_close(
            actor=actor_of(request),
            plan=plan,
            outcome=data["outcome"],
            reason=data["reason"],
            goals_met=form.goals_met(),
        ),
        message=_("The plan is closed."),
        bound=as_form("close_form"),
    )


@login_required
@require_POST
def pip_cancel(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_cancel_pip)
    return PAGES.submit(
        request,
        principal,
        plan,
        CancelForm(request.POST),
        lambda data: services.pip_cancel(actor=actor_of(request), plan=plan, reason=data["reason"]),
        message=_("The plan is cancelled."),
        bound=as_form("cancel_form"),
    )


@login_required
@require_GET
def pip_record(request: HttpRequest, uuid: str) -> HttpResponse:
    """The plan's dated record, laid out for printing (or saving as PDF from the browser)."""
    principal = principal_of(request)
    plan = access.access_pip(principal, uuid)
    return render(
        request,
        "outcomes/pip_record.html",
        {
            "page": selectors.pip_page(plan, timezone.localdate()),
            "plan": plan,
            "printed_at": timezone.localtime(),
            "title": _("Improvement plan record: %(name)s") % {"name": plan.employee.name},
        },
    )


# --- lists ---------------------------------------------------------------------------------


@login_required
@require_GET
def pip_team(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_plans(principal):
        raise NotFound
    return render(
        request,
        "outcomes/pip_team.html",
        {
            "page": paginate(request, selectors.team_pip_rows(principal, timezone.localdate())),
            "query": query_without_page(request),
            "title": _("My team's improvement plans"),
        },
    )


@login_required
@require_GET
def pip_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_list_plans(principal):
        raise NotFound
    form = PipFilterForm(request.GET or None, departments=monitor_departments(principal))
    filters = selectors.PipFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.PipFilters(
            status=data["status"], department=data["department"], overdue=data["overdue"]
        )
    rows = selectors.pip_rows(principal, filters, timezone.localdate())
    return render(
        request,
        "outcomes/pip_list.html",
        {
            "filter_form": form,
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "title": _("Improvement plans"),
        },
    )


@login_required
@require_GET
def pip_candidates(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not (access.can_list_plans(principal) or access.can_see_team_plans(principal)):
        raise NotFound
    return render(
        request,
        "outcomes/pip_candidates.html",
        {
            "page": paginate(request, selectors.pip_candidates(principal)),
            "grades": services.pip_grades(),
            "query": query_without_page(request),
            "title": _("Results that call for an improvement plan"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("pip/", pip_list, name="pip_list"),
    path("pip/team/", pip_team, name="pip_team"),
    path("pip/candidates/", pip_candidates, name="pip_candidates"),
    path("pip/new/", pip_create, name="pip_create"),
    path("pip/<uuid:uuid>/", pip_detail, name="pip"),
    path("pip/<uuid:uuid>/record/", pip_record, name="pip_record"),
    path("pip/<uuid:uuid>/edit/", pip_edit, name="pip_edit"),
    path("pip/<uuid:uuid>/goals/", pip_goal_add, name="pip_goal_add"),
    path("pip/<uuid:uuid>/start/", pip_start, name="pip_start"),
    path("pip/<uuid:uuid>/sign/", pip_sign, name="pip_sign"),
    path("pip/<uuid:uuid>/refusal/", pip_sign_refusal, name="pip_sign_refusal"),
    path("pip/<uuid:uuid>/extend/", pip_extend, name="pip_extend"),
    path("pip/<uuid:uuid>/close/", pip_close, name="pip_close"),
    path("pip/<uuid:uuid>/cancel/", pip_cancel, name="pip_cancel"),
    path("pip/goals/<uuid:uuid>/", pip_goal_edit, name="pip_goal_edit"),
    path("pip/goals/<uuid:uuid>/remove/", pip_goal_remove, name="pip_goal_remove"),
    path("pip/checkpoints/<uuid:uuid>/move/", pip_checkpoint_move, name="pip_checkpoint_move"),
    path(
        "pip/checkpoints/<uuid:uuid>/record/", pip_checkpoint_record, name="pip_checkpoint_record"
    ),
]
