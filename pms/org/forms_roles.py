from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pms.accounts.models import User
from pms.org.models import Department, GrantedRole


class RoleGrantForm(forms.Form):
    user = forms.CharField(
        label=_("User"),
        max_length=150,
        help_text=_("User name or employee number."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=GrantedRole.choices)
    departments = forms.CharField(
        label=_("Department scope (HRBP)"),
        required=False,
        help_text=_(
            "For an HR admin only: department codes separated by commas. "
            "Empty means the whole company."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def clean_user(self) -> User:
        value = self.cleaned_data["user"].strip()
        user = (
            User.objects.filter(Q(username=value) | Q(employee__number=value), is_active=True)
            .distinct()
            .first()
        )
        if user is None:
            raise forms.ValidationError(_("No active user with this user name or number."))
        return user

    def clean_departments(self) -> list[Department]:
        raw = self.cleaned_data["departments"]
        codes = [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]
        found = {d.code: d for d in Department.objects.filter(code__in=codes, is_active=True)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown department code: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("departments") and data.get("role") != GrantedRole.HR_ADMIN:
            self.add_error("departments", _("Only an HR admin role has a department scope."))
        return data
