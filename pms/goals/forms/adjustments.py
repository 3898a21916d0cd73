"""Forms of the adjustment pages: the request (new terms per goal, removals, one goal to
add, the reason and the date it takes effect) and the decision. They shape input into
``ChangeSpec``s; the rules are in ``pms.goals.services.adjustments``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pms.goals.models import (
    EXTERNAL_REASONS,
    Direction,
    Goal,
    GoalKind,
    ReasonCategory,
    ReasonCode,
)
from pms.goals.services.adjustments import ChangeSpec
from pms.scoring.decimals import normalized

NUMBER = {"inputmode": "decimal"}


def reason_code_choices() -> list[tuple[Any, Any]]:
    """Reasons grouped by their category, so the list reads as the classification."""
    external = [(c.value, c.label) for c in ReasonCode if c in EXTERNAL_REASONS]
    internal = [(c.value, c.label) for c in ReasonCode if c not in EXTERNAL_REASONS]
    return [
        ("", "---------"),
        (ReasonCategory.EXTERNAL.label, external),
        (ReasonCategory.INTERNAL.label, internal),
    ]


def _initial(value: Any) -> Any:
    if isinstance(value, Decimal):
        return normalized(value)
    return value


def _number(
    label: Any, *, max_digits: int = 18, places: int = 4, **kwargs: Any
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=places,
        widget=forms.TextInput(attrs=NUMBER),
        **kwargs,
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _text(label: Any, rows: int = 2, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


@dataclass(frozen=True)
class GoalFields:
    """One goal's part of the form, for the template."""

    goal: Goal
    remove: forms.BoundField | None
    fields: list[forms.BoundField]


class AdjustmentRequestForm(forms.Form):
    """New terms for the goals in force (a field left as it is changes nothing), goals to
    remove, one goal to add, and the reason. ``structure=False`` (company and department
    goals) offers neither removal, addition nor weights."""

    reason_category = forms.ChoiceField(
        label=_("Cause"), choices=ReasonCategory.choices, widget=forms.RadioSelect
    )
    reason_code = forms.ChoiceField(label=_("Reason"), choices=reason_code_choices)
    reason = _text(_("Explanation"), 3, required=True)
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The old terms hold until the day before."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        goals: list[Goal],
        structure: bool = True,
        effective_from: dt.date | None = None,
    ) -> None:
        super().__init__(data, initial={"effective_from": effective_from})
        self.goals = goals
        self.structure = structure
        self._names: dict[int, list[str]] = {}
        # form field name → "“goal”, label", for messages shown away from the field
        self.goal_field_labels: dict[str, str] = {}
        for goal in goals:
            self._names[goal.pk] = self._goal_fields(goal)
        if structure:
            self._add_fields()

    @staticmethod
    def key(goal: Goal, name: str) -> str:
        return f"{goal.uuid.hex}-{name}"

    def _goal_fields(self, goal: Goal) -> list[str]:
        names: list[str] = []

        def put(name: str, form_field: forms.Field) -> None:
            form_field.initial = _initial(getattr(goal, name))
            self.fields[self.key(goal, name)] = form_field
            names.append(name)
            self.goal_field_labels[self.key(goal, name)] = f"“{goal.title}”, {form_field.label}"

        if self.structure:
            self.fields[self.key(goal, "remove")] = forms.BooleanField(
                label=_("Remove this goal"), required=False
            )
        put("title", forms.CharField(label=_("Goal"), max_length=300))
        if self.structure:
            put(
                "weight",
                _number(_("Weight (%)"), max_digits=5, places=2, min_value=0, max_value=100),
            )
        if goal.is_measured or goal.target is not None:
            put("target", _number(_("Target")))
        if goal.direction == Direction.RANGE or goal.target_max is not None:
            put("target_max", _number(_("Upper target")))
        if goal.kind == GoalKind.TASK or goal.due_date is not None:
            put("due_date", _date(_("Due date")))
        if goal.kind == GoalKind.TASK or goal.completion_standard:
            put("completion_standard", _text(_("Completion standard")))
        return names

    def _add_fields(self) -> None:
        self.fields["add_title"] = forms.CharField(
            label=_("New goal"), required=False, max_length=300
        )
        self.fields["add_kind"] = forms.ChoiceField(
            label=_("Kind"),
            choices=[
                (GoalKind.KPI.value, GoalKind.KPI.label),
                (GoalKind.TASK.value, GoalKind.TASK.label),
            ],
            initial=GoalKind.KPI,
            required=False,
        )
        self.fields["add_weight"] = _number(
            _("Weight (%)"), max_digits=5, places=2, min_value=0, max_value=100
        )
        self.fields["add_target"] = _number(_("Target"))
        self.fields["add_unit"] = forms.CharField(label=_("Unit"), required=False, max_length=20)
        self.fields["add_due_date"] = _date(_("Due date"))
        self.fields["add_completion_standard"] = _text(_("Completion standard"))

    # --- for the template --------------------------------------------------------------

    @property
    def goal_rows(self) -> list[GoalFields]:
        return [
            GoalFields(
                goal=goal,
                remove=self[self.key(goal, "remove")] if self.structure else None,
                fields=[self[self.key(goal, name)] for name in self._names[goal.pk]],
            )
            for goal in self.goals
        ]

    @property
    def add_fields(self) -> list[forms.BoundField]:
        if not self.structure:
            return []
        return [self[name] for name in self.fields if name.startswith("add_")]

    @property
    def reason_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("reason_category", "reason_code", "reason", "effective_from")]

    # --- what was asked ----------------------------------------------------------------

    def _cleaned(self) -> dict[str, Any]:
        return getattr(self, "cleaned_data", {})

    def goal_values(self, goal: Goal) -> dict[str, Any]:
        """The terms entered for a goal (its fields that cleaned)."""
        data = self._cleaned()
        return {
            name: data[self.key(goal, name)]
            for name in self._names[goal.pk]
            if self.key(goal, name) in data
        }

    def specs(self) -> list[ChangeSpec]:
        data = self._cleaned()
        specs: list[ChangeSpec] = []
        for goal in self.goals:
            if self.structure and data.get(self.key(goal, "remove")):
                specs.append(ChangeSpec.remove(goal))
                continue
            values = self.goal_values(goal)
            if values:
                specs.append(ChangeSpec.change(goal, **values))
        title = (data.get("add_title") or "").strip() if self.structure else ""
        if title:
            terms: dict[str, Any] = {"title": title, "kind": data.get("add_kind") or GoalKind.KPI}
            for name in ("weight", "target", "unit", "due_date", "completion_standard"):
                value = data.get(f"add_{name}")
                if value not in (None, ""):
                    terms[name] = value
            specs.append(ChangeSpec.add(**terms))
        return specs

    def reason_values(self) -> dict[str, Any]:
        data = self._cleaned()
        return {
            "reason_category": data.get("reason_category", ""),
            "reason_code": data.get("reason_code", ""),
            "reason": data.get("reason", ""),
            "effective_from": data.get("effective_from"),
        }


class DecisionForm(forms.Form):
    comment = _text(_("Comment"), 2)
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )


class AdjustmentCommentForm(forms.Form):
    body = _text(_("Comment"), 2, required=True)
