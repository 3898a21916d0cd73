"""Forms of the pay, promotion and training pages. They parse input; the rules (amounts in
fen, factors, ranges, the matrix) are in the services, whose ``ValidationError`` the views
show with ``add_service_errors``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.org.forms import DepartmentChoiceField
from pms.org.models import Department
from pms.outcomes.models import BonusMethod
from pms.reviews.models import Cycle
from pms.reviews.wording_outcomes import ZONE_LABELS
from pms.scoring.raises import ZONES


class CycleChoiceField(forms.ModelChoiceField[Cycle]):
    def __init__(self, queryset: QuerySet[Cycle], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Cycle) -> str:
        return obj.name


def _with_cycle(form: forms.Form, cycles: QuerySet[Cycle] | None) -> None:
    if cycles is None:
        del form.fields["cycle"]
        return
    field = form.fields["cycle"]
    if not isinstance(field, CycleChoiceField):
        raise TypeError(field)
    field.queryset = cycles.order_by("-end", "name")


def _with_departments(
    form: forms.Form, departments: QuerySet[Department], *, all_label: bool = False
) -> None:
    """The departments the reader may pick (choices depend on who asks)."""
    field = form.fields["department"]
    if not isinstance(field, DepartmentChoiceField):
        raise TypeError(field)
    field.queryset = departments.order_by("path")
    if all_label:
        field.empty_label = _("All")


class BonusPlanForm(forms.Form):
    cycle = CycleChoiceField(queryset=Cycle.objects.none(), label=_("Review cycle"))
    name = forms.CharField(label=_("Name"), max_length=100)
    method = forms.ChoiceField(
        label=_("Method"),
        choices=BonusMethod.choices,
        widget=forms.RadioSelect,
        initial=BonusMethod.BASE,
    )
    pool = forms.DecimalField(
        label=_("Bonus pool (yuan)"),
        required=False,
        min_value=Decimal(0),
        help_text=_("For a pool: the amount shared out, to the fen."),
        max_digits=14,
        decimal_places=2,
    )
    budget = forms.DecimalField(
        label=_("Budget (yuan)"),
        required=False,
        min_value=Decimal(0),
        help_text=_("For base × coefficient: the total is compared with it."),
        max_digits=14,
        decimal_places=2,
    )
    company_factor = forms.DecimalField(
        label=_("Company factor"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        initial=Decimal(1),
    )
    weigh_by_base = forms.BooleanField(
        label=_("A pool weighs each share by the person's base too"),
        required=False,
        initial=True,
    )
    cap = forms.DecimalField(
        label=_("Most per person (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )

    def __init__(self, *args: Any, cycles: QuerySet[Cycle] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_cycle(self, cycles)


class RaisePlanForm(forms.Form):
    cycle = CycleChoiceField(queryset=Cycle.objects.none(), label=_("Review cycle"))
    name = forms.CharField(label=_("Name"), max_length=100)
    budget = forms.DecimalField(
        label=_("Budget (yuan per month)"),
        required=False,
        min_value=Decimal(0),
        help_text=_("What the raises together may add to the monthly payroll."),
        max_digits=14,
        decimal_places=2,
    )
    effective_on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, cycles: QuerySet[Cycle] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_cycle(self, cycles)


class FactorForm(forms.Form):
    department = DepartmentChoiceField(queryset=Department.objects.none(), label=_("Department"))
    factor = forms.DecimalField(
        label=_("Department factor"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text=_("Leave empty to take the department's factor away (it counts as 1)."),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_departments(self, departments)


class BaseForm(forms.Form):
    base = forms.DecimalField(
        label=_("Bonus base"), required=False, min_value=Decimal(0), max_digits=12, decimal_places=2
    )


class SalaryForm(forms.Form):
    salary = forms.DecimalField(
        label=_("Monthly salary"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )
    range_min = forms.DecimalField(
        label=_("Range minimum"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )
    range_max = forms.DecimalField(
        label=_("Range maximum"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )


class LineFilterForm(forms.Form):
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    search = forms.CharField(label=_("工号 or name"), max_length=100, required=False)
    missing = forms.BooleanField(label=_("Only people without their figures"), required=False)

    def __init__(
        self, *args: Any, departments: QuerySet[Department], grades: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _with_departments(self, departments, all_label=True)
        self.fields["grade"].choices = [("", _("All")), *((g, g) for g in grades)]  # type: ignore[attr-defined]


def matrix_key(grade: str, zone: str) -> str:
    return f"m_{grade}_{zone}"


class MatrixForm(forms.Form):
    """One percent per grade and zone of the salary range."""

    def __init__(
        self, *args: Any, grades: list[str], matrix: dict[str, dict[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.grades = grades
        for grade in grades:
            for zone in ZONES:
                self.fields[matrix_key(grade, zone)] = forms.DecimalField(
                    label=f"{grade} · {ZONE_LABELS[zone]}",
                    max_digits=5,
                    decimal_places=2,
                    min_value=Decimal(0),
                    max_value=Decimal(100),
                    initial=matrix.get(grade, {}).get(zone),
                    widget=forms.NumberInput(attrs={"step": "0.01", "class": "narrow"}),
                )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(grade, [self[matrix_key(grade, zone)] for zone in ZONES]) for grade in self.grades]

    def matrix(self) -> dict[str, dict[str, Decimal]]:
        data = self.cleaned_data
        return {
            grade: {zone: data[matrix_key(grade, zone)] for zone in ZONES} for grade in self.grades
        }


class PayImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx or .csv file with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class PromotionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of cycle"), required=False)
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, str]],
        departments: QuerySet[Department],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        _with_departments(self, departments, all_label=True)


class TrainingFilterForm(forms.Form):
    cycle = CycleChoiceField(queryset=Cycle.objects.none(), label=_("Review cycle"), required=False)
    department = DepartmentChoiceField(
        queryset=Department.objects.none(), label=_("Department"), required=False
    )

    def __init__(
        self,
        *args: Any,
        cycles: QuerySet[Cycle],
        departments: QuerySet[Department] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cycle = self.fields["cycle"]
        if not isinstance(cycle, CycleChoiceField):
            raise TypeError(cycle)
        cycle.queryset = cycles
        cycle.empty_label = None
        if departments is None:
            del self.fields["department"]
            return
        _with_departments(self, departments, all_label=True)
