"""Forms of the plan pages: improvement plans (goals, support, checkpoints, signing,
extending, closing) and development plans (the plan, actions, progress), and HR's
filters. They parse input; the rules are in ``pms.outcomes.services.pip`` / ``idp``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.org.forms import DepartmentChoiceField, PersonByNumberMixin, PositionChoiceField
from pms.org.models import Department, Employee, Position
from pms.outcomes.models import (
    ActionKind,
    CheckpointVerdict,
    IdpStatus,
    ImprovementGoal,
    PerformanceResult,
    PipStatus,
)
from pms.outcomes.services.idp import ActionInput
from pms.outcomes.services.pip import GoalInput

MAX_TEXT = 5000
MAX_TITLE = 300
NEW_GOALS = 3


def _text(
    label: Any, *, required: bool, rows: int = 3, help_text: Any = "", max_length: int = MAX_TEXT
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _day(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


# --- improvement plans ---------------------------------------------------------------------


class PipSupportMixin(forms.Form):
    reason = _text(
        _("The gap to close"),
        required=True,
        help_text=_("What falls short of the position's expectations, with facts."),
    )
    training = _text(
        _("Training"),
        required=False,
        rows=2,
        help_text=_("Courses or instruction offered, with dates."),
    )
    coaching = _text(_("Coaching"), required=False, rows=2, help_text=_("Who coaches, how often."))
    reassignment = _text(
        _("Reassignment"),
        required=False,
        rows=2,
        help_text=_("A change of position or duties (调岗), if offered."),
    )


class PipCreateForm(PipSupportMixin):
    start = _day(_("Start"), required=False, help_text=_("Today if left empty."))
    end = _day(_("End"), required=False, help_text=_("90 days after the start if left empty."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, NEW_GOALS + 1):
            self.fields[f"goal_{n}_title"] = forms.CharField(
                label=_("Goal %(n)s") % {"n": n}, max_length=MAX_TITLE, required=n == 1
            )
            self.fields[f"goal_{n}_measure"] = forms.CharField(
                label=_("How goal %(n)s is measured") % {"n": n},
                max_length=MAX_TITLE,
                required=n == 1,
            )
        goal_fields = [
            name
            for n in range(1, NEW_GOALS + 1)
            for name in (f"goal_{n}_title", f"goal_{n}_measure")
        ]
        self.order_fields(["reason", *goal_fields, "training", "coaching", "reassignment"])

    def goals(self) -> list[GoalInput]:
        data = self.cleaned_data
        rows = []
        for n in range(1, NEW_GOALS + 1):
            title = data.get(f"goal_{n}_title") or ""
            measure = data.get(f"goal_{n}_measure") or ""
            if title.strip() or measure.strip():
                rows.append(GoalInput(title=title, measure=measure))
        return rows


class PipEditForm(PipSupportMixin):
    start = _day(_("Start"))
    end = _day(_("End"), help_text=_("Changing the dates places the checkpoints again."))


class PipGoalForm(forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=MAX_TITLE)
    measure = forms.CharField(label=_("How it is measured"), max_length=MAX_TITLE)


class CheckpointMoveForm(forms.Form):
    due_on = _day(_("Due on"))


class CheckpointRecordForm(forms.Form):
    held_on = _day(_("Held on"))
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=CheckpointVerdict.choices, widget=forms.RadioSelect
    )
    notes = _text(_("What was found"), required=True)


class SignRefusalForm(forms.Form):
    note = _text(
        _("Note"),
        required=True,
        help_text=_("When and how the plan was handed over, what the person said, who was there."),
    )


class ExtendForm(forms.Form):
    end = _day(_("New end"))
    reason = _text(_("Why the plan is extended"), required=True, rows=2)


CLOSE_CHOICES = [
    (PipStatus.PASSED.value, PipStatus.PASSED.label),
    (PipStatus.FAILED.value, PipStatus.FAILED.label),
]
MET_CHOICES = [("yes", _("Met")), ("no", _("Not met"))]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CLOSE_CHOICES, widget=forms.RadioSelect)
    reason = _text(_("Reason"), required=True, rows=3)

    def __init__(self, *args: Any, goals: list[ImprovementGoal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goal_rows = goals
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.title, choices=MET_CHOICES, widget=forms.RadioSelect
            )

    def goals_met(self) -> dict[int, bool | None]:
        data = self.cleaned_data
        return {
            goal.pk: {"yes": True, "no": False}.get(data.get(f"goal_{goal.pk}") or "")
            for goal in self.goal_rows
        }


class CancelForm(forms.Form):
    reason = _text(_("Reason"), required=True, rows=2)


class PipFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )
    overdue = forms.BooleanField(label=_("Checkpoint overdue"), required=False)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        if not isinstance(field, DepartmentChoiceField):
            raise TypeError(field)
        field.queryset = departments.order_by("path")
        field.empty_label = _("All")
        self.fields["status"].choices = [("", _("All")), *PipStatus.choices]  # type: ignore[attr-defined]


# --- development plans ---------------------------------------------------------------------


class ResultChoiceField(forms.ModelChoiceField[PerformanceResult]):
    def __init__(self, queryset: QuerySet[PerformanceResult], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: PerformanceResult) -> str:
        return f"{obj.cycle.name} · {obj.grade or '—'}"


class IdpForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("development plan", "Title"), max_length=200)
    target_position = PositionChoiceField(
        queryset=Position.objects.none(), label=_("Target position"), required=False
    )
    aspiration = _text(_("Career aspiration"), required=False, rows=3)
    start = _day(_("Start"), required=False, help_text=_("Today if left empty."))
    end = _day(_("End"), required=False, help_text=_("A year after the start if left empty."))

    def __init__(
        self,
        *args: Any,
        positions: QuerySet[Position],
        results: QuerySet[PerformanceResult] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_position"]
        if not isinstance(field, PositionChoiceField):
            raise TypeError(field)
        field.queryset = positions.filter(is_active=True).order_by("code")
        field.empty_label = _("(none)")
        if results is not None:
            self.fields["result"] = ResultChoiceField(
                queryset=results, label=_("Linked to the result"), required=False
            )
            self.fields["result"].empty_label = _("(none)")  # type: ignore[attr-defined]


class IdpSuggestForm(forms.Form):
    competency = forms.CharField(label=_("Competency to develop"), max_length=200)
    title = forms.CharField(
        label=pgettext_lazy("development plan", "Title"),
        max_length=200,
        required=False,
        help_text=_("Only for a new plan; the person may change it."),
    )


class ActionForm(PersonByNumberMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    goal = forms.CharField(label=_("Development goal"), max_length=300)
    competency = forms.CharField(label=_("Competency"), max_length=200, required=False)
    mentor = forms.CharField(label=_("Mentor (employee number)"), max_length=40, required=False)
    due_on = _day(_("Due on"), required=False)

    def __init__(self, *args: Any, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people

    def clean_mentor(self) -> Employee | None:
        return self._person("mentor")

    def action(self) -> ActionInput:
        data = self.cleaned_data
        return ActionInput(
            kind=data["kind"],
            goal=data["goal"],
            competency=data.get("competency") or "",
            mentor=data.get("mentor"),
            due_on=data.get("due_on"),
        )


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100, required=False)
    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IdpReturnForm(forms.Form):
    reason = _text(
        _("What to change"),
        required=True,
        help_text=_("The person reads this and prepares the plan again."),
    )


class IdpFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        if not isinstance(field, DepartmentChoiceField):
            raise TypeError(field)
        field.queryset = departments.order_by("path")
        field.empty_label = _("All")
        self.fields["status"].choices = [("", _("All")), *IdpStatus.choices]  # type: ignore[attr-defined]
