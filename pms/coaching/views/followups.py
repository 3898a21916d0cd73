"""What follows from an obstacle: a resource request to another department, a goal
adjustment requested through the goals flow, or a coaching plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.coaching import access
from pms.coaching.forms import AdjustmentFromObstacleForm, PlanForm, ResourceRequestForm
from pms.coaching.services import obstacles as services
from pms.coaching.services import plans as plan_services
from pms.coaching.views import actor_of, posted, principal_of
from pms.core.access import Forbidden
from pms.goals.services.adjustments import ChangeSpec
from pms.org.forms import add_service_errors
from pms.org.models import Department


@login_required
def resource_request_new(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    obstacle = access.access_obstacle(principal, uuid)
    if not access.can_request_resources(principal, obstacle):
        raise Forbidden
    form = ResourceRequestForm(
        posted(request), departments=Department.objects.filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.resource_request_create(
                actor=actor_of(request), obstacle=obstacle, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Resource request sent."))
            return redirect("coaching:resource_request", uuid=made.uuid)
    return render(
        request,
        "coaching/obstacle_followup.html",
        {
            "form": form,
            "obstacle": obstacle,
            "title": _("Request resources"),
            "submit": _("Send the request"),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@login_required
def adjustment_new(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    obstacle = access.access_obstacle(principal, uuid)
    if not access.can_request_adjustment_for(principal, obstacle):
        raise Forbidden
    goal = obstacle.goal
    assert goal is not None  # noqa: S101 (checked by the access function)
    form = AdjustmentFromObstacleForm(
        posted(request),
        initial={
            "reason": obstacle.description,
            "effective_from": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            adjustment = services.obstacle_request_adjustment(
                actor=actor_of(request),
                obstacle=obstacle,
                changes=[ChangeSpec.change(goal, **form.values())],
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Adjustment requested."))
            return redirect("goals:adjustment", uuid=adjustment.uuid)
    return render(
        request,
        "coaching/obstacle_followup.html",
        {
            "form": form,
            "obstacle": obstacle,
            "goal": goal,
            "title": _("Request a goal adjustment"),
            "submit": _("Request the adjustment"),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@login_required
def plan_from_obstacle(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    obstacle = access.access_obstacle(principal, uuid)
    if not access.can_start_plan_from(principal, obstacle):
        raise Forbidden
    employee = obstacle.checkin.employee
    manager = obstacle.checkin.manager
    form = PlanForm(
        posted(request),
        people=access.employees_for_new_plan(principal),
        coaches=access.coaches_choosable(principal),
        fixed_employee=employee,
        initial={"coach": manager.number if manager else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_create(
                actor=actor_of(request),
                employee=employee,
                coach=form.cleaned_data["coach"],
                target_skill=form.cleaned_data["target_skill"],
                obstacle=obstacle,
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
        "coaching/obstacle_followup.html",
        {
            "form": form,
            "obstacle": obstacle,
            "title": _("Start a coaching plan"),
            "submit": _("Start the plan"),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("obstacles/<uuid:uuid>/resources/", resource_request_new, name="resource_request_new"),
    path("obstacles/<uuid:uuid>/adjustment/", adjustment_new, name="obstacle_adjustment"),
    path("obstacles/<uuid:uuid>/coaching/", plan_from_obstacle, name="obstacle_plan"),
]
