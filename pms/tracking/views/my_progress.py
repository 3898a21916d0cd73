"""A person's progress (their own, or a report's), a goal's values with entry by hand and
history, and HR's snapshots."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound, get_visible
from pms.goals import access as goals_access
from pms.goals.models import Goal, Period
from pms.goals.selectors.periods import chosen_period
from pms.org.access import employees_private
from pms.org.forms import add_service_errors
from pms.org.models import Employee
from pms.org.roles import Principal
from pms.org.views import actor_of, is_htmx, posted, principal_of
from pms.tracking import access
from pms.tracking.explain import progress_headline, progress_sentences
from pms.tracking.forms.entry import ActualEntryForm, SnapshotForm
from pms.tracking.models import Actual
from pms.tracking.selectors import progress as selectors
from pms.tracking.services import snapshots as snapshot_services
from pms.tracking.services.actuals import actual_enter


def _periods(principal: Principal) -> QuerySet[Period]:
    return goals_access.periods_visible(principal).order_by("-start", "end", "name")


@login_required
def my_progress(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    person = principal.employee
    return _person_page(request, principal, person, own=True)


@login_required
def person_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    person = get_visible(employees_private(principal).select_related("department"), uuid=uuid)
    return _person_page(request, principal, person, own=False)


def _person_page(
    request: HttpRequest, principal: Principal, person: Employee | None, *, own: bool
) -> HttpResponse:
    periods = _periods(principal)
    period = chosen_period(periods, request.GET.get("period"), timezone.localdate())
    goals: list[Goal] = []
    if person is not None and period is not None:
        goals = list(selectors.person_goals(person, period))
    rows = [
        {
            "goal": goal,
            "progress": getattr(goal, "tracked", None),
            "can_enter": access.can_enter_for_goal(principal, goal),
        }
        for goal in goals
    ]
    return render(
        request,
        "tracking/my.html",
        {
            "person": person,
            "own": own,
            "periods": periods,
            "period": period,
            "rows": rows,
            "action": request.path,
        },
    )


def _goal_context(principal: Principal, goal: Goal, form: ActualEntryForm | None) -> dict[str, Any]:
    progress = getattr(goal, "tracked", None)
    may_enter = access.can_enter_for_goal(principal, goal)
    snap = selectors.latest_snapshot(goal.period)
    values = list(selectors.goal_values(goal))
    return {
        "goal": goal,
        "progress": progress,
        "headline": progress_headline(progress) if progress is not None else [],
        "sentences": progress_sentences(progress) if progress is not None else [],
        "values": values,
        "snapshot": snap,
        "can_enter": may_enter,
        "form": form if form is not None else (ActualEntryForm() if may_enter else None),
        "may_correct": access.can_correct_for_goal(principal, goal),
    }


@login_required
def goal_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_tracked_goal(principal, uuid)
    return render(request, "tracking/goal.html", _goal_context(principal, goal, None))


@login_required
@require_POST
def goal_enter(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_tracked_goal(principal, uuid)
    if not access.can_enter_for_goal(principal, goal):
        raise Forbidden
    form = ActualEntryForm(posted(request), request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actual_enter(
                actor=actor_of(request),
                goal=goal,
                day=data["day"],
                value=data["value"],
                note=data["note"],
                evidence_url=data["evidence_url"],
                evidence=data["evidence"],
                reason=data["reason"],
                may_correct=access.can_correct_for_goal(principal, goal),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The value is recorded."))
            return redirect(reverse("tracking:goal", args=[goal.uuid]))
    goal.refresh_from_db()
    context = _goal_context(principal, goal, form)
    template = "tracking/_entry.html" if is_htmx(request) else "tracking/goal.html"
    return render(request, template, context, status=400)


@login_required
def actual_history(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    actual: Actual = access.access_actual(principal, uuid)
    versions = list(selectors.series_versions(actual))
    snap = None
    goal = None
    if actual.goal is not None:
        goal = actual.goal
    template = "tracking/_history.html" if is_htmx(request) else "tracking/history.html"
    return render(
        request,
        template,
        {"actual": actual, "versions": versions, "snapshot": snap, "goal": goal},
    )


@login_required
def snapshots(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_take_snapshot(principal):
        raise NotFound
    form = SnapshotForm(posted(request))
    form.fields["period"].queryset = _periods(principal)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            snap = snapshot_services.snapshot_take(
                actor=actor_of(request),
                period=data["period"],
                name=data["name"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Snapshot “%(name)s” taken: %(count)s values frozen.")
                % {"name": snap.name, "count": snap.values},
            )
            return redirect(reverse("tracking:snapshots"))
    listed = access.snapshots_visible(principal).select_related("period", "taken_by")[:100]
    return render(
        request,
        "tracking/snapshots.html",
        {"form": form, "snapshots": listed},
        status=400 if form.is_bound and form.errors else 200,
    )
