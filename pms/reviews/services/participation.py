"""Who takes part in a cycle (参评范围) and which template each person gets.

A cycle's ``rules`` select people set-based, so the same few queries serve ten people or a
hundred thousand:

- **scope**: the current employees of the listed departments (with everything below them
  when ``subtree``), role families (through the position) and positions; an empty list does
  not restrict;
- **taken out of the scope**: people whose status is not in ``statuses`` (when listed), people
  on leave (``exclude_on_leave``, on by default), new hires — hired after ``hired_before``,
  or fewer than ``min_tenure_days`` days before the cycle starts (people without a hire date
  count as long-serving);
- ``Cycle.include`` brings people in whatever the rules say (current employees only);
  ``Cycle.exclude`` keeps people out whatever else holds.

Template per person: an active edition linked to their position, else one linked to their
role family, else the cycle's default template. Nobody is launched without one.

The rules are stored as JSON with ids: ``{"departments": [ids], "subtree": bool,
"role_families": [ids], "positions": [ids], "statuses": [...], "hired_before": iso,
"min_tenure_days": n, "exclude_on_leave": bool}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.org.models import CURRENT_STATUSES, Department, Employee, EmployeeStatus
from pms.reviews.models import Cycle, ReviewTemplate, TemplateStatus

EVERYONE = ~Q(pk__in=[])
MAX_TENURE_DAYS = 3650

# why somebody in the scope (or on the include list) does not take part
EXCLUDED_BY_HR = "excluded"
ON_LEAVE = "on_leave"
OTHER_STATUS = "status"
NEW_HIRE = "new_hire"
REASONS: dict[str, Promise] = {
    EXCLUDED_BY_HR: gettext_lazy("Excluded by HR"),
    ON_LEAVE: gettext_lazy("On leave"),
    OTHER_STATUS: gettext_lazy("Status not taking part"),
    NEW_HIRE: gettext_lazy("New hire"),
}


@dataclass(frozen=True)
class Rules:
    departments: tuple[int, ...] = ()
    subtree: bool = True
    role_families: tuple[int, ...] = ()
    positions: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    hired_before: dt.date | None = None
    min_tenure_days: int = 0
    exclude_on_leave: bool = True

    def to_data(self) -> dict[str, Any]:
        return {
            "departments": list(self.departments),
            "subtree": self.subtree,
            "role_families": list(self.role_families),
            "positions": list(self.positions),
            "statuses": list(self.statuses),
            "hired_before": self.hired_before.isoformat() if self.hired_before else None,
            "min_tenure_days": self.min_tenure_days,
            "exclude_on_leave": self.exclude_on_leave,
        }


def _ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(
        int(v) for v in value if isinstance(v, int) or (isinstance(v, str) and v.isdigit())
    )


def rules_of(cycle: Cycle) -> Rules:
    """The cycle's stored rules, read leniently (what cannot be read does not restrict)."""
    data: Mapping[str, Any] = cycle.rules if isinstance(cycle.rules, dict) else {}
    hired_before = None
    if isinstance(data.get("hired_before"), str):
        try:
            hired_before = dt.date.fromisoformat(data["hired_before"])
        except ValueError:
            hired_before = None
    tenure = data.get("min_tenure_days")
    statuses = data.get("statuses")
    return Rules(
        departments=_ids(data.get("departments")),
        subtree=bool(data.get("subtree", True)),
        role_families=_ids(data.get("role_families")),
        positions=_ids(data.get("positions")),
        statuses=tuple(
            s for s in (statuses if isinstance(statuses, list) else []) if s in CURRENT_STATUSES
        ),
        hired_before=hired_before,
        min_tenure_days=tenure if isinstance(tenure, int) and tenure > 0 else 0,
        exclude_on_leave=bool(data.get("exclude_on_leave", True)),
    )


def rules_clean(
    *,
    departments: Iterable[int] = (),
    subtree: bool = True,
    role_families: Iterable[int] = (),
    positions: Iterable[int] = (),
    statuses: Iterable[str] = (),
    hired_before: dt.date | None = None,
    min_tenure_days: int | None = 0,
    exclude_on_leave: bool = True,
) -> Rules:
    """Checked rules, or a ``ValidationError`` naming the field."""
    errors: dict[str, list[str]] = {}
    status_list = tuple(dict.fromkeys(statuses))
    allowed = set(CURRENT_STATUSES)
    if any(s not in allowed for s in status_list):
        errors["statuses"] = [
            _("Only current employees can take part: choose among %(s)s.")
            % {
                "s": ", ".join(
                    str(label) for value, label in EmployeeStatus.choices if value in allowed
                )
            }
        ]
    tenure = min_tenure_days or 0
    if tenure < 0 or tenure > MAX_TENURE_DAYS:
        errors["min_tenure_days"] = [
            _("Give a number of days between 0 and %(max)s.") % {"max": MAX_TENURE_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    return Rules(
        departments=tuple(sorted(set(departments))),
        subtree=subtree,
        role_families=tuple(sorted(set(role_families))),
        positions=tuple(sorted(set(positions))),
        statuses=status_list,
        hired_before=hired_before,
        min_tenure_days=tenure,
        exclude_on_leave=exclude_on_leave,
    )


# --- the sets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conditions:
    """The rules as conditions on ``Employee``; ``None`` where a rule is not in use."""

    scope: Q
    other_status: Q | None
    on_leave: Q | None
    new_hire: Q | None
    included: Q
    excluded: Q

    @property
    def taken_out(self) -> Q | None:
        parts = [q for q in (self.other_status, self.on_leave, self.new_hire) if q is not None]
        if not parts:
            return None
        combined = parts[0]
        for q in parts[1:]:
            combined |= q
        return combined


def conditions(cycle: Cycle) -> Conditions:
    """One query at most (the paths of the rule's departments)."""
    rules = rules_of(cycle)
    scope = EVERYONE
    if rules.departments:
        if rules.subtree:
            paths = Department.objects.filter(pk__in=rules.departments).values_list(
                "path", flat=True
            )
            department_q = Q(pk__in=[])
            for path in paths:
                department_q |= Q(department__path__startswith=path)
        else:
            department_q = Q(department_id__in=rules.departments)
        scope &= department_q
    if rules.role_families:
        scope &= Q(position__role_family_id__in=rules.role_families)
    if rules.positions:
        scope &= Q(position_id__in=rules.positions)
    other_status = (
        ~Q(status__in=rules.statuses) & ~Q(status=EmployeeStatus.ON_LEAVE)
        if rules.statuses
        else None
    )
    on_leave = None
    if rules.exclude_on_leave or (rules.statuses and EmployeeStatus.ON_LEAVE not in rules.statuses):
        on_leave = Q(status=EmployeeStatus.ON_LEAVE)
    new_hire = None
    if rules.hired_before is not None:
        new_hire = Q(hire_date__gt=rules.hired_before)
    if rules.min_tenure_days:
        latest = cycle.start - dt.timedelta(days=rules.min_tenure_days)
        tenure_q = Q(hire_date__gt=latest)
        new_hire = tenure_q if new_hire is None else new_hire | tenure_q
    if cycle.pk is None:
        included, excluded = Q(pk__in=[]), Q(pk__in=[])
    else:
        included = Q(
            pk__in=Cycle.include.through.objects.filter(cycle_id=cycle.pk).values("employee_id")
        )
        excluded = Q(
            pk__in=Cycle.exclude.through.objects.filter(cycle_id=cycle.pk).values("employee_id")
        )
    return Conditions(
        scope=scope,
        other_status=other_status,
        on_leave=on_leave,
        new_hire=new_hire,
        included=included,
        excluded=excluded,
    )


def participants(cycle: Cycle, cond: Conditions | None = None) -> QuerySet[Employee]:
    """The current employees who take part, as one query."""
    cond = cond or conditions(cycle)
    chosen = cond.scope
    taken_out = cond.taken_out
    if taken_out is not None:
        chosen = chosen & ~taken_out
    return (
        Employee.objects.filter(status__in=CURRENT_STATUSES)
        .filter(chosen | cond.included)
        .exclude(cond.excluded)
    )


def left_out(cycle: Cycle, cond: Conditions | None = None) -> QuerySet[Employee]:
    """The current employees in the scope (or on the include list) who do not take part,
    each with the first ``reason`` that applies."""
    cond = cond or conditions(cycle)
    taken_out = cond.taken_out
    out = cond.excluded
    if taken_out is not None:
        out |= ~cond.included & taken_out
    whens = [When(cond.excluded, then=Value(EXCLUDED_BY_HR))]
    for code, q in (
        (ON_LEAVE, cond.on_leave),
        (OTHER_STATUS, cond.other_status),
        (NEW_HIRE, cond.new_hire),
    ):
        if q is not None:
            whens.append(When(q, then=Value(code)))
    return (
        Employee.objects.filter(status__in=CURRENT_STATUSES)
        .filter(cond.scope | cond.included)
        .filter(out)
        .annotate(reason=Case(*whens, default=Value(""), output_field=CharField()))
    )


# --- templates ------------------------------------------------------------------------------


@dataclass
class TemplateChoice:
    """Which template edition each person gets: position, then role family, then default."""

    by_position: dict[int, ReviewTemplate] = field(default_factory=dict)
    by_family: dict[int, ReviewTemplate] = field(default_factory=dict)
    default: ReviewTemplate | None = None

    def for_person(self, position_id: int | None, family_id: int | None) -> ReviewTemplate | None:
        if position_id is not None and position_id in self.by_position:
            return self.by_position[position_id]
        if family_id is not None and family_id in self.by_family:
            return self.by_family[family_id]
        return self.default

    def without_template(self) -> Q | None:
        """People none of the templates fits (None: everybody has one)."""
        if self.default is not None:
            return None
        q = EVERYONE
        if self.by_position:
            q &= ~Q(position_id__in=list(self.by_position))
        if self.by_family:
            q &= ~Q(position__role_family_id__in=list(self.by_family))
        return q

    @property
    def templates(self) -> list[ReviewTemplate]:
        found = {t.pk: t for t in (*self.by_position.values(), *self.by_family.values())}
        if self.default is not None:
            found[self.default.pk] = self.default
        return sorted(found.values(), key=lambda t: (t.code, -t.version))


def template_choice(cycle: Cycle) -> TemplateChoice:
    """Three queries: the active editions with their positions and role families. Where
    several active editions name the same position or role family, the first by code (then
    the newest version) wins, so the choice is stable."""
    choice = TemplateChoice()
    active = (
        ReviewTemplate.objects.filter(status=TemplateStatus.ACTIVE)
        .prefetch_related("positions", "role_families")
        .order_by("code", "-version")
    )
    for tpl in active:
        for position in tpl.positions.all():
            choice.by_position.setdefault(position.pk, tpl)
        for family in tpl.role_families.all():
            choice.by_family.setdefault(family.pk, tpl)
    default = cycle.default_template
    if default is not None and default.status == TemplateStatus.ACTIVE:
        choice.default = default
    return choice


__all__ = [
    "EXCLUDED_BY_HR",
    "NEW_HIRE",
    "ON_LEAVE",
    "OTHER_STATUS",
    "REASONS",
    "Conditions",
    "Rules",
    "TemplateChoice",
    "conditions",
    "left_out",
    "participants",
    "rules_clean",
    "rules_of",
    "template_choice",
]
