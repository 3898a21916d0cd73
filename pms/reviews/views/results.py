"""Result pages: my results, one review's result with "how was this computed" (and its PDF),
the manager's team side by side, HR's results of a cycle (recompute, freeze, progress) and
HR's logged look-up of who wrote anonymous ratings.

Refusals: a review nobody may see is "not found"; the reviewee's own result before the
cycle reaches the results phase, and recomputing for anybody but company-wide HR, are
"forbidden". The identity page is "not found" unless the company allows it and the user is
company-wide HR.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate
from pms.goals.letter import LetterFontMissing
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.reviews import access
from pms.reviews.models import Cycle, Review
from pms.reviews.result_pdf import result_filename, result_pdf
from pms.reviews.selectors import results as selectors
from pms.reviews.selectors.anonymity import anonymous_identities
from pms.reviews.services import recompute as services
from pms.reviews.services.identity import identity_access_record


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required once the results are frozen; kept in the audit log."),
    )


class IdentityReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see who wrote these ratings?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Recorded with your name and the time, and audited."),
    )


# --- my results ----------------------------------------------------------------------------


@login_required
@require_GET
def my_results(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    return render(
        request,
        "reviews/result_mine.html",
        {"rows": selectors.my_review_rows(principal), "title": _("My results")},
    )


# --- one review ----------------------------------------------------------------------------


def _review_result(principal: Principal, uuid: str) -> Review:
    review = access.access_review(principal, uuid)
    if not access.can_see_result(principal, review):
        raise Forbidden(_("The result is shown once the cycle reaches the results phase."))
    return review


def _result_context(
    principal: Principal, review: Review, *, form: ReasonForm | None = None
) -> dict[str, Any]:
    can_recompute = access.can_recompute_results(principal, review.cycle)
    page = selectors.result_page(principal, review, with_editions=can_recompute)
    return {
        "page": page,
        "review": review,
        "explained": page.explained,
        "ratings": page.ratings,
        "show_states": not access.is_reviewee(principal, review),
        "can_recompute": can_recompute,
        "can_identities": access.can_access_identities(principal, review),
        "form": form or (ReasonForm() if can_recompute else None),
        "title": _("Result: %(name)s · %(cycle)s")
        % {"name": review.employee.name, "cycle": review.cycle.name},
    }


@login_required
@require_GET
def result(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = _review_result(principal, uuid)
    return render(request, "reviews/result_detail.html", _result_context(principal, review))


@login_required
@require_GET
def result_print(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = _review_result(principal, uuid)
    page = selectors.result_page(principal, review)
    try:
        content = result_pdf(page)
    except LetterFontMissing as error:
        return render(
            request,
            "reviews/result_unavailable.html",
            {"review": review, "text": str(error), "title": _("The result cannot be printed")},
            status=503,
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(result_filename(page))}"
    return response


@login_required
@require_POST
def result_recompute(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_recompute_results(principal, review.cycle):
        raise Forbidden
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.result_recompute(
                actor=actor_of(request), review=review, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The result was computed again."))
            return redirect("reviews:result", uuid=review.uuid)
    return render(
        request,
        "reviews/result_detail.html",
        _result_context(principal, review, form=form),
        status=400,
    )


@login_required
def result_identities(request: HttpRequest, uuid: str) -> HttpResponse:
    """HR enters a reason; only after it is recorded are the names shown (on this answer,
    never on a page one could come back to)."""
    principal = principal_of(request)
    review = access.access_review_for_identities(principal, uuid)
    form = IdentityReasonForm(request.POST if request.method == "POST" else None)
    rows = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                identity_access_record(
                    actor=actor_of(request), review=review, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                rows = anonymous_identities(review)
        if rows is None:
            status = 400
    return render(
        request,
        "reviews/result_identities.html",
        {
            "review": review,
            "form": form,
            "rows": rows,
            "title": _("Who wrote the anonymous ratings"),
        },
        status=status,
    )


# --- the manager's team --------------------------------------------------------------------


@login_required
@require_GET
def team_reviews(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_reviews(principal):
        raise NotFound
    cycles = list(access.team_cycles(principal).order_by("-start", "name")[:50])
    return render(
        request,
        "reviews/review_team_cycles.html",
        {"cycles": cycles, "title": _("Team reviews")},
    )


@login_required
@require_GET
def team_cycle(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_team_reviews(principal):
        raise NotFound
    cycle = access.access_cycle(principal, uuid)
    page = paginate(request, selectors.team_reviews_for(principal, cycle))
    return render(
        request,
        "reviews/review_team.html",
        {
            "cycle": cycle,
            "page": page,
            "rows": selectors.team_rows(list(page.object_list)),
            "title": _("Team reviews: %(cycle)s") % {"cycle": cycle.name},
        },
    )


# --- HR: a cycle's results -----------------------------------------------------------------


def _cycle_for_results(principal: Principal, uuid: str) -> Cycle:
    cycle = access.access_cycle(principal, uuid)
    if not access.can_see_cycle_results(principal, cycle):
        raise Forbidden
    return cycle


def _cycle_page(
    request: HttpRequest,
    principal: Principal,
    cycle: Cycle,
    *,
    recompute_form: ReasonForm | None = None,
    freeze_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    summary = selectors.cycle_results(principal, cycle)
    return render(
        request,
        "reviews/result_cycle.html",
        {
            "cycle": cycle,
            "summary": summary,
            "page": paginate(request, selectors.cycle_results_rows(principal, cycle)),
            "can_recompute": access.can_recompute_results(principal, cycle),
            "recompute_form": recompute_form or ReasonForm(prefix="recompute"),
            "freeze_form": freeze_form or ReasonForm(prefix="freeze"),
            "title": _("Results: %(cycle)s") % {"cycle": cycle.name},
        },
        status=status,
    )


@login_required
@require_GET
def cycle_results(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return _cycle_page(request, principal, _cycle_for_results(principal, uuid))


@login_required
@require_POST
def cycle_recompute(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    cycle = _cycle_for_results(principal, uuid)
    if not access.can_recompute_results(principal, cycle):
        raise Forbidden
    freeze = request.POST.get("action") == "freeze"
    form = ReasonForm(request.POST, prefix="freeze" if freeze else "recompute")
    if form.is_valid():
        start = services.results_freeze if freeze else services.recompute_start
        try:
            start(actor=actor_of(request), cycle=cycle, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The results are being frozen.")
                if freeze
                else _("The results are being computed again."),
            )
            return redirect("reviews:cycle_results", uuid=cycle.uuid)
    forms_given = {"freeze_form": form} if freeze else {"recompute_form": form}
    return _cycle_page(request, principal, cycle, status=400, **forms_given)


@login_required
@require_GET
def recompute_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    """The progress fragment HR's page polls while a recomputation runs."""
    run = access.access_recompute_run(principal_of(request), uuid)
    return render(request, "reviews/result_progress.html", {"run": run})


urlpatterns: list[URLPattern] = [
    path("results/", my_results, name="my_results"),
    path("results/<uuid:uuid>/", result, name="result"),
    path("results/<uuid:uuid>/print/", result_print, name="result_print"),
    path("results/<uuid:uuid>/recompute/", result_recompute, name="result_recompute"),
    path("results/<uuid:uuid>/identities/", result_identities, name="result_identities"),
    path("team/", team_reviews, name="team_reviews"),
    path("team/<uuid:uuid>/", team_cycle, name="team_cycle"),
    path("cycles/<uuid:uuid>/results/", cycle_results, name="cycle_results"),
    path("cycles/<uuid:uuid>/results/start/", cycle_recompute, name="cycle_recompute"),
    path("recomputations/<uuid:uuid>/", recompute_progress, name="recompute_progress"),
]
