"""Coaching plans (绩效辅导): the list, a new standalone plan, and one plan with its actions,
milestones (ticked in place) and follow-up notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.coaching import access, selectors
from pms.coaching.forms import MilestoneForm, NoteForm, PlanActionForm, PlanCloseForm, PlanForm
from pms.coaching.models import CoachingPlan, PlanStatus
from pms.coaching.services import plans as services
from pms.coaching.views import actor_of, is_htmx, posted, principal_of
from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org.access import is_member
from pms.org.forms import add_service_errors


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    status = request.GET.get("status", PlanStatus.OPEN)
    if status not in PlanStatus.values and status != "all":
        status = PlanStatus.OPEN
    plans = selectors.plan_list(access.plans_visible(principal), "" if status == "all" else status)
    return render(
        request,
        "coaching/plans.html",
        {
            "page": paginate(request, plans),
            "status": status,
            "statuses": PlanStatus.choices,
            "query": query_without_page(request),
            "can_start": access.can_start_plans(principal),
            "title": _("Coaching plans"),
        },
    )


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_start_plans(principal):
        raise NotFound
    form = PlanForm(
        posted(request),
        people=access.employees_for_new_plan(principal),
        coaches=access.coaches_choosable(principal),
    )
    if request.method == "POST" and form.is_valid():
        employee = form.cleaned_data["employee"]
        if not access.can_start_plan_for(principal, employee):
            raise Forbidden
        try:
            plan = services.plan_create(
                actor=actor_of(request),
                employee=employee,
                coach=form.cleaned_data["coach"],
                target_skill=form.cleaned_data["target_skill"],
                actions=form.actions(),
                milestones=form.milestones(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Coaching plan started."))
            return redirect("coaching:plan", uuid=plan.uuid)
    return render(
        request,
        "coaching/plan_new.html",
        {"form": form, "title": _("New coaching plan")},
        status=422 if form.is_bound and form.errors else 200,
    )


def _page(
    request: HttpRequest,
    plan: CoachingPlan,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = principal_of(request)
    forms = forms or {}
    detail = selectors.plan_detail(plan.pk)
    return render(
        request,
        "coaching/plan.html",
        {
            "plan": detail,
            "can_follow": access.can_follow_plan(principal, plan),
            "can_change": access.can_change_plan(principal, plan),
            "action_form": forms.get("action") or PlanActionForm(),
            "milestone_form": forms.get("milestone") or MilestoneForm(),
            "note_form": forms.get("note") or NoteForm(),
            "close_form": forms.get("close") or PlanCloseForm(),
            "today": timezone.localdate(),
            "title": _("Coaching plan"),
        },
        status=status,
    )


@login_required
def plan_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    return _page(request, access.access_plan(principal_of(request), uuid))


def _back(plan: CoachingPlan, anchor: str = "") -> HttpResponse:
    url = reverse("coaching:plan", args=[plan.uuid])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def plan_action_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    plan = access.access_plan(principal, uuid)
    if not access.can_change_plan(principal, plan):
        raise Forbidden
    form = PlanActionForm(request.POST)
    if form.is_valid():
        try:
            services.plan_action_add(actor=actor_of(request), plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _back(plan, "actions")
    return _page(request, plan, forms={"action": form}, status=422)


@login_required
@require_POST
def milestone_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    plan = access.access_plan(principal, uuid)
    if not access.can_change_plan(principal, plan):
        raise Forbidden
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_add(actor=actor_of(request), plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _back(plan, "milestones")
    return _page(request, plan, forms={"milestone": form}, status=422)


@login_required
@require_POST
def milestone_tick(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    milestone = access.access_milestone(principal, uuid)
    if not access.can_follow_plan(principal, milestone.plan):
        raise Forbidden
    done = request.POST.get("done") == "1"
    services.milestone_tick(actor=actor_of(request), milestone=milestone, done=done)
    if is_htmx(request):
        return render(
            request,
            "coaching/_milestone.html",
            {"milestone": milestone, "can_follow": True, "today": timezone.localdate()},
        )
    return _back(milestone.plan, "milestones")


@login_required
@require_POST
def plan_note_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    plan = access.access_plan(principal, uuid)
    if not access.can_follow_plan(principal, plan):
        raise Forbidden
    form = NoteForm(request.POST)
    if form.is_valid():
        services.plan_note_add(actor=actor_of(request), plan=plan, body=form.cleaned_data["body"])
        return _back(plan, "notes")
    return _page(request, plan, forms={"note": form}, status=422)


@login_required
@require_POST
def plan_close(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    plan = access.access_plan(principal, uuid)
    if not access.can_change_plan(principal, plan):
        raise Forbidden
    form = PlanCloseForm(request.POST)
    if form.is_valid():
        services.plan_close(
            actor=actor_of(request),
            plan=plan,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Coaching plan closed."))
        return _back(plan)
    return _page(request, plan, forms={"close": form}, status=422)


urlpatterns: list[URLPattern] = [
    path("plans/", plan_list, name="plans"),
    path("plans/new/", plan_new, name="plan_new"),
    path("plans/<uuid:uuid>/", plan_detail, name="plan"),
    path("plans/<uuid:uuid>/actions/", plan_action_add, name="plan_action_add"),
    path("plans/<uuid:uuid>/milestones/", milestone_add, name="milestone_add"),
    path("plans/<uuid:uuid>/notes/", plan_note_add, name="plan_note_add"),
    path("plans/<uuid:uuid>/close/", plan_close, name="plan_close"),
    path("milestones/<uuid:uuid>/tick/", milestone_tick, name="milestone_tick"),
]
