"""Forms for the feedback pages. They parse and label; the rules are in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pms.goals.models import Goal
from pms.org.models import Department, Employee

from .models import FeedbackKind, ObservationKind


class GoalChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} · {obj.period.name}"


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.number})"


TEXTAREA = {"rows": 3}


def _use_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Choices depend on who is asking, so they are set per form instance."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(name)
    field.queryset = queryset


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        initial=FeedbackKind.RECOGNITION,
    )
    situation = forms.CharField(
        label=_("Situation"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("When and where: the meeting, the customer visit, the project."),
    )
    behaviour = forms.CharField(
        label=_("Behaviour"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What the person did or said — what you saw, not what you think of it."),
    )
    impact = forms.CharField(
        label=_("Impact"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What it led to. Needed for constructive feedback."),
    )
    suggestion = forms.CharField(
        label=_("Suggestion"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What to keep doing, or what to try next time."),
    )
    goal = GoalChoiceField(
        label=_("About the goal"),
        queryset=Goal.objects.none(),
        required=False,
        to_field_name="uuid",
    )
    public = forms.BooleanField(
        label=_("Show on the praise wall"),
        required=False,
        help_text=_("Recognition only: everybody in the company can read it."),
    )
    anonymous = forms.BooleanField(
        label=_("Give anonymously"),
        required=False,
        help_text=_(
            "Your name is not stored. Your manager sees anonymous feedback only summarised, "
            "together with that of at least %(k)d colleagues in the same quarter, and may "
            "never see it if fewer write. Avoid details that would give you away."
        ),
    )

    def __init__(
        self,
        *args: Any,
        goals: QuerySet[Goal] | None = None,
        allow_anonymous: bool = False,
        allow_public: bool = True,
        k: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if goals is None:
            del self.fields["goal"]
        else:
            _use_queryset(self, "goal", goals)
        if allow_anonymous:
            self.fields["anonymous"].help_text = str(self.fields["anonymous"].help_text) % {"k": k}
        else:
            del self.fields["anonymous"]
        if not allow_public:
            del self.fields["public"]


class RequestForm(forms.Form):
    about = forms.CharField(
        label=_("About which piece of work?"),
        widget=forms.Textarea(attrs=TEXTAREA),
        max_length=4000,
    )
    goal = GoalChoiceField(
        label=_("Goal"), queryset=Goal.objects.none(), required=False, to_field_name="uuid"
    )
    due_date = forms.DateField(
        label=_("Wanted by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, goals: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "goal", goals)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ObservationForm(forms.Form):
    report = PersonChoiceField(
        label=_("About"), queryset=Employee.objects.none(), to_field_name="uuid"
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ObservationKind.choices, widget=forms.RadioSelect
    )
    what = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs=TEXTAREA), max_length=4000
    )
    observed_at = LocalDateTimeField(label=_("Observed at"))

    def __init__(self, *args: Any, reports: QuerySet[Employee], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("observed_at", _now_local())
        super().__init__(*args, **kwargs)
        _use_queryset(self, "report", reports)


class TalkForm(forms.Form):
    note = forms.CharField(
        label=_("What you talked about"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    talked_at = LocalDateTimeField(label=_("When"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("talked_at", _now_local())
        super().__init__(*args, **kwargs)


class BoardFilterForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label=_("All in my scope"),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "department", departments)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end must not be before the start."))
        return data
