"""Forms of the appeal pages: filing, assigning a handler, deciding, HR's list filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.accounts.models import User
from pms.outcomes.forms.results import grade_choices
from pms.outcomes.models import AppealStatus

MAX_TEXT = 5000


class AppealForm(forms.Form):
    reasons = forms.CharField(
        label=_("Why do you disagree with the result?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Read by the HR colleague who handles appeals, never by your managers."),
    )
    evidence_link = forms.CharField(label=_("Evidence link"), max_length=200, required=False)
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("At most 10 MB: pdf, png, jpg, xlsx, xls, csv, docx, doc or txt."),
    )


class HandlerChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class AssignForm(forms.Form):
    handler = HandlerChoiceField(queryset=User.objects.none(), label=_("Handled by"))

    def __init__(self, *args: Any, handlers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        if not isinstance(field, HandlerChoiceField):
            raise TypeError(field)
        field.queryset = handlers


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (AppealStatus.UPHELD, _("The result stands")),
            (AppealStatus.ADJUSTED, _("The result changes")),
        ],
        widget=forms.RadioSelect,
    )
    new_score = forms.DecimalField(
        label=_("New score"), max_digits=6, decimal_places=2, min_value=0, required=False
    )
    new_grade = forms.ChoiceField(label=_("New grade"), required=False)
    decision = forms.CharField(
        label=_("Decision and reasons"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The person reads this."),
    )

    def __init__(self, *args: Any, grades: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_grade"].choices = grade_choices(grades, blank=_("(keep)"))  # type: ignore[attr-defined]


APPEAL_STATES = [
    ("open", pgettext_lazy("appeals", "Open")),
    ("overdue", _("Overdue")),
    ("decided", _("Decided")),
    ("withdrawn", _("Withdrawn")),
    ("all", _("All")),
]


class AppealFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Show"), choices=APPEAL_STATES, required=False)
    mine = forms.BooleanField(label=_("Only those I handle"), required=False)
