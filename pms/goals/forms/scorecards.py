"""Forms of the scorecard pages. They parse and shape input; the rules are in
``pms.goals.services.scorecards`` and come back as ``ValidationError`` (shown with
``add_service_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.goals.models import (
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    Indicator,
    Period,
    Perspective,
    Section,
    SignerRole,
)
from pms.goals.rules import RuleForm, rule_initial
from pms.goals.selectors.scorecards import STATUS_FILTERS
from pms.org.forms import FastSelect

# Model field → form field, for the services' errors.
GOAL_FIELD_MAP = {"scoring_rule": "rule_type"}


def _use_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Choices depend on who is asking, so they are set per form instance."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(name)
    field.queryset = queryset


class IndicatorChoiceField(forms.ModelChoiceField[Indicator]):
    widget = FastSelect

    def __init__(self, queryset: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.name} ({obj.code})" + (f" · {obj.unit}" if obj.unit else "")


class GoalChoiceField(forms.ModelChoiceField[Goal]):
    widget = FastSelect

    def __init__(self, queryset: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Goal) -> str:
        if obj.level == GoalLevel.COMPANY:
            where = str(_("Company"))
        elif obj.level == GoalLevel.DEPARTMENT and obj.department is not None:
            where = obj.department.name
        elif obj.employee is not None:
            where = obj.employee.name
        else:
            where = ""
        return f"{where} · {obj.title}" if where else obj.title


class ObjectiveChoiceField(GoalChoiceField):
    """An objective on the same scorecard: its title says enough."""

    def label_from_instance(self, obj: Goal) -> str:
        return obj.title


def _decimal_field(
    label: Any, *, help_text: Any = "", max_digits: int = 18, decimal_places: int = 4
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=decimal_places,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class GoalForm(RuleForm):
    """One goal on a scorecard. For a key result, ``objective`` is its objective on the
    same scorecard; for any other goal ``aligned_to`` is the strategy, department or
    manager's goal it supports."""

    kind = forms.ChoiceField(label=_("Kind"), choices=GoalKind.choices, initial=GoalKind.KPI)
    title = forms.CharField(
        label=_("Goal"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 销售额达到500万元")}),
    )
    indicator = IndicatorChoiceField(
        Indicator.objects.none(),
        label=_("Indicator from the library"),
        required=False,
        empty_label=_("(none)"),
        help_text=_("Choosing one fills in its unit, direction and scoring rule."),
    )
    objective = ObjectiveChoiceField(
        Goal.objects.none(),
        label=_("Objective"),
        required=False,
        help_text=_("Key results: the objective on this scorecard they belong to."),
    )
    section = forms.ChoiceField(
        label=_("Section"),
        choices=[("", _("(by kind)")), *Section.choices],
        required=False,
    )
    weight = _decimal_field(
        _("Weight (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "Weights of the goals total 100%; a key result's weight is its share of the objective."
        ),
    )
    metric = forms.CharField(label=_("Metric"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.HIGHER
    )
    baseline = _decimal_field(_("Baseline"))
    target = _decimal_field(_("Target"))
    target_max = _decimal_field(_("Upper target"), help_text=_("Only for a target within a range."))
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    completion_standard = forms.CharField(
        label=_("Completion standard"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What counts as done, e.g. “3轮用户测试且Bug率≤0.3%”."),
    )
    aligned_to = GoalChoiceField(
        Goal.objects.none(),
        label=_("Aligned to"),
        required=False,
        empty_label=_("(nothing)"),
        help_text=_("The company, department or manager's goal this one contributes to."),
    )
    contribution = _decimal_field(
        _("Contribution (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("How much of the goal it is aligned to this one carries."),
    )
    perspective = forms.ChoiceField(
        label=_("Perspective"),
        choices=[("", "—"), *Perspective.choices],
        required=False,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    MAIN_FIELDS = (
        "kind",
        "title",
        "indicator",
        "objective",
        "weight",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_max",
        "due_date",
        "completion_standard",
        "aligned_to",
        "contribution",
    )
    MORE_FIELDS = ("section", "perspective", "description")

    def __init__(
        self,
        *args: Any,
        indicators: QuerySet[Indicator],
        objectives: QuerySet[Goal],
        targets: QuerySet[Goal],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_queryset("indicator", indicators)
        self._set_queryset("objective", objectives)
        self._set_queryset("aligned_to", targets.select_related("department", "employee"))

    def _set_queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        _use_queryset(self, name, queryset)

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    @property
    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_FIELDS]

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("rule_")]

    @classmethod
    def initial_for(cls, goal: Goal) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(goal, name)
            for name in (
                "kind",
                "title",
                "section",
                "weight",
                "metric",
                "unit",
                "direction",
                "baseline",
                "target",
                "target_max",
                "due_date",
                "completion_standard",
                "contribution",
                "perspective",
                "description",
            )
        }
        initial["indicator"] = goal.indicator.uuid if goal.indicator else None
        parent = goal.parent
        if goal.kind == GoalKind.KEY_RESULT:
            initial["objective"] = parent.uuid if parent else None
        else:
            initial["aligned_to"] = parent.uuid if parent else None
        return {**initial, **rule_initial(goal.scoring_rule)}

    @staticmethod
    def initial_from_indicator(indicator: Indicator) -> dict[str, Any]:
        """What choosing an indicator fills in."""
        return {
            "indicator": indicator.uuid,
            "metric": indicator.name,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "perspective": indicator.perspective,
            **rule_initial(indicator.scoring_rule),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == GoalKind.KEY_RESULT and not cleaned.get("objective"):
            self.add_error("objective", _("Choose the objective this key result belongs to."))
        return cleaned

    def values(self) -> dict[str, Any]:
        """Keyword arguments of ``goal_add`` (and, compared, of ``goal_update``)."""
        data = self.cleaned_data
        is_key_result = data["kind"] == GoalKind.KEY_RESULT
        parent = data.get("objective") if is_key_result else data.get("aligned_to")
        return {
            "kind": data["kind"],
            "title": data["title"],
            "section": data.get("section") or None,
            "weight": data.get("weight"),
            "indicator": data.get("indicator"),
            "parent": parent,
            "contribution": None if is_key_result else data.get("contribution"),
            "metric": data.get("metric") or "",
            "unit": data.get("unit") or "",
            "direction": data.get("direction") or Direction.HIGHER,
            "baseline": data.get("baseline"),
            "target": data.get("target"),
            "target_max": data.get("target_max"),
            "due_date": data.get("due_date"),
            "completion_standard": data.get("completion_standard") or "",
            "scoring_rule": data.get("scoring_rule"),
            "perspective": data.get("perspective") or "",
            "description": data.get("description") or "",
        }

    def changes(self, goal: Goal) -> dict[str, Any]:
        """The fields whose value differs from the goal's, for ``goal_update``."""
        values = self.values()
        if values["section"] is None:
            values.pop("section")
        result = {}
        for name, value in values.items():
            current = getattr(goal, name)
            if isinstance(current, Decimal) and isinstance(value, Decimal):
                if current.compare(value) == 0:
                    continue
            elif current == value:
                continue
            result[name] = value
        return result

    def service_field_map(self) -> dict[str, str]:
        kind = self.cleaned_data.get("kind") if hasattr(self, "cleaned_data") else None
        parent = "objective" if kind == GoalKind.KEY_RESULT else "aligned_to"
        return {**GOAL_FIELD_MAP, "parent": parent}


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    indicator = IndicatorChoiceField(
        Indicator.objects.none(),
        label=_("Propose an indicator"),
        required=False,
        empty_label=_("(no proposal)"),
        help_text=_("Suggest an indicator from the library for this scorecard."),
    )

    def __init__(self, *args: Any, indicators: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "indicator", indicators)


class DecisionForm(forms.Form):
    """Approve (comment optional) or return (the service asks for a comment)."""

    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    role = forms.ChoiceField(choices=SignerRole.choices)


class CopyForwardForm(forms.Form):
    period = forms.ModelChoiceField(
        Period.objects.none(), label=_("Into the period"), to_field_name="uuid"
    )

    def __init__(self, *args: Any, periods: QuerySet[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "period", periods)


class TeamFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *STATUS_FILTERS], required=False
    )
    direct = forms.BooleanField(label=_("Direct reports only"), required=False)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "", "direct": bool(data.get("direct"))}
