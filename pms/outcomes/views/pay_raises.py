"""Raise plan pages (调薪方案): the list, a new plan, the plan page with its matrix (grade ×
position in the salary range → raise %, editable while the plan is a simulation), the
simulation against the budget with the suggested scale-down factor, the lines; a line
with how its raise came about; computing, locking, deleting, the payroll export.

Refusals as on the bonus pages: "not found" for whoever is not HR or a system admin,
"forbidden" for an HRBP's changes, and a locked plan is read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import Forbidden
from pms.core.pagination import paginate, query_without_page
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of, posted
from pms.outcomes import access
from pms.outcomes.forms.pay import MatrixForm, RaisePlanForm, SalaryForm
from pms.outcomes.models import PayImport, RaiseLine, RaisePlan
from pms.outcomes.pay_exporters import RAISE_PAYROLL
from pms.outcomes.selectors import pay as selectors
from pms.outcomes.services import raises as services
from pms.outcomes.views.pay_common import (
    back_to,
    grades,
    line_filters,
    manager,
    reader,
    show_errors,
    start_export,
)
from pms.scoring.raises import ZONES


@login_required
@require_GET
def raise_plans(request: HttpRequest) -> HttpResponse:
    principal = reader(request)
    return render(
        request,
        "outcomes/pay_plan_list.html",
        {
            "page": paginate(request, selectors.raise_plan_rows(principal)),
            "can_manage": access.can_manage_pay(principal),
            "kind": "raise",
            "title": _("Raise plans"),
        },
    )


def _plan_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in services.PLAN_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def raise_plan_create(request: HttpRequest) -> HttpResponse:
    principal = manager(request)
    form = RaisePlanForm(posted(request), cycles=access.pay_cycles(principal))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.raise_plan_create(
                actor=actor_of(request), cycle=data["cycle"], **_plan_values(data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is made with a line for every result."))
            return redirect("outcomes:raise_plan", uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {"form": form, "kind": "raise", "title": _("New raise plan")},
        status=400 if form.is_bound else 200,
    )


def _plan_page(
    request: HttpRequest,
    principal: Principal,
    plan: RaisePlan,
    *,
    matrix_form: MatrixForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form, filters = line_filters(principal, request)
    grade_list = grades()
    can_change = access.can_change_plan(principal, plan)
    context = {
        "plan": plan,
        "simulation": selectors.raise_simulation(principal, plan, grade_list),
        "filter_form": form,
        "page": paginate(request, selectors.raise_line_rows(principal, plan, filters)),
        "query": query_without_page(request),
        "zones": [selectors.zone_label(zone) for zone in ZONES],
        "can_manage": access.can_manage_pay(principal),
        "can_change": can_change,
        "can_export": access.can_export_plan(principal, plan),
        "matrix_form": matrix_form
        or (MatrixForm(grades=grade_list, matrix=plan.matrix) if can_change else None),
        "imports": list(PayImport.objects.filter(raise_plan=plan).select_related("job")[:5])
        if can_change
        else [],
        "back": request.get_full_path(),
        "title": _("Raise plan: %(name)s") % {"name": plan.name},
    }
    return render(request, "outcomes/pay_raise_plan.html", context, status=status)


@login_required
@require_GET
def raise_plan(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    return _plan_page(request, principal, access.access_raise_plan(principal, uuid))


@login_required
@require_http_methods(["GET", "POST"])
def raise_plan_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan_for_change(principal, uuid)
    if access.is_plan_locked(plan):
        messages.error(request, _("This plan is locked; nothing in it can change."))
        return redirect("outcomes:raise_plan", uuid=plan.uuid)
    initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS}
    form = RaisePlanForm(posted(request), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.raise_plan_update(
                actor=actor_of(request), plan=plan, changes=_plan_values(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan's settings are saved; compute it again."))
            return redirect("outcomes:raise_plan", uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {
            "form": form,
            "plan": plan,
            "kind": "raise",
            "title": _("Raise plan settings: %(name)s") % {"name": plan.name},
        },
        status=400 if form.is_bound else 200,
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
    return _plan_page(request, principal, plan, matrix_form=form, status=400)


@login_required
@require_POST
def raise_compute(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan_for_change(principal, uuid)
    try:
        services.raise_plan_compute(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The plan is computed."))
    return redirect("outcomes:raise_plan", uuid=plan.uuid)


@login_required
@require_POST
def raise_lock(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan_for_change(principal, uuid)
    try:
        services.raise_plan_lock(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The plan is locked; it can be exported to payroll."))
    return redirect("outcomes:raise_plan", uuid=plan.uuid)


@login_required
@require_POST
def raise_delete(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan_for_change(principal, uuid)
    try:
        services.raise_plan_delete(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("outcomes:raise_plan", uuid=plan.uuid)
    messages.success(request, _("The plan is deleted."))
    return redirect("outcomes:raise_plans")


@login_required
@require_POST
def raise_export(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_raise_plan(principal, uuid)
    return start_export(
        request, plan, RAISE_PAYROLL, reverse("outcomes:raise_plan", kwargs={"uuid": plan.uuid})
    )


# --- one line ------------------------------------------------------------------------------


def _line_page(
    request: HttpRequest,
    principal: Principal,
    line: RaiseLine,
    *,
    form: SalaryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_change = access.can_change_plan(principal, line.plan)
    initial = {"salary": line.salary, "range_min": line.range_min, "range_max": line.range_max}
    return render(
        request,
        "outcomes/pay_line.html",
        {
            "line": line,
            "plan": line.plan,
            "kind": "raise",
            "zone": selectors.zone_label(line.zone) if line.zone else "",
            "sentences": selectors.line_sentences(line),
            "can_change": can_change,
            "form": form or (SalaryForm(initial=initial) if can_change else None),
            "title": _("%(name)s · %(plan)s")
            % {"name": line.employee.name, "plan": line.plan.name},
        },
        status=status,
    )


@login_required
@require_GET
def raise_line(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    return _line_page(request, principal, access.access_raise_line(principal, uuid))


@login_required
@require_POST
def raise_line_inputs(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    line = access.access_raise_line(principal, uuid)
    if not access.can_manage_pay(principal):
        raise Forbidden
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
    return _line_page(request, principal, line, form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("pay/raises/", raise_plans, name="raise_plans"),
    path("pay/raises/new/", raise_plan_create, name="raise_plan_create"),
    path("pay/raises/<uuid:uuid>/", raise_plan, name="raise_plan"),
    path("pay/raises/<uuid:uuid>/settings/", raise_plan_edit, name="raise_plan_edit"),
    path("pay/raises/<uuid:uuid>/matrix/", raise_matrix, name="raise_matrix"),
    path("pay/raises/<uuid:uuid>/compute/", raise_compute, name="raise_compute"),
    path("pay/raises/<uuid:uuid>/lock/", raise_lock, name="raise_lock"),
    path("pay/raises/<uuid:uuid>/delete/", raise_delete, name="raise_delete"),
    path("pay/raises/<uuid:uuid>/export/", raise_export, name="raise_export"),
    path("pay/raises/lines/<uuid:uuid>/", raise_line, name="raise_line"),
    path("pay/raises/lines/<uuid:uuid>/inputs/", raise_line_inputs, name="raise_line_inputs"),
]
