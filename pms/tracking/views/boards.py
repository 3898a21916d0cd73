"""Progress boards (进度看板): the manager's team at a glance with the people in trouble
first, a department's subtree aggregated, and the company as a whole.

Views parse the query, ask ``pms.tracking.access``, call
the selectors of ``pms.tracking.selectors.boards`` and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.access import NotFound
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate, query_without_page
from pms.goals import access as goals_access
from pms.goals.models import Period
from pms.goals.selectors.periods import chosen_period
from pms.org.models import Department, Employee
from pms.org.roles import Principal
from pms.org.selectors import path_ids
from pms.org.views import principal_of
from pms.tracking import access
from pms.tracking.models import GoalProgress
from pms.tracking.selectors import boards as selectors

TEAM_PER_PAGE = 50
PEOPLE_PER_PAGE = 25
SEARCH_MAX = 100


class TeamBoardFilters(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Show"),
        choices=[("", gettext_lazy("Everyone")), *selectors.PEOPLE_FILTERS],
        required=False,
    )
    q = forms.CharField(label=gettext_lazy("Name or number"), required=False, max_length=SEARCH_MAX)
    indirect = forms.BooleanField(label=gettext_lazy("Include indirect reports"), required=False)

    def filters(self) -> dict[str, Any]:
        """What was asked for; a bad value is simply not applied (the form says why)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "",
            "q": (data.get("q") or "").strip(),
            "indirect": bool(data.get("indirect")),
        }


def _periods(principal: Principal) -> QuerySet[Period]:
    return goals_access.periods_visible(principal).order_by("-start", "end", "name")


def _period(request: HttpRequest, principal: Principal) -> Period | None:
    return chosen_period(_periods(principal), request.GET.get("period"), timezone.localdate())


# --- the manager's team ------------------------------------------------------------------


@login_required
def team_board(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_board(principal):
        raise NotFound
    period = _period(request, principal)
    form = TeamBoardFilters(request.GET)
    filters = form.filters()
    members = goals_access.team_members(principal)
    if not filters["indirect"]:
        members = members.filter(manager=principal.employee)
    page = None
    rows: list[selectors.PersonRow] = []
    summary = None
    if period is not None:
        # the team is the access rule's (``team_members``): their progress is visible
        summary = selectors.progress_totals(
            selectors.people_progress(GoalProgress.objects.all(), period).filter(
                employee__in=members
            )
        )
        people = selectors.board_people(
            members, period, status=filters["status"], search=filters["q"]
        )
        page = paginate(request, people, per_page=TEAM_PER_PAGE)
        rows = selectors.person_rows(page.object_list, period)
    fragment = is_htmx(request) and request.headers.get("HX-Target") == "board-results"
    template = "tracking/_board_team_results.html" if fragment else "tracking/board_team.html"
    response = render(
        request,
        template,
        {
            "periods": _periods(principal),
            "period": period,
            "form": form,
            "summary": summary,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "me": principal.employee,
            "title": _("Team progress"),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def board_person(request: HttpRequest, uuid: str) -> HttpResponse:
    """One person's measured goals unfolded on a board (an HTMX fragment, or a page)."""
    principal = principal_of(request)
    person = access.access_board_person(principal, uuid)
    period = _period(request, principal)
    goals = (
        selectors.person_goals(access.progress_visible(principal), person, period)
        if period is not None
        else []
    )
    template = "tracking/_board_person.html" if is_htmx(request) else "tracking/board_person.html"
    response = render(
        request,
        template,
        {
            "person": person,
            "period": period,
            "periods": _periods(principal),
            "goals": goals,
            "title": _("Progress of %(name)s") % {"name": person.name},
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- departments -------------------------------------------------------------------------


def _start_department(principal: Principal, roots: tuple[str, ...]) -> Department | None:
    """Where the board opens without a department chosen: the one department of the
    user's scope, or the company's top department."""
    departments = access.board_departments(principal)
    if len(roots) == 1:
        return departments.filter(path=roots[0]).first()
    if not roots:
        return selectors.top_department(departments)
    return None


def _breadcrumb(principal: Principal, department: Department | None) -> list[Department]:
    if department is None:
        return []
    ids = path_ids(department.path)[:-1]
    above = access.board_departments(principal).filter(pk__in=ids)
    return sorted(above, key=lambda d: d.depth)


def _people_under(people: QuerySet[Employee], paths: tuple[str, ...]) -> QuerySet[Employee]:
    if not paths:
        return people
    return people.filter(department__in=selectors.departments_under(paths))


@login_required
def department_board(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_open_department_boards(principal):
        raise NotFound
    roots = access.board_roots(principal)
    if uuid is not None:
        focus: Department | None = access.access_board_department(principal, uuid)
    else:
        focus = _start_department(principal, roots)
    period = _period(request, principal)
    board = None
    goals: list[Any] = []
    page = None
    rows: list[selectors.PersonRow] = []
    if period is not None:
        under = (focus.path,) if focus is not None else roots
        board = selectors.department_board(
            access.board_progress(principal),
            access.board_departments(principal),
            period,
            under=under or None,
            focus=focus,
            roots=roots,
        )
        if focus is not None:
            goals = list(
                selectors.plan_goals(
                    goals_access.plan_goals_visible(principal), period, department=focus
                )
            )
        people = _people_under(access.board_named_people(principal), under)
        page = paginate(
            request, selectors.attention_people(people, period), per_page=PEOPLE_PER_PAGE
        )
        rows = selectors.person_rows(page.object_list, period)
    return render(
        request,
        "tracking/board_department.html",
        {
            "periods": _periods(principal),
            "period": period,
            "focus": focus,
            "ancestors": _breadcrumb(principal, focus),
            "keep": [],
            "board": board,
            "goals": goals,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "title": focus.name if focus is not None else _("Department progress"),
        },
    )


# --- the company -------------------------------------------------------------------------


@login_required
def company_board(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_company_board(principal):
        raise NotFound
    period = _period(request, principal)
    board = None
    strategy: list[Any] = []
    if period is not None:
        departments = access.board_departments(principal)
        board = selectors.department_board(
            access.board_progress(principal),
            departments,
            period,
            under=None,
            focus=selectors.top_department(departments),
            roots=(),
        )
        strategy = list(
            selectors.plan_goals(
                goals_access.plan_goals_visible(principal), period, department=None
            )
        )
    return render(
        request,
        "tracking/board_company.html",
        {
            "periods": _periods(principal),
            "period": period,
            "keep": [],
            "board": board,
            "strategy": strategy,
            "title": _("Company progress"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("team/", team_board, name="team_board"),
    path("people/<uuid:uuid>/progress/", board_person, name="board_person"),
    path("departments/", department_board, name="departments_board"),
    path("departments/<uuid:uuid>/", department_board, name="department_board"),
    path("company/", company_board, name="company_board"),
]
