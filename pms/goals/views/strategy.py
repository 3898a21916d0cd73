"""Pages of the strategy cascade: the strategy by BSC perspective, department goals, the
decision inbox of the committee and executives, one goal with its discussion, and the
alignment view (tree, orphans, uncovered strategy, coverage per department)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.pagination import paginate, query_without_page
from pms.goals import access
from pms.goals.forms.plan import CommentForm, DecisionForm, PlanFilterForm, PlanGoalForm
from pms.goals.models import Goal, GoalLevel, Period, PeriodStatus
from pms.goals.selectors import alignment as alignment_selectors
from pms.goals.selectors import plan as selectors
from pms.goals.selectors.periods import current_period
from pms.goals.services import plan as services
from pms.goals.views import actor_of, is_htmx, posted, principal_of
from pms.org import access as org_access
from pms.org import selectors as org_selectors
from pms.org.forms import add_service_errors
from pms.org.models import Department
from pms.org.roles import Principal

INBOX_PER_PAGE = 50
ORPHANS_PER_PAGE = 50
COVERAGE_PER_PAGE = 100
ALIGNMENT_TABS = ("tree", "orphans", "uncovered", "coverage")


# --- helpers -------------------------------------------------------------------------------


def _require_member(principal: Principal) -> None:
    if not org_access.is_member(principal):
        raise NotFound


def _period_from(request: HttpRequest, principal: Principal) -> Period | None:
    """The period named by ``?period=`` (404 when unknown), else the current one."""
    uuid = request.GET.get("period") or request.POST.get("period")
    if uuid:
        return access.access_period(principal, uuid)
    return current_period(access.periods_visible(principal))


def _filter_form(
    request: HttpRequest,
    principal: Principal,
    period: Period | None,
    departments: Any = None,
    department: Department | None = None,
) -> PlanFilterForm:
    data: QueryDict = request.GET.copy()
    if period is not None and not data.get("period"):
        data["period"] = str(period.uuid)
    if department is not None:
        data["department"] = str(department.uuid)
    return PlanFilterForm(data, periods=access.periods_visible(principal), departments=departments)


def _offset(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("offset", "0")), 0)
    except ValueError:
        return 0


def _editable_period(period: Period | None) -> bool:
    return period is not None and period.status != PeriodStatus.CLOSED


def _goal_url(goal: Goal) -> str:
    return reverse("goals:plan_goal", args=[goal.uuid])


def _back_url(goal: Goal) -> str:
    """Where a goal's list is: the strategy page or its department's page."""
    query = f"?period={goal.period.uuid}"
    if goal.level == GoalLevel.DEPARTMENT and goal.department is not None:
        return reverse("goals:department_goals_of", args=[goal.department.uuid]) + query
    return reverse("goals:strategy") + query


def _error_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- strategy ------------------------------------------------------------------------------


@login_required
def strategy(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_member(principal)
    period = _period_from(request, principal)
    return render(
        request,
        "goals/strategy/strategy.html",
        {
            "title": _("Strategy"),
            "period": period,
            "filter_form": _filter_form(request, principal, period),
            "groups": selectors.strategy_by_perspective(principal, period) if period else [],
            "can_create": access.can_set_strategy(principal) and _editable_period(period),
            "can_decide": access.can_open_decision_inbox(principal),
            "can_manage_periods": access.can_manage_periods(principal),
            "own_department": principal.employee.department if principal.employee else None,
        },
    )


@login_required
def department_pick(request: HttpRequest) -> HttpResponse:
    """Department goals: the chosen department's page, else one's own department's, else
    a choice of department (for people without a place in the tree, e.g. the committee)."""
    principal = principal_of(request)
    _require_member(principal)
    period = _period_from(request, principal)
    departments = org_selectors.department_choices(org_access.departments_visible(principal))
    form = _filter_form(request, principal, period, departments=departments)
    _chosen_period, department = form.chosen()
    if department is None and "department" not in request.GET and principal.employee:
        department = principal.employee.department
    if department is not None:
        params = QueryDict(mutable=True)
        if period is not None:
            params["period"] = str(period.uuid)
        if request.GET.get("below") == "1":
            params["below"] = "1"
        url = reverse("goals:department_goals_of", args=[department.uuid])
        return redirect(f"{url}?{params.urlencode()}" if params else url)
    return render(
        request,
        "goals/strategy/department_pick.html",
        {"title": _("Department goals"), "filter_form": form, "period": period},
    )


@login_required
def department_goals(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = org_access.access_department(principal, uuid)
    period = _period_from(request, principal)
    below = request.GET.get("below") == "1"
    visible_departments = org_access.departments_visible(principal)
    rows = (
        selectors.department_goal_rows(principal, period, department, below=below) if period else []
    )
    return render(
        request,
        "goals/strategy/department.html",
        {
            "title": _("Goals of %(department)s") % {"department": department.name},
            "department": department,
            "ancestors": org_selectors.department_ancestors(visible_departments, department),
            "sub_departments": visible_departments.filter(parent=department, is_active=True),
            "period": period,
            "filter_form": _filter_form(
                request,
                principal,
                period,
                departments=org_selectors.department_choices(visible_departments),
                department=department,
            ),
            "rows": rows,
            "below": below,
            "keep": [("below", "1")] if below else [],
            "can_create": department.is_active
            and _editable_period(period)
            and access.can_set_department_goals(principal, department),
        },
    )


# --- create and change ---------------------------------------------------------------------


def _render_form(
    request: HttpRequest, form: PlanGoalForm, *, title: str, submit: str, cancel: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "goals/strategy/goal_form.html",
        {"form": form, "title": title, "submit_label": submit, "cancel_url": cancel, **extra},
    )


def _period_for_create(request: HttpRequest, principal: Principal) -> Period:
    period = _period_from(request, principal)
    if period is None:
        raise NotFound
    return period


@login_required
def strategy_goal_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_member(principal)
    if not access.can_set_strategy(principal):
        raise Forbidden
    period = _period_for_create(request, principal)
    form = PlanGoalForm(posted(request), people=org_access.employees_visible(principal))
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.company_goal_create(
                actor=actor_of(request), period=period, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Strategic goal saved as a draft."))
            return redirect(_goal_url(goal))
    return _render_form(
        request,
        form,
        title=_("New strategic goal · %(period)s") % {"period": period.name},
        submit=_("Create"),
        cancel=reverse("goals:strategy") + f"?period={period.uuid}",
        period=period,
    )


@login_required
def department_goal_create(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = org_access.access_department(principal, uuid)
    if not access.can_set_department_goals(principal, department):
        raise Forbidden
    period = _period_for_create(request, principal)
    parents = selectors.parent_choices(principal, period, department)
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else {}
    form = PlanGoalForm(
        posted(request),
        initial=initial,
        people=org_access.employees_visible(principal),
        parents=parents,
    )
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.department_goal_create(
                actor=actor_of(request), period=period, department=department, **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Department goal saved as a draft."))
            return redirect(_goal_url(goal))
    cancel = reverse("goals:department_goals_of", args=[department.uuid]) + f"?period={period.uuid}"
    return _render_form(
        request,
        form,
        title=_("New goal of %(department)s · %(period)s")
        % {"department": department.name, "period": period.name},
        submit=_("Create"),
        cancel=cancel,
        period=period,
        department=department,
    )


@login_required
def plan_goal_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal_for_change(principal, uuid)
    goal = selectors.goal_detail(access.plan_goals_visible(principal), goal)
    parents = None
    if goal.level == GoalLevel.DEPARTMENT and goal.department is not None:
        parents = selectors.parent_choices(principal, goal.period, goal.department, exclude=goal)
    form = PlanGoalForm(
        posted(request),
        initial=PlanGoalForm.initial_for(goal),
        people=org_access.employees_visible(principal),
        parents=parents,
        with_reason=True,
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(goal)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect(_goal_url(goal))
        try:
            services.plan_goal_update(
                actor=actor_of(request),
                goal=goal,
                changes=changes,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(_goal_url(goal))
    return _render_form(
        request,
        form,
        title=_("Edit %(goal)s") % {"goal": goal.title},
        submit=_("Save"),
        cancel=_goal_url(goal),
        period=goal.period,
        goal=goal,
    )


@login_required
@require_POST
def plan_goal_delete(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal_for_change(principal, uuid)
    back = _back_url(goal)
    try:
        services.plan_goal_delete(actor=actor_of(request), goal=goal)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect(_goal_url(goal))
    messages.success(request, _("Goal deleted."))
    return redirect(back)


@login_required
@require_POST
def plan_goal_submit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal_for_change(principal, uuid)
    try:
        services.plan_goal_submit(actor=actor_of(request), goal=goal)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        if goal.level == GoalLevel.DEPARTMENT:
            messages.success(request, _("Submitted to the performance committee."))
        else:
            messages.success(request, _("Submitted to the executives for approval."))
    return redirect(_goal_url(goal))


# --- one goal ------------------------------------------------------------------------------


@login_required
def plan_goal_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    visible = access.plan_goals_visible(principal)
    goal = selectors.goal_detail(visible, access.access_plan_goal(principal, uuid))
    can_comment = access.can_comment_plan_goal(principal, goal)
    return render(
        request,
        "goals/strategy/goal_detail.html",
        {
            "title": goal.title,
            "goal": goal,
            "node": alignment_selectors.alignment_node(principal, goal),
            "back_url": _back_url(goal),
            "comments": selectors.goal_comments(goal),
            "comment_form": CommentForm() if can_comment else None,
            "decision_form": DecisionForm(),
            "problems": services.plan_goal_problems(goal),
            "can_edit": access.can_edit_plan_goal(principal, goal),
            "can_decide": access.can_decide_plan_goal(principal, goal),
            "can_adjust": access.can_request_plan_adjustment(principal, goal),
            "entries": org_selectors.history(goal),
        },
    )


@login_required
@require_POST
def plan_goal_comment(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal(principal, uuid)
    if not access.can_comment_plan_goal(principal, goal):
        raise Forbidden
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.plan_goal_comment(
                actor=actor_of(request), goal=goal, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            for message in _error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment."))
    return redirect(_goal_url(goal) + "#comments")


# --- decisions -----------------------------------------------------------------------------


@login_required
def decision_inbox(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_member(principal)
    if not access.can_open_decision_inbox(principal):
        raise Forbidden
    page = paginate(request, selectors.decision_inbox(principal), per_page=INBOX_PER_PAGE)
    return render(
        request,
        "goals/strategy/inbox.html",
        {
            "title": _("Goals awaiting decision"),
            "page": page,
            "query": query_without_page(request),
            "decision_form": DecisionForm(),
        },
    )


def _decide(request: HttpRequest, uuid: str, *, approve: bool) -> HttpResponse:
    principal = principal_of(request)
    goal = access.access_plan_goal(principal, uuid)
    if not access.can_decide_plan_goal(principal, goal):
        raise Forbidden
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    error: ValidationError | None = None
    try:
        if approve:
            services.plan_goal_approve(actor=actor_of(request), goal=goal, comment=comment)
        else:
            services.plan_goal_return(actor=actor_of(request), goal=goal, comment=comment)
    except ValidationError as exc:
        error = exc
        add_service_errors(form, exc)
    if is_htmx(request):
        goal = selectors.goal_detail(access.plan_goals_visible(principal), goal)
        return render(
            request,
            "goals/strategy/_inbox_row.html",
            {"goal": goal, "decision_form": form, "decided": error is None},
        )
    if error is not None:
        for message in _error_messages(error):
            messages.error(request, message)
    elif approve:
        messages.success(request, _("Goal approved."))
    else:
        messages.success(request, _("Goal returned with your comment."))
    if request.POST.get("next") == "inbox":
        return redirect("goals:decision_inbox")
    return redirect(_goal_url(goal))


@login_required
@require_POST
def plan_goal_approve(request: HttpRequest, uuid: str) -> HttpResponse:
    return _decide(request, uuid, approve=True)


@login_required
@require_POST
def plan_goal_return(request: HttpRequest, uuid: str) -> HttpResponse:
    return _decide(request, uuid, approve=False)


# --- alignment -----------------------------------------------------------------------------


def _alignment_department(
    request: HttpRequest, principal: Principal
) -> tuple[Department | None, Any]:
    departments = org_selectors.department_choices(org_access.departments_visible(principal))
    uuid = request.GET.get("department")
    department = get_visible(departments, uuid=uuid) if uuid else None
    return department, departments


@login_required
def alignment(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_alignment(principal):
        raise NotFound
    period = _period_from(request, principal)
    department, departments = _alignment_department(request, principal)
    tab = request.GET.get("tab", "tree")
    if tab not in ALIGNMENT_TABS:
        tab = "tree"
    context: dict[str, Any] = {
        "title": _("Alignment"),
        "period": period,
        "department": department,
        "filter_form": _filter_form(request, principal, period, departments=departments),
        "tab": tab,
        "tabs": [
            ("tree", _("Cascade")),
            ("orphans", _("Aligned to nothing")),
            ("uncovered", _("Strategy nobody works on")),
            ("coverage", _("Coverage by department")),
        ],
        "base_query": _base_query(period, department),
    }
    if period is not None:
        context.update(_alignment_tab(request, principal, period, department, tab))
    return render(request, "goals/strategy/alignment.html", context)


def _base_query(period: Period | None, department: Department | None) -> str:
    params = QueryDict(mutable=True)
    if period is not None:
        params["period"] = str(period.uuid)
    if department is not None:
        params["department"] = str(department.uuid)
    return params.urlencode()


def _alignment_tab(
    request: HttpRequest,
    principal: Principal,
    period: Period,
    department: Department | None,
    tab: str,
) -> dict[str, Any]:
    if tab == "orphans":
        orphans = alignment_selectors.orphan_goals(principal, period, department)
        page = paginate(request, orphans, per_page=ORPHANS_PER_PAGE)
        hidden = (
            alignment_selectors.orphan_candidates(period, department).count() - page.paginator.count
        )
        return {"page": page, "hidden": max(hidden, 0), "query": query_without_page(request)}
    if tab == "uncovered":
        return {"uncovered": alignment_selectors.uncovered_strategy(principal, period)}
    if tab == "coverage":
        rows = alignment_selectors.coverage_by_department(principal, period, department)
        page = Paginator(rows, COVERAGE_PER_PAGE).get_page(request.GET.get("page"))
        return {"page": page, "query": query_without_page(request)}
    goal_uuid = request.GET.get("goal")
    if goal_uuid:
        goal = access.access_plan_goal(principal, goal_uuid)
        node = alignment_selectors.alignment_node(principal, goal)
        return {"root_goal": goal, "level": _single(node)}
    level = alignment_selectors.alignment_roots(
        principal, period, department=department, offset=_offset(request)
    )
    return {"level": level}


def _single(node: alignment_selectors.AlignmentNode) -> alignment_selectors.NodePage:
    return alignment_selectors.NodePage(nodes=[node], total=1, hidden=0, offset=0, next_offset=None)


@login_required
def alignment_roots(request: HttpRequest) -> HttpResponse:
    """The next page of the tree's top level ("show more")."""
    principal = principal_of(request)
    if not access.can_see_alignment(principal):
        raise NotFound
    period = _period_from(request, principal)
    if period is None:
        raise NotFound
    department, _departments = _alignment_department(request, principal)
    level = alignment_selectors.alignment_roots(
        principal, period, department=department, offset=_offset(request)
    )
    more_url = reverse("goals:alignment_roots") + "?" + _base_query(period, department)
    return render(
        request,
        "goals/strategy/_alignment_level.html",
        {"level": level, "more_url": more_url},
    )


@login_required
def alignment_children(request: HttpRequest, uuid: str) -> HttpResponse:
    """One page of the goals aligned to a goal, for the tree's lazy expansion."""
    principal = principal_of(request)
    if not access.can_see_alignment(principal):
        raise NotFound
    goal = get_visible(
        alignment_selectors.visible_goals(principal).select_related("period"), uuid=uuid
    )
    level = alignment_selectors.alignment_children(principal, goal, offset=_offset(request))
    return render(
        request,
        "goals/strategy/_alignment_level.html",
        {
            "level": level,
            "more_url": reverse("goals:alignment_children", args=[goal.uuid]) + "?",
        },
    )


urlpatterns: list[URLPattern] = [
    path("strategy/", strategy, name="strategy"),
    path("strategy/new/", strategy_goal_create, name="strategy_goal_create"),
    path("strategy/departments/", department_pick, name="department_goals"),
    path("strategy/departments/<uuid:uuid>/", department_goals, name="department_goals_of"),
    path(
        "strategy/departments/<uuid:uuid>/new/",
        department_goal_create,
        name="department_goal_create",
    ),
    path("strategy/decisions/", decision_inbox, name="decision_inbox"),
    path("strategy/goals/<uuid:uuid>/", plan_goal_detail, name="plan_goal"),
    path("strategy/goals/<uuid:uuid>/edit/", plan_goal_edit, name="plan_goal_edit"),
    path("strategy/goals/<uuid:uuid>/delete/", plan_goal_delete, name="plan_goal_delete"),
    path("strategy/goals/<uuid:uuid>/submit/", plan_goal_submit, name="plan_goal_submit"),
    path("strategy/goals/<uuid:uuid>/approve/", plan_goal_approve, name="plan_goal_approve"),
    path("strategy/goals/<uuid:uuid>/return/", plan_goal_return, name="plan_goal_return"),
    path("strategy/goals/<uuid:uuid>/comment/", plan_goal_comment, name="plan_goal_comment"),
    path("alignment/", alignment, name="alignment"),
    path("alignment/roots/", alignment_roots, name="alignment_roots"),
    path("alignment/goals/<uuid:uuid>/children/", alignment_children, name="alignment_children"),
]
