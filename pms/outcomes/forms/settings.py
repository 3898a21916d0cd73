"""The results settings form: the coefficient table as rows of grade and coefficient (best
grade first; an empty row is left out), the day counts, the PIP grades, the promotion rule
and the training threshold. The service checks them together."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pms.outcomes.models import OutcomeSettings

ROWS = 8


def coefficient_key(n: int) -> tuple[str, str]:
    return f"grade_{n}", f"coefficient_{n}"


class OutcomeSettingsForm(forms.Form):
    confirm_days = forms.IntegerField(label=_("Days to confirm a result"))
    appeal_days = forms.IntegerField(label=_("Days to appeal a result"))
    appeal_sla_days = forms.IntegerField(label=_("Days to decide an appeal"))
    interview_days = forms.IntegerField(label=_("Days to hold the performance interview"))
    pip_grades = forms.MultipleChoiceField(
        label=_("Grades that call for an improvement plan"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    promotion_grade = forms.CharField(
        label=_("Promotion: grade at least"),
        max_length=2,
        help_text=_("A grade of the table above, such as A."),
    )
    promotion_count = forms.IntegerField(
        label=_("Promotion: results in a row"),
        help_text=_("The latest results of cycles of one kind, all at that grade or better."),
    )
    promotion_tenure_months = forms.IntegerField(label=_("Promotion: months in the company"))
    training_gap_percent = forms.IntegerField(
        label=_("Training need below (percent of the scale)"),
        help_text=_("A competency the managers rate below this share of its scale."),
    )

    def __init__(self, *args: Any, row: OutcomeSettings, grades: list[str], **kwargs: Any) -> None:
        initial = {
            name: getattr(row, name)
            for name in (
                "confirm_days",
                "appeal_days",
                "appeal_sla_days",
                "interview_days",
                "pip_grades",
                "promotion_grade",
                "promotion_count",
                "promotion_tenure_months",
                "training_gap_percent",
            )
        }
        table = row.coefficients or []
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["pip_grades"].choices = [(g, g) for g in grades]  # type: ignore[attr-defined]
        for n in range(1, ROWS + 1):
            grade_key, value_key = coefficient_key(n)
            entry = table[n - 1] if n <= len(table) else {}
            self.fields[grade_key] = forms.CharField(
                label=_("Grade %(n)d") % {"n": n},
                max_length=2,
                required=False,
                initial=entry.get("grade", ""),
            )
            self.fields[value_key] = forms.DecimalField(
                label=_("Coefficient %(n)d") % {"n": n},
                max_digits=5,
                decimal_places=2,
                min_value=Decimal(0),
                required=False,
                initial=entry.get("coefficient"),
            )

    def coefficient_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[grade_key], self[value_key])
            for grade_key, value_key in (coefficient_key(n) for n in range(1, ROWS + 1))
        ]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in self.fields if not name.startswith(("grade_", "coefficient_"))
        ]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        rows = []
        for n in range(1, ROWS + 1):
            grade_key, value_key = coefficient_key(n)
            grade = (data.get(grade_key) or "").strip()
            value = data.get(value_key)
            if grade or value is not None:
                rows.append({"grade": grade, "coefficient": "" if value is None else str(value)})
        return {
            "coefficients": rows,
            **{
                name: data[name]
                for name in (
                    "confirm_days",
                    "appeal_days",
                    "appeal_sla_days",
                    "interview_days",
                    "pip_grades",
                    "promotion_grade",
                    "promotion_count",
                    "promotion_tenure_months",
                    "training_gap_percent",
                )
            },
        }
