"""Granted roles (HR admin / HRBP scope, committee, executive, system admin): system admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import NotFound, get_visible
from pms.core.audit import Actor
from pms.org import access, services
from pms.org.forms import add_service_errors
from pms.org.forms_roles import RoleGrantForm
from pms.org.models import RoleGrant


def _require_admin(request: HttpRequest) -> None:
    if not access.can_manage_roles(request.principal):  # type: ignore[attr-defined]
        raise NotFound


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant(
                actor=Actor(user=request.user),  # type: ignore[arg-type]
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                departments=form.cleaned_data["departments"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("org:roles")
    grants = (
        RoleGrant.objects.select_related("user", "user__employee", "granted_by")
        .prefetch_related("departments")
        .order_by("role", "user__username")
    )
    return render(request, "org/roles.html", {"form": form, "grants": grants})


@login_required
@require_POST
def role_revoke(request: HttpRequest, uuid: str) -> HttpResponse:
    _require_admin(request)
    grant = get_visible(RoleGrant.objects.select_related("user"), uuid=uuid)
    services.role_revoke(
        actor=Actor(user=request.user),  # type: ignore[arg-type]
        grant=grant,
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("Role revoked."))
    return redirect("org:roles")
