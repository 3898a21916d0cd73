"""The goals list: every individual goal the user may see, filtered and paginated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from pms.core.access import NotFound
from pms.core.pagination import paginate, query_without_page
from pms.goals import access
from pms.goals.models import GoalKind, GoalStatus, Period
from pms.goals.selectors.goal_list import goal_list
from pms.goals.selectors.periods import current_period
from pms.goals.views import is_htmx, principal_of
from pms.org import access as org_access
from pms.org.forms import DepartmentChoiceField
from pms.org.selectors import department_choices

GOALS_PER_PAGE = 50


class GoalFilterForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=Period.objects.none(), to_field_name="uuid", required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *GoalStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All"))] + [c for c in GoalKind.choices if c[0] != GoalKind.KEY_RESULT],
        required=False,
    )

    def __init__(self, data: Any, *, periods: Any, departments: Any) -> None:
        super().__init__(data)
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
        self.fields["department"] = DepartmentChoiceField(
            departments, label=_("Department"), required=False, empty_label=_("All")
        )

    def filters(self, default_period: Period | None) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period") or default_period
        department = data.get("department")
        return {
            "period_id": period.pk if period else None,
            "department_path": department.path if department else None,
            "status": data.get("status") or None,
            "kind": data.get("kind") or None,
            "q": data.get("q") or "",
        }


@login_required
def goals_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    periods = access.periods_visible(principal)
    default_period = current_period(periods)
    form = GoalFilterForm(
        request.GET or None,
        periods=periods,
        departments=department_choices(org_access.departments_visible(principal)),
    )
    filters = form.filters(default_period)
    goals = goal_list(access.individual_goals_visible(principal), **filters)
    page = paginate(request, goals, per_page=GOALS_PER_PAGE)
    if not request.GET:
        form = GoalFilterForm(
            None,
            periods=periods,
            departments=department_choices(org_access.departments_visible(principal)),
        )
        form.initial = {"period": default_period.uuid if default_period else None}
    template = "goals/list/_results.html" if is_htmx(request) else "goals/list/list.html"
    response = render(
        request,
        template,
        {"form": form, "page": page, "query": query_without_page(request)},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


urlpatterns: list[URLPattern] = [path("list/", goals_list, name="list")]
