from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.accounts import services
from pms.accounts.forms import ApiTokenForm
from pms.accounts.models import ApiToken
from pms.core.access import NotFound, get_visible
from pms.core.audit import Actor
from pms.org import access as org_access


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    if not org_access.can_manage_tokens(principal):
        raise NotFound
    new_token = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(
                actor=Actor(user=request.user),  # type: ignore[arg-type]
                user=form.cleaned_data["username"],
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Token created. Copy it now: it is shown only once."))
            form = ApiTokenForm()
    token_list = ApiToken.objects.select_related("user", "created_by").all()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": token_list, "new_token": new_token},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    if not org_access.can_manage_tokens(principal):
        raise NotFound
    token = get_visible(ApiToken.objects.all(), uuid=uuid)
    services.api_token_revoke(
        actor=Actor(user=request.user),  # type: ignore[arg-type]
        token=token,
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
