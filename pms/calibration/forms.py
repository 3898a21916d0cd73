"""Forms for the calibration pages. They parse and shape input only; the rules (names,
scope, distribution, reasons) live in the services, whose ``ValidationError`` is shown on
the form by ``pms.org.forms.add_service_errors``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.accounts.models import User
from pms.calibration.labels import LEVEL_NAMES, MODE_NAMES, box_name
from pms.calibration.models import Enforcement, MemberRole, Potential
from pms.calibration.selectors.grid import GridFilters
from pms.org.forms import FastSelect, RoleFamilyChoiceField
from pms.org.models import Department, Employee, RoleFamily
from pms.reviews.models import Cycle
from pms.scoring.distribution import QUOTA_MODES

MAX_ROWS = 10
MAX_REASON = 500

SORT_CHOICES = [
    ("department", _("Department")),
    ("name", _("Name")),
    ("score", _("Score, highest first")),
    ("score_asc", _("Score, lowest first")),
    ("proposed", _("Proposed score, highest first")),
    ("grade", _("Grade")),
    ("changed", _("Changed first")),
]


def _user_by_name_or_number(value: str) -> User:
    text = value.strip()
    user = (
        User.objects.filter(Q(username=text) | Q(employee__number=text), is_active=True)
        .distinct()
        .first()
    )
    if user is None:
        raise forms.ValidationError(_("No active user with this user name or number."))
    return user


class DepartmentsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Departments by public id, indented by depth so the tree shows in the list."""

    def __init__(self, queryset: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class CycleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, queryset: QuerySet[Cycle], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Cycle) -> str:
        return f"{obj.name} · {obj.get_phase_display()}"


class SessionForm(forms.Form):
    """What a session covers and who leads it (``cycle`` only when it is created)."""

    cycle = CycleChoiceField(Cycle.objects.none(), label=_("Review cycle"))
    name = forms.CharField(label=_("Name"), max_length=100)
    departments = DepartmentsField(
        Department.objects.none(),
        label=_("Departments"),
        required=False,
        help_text=_("Leave empty to cover a whole role family."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    subtree = forms.BooleanField(label=_("Include sub-departments"), required=False)
    role_family = RoleFamilyChoiceField(
        RoleFamily.objects.none(),
        label=_("Role family"),
        required=False,
        help_text=_("Only people of this role family (in the departments, if any are chosen)."),
    )
    facilitator = forms.CharField(
        label=_("Facilitator"),
        max_length=150,
        help_text=_("User name or employee number."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        cycles: QuerySet[Cycle] | None,
        departments: QuerySet[Department],
        role_families: QuerySet[RoleFamily],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        if cycles is None:
            del self.fields["cycle"]
        else:
            self.fields["cycle"].queryset = cycles  # type: ignore[attr-defined]
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["role_family"].queryset = role_families  # type: ignore[attr-defined]

    def clean_facilitator(self) -> User:
        return _user_by_name_or_number(self.cleaned_data["facilitator"])


class RulesForm(forms.Form):
    min_group_size = forms.IntegerField(
        label=_("Smallest group held to the distribution"),
        help_text=_(
            "Smaller departments are pooled with their parent; a pool still smaller is "
            "shown but not held to the shares."
        ),
    )
    enforcement = forms.ChoiceField(label=_("When it is off target"), choices=Enforcement.choices)


class DistributionRowForm(forms.Form):
    grade = forms.CharField(label=_("Grade"), max_length=2, required=False)
    share = forms.DecimalField(label=_("Share (%)"), max_digits=6, decimal_places=3, required=False)
    mode = forms.ChoiceField(
        label=_("How it binds"),
        choices=[(mode, MODE_NAMES[mode]) for mode in QUOTA_MODES],
        required=False,
    )


class SettingsRowForm(DistributionRowForm):
    level = forms.ChoiceField(
        label=_("Performance on the nine-box"),
        choices=[("", "—"), *LEVEL_NAMES.items()],
        required=False,
    )


DistributionFormSet = forms.formset_factory(
    DistributionRowForm, extra=1, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)
SettingsFormSet = forms.formset_factory(
    SettingsRowForm, extra=1, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)


def distribution_formset(
    data: Any | None, rows: Sequence[Mapping[str, Any]], *, levels: Mapping[str, str] | None = None
) -> Any:
    initial = [{**row, "level": (levels or {}).get(str(row.get("grade", "")), "")} for row in rows]
    factory = SettingsFormSet if levels is not None else DistributionFormSet
    return factory(data, initial=initial, prefix="rows")


def rows_from_formset(formset: Any) -> list[dict[str, str]]:
    """The filled rows as ``{"grade", "share", "mode"}``, best grade first."""
    rows: list[dict[str, str]] = []
    for form in formset.forms:
        grade = (form.cleaned_data.get("grade") or "").strip()
        share = form.cleaned_data.get("share")
        if not grade and share is None:
            continue
        rows.append(
            {
                "grade": grade,
                "share": "" if share is None else str(share),
                "mode": form.cleaned_data.get("mode") or "target",
            }
        )
    return rows


def levels_from_formset(formset: Any) -> dict[str, str]:
    levels: dict[str, str] = {}
    for form in formset.forms:
        grade = (form.cleaned_data.get("grade") or "").strip()
        level = form.cleaned_data.get("level") or ""
        if grade and level:
            levels[grade] = level
    return levels


class MemberForm(forms.Form):
    user = forms.CharField(
        label=_("User"), max_length=150, help_text=_("User name or employee number.")
    )
    role = forms.ChoiceField(label=_("Role in the session"), choices=MemberRole.choices)

    def clean_user(self) -> User:
        return _user_by_name_or_number(self.cleaned_data["user"])


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing off target"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _grade_choices(grades: Iterable[str]) -> list[tuple[str, Any]]:
    return [("", pgettext_lazy("keep", "— unchanged —")), *((g, g) for g in grades)]


def _potential_choices() -> list[tuple[str, Any]]:
    return [("", pgettext_lazy("keep", "— unchanged —")), *Potential.choices]


class EntryChangeForm(forms.Form):
    """A change of score, grade and/or potential, with the reason it needs (the service
    checks that something changes and that the reason is there)."""

    score = forms.CharField(
        label=_("Score"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    potential = forms.ChoiceField(label=_("Potential"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.TextInput(attrs={"required": True, "maxlength": MAX_REASON}),
    )

    def __init__(self, data: Any = None, *, grades: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["grade"].choices = _grade_choices(grades)  # type: ignore[attr-defined]
        self.fields["potential"].choices = _potential_choices()  # type: ignore[attr-defined]


class BulkChangeForm(forms.Form):
    """One grade or potential and one reason for the rows ticked in the grid."""

    e = forms.MultipleChoiceField(label=_("People"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    potential = forms.ChoiceField(label=_("Potential"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_REASON)

    def __init__(self, data: Any = None, *, grades: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["grade"].choices = _grade_choices(grades)  # type: ignore[attr-defined]
        self.fields["potential"].choices = _potential_choices()  # type: ignore[attr-defined]
        # the ids are checked against the session's visible entries by the view
        if data is not None:
            self.fields["e"].choices = [(v, v) for v in data.getlist("e")]  # type: ignore[attr-defined]


POTENTIAL_FILTER = [
    ("", _("Any potential")),
    ("none", _("Not rated yet")),
    *Potential.choices,
]


class GridFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        Department.objects.none(),
        label=_("Department"),
        required=False,
        to_field_name="uuid",
        widget=FastSelect,
        empty_label=_("Every department"),
    )
    pool = forms.ChoiceField(label=_("Pool"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    manager = forms.ModelChoiceField(
        Employee.objects.none(),
        label=_("Manager"),
        required=False,
        to_field_name="uuid",
        widget=FastSelect,
        empty_label=_("Every manager"),
    )
    potential = forms.ChoiceField(label=_("Potential"), required=False, choices=POTENTIAL_FILTER)
    box = forms.TypedChoiceField(
        label=_("Nine-box"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any box")), *((str(n), f"{n} · {box_name(n)}") for n in range(1, 10))],
    )
    changed = forms.BooleanField(label=_("Changed only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        data: Any,
        *,
        departments: QuerySet[Department],
        managers: QuerySet[Employee],
        pools: Iterable[tuple[str, str]],
        grades: Iterable[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["manager"].queryset = managers  # type: ignore[attr-defined]
        self.fields["pool"].choices = [("", _("Every pool")), *pools]  # type: ignore[attr-defined]
        self.fields["grade"].choices = [  # type: ignore[attr-defined]
            ("", _("Every grade")),
            *((g, g) for g in grades),
        ]
        self.fields["department"].label_from_instance = (  # type: ignore[attr-defined]
            lambda d: f"{'— ' * d.depth}{d.name}"
        )

    def filters(self) -> GridFilters:
        """The valid filters; a field with a bad value does not filter."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        department = data.get("department")
        manager = data.get("manager")
        return GridFilters(
            department=department.pk if department is not None else None,
            pool=data.get("pool") or "",
            grade=data.get("grade") or "",
            manager=manager.pk if manager is not None else None,
            changed=bool(data.get("changed")),
            potential=data.get("potential") or "",
            box=data.get("box"),
            query=(data.get("q") or "").strip(),
            sort=data.get("sort") or "department",
        )
