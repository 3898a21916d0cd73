"""The review settings form, and its grade bands as rows (grade, minimum score)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

IDENTITY_WARNING = _(
    "Anonymous peer and upward reviews are promised to stay anonymous. Allowing this lets "
    "company-wide HR look up who wrote one; every look is recorded with its reason and can "
    "be audited. Leave it off unless your company's policy requires it."
)
MAX_BANDS = 10


class ReviewSettingsForm(forms.Form):
    anonymity_min = forms.IntegerField(
        label=_("Fewest anonymous raters shown (k)"),
        help_text=_(
            "Peer and upward answers are shown only when at least this many answered "
            "(never below 2)."
        ),
    )
    allow_identity_access = forms.BooleanField(
        label=_("HR may see who wrote anonymous ratings"),
        required=False,
        help_text=IDENTITY_WARNING,
    )
    remind_days_before = forms.IntegerField(
        label=_("Remind raters this many days before a deadline"),
    )


class BandForm(forms.Form):
    grade = forms.CharField(label=_("Grade"), max_length=10, required=False)
    min_score = forms.DecimalField(
        label=_("From score"), max_digits=6, decimal_places=2, required=False
    )


BandFormSet = forms.formset_factory(
    BandForm, extra=2, max_num=MAX_BANDS, validate_max=True, absolute_max=MAX_BANDS
)


def band_formset(data: Any | None, initial: Sequence[dict[str, Any]]) -> Any:
    return BandFormSet(data, initial=list(initial), prefix="bands")


def bands_from_formset(formset: Any) -> list[dict[str, Any]]:
    """The filled rows as ``{"grade", "min_score"}``, in the order given (best first)."""
    bands: list[dict[str, Any]] = []
    for form in formset.forms:
        grade = (form.cleaned_data.get("grade") or "").strip()
        minimum = form.cleaned_data.get("min_score")
        if not grade and minimum is None:
            continue
        bands.append({"grade": grade, "min_score": "" if minimum is None else str(minimum)})
    return bands
