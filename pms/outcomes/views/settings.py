"""The results settings page (company-wide HR): the coefficients of the grades, the days
to confirm, appeal and hold the interview, the grades that call for an improvement plan,
the promotion rule and the training threshold.

Refusals: "forbidden" for an HRBP, "not found" for everybody else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pms.core.access import Forbidden, NotFound
from pms.org.forms import add_service_errors
from pms.org.views import actor_of, posted, principal_of
from pms.outcomes import access
from pms.outcomes.forms.settings import OutcomeSettingsForm
from pms.outcomes.services.results import coefficient_table, outcome_settings
from pms.outcomes.services.settings import outcome_settings_update


@login_required
@require_http_methods(["GET", "POST"])
def outcome_settings_page(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_run_results(principal):
        raise NotFound
    if not access.can_manage_outcome_settings(principal):
        raise Forbidden
    row = outcome_settings()
    form = OutcomeSettingsForm(posted(request), row=row, grades=list(coefficient_table(row)))
    if form.is_bound and form.is_valid():
        try:
            outcome_settings_update(actor=actor_of(request), changes=form.changes())
        except ValidationError as error:
            add_service_errors(form, error)  # the coefficient table's errors go on top
        else:
            messages.success(request, _("Results settings saved."))
            return redirect("outcomes:settings")
    return render(
        request,
        "outcomes/outcome_settings.html",
        {"form": form, "title": _("Results settings")},
        status=400 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("settings/", outcome_settings_page, name="settings"),
]
