"""Forms of the scorecard template pages. They parse input; the rules are in
``pms.goals.services.templates`` (shown on the form by ``add_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from pms.goals.models import (
    Direction,
    GoalKind,
    Indicator,
    Period,
    Perspective,
    ScorecardTemplate,
    Section,
    TemplateItem,
)
from pms.goals.rules import RULE_FIELD_NAMES, RuleForm, rule_initial
from pms.goals.services.scorecards import DEFAULT_SECTION
from pms.org.forms import (
    DepartmentChoiceField,
    FastSelect,
    PositionChoiceField,
    RoleFamilyChoiceField,
    reason_field,
)
from pms.org.models import Department, Position, RoleFamily


def _use_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(name)
    field.queryset = queryset


# --- templates -----------------------------------------------------------------------------


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Whom it is for and what it weighs, e.g. sales: results first."),
    )
    role_family = RoleFamilyChoiceField(
        RoleFamily.objects.none(), label=_("Role family"), required=False, empty_label="—"
    )
    position = PositionChoiceField(
        Position.objects.none(),
        label=_("Position"),
        required=False,
        empty_label="—",
        help_text=_("A template for a position belongs to the position's role family."),
    )

    FIELDS = ("name", "description", "role_family", "position")

    def __init__(
        self,
        *args: Any,
        role_families: QuerySet[RoleFamily],
        positions: QuerySet[Position],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "role_family", role_families)
        _use_queryset(self, "position", positions)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class TemplateEditForm(TemplateForm):
    reason = reason_field()

    @classmethod
    def initial_for(cls, template: ScorecardTemplate) -> dict[str, Any]:
        return {
            "name": template.name,
            "description": template.description,
            "role_family": template.role_family.uuid if template.role_family else None,
            "position": template.position.uuid if template.position else None,
        }

    def changes(self, template: ScorecardTemplate) -> dict[str, Any]:
        """Only the values that differ, so the history shows what really changed."""
        return {
            name: value for name, value in self.values().items() if getattr(template, name) != value
        }


class TemplateActiveForm(forms.Form):
    is_active = forms.TypedChoiceField(
        choices=[("1", _("Put in use")), ("0", _("Take out of use"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = reason_field()


# --- template goals ------------------------------------------------------------------------


class IndicatorChoiceField(forms.ModelChoiceField[Indicator]):
    widget = FastSelect

    def __init__(self, queryset: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.name} ({obj.code})"


def _decimal(label: Any, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        max_digits=18,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class TemplateItemForm(RuleForm):
    """A goal of a template. With an indicator, empty fields (metric, unit, perspective,
    direction) and, when asked, the scoring rule come from the indicator."""

    title = forms.CharField(label=_("Goal"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (GoalKind.KPI.value, GoalKind.KPI.label),
            (GoalKind.TASK.value, GoalKind.TASK.label),
        ],
        initial=GoalKind.KPI,
    )
    section = forms.ChoiceField(
        label=_("Section"),
        required=False,
        choices=[("", _("(follows the kind)")), *Section.choices],
    )
    weight = forms.DecimalField(
        label=_("Weight (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    indicator = IndicatorChoiceField(
        Indicator.objects.none(), label=_("Indicator"), required=False, empty_label="—"
    )
    rule_from_indicator = forms.BooleanField(
        label=_("Score with the indicator's rule"),
        required=False,
        initial=True,
        help_text=_("Leave ticked to take the chosen indicator's scoring rule."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    perspective = forms.ChoiceField(
        label=_("Perspective"), required=False, choices=[("", "—"), *Perspective.choices]
    )
    metric = forms.CharField(label=_("Metric"), required=False, max_length=200)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=20)
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("(from the indicator, else higher is better)")), *Direction.choices],
    )
    baseline = _decimal(_("Baseline"))
    target = _decimal(_("Target"))
    target_max = _decimal(_("Upper target"), _("Only for a goal within a range."))
    completion_standard = forms.CharField(
        label=_("Completion standard"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a key task: what counts as done. Its due date is the period's end."),
    )

    FIELDS = (
        "title",
        "kind",
        "section",
        "weight",
        "indicator",
        "description",
        "perspective",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_max",
        "completion_standard",
    )

    def __init__(self, *args: Any, indicators: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "indicator", indicators)

    def main_fields(self) -> list[BoundField]:
        return [
            self[name] for name in self.fields if name not in RULE_FIELD_NAMES and name != "reason"
        ]

    def rule_fields(self) -> list[BoundField]:
        names = ("rule_from_indicator", *RULE_FIELD_NAMES)
        return [self[name] for name in names if name in self.fields]

    def _rule(self) -> dict[str, Any] | None:
        indicator = self.cleaned_data.get("indicator")
        if indicator is not None and self.cleaned_data.get("rule_from_indicator"):
            return None
        rule: dict[str, Any] = self.cleaned_data["scoring_rule"]
        return rule

    def values(self) -> dict[str, Any]:
        """Arguments of ``template_item_add``."""
        values = {name: self.cleaned_data[name] for name in self.FIELDS}
        values["section"] = values["section"] or None
        values["direction"] = values["direction"] or None
        values["scoring_rule"] = self._rule()
        return values


class TemplateItemEditForm(TemplateItemForm):
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_from_indicator"].initial = False
        self.fields["rule_from_indicator"].help_text = _(
            "Tick to take the chosen indicator's scoring rule instead of the one below."
        )

    @classmethod
    def initial_for(cls, item: TemplateItem) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(item, name) for name in cls.FIELDS}
        initial["indicator"] = item.indicator.uuid if item.indicator else None
        initial["rule_from_indicator"] = False
        initial.update(rule_initial(item.scoring_rule))
        return initial

    def changes(self, item: TemplateItem) -> dict[str, Any]:
        """Only the values that differ, so the history shows what really changed."""
        values = self.values()
        indicator = values["indicator"]
        values["section"] = values["section"] or DEFAULT_SECTION.get(
            GoalKind(values["kind"]), Section.OTHER
        )
        values["direction"] = values["direction"] or (
            indicator.direction if indicator is not None else item.direction
        )
        if values["scoring_rule"] is None:
            values["scoring_rule"] = (
                indicator.scoring_rule if indicator is not None else item.scoring_rule
            )
        return {name: value for name, value in values.items() if getattr(item, name) != value}


# --- applying ------------------------------------------------------------------------------


class PeriodChoiceField(forms.ModelChoiceField[Period]):
    def __init__(self, queryset: QuerySet[Period], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)


class ApplyForm(forms.Form):
    """Whom to apply a template to: a period, and a department (with its sub-departments),
    a role family and/or a position — several narrow each other."""

    period = PeriodChoiceField(Period.objects.none(), label=_("Period"))
    department = DepartmentChoiceField(
        Department.objects.none(),
        label=_("Department"),
        required=False,
        empty_label="—",
        help_text=_("With its sub-departments."),
    )
    role_family = RoleFamilyChoiceField(
        RoleFamily.objects.none(), label=_("Role family"), required=False, empty_label="—"
    )
    position = PositionChoiceField(
        Position.objects.none(), label=_("Position"), required=False, empty_label="—"
    )

    def __init__(
        self,
        *args: Any,
        periods: QuerySet[Period],
        departments: QuerySet[Department],
        role_families: QuerySet[RoleFamily],
        positions: QuerySet[Position],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "period", periods)
        _use_queryset(self, "department", departments)
        _use_queryset(self, "role_family", role_families)
        _use_queryset(self, "position", positions)

    def group(self) -> dict[str, Any]:
        """The group fields given (valid ones only)."""
        return {
            name: self.cleaned_data.get(name) for name in ("department", "role_family", "position")
        }
