"""Bonus plan pages (奖金方案): what is a bonus plan's own — its simulation (totals by
department and grade against the pool or budget) and department factors on the plan page,
a line's base — and its addresses. The list, a new plan, settings, computing, locking,
deleting, the payroll export and a line's page are the ones both kinds share
(``pay_common``); the raise pages and the imports live in ``pay_raises`` and
``pay_imports``.
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
from pms.outcomes.forms.pay import BaseForm, BonusPlanForm, FactorForm
from pms.outcomes.models import BonusLine, BonusPlan, PayImport
from pms.outcomes.pay_exporters import BONUS_PAYROLL
from pms.outcomes.selectors import pay as selectors
from pms.outcomes.services import bonus as services
from pms.outcomes.views import pay_imports, pay_raises
from pms.outcomes.views.pay_common import (
    PayKind,
    back_to,
    departments,
    grades,
    line_for_change,
    line_page,
    plan_page,
    plan_urls,
    reader,
)


def _plan_context(principal: Principal, plan: BonusPlan, can_change: bool) -> dict[str, Any]:
    return {
        "simulation": selectors.bonus_simulation(principal, plan, grades()),
        "factors": selectors.bonus_factor_rows(plan),
        "factor_form": FactorForm(departments=departments(principal)) if can_change else None,
    }


def _line_context(line: BonusLine, can_change: bool) -> dict[str, Any]:
    return {"form": BaseForm(initial={"base": line.base}) if can_change else None}


def _imports(plan: BonusPlan) -> QuerySet[PayImport]:
    return PayImport.objects.filter(bonus_plan=plan)


BONUS = PayKind(
    name="bonus",
    plan_rows=selectors.bonus_plan_rows,
    access_plan=access.access_bonus_plan,
    access_plan_for_change=access.access_bonus_plan_for_change,
    access_line=access.access_bonus_line,
    line_rows=selectors.bonus_line_rows,
    plan_form=BonusPlanForm,
    plan_fields=services.PLAN_FIELDS,
    create=services.bonus_plan_create,
    update=services.bonus_plan_update,
    compute=services.bonus_plan_compute_request,
    lock=services.bonus_plan_lock,
    delete=services.bonus_plan_delete,
    export_kind=BONUS_PAYROLL,
    plan_template="outcomes/pay_bonus_plan.html",
    plan_context=_plan_context,
    line_context=_line_context,
    imports_of=_imports,
    list_title=gettext_lazy("Bonus plans"),
    new_title=gettext_lazy("New bonus plan"),
    plan_title=gettext_lazy("Bonus plan: %(name)s"),
    settings_title=gettext_lazy("Bonus plan settings: %(name)s"),
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
    return plan_page(request, principal, plan, BONUS, forms={"factor_form": form}, status=400)


@login_required
@require_POST
def bonus_line_base(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, line = line_for_change(request, uuid, BONUS)
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
    return line_page(request, principal, line, BONUS, form=form, status=400)


urlpatterns: list[URLPattern] = [
    *plan_urls(BONUS, "pay/bonus/"),
    path("pay/bonus/<uuid:uuid>/factors/", bonus_factor, name="bonus_factor"),
    path("pay/bonus/lines/<uuid:uuid>/base/", bonus_line_base, name="bonus_line_base"),
    *pay_raises.urlpatterns,
    *pay_imports.urlpatterns,
]
