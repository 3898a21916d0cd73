"""Result pages: my results, one result (how it was decided, what changed and why,
confirming, appealing, HR's correction), the manager's team, HR's list of a cycle with its
release (schedule a day or publish now) and its .xlsx file (a background export, started
with the list's filters; ``pms.outcomes.result_exporters``).

Refusals: a result nobody may see is "not found"; confirming somebody else's result or
correcting without the right is "forbidden". HR pages are "not found" to people who are
not HR; a cycle's list is "forbidden" to colleagues who see the cycle but are not HR.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.export_pages import export_status_context, render_export_status
from pms.core.exports import export_start
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate, query_without_page
from pms.core.selectors import latest_export
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.results import (
    ConfirmForm,
    CorrectionForm,
    ResultFilterForm,
    ScheduleForm,
)
from pms.outcomes.models import OPEN_APPEAL, PerformanceResult
from pms.outcomes.result_exporters import RESULTS_EXPORT, results_export_params
from pms.outcomes.selectors import results as selectors
from pms.outcomes.services import release as release_services
from pms.outcomes.services import results as services
from pms.outcomes.services.appeals import DECIDED
from pms.outcomes.views.detail_pages import DetailPages, as_form
from pms.reviews.access import monitor_departments
from pms.reviews.models import Cycle

# --- my results ----------------------------------------------------------------------------


@login_required
@require_GET
def my_results(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    return render(
        request,
        "outcomes/result_mine.html",
        {"rows": selectors.my_result_rows(principal), "title": _("My performance results")},
    )


# --- one result ----------------------------------------------------------------------------


def _grades() -> list[str]:
    return list(services.coefficient_table())


def _result_context(
    principal: Principal,
    result: PerformanceResult,
    *,
    confirm_form: ConfirmForm | None = None,
    correction_form: CorrectionForm | None = None,
) -> dict[str, Any]:
    page = selectors.result_page(principal, result)
    today = timezone.localdate()
    has_appeal = any(a.status in (*OPEN_APPEAL, *DECIDED) for a in page.appeals)
    can_correct = access.can_correct_result(principal, result)
    return {
        "page": page,
        "result": result,
        "is_owner": access.is_result_owner(principal, result),
        "can_confirm": access.can_confirm_result(principal, result),
        "can_appeal": access.can_file_appeal(principal, result, today, has_appeal=has_appeal),
        "can_correct": can_correct,
        "can_schedule": page.interview is None and access.can_schedule_interview(principal, result),
        "confirm_form": confirm_form or ConfirmForm(),
        "correction_form": correction_form
        or (CorrectionForm(grades=_grades()) if can_correct else None),
        "title": _("Result: %(name)s · %(cycle)s")
        % {"name": result.employee.name, "cycle": result.cycle.name},
    }


PAGES: DetailPages[PerformanceResult] = DetailPages(
    template="outcomes/result_detail.html",
    url_name="outcomes:result",
    find=access.access_result,
    context=_result_context,
)


@login_required
@require_GET
def result(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return PAGES.page(request, principal, access.access_result(principal, uuid))


@login_required
@require_POST
def result_confirm(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_confirm_result)
    return PAGES.submit(
        request,
        principal,
        found,
        ConfirmForm(request.POST),
        lambda data: services.result_confirm(
            actor=actor_of(request), result=found, note=data["note"]
        ),
        message=_("You confirmed your result."),
        bound=as_form("confirm_form"),
    )


@login_required
@require_POST
def result_correct(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_correct_result)
    return PAGES.submit(
        request,
        principal,
        found,
        CorrectionForm(request.POST, grades=_grades()),
        lambda data: services.result_correct(
            actor=actor_of(request),
            result=found,
            score=data["score"],
            grade=data["grade"],
            reason=data["reason"],
        ),
        message=_("The result was corrected."),
        bound=as_form("correction_form"),
    )


# --- the manager's team --------------------------------------------------------------------


@login_required
@require_GET
def team_results(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_results(principal):
        raise NotFound
    cycles = list(selectors.team_cycles(principal)[:50])
    chosen = request.GET.get("cycle")
    cycle = next((c for c in cycles if str(c.uuid) == chosen), cycles[0] if cycles else None)
    page = paginate(request, selectors.team_result_rows(principal, cycle)) if cycle else None
    return render(
        request,
        "outcomes/result_team.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "page": page,
            "query": query_without_page(request),
            "title": _("Team results"),
        },
    )


# --- HR: cycles and their results ----------------------------------------------------------


@login_required
@require_GET
def cycles(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_run_results(principal):
        raise NotFound
    rows = access.results_cycles(principal).select_related("release").order_by("-start", "name")
    return render(
        request,
        "outcomes/cycle_list.html",
        {"page": paginate(request, rows), "title": _("Results by cycle")},
    )


def _filters(
    principal: Principal, data: QueryDict
) -> tuple[ResultFilterForm, selectors.ResultFilters]:
    form = ResultFilterForm(
        data or None, departments=monitor_departments(principal), grades=_grades()
    )
    if form.is_bound and form.is_valid():
        cleaned = form.cleaned_data
        return form, selectors.ResultFilters(
            department=cleaned["department"], grade=cleaned["grade"], ack=cleaned["ack"]
        )
    return form, selectors.ResultFilters()


def _cycle_page(
    request: HttpRequest,
    principal: Principal,
    cycle: Cycle,
    *,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form, filters = _filters(principal, request.GET)
    summary = selectors.cycle_summary(principal, cycle, filters)
    context = {
        "cycle": cycle,
        "summary": summary,
        "filter_form": form,
        "page": paginate(request, selectors.cycle_result_rows(principal, cycle, filters)),
        "query": query_without_page(request),
        "can_release": access.can_release_results(principal, cycle),
        "schedule_form": schedule_form
        or ScheduleForm(
            initial={"publish_on": summary.release.publish_on if summary.release else None}
        ),
        "title": _("Published results: %(cycle)s") % {"cycle": cycle.name},
    }
    if is_htmx(request) and request.method == "GET":
        return render(request, "outcomes/cycle_results_rows.html", context)
    # the person's latest file of this cycle, shown beside the button (one query)
    context["export"] = export_status_context(
        latest_export(principal.user, RESULTS_EXPORT, cycle=str(cycle.uuid))
    )
    return render(request, "outcomes/cycle_results.html", context, status=status)


@login_required
@require_GET
def cycle_results(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return _cycle_page(request, principal, access.access_cycle_for_results(principal, uuid))


@login_required
@require_POST
def cycle_release(request: HttpRequest, uuid: str) -> HttpResponse:
    """Schedule the day (``action=schedule``) or publish now (``action=publish``)."""
    principal = principal_of(request)
    cycle = access.access_cycle_for_results(principal, uuid)
    if not access.can_release_results(principal, cycle):
        raise Forbidden
    actor = actor_of(request)
    if request.POST.get("action") == "publish":
        try:
            release_services.release_publish(actor=actor, cycle=cycle)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The results are published."))
        return redirect("outcomes:cycle_results", uuid=cycle.uuid)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            release_services.release_schedule(
                actor=actor, cycle=cycle, publish_on=form.cleaned_data["publish_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The publication date is saved."))
            return redirect("outcomes:cycle_results", uuid=cycle.uuid)
    return _cycle_page(request, principal, cycle, schedule_form=form, status=400)


@login_required
@require_POST
def cycle_results_export(request: HttpRequest, uuid: str) -> HttpResponse:
    """Start building the .xlsx file of the list as filtered (``filters``: the page's
    query) in the background; HTMX gets the job's status to poll, a plain form goes back
    to the page, which shows the latest export."""
    principal = principal_of(request)
    cycle = access.access_cycle_for_results(principal, uuid)
    back = request.POST.get("filters", "")[:2000]
    _form, filters = _filters(principal, QueryDict(back))
    target = reverse("outcomes:cycle_results", kwargs={"uuid": cycle.uuid})
    target = f"{target}?{back}" if back else target
    try:
        job = export_start(
            actor=actor_of(request),
            kind=RESULTS_EXPORT,
            params=results_export_params(cycle, filters),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(target)
    job.refresh_from_db()  # a worker may have started on it already
    if is_htmx(request):
        return render_export_status(request, job)
    messages.info(request, _("The file is being prepared; it will appear here when it is ready."))
    return redirect(target)


urlpatterns: list[URLPattern] = [
    path("", my_results, name="my_results"),
    path("r/<uuid:uuid>/", result, name="result"),
    path("r/<uuid:uuid>/confirm/", result_confirm, name="result_confirm"),
    path("r/<uuid:uuid>/correct/", result_correct, name="result_correct"),
    path("team/", team_results, name="team_results"),
    path("cycles/", cycles, name="cycles"),
    path("cycles/<uuid:uuid>/", cycle_results, name="cycle_results"),
    path("cycles/<uuid:uuid>/release/", cycle_release, name="cycle_release"),
    path("cycles/<uuid:uuid>/export/", cycle_results_export, name="cycle_results_export"),
]
