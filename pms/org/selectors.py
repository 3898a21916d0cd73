"""Reads for the organisation pages. Every selector takes the queryset the access
functions allow and returns it shaped, so a page runs a fixed number of queries whatever
the size of the company."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pms.core.models import AuditEntry
from pms.core.selectors import object_history
from pms.org.models import (
    CURRENT_STATUSES,
    Department,
    Employee,
    Position,
    RoleFamily,
)

HISTORY_LIMIT = 50


def path_ids(path: str) -> list[int]:
    """The ids in a materialised path, top first: ``"/1/7/42/"`` → ``[1, 7, 42]``."""
    return [int(part) for part in path.strip("/").split("/") if part]


# --- department tree ------------------------------------------------------------------------


@dataclass
class TreeNode:
    """One department in the tree with its current headcount, direct and whole subtree."""

    department: Department
    direct: int
    total: int
    has_children: bool
    children: list[TreeNode] = field(default_factory=list)


def _headcounts(prefix: str | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """Current headcount per department (direct) and per subtree (total).

    One grouped query of direct counts; the totals are rolled up in Python along each
    department's path, so the cost does not depend on the number of departments."""
    rows = Employee.objects.filter(status__in=CURRENT_STATUSES)
    if prefix is not None:
        rows = rows.filter(department__path__startswith=prefix)
    grouped = rows.values("department_id", "department__path").annotate(n=Count("id")).order_by()
    direct: dict[int, int] = {}
    total: dict[int, int] = defaultdict(int)
    for row in grouped:
        direct[row["department_id"]] = row["n"]
        for department_id in path_ids(row["department__path"]):
            total[department_id] += row["n"]
    return direct, total


def _with_has_children(visible: QuerySet[Department]) -> QuerySet[Department]:
    return visible.select_related("head").annotate(
        has_children=Exists(visible.filter(parent=OuterRef("pk")))
    )


def _node(department: Any, direct: dict[int, int], total: dict[int, int]) -> TreeNode:
    return TreeNode(
        department=department,
        direct=direct.get(department.pk, 0),
        total=total.get(department.pk, 0),
        has_children=bool(department.has_children),
    )


def department_tree(visible: QuerySet[Department], *, levels: int = 2) -> list[TreeNode]:
    """The top ``levels`` of the tree; deeper levels come from ``department_children``."""
    direct, total = _headcounts()
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for department in _with_has_children(visible).filter(depth__lt=levels):
        node = _node(department, direct, total)
        nodes[department.pk] = node
        if department.parent_id is None:
            roots.append(node)
        elif department.parent_id in nodes:
            nodes[department.parent_id].children.append(node)
    return roots


@dataclass(frozen=True)
class Subtree:
    """A department's own headcounts and its sub-departments with theirs."""

    direct: int
    total: int
    children: list[TreeNode]


def department_subtree(visible: QuerySet[Department], department: Department) -> Subtree:
    """The sub-departments of ``department``, each with its headcounts (two queries)."""
    direct, total = _headcounts(department.path)
    return Subtree(
        direct=direct.get(department.pk, 0),
        total=total.get(department.pk, 0),
        children=[
            _node(child, direct, total)
            for child in _with_has_children(visible).filter(parent=department)
        ],
    )


def department_ancestors(visible: QuerySet[Department], department: Department) -> list[Department]:
    """The departments above this one, top first (one query on the path's ids)."""
    ids = path_ids(department.path)[:-1]
    if not ids:
        return []
    return sorted(visible.filter(pk__in=ids), key=lambda d: d.depth)


def board_rows(
    departments: QuerySet[Department], *, focus: Department | None, roots: tuple[str, ...]
) -> tuple[list[Department], set[int]]:
    """The open departments a board lists — those right below ``focus``; without a focus,
    the ones the user's scope starts from (``roots``), else the top ones — and which of them
    have open departments below (two queries)."""
    if focus is not None:
        shown = departments.filter(parent=focus)
    elif roots:
        shown = departments.filter(path__in=roots)
    else:
        shown = departments.filter(parent__isnull=True)
    shown = shown.filter(is_active=True).order_by("sort_order", "name")
    has_children = set(
        departments.filter(parent__in=shown, is_active=True).values_list("parent_id", flat=True)
    )
    return list(shown), has_children


def department_members(visible: QuerySet[Employee], department: Department) -> QuerySet[Employee]:
    """The people placed directly in this department."""
    return visible.filter(department=department).select_related("position", "manager")


def department_positions(department: Department) -> QuerySet[Position]:
    return Position.objects.filter(department=department).select_related("role_family")


def department_choices(visible: QuerySet[Department]) -> QuerySet[Department]:
    """Open departments in tree order (each subtree after its parent), for select lists."""
    return visible.filter(is_active=True).order_by("path")


# --- positions ------------------------------------------------------------------------------


def position_list(
    visible: QuerySet[Position],
    *,
    search: str = "",
    role_family: RoleFamily | None = None,
    department: Department | None = None,
) -> QuerySet[Position]:
    """Positions with their current headcount; ``department`` includes its subtree."""
    positions = visible.select_related("role_family", "department").annotate(
        people=Count("employees", filter=Q(employees__status__in=CURRENT_STATUSES))
    )
    # An aggregate drops Meta.ordering; pages need a stable order.
    positions = positions.order_by("code")
    if search:
        positions = positions.filter(Q(title__icontains=search) | Q(code__icontains=search))
    if role_family is not None:
        positions = positions.filter(role_family=role_family)
    if department is not None:
        positions = positions.filter(department__path__startswith=department.path)
    return positions


def position_headcount(position: Position) -> int:
    return Employee.objects.filter(position=position, status__in=CURRENT_STATUSES).count()


# --- people ---------------------------------------------------------------------------------


def employee_directory(
    visible: QuerySet[Employee],
    *,
    private: Q,
    search: str = "",
    department: Department | None = None,
    position: Position | None = None,
    role_family: RoleFamily | None = None,
    status: str = "",
) -> QuerySet[Employee]:
    """The directory. ``private`` is the condition under which a row's private details
    (email, phone, status) may be shown: rows are annotated ``show_private``, e-mail and
    phone are searched and status filtered only within it, so nothing private leaks
    through a search or a filter."""
    people = visible.select_related("department", "position", "manager").annotate(
        show_private=Case(
            When(private, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    if search:
        people = people.filter(
            Q(name__icontains=search)
            | Q(number__icontains=search)
            | (private & (Q(email__icontains=search) | Q(phone__contains=search)))
        )
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    if position is not None:
        people = people.filter(position=position)
    if role_family is not None:
        people = people.filter(position__role_family=role_family)
    if status:
        people = people.filter(private, status=status)
    return people


def employee_profile(visible: QuerySet[Employee], employee: Employee) -> Employee:
    """The employee with what the profile card shows, in one query."""
    return visible.select_related(
        "department", "position__role_family", "manager", "dotted_manager"
    ).get(pk=employee.pk)


def manager_chain(visible: QuerySet[Employee], employee: Employee) -> list[Employee]:
    """The managers above this person, top first (one query on the report path's ids)."""
    ids = path_ids(employee.report_path)[:-1]
    if not ids:
        return []
    order = {pk: index for index, pk in enumerate(ids)}
    chain = visible.filter(pk__in=ids).select_related("position")
    return sorted(chain, key=lambda person: order[person.pk])


def direct_reports(visible: QuerySet[Employee], employee: Employee) -> QuerySet[Employee]:
    return visible.filter(manager=employee).select_related("department", "position")


def dotted_reports(visible: QuerySet[Employee], employee: Employee) -> QuerySet[Employee]:
    return visible.filter(dotted_manager=employee).select_related("department", "position")


def employee_by_number(visible: QuerySet[Employee], number: str) -> Employee | None:
    return visible.filter(number=number.strip()).first()


# --- history --------------------------------------------------------------------------------

_EXTRA_LABELS: dict[str, Promise] = {
    "people_moved_to": _("People moved to"),
    "people_moved": _("People moved"),
}


def field_label(model: type[models.Model], name: str) -> str:
    """The translated verbose name of an audited field, or the name itself."""
    if name in _EXTRA_LABELS:
        return capfirst(str(_EXTRA_LABELS[name]))
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return capfirst(str(getattr(model_field, "verbose_name", name)))


def _display_value(model: type[models.Model], name: str, value: Any) -> Any:
    """A stored choice value (``"left"``) shown as its translated label."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    choices = getattr(model_field, "flatchoices", None)
    if not choices or value is None:
        return value
    return dict(choices).get(value, value)


@dataclass(frozen=True)
class HistoryEntry:
    """An audit entry with its field names translated, for ``includes/history.html``."""

    entry: AuditEntry
    changes: list[tuple[str, Any, Any]]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


def history(instance: models.Model) -> list[HistoryEntry]:
    """The latest changes to one object, newest first, field names translated."""
    model = type(instance)
    entries = object_history(model._meta.label_lower, instance.pk)[:HISTORY_LIMIT]
    return [
        HistoryEntry(
            entry=entry,
            changes=[
                (
                    field_label(model, name),
                    _display_value(model, name, before),
                    _display_value(model, name, after),
                )
                for name, before, after in entry.changes
            ],
        )
        for entry in entries
    ]
