"""Review cycle pages: the list, one cycle, its form, the participants' preview, the launch
and its progress, the phase actions, and HR's page of the people in a cycle.

Refusals: "not found" for people outside the company and for drafts to everybody but HR;
"forbidden" for a colleague asking for HR's page or action on a cycle they can see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate, query_without_page
from pms.goals import access as goals_access
from pms.org import access as org_access
from pms.org.forms import add_service_errors
from pms.org.models import Position, RoleFamily
from pms.org.roles import Principal
from pms.org.selectors import department_choices
from pms.org.views import actor_of, posted, principal_of
from pms.reviews import access
from pms.reviews.models import Cycle, CycleStatus, Review
from pms.reviews.phases import next_phase
from pms.reviews.selectors import cycles as selectors
from pms.reviews.services import cycles as services
from pms.reviews.services import launch as launching
from pms.reviews.services import phases as phase_services
from pms.reviews.services.participation import conditions, template_choice
from pms.reviews.views.cycle_forms import (
    AddPersonForm,
    CycleForm,
    DeadlineForm,
    ExtendForm,
    OptionalReasonForm,
    ReasonForm,
)

PER_PAGE = 50
PREVIEW_TABS = ("people", "left_out", "no_template")


def _require_cycle_admin(principal: Principal) -> None:
    """HR's cycle pages: unknown to outsiders, forbidden to colleagues."""
    if not org_access.is_member(principal):
        raise NotFound
    if not access.can_manage_cycles(principal):
        raise Forbidden


def _cycle_for_admin(principal: Principal, uuid: object) -> Cycle:
    cycle = access.access_cycle(principal, uuid)
    if not access.can_manage_cycles(principal):
        raise Forbidden
    return cycle


def _form(principal: Principal, data: Any, initial: dict[str, Any] | None = None) -> CycleForm:
    return CycleForm(
        data,
        initial=initial,
        periods=goals_access.periods_visible(principal).order_by("-start", "name"),
        templates=selectors.template_options(),
        departments=department_choices(org_access.departments_visible(principal)),
        role_families=RoleFamily.objects.order_by("sort_order", "code"),
        positions=Position.objects.filter(is_active=True).order_by("code"),
    )


def _form_page(request: HttpRequest, form: CycleForm, **context: Any) -> HttpResponse:
    return render(
        request,
        "reviews/cycle_form.html",
        {"form": form, **context},
        status=400 if request.method == "POST" else 200,
    )


# --- list and detail --------------------------------------------------------------------------


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    page = paginate(
        request, selectors.cycle_list(access.cycles_visible(principal)), per_page=PER_PAGE
    )
    return render(
        request,
        "reviews/cycle_list.html",
        {
            "page": page,
            "can_manage": access.can_manage_cycles(principal),
            "can_run": access.can_run_reviews(principal),
            "title": _("Review cycles"),
        },
    )


@login_required
@require_GET
def cycle_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = access.access_cycle(principal, uuid)
    can_manage = access.can_manage_cycles(principal)
    following = next_phase(cycle.phase)
    context: dict[str, Any] = {
        "cycle": cycle,
        "phases": selectors.cycle_phases(cycle),
        "counts": selectors.cycle_counts(cycle),
        "can_manage": can_manage,
        "can_monitor": access.can_monitor_cycle(principal, cycle),
        "can_run": access.can_run_reviews(principal) and cycle.status != CycleStatus.DRAFT,
        "next_phase": following,
        "title": cycle.name,
    }
    if can_manage:
        context["deadline_form"] = DeadlineForm(initial={"phase": cycle.phase})
        context["close_form"] = OptionalReasonForm()
        if cycle.status == CycleStatus.DRAFT:
            context["progress"] = selectors.launch_progress(cycle)
    return render(request, "reviews/cycle_detail.html", context)


# --- create and edit --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_cycle_admin(principal)
    form = _form(principal, posted(request), initial={"subtree": True, "exclude_on_leave": True})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=actor_of(request), **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Cycle created; check who takes part before launching."))
            return redirect("reviews:cycle_preview", uuid=cycle.uuid)
    return _form_page(
        request,
        form,
        title=_("New review cycle"),
        submit_label=_("Create"),
        cancel_url=reverse("reviews:cycles"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = _cycle_for_admin(principal, uuid)
    if cycle.status != CycleStatus.DRAFT:
        messages.error(request, _("Only a cycle being prepared can be changed."))
        return redirect("reviews:cycle", uuid=cycle.uuid)
    form = _form(principal, posted(request), initial=CycleForm.initial_for(cycle))
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(actor=actor_of(request), cycle=cycle, changes=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Cycle saved."))
            return redirect("reviews:cycle", uuid=cycle.uuid)
    return _form_page(
        request,
        form,
        cycle=cycle,
        title=_("Edit %(name)s") % {"name": cycle.name},
        submit_label=_("Save"),
        cancel_url=reverse("reviews:cycle", args=[cycle.uuid]),
    )


# --- preview and launch -----------------------------------------------------------------------


@login_required
@require_GET
def cycle_preview(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = _cycle_for_admin(principal, uuid)
    tab = request.GET.get("show", "people")
    if tab not in PREVIEW_TABS:
        tab = "people"
    cond = conditions(cycle)
    choice = template_choice(cycle)
    if tab == "left_out":
        page = paginate(request, selectors.preview_left_out(cycle, cond), per_page=PER_PAGE)
        rows = selectors.with_reasons(page.object_list)
    elif tab == "no_template":
        page = paginate(
            request, selectors.preview_without_template(cycle, choice), per_page=PER_PAGE
        )
        rows = list(page.object_list)
    else:
        page = paginate(request, selectors.preview_people(cycle, cond), per_page=PER_PAGE)
        rows = selectors.with_templates(page.object_list, choice)
    return render(
        request,
        "reviews/cycle_preview.html",
        {
            "cycle": cycle,
            "preview": selectors.participants_preview(cycle, cond, choice),
            "tab": tab,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_launch": cycle.status == CycleStatus.DRAFT and not launching.is_launching(cycle),
            "title": _("Who takes part in %(name)s") % {"name": cycle.name},
        },
    )


@login_required
@require_POST
def cycle_launch(request: HttpRequest, uuid: object) -> HttpResponse:
    cycle = _cycle_for_admin(principal_of(request), uuid)
    try:
        cycle = launching.cycle_launch(actor=actor_of(request), cycle=cycle)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("reviews:cycle_preview", uuid=cycle.uuid)
    if cycle.status == CycleStatus.RUNNING:
        messages.success(request, _("The cycle is running."))
        return redirect("reviews:cycle", uuid=cycle.uuid)
    return redirect("reviews:cycle_launch_status", uuid=cycle.uuid)


@login_required
@require_GET
def cycle_launch_status(request: HttpRequest, uuid: object) -> HttpResponse:
    """The launch's progress: the page, or (HTMX) the part that polls itself."""
    cycle = _cycle_for_admin(principal_of(request), uuid)
    context = {"cycle": cycle, "progress": selectors.launch_progress(cycle)}
    if is_htmx(request):
        return render(request, "reviews/cycle_launch_progress.html", context)
    return render(
        request,
        "reviews/cycle_launch.html",
        {**context, "title": _("Launching %(name)s") % {"name": cycle.name}},
    )


# --- phases -----------------------------------------------------------------------------------


def _service_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def cycle_advance(request: HttpRequest, uuid: object) -> HttpResponse:
    cycle = _cycle_for_admin(principal_of(request), uuid)
    try:
        phase_services.cycle_advance(actor=actor_of(request), cycle=cycle)
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, _("%(phase)s is open.") % {"phase": cycle.get_phase_display()})
    return redirect("reviews:cycle", uuid=cycle.uuid)


@login_required
@require_POST
def cycle_close(request: HttpRequest, uuid: object) -> HttpResponse:
    cycle = _cycle_for_admin(principal_of(request), uuid)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reviews:cycle", uuid=cycle.uuid)
    try:
        phase_services.cycle_close(
            actor=actor_of(request), cycle=cycle, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, _("The cycle is closed."))
    return redirect("reviews:cycle", uuid=cycle.uuid)


@login_required
@require_POST
def cycle_deadline(request: HttpRequest, uuid: object) -> HttpResponse:
    cycle = _cycle_for_admin(principal_of(request), uuid)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reviews:cycle", uuid=cycle.uuid)
    try:
        phase_services.phase_deadline_set(
            actor=actor_of(request),
            cycle=cycle,
            phase=form.cleaned_data["phase"],
            opens_on=form.cleaned_data.get("opens_on"),
            deadline=form.cleaned_data.get("deadline"),
        )
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, _("Phase dates saved."))
    return redirect("reviews:cycle", uuid=cycle.uuid)


# --- people in a running cycle ----------------------------------------------------------------


def _cycle_for_runner(principal: Principal, uuid: object) -> Cycle:
    cycle = access.access_cycle(principal, uuid)
    if not access.can_run_reviews(principal) or cycle.status == CycleStatus.DRAFT:
        raise Forbidden
    return cycle


def _people_page(
    request: HttpRequest,
    principal: Principal,
    cycle: Cycle,
    *,
    add_form: AddPersonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    reviews = selectors.cycle_reviews(access.monitor_reviews(principal, cycle), search=search)
    page = paginate(request, reviews, per_page=PER_PAGE)
    can_add = access.can_add_to_cycle(principal, cycle)
    return render(
        request,
        "reviews/cycle_people.html",
        {
            "cycle": cycle,
            "page": page,
            "q": search,
            "query": query_without_page(request),
            "can_add": can_add,
            "add_form": add_form
            or (AddPersonForm(people=access.people_addable(principal)) if can_add else None),
            # one copy per row of the list, so without ids
            "extend_form": ExtendForm(initial={"phase": cycle.phase}, auto_id=False),
            "reason_form": ReasonForm(auto_id=False),
            "title": _("People in %(name)s") % {"name": cycle.name},
        },
        status=status,
    )


@login_required
@require_GET
def cycle_people(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    return _people_page(request, principal, _cycle_for_runner(principal, uuid))


@login_required
@require_POST
def cycle_person_add(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = _cycle_for_runner(principal, uuid)
    if not access.can_add_to_cycle(principal, cycle):
        raise Forbidden
    form = AddPersonForm(request.POST, people=access.people_addable(principal))
    if form.is_valid():
        try:
            phase_services.review_add(
                actor=actor_of(request),
                cycle=cycle,
                employee=form.cleaned_data["number"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"employee": "number"})
        else:
            messages.success(
                request, _("%(name)s now takes part.") % {"name": form.cleaned_data["number"].name}
            )
            return redirect("reviews:cycle_people", uuid=cycle.uuid)
    return _people_page(request, principal, cycle, add_form=form, status=400)


def _review_to_manage(principal: Principal, uuid: object) -> Review:
    review = access.access_review(principal, uuid)
    if not access.can_manage_review(principal, review):
        raise Forbidden
    return review


@login_required
@require_POST
def cycle_review_extend(request: HttpRequest, uuid: object) -> HttpResponse:
    review = _review_to_manage(principal_of(request), uuid)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            phase_services.phase_extend_for(
                actor=actor_of(request),
                review=review,
                phase=form.cleaned_data["phase"],
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(
                request,
                _("The phase is open for %(name)s until %(until)s.")
                % {"name": review.employee.name, "until": form.cleaned_data["until"]},
            )
    else:
        _form_errors(request, form)
    return redirect("reviews:cycle_people", uuid=review.cycle.uuid)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _set_status(request: HttpRequest, uuid: object, *, remove: bool) -> HttpResponse:
    review = _review_to_manage(principal_of(request), uuid)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = phase_services.review_remove if remove else phase_services.review_restore
        try:
            service(actor=actor_of(request), review=review, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _service_errors(request, error)
        else:
            text = _("%(name)s is out of the cycle.") if remove else _("%(name)s takes part again.")
            messages.success(request, text % {"name": review.employee.name})
    else:
        _form_errors(request, form)
    return redirect("reviews:cycle_people", uuid=review.cycle.uuid)


@login_required
@require_POST
def cycle_review_remove(request: HttpRequest, uuid: object) -> HttpResponse:
    return _set_status(request, uuid, remove=True)


@login_required
@require_POST
def cycle_review_restore(request: HttpRequest, uuid: object) -> HttpResponse:
    return _set_status(request, uuid, remove=False)


urlpatterns: list[URLPattern] = [
    path("cycles/", cycle_list, name="cycles"),
    path("cycles/new/", cycle_create, name="cycle_create"),
    path("cycles/<uuid:uuid>/", cycle_detail, name="cycle"),
    path("cycles/<uuid:uuid>/edit/", cycle_edit, name="cycle_edit"),
    path("cycles/<uuid:uuid>/preview/", cycle_preview, name="cycle_preview"),
    path("cycles/<uuid:uuid>/launch/", cycle_launch, name="cycle_launch"),
    path("cycles/<uuid:uuid>/launch/status/", cycle_launch_status, name="cycle_launch_status"),
    path("cycles/<uuid:uuid>/advance/", cycle_advance, name="cycle_advance"),
    path("cycles/<uuid:uuid>/close/", cycle_close, name="cycle_close"),
    path("cycles/<uuid:uuid>/deadline/", cycle_deadline, name="cycle_deadline"),
    path("cycles/<uuid:uuid>/people/", cycle_people, name="cycle_people"),
    path("cycles/<uuid:uuid>/people/add/", cycle_person_add, name="cycle_person_add"),
    path("cycles/reviews/<uuid:uuid>/extend/", cycle_review_extend, name="cycle_review_extend"),
    path("cycles/reviews/<uuid:uuid>/remove/", cycle_review_remove, name="cycle_review_remove"),
    path("cycles/reviews/<uuid:uuid>/restore/", cycle_review_restore, name="cycle_review_restore"),
]
