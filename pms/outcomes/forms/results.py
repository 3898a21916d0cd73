"""Forms of the result pages: confirming, HR's correction, the release, HR's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.org.forms import DepartmentChoiceField
from pms.org.models import Department
from pms.outcomes.models import AckStatus

MAX_REASON = 500


def grade_choices(grades: list[str], *, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *((grade, grade) for grade in grades)]


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Comment (optional)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionForm(forms.Form):
    score = forms.DecimalField(
        label=_("New score"), max_digits=6, decimal_places=2, min_value=0, required=False
    )
    grade = forms.ChoiceField(label=_("New grade"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the person with the change, and kept in the audit log."),
    )

    def __init__(self, *args: Any, grades: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grade_choices(grades, blank=_("(keep)"))  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    publish_on = forms.DateField(
        label=_("Publish on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to take the date back."),
    )


class ResultFilterForm(forms.Form):
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    ack = forms.ChoiceField(label=_("Confirmation"), required=False)

    def __init__(
        self, *args: Any, departments: QuerySet[Department], grades: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        if not isinstance(field, DepartmentChoiceField):
            raise TypeError(field)
        field.queryset = departments.order_by("path")
        field.empty_label = _("All")
        self.fields["grade"].choices = grade_choices(grades, blank=_("All"))  # type: ignore[attr-defined]
        self.fields["ack"].choices = [("", _("All")), *AckStatus.choices]  # type: ignore[attr-defined]
