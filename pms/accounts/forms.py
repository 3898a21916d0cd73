from django import forms
from django.utils.translation import gettext_lazy as _

from pms.accounts.models import TokenScope, User


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. ERP sync"))
    username = forms.CharField(label=_("Acts as user"), max_length=150)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"]
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user with this user name."))
        return user
