"""Forms of the notification pages: a person's settings, the company's switches, robots."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.comms.models import RobotChannel
from pms.org.forms import FastSelect
from pms.org.models import Department


class PreferenceForm(forms.Form):
    """One checkbox per category and channel (ticked = on), and the messages' language."""

    language = forms.ChoiceField(
        label=_("Language of e-mails and chat messages"),
        required=False,
        choices=[("", _("The company's default")), *settings.LANGUAGES],
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        channels: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.channels = channels
        for code, label in categories:
            for channel, channel_label in channels:
                self.fields[self.field_name(code, channel)] = forms.BooleanField(
                    label=f"{label} · {channel_label}", required=False
                )

    @staticmethod
    def field_name(category: str, channel: str) -> str:
        return f"on__{category}__{channel}"

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (label, [self[self.field_name(code, channel)] for channel, _l in self.channels])
            for code, label in self.categories
        ]

    def disabled_pairs(self) -> list[str]:
        return [
            f"{code}:{channel}"
            for code, _label in self.categories
            for channel, _l in self.channels
            if not self.cleaned_data.get(self.field_name(code, channel))
        ]


class CommsSettingsForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Send e-mails"), required=False)
    dingtalk_enabled = forms.BooleanField(label=_("Send to DingTalk robots"), required=False)
    wecom_enabled = forms.BooleanField(label=_("Send to WeCom robots"), required=False)
    feishu_enabled = forms.BooleanField(label=_("Send to Feishu robots"), required=False)
    site_url = forms.URLField(
        label=_("Address of this site"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Used for links in e-mails and chat messages, e.g. https://pms.example.com"),
    )


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"multiple": True, "size": 8, **(attrs or {})})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)


class DepartmentsField(forms.ModelMultipleChoiceField[Department]):
    widget = FastSelectMultiple

    def label_from_instance(self, obj: Department) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class RobotForm(forms.Form):
    channel = forms.ChoiceField(label=_("Platform"), choices=RobotChannel.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    webhook_url = forms.URLField(
        label=_("Webhook address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("From the group's robot settings in DingTalk, WeCom or Feishu."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk: the secret of 加签; Feishu: the secret of 签名校验; WeCom has none. "
            "Left empty when changing a robot, the current secret is kept."
        ),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    departments = DepartmentsField(
        label=_("Departments served"),
        queryset=Department.objects.none(),
        required=False,
        to_field_name="uuid",
        help_text=_(
            "People in these departments (and below) are told through this robot; none: "
            "everyone not served by a more specific robot."
        ),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["departments"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101
        field.queryset = departments
