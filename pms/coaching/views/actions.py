"""Open action items: mine, and my team's for managers; marked done (or dropped) in place."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.coaching import access, selectors
from pms.coaching.forms import ActionDoneForm
from pms.coaching.services import checkins as services
from pms.coaching.views import actor_of, is_htmx, principal_of
from pms.core.access import Forbidden, NotFound
from pms.org.access import is_member

LIST_SIZE = 100


@login_required
def action_items(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    me = principal.employee
    if not is_member(principal) or me is None:
        raise NotFound
    visible = access.action_items_visible(principal)
    team = access.my_team_action_items(principal)
    return render(
        request,
        "coaching/actions.html",
        {
            "mine": list(selectors.open_action_items(visible.filter(owner=me))[:LIST_SIZE]),
            "team": list(selectors.open_action_items(team)[:LIST_SIZE]),
            "is_manager": principal.is_manager,
            "today": timezone.localdate(),
            "title": _("Action items"),
        },
    )


def _answer(request: HttpRequest, uuid: str, drop: bool) -> HttpResponse:
    principal = principal_of(request)
    item = access.access_action_item(principal, uuid)
    if not access.can_update_action(principal, item):
        raise Forbidden
    form = ActionDoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    error = ""
    try:
        if drop:
            services.action_item_drop(actor=actor_of(request), item=item, note=note)
        else:
            services.action_item_complete(actor=actor_of(request), item=item, note=note)
    except ValidationError as problem:
        error = " ".join(problem.messages)
    if is_htmx(request):
        return render(
            request,
            "coaching/_action_row.html",
            {"item": item, "error": error, "today": timezone.localdate()},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Action item dropped.") if drop else _("Action item done."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/coaching/") else "coaching:actions")


@login_required
@require_POST
def action_done(request: HttpRequest, uuid: str) -> HttpResponse:
    return _answer(request, uuid, drop=False)


@login_required
@require_POST
def action_drop(request: HttpRequest, uuid: str) -> HttpResponse:
    return _answer(request, uuid, drop=True)


urlpatterns: list[URLPattern] = [
    path("actions/", action_items, name="actions"),
    path("actions/<uuid:uuid>/done/", action_done, name="action_done"),
    path("actions/<uuid:uuid>/drop/", action_drop, name="action_drop"),
]
