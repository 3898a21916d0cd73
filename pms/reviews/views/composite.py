"""HR's composite weights page: each role family's parts and weights, the seed's defaults,
and computing the annual composite of an annual cycle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from pms.core.access import get_visible
from pms.org.models import RoleFamily
from pms.org.views import actor_of, principal_of
from pms.reviews import access
from pms.reviews.forms.composite import ComputeForm, part_formset, parts_from_formset
from pms.reviews.selectors.composite import (
    composite_cycles,
    composite_schemes_table,
    scheme_initial,
)
from pms.reviews.services.composite import (
    composite_compute,
    composite_scheme_remove,
    composite_scheme_set,
    composite_schemes_install_defaults,
)
from pms.reviews.services.review_settings import grade_bands_in_force, review_settings_get


def _check(request: HttpRequest) -> None:
    principal = principal_of(request)
    access.check_setup_page(principal, access.can_manage_composites(principal))


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@login_required
@require_http_methods(["GET"])
def composites(request: HttpRequest) -> HttpResponse:
    _check(request)
    return render(
        request,
        "reviews/composite_list.html",
        {
            "title": _("Composite weights"),
            "table": composite_schemes_table(),
            "cycles": list(composite_cycles()),
            "bands": grade_bands_in_force(review_settings_get()),
            "compute_form": ComputeForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def composite_scheme(request: HttpRequest, uuid: object) -> HttpResponse:
    _check(request)
    family = get_visible(RoleFamily.objects.all(), uuid=uuid)
    errors: list[str] = []
    formset = part_formset(
        request.POST if request.method == "POST" else None, scheme_initial(family)
    )
    if request.method == "POST":
        if formset.is_valid():
            try:
                composite_scheme_set(
                    actor=actor_of(request),
                    role_family=family,
                    parts=parts_from_formset(formset),
                )
            except ValidationError as error:
                errors = _messages(error)
            else:
                messages.success(
                    request,
                    _("Composite weights of %(family)s saved.") % {"family": family.name},
                )
                return redirect("reviews:composites")
        else:
            errors = [str(e) for e in formset.non_form_errors()] or [
                _("Check the rows marked below.")
            ]
    return render(
        request,
        "reviews/composite_scheme.html",
        {
            "title": _("Composite weights: %(family)s") % {"family": family.name},
            "family": family,
            "formset": formset,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def composite_scheme_delete(request: HttpRequest, uuid: object) -> HttpResponse:
    _check(request)
    family = get_visible(RoleFamily.objects.all(), uuid=uuid)
    if composite_scheme_remove(actor=actor_of(request), role_family=family):
        messages.success(
            request,
            _("%(family)s now counts the annual review alone.") % {"family": family.name},
        )
    return redirect("reviews:composites")


@login_required
@require_POST
def composite_defaults(request: HttpRequest) -> HttpResponse:
    _check(request)
    created = composite_schemes_install_defaults(actor=actor_of(request))
    if created:
        messages.success(
            request,
            ngettext(
                "Default weights given to %(count)d role family.",
                "Default weights given to %(count)d role families.",
                len(created),
            )
            % {"count": len(created)},
        )
    else:
        messages.info(request, _("Every role family with a default already has its weights."))
    return redirect("reviews:composites")


@login_required
@require_POST
def composite_run(request: HttpRequest, uuid: object) -> HttpResponse:
    cycle = access.access_cycle_for_composite(principal_of(request), uuid)
    form = ComputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep the reason under 500 characters."))
        return redirect("reviews:composites")
    try:
        outcome = composite_compute(
            actor=actor_of(request),
            cycle=cycle,
            reason=form.cleaned_data["reason"],
            freeze=form.cleaned_data["freeze"],
        )
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
        return redirect("reviews:composites")
    messages.success(
        request,
        _("%(cycle)s: %(total)d people, %(changed)d composites new or changed.")
        % {"cycle": cycle.name, "total": outcome.total, "changed": outcome.changed},
    )
    if outcome.held:
        messages.warning(
            request,
            ngettext(
                "%(count)d frozen composite would change and was left as it is: give a "
                "reason to correct it.",
                "%(count)d frozen composites would change and were left as they are: give a "
                "reason to correct them.",
                outcome.held,
            )
            % {"count": outcome.held},
        )
    return redirect("reviews:composites")


urlpatterns: list[URLPattern] = [
    path("composites/", composites, name="composites"),
    path("composites/defaults/", composite_defaults, name="composite_defaults"),
    path("composites/families/<uuid:uuid>/", composite_scheme, name="composite_scheme"),
    path(
        "composites/families/<uuid:uuid>/remove/",
        composite_scheme_delete,
        name="composite_scheme_remove",
    ),
    path("composites/cycles/<uuid:uuid>/compute/", composite_run, name="composite_compute"),
]
