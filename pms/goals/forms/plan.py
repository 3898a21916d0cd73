"""Forms of the strategy pages. They parse input only; the rules are in
``pms.goals.services.plan`` and reach the form through ``add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.goals.models import Direction, Goal, GoalKind, GoalLevel, Period, Perspective
from pms.goals.rules import RULE_FIELD_NAMES, RuleForm, rule_initial
from pms.org.forms import (
    DepartmentChoiceField,
    FastSelect,
    PersonByNumberMixin,
    number_field,
    reason_field,
)
from pms.org.models import Department, Employee

TERM_FIELDS: tuple[str, ...] = (
    "title",
    "kind",
    "perspective",
    "owner",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
)


def _use_queryset(
    form: forms.Form, name: str, queryset: QuerySet[Any]
) -> forms.ModelChoiceField[Any]:
    """Choices depend on who is asking, so they are set per form instance."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(name)
    field.queryset = queryset
    return field


class PeriodChoiceField(forms.ModelChoiceField[Period]):
    def __init__(self, queryset: QuerySet[Period], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)


class ParentChoiceField(forms.ModelChoiceField[Goal]):
    """The goal to align to, by public id, labelled with its department."""

    widget = FastSelect

    def __init__(self, queryset: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Goal) -> str:
        if obj.level == GoalLevel.COMPANY:
            return f"{_('Strategy')} · {obj.title}"
        department = obj.department.name if obj.department else ""
        return f"{department} · {obj.title}"


def _decimal_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=18,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kwargs,
    )


class PlanGoalForm(PersonByNumberMixin, RuleForm):
    """A strategic or department goal's terms; the department form adds what it aligns to."""

    title = forms.CharField(label=_("Goal"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=GoalKind.choices, initial=GoalKind.KPI)
    perspective = forms.ChoiceField(
        label=_("Perspective"),
        choices=[("", "—"), *Perspective.choices],
        required=False,
        help_text=_("Balanced Scorecard: financial, customer, internal process, learning."),
    )
    parent = ParentChoiceField(
        Goal.objects.none(), label=_("Aligned to"), required=False, empty_label=_("(nothing yet)")
    )
    contribution = forms.DecimalField(
        label=_("Contribution weight (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("This goal's share of the goal it is aligned to."),
    )
    owner = number_field(_("Owner (employee number)"), _("Leave empty for the department head."))
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
        help_text=_("For a key task: what counts as done, e.g. 3 rounds of user tests."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = reason_field()

    field_order = [
        "title",
        "kind",
        "perspective",
        "parent",
        "contribution",
        "owner",
        "metric",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_max",
        "due_date",
        "completion_standard",
        "description",
        *RULE_FIELD_NAMES,
        "reason",
    ]

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Employee],
        parents: QuerySet[Goal] | None = None,
        with_reason: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        if parents is None:
            del self.fields["parent"]
            del self.fields["contribution"]
            self.fields["owner"].help_text = ""
        else:
            _use_queryset(self, "parent", parents)
        if not with_reason:
            del self.fields["reason"]

    @classmethod
    def initial_for(cls, goal: Goal) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(goal, name) for name in TERM_FIELDS}
        initial["owner"] = goal.owner.number if goal.owner else ""
        initial["parent"] = goal.parent.uuid if goal.parent else None
        initial["contribution"] = goal.contribution
        initial.update(rule_initial(goal.scoring_rule))
        return initial

    def clean_owner(self) -> Employee | None:
        return self._person("owner")

    def values(self) -> dict[str, Any]:
        """The goal's terms as the services take them."""
        data = self.cleaned_data
        values = {name: data[name] for name in TERM_FIELDS}
        for name in ("title", "metric", "unit", "completion_standard", "description"):
            values[name] = (values[name] or "").strip()
        values["scoring_rule"] = data["scoring_rule"]
        if "parent" in self.fields:
            values["parent"] = data["parent"]
            values["contribution"] = data["contribution"]
        return values

    def changes(self, goal: Goal) -> dict[str, Any]:
        """Only what differs, so the history shows what really changed."""
        return {
            name: value for name, value in self.values().items() if getattr(goal, name) != value
        }


class DecisionForm(forms.Form):
    """Approve (comment optional) or return (comment required, said by the service)."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanFilterForm(forms.Form):
    """Which period (and department) a strategy or alignment page shows."""

    period = PeriodChoiceField(Period.objects.none(), label=_("Period"), required=False)
    department = DepartmentChoiceField(
        Department.objects.none(), label=_("Department"), required=False, empty_label=_("All")
    )

    def __init__(
        self,
        *args: Any,
        periods: QuerySet[Period],
        departments: QuerySet[Department] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "period", periods).empty_label = None
        if departments is None:
            del self.fields["department"]
        else:
            _use_queryset(self, "department", departments)

    def chosen(self) -> tuple[Period | None, Department | None]:
        """The valid choices; an unknown value is ignored rather than failing the page."""
        self.is_valid()
        return self.cleaned_data.get("period"), self.cleaned_data.get("department")
