"""Check-in cadence settings for HR, and "schedule now"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pms.coaching import access, selectors
from pms.coaching.forms import CadenceForm
from pms.coaching.models import Frequency
from pms.coaching.services import cadence as services
from pms.coaching.services.scheduling import schedule_checkins
from pms.coaching.views import actor_of, principal_of
from pms.core.access import NotFound
from pms.org.models import RoleFamily


@login_required
def cadence_settings(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_manage_cadence(principal):
        raise NotFound
    error = ""
    if request.method == "POST":
        form = CadenceForm(request.POST)
        if form.is_valid():
            family_id = form.cleaned_data["family"]
            family = None
            if family_id is not None:
                family = RoleFamily.objects.filter(uuid=family_id).first()
                if family is None:
                    raise NotFound
            try:
                services.cadence_set(
                    actor=actor_of(request),
                    role_family=family,
                    frequency=form.cleaned_data["frequency"],
                    enabled=form.cleaned_data["enabled"],
                )
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(request, _("Cadence saved."))
                return redirect("coaching:cadence")
        else:
            error = _("Choose how often check-ins take place.")
    return render(
        request,
        "coaching/cadence.html",
        {
            "table": selectors.cadence_table(),
            "frequencies": Frequency.choices,
            "error": error,
            "title": _("Check-in cadence"),
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def schedule_now(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_manage_cadence(principal):
        raise NotFound
    created = schedule_checkins(timezone.now(), actor=actor_of(request))
    messages.success(
        request,
        ngettext("%(count)d check-in scheduled.", "%(count)d check-ins scheduled.", created)
        % {"count": created},
    )
    return redirect("coaching:cadence")


urlpatterns: list[URLPattern] = [
    path("cadence/", cadence_settings, name="cadence"),
    path("cadence/schedule/", schedule_now, name="schedule_now"),
]
