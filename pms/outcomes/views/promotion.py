"""Promotion eligibility (晋升资格) for HR: the people of their scope whose latest published
results of one kind of cycle meet the company's rule, with the cycles and grades that
made them eligible, filtered by department; the list as an .xlsx file.

Refusals: "not found" for whoever is not HR or a system admin.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import NotFound
from pms.core.exports import export_start
from pms.core.pagination import query_without_page
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.pay import PromotionFilterForm
from pms.outcomes.pay_exporters import PROMOTION_LIST, promotion_params
from pms.outcomes.selectors.promotion import promotion_kinds, promotion_list
from pms.outcomes.views.pay_common import show_errors
from pms.reviews.access import monitor_departments
from pms.reviews.models import CycleKind


def _hr(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not access.can_see_promotion(principal):
        raise NotFound
    return principal


def _filters(
    principal: Principal, request: HttpRequest
) -> tuple[PromotionFilterForm, str, Department | None]:
    kinds = promotion_kinds() or [(CycleKind.ANNUAL.value, str(CycleKind.ANNUAL.label))]
    data = request.GET if request.method == "GET" else request.POST
    form = PromotionFilterForm(
        data or None,
        kinds=kinds,
        departments=monitor_departments(principal),
        initial={"kind": kinds[0][0]},
    )
    kind = kinds[0][0]
    department = None
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"] or kind
        department = form.cleaned_data["department"]
    return form, kind, department


@login_required
@require_GET
def promotion(request: HttpRequest) -> HttpResponse:
    principal = _hr(request)
    form, kind, department = _filters(principal, request)
    found = promotion_list(principal, kind, today=timezone.localdate(), department=department)
    page = Paginator(found.rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "outcomes/promotion_list.html",
        {
            "filter_form": form,
            "found": found,
            "page": page,
            "query": query_without_page(request),
            "kind": kind,
            "department": department,
            "can_settings": access.can_manage_outcome_settings(principal),
            "title": _("Promotion eligibility"),
        },
    )


@login_required
@require_POST
def promotion_export(request: HttpRequest) -> HttpResponse:
    principal = _hr(request)
    _form, kind, department = _filters(principal, request)
    try:
        job = export_start(
            actor=actor_of(request), kind=PROMOTION_LIST, params=promotion_params(kind, department)
        )
    except ValidationError as error:
        show_errors(request, error)
        return redirect("outcomes:promotion")
    messages.info(request, _("The file is being prepared."))
    return redirect("core:export", uuid=job.uuid)


urlpatterns: list[URLPattern] = [
    path("promotion/", promotion, name="promotion"),
    path("promotion/export/", promotion_export, name="promotion_export"),
]
