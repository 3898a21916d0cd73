"""Bonus plan pages (奖金方案): the list, a new plan, the plan page with its simulation
(totals by department and grade against the pool or budget) and its lines, a line with
how its amount came about; changing settings, department factors and bases, computing,
locking, deleting and the payroll export.

Refusals: pay is confidential. Whoever is not HR or a system admin gets "not found" on
every page; an HRBP reads plans (the lines and totals of their scope) and gets
"forbidden" on every change. A locked plan is read-only: the services refuse, and say so.
The raise pages and the imports live in ``pay_raises`` and ``pay_imports``.
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
from pms.outcomes.forms.pay import BaseForm, BonusPlanForm, FactorForm
from pms.outcomes.models import BonusLine, BonusPlan, PayImport
from pms.outcomes.pay_exporters import BONUS_PAYROLL
from pms.outcomes.selectors import pay as selectors
from pms.outcomes.services import bonus as services
from pms.outcomes.views import pay_imports, pay_raises
from pms.outcomes.views.pay_common import (
    back_to,
    departments,
    grades,
    line_filters,
    manager,
    reader,
    show_errors,
    start_export,
)


@login_required
@require_GET
def bonus_plans(request: HttpRequest) -> HttpResponse:
    principal = reader(request)
    return render(
        request,
        "outcomes/pay_plan_list.html",
        {
            "page": paginate(request, selectors.bonus_plan_rows(principal)),
            "can_manage": access.can_manage_pay(principal),
            "kind": "bonus",
            "title": _("Bonus plans"),
        },
    )


def _plan_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in services.PLAN_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def bonus_plan_create(request: HttpRequest) -> HttpResponse:
    principal = manager(request)
    cycles = access.pay_cycles(principal)
    form = BonusPlanForm(posted(request), cycles=cycles)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.bonus_plan_create(
                actor=actor_of(request), cycle=data["cycle"], **_plan_values(data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is made with a line for every result."))
            return redirect("outcomes:bonus_plan", uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {"form": form, "kind": "bonus", "title": _("New bonus plan")},
        status=400 if form.is_bound else 200,
    )


def _plan_page(
    request: HttpRequest,
    principal: Principal,
    plan: BonusPlan,
    *,
    factor_form: FactorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form, filters = line_filters(principal, request)
    can_change = access.can_change_plan(principal, plan)
    context = {
        "plan": plan,
        "simulation": selectors.bonus_simulation(principal, plan, grades()),
        "factors": selectors.bonus_factor_rows(plan),
        "filter_form": form,
        "page": paginate(request, selectors.bonus_line_rows(principal, plan, filters)),
        "query": query_without_page(request),
        "can_manage": access.can_manage_pay(principal),
        "can_change": can_change,
        "can_export": access.can_export_plan(principal, plan),
        "factor_form": factor_form
        or (FactorForm(departments=departments(principal)) if can_change else None),
        "imports": list(PayImport.objects.filter(bonus_plan=plan).select_related("job")[:5])
        if can_change
        else [],
        "back": request.get_full_path(),
        "title": _("Bonus plan: %(name)s") % {"name": plan.name},
    }
    return render(request, "outcomes/pay_bonus_plan.html", context, status=status)


@login_required
@require_GET
def bonus_plan(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    return _plan_page(request, principal, access.access_bonus_plan(principal, uuid))


@login_required
@require_http_methods(["GET", "POST"])
def bonus_plan_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan_for_change(principal, uuid)
    if access.is_plan_locked(plan):
        messages.error(request, _("This plan is locked; nothing in it can change."))
        return redirect("outcomes:bonus_plan", uuid=plan.uuid)
    initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS}
    form = BonusPlanForm(posted(request), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.bonus_plan_update(
                actor=actor_of(request), plan=plan, changes=_plan_values(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan's settings are saved; compute it again."))
            return redirect("outcomes:bonus_plan", uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {
            "form": form,
            "plan": plan,
            "kind": "bonus",
            "title": _("Bonus plan settings: %(name)s") % {"name": plan.name},
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def bonus_factor(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan_for_change(principal, uuid)
    form = FactorForm(request.POST, departments=departments(principal))
    if form.is_valid():
        try:
            services.bonus_factor_set(
                actor=actor_of(request),
                plan=plan,
                department=form.cleaned_data["department"],
                factor=form.cleaned_data["factor"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The department factor is saved; compute the plan again."))
            return redirect("outcomes:bonus_plan", uuid=plan.uuid)
    return _plan_page(request, principal, plan, factor_form=form, status=400)


@login_required
@require_POST
def bonus_compute(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan_for_change(principal, uuid)
    try:
        services.bonus_plan_compute(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The plan is computed."))
    return redirect("outcomes:bonus_plan", uuid=plan.uuid)


@login_required
@require_POST
def bonus_lock(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan_for_change(principal, uuid)
    try:
        services.bonus_plan_lock(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The plan is locked; it can be exported to payroll."))
    return redirect("outcomes:bonus_plan", uuid=plan.uuid)


@login_required
@require_POST
def bonus_delete(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan_for_change(principal, uuid)
    try:
        services.bonus_plan_delete(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("outcomes:bonus_plan", uuid=plan.uuid)
    messages.success(request, _("The plan is deleted."))
    return redirect("outcomes:bonus_plans")


@login_required
@require_POST
def bonus_export(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    plan = access.access_bonus_plan(principal, uuid)
    return start_export(
        request, plan, BONUS_PAYROLL, reverse("outcomes:bonus_plan", kwargs={"uuid": plan.uuid})
    )


# --- one line ------------------------------------------------------------------------------


def _line_page(
    request: HttpRequest,
    principal: Principal,
    line: BonusLine,
    *,
    form: BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_change = access.can_change_plan(principal, line.plan)
    return render(
        request,
        "outcomes/pay_line.html",
        {
            "line": line,
            "plan": line.plan,
            "kind": "bonus",
            "sentences": selectors.line_sentences(line),
            "can_change": can_change,
            "form": form or (BaseForm(initial={"base": line.base}) if can_change else None),
            "title": _("%(name)s · %(plan)s")
            % {"name": line.employee.name, "plan": line.plan.name},
        },
        status=status,
    )


@login_required
@require_GET
def bonus_line(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    return _line_page(request, principal, access.access_bonus_line(principal, uuid))


@login_required
@require_POST
def bonus_line_base(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = reader(request)
    line = access.access_bonus_line(principal, uuid)
    if not access.can_manage_pay(principal):
        raise Forbidden
    form = BaseForm(request.POST)
    if form.is_valid():
        try:
            services.bonus_base_set(
                actor=actor_of(request), line=line, base=form.cleaned_data["base"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s's base is saved.") % {"name": line.employee.name})
            return back_to(request, reverse("outcomes:bonus_plan", kwargs={"uuid": line.plan.uuid}))
    return _line_page(request, principal, line, form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("pay/bonus/", bonus_plans, name="bonus_plans"),
    path("pay/bonus/new/", bonus_plan_create, name="bonus_plan_create"),
    path("pay/bonus/<uuid:uuid>/", bonus_plan, name="bonus_plan"),
    path("pay/bonus/<uuid:uuid>/settings/", bonus_plan_edit, name="bonus_plan_edit"),
    path("pay/bonus/<uuid:uuid>/factors/", bonus_factor, name="bonus_factor"),
    path("pay/bonus/<uuid:uuid>/compute/", bonus_compute, name="bonus_compute"),
    path("pay/bonus/<uuid:uuid>/lock/", bonus_lock, name="bonus_lock"),
    path("pay/bonus/<uuid:uuid>/delete/", bonus_delete, name="bonus_delete"),
    path("pay/bonus/<uuid:uuid>/export/", bonus_export, name="bonus_export"),
    path("pay/bonus/lines/<uuid:uuid>/", bonus_line, name="bonus_line"),
    path("pay/bonus/lines/<uuid:uuid>/base/", bonus_line_base, name="bonus_line_base"),
    *pay_raises.urlpatterns,
    *pay_imports.urlpatterns,
]
