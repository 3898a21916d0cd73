"""What the bonus and raise pages share: who reaches them, the line filters, where to go
back to after a change, and starting a payroll export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pms.core.access import Forbidden, NotFound
from pms.core.exports import export_start
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.pay import LineFilterForm
from pms.outcomes.models import BonusPlan, RaisePlan
from pms.outcomes.pay_exporters import plan_export_params
from pms.outcomes.selectors.pay import LineFilters
from pms.outcomes.services.results import coefficient_table
from pms.reviews.access import monitor_departments


def reader(request: HttpRequest) -> Principal:
    """Whoever reads plans (HR, system admins); anybody else: "not found"."""
    principal = principal_of(request)
    if not access.can_read_pay(principal):
        raise NotFound
    return principal


def manager(request: HttpRequest) -> Principal:
    """Company-wide HR and system admins; an HRBP: "forbidden"; anybody else: "not found"."""
    principal = reader(request)
    if not access.can_manage_pay(principal):
        raise Forbidden
    return principal


def grades() -> list[str]:
    return list(coefficient_table())


def departments(principal: Principal) -> Any:
    return monitor_departments(principal)


def line_filters(principal: Principal, request: HttpRequest) -> tuple[LineFilterForm, LineFilters]:
    form = LineFilterForm(request.GET or None, departments=departments(principal), grades=grades())
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        department: Department | None = data["department"]
        return form, LineFilters(
            department=department,
            grade=data["grade"],
            search=data["search"],
            missing=data["missing"],
        )
    return form, LineFilters()


def back_to(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (``back``, a path of this site), else ``default``."""
    target = request.POST.get("back", "")
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith("/")
    ):
        return redirect(target)
    return redirect(default)


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def start_export(
    request: HttpRequest, plan: BonusPlan | RaisePlan, kind: str, plan_url: str
) -> HttpResponse:
    """Start the payroll file of a locked plan; the plan page shows how it goes."""
    principal = principal_of(request)
    if not access.can_export_plan(principal, plan):
        raise Forbidden
    try:
        job = export_start(actor=actor_of(request), kind=kind, params=plan_export_params(plan))
    except ValidationError as error:
        show_errors(request, error)
        return redirect(plan_url)
    messages.info(request, _("The payroll file is being prepared."))
    return redirect("core:export", uuid=job.uuid)
