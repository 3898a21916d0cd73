"""Appeal pages (申诉): filing against one's result, the appeal (withdraw, assign, take up,
decide), its evidence file, HR's list with the overdue flag, statistics per department.

Refusals: an appeal the user may not see — the person's managers among them — is "not
found", and so is its evidence; filing against somebody else's result, or after the
window, and acting on an appeal without the right, is "forbidden". HR's list and
statistics are "not found" to people who are not HR.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.appeals import AppealFilterForm, AppealForm, AssignForm, DecideForm
from pms.outcomes.models import OPEN_APPEAL, Appeal
from pms.outcomes.selectors import appeals as selectors
from pms.outcomes.services import appeals as services
from pms.outcomes.services.results import coefficient_table
from pms.outcomes.views.detail_pages import DetailPages, as_form


def _grades() -> list[str]:
    return list(coefficient_table())


# --- filing --------------------------------------------------------------------------------


@login_required
def appeal_file(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    result = access.access_result(principal, uuid)
    has_appeal = result.appeals.filter(status__in=(*OPEN_APPEAL, *services.DECIDED)).exists()
    if not access.can_file_appeal(principal, result, timezone.localdate(), has_appeal=has_appeal):
        raise Forbidden
    form = AppealForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.appeal_file(
                    actor=actor_of(request),
                    result=result,
                    reasons=data["reasons"],
                    evidence_link=data["evidence_link"],
                    evidence_file=data["evidence_file"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your appeal is filed; HR will decide it."))
                return redirect("outcomes:appeal", uuid=appeal.uuid)
        status = 400
    return render(
        request,
        "outcomes/appeal_form.html",
        {
            "result": result,
            "form": form,
            "until": access.appeal_until(result),
            "title": _("Appeal your result for %(cycle)s") % {"cycle": result.cycle.name},
        },
        status=status,
    )


# --- one appeal ----------------------------------------------------------------------------


def _context(
    principal: Principal,
    appeal: Appeal,
    *,
    assign_form: AssignForm | None = None,
    decide_form: DecideForm | None = None,
) -> dict[str, Any]:
    can_assign = access.can_assign_appeal(principal, appeal)
    can_decide = access.can_decide_appeal(principal, appeal)
    handlers = access.appeal_handlers(appeal.result) if can_assign else None
    return {
        "appeal": appeal,
        "result": appeal.result,
        "is_appellant": access.is_appellant(principal, appeal),
        "can_withdraw": access.can_withdraw_appeal(principal, appeal),
        "can_assign": can_assign,
        "can_take_up": access.can_take_up_appeal(principal, appeal),
        "can_decide": can_decide,
        "overdue": appeal.status in OPEN_APPEAL and appeal.due_on < timezone.localdate(),
        "evidence_name": PurePath(appeal.evidence_file.name or "").name,
        "assign_form": assign_form
        or (
            AssignForm(initial={"handler": appeal.handler_id}, handlers=handlers)
            if handlers is not None
            else None
        ),
        "decide_form": decide_form or (DecideForm(grades=_grades()) if can_decide else None),
        "title": _("Appeal: %(name)s · %(cycle)s")
        % {"name": appeal.result.employee.name, "cycle": appeal.result.cycle.name},
    }


PAGES: DetailPages[Appeal] = DetailPages(
    template="outcomes/appeal_detail.html",
    url_name="outcomes:appeal",
    find=access.access_appeal,
    context=_context,
)


@login_required
@require_GET
def appeal(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return PAGES.page(request, principal, access.access_appeal(principal, uuid))


@login_required
@require_POST
def appeal_withdraw(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, found = PAGES.find_for(request, uuid, access.can_withdraw_appeal)
    return PAGES.act(
        request,
        found,
        lambda: services.appeal_withdraw(actor=actor_of(request), appeal=found),
        _("Your appeal is withdrawn."),
    )


@login_required
@require_POST
def appeal_take_up(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, found = PAGES.find_for(request, uuid, access.can_take_up_appeal)
    return PAGES.act(
        request,
        found,
        lambda: services.appeal_take_up(actor=actor_of(request), appeal=found),
        _("You are handling this appeal."),
    )


@login_required
@require_POST
def appeal_assign(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_assign_appeal)
    return PAGES.submit(
        request,
        principal,
        found,
        AssignForm(request.POST, handlers=access.appeal_handlers(found.result)),
        lambda data: services.appeal_assign(
            actor=actor_of(request), appeal=found, handler=data["handler"]
        ),
        message=_("The appeal is assigned."),
        bound=as_form("assign_form"),
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_decide_appeal)
    return PAGES.submit(
        request,
        principal,
        found,
        DecideForm(request.POST, grades=_grades()),
        lambda data: services.appeal_decide(
            actor=actor_of(request),
            appeal=found,
            outcome=data["outcome"],
            decision=data["decision"],
            new_score=data["new_score"],
            new_grade=data["new_grade"],
        ),
        message=_("The appeal is decided; the person is told."),
        bound=as_form("decide_form"),
    )


@login_required
@require_GET
def appeal_evidence(request: HttpRequest, uuid: str) -> FileResponse:
    """The evidence file, to whoever sees the appeal (never a public media address)."""
    found = access.access_appeal(principal_of(request), uuid)
    if not found.evidence_file:
        raise NotFound
    try:
        handle = found.evidence_file.open("rb")
    except OSError:
        raise NotFound from None
    return FileResponse(
        handle, as_attachment=True, filename=PurePath(found.evidence_file.name or "").name
    )


# --- HR's lists ----------------------------------------------------------------------------


@login_required
@require_GET
def appeals(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_run_results(principal):
        raise NotFound
    form = AppealFilterForm(request.GET or None)
    filters = selectors.AppealFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.AppealFilters(
            state=form.cleaned_data["state"] or "open", mine=form.cleaned_data["mine"]
        )
    rows = selectors.appeal_rows(principal, filters, timezone.localdate())
    return render(
        request,
        "outcomes/appeal_list.html",
        {
            "form": form,
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "title": _("Appeals"),
        },
    )


@login_required
@require_GET
def appeal_stats(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_appeal_stats(principal):
        raise NotFound
    cycles = list(access.results_cycles(principal).order_by("-start", "name")[:50])
    chosen = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if str(c.uuid) == chosen), None)
    return render(
        request,
        "outcomes/appeal_stats.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "rows": selectors.appeal_stats(principal, cycle),
            "title": _("Appeal statistics"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("r/<uuid:uuid>/appeal/", appeal_file, name="appeal_file"),
    path("appeals/", appeals, name="appeals"),
    path("appeals/statistics/", appeal_stats, name="appeal_stats"),
    path("appeals/<uuid:uuid>/", appeal, name="appeal"),
    path("appeals/<uuid:uuid>/evidence/", appeal_evidence, name="appeal_evidence"),
    path("appeals/<uuid:uuid>/withdraw/", appeal_withdraw, name="appeal_withdraw"),
    path("appeals/<uuid:uuid>/take-up/", appeal_take_up, name="appeal_take_up"),
    path("appeals/<uuid:uuid>/assign/", appeal_assign, name="appeal_assign"),
    path("appeals/<uuid:uuid>/decide/", appeal_decide, name="appeal_decide"),
]
