"""Forms of the indicator library pages. They parse input; the rules are in
``pms.goals.services.indicators`` (shown on the form by ``add_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from pms.core.imports import FORMATS
from pms.goals.models import (
    Aggregation,
    DataSource,
    Direction,
    EntryBy,
    Frequency,
    Indicator,
    Perspective,
)
from pms.goals.rules import RULE_FIELD_NAMES, RuleForm, rule_initial
from pms.goals.selectors.indicators import IndicatorFilters, role_family_choices
from pms.org.forms import RoleFamilyChoiceField, reason_field
from pms.org.models import RoleFamily

ALL = _("All")


class IndicatorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    family = RoleFamilyChoiceField(
        RoleFamily.objects.none(), label=_("Role family"), required=False, empty_label=ALL
    )
    aggregation = forms.ChoiceField(
        label=_("Values over a period"),
        choices=Aggregation.choices,
        initial=Aggregation.SUM,
        help_text=_(
            "How the values recorded during a period make the figure compared with the target."
        ),
    )
    entry_by = forms.ChoiceField(
        label=_("Entered by hand by"), choices=EntryBy.choices, initial=EntryBy.EITHER
    )
    perspective = forms.ChoiceField(
        label=_("Perspective"), required=False, choices=[("", ALL), *Perspective.choices]
    )
    data_source = forms.ChoiceField(
        label=_("Data source"), required=False, choices=[("", ALL), *DataSource.choices]
    )
    enabled = forms.ChoiceField(
        label=_("Enabled"),
        required=False,
        choices=[("", ALL), ("yes", _("Enabled")), ("no", _("Disabled"))],
    )

    def __init__(self, *args: Any, keeper: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family = self.fields["family"]
        if not isinstance(family, forms.ModelChoiceField):
            raise TypeError("family")
        family.queryset = role_family_choices()
        if not keeper:  # everyone else sees only the enabled library anyway
            del self.fields["enabled"]

    def filters(self) -> IndicatorFilters:
        """The valid filters; an unknown value is ignored rather than failing the page."""
        self.is_valid()
        data = self.cleaned_data
        enabled = data.get("enabled") or ""
        return IndicatorFilters(
            search=(data.get("q") or "").strip(),
            role_family=data.get("family"),
            perspective=data.get("perspective") or "",
            enabled={"yes": True, "no": False}.get(enabled),
            data_source=data.get("data_source") or "",
        )


class IndicatorForm(RuleForm):
    code = forms.CharField(
        label=_("Indicator code"),
        max_length=40,
        help_text=_("Unique, without spaces, e.g. SAL-REVENUE."),
    )
    name = forms.CharField(label=_("Indicator name"), max_length=100)
    definition = forms.CharField(
        label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    formula = forms.CharField(
        label=_("Formula"),
        required=False,
        help_text=_("How the value is calculated, in words."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=20)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.HIGHER
    )
    data_source = forms.ChoiceField(
        label=_("Data source"), choices=DataSource.choices, initial=DataSource.MANUAL
    )
    source_system = forms.CharField(
        label=_("Source system"),
        required=False,
        max_length=100,
        help_text=_("For an external data source: the system's name, e.g. ERP or CRM."),
    )
    frequency = forms.ChoiceField(
        label=_("Update frequency"), choices=Frequency.choices, initial=Frequency.MONTHLY
    )
    perspective = forms.ChoiceField(
        label=_("Perspective"), required=False, choices=[("", "—"), *Perspective.choices]
    )
    role_families = forms.ModelMultipleChoiceField(
        RoleFamily.objects.none(),
        label=_("Role families"),
        required=False,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
    )
    employee_selectable = forms.BooleanField(
        label=_("Employees may choose it"),
        required=False,
        initial=True,
        help_text=_("Otherwise only managers and HR may put it on a scorecard."),
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    FIELDS: tuple[str, ...] = (
        "code",
        "name",
        "definition",
        "formula",
        "unit",
        "direction",
        "data_source",
        "source_system",
        "frequency",
        "aggregation",
        "entry_by",
        "perspective",
        "role_families",
        "employee_selectable",
        "sort_order",
        "enabled",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = self.fields["role_families"]
        if not isinstance(families, forms.ModelMultipleChoiceField):
            raise TypeError("role_families")
        families.queryset = role_family_choices()

    def main_fields(self) -> list[BoundField]:
        return [self[name] for name in self.fields if name not in RULE_FIELD_NAMES]

    def rule_fields(self) -> list[BoundField]:
        return [self[name] for name in RULE_FIELD_NAMES if name in self.fields]

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in self.FIELDS if name in self.fields}
        values["role_families"] = list(values.get("role_families") or [])
        values["scoring_rule"] = self.cleaned_data["scoring_rule"]
        return values


class IndicatorEditForm(IndicatorForm):
    """Changes every field but the enabled flag, which has its own action with a reason."""

    reason = reason_field()

    FIELDS = tuple(name for name in IndicatorForm.FIELDS if name != "enabled")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["enabled"]

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(indicator, name) for name in cls.FIELDS}
        initial["role_families"] = [family.uuid for family in indicator.role_families.all()]
        initial.update(rule_initial(indicator.scoring_rule))
        return initial

    def changes(self, indicator: Indicator) -> dict[str, Any]:
        """Only the values that differ, so the history shows what really changed."""
        changes: dict[str, Any] = {}
        for name, value in self.values().items():
            if name == "role_families":
                current = {family.pk for family in indicator.role_families.all()}
                if current != {family.pk for family in value}:
                    changes[name] = value
            elif getattr(indicator, name) != value:
                changes[name] = value
        return changes


class IndicatorEnableForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("1", _("Enable")), ("0", _("Disable"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = reason_field()


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx or .csv file with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{f}" for f in FORMATS)}),
    )
