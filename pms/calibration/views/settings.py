"""The company's calibration defaults (company-wide HR): the distribution new sessions copy,
the smallest group held to it, how it is enforced and which grades count as low, medium or
high performance on the nine-box.

Refusals: "forbidden" for an HRBP (they run sessions but not the company's rules),
"not found" for everybody else.
"""

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

from pms.calibration import access
from pms.calibration.distribution import DEFAULT_LEVELS, default_rule_data
from pms.calibration.forms import (
    RulesForm,
    distribution_formset,
    levels_from_formset,
    rows_from_formset,
)
from pms.calibration.services.settings import (
    calibration_settings_get,
    calibration_settings_update,
)
from pms.org.views import actor_of, posted, principal_of


@login_required
@require_http_methods(["GET", "POST"])
def calibration_settings(request: HttpRequest) -> HttpResponse:
    access.check_settings_page(principal_of(request))
    row = calibration_settings_get()
    data = posted(request)
    rules = RulesForm(
        data, initial={"min_group_size": row.min_group_size, "enforcement": row.enforcement}
    )
    formset = distribution_formset(
        data,
        row.distribution or default_rule_data(),
        levels=row.performance_levels or DEFAULT_LEVELS,
    )
    rule_errors: list[str] = []
    level_errors: list[str] = []
    if data is not None:
        rules_ok = rules.is_valid()
        rows_ok = formset.is_valid()
        if rules_ok and rows_ok:
            try:
                calibration_settings_update(
                    actor=actor_of(request),
                    distribution=rows_from_formset(formset),
                    min_group_size=rules.cleaned_data["min_group_size"],
                    enforcement=rules.cleaned_data["enforcement"],
                    performance_levels=levels_from_formset(formset),
                )
            except ValidationError as error:
                found: dict[str, Any] = dict(error.message_dict)
                rule_errors = list(found.pop("distribution", []))
                level_errors = list(found.pop("performance_levels", []))
                for name in ("min_group_size", "enforcement"):
                    for message in found.pop(name, []):
                        rules.add_error(name, message)
                for messages_left in found.values():
                    rule_errors.extend(messages_left)
            else:
                messages.success(request, _("Calibration settings saved."))
                return redirect("calibration:settings")
        elif not rows_ok:
            rule_errors = [str(e) for e in formset.non_form_errors()] or [
                _("Check the grades marked below.")
            ]
    failed = data is not None
    return render(
        request,
        "calibration/settings_page.html",
        {
            "title": _("Calibration settings"),
            "rules": rules,
            "formset": formset,
            "rule_errors": rule_errors,
            "level_errors": level_errors,
        },
        status=422 if failed else 200,
    )


urlpatterns: list[URLPattern] = [
    path("settings/", calibration_settings, name="settings"),
]
