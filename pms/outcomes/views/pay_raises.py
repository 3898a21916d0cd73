"""Raise plan pages (调薪方案): what is a raise plan's own — its matrix (grade × position in
the salary range → raise %, editable while the plan is a simulation) and the simulation
against the budget with the suggested scale-down factor on the plan page, a line's salary
and range — and its addresses. The rest is shared with the bonus pages (``pay_common``),
refusals included.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of
from pms.outcomes import access
from pms.outcomes.forms.pay import MatrixForm, RaisePlanForm, SalaryForm
from pms.outcomes.models import PayImport, RaiseLine, RaisePlan
from pms.outcomes.pay_exporters import RAISE_PAYROLL
from pms.outcomes.selectors import pay as selectors
from pms.outcomes.services import raises as services
from pms.outcomes.views.pay_common import (
    PayKind,
    back_to,
    grades,
    line_for_change,
    line_page,
    plan_page,
    plan_urls,
    reader,
)
from pms.scoring.raises import ZONES


def _plan_context(principal: Principal, plan: RaisePlan, can_change: bool) -> dict[str, Any]:
    grade_list = grades()
    return {
        "simulation": selectors.raise_simulation(principal, plan, grade_list),
        "zones": [selectors.zone_label(zone) for zone in ZONES],
        "matrix_form": MatrixForm(grades=grade_list, matrix=plan.matrix) if can_change else None,
    }


def _line_context(line: RaiseLine, can_change: bool) -> dict[str, Any]:
    initial = {"salary": line.salary, "range_min": line.range_min, "range_max": line.range_max}
    return {
        "zone": selectors.zone_label(line.zone) if line.zone else "",
        "form": SalaryForm(initial=initial) if can_change else None,
    }


def _imports(plan: RaisePlan) -> QuerySet[PayImport]:
    return PayImport.objects.filter(raise_plan=plan)


RAISE = PayKind(
    name="raise",
    plan_rows=selectors.raise_plan_rows,
    access_plan=access.access_raise_plan,
    access_plan_for_change=access.access_raise_plan_for_change,
    access_line=access.access_raise_line,
    line_rows=selectors.raise_line_rows,
    plan_form=RaisePlanForm,
    plan_fields=services.PLAN_FIELDS,
    create=services.raise_plan_create,
    update=services.raise_plan_update,
    compute=services.raise_plan_compute_request,
    lock=services.raise_plan_lock,
    delete=services.raise_plan_delete,
    export_kind=RAISE_PAYROLL,
    plan_template="outcomes/pay_raise_plan.html",
    plan_context=_plan_context,
    line_context=_line_context,
    imports_of=_imports,
    list_title=gettext_lazy("Raise plans"),
    new_title=gettext_lazy("New raise plan"),
    plan_title=gettext_lazy("Raise plan: %(name)s"),
    settings_title=gettext_lazy("Raise plan settings: %(name)s"),
)


@login_required
@require_POST
def raise_matrix(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan_for_change(principal, uuid)
    form = MatrixForm(request.POST, grades=grades(), matrix=plan.matrix)
    if form.is_valid():
        try:
            services.raise_matrix_set(actor=actor_of(request), plan=plan, matrix=form.matrix())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The raise matrix is saved; compute the plan again."))
            return redirect("outcomes:raise_plan", uuid=plan.uuid)
    return plan_page(request, principal, plan, RAISE, forms={"matrix_form": form}, status=400)


@login_required
@require_POST
def raise_line_inputs(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, line = line_for_change(request, uuid, RAISE)
    form = SalaryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.raise_inputs_set(
                actor=actor_of(request),
                line=line,
                salary=data["salary"],
                range_min=data["range_min"],
                range_max=data["range_max"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s's salary is saved.") % {"name": line.employee.name}
            )
            return back_to(request, reverse("outcomes:raise_plan", kwargs={"uuid": line.plan.uuid}))
    return line_page(request, principal, line, RAISE, form=form, status=400)


urlpatterns: list[URLPattern] = [
    *plan_urls(RAISE, "pay/raises/"),
    path("pay/raises/<uuid:uuid>/matrix/", raise_matrix, name="raise_matrix"),
    path("pay/raises/lines/<uuid:uuid>/inputs/", raise_line_inputs, name="raise_line_inputs"),
]
