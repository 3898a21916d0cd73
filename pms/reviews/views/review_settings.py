"""The company's review settings page (company-wide HR): k, HR's identity look-ups, grade
bands, reminders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pms.org.forms import add_service_errors
from pms.org.views import actor_of, principal_of
from pms.reviews import access
from pms.reviews.forms.review_settings import (
    IDENTITY_WARNING,
    ReviewSettingsForm,
    band_formset,
    bands_from_formset,
)
from pms.reviews.services.review_settings import (
    grade_bands_in_force,
    review_settings_get,
    review_settings_update,
)
from pms.scoring.errors import ScoringError
from pms.scoring.grades import DEFAULT_GRADE_BANDS, grade_bands_to_data


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    access.check_setup_page(principal, access.can_manage_settings(principal))
    row = review_settings_get()
    try:
        bands = grade_bands_to_data(grade_bands_in_force(row))
    except ScoringError:  # bands saved some other way that no longer read: start over
        bands = grade_bands_to_data(DEFAULT_GRADE_BANDS)
    initial: dict[str, Any] = {
        "anonymity_min": row.anonymity_min,
        "allow_identity_access": row.allow_identity_access,
        "remind_days_before": row.remind_days_before,
    }
    data = request.POST if request.method == "POST" else None
    form = ReviewSettingsForm(data, initial=initial)
    formset = band_formset(data, bands)
    band_errors: list[str] = []
    if data is not None:
        form_ok = form.is_valid()
        bands_ok = formset.is_valid()
        if form_ok and bands_ok:
            try:
                review_settings_update(
                    actor=actor_of(request),
                    anonymity_min=form.cleaned_data["anonymity_min"],
                    allow_identity_access=form.cleaned_data["allow_identity_access"],
                    remind_days_before=form.cleaned_data["remind_days_before"],
                    grade_bands=bands_from_formset(formset),
                )
            except ValidationError as error:
                found = dict(error.message_dict)
                band_errors = list(found.pop("grade_bands", []))
                if found:
                    add_service_errors(form, ValidationError(found))
            else:
                messages.success(request, _("Review settings saved."))
                return redirect("reviews:settings")
        elif not bands_ok:
            band_errors = [str(e) for e in formset.non_form_errors()] or [
                _("Check the grade bands marked below.")
            ]
    failed = data is not None and (bool(form.errors) or bool(band_errors))
    return render(
        request,
        "reviews/settings_page.html",
        {
            "title": _("Review settings"),
            "form": form,
            "formset": formset,
            "band_errors": band_errors,
            "identity_warning": IDENTITY_WARNING,
            "identity_on": row.allow_identity_access,
        },
        status=422 if failed else 200,
    )


urlpatterns: list[URLPattern] = [
    path("settings/", review_settings, name="settings"),
]
