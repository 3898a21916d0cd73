"""Check-in pages: mine (upcoming and past), the team's (who is due or overdue), a new
check-in, and one check-in with the person's preparation, the manager's part, obstacles
with their follow-ups and action items."""

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
from pms.coaching.forms import (
    ActionItemForm,
    CancelForm,
    CheckInCreateForm,
    ManagerForm,
    ObstacleForm,
    PreparationForm,
)
from pms.coaching.models import CheckIn
from pms.coaching.services import checkins as services
from pms.coaching.services import obstacles as obstacle_services
from pms.coaching.views import actor_of, posted, principal_of
from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org.access import is_member
from pms.org.forms import add_service_errors
from pms.org.models import Employee

PAST_SIZE = 20
UPCOMING_SIZE = 50


@login_required
def my_checkins(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    me = principal.employee
    if not is_member(principal) or me is None:
        raise NotFound
    mine = access.checkins_visible(principal).filter(employee=me)
    return render(
        request,
        "coaching/my.html",
        {
            "upcoming": list(selectors.upcoming_checkins(mine)[:UPCOMING_SIZE]),
            "past": list(selectors.past_checkins(mine)[:PAST_SIZE]),
            "today": timezone.localdate(),
            "can_lead": access.can_see_team_checkins(principal),
            "title": _("My check-ins"),
        },
    )


@login_required
def team_checkins(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_checkins(principal):
        raise NotFound
    today = timezone.localdate()
    state = request.GET.get("state", "")
    if state not in ("", "overdue", "soon"):
        state = ""
    team = access.team_checkins(principal)
    page = paginate(request, selectors.team_board(team, today, state))
    return render(
        request,
        "coaching/team.html",
        {
            "page": page,
            "counts": selectors.team_counts(team, today),
            "state": state,
            "today": today,
            "query": query_without_page(request),
            "title": _("Team check-ins"),
        },
    )


@login_required
def checkin_new(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_checkins(principal):
        raise NotFound
    form = CheckInCreateForm(posted(request), people=access.employees_for_new_checkin(principal))
    if request.method == "POST" and form.is_valid():
        employee: Employee = form.cleaned_data["employee"]
        if not access.can_create_checkin_for(principal, employee):
            raise Forbidden
        try:
            checkin = services.checkin_create(
                actor=actor_of(request),
                employee=employee,
                due_date=form.cleaned_data["due_date"],
                period_start=form.cleaned_data["period_start"],
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Check-in set up."))
            return redirect("coaching:checkin", uuid=checkin.uuid)
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request, "coaching/new.html", {"form": form, "title": _("New check-in")}, status=status
    )


# --- one check-in --------------------------------------------------------------------------


def _owners(checkin: CheckIn) -> list[Employee]:
    people = [checkin.employee]
    if checkin.manager is not None:
        people.append(checkin.manager)
    return people


def _detail(
    request: HttpRequest,
    checkin: CheckIn,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = principal_of(request)
    card, rows = selectors.checkin_goal_rows(checkin)
    forms = forms or {}
    obstacles = selectors.checkin_obstacles(checkin)
    context = {
        "checkin": checkin,
        "scorecard": card,
        "rows": rows,
        "obstacles": [
            {
                "obstacle": o,
                "can_resources": access.can_request_resources(principal, o),
                "can_adjust": access.can_request_adjustment_for(principal, o),
                "can_plan": access.can_start_plan_from(principal, o),
                "plan": getattr(o, "coaching_plan", None),
            }
            for o in obstacles
        ],
        "action_items": selectors.checkin_action_items(checkin),
        "previous": selectors.previous_checkin(checkin),
        "can_prepare": access.can_prepare(principal, checkin),
        "can_manage": access.can_write_manager_part(principal, checkin),
        "can_hold": access.can_hold(principal, checkin),
        "can_close": access.can_close(principal, checkin),
        "can_cancel": access.can_cancel(principal, checkin),
        "can_discuss": access.can_discuss(principal, checkin),
        "prepare_form": forms.get("prepare")
        or PreparationForm(rows=rows, initial={"improvement_plan": checkin.improvement_plan}),
        "manager_form": forms.get("manager")
        or ManagerForm(
            initial={
                "data_comment": checkin.data_comment,
                "observation": checkin.observation,
                "minutes": checkin.minutes,
                "scheduled_at": checkin.scheduled_at and timezone.localtime(checkin.scheduled_at),
            }
        ),
        "obstacle_form": forms.get("obstacle")
        or ObstacleForm(goals=selectors.obstacle_goals(checkin)),
        "action_form": forms.get("action") or ActionItemForm(owners=_owners(checkin)),
        "cancel_form": forms.get("cancel") or CancelForm(),
        "today": timezone.localdate(),
        "title": _("Check-in of %(name)s") % {"name": checkin.employee.name},
    }
    return render(request, "coaching/checkin.html", context, status=status)


@login_required
def checkin_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin(principal_of(request), uuid)
    return _detail(request, checkin)


def _back(checkin: CheckIn, anchor: str = "") -> HttpResponse:
    url = reverse("coaching:checkin", args=[checkin.uuid])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def checkin_prepare(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_prepare)
    _card, rows = selectors.checkin_goal_rows(checkin)
    form = PreparationForm(request.POST, rows=rows)
    if form.is_valid():
        try:
            services.checkin_prepare(
                actor=actor_of(request),
                checkin=checkin,
                notes=form.notes(),
                improvement_plan=form.cleaned_data["improvement_plan"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Preparation saved."))
            return _back(checkin, "preparation")
    return _detail(request, checkin, forms={"prepare": form}, status=422)


@login_required
@require_POST
def checkin_manager(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_write_manager_part)
    form = ManagerForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_manager_update(
                actor=actor_of(request), checkin=checkin, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return _back(checkin, "manager")
    return _detail(request, checkin, forms={"manager": form}, status=422)


@login_required
@require_POST
def checkin_hold(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_hold)
    services.checkin_hold(actor=actor_of(request), checkin=checkin)
    messages.success(request, _("Check-in recorded as held."))
    return _back(checkin)


@login_required
@require_POST
def checkin_close(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_close)
    services.checkin_close(actor=actor_of(request), checkin=checkin)
    messages.success(request, _("Check-in closed."))
    return _back(checkin)


@login_required
@require_POST
def checkin_cancel(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_cancel)
    form = CancelForm(request.POST)
    if form.is_valid():
        services.checkin_cancel(
            actor=actor_of(request), checkin=checkin, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Check-in cancelled."))
        return _back(checkin)
    return _detail(request, checkin, forms={"cancel": form}, status=422)


@login_required
@require_POST
def obstacle_add(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_discuss)
    form = ObstacleForm(request.POST, goals=selectors.obstacle_goals(checkin))
    if form.is_valid():
        try:
            obstacle_services.obstacle_add(
                actor=actor_of(request),
                checkin=checkin,
                description=form.cleaned_data["description"],
                kind=form.kind,
                category=form.cleaned_data["category"],
                goal=form.cleaned_data["goal"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Obstacle recorded."))
            return _back(checkin, "obstacles")
    return _detail(request, checkin, forms={"obstacle": form}, status=422)


@login_required
@require_POST
def action_add(request: HttpRequest, uuid: str) -> HttpResponse:
    checkin = access.access_checkin_for(principal_of(request), uuid, access.can_discuss)
    form = ActionItemForm(request.POST, owners=_owners(checkin))
    if form.is_valid():
        try:
            services.action_item_add(actor=actor_of(request), checkin=checkin, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action item added."))
            return _back(checkin, "actions")
    return _detail(request, checkin, forms={"action": form}, status=422)


urlpatterns: list[URLPattern] = [
    path("", my_checkins, name="my"),
    path("team/", team_checkins, name="team"),
    path("new/", checkin_new, name="checkin_new"),
    path("checkins/<uuid:uuid>/", checkin_detail, name="checkin"),
    path("checkins/<uuid:uuid>/prepare/", checkin_prepare, name="checkin_prepare"),
    path("checkins/<uuid:uuid>/manager/", checkin_manager, name="checkin_manager"),
    path("checkins/<uuid:uuid>/hold/", checkin_hold, name="checkin_hold"),
    path("checkins/<uuid:uuid>/close/", checkin_close, name="checkin_close"),
    path("checkins/<uuid:uuid>/cancel/", checkin_cancel, name="checkin_cancel"),
    path("checkins/<uuid:uuid>/obstacles/", obstacle_add, name="obstacle_add"),
    path("checkins/<uuid:uuid>/actions/", action_add, name="action_add"),
]
