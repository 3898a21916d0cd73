"""Setting up a data connector: the export address and its credential, the fields, the
schedule."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pms.tracking.connector_feed import FIELDS
from pms.tracking.models import ConnectorFormat, ConnectorSchedule
from pms.tracking.services.actual_inputs import (
    DATE,
    DEPARTMENT,
    EMPLOYEE,
    END,
    EVIDENCE_URL,
    EXTERNAL_ID,
    INDICATOR,
    NOTE,
    START,
    VALUE,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

FIELD_LABELS: dict[str, str | Promise] = {
    EMPLOYEE: _("Employee number (工号)"),
    DEPARTMENT: _("Department code (部门编码)"),
    INDICATOR: _("Indicator code (指标编码)"),
    DATE: _("Date"),
    START: _("Span start"),
    END: _("Span end"),
    VALUE: _("Value"),
    EXTERNAL_ID: _("The source's id for the value"),
    NOTE: _("Note"),
    EVIDENCE_URL: _("Evidence link"),
}
MAP_PREFIX = "map_"


class ConnectorForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_(
            "Recorded as the sending system of every value. With the source's ids it makes "
            "a second reading of the same data change nothing, so keep it once values came in."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=ConnectorFormat.choices)
    url = forms.CharField(
        label=_("Export address"),
        max_length=1000,
        help_text=_("Read with GET over http:// or https://."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    auth_header = forms.CharField(
        label=_("Authentication header"),
        max_length=100,
        required=False,
        help_text=_("For example Authorization, or X-Api-Key. Empty: none is sent."),
    )
    auth_secret = forms.CharField(
        label=_("Header value"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("For example Bearer and the token. Left empty, the current value is kept."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the header value"), required=False)
    items_path = forms.CharField(
        label=_("Key of the list (JSON)"),
        max_length=100,
        required=False,
        help_text=_(
            "When the answer is an object holding the list, its key; data.records reaches "
            "into nested objects. Empty: items."
        ),
    )
    schedule = forms.ChoiceField(label=_("Schedule"), choices=ConnectorSchedule.choices)
    every = forms.IntegerField(
        label=_("Every (minutes or hours)"),
        min_value=1,
        max_value=1440,
        initial=1,
        help_text=_("For the schedules every few minutes or hours."),
    )
    daily_at = forms.TimeField(
        label=_("Daily at"),
        initial=dt.time(2, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_secret:
            del self.fields["clear_secret"]
        for name in FIELDS:
            self.fields[MAP_PREFIX + name] = forms.CharField(
                label=FIELD_LABELS[name],
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": name}),
            )

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[MAP_PREFIX + name] for name in FIELDS]

    def setting_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith(MAP_PREFIX)]

    def mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[MAP_PREFIX + name].strip()
            for name in FIELDS
            if self.cleaned_data.get(MAP_PREFIX + name, "").strip()
        }

    def settings(self) -> dict[str, Any]:
        """The connector's settings as the services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "format": data["format"],
            "url": data["url"],
            "auth_header": data["auth_header"],
            "auth_secret": data["auth_secret"].strip(),
            "items_path": data["items_path"],
            "mapping": self.mapping(),
            "schedule": data["schedule"],
            "every": data["every"],
            "daily_at": data["daily_at"],
            "enabled": data["enabled"],
        }
