"""Calibration sessions: the list, preparing one (create, edit with its distribution,
members, delete), opening it, its page and closing it.

Refusals: "not found" for people outside the company and for sessions they may not see
(a member sees a session once it is opened); "forbidden" for a visible session's set-up
to those who may only sit on it, and for creating one to colleagues who are not HR.
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

from pms.calibration import access
from pms.calibration.distribution import default_rule_data, deviations_of_session
from pms.calibration.forms import (
    CloseForm,
    MemberForm,
    RulesForm,
    SessionForm,
    distribution_formset,
    rows_from_formset,
)
from pms.calibration.models import CalibrationSession, SessionMember, SessionStatus
from pms.calibration.selectors import sessions as selectors
from pms.calibration.services import sessions as services
from pms.calibration.views.common import service_messages, session_page, status_context
from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate
from pms.org import access as org_access
from pms.org.forms import add_service_errors
from pms.org.models import RoleFamily
from pms.org.roles import Principal
from pms.org.views import actor_of, posted, principal_of

PER_PAGE = 50


def _require_runner(principal: Principal) -> None:
    """Creating a session: unknown to outsiders, forbidden to colleagues who are not HR."""
    if not org_access.is_member(principal):
        raise NotFound
    if not access.can_run_calibration(principal):
        raise Forbidden


def _session_form(principal: Principal, data: Any, *, create: bool, **kwargs: Any) -> SessionForm:
    return SessionForm(
        data,
        cycles=access.cycles_for_sessions(principal).order_by("-start", "name") if create else None,
        departments=access.departments_for_sessions(principal).order_by("path"),
        role_families=RoleFamily.objects.order_by("sort_order", "code"),
        **kwargs,
    )


# --- list -------------------------------------------------------------------------------------


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    page = paginate(
        request, selectors.session_list(access.sessions_visible(principal)), per_page=PER_PAGE
    )
    return render(
        request,
        "calibration/session_list.html",
        {
            "page": page,
            "can_create": access.can_run_calibration(principal),
            "can_settings": access.can_manage_settings(principal),
            "title": _("Calibration sessions"),
        },
    )


# --- create, edit, delete ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_runner(principal)
    initial = {
        "subtree": True,
        "facilitator": principal.user.get_username() if principal.user else "",
    }
    form = _session_form(principal, posted(request), create=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                actor=actor_of(request),
                cycle=data["cycle"],
                name=data["name"],
                departments=data["departments"],
                subtree=data["subtree"],
                role_family=data["role_family"],
                facilitator=data["facilitator"],
                allowed_departments=access.departments_for_sessions(principal),
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Session created; seat its members, then open it for calibration.")
            )
            return redirect("calibration:session", uuid=session.uuid)
    return render(
        request,
        "calibration/session_form.html",
        {"form": form, "title": _("New calibration session"), "create": True},
        status=400 if request.method == "POST" else 200,
    )


def _edit_initial(session: CalibrationSession) -> dict[str, Any]:
    facilitator = session.facilitator
    return {
        "name": session.name,
        "departments": list(session.departments.all()),
        "subtree": session.subtree,
        "role_family": session.role_family,
        "facilitator": facilitator.get_username(),
        "note": session.note,
    }


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    session = access.access_session_for_setup(principal, uuid)
    if session.status != SessionStatus.DRAFT:
        messages.error(request, _("Only a session that has not been opened can be changed."))
        return redirect("calibration:session", uuid=session.uuid)
    data = posted(request)
    form = _session_form(principal, data, create=False, initial=_edit_initial(session))
    rules = RulesForm(
        data,
        initial={"min_group_size": session.min_group_size, "enforcement": session.enforcement},
    )
    formset = distribution_formset(data, session.distribution or default_rule_data())
    rule_errors: list[str] = []
    if data is not None:
        valid = [form.is_valid(), rules.is_valid(), formset.is_valid()]
        if all(valid):
            values = form.cleaned_data
            try:
                services.session_update(
                    actor=actor_of(request),
                    session=session,
                    name=values["name"],
                    departments=values["departments"],
                    subtree=values["subtree"],
                    role_family=values["role_family"],
                    facilitator=values["facilitator"],
                    distribution=rows_from_formset(formset),
                    min_group_size=rules.cleaned_data["min_group_size"],
                    enforcement=rules.cleaned_data["enforcement"],
                    allowed_departments=access.departments_for_sessions(principal),
                    note=values["note"],
                )
            except ValidationError as error:
                found = dict(error.message_dict) if hasattr(error, "error_dict") else {}
                rule_errors = list(found.pop("distribution", []))
                for name in ("min_group_size", "enforcement"):
                    for message in found.pop(name, []):
                        rules.add_error(name, message)
                if found or not hasattr(error, "error_dict"):
                    add_service_errors(form, ValidationError(found) if found else error)
            else:
                messages.success(request, _("Session saved."))
                return redirect("calibration:session", uuid=session.uuid)
        elif not valid[2]:
            rule_errors = [str(e) for e in formset.non_form_errors()] or [
                _("Check the grades marked below.")
            ]
    return render(
        request,
        "calibration/session_form.html",
        {
            "form": form,
            "rules": rules,
            "formset": formset,
            "rule_errors": rule_errors,
            "session": session,
            "title": _("Edit %(name)s") % {"name": session.name},
            "create": False,
        },
        status=400 if data is not None else 200,
    )


@login_required
@require_POST
def session_delete(request: HttpRequest, uuid: object) -> HttpResponse:
    session = access.access_session_for_setup(principal_of(request), uuid)
    try:
        services.session_delete(actor=actor_of(request), session=session)
    except ValidationError as error:
        for message in service_messages(error):
            messages.error(request, message)
        return redirect("calibration:session", uuid=session.uuid)
    messages.success(request, _("Session %(name)s deleted.") % {"name": session.name})
    return redirect("calibration:sessions")


# --- members ----------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest, session: CalibrationSession, form: MemberForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "calibration/members.html",
        {
            "session": session,
            "members": selectors.session_members(session),
            "form": form,
            "title": _("Members of %(name)s") % {"name": session.name},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_members(request: HttpRequest, uuid: object) -> HttpResponse:
    session = access.access_session_for_setup(principal_of(request), uuid)
    form = MemberForm(posted(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                member = services.member_add(
                    actor=actor_of(request),
                    session=session,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s sits on the session as %(role)s.")
                    % {"name": member.user.display_name, "role": member.get_role_display()},
                )
                return redirect("calibration:members", uuid=session.uuid)
        return _members_page(request, session, form, status=400)
    return _members_page(request, session, form)


@login_required
@require_POST
def member_remove(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    member = get_visible(
        SessionMember.objects.select_related("session", "user").filter(
            session__in=access.sessions_visible(principal)
        ),
        uuid=uuid,
    )
    session = member.session
    if not access.can_setup_session(principal, session):
        raise Forbidden
    try:
        services.member_remove(actor=actor_of(request), member=member)
    except ValidationError as error:
        for message in service_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s no longer sits on the session.") % {"name": member.user.display_name},
        )
    return redirect("calibration:members", uuid=session.uuid)


# --- the session: open, page, close -----------------------------------------------------------


@login_required
@require_POST
def session_open(request: HttpRequest, uuid: object) -> HttpResponse:
    session = access.access_session_for_setup(principal_of(request), uuid)
    try:
        report = services.session_open(actor=actor_of(request), session=session)
    except ValidationError as error:
        for message in service_messages(error):
            messages.error(request, message)
        return redirect("calibration:session", uuid=session.uuid)
    text = _("The session is open with %(added)s people.") % {"added": report.added}
    if report.skipped:
        text += " " + _(
            "%(skipped)s already calibrated in another session of the cycle stay there."
        ) % {"skipped": report.skipped}
    messages.success(request, text)
    return redirect("calibration:session", uuid=session.uuid)


@login_required
@require_GET
def session_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    return session_page(request, principal, access.access_session(principal, uuid))


@login_required
@require_GET
def session_status(request: HttpRequest, uuid: object) -> HttpResponse:
    """The distribution panel, grade counts and close form (the part a change reloads)."""
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    if not is_htmx(request) or session.status == SessionStatus.DRAFT:
        return redirect("calibration:session", uuid=session.uuid)
    entries = access.entries_visible(principal, session)
    pools = deviations_of_session(session, entries=entries)
    return render(
        request,
        "calibration/_status.html",
        {
            "session": session,
            **status_context(
                principal, session, entries, pools, all_pools=request.GET.get("pools") == "all"
            ),
        },
    )


@login_required
@require_POST
def session_close(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    session = access.access_session_for_setup(principal, uuid)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.session_close(
                actor=actor_of(request), session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session is closed; its grades are locked."))
            return redirect("calibration:session", uuid=session.uuid)
    session.refresh_from_db()
    return session_page(request, principal, session, close_form=form, status=422)


def session_url(session: CalibrationSession) -> str:
    return reverse("calibration:session", kwargs={"uuid": session.uuid})


urlpatterns: list[URLPattern] = [
    path("", session_list, name="sessions"),
    path("new/", session_create, name="session_create"),
    path("<uuid:uuid>/", session_detail, name="session"),
    path("<uuid:uuid>/edit/", session_edit, name="session_edit"),
    path("<uuid:uuid>/delete/", session_delete, name="session_delete"),
    path("<uuid:uuid>/members/", session_members, name="members"),
    path("members/<uuid:uuid>/remove/", member_remove, name="member_remove"),
    path("<uuid:uuid>/open/", session_open, name="session_open"),
    path("<uuid:uuid>/status/", session_status, name="session_status"),
    path("<uuid:uuid>/close/", session_close, name="session_close"),
]
