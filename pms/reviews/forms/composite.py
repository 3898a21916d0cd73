"""The composite weights form: one row per part (key, the kinds of cycle it averages, its
weight). Blank rows are left out; everything else is the service's to judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pms.reviews.models import CycleKind
from pms.reviews.services.composite import KEY_MAX, MAX_PARTS


class PartForm(forms.Form):
    key = forms.CharField(
        label=_("Part"),
        max_length=KEY_MAX,
        required=False,
        help_text=_("A short key: monthly, quarterly, half_year, annual, other…"),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Cycles counted"),
        choices=CycleKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weight = forms.DecimalField(
        label=_("Weight (%)"), max_digits=6, decimal_places=2, required=False
    )


PartFormSet = forms.formset_factory(
    PartForm, extra=2, max_num=MAX_PARTS, validate_max=True, absolute_max=MAX_PARTS
)


def part_formset(data: Any | None, initial: Sequence[dict[str, Any]]) -> Any:
    return PartFormSet(data, initial=list(initial), prefix="parts")


def parts_from_formset(formset: Any) -> list[dict[str, Any]]:
    """The filled rows as the service takes them (the formset is valid)."""
    parts: list[dict[str, Any]] = []
    for form in formset.forms:
        data = form.cleaned_data
        key = (data.get("key") or "").strip()
        kinds = list(data.get("kinds") or [])
        weight = data.get("weight")
        if not key and not kinds and weight is None:
            continue
        parts.append({"key": key, "kinds": kinds, "weight": "" if weight is None else weight})
    return parts


class ComputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (needed to change frozen composites)"),
        max_length=500,
        required=False,
    )
    freeze = forms.BooleanField(label=_("Freeze the composites"), required=False)
