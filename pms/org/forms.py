"""Forms for the organisation pages. They parse and shape input only; the rules live in
the services, whose ``ValidationError`` is shown on the form by ``add_service_errors``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.org import selectors
from pms.org.models import Department, Employee, EmployeeStatus, Position, RoleFamily

REASON_HELP = _("Kept in the history of this record.")


def add_service_errors(
    form: forms.Form, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names when the
    form has that field (``field_map`` renames model fields to form fields), else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    mapping = field_map or {}
    for name, messages in error.message_dict.items():
        target = mapping.get(name, name)
        form.add_error(target if target in form.fields else None, messages)


def _use_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Choices depend on who is asking, so they are set per form instance."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(name)
    field.queryset = queryset


class FastSelect(forms.Select):
    """A select whose options are joined in Python. Django renders one template per option,
    which costs half a second for the 2,000 departments of a large company; this takes a
    few milliseconds and produces the same markup."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option_value), SELECTED if str(option_value) in selected else "", label)
                for option_value, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


SELECTED = mark_safe(" selected")


class DepartmentChoiceField(forms.ModelChoiceField[Department]):
    """Departments by public id, indented by depth so the tree shows in a select list."""

    widget = FastSelect

    def __init__(self, queryset: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


class PositionChoiceField(forms.ModelChoiceField[Position]):
    widget = FastSelect

    def __init__(self, queryset: QuerySet[Position], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Position) -> str:
        return f"{obj.title} ({obj.code})"


class RoleFamilyChoiceField(forms.ModelChoiceField[RoleFamily]):
    def __init__(self, queryset: QuerySet[RoleFamily], **kwargs: Any) -> None:
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PersonByNumberMixin:
    """Fields that name a person by employee number: lists of 100,000 people are unusable,
    a number is what HR has at hand. Resolved within the people the user may see."""

    people: QuerySet[Employee]
    cleaned_data: dict[str, Any]

    def _person(self, name: str) -> Employee | None:
        number = (self.cleaned_data.get(name) or "").strip()
        if not number:
            return None
        person = selectors.employee_by_number(self.people, number)
        if person is None:
            raise ValidationError(
                _("No employee has the number %(number)s."), params={"number": number}
            )
        return person


def number_field(label: str | Any, help_text: str | Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=40, help_text=help_text)


# --- departments ----------------------------------------------------------------------------


class DepartmentCreateForm(PersonByNumberMixin, forms.Form):
    name = forms.CharField(label=_("Department name"), max_length=100)
    code = forms.CharField(label=_("Department code"), max_length=40)
    parent = DepartmentChoiceField(
        Department.objects.none(),
        label=_("Parent department"),
        required=False,
        empty_label=_("(top level)"),
    )
    head = number_field(_("Head (employee number)"), _("Leave empty for none."))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)

    def __init__(
        self,
        *args: Any,
        departments: QuerySet[Department],
        people: QuerySet[Employee],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        _use_queryset(self, "parent", departments)

    def clean_head(self) -> Employee | None:
        return self._person("head")


class DepartmentEditForm(PersonByNumberMixin, forms.Form):
    name = forms.CharField(label=_("Department name"), max_length=100)
    code = forms.CharField(label=_("Department code"), max_length=40)
    head = number_field(_("Head (employee number)"), _("Leave empty for none."))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0)
    reason = reason_field()

    def __init__(self, *args: Any, people: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people

    @classmethod
    def initial_for(cls, department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "code": department.code,
            "head": department.head.number if department.head else "",
            "sort_order": department.sort_order,
        }

    def clean_head(self) -> Employee | None:
        return self._person("head")

    def changes(self, department: Department) -> dict[str, Any]:
        """Only the fields whose value differs, so the history shows what really changed."""
        return {
            name: self.cleaned_data[name]
            for name in ("name", "code", "head", "sort_order")
            if getattr(department, name) != self.cleaned_data[name]
        }


class DepartmentMoveForm(forms.Form):
    parent = DepartmentChoiceField(
        Department.objects.none(),
        label=_("New parent department"),
        required=False,
        empty_label=_("(top level)"),
    )
    reason = reason_field()

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "parent", departments)


class DepartmentCloseForm(forms.Form):
    move_to = DepartmentChoiceField(
        Department.objects.none(),
        label=_("Move people, positions and sub-departments to"),
    )
    reason = reason_field()

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "move_to", departments)


# --- positions ------------------------------------------------------------------------------


class PositionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    family = RoleFamilyChoiceField(
        RoleFamily.objects.all(), label=_("Role family"), required=False, empty_label=_("All")
    )
    department = DepartmentChoiceField(
        Department.objects.none(), label=_("Department"), required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "department", departments)

    def filters(self) -> dict[str, Any]:
        """The valid filters; an unknown value is ignored rather than failing the page."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "role_family": data.get("family"),
            "department": data.get("department"),
        }


class PositionForm(forms.Form):
    code = forms.CharField(label=_("Position code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=100)
    role_family = RoleFamilyChoiceField(RoleFamily.objects.all(), label=_("Role family"))
    department = DepartmentChoiceField(
        Department.objects.none(), label=_("Department"), required=False
    )
    responsibilities = forms.CharField(
        label=_("Responsibilities"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    key_indicators = forms.CharField(
        label=_("Key indicators"),
        required=False,
        help_text=_("One indicator per line."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    FIELDS: tuple[str, ...] = (
        "code",
        "title",
        "role_family",
        "department",
        "responsibilities",
        "key_indicators",
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "department", departments)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class PositionEditForm(PositionForm):
    is_active = forms.BooleanField(label=_("In use"), required=False)
    reason = reason_field()

    FIELDS = (*PositionForm.FIELDS, "is_active")

    @classmethod
    def initial_for(cls, position: Position) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(position, name) for name in cls.FIELDS}
        initial["role_family"] = position.role_family.uuid
        initial["department"] = position.department.uuid if position.department else None
        return initial

    def changes(self, position: Position) -> dict[str, Any]:
        """Only the fields whose value differs, so the history shows what really changed."""
        return {
            name: value for name, value in self.values().items() if getattr(position, name) != value
        }


# --- people ---------------------------------------------------------------------------------


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = DepartmentChoiceField(
        Department.objects.none(), label=_("Department"), required=False, empty_label=_("All")
    )
    position = PositionChoiceField(
        Position.objects.none(), label=_("Position"), required=False, empty_label=_("All")
    )
    family = RoleFamilyChoiceField(
        RoleFamily.objects.all(), label=_("Role family"), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *EmployeeStatus.choices],
    )

    def __init__(
        self,
        *args: Any,
        departments: QuerySet[Department],
        positions: QuerySet[Position],
        with_status: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "department", departments)
        _use_queryset(self, "position", positions)
        if not with_status:
            del self.fields["status"]

    def filters(self) -> dict[str, Any]:
        """The valid filters; an unknown value is ignored rather than failing the page."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "department": data.get("department"),
            "position": data.get("position"),
            "role_family": data.get("family"),
            "status": data.get("status") or "",
        }


class EmployeeForm(PersonByNumberMixin, forms.Form):
    number = forms.CharField(label=_("Employee number"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    department = DepartmentChoiceField(Department.objects.none(), label=_("Department"))
    position = PositionChoiceField(Position.objects.none(), label=_("Position"), required=False)
    manager = number_field(
        _("Direct manager (employee number)"), _("Leave empty for someone at the top.")
    )
    dotted_manager = number_field(_("Dotted-line manager (employee number)"))
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    hire_date = forms.DateField(
        label=_("Hire date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=EmployeeStatus.choices, initial=EmployeeStatus.ACTIVE
    )

    FIELDS: tuple[str, ...] = (
        "number",
        "name",
        "department",
        "position",
        "manager",
        "dotted_manager",
        "email",
        "phone",
        "hire_date",
        "status",
    )

    def __init__(
        self,
        *args: Any,
        departments: QuerySet[Department],
        positions: QuerySet[Position],
        people: QuerySet[Employee],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        _use_queryset(self, "department", departments)
        _use_queryset(self, "position", positions)

    def clean_manager(self) -> Employee | None:
        return self._person("manager")

    def clean_dotted_manager(self) -> Employee | None:
        return self._person("dotted_manager")

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class EmployeeEditForm(EmployeeForm):
    reason = reason_field()

    @classmethod
    def initial_for(cls, employee: Employee) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(employee, name) for name in cls.FIELDS}
        initial["department"] = employee.department.uuid
        initial["position"] = employee.position.uuid if employee.position else None
        initial["manager"] = employee.manager.number if employee.manager else ""
        initial["dotted_manager"] = (
            employee.dotted_manager.number if employee.dotted_manager else ""
        )
        return initial

    def changes(self, employee: Employee) -> dict[str, Any]:
        """Only the fields whose value differs, so the history shows what really changed."""
        return {
            name: value for name, value in self.values().items() if getattr(employee, name) != value
        }
