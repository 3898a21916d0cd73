"""Forms of the interview pages: scheduling, the record, the person's opinion, guides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pms.outcomes.forms.results import grade_choices

MAX_TEXT = 5000


def _text(label: Any, *, required: bool, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ScheduleInterviewForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Day and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class RecordForm(forms.Form):
    achievements = _text(_("Achievements"), required=True)
    gaps = _text(_("Gaps"), required=True)
    support_needed = _text(_("Support needed"), required=False)
    next_focus = _text(_("Next period's focus"), required=True)


class OpinionForm(forms.Form):
    employee_opinion = _text(_("Your opinion"), required=True, rows=4)


class GuideForm(forms.Form):
    grade = forms.ChoiceField(label=_("For grade"), required=False)
    title = forms.CharField(label=_("Title"), max_length=100)
    talking_points = _text(
        _("Talking points"),
        required=True,
        rows=8,
        help_text=_("One point per line: what to recognise, what to ask, what to agree on."),
    )

    def __init__(self, *args: Any, grades: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grade_choices(grades, blank=_("Every grade"))  # type: ignore[attr-defined]
