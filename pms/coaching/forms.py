"""Forms of the coaching pages. They shape input for the services; the rules are there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.coaching.models import (
    EXTERNAL_CATEGORIES,
    CoachingActionKind,
    Frequency,
    ObstacleCategory,
    ObstacleKind,
    PlanOutcome,
    ResourceStatus,
)
from pms.coaching.selectors import GoalRow
from pms.goals.models import Goal
from pms.org.forms import DepartmentChoiceField, FastSelect
from pms.org.models import Department, Employee

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
MAX_TEXT = 5000


def _text(label: Any, rows: int = 3, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs=DATE))


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
    )


class PersonNumberField(forms.CharField):
    """A person by employee number, within the people the form is given (lists of 100,000
    people are unusable; the number is what managers and HR have at hand)."""

    def __init__(self, *, label: Any, **kwargs: Any) -> None:
        super().__init__(label=label, max_length=40, **kwargs)


def _person(people: QuerySet[Employee], number: str) -> Employee:
    person = people.filter(number=number.strip()).first()
    if person is None:
        raise ValidationError(
            _("No one you may choose has the number %(number)s."), params={"number": number}
        )
    return person


# --- check-ins -----------------------------------------------------------------------------


class CheckInCreateForm(forms.Form):
    employee = PersonNumberField(label=_("Employee number"))
    due_date = _date(_("Due date"))
    period_start = _date(_("Covers from"), required=False)
    scheduled_at = _when(_("Meeting time"))

    def __init__(self, *args: Any, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people

    def clean_employee(self) -> Employee:
        return _person(self.people, self.cleaned_data["employee"])


class PreparationForm(forms.Form):
    """One comment per goal (fields named by the goal's id) and the improvement plan."""

    improvement_plan = _text(_("My improvement plan"), 4)

    def __init__(self, *args: Any, rows: list[GoalRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if row.goal is None:
                continue
            self.fields[f"goal-{row.key}"] = _text(row.title, 2)
            if row.note is not None and not self.is_bound:
                self.initial[f"goal-{row.key}"] = row.note.comment

    def goal_fields(self) -> list[tuple[GoalRow, forms.BoundField | None]]:
        return [(row, self[f"goal-{row.key}"] if row.goal else None) for row in self.rows]

    def notes(self) -> list[tuple[Goal, str]]:
        return [
            (row.goal, self.cleaned_data.get(f"goal-{row.key}", ""))
            for row in self.rows
            if row.goal is not None
        ]


class ManagerForm(forms.Form):
    data_comment = _text(_("Comments on the data"))
    observation = _text(_("Observations"))
    minutes = _text(_("Minutes"), 5)
    scheduled_at = _when(_("Meeting time"))


class CancelForm(forms.Form):
    reason = _text(_("Why is it cancelled?"), 2, required=True)


class ObstacleForm(forms.Form):
    description = _text(_("Obstacle"), 2, required=True)
    category = forms.ChoiceField(label=_("Cause"))
    goal = forms.ModelChoiceField(
        label=_("Goal"), queryset=Goal.objects.none(), required=False, to_field_name="uuid"
    )

    def __init__(self, *args: Any, goals: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        external = [(c.value, c.label) for c in ObstacleCategory if c in EXTERNAL_CATEGORIES]
        internal = [(c.value, c.label) for c in ObstacleCategory if c not in EXTERNAL_CATEGORIES]
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # noqa: S101
        category.choices = [
            ("", "---------"),
            (ObstacleKind.EXTERNAL.label, external),
            (ObstacleKind.INTERNAL.label, internal),
        ]
        goal_field = self.fields["goal"]
        assert isinstance(goal_field, forms.ModelChoiceField)  # noqa: S101
        goal_field.queryset = goals

    @property
    def kind(self) -> str:
        category = self.cleaned_data["category"]
        external = category in EXTERNAL_CATEGORIES
        return ObstacleKind.EXTERNAL if external else ObstacleKind.INTERNAL


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ChoiceField(label=_("Owner"))
    due_date = _date(_("Due date"))

    def __init__(self, *args: Any, owners: list[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {o.uuid.hex: o for o in owners}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)  # noqa: S101
        owner.choices = [(o.uuid.hex, o.name) for o in owners]

    def clean_owner(self) -> Employee:
        value = str(self.cleaned_data["owner"])
        owner = self.owners.get(value)
        if owner is None:
            raise ValidationError(_("Choose one of the people listed."))
        return owner


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_TEXT)


# --- follow-ups of obstacles ---------------------------------------------------------------


class ResourceRequestForm(forms.Form):
    department = DepartmentChoiceField(Department.objects.none(), label=_("Asked of"))
    need = _text(_("What is needed"), 3, required=True)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, DepartmentChoiceField)  # noqa: S101
        field.queryset = departments


class ResourceAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (ResourceStatus.ACCEPTED.value, _("Accept")),
            (ResourceStatus.DECLINED.value, _("Decline")),
            (ResourceStatus.DONE.value, _("Done")),
        ],
    )
    comment = _text(_("Comment"), 2)


class CommentForm(forms.Form):
    body = _text(_("Comment"), 2, required=True)


class AdjustmentFromObstacleForm(forms.Form):
    """A change to the obstacle's goal, asked of the goals flow: new target, weight or due
    date (at least one), from a date, with the explanation."""

    target = forms.DecimalField(
        label=_("New target"), required=False, max_digits=18, decimal_places=4
    )
    weight = forms.DecimalField(
        label=_("New weight (%)"), required=False, max_digits=5, decimal_places=2
    )
    due_date = _date(_("New due date"), required=False)
    effective_from = _date(_("Effective from"))
    reason = _text(_("Explanation"), 3, required=True)

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in ("target", "weight", "due_date")
            if self.cleaned_data.get(name) is not None
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(n) is not None for n in ("target", "weight", "due_date")):
            raise ValidationError(_("Give a new target, weight or due date."))
        return data


# --- coaching plans ------------------------------------------------------------------------


class PlanForm(forms.Form):
    employee = PersonNumberField(label=_("Employee number"))
    coach = PersonNumberField(
        label=_("Coach's employee number"), help_text=_("The manager or a mentor.")
    )
    target_skill = forms.CharField(label=_("Skill to acquire"), max_length=200)
    action_kind = forms.ChoiceField(
        label=_("First action"), choices=CoachingActionKind.choices, required=False
    )
    action = forms.CharField(label=_("Action"), max_length=300, required=False)
    milestone = forms.CharField(label=_("First milestone"), max_length=300, required=False)
    milestone_due = _date(_("Milestone due"), required=False)

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Employee],
        coaches: QuerySet[Employee],
        fixed_employee: Employee | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.coaches = coaches
        self.fixed_employee = fixed_employee
        if fixed_employee is not None:
            del self.fields["employee"]

    def clean_employee(self) -> Employee:
        return _person(self.people, self.cleaned_data["employee"])

    def clean_coach(self) -> Employee:
        return _person(self.coaches, self.cleaned_data["coach"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("milestone") and not data.get("milestone_due"):
            self.add_error("milestone_due", _("Give the milestone a date."))
        return data

    def actions(self) -> list[tuple[str, str]]:
        text = self.cleaned_data.get("action") or ""
        return [(self.cleaned_data.get("action_kind") or "other", text)] if text.strip() else []

    def milestones(self) -> list[tuple[str, dt.date]]:
        title = self.cleaned_data.get("milestone") or ""
        due = self.cleaned_data.get("milestone_due")
        return [(title, due)] if title.strip() and due is not None else []


class PlanActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CoachingActionKind.choices)
    description = forms.CharField(label=_("Action"), max_length=300)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due_date = _date(_("Due date"))


class PlanCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PlanOutcome.choices)
    note = _text(_("Outcome notes"), 2)


class NoteForm(forms.Form):
    body = _text(_("Follow-up note"), 2, required=True)


# --- cadence -------------------------------------------------------------------------------


class CadenceForm(forms.Form):
    """One row of the cadence table: the family by id ("" for the company default)."""

    family = forms.UUIDField(required=False, widget=forms.HiddenInput)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    enabled = forms.BooleanField(label=_("Scheduled automatically"), required=False)


__all__ = ["FastSelect"]
