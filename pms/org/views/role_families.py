"""Role families (岗位序列): listed for members, configured by org admins."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.audit import Actor
from pms.org import access, services
from pms.org.forms import add_service_errors
from pms.org.models import RoleFamily


class RoleFamilyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, initial=0)


@login_required
def family_list(request: HttpRequest) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    if not access.is_member(principal):
        raise NotFound
    can_change = access.can_change_positions(principal)
    form = RoleFamilyForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            raise Forbidden
        if form.is_valid():
            try:
                services.role_family_create(
                    actor=Actor(user=request.user),  # type: ignore[arg-type]
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                    sort_order=form.cleaned_data["sort_order"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Role family added."))
                return redirect("org:role_families")
    families = RoleFamily.objects.annotate(position_count=Count("positions"))
    return render(
        request,
        "org/role_families.html",
        {"families": families, "form": form, "can_change": can_change},
    )


@login_required
def family_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    if not access.is_member(principal):
        raise NotFound
    family = get_visible(RoleFamily.objects.all(), uuid=uuid)
    if not access.can_change_positions(principal):
        raise Forbidden
    form = RoleFamilyForm(
        request.POST or None,
        initial={"code": family.code, "name": family.name, "sort_order": family.sort_order},
    )
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.role_family_update(
                actor=Actor(user=request.user),  # type: ignore[arg-type]
                family=family,
                name=form.cleaned_data["name"],
                sort_order=form.cleaned_data["sort_order"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role family saved."))
            return redirect("org:role_families")
    return render(request, "org/role_family_edit.html", {"family": family, "form": form})
