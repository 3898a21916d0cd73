"""Training needs (培训需求): per competency, the people whose managers rated it below the
company's threshold in a published cycle, with counts per department; each need can start
a development plan (IDP) for the person (``outcomes:idp_create`` with ``?employee=`` and
``?competency=``); the list as an .xlsx file.

HR sees their scope (and may filter by department), a manager the people they lead.
Refusals: "not found" for everybody else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import NotFound
from pms.core.exports import export_start
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.pay import TrainingFilterForm
from pms.outcomes.pay_exporters import TRAINING_NEEDS, training_params
from pms.outcomes.selectors.training import training_cycles, training_needs
from pms.outcomes.views.pay_common import show_errors
from pms.reviews.access import monitor_departments
from pms.reviews.models import Cycle


def _reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not access.can_see_training_needs(principal):
        raise NotFound
    return principal


def _filters(
    principal: Principal, request: HttpRequest
) -> tuple[TrainingFilterForm, Cycle | None, Department | None]:
    cycles = training_cycles(principal)
    departments = monitor_departments(principal) if access.can_run_results(principal) else None
    data = request.GET if request.method == "GET" else request.POST
    form = TrainingFilterForm(data or None, cycles=cycles, departments=departments)
    cycle: Cycle | None = None
    department: Department | None = None
    if form.is_bound and form.is_valid():
        cycle = form.cleaned_data["cycle"]
        department = form.cleaned_data.get("department")
    if cycle is None:
        cycle = cycles.first()
    return form, cycle, department


def _idp_url() -> str:
    """The development plan page a need links to, when the plans are there."""
    try:
        return reverse("outcomes:idp_create")
    except NoReverseMatch:  # pragma: no cover (the plans pages are installed)
        return ""


@login_required
@require_GET
def training(request: HttpRequest) -> HttpResponse:
    principal = _reader(request)
    form, cycle, department = _filters(principal, request)
    needs = training_needs(principal, cycle, department=department)
    chosen = request.GET.get("competency", "")
    selected = next((c for c in needs.competencies if c.title == chosen), None)
    if selected is None:
        selected = next((c for c in needs.competencies if c.count), None)
    page = Paginator(selected.people if selected else [], 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("competency", None)
    paging = params.copy()
    if selected is not None:
        paging["competency"] = selected.title
    return render(
        request,
        "outcomes/training_needs.html",
        {
            "filter_form": form,
            "needs": needs,
            "selected": selected,
            "page": page,
            "filters_query": params.urlencode(),
            "query": paging.urlencode(),
            "idp_url": _idp_url(),
            "title": _("Training needs"),
        },
    )


@login_required
@require_POST
def training_export(request: HttpRequest) -> HttpResponse:
    principal = _reader(request)
    _form, cycle, department = _filters(principal, request)
    if cycle is None:
        messages.error(request, _("No cycle has published results yet."))
        return redirect("outcomes:training")
    try:
        job = export_start(
            actor=actor_of(request),
            kind=TRAINING_NEEDS,
            params=training_params(str(cycle.uuid), department),
        )
    except ValidationError as error:
        show_errors(request, error)
        return redirect("outcomes:training")
    messages.info(request, _("The file is being prepared."))
    return redirect("core:export", uuid=job.uuid)


urlpatterns: list[URLPattern] = [
    path("training/", training, name="training"),
    path("training/export/", training_export, name="training_export"),
]
