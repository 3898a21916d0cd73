"""Forms of the cycle pages: the cycle with its rules and phase dates, a phase's dates,
and HR's actions on one person (open a phase for them, remove, put back, add).

People are named by employee number (a list of 100,000 names is unusable; the number is
what HR has at hand); unknown numbers are reported, nothing is guessed.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pms.comms.forms import DepartmentsField, FastSelectMultiple
from pms.goals.models import Period
from pms.org.models import (
    CURRENT_STATUSES,
    Department,
    Employee,
    EmployeeStatus,
    Position,
    RoleFamily,
)
from pms.reviews.models import PHASE_ORDER, Cycle, CycleKind, Phase, ReviewTemplate
from pms.reviews.selectors.monitor import RATER_PHASES
from pms.reviews.services.cycles import PhaseDates, cycle_phase_dates, deadline_field, opens_field
from pms.reviews.services.participation import Rules, rules_clean, rules_of

DATE = {"type": "date"}
MAX_NUMBERS = 5000
_SPLIT = re.compile(r"[\s,;，；、]+")


def date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )


class UuidChoiceField(forms.ModelChoiceField[Any]):
    def __init__(self, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)


class UuidMultipleField(forms.ModelMultipleChoiceField[Any]):
    widget = FastSelectMultiple

    def __init__(self, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", required=False, **kwargs)


class PositionsField(UuidMultipleField):
    def label_from_instance(self, obj: Position) -> str:
        return f"{obj.title} ({obj.code})"


def numbers_of(text: str) -> list[str]:
    return list(dict.fromkeys(n for n in _SPLIT.split(text or "") if n))


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CycleKind.choices)
    period = UuidChoiceField(
        Period.objects.none(),
        label=_("Goal period"),
        required=False,
        help_text=_("Whose scorecards feed the goal results; none for probation or projects."),
    )
    start = date_field(_("First day"), required=True)
    end = date_field(_("Last day"), required=True)
    default_template = UuidChoiceField(
        ReviewTemplate.objects.none(),
        label=_("Default template"),
        required=False,
        help_text=_(
            "For people no template of their position or role family fits. Without one, "
            "such people stop the launch."
        ),
    )
    departments = DepartmentsField(
        Department.objects.none(), to_field_name="uuid", required=False, label=_("Departments")
    )
    subtree = forms.BooleanField(
        label=_("With the departments below them"), required=False, initial=True
    )
    role_families = UuidMultipleField(RoleFamily.objects.none(), label=_("Role families"))
    positions = PositionsField(Position.objects.none(), label=_("Positions"))
    statuses = forms.MultipleChoiceField(
        label=_("Employee statuses"),
        required=False,
        choices=[(v, label) for v, label in EmployeeStatus.choices if v in CURRENT_STATUSES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every current employee."),
    )
    exclude_on_leave = forms.BooleanField(
        label=_("Leave out people on leave"), required=False, initial=True
    )
    hired_before = date_field(_("Hired on or before"))
    min_tenure_days = forms.IntegerField(
        label=_("Fewest days employed at the start"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("New hires employed fewer days than this when the cycle starts are left out."),
    )
    include_numbers = forms.CharField(
        label=_("Always include (employee numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    exclude_numbers = forms.CharField(
        label=_("Always leave out (employee numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        periods: QuerySet[Period],
        templates: QuerySet[ReviewTemplate],
        departments: QuerySet[Department],
        role_families: QuerySet[RoleFamily],
        positions: QuerySet[Position],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
        self.fields["default_template"].queryset = templates  # type: ignore[attr-defined]
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["role_families"].queryset = role_families  # type: ignore[attr-defined]
        self.fields["positions"].queryset = positions  # type: ignore[attr-defined]
        for phase in PHASE_ORDER:
            label = Phase(phase).label
            self.fields[opens_field(phase)] = date_field(_("%(phase)s opens") % {"phase": label})
            self.fields[deadline_field(phase)] = date_field(
                _("%(phase)s deadline") % {"phase": label}
            )

    CYCLE_FIELDS = ("name", "kind", "period", "start", "end", "default_template")
    RULE_FIELDS = (
        "departments",
        "subtree",
        "role_families",
        "positions",
        "statuses",
        "exclude_on_leave",
        "hired_before",
        "min_tenure_days",
        "include_numbers",
        "exclude_numbers",
    )

    def cycle_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CYCLE_FIELDS]

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.RULE_FIELDS]

    def phase_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for phase in PHASE_ORDER
            for name in (opens_field(phase), deadline_field(phase))
        ]

    def _people(self, name: str, *, current_only: bool) -> list[Employee]:
        numbers = numbers_of(self.cleaned_data.get(name, ""))
        if len(numbers) > MAX_NUMBERS:
            raise ValidationError(_("At most %(max)s people per list.") % {"max": MAX_NUMBERS})
        if not numbers:
            return []
        found = list(Employee.objects.filter(number__in=numbers))
        known = {p.number for p in found}
        unknown = [n for n in numbers if n not in known]
        if unknown:
            raise ValidationError(
                _("No employee has these numbers: %(numbers)s")
                % {"numbers": ", ".join(unknown[:20])}
            )
        if current_only:
            gone = [p.number for p in found if p.status not in CURRENT_STATUSES]
            if gone:
                raise ValidationError(
                    _("These people have left and cannot take part: %(numbers)s")
                    % {"numbers": ", ".join(gone[:20])}
                )
        return found

    def clean_include_numbers(self) -> list[Employee]:
        return self._people("include_numbers", current_only=True)

    def clean_exclude_numbers(self) -> list[Employee]:
        return self._people("exclude_numbers", current_only=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.rules = rules_clean(
                departments=[d.pk for d in data.get("departments") or []],
                subtree=bool(data.get("subtree")),
                role_families=[f.pk for f in data.get("role_families") or []],
                positions=[p.pk for p in data.get("positions") or []],
                statuses=data.get("statuses") or [],
                hired_before=data.get("hired_before"),
                min_tenure_days=data.get("min_tenure_days") or 0,
                exclude_on_leave=bool(data.get("exclude_on_leave")),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    def deadlines(self) -> dict[str, PhaseDates]:
        data = self.cleaned_data
        return {
            phase: (data.get(opens_field(phase)), data.get(deadline_field(phase)))
            for phase in PHASE_ORDER
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "period": data.get("period"),
            "start": data["start"],
            "end": data["end"],
            "default_template": data.get("default_template"),
            "rules": self.rules,
            "include": data.get("include_numbers") or [],
            "exclude": data.get("exclude_numbers") or [],
            "deadlines": self.deadlines(),
        }

    @staticmethod
    def initial_for(cycle: Cycle) -> dict[str, Any]:
        rules: Rules = rules_of(cycle)
        initial: dict[str, Any] = {
            "name": cycle.name,
            "kind": cycle.kind,
            "period": cycle.period,
            "start": cycle.start,
            "end": cycle.end,
            "default_template": cycle.default_template,
            "departments": list(Department.objects.filter(pk__in=rules.departments)),
            "subtree": rules.subtree,
            "role_families": list(RoleFamily.objects.filter(pk__in=rules.role_families)),
            "positions": list(Position.objects.filter(pk__in=rules.positions)),
            "statuses": list(rules.statuses),
            "exclude_on_leave": rules.exclude_on_leave,
            "hired_before": rules.hired_before,
            "min_tenure_days": rules.min_tenure_days or None,
            "include_numbers": " ".join(
                cycle.include.order_by("number").values_list("number", flat=True)
            ),
            "exclude_numbers": " ".join(
                cycle.exclude.order_by("number").values_list("number", flat=True)
            ),
        }
        for phase, (opens_on, deadline) in cycle_phase_dates(cycle).items():
            initial[opens_field(phase)] = opens_on
            initial[deadline_field(phase)] = deadline
        return initial


class DeadlineForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    opens_on = date_field(_("Opens on"))
    deadline = date_field(_("Deadline"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtendForm(ReasonForm):
    phase = forms.ChoiceField(label=_("Phase"), choices=[(p, Phase(p).label) for p in RATER_PHASES])
    until = date_field(_("Open until"), required=True)

    field_order = ["phase", "until", "reason"]


class AddPersonForm(ReasonForm):
    number = forms.CharField(label=_("Employee number"), max_length=40)

    field_order = ["number", "reason"]

    def __init__(self, data: Any = None, *, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.people = people

    def clean_number(self) -> Employee:
        number = self.cleaned_data["number"].strip()
        person = self.people.filter(number=number).first()
        if person is None:
            raise ValidationError(
                _("No employee you look after has the number %(number)s.") % {"number": number}
            )
        return person


__all__ = [
    "AddPersonForm",
    "CycleForm",
    "DeadlineForm",
    "ExtendForm",
    "OptionalReasonForm",
    "ReasonForm",
    "numbers_of",
]
