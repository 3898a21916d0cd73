"""Goal adjustment pages: the request (with a preview of the diff and of the limit), the
adjustment with its decisions and discussion, the approval inbox, and the version history
of a goal and of a scorecard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound
from pms.goals import access
from pms.goals.forms.adjustments import AdjustmentCommentForm, AdjustmentRequestForm, DecisionForm
from pms.goals.models import Goal, GoalAdjustment, GoalLevel, Period
from pms.goals.selectors import adjustments as selectors
from pms.goals.services import adjustments as services
from pms.goals.services.adjustments import AdjustmentPlan, ChangeSpec
from pms.goals.views import actor_of, is_htmx, posted, principal_of
from pms.org.access import is_member
from pms.org.forms import add_service_errors

INBOX_SIZE = 100
MY_REQUESTS = 20


@dataclass
class Preview:
    """What the request would record, or why it cannot be made as it stands."""

    plan: AdjustmentPlan | None = None
    rows: list[selectors.DiffRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _default_effective(period: Period) -> dt.date:
    """Tomorrow, kept inside the period."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return min(max(tomorrow, period.start + dt.timedelta(days=1)), period.end)


def _preview(
    form: AdjustmentRequestForm, plan: Callable[[list[ChangeSpec], dt.date | None], AdjustmentPlan]
) -> Preview:
    form.is_valid()  # the reason may still be empty: the preview is about the goals
    goal_errors = [
        f"{form.goal_field_labels.get(name, form.fields[name].label)}: {message}"
        for name, messages_ in form.errors.items()
        if name not in ("reason_category", "reason_code", "reason", "effective_from", "__all__")
        for message in messages_
    ]
    if goal_errors:
        return Preview(errors=goal_errors)
    try:
        result = plan(form.specs(), form.reason_values()["effective_from"])
    except ValidationError as error:
        return Preview(errors=list(error.messages))
    return Preview(plan=result, rows=selectors.diff_rows(GoalAdjustment(changes=result.changes)))


def _request_page(
    request: HttpRequest,
    *,
    form: AdjustmentRequestForm,
    plan: Callable[[list[ChangeSpec], dt.date | None], AdjustmentPlan],
    submit: Callable[[AdjustmentRequestForm], GoalAdjustment],
    context: dict[str, Any],
) -> HttpResponse:
    preview: Preview | None = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview = _preview(form, plan)
            if is_htmx(request):
                return render(request, "goals/adjustments/_preview.html", {"preview": preview})
        elif form.is_valid():
            try:
                adjustment = submit(form)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Adjustment requested."))
                return redirect("goals:adjustment", uuid=adjustment.uuid)
    return render(
        request,
        "goals/adjustments/request.html",
        {"form": form, "preview": preview, **context},
    )


@login_required
def adjustment_request(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    scorecard = access.access_scorecard(principal, uuid)
    if not access.can_request_adjustment(principal, scorecard):
        raise Forbidden
    goals = list(scorecard.goals.filter(is_active=True).order_by("sort_order", "id"))
    form = AdjustmentRequestForm(
        posted(request), goals=goals, effective_from=_default_effective(scorecard.period)
    )

    def plan(specs: list[ChangeSpec], day: dt.date | None) -> AdjustmentPlan:
        return services.adjustment_plan(scorecard=scorecard, changes=specs, effective_from=day)

    def submit(valid: AdjustmentRequestForm) -> GoalAdjustment:
        return services.adjustment_request(
            actor=actor_of(request),
            scorecard=scorecard,
            changes=valid.specs(),
            **valid.reason_values(),
        )

    return _request_page(
        request,
        form=form,
        plan=plan,
        submit=submit,
        context={
            "subject": f"{scorecard.employee.name} · {scorecard.period.name}",
            "period": scorecard.period,
            "scorecard": scorecard,
            "title": _("Adjust goals"),
        },
    )


@login_required
def plan_adjustment_request(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal(principal, uuid)
    if not access.can_request_plan_adjustment(principal, goal):
        raise Forbidden
    form = AdjustmentRequestForm(
        posted(request),
        goals=[goal],
        structure=False,
        effective_from=_default_effective(goal.period),
    )

    def plan(specs: list[ChangeSpec], day: dt.date | None) -> AdjustmentPlan:
        values = dict(specs[0].values) if specs else {}
        return services.plan_adjustment_plan(goal=goal, values=values, effective_from=day)

    def submit(valid: AdjustmentRequestForm) -> GoalAdjustment:
        return services.plan_adjustment_request(
            actor=actor_of(request),
            goal=goal,
            values=valid.goal_values(goal),
            **valid.reason_values(),
        )

    owner = goal.department.name if goal.department is not None else _("Company")
    return _request_page(
        request,
        form=form,
        plan=plan,
        submit=submit,
        context={
            "subject": f"{goal.title} · {owner}",
            "period": goal.period,
            "plan_goal": goal,
            "title": _("Adjust a goal"),
        },
    )


# --- one adjustment ----------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    adjustment: GoalAdjustment,
    *,
    decision_form: DecisionForm | None = None,
    comment_form: AdjustmentCommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = principal_of(request)
    detail = selectors.adjustment_detail(adjustment)
    can_decide = access.can_decide_adjustment(
        principal, adjustment
    ) and not access.is_party_to_adjustment(principal, detail.deciders)
    return render(
        request,
        "goals/adjustments/detail.html",
        {
            "detail": detail,
            "adjustment": adjustment,
            "can_decide": can_decide,
            "can_withdraw": access.can_withdraw_adjustment(principal, adjustment),
            "decision_form": decision_form or DecisionForm(),
            "comment_form": comment_form or AdjustmentCommentForm(),
            "title": _("Goal adjustment"),
        },
        status=status,
    )


@login_required
def adjustment_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    adjustment = access.access_adjustment(principal_of(request), uuid)
    return _detail_page(request, adjustment)


@login_required
@require_POST
def adjustment_decide(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    adjustment = access.access_adjustment(principal, uuid)
    if not access.can_decide_adjustment(principal, adjustment):
        raise Forbidden
    deciders = selectors.adjustment_deciders(adjustment)
    if access.is_party_to_adjustment(principal, deciders):
        raise Forbidden(_("You requested this adjustment or decided a step of it already."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decided = services.adjustment_decide(
                actor=actor_of(request),
                adjustment=adjustment,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Decision recorded: %(status)s.") % {"status": decided.get_status_display()},
            )
            return redirect("goals:adjustment", uuid=adjustment.uuid)
    return _detail_page(request, adjustment, decision_form=form, status=422)


@login_required
@require_POST
def adjustment_withdraw(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    adjustment = access.access_adjustment(principal, uuid)
    if not access.can_withdraw_adjustment(principal, adjustment):
        raise Forbidden
    services.adjustment_withdraw(actor=actor_of(request), adjustment=adjustment)
    messages.success(request, _("Adjustment withdrawn."))
    return redirect("goals:adjustment", uuid=adjustment.uuid)


@login_required
@require_POST
def adjustment_comment(request: HttpRequest, uuid: str) -> HttpResponse:
    adjustment = access.access_adjustment(principal_of(request), uuid)
    form = AdjustmentCommentForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_comment(
                actor=actor_of(request), adjustment=adjustment, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{reverse('goals:adjustment', args=[adjustment.uuid])}#comments")
    return _detail_page(request, adjustment, comment_form=form, status=422)


# --- inbox -------------------------------------------------------------------------------


@login_required
def adjustments_inbox(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    return render(
        request,
        "goals/adjustments/inbox.html",
        {
            "adjustment_inbox": list(selectors.adjustment_inbox(principal)[:INBOX_SIZE]),
            "my_requests": list(selectors.adjustment_requests_of(principal)[:MY_REQUESTS]),
            "title": _("Goal adjustments"),
        },
    )


# --- history -----------------------------------------------------------------------------


@login_required
def goal_history(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal: Goal = access.access_goal_history(principal, uuid)
    if goal.level == GoalLevel.INDIVIDUAL:
        can_adjust = goal.scorecard is not None and access.can_request_adjustment(
            principal, goal.scorecard
        )
    else:
        can_adjust = access.can_request_plan_adjustment(principal, goal)
    return render(
        request,
        "goals/adjustments/goal_history.html",
        {
            "goal": goal,
            "rows": selectors.goal_history(goal),
            "can_adjust": can_adjust and goal.is_active,
            "title": _("History of %(goal)s") % {"goal": goal.title},
        },
    )


@login_required
def scorecard_versions(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    scorecard = access.access_scorecard(principal, uuid)
    return render(
        request,
        "goals/adjustments/scorecard_versions.html",
        {
            "scorecard": scorecard,
            "timeline": selectors.scorecard_timeline(scorecard),
            "adjustments": list(
                selectors.shaped(scorecard.adjustments.all()).order_by("-created_at", "-id")
            ),
            "can_adjust": access.can_request_adjustment(principal, scorecard),
            "title": _("Goal versions"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("adjustments/", adjustments_inbox, name="adjustments_inbox"),
    path("adjustments/new/<uuid:uuid>/", adjustment_request, name="adjustment_request"),
    path(
        "adjustments/new/goal/<uuid:uuid>/",
        plan_adjustment_request,
        name="plan_adjustment_request",
    ),
    path("adjustments/<uuid:uuid>/", adjustment_detail, name="adjustment"),
    path("adjustments/<uuid:uuid>/decide/", adjustment_decide, name="adjustment_decide"),
    path("adjustments/<uuid:uuid>/withdraw/", adjustment_withdraw, name="adjustment_withdraw"),
    path("adjustments/<uuid:uuid>/comment/", adjustment_comment, name="adjustment_comment"),
    path("adjustments/goal/<uuid:uuid>/history/", goal_history, name="goal_history"),
    path(
        "adjustments/scorecard/<uuid:uuid>/versions/",
        scorecard_versions,
        name="scorecard_versions",
    ),
]
