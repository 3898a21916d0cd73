"""Scorecard pages: my goals, a scorecard with its goals edited in place (HTMX), the live
SMART check, the manager's team, starting and copying scorecards, and the letter as PDF.

Submission, approval, signatures, the discussion, the inbox and HR's status board are in
``agreement.py``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.pagination import paginate, query_without_page
from pms.goals import access
from pms.goals.forms.scorecards import (
    CommentForm,
    CopyForwardForm,
    DecisionForm,
    GoalForm,
    TeamFilterForm,
)
from pms.goals.letter import LetterFontMissing, letter_filename, letter_pdf
from pms.goals.models import Goal, GoalKind, Period, PeriodStatus, Scorecard, SignerRole
from pms.goals.selectors import scorecards as selectors
from pms.goals.services import scorecards as services
from pms.goals.smart import findings_for_goal
from pms.goals.views import actor_of, is_htmx, posted, principal_of
from pms.org import access as org_access
from pms.org.forms import add_service_errors
from pms.org.roles import Principal

TEAM_PER_PAGE = 50


# --- shared pieces -----------------------------------------------------------------------


def _periods(principal: Principal) -> QuerySet[Period]:
    return access.periods_visible(principal).order_by("-start", "end", "name")


def _period_from(request: HttpRequest, principal: Principal) -> Period | None:
    return selectors.chosen_period(
        _periods(principal), request.GET.get("period"), timezone.localdate()
    )


def _open_periods(principal: Principal, card: Scorecard) -> QuerySet[Period]:
    """Periods the person has no scorecard in yet and that are not closed."""
    return (
        _periods(principal)
        .exclude(status=PeriodStatus.CLOSED)
        .exclude(scorecards__employee_id=card.employee_id)
    )


def _goal_form(
    principal: Principal,
    card: Scorecard,
    data: QueryDict | None = None,
    *,
    initial: dict[str, Any] | None = None,
    goal: Goal | None = None,
) -> GoalForm:
    objectives = card.goals.filter(kind=GoalKind.OBJECTIVE, is_active=True)
    targets = access.alignment_targets(principal, card)
    if goal is not None:
        objectives = objectives.exclude(pk=goal.pk)
        if goal.parent_id is not None and goal.kind != GoalKind.KEY_RESULT:
            # keep the current link selectable even if it is no longer offered
            targets = targets | Goal.objects.filter(pk=goal.parent_id)
    return GoalForm(
        data,
        initial=initial,
        indicators=access.indicators_choosable(principal, card),
        objectives=objectives,
        targets=targets,
        prefix="goal",
    )


def _editor(card: Scorecard, form: GoalForm, goal: Goal | None) -> dict[str, Any]:
    data = form.data if form.is_bound else _form_values(form)
    action = (
        reverse("goals:goal_edit", args=[card.uuid, goal.uuid])
        if goal is not None
        else reverse("goals:goal_add", args=[card.uuid])
    )
    # choosing an indicator reloads the editor with its unit, direction, metric and rule
    form.fields["indicator"].widget.attrs.update(
        {
            "hx-get": f"{action}?part=editor",
            "hx-trigger": "change",
            "hx-target": "#goal-editor",
            "hx-swap": "outerHTML",
            "hx-include": "closest form",
        }
    )
    return {
        "form": form,
        "goal": goal,
        "action": action,
        "findings": findings_for_goal(_unprefixed(data), card.period),
    }


def _form_values(form: GoalForm) -> dict[str, Any]:
    return {f"goal-{name}": form[name].value() for name in form.fields}


def _unprefixed(data: Any) -> dict[str, Any]:
    return {
        key.removeprefix("goal-"): data.get(key)
        for key in data
        if isinstance(key, str) and key.startswith("goal-")
    }


def scorecard_context(
    principal: Principal, card: Scorecard, *, editor: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the scorecard page and its goals fragment show, and which actions it offers."""
    view = selectors.scorecard_view(card)
    can_edit = access.can_edit_scorecard(principal, card)
    return {
        "card": card,
        "view": view,
        "editor": editor,
        "can_edit": can_edit,
        "can_submit": access.can_submit_scorecard(principal, card),
        "can_adjust": access.can_request_adjustment(principal, card),
        "can_approve": access.can_approve_scorecard(principal, card),
        "can_return": access.can_return_scorecard(principal, card),
        "can_sign_employee": access.can_sign_scorecard(principal, card, SignerRole.EMPLOYEE)
        and SignerRole.EMPLOYEE not in view.signatures,
        "can_sign_manager": access.can_sign_scorecard(principal, card, SignerRole.MANAGER)
        and SignerRole.MANAGER not in view.signatures,
        "fingerprint": services.letter_fingerprint(card, view.goals) if card.is_agreed else "",
        "title": _("Scorecard of %(name)s · %(period)s")
        % {"name": card.employee.name, "period": card.period.name},
    }


def _goals_fragment(
    request: HttpRequest,
    principal: Principal,
    card: Scorecard,
    editor: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = scorecard_context(principal, card, editor=editor)
    return render(request, "goals/scorecards/_goals.html", context, status=status)


def render_scorecard(
    request: HttpRequest,
    principal: Principal,
    card: Scorecard,
    *,
    editor: dict[str, Any] | None = None,
    decision_form: DecisionForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole scorecard page (also after a form error without HTMX)."""
    context = scorecard_context(principal, card, editor=editor)
    view = context["view"]
    can_copy = access.can_copy_forward(principal, card)
    context |= {
        "comments": selectors.scorecard_comments(card),
        "comment_form": comment_form
        or CommentForm(indicators=access.indicators_visible(principal).filter(enabled=True)),
        "can_comment": access.can_comment_scorecard(principal, card),
        "decision_form": decision_form or DecisionForm(),
        "entries": selectors.scorecard_history(card, view.goals),
        "copy_form": CopyForwardForm(periods=_open_periods(principal, card)) if can_copy else None,
    }
    return render(request, "goals/scorecards/detail.html", context, status=status)


# --- my goals ----------------------------------------------------------------------------


@login_required
def my_goals(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    period = _period_from(request, principal)
    me = principal.employee
    card = view = previous = None
    if me is not None and period is not None:
        card = (
            Scorecard.objects.filter(employee=me, period=period)
            .select_related("employee__department", "employee__manager", "period")
            .first()
        )
        if card is not None:
            view = selectors.scorecard_view(card)
        else:
            previous = selectors.previous_scorecard(me, period)
    return render(
        request,
        "goals/scorecards/my.html",
        {
            "periods": _periods(principal),
            "period": period,
            "me": me,
            "card": card,
            "view": view,
            "previous": previous,
            "can_start": period is not None
            and me is not None
            and period.status != PeriodStatus.CLOSED,
            "title": _("My goals"),
        },
    )


# --- starting and copying ----------------------------------------------------------------


@login_required
@require_POST
def scorecard_start(request: HttpRequest) -> HttpResponse:
    """Start the scorecard of the user (or of a report: ``employee``) for ``period``."""
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    period = get_visible(access.periods_visible(principal), uuid=request.POST.get("period"))
    employee_uuid = request.POST.get("employee")
    if employee_uuid:
        employee = get_visible(org_access.employees_visible(principal), uuid=employee_uuid)
    elif principal.employee is not None:
        employee = principal.employee
    else:
        raise NotFound
    if not access.can_draft_for(principal, employee):
        raise Forbidden
    try:
        card, created = services.scorecard_get_or_create(
            actor=actor_of(request), employee=employee, period=period
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(f"{reverse('goals:my')}?period={period.uuid}")
    if created:
        messages.success(request, _("Scorecard started."))
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_copy_forward(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    source = access.access_scorecard(principal, uuid)
    if not access.can_copy_forward(principal, source):
        raise Forbidden
    form = CopyForwardForm(request.POST, periods=_periods(principal))
    if not form.is_valid():
        messages.error(request, _("Choose the period to copy the scorecard to."))
        return redirect("goals:scorecard", uuid=source.uuid)
    try:
        card = services.scorecard_copy_forward(
            actor=actor_of(request),
            employee=source.employee,
            source=source,
            period=form.cleaned_data["period"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("goals:scorecard", uuid=source.uuid)
    messages.success(
        request,
        _("Copied the goals of %(period)s into a new draft.") % {"period": source.period.name},
    )
    return redirect("goals:scorecard", uuid=card.uuid)


# --- the scorecard page and its goals ----------------------------------------------------


@login_required
def scorecard_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    if is_htmx(request) and request.GET.get("fragment") == "goals":
        return _goals_fragment(request, principal, card)
    return render_scorecard(request, principal, card)


def _after_goal_change(request: HttpRequest, principal: Principal, card: Scorecard) -> HttpResponse:
    if is_htmx(request):
        return _goals_fragment(request, principal, card)
    return redirect("goals:scorecard", uuid=card.uuid)


def _prefill(request: HttpRequest, principal: Principal, card: Scorecard) -> dict[str, Any] | None:
    """The editor's current values (when it reloads itself), with an indicator's unit,
    direction, metric and rule filled in when one is chosen (the editor's select, or
    ``?indicator=`` from a proposal in the discussion)."""
    values = _unprefixed(request.GET)
    uuid = values.get("indicator") or request.GET.get("indicator")
    indicator = None
    if uuid:
        try:
            indicator = access.indicators_choosable(principal, card).filter(uuid=uuid).first()
        except ValidationError:  # a malformed id chooses nothing
            indicator = None
    if indicator is not None:
        values = {**values, **GoalForm.initial_from_indicator(indicator)}
        values["title"] = values.get("title") or indicator.name
    return values or None


@login_required
def goal_add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard_for_change(principal, uuid)
    kind = request.GET.get("kind", GoalKind.KPI)
    # a key task is usually judged done or not done
    default = {"kind": kind, "rule_type": "pass_fail" if kind == GoalKind.TASK else "linear"}
    initial = _prefill(request, principal, card) or default
    form = _goal_form(principal, card, posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_add(actor=actor_of(request), scorecard=card, **form.values())
        except ValidationError as error:
            add_service_errors(form, error, form.service_field_map())
        else:
            return _after_goal_change(request, principal, card)
    editor = _editor(card, form, None)
    if is_htmx(request) and request.GET.get("part") == "editor":
        return render(request, "goals/scorecards/_goal_editor.html", {"card": card, **editor})
    if is_htmx(request):
        return _goals_fragment(request, principal, card, editor)
    return render_scorecard(request, principal, card, editor=editor)


def _goal_on(card: Scorecard, goal_uuid: str) -> Goal:
    return get_visible(
        card.goals.filter(is_active=True).select_related("indicator", "parent"), uuid=goal_uuid
    )


@login_required
def goal_edit(request: HttpRequest, uuid: str, goal_uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard_for_change(principal, uuid)
    goal = _goal_on(card, goal_uuid)
    initial = _prefill(request, principal, card) or GoalForm.initial_for(goal)
    form = _goal_form(principal, card, posted(request), initial=initial, goal=goal)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(goal)
        try:
            if changes:
                services.goal_update(actor=actor_of(request), goal=goal, changes=changes)
        except ValidationError as error:
            goal.refresh_from_db()
            add_service_errors(form, error, form.service_field_map())
        else:
            return _after_goal_change(request, principal, card)
    editor = _editor(card, form, goal)
    if is_htmx(request) and request.GET.get("part") == "editor":
        return render(request, "goals/scorecards/_goal_editor.html", {"card": card, **editor})
    if is_htmx(request):
        return _goals_fragment(request, principal, card, editor)
    return render_scorecard(request, principal, card, editor=editor)


@login_required
@require_POST
def goal_remove(request: HttpRequest, uuid: str, goal_uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard_for_change(principal, uuid)
    goal = _goal_on(card, goal_uuid)
    try:
        services.goal_remove(actor=actor_of(request), goal=goal)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return _after_goal_change(request, principal, card)


@login_required
@require_POST
def smart_check(request: HttpRequest, uuid: str) -> HttpResponse:
    """The SMART findings for the goal being written (advice; nothing is saved)."""
    principal = principal_of(request)
    card = access.access_scorecard_for_change(principal, uuid)
    findings = findings_for_goal(_unprefixed(request.POST), card.period)
    return render(request, "goals/scorecards/_smart.html", {"findings": findings})


# --- the letter --------------------------------------------------------------------------


@login_required
def letter(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    try:
        content = letter_pdf(card)
    except LetterFontMissing as error:
        return render(
            request,
            "goals/scorecards/letter_unavailable.html",
            {"card": card, "text": str(error), "title": _("The letter cannot be printed")},
            status=503,
        )
    response = HttpResponse(content, content_type="application/pdf")
    name = letter_filename(card)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response


# --- the manager's team ------------------------------------------------------------------


@login_required
def team(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    period = _period_from(request, principal)
    form = TeamFilterForm(request.GET)
    filters = form.filters()
    members = access.team_members(principal)
    page = None
    summaries: dict[int, selectors.CardSummary] = {}
    if period is not None:
        people = selectors.team_people(
            members,
            period,
            status=filters["status"],
            direct_of=principal.employee if filters["direct"] else None,
        )
        page = paginate(request, people, per_page=TEAM_PER_PAGE)
        summaries = selectors.card_summaries(page.object_list, period)
    rows = [(person, summaries.get(person.pk)) for person in (page or [])]
    fragment = is_htmx(request) and request.headers.get("HX-Target") == "team-results"
    template = "goals/scorecards/_team_results.html" if fragment else "goals/scorecards/team.html"
    response = render(
        request,
        template,
        {
            "periods": _periods(principal),
            "period": period,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "has_team": principal.employee is not None and principal.is_manager,
            "me": principal.employee,
            "title": _("My team's goals"),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def team_start(request: HttpRequest) -> HttpResponse:
    """Start an empty scorecard for every report who has none for the period."""
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    period = get_visible(access.periods_visible(principal), uuid=request.POST.get("period"))
    members = access.team_members(principal)
    if request.POST.get("direct"):
        members = members.filter(manager=principal.employee)
    try:
        created = services.scorecards_start(
            actor=actor_of(request), employees=list(members), period=period
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(count)s scorecards started.") % {"count": len(created)}
            if created
            else _("Everyone in your team has a scorecard for this period already."),
        )
    return redirect(f"{reverse('goals:team')}?period={period.uuid}")


urlpatterns: list[URLPattern] = [
    path("my/", my_goals, name="my"),
    path("team/", team, name="team"),
    path("team/start/", team_start, name="team_start"),
    path("scorecards/start/", scorecard_start, name="scorecard_start"),
    path("scorecards/<uuid:uuid>/", scorecard_detail, name="scorecard"),
    path("scorecards/<uuid:uuid>/copy/", scorecard_copy_forward, name="scorecard_copy_forward"),
    path("scorecards/<uuid:uuid>/goals/new/", goal_add, name="goal_add"),
    path("scorecards/<uuid:uuid>/goals/<uuid:goal_uuid>/", goal_edit, name="goal_edit"),
    path("scorecards/<uuid:uuid>/goals/<uuid:goal_uuid>/remove/", goal_remove, name="goal_remove"),
    path("scorecards/<uuid:uuid>/smart/", smart_check, name="smart_check"),
    path("scorecards/<uuid:uuid>/letter.pdf", letter, name="letter"),
]
