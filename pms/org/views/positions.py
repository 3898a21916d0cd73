"""Positions from job analysis: list, detail, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org import access, selectors, services
from pms.org.forms import PositionEditForm, PositionFilterForm, PositionForm, add_service_errors
from pms.org.views import actor_of, posted, principal_of

POSITIONS_PER_PAGE = 50


@login_required
def position_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    form = PositionFilterForm(
        request.GET,
        departments=selectors.department_choices(access.departments_visible(principal)),
    )
    page = paginate(
        request,
        selectors.position_list(access.positions_visible(principal), **form.filters()),
        per_page=POSITIONS_PER_PAGE,
    )
    return render(
        request,
        "org/position_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_change": access.can_change_positions(principal),
            "title": _("Positions"),
        },
    )


@login_required
def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    position = access.access_position(principal, uuid)
    can_change = access.can_change_positions(principal)
    return render(
        request,
        "org/position_detail.html",
        {
            "position": position,
            "headcount": selectors.position_headcount(position),
            "can_change": can_change,
            "entries": selectors.history(position) if can_change else None,
            "title": position.title,
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    if not access.can_change_positions(principal):
        raise Forbidden
    form = PositionForm(
        posted(request),
        initial={"department": request.GET.get("department")},
        departments=selectors.department_choices(access.departments_visible(principal)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            position = services.position_create(actor=actor_of(request), **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Position created."))
            return redirect("org:position", uuid=position.uuid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("New position"),
            "submit_label": _("Create"),
            "cancel_url": reverse("org:positions"),
        },
    )


@login_required
def edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    position = access.access_position_for_change(principal, uuid)
    form = PositionEditForm(
        posted(request),
        initial=PositionEditForm.initial_for(position),
        departments=selectors.department_choices(access.departments_visible(principal)),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(position)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("org:position", uuid=position.uuid)
        try:
            services.position_update(
                actor=actor_of(request),
                position=position,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            position.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, _("Position saved."))
            return redirect("org:position", uuid=position.uuid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("Edit %(title)s") % {"title": position.title},
            "submit_label": _("Save"),
            "cancel_url": reverse("org:position", args=[position.uuid]),
        },
    )
