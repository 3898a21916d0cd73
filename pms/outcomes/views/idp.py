"""Development plan pages (IDP, 个人发展计划) and "my plans": the person writes their plan
and its actions, submits it and records progress; a manager agrees it or returns it with
a reason; HR or a manager starts one for the person from a training need
(``outcomes:idp_create`` with ``?employee=<uuid>`` and ``?competency=<text>``); a mentor
sees the actions they mentor; lists for the team and HR.

Refusals: a plan or person the user may not see is "not found"; changing or submitting a
visible plan that is not one's own, or agreeing or returning it without being a manager
of the person (or before it is submitted), is "forbidden". HR's list is "not found" to
people who are not HR; the team list to people who lead nobody.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.goals.access import is_self
from pms.org.access import access_employee, employees_visible, positions_visible
from pms.org.forms import add_service_errors
from pms.org.models import Employee
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.plans import (
    ActionForm,
    IdpFilterForm,
    IdpForm,
    IdpReturnForm,
    IdpSuggestForm,
    ProgressForm,
)
from pms.outcomes.models import (
    ActionKind,
    DevelopmentAction,
    DevelopmentPlan,
    IdpStatus,
    PerformanceResult,
)
from pms.outcomes.selectors import plans as selectors
from pms.outcomes.services import idp as services
from pms.outcomes.views.detail_pages import DetailPages, May, as_form, as_row
from pms.reviews.access import monitor_departments

# --- my plans --------------------------------------------------------------------------------


@login_required
@require_GET
def plans_mine(request: HttpRequest) -> HttpResponse:
    """The person's development plans and, once started, their improvement plans."""
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    return render(
        request,
        "outcomes/idp_mine.html",
        {
            "idps": list(selectors.my_idps(principal)[:100]),
            "pips": list(selectors.my_pips(principal)[:100]),
            "mentoring": selectors.mentoring_rows(principal).exists(),
            "title": _("My plans"),
        },
    )


# --- creating --------------------------------------------------------------------------------


def _my_results(employee: Employee) -> QuerySet[PerformanceResult]:
    return (
        PerformanceResult.objects.filter(employee=employee, published_at__isnull=False)
        .select_related("cycle")
        .order_by("-cycle__start", "-cycle_id")
    )


def _idp_form(principal: Principal, employee: Employee, data: Any = None, **kwargs: Any) -> IdpForm:
    return IdpForm(
        data,
        positions=positions_visible(principal),
        results=_my_results(employee),
        **kwargs,
    )


@login_required
def idp_create(request: HttpRequest) -> HttpResponse:
    """The person's new plan; with ``?employee=`` another person's (HR or a manager, from
    a training need: ``?competency=`` names the first action's competency)."""
    principal = principal_of(request)
    chosen = request.GET.get("employee")
    person = access_employee(principal, chosen) if chosen else principal.employee
    if person is None:
        raise NotFound
    if not access.can_create_idp_for(principal, person):
        raise Forbidden
    competency = (request.GET.get("competency") or "").strip()[:200]
    posted = request.POST if request.method == "POST" else None
    own = is_self(principal, person)
    form: IdpForm | IdpSuggestForm
    if own:
        initial = (
            {"title": _("Develop %(competency)s") % {"competency": competency}}
            if competency
            else {}
        )
        form = _idp_form(principal, person, posted, initial=initial)
    else:
        form = IdpSuggestForm(posted, initial={"competency": competency})
    status = 200
    if posted is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                if own:
                    first = (
                        [
                            services.ActionInput(
                                kind=ActionKind.COURSE,
                                goal=_("Close the gap in %(competency)s")
                                % {"competency": competency},
                                competency=competency,
                            )
                        ]
                        if competency
                        else []
                    )
                    plan = services.idp_create(
                        actor=actor_of(request),
                        employee=person,
                        title=data["title"],
                        start=data["start"],
                        end=data["end"],
                        target_position=data["target_position"],
                        aspiration=data["aspiration"],
                        result=data.get("result"),
                        actions=first,
                    )
                    message = _("Your development plan is started. Add its actions.")
                else:
                    plan = services.idp_suggest(
                        actor=actor_of(request),
                        employee=person,
                        competency=data["competency"],
                        title=data["title"],
                    )
                    message = _("The development plan is started for %(name)s, who is told.") % {
                        "name": person.name
                    }
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("outcomes:idp", uuid=plan.uuid)
        status = 400
    return render(
        request,
        "outcomes/idp_form.html",
        {
            "form": form,
            "person": person,
            "own": own,
            "competency": competency,
            "title": _("New development plan")
            if own
            else _("New development plan for %(name)s") % {"name": person.name},
        },
        status=status,
    )


# --- one plan --------------------------------------------------------------------------------


def _people(principal: Principal) -> QuerySet[Employee]:
    return employees_visible(principal)


def _context(
    principal: Principal,
    plan: DevelopmentPlan,
    *,
    edit_form: IdpForm | None = None,
    action_form: ActionForm | None = None,
    action_edit: tuple[int, ActionForm] | None = None,
    progress: tuple[int, ProgressForm] | None = None,
    return_form: IdpReturnForm | None = None,
) -> dict[str, Any]:
    page = selectors.idp_page(plan)
    can_edit = access.can_edit_idp(principal, plan)
    can_progress = access.can_update_idp_progress(principal, plan)
    people = _people(principal)
    rows = []
    for action in page.actions:
        edit = (
            action_edit[1]
            if action_edit and action_edit[0] == action.pk
            else ActionForm(
                people=people,
                initial={
                    "kind": action.kind,
                    "goal": action.goal,
                    "competency": action.competency,
                    "mentor": action.mentor.number if action.mentor else "",
                    "due_on": action.due_on,
                },
            )
            if can_edit and action.done_at is None
            else None
        )
        update = (
            progress[1]
            if progress and progress[0] == action.pk
            else ProgressForm(initial={"progress": action.progress, "note": action.note})
            if can_progress
            else None
        )
        rows.append((action, edit, update))
    return {
        "page": page,
        "plan": plan,
        "rows": rows,
        "is_person": access.is_idp_person(principal, plan),
        "can_edit": can_edit,
        "can_remove_actions": can_edit and plan.status == IdpStatus.DRAFT,
        "can_submit": access.can_submit_idp(principal, plan),
        "can_agree": access.can_agree_idp(principal, plan),
        "can_return": access.can_return_idp(principal, plan),
        "can_withdraw": access.can_withdraw_idp(principal, plan),
        "return_form": return_form or IdpReturnForm(),
        "can_progress": can_progress,
        "can_complete": access.can_complete_idp(principal, plan),
        "edit_form": edit_form
        or IdpForm(
            positions=positions_visible(principal),
            initial={
                "title": plan.title,
                "target_position": plan.target_position,
                "aspiration": plan.aspiration,
                "start": plan.start,
                "end": plan.end,
            },
        ),
        "action_form": action_form or ActionForm(people=people),
        "title": _("Development plan: %(name)s") % {"name": plan.employee.name},
    }


PAGES: DetailPages[DevelopmentPlan] = DetailPages(
    template="outcomes/idp_detail.html",
    url_name="outcomes:idp",
    find=access.access_idp,
    context=_context,
)


@login_required
@require_GET
def idp_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return PAGES.page(request, principal, access.access_idp(principal, uuid))


def _action_for(request: HttpRequest, uuid: str, may: May) -> tuple[Principal, DevelopmentAction]:
    principal = principal_of(request)
    action = access.access_idp_action(principal, uuid)
    if not may(principal, action.plan):
        raise Forbidden
    return principal, action


@login_required
@require_POST
def idp_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_edit_idp)
    return PAGES.submit(
        request,
        principal,
        plan,
        IdpForm(request.POST, positions=positions_visible(principal)),
        lambda data: services.idp_update(actor=actor_of(request), plan=plan, **data),
        message=_("The plan is saved."),
        bound=as_form("edit_form"),
    )


@login_required
@require_POST
def idp_action_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_edit_idp)
    form = ActionForm(request.POST, people=_people(principal))
    return PAGES.submit(
        request,
        principal,
        plan,
        form,
        lambda _data: services.idp_action_add(
            actor=actor_of(request), plan=plan, action=form.action()
        ),
        message=_("The action is added."),
        bound=as_form("action_form"),
    )


@login_required
@require_POST
def idp_action_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, action = _action_for(request, uuid, access.can_edit_idp)
    form = ActionForm(request.POST, people=_people(principal))
    return PAGES.submit(
        request,
        principal,
        action.plan,
        form,
        lambda _data: services.idp_action_update(
            actor=actor_of(request), action=action, change=form.action()
        ),
        message=_("The action is saved."),
        bound=as_row("action_edit", action.pk),
    )


@login_required
@require_POST
def idp_action_remove(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, action = _action_for(request, uuid, access.can_edit_idp)
    return PAGES.act(
        request,
        action.plan,
        lambda: services.idp_action_remove(actor=actor_of(request), action=action),
        _("The action is taken off the plan."),
    )


@login_required
@require_POST
def idp_action_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, action = _action_for(request, uuid, access.can_update_idp_progress)
    return PAGES.submit(
        request,
        principal,
        action.plan,
        ProgressForm(request.POST),
        lambda data: services.idp_action_progress(actor=actor_of(request), action=action, **data),
        message=_("The progress is saved."),
        bound=as_row("progress", action.pk),
    )


@login_required
@require_POST
def idp_submit(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_submit_idp)
    return PAGES.act(
        request,
        plan,
        lambda: services.idp_submit(actor=actor_of(request), plan=plan),
        _("The plan is submitted; your manager is asked to agree it."),
    )


@login_required
@require_POST
def idp_withdraw(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_withdraw_idp)
    return PAGES.act(
        request,
        plan,
        lambda: services.idp_withdraw(actor=actor_of(request), plan=plan),
        _("The plan is withdrawn; change it and submit it again."),
    )


@login_required
@require_POST
def idp_agree(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_agree_idp)
    return PAGES.act(
        request,
        plan,
        lambda: services.idp_agree(actor=actor_of(request), plan=plan),
        _("You agreed the plan; the person is told."),
    )


@login_required
@require_POST
def idp_return(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, plan = PAGES.find_for(request, uuid, access.can_return_idp)
    return PAGES.submit(
        request,
        principal,
        plan,
        IdpReturnForm(request.POST),
        lambda data: services.idp_return(actor=actor_of(request), plan=plan, reason=data["reason"]),
        message=_("You returned the plan; the person is told why."),
        bound=as_form("return_form"),
    )


@login_required
@require_POST
def idp_complete(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, plan = PAGES.find_for(request, uuid, access.can_complete_idp)
    return PAGES.act(
        request,
        plan,
        lambda: services.idp_complete(actor=actor_of(request), plan=plan),
        _("The plan is completed."),
    )


# --- lists -----------------------------------------------------------------------------------


@login_required
@require_GET
def idp_team(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_plans(principal):
        raise NotFound
    return render(
        request,
        "outcomes/idp_team.html",
        {
            "page": paginate(request, selectors.team_idp_rows(principal)),
            "query": query_without_page(request),
            "title": _("My team's development plans"),
        },
    )


@login_required
@require_GET
def idp_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_list_plans(principal):
        raise NotFound
    form = IdpFilterForm(request.GET or None, departments=monitor_departments(principal))
    filters = selectors.IdpFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.IdpFilters(
            status=form.cleaned_data["status"], department=form.cleaned_data["department"]
        )
    return render(
        request,
        "outcomes/idp_list.html",
        {
            "filter_form": form,
            "page": paginate(request, selectors.idp_rows(principal, filters)),
            "query": query_without_page(request),
            "title": _("Development plans"),
        },
    )


@login_required
@require_GET
def idp_mentoring(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    return render(
        request,
        "outcomes/idp_mentoring.html",
        {
            "page": paginate(request, selectors.mentoring_rows(principal)),
            "title": _("Actions I mentor"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("plans/", plans_mine, name="plans_mine"),
    path("idp/", idp_list, name="idp_list"),
    path("idp/team/", idp_team, name="idp_team"),
    path("idp/mentoring/", idp_mentoring, name="idp_mentoring"),
    path("idp/new/", idp_create, name="idp_create"),
    path("idp/<uuid:uuid>/", idp_detail, name="idp"),
    path("idp/<uuid:uuid>/edit/", idp_edit, name="idp_edit"),
    path("idp/<uuid:uuid>/actions/", idp_action_add, name="idp_action_add"),
    path("idp/<uuid:uuid>/submit/", idp_submit, name="idp_submit"),
    path("idp/<uuid:uuid>/withdraw/", idp_withdraw, name="idp_withdraw"),
    path("idp/<uuid:uuid>/agree/", idp_agree, name="idp_agree"),
    path("idp/<uuid:uuid>/return/", idp_return, name="idp_return"),
    path("idp/<uuid:uuid>/complete/", idp_complete, name="idp_complete"),
    path("idp/actions/<uuid:uuid>/", idp_action_edit, name="idp_action_edit"),
    path("idp/actions/<uuid:uuid>/remove/", idp_action_remove, name="idp_action_remove"),
    path("idp/actions/<uuid:uuid>/progress/", idp_action_progress, name="idp_action_progress"),
]
