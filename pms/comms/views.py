"""Notification pages: the inbox (with HTMX marking), a person's settings, and for HR the
company's channels and chat robots. Views parse, ask ``pms.comms.access``, call one
service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.comms import access, selectors, services
from pms.comms.events import categories
from pms.comms.forms import CommsSettingsForm, PreferenceForm, RobotForm
from pms.comms.models import Channel, ChatRobot
from pms.comms.notify import company_settings
from pms.core.access import NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org.forms import add_service_errors
from pms.org.models import Department
from pms.org.views import actor_of, is_htmx, posted, principal_of

BADGE_CACHE = "_comms_unread_count"


def unread_count_for(request: HttpRequest) -> int:
    """The header badge's number: one query per request, kept on the request."""
    cached = getattr(request, BADGE_CACHE, None)
    if cached is None:
        cached = selectors.unread_count(access.notifications_visible(principal_of(request)))
        setattr(request, BADGE_CACHE, cached)
    return int(cached)


def _require_inbox(request: HttpRequest) -> None:
    if not access.can_use_inbox(principal_of(request)):
        raise NotFound


def _require_manager(request: HttpRequest) -> None:
    if not access.can_manage_comms(principal_of(request)):
        raise NotFound


# --- the inbox -----------------------------------------------------------------------------


def badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count, fetched by the page after it loads (one query here, none
    in every page). A signed-out visitor gets "not found", which htmx does not swap in, so
    the header stays as it is."""
    if not access.can_use_inbox(principal_of(request)):
        raise NotFound
    return render(request, "comms/_badge_count.html")


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.inbox(
        access.notifications_visible(principal_of(request)), unread_only=unread_only
    )
    return {
        "page": paginate(request, notifications),
        "query": query_without_page(request),
        "unread_only": unread_only,
        "unread_count": unread_count_for(request),
    }


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    return render(request, "comms/inbox.html", _inbox_context(request))


def _item_response(request: HttpRequest, notification: Any) -> HttpResponse:
    setattr(request, BADGE_CACHE, None)
    return render(
        request,
        "comms/_item.html",
        {
            "notification": notification,
            "oob_badge": True,
            "unread_count": unread_count_for(request),
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, uuid: str) -> HttpResponse:
    notification = access.access_notification(principal_of(request), uuid)
    services.notification_mark_read(actor=actor_of(request), notification=notification)
    if is_htmx(request):
        return _item_response(request, notification)
    return redirect("comms:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    count = services.notifications_mark_all_read(actor=actor_of(request))
    if is_htmx(request):
        setattr(request, BADGE_CACHE, None)
        return render(request, "comms/_list.html", {**_inbox_context(request), "oob_badge": True})
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("comms:inbox")


@login_required
def open_notification(request: HttpRequest, uuid: str) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = access.access_notification(principal_of(request), uuid)
    services.notification_mark_read(actor=actor_of(request), notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("comms:inbox")


# --- a person's settings -------------------------------------------------------------------


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    user = request.user
    company = company_settings()
    channels = [
        (value, str(label)) for value, label in Channel.choices if company.channel_on(value)
    ]
    current = services.preference_for(user)  # type: ignore[arg-type]
    kinds = categories()
    initial: dict[str, Any] = {"language": current.language}
    for code, _label in kinds:
        for channel, _l in channels:
            initial[PreferenceForm.field_name(code, channel)] = current.allows(code, channel)
    form = PreferenceForm(posted(request), initial=initial, categories=kinds, channels=channels)
    if request.method == "POST" and form.is_valid():
        # channels the company has switched off keep the person's earlier choice
        hidden = [
            pair
            for pair in current.disabled or []
            if pair.split(":", 1)[-1] not in {c for c, _l in channels}
        ]
        try:
            services.preference_update(
                actor=actor_of(request),
                user=user,  # type: ignore[arg-type]
                disabled=[*form.disabled_pairs(), *hidden],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("comms:preferences")
    return render(
        request,
        "comms/preferences.html",
        {
            "form": form,
            "channels": channels,
            "can_manage": access.can_manage_comms(principal_of(request)),
        },
    )


# --- the company's channels and robots (HR) ------------------------------------------------


@login_required
def channels(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    current = company_settings()
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    form = CommsSettingsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.comms_settings_update(actor=actor_of(request), changes=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The company's notification settings are saved."))
            return redirect("comms:channels")
    robots = selectors.robot_list(access.robots_visible(principal_of(request)))
    return render(
        request,
        "comms/channels.html",
        {"form": form, "robots": robots, "deliveries": selectors.recent_deliveries()},
    )


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("path")


def _robot_changes(form: RobotForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {name: data[name] for name in ("channel", "name", "webhook_url", "secret", "enabled")}


@login_required
def robot_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = RobotForm(posted(request), departments=_departments())
    if request.method == "POST" and form.is_valid():
        try:
            services.robot_create(
                actor=actor_of(request),
                **_robot_changes(form),
                departments=form.cleaned_data["departments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Chat robot added."))
            return redirect("comms:channels")
    return render(request, "comms/robot_form.html", {"form": form, "robot": None})


@login_required
def robot_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    robot = access.access_robot(principal_of(request), uuid)
    initial = {
        "channel": robot.channel,
        "name": robot.name,
        "webhook_url": robot.webhook_url,
        "enabled": robot.enabled,
        "departments": [str(d.uuid) for d in robot.departments.all()],
    }
    form = RobotForm(posted(request), initial=initial, departments=_departments())
    if request.method == "POST" and form.is_valid():
        try:
            services.robot_update(
                actor=actor_of(request),
                robot=robot,
                changes=_robot_changes(form),
                departments=form.cleaned_data["departments"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Chat robot saved."))
            return redirect("comms:channels")
    return render(request, "comms/robot_form.html", {"form": form, "robot": robot})


@login_required
@require_POST
def robot_delete(request: HttpRequest, uuid: str) -> HttpResponse:
    robot = access.access_robot(principal_of(request), uuid)
    services.robot_delete(actor=actor_of(request), robot=robot)
    messages.success(request, _("Chat robot removed."))
    return redirect("comms:channels")


@login_required
@require_POST
def robot_test(request: HttpRequest, uuid: str) -> HttpResponse:
    robot: ChatRobot = access.access_robot(principal_of(request), uuid)
    error = ""
    try:
        services.robot_send_test(actor=actor_of(request), robot=robot)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        return render(request, "comms/_test_result.html", {"error": error, "robot": robot})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Test message sent."))
    return redirect("comms:channels")
