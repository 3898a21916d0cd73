"""Entering a value by hand, and taking a snapshot."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pms.goals.models import Period

EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "xlsx", "xls", "csv", "docx", "doc", "txt"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


class ActualEntryForm(forms.Form):
    day = forms.DateField(
        label=_("For the day"),
        help_text=_("A monthly indicator records the whole month that contains this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    evidence_url = forms.URLField(
        label=_("Evidence link"), max_length=500, required=False, assume_scheme="https"
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    reason = forms.CharField(
        label=_("Reason for a correction"),
        max_length=500,
        required=False,
        help_text=_("Needed when you correct a value that came from a file or a system."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["day"].initial = timezone.localdate()

    def clean_evidence(self) -> object:
        evidence = self.cleaned_data.get("evidence")
        if evidence is not None and evidence.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return evidence

    def clean_value(self) -> Decimal:
        value: Decimal = self.cleaned_data["value"]
        return value


class SnapshotForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.all())
    name = forms.CharField(label=_("Name"), max_length=100)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
