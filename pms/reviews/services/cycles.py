"""Review cycles (考核周期) while they are being prepared: create, change, phase dates.

A cycle is changed only as a draft (and not while it is being launched); once it runs,
its phases move on through ``services.phases``. Who may do this (company-wide HR) is
checked by the callers through ``pms.reviews.access``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, json_value
from pms.core.models import AuditAction
from pms.goals.models import Period
from pms.org.models import Employee
from pms.reviews.models import (
    PHASE_ORDER,
    Cycle,
    CycleKind,
    CyclePhase,
    CycleStatus,
    Phase,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.services.launch import is_launching
from pms.reviews.services.participation import Rules, rules_of

# (opens on, deadline) of a phase; either may be left open
PhaseDates = tuple[dt.date | None, dt.date | None]

CYCLE_FIELDS = ("name", "kind", "period", "start", "end", "default_template")
CHANGEABLE = (*CYCLE_FIELDS, "rules", "include", "exclude", "deadlines")
MAX_LIST = 5000


def deadline_field(phase: str) -> str:
    """The form field a phase's deadline error belongs to."""
    return f"deadline_{phase}"


def opens_field(phase: str) -> str:
    return f"opens_{phase}"


def check_deadlines(deadlines: Mapping[str, PhaseDates]) -> dict[str, list[str]]:
    """Each phase opens before its deadline; deadlines follow the phases' order."""
    errors: dict[str, list[str]] = {}
    previous: tuple[str, dt.date] | None = None
    for phase in PHASE_ORDER:
        opens_on, deadline = deadlines.get(phase, (None, None))
        if opens_on is not None and deadline is not None and opens_on > deadline:
            errors[deadline_field(phase)] = [_("The deadline comes before the phase opens.")]
            continue
        if deadline is None:
            continue
        if previous is not None and deadline < previous[1]:
            errors[deadline_field(phase)] = [
                _("This deadline comes before the deadline of %(phase)s.")
                % {"phase": Phase(previous[0]).label}
            ]
            continue
        previous = (phase, deadline)
    return errors


def _clean(
    cycle: Cycle,
    errors: dict[str, list[str]],
) -> None:
    cycle.name = (cycle.name or "").strip()
    if not cycle.name:
        errors.setdefault("name", []).append(_("Give the cycle a name."))
    elif len(cycle.name) > Cycle._meta.get_field("name").max_length:  # type: ignore[operator]
        errors.setdefault("name", []).append(_("Keep the name under 100 characters."))
    elif Cycle.objects.filter(name=cycle.name).exclude(pk=cycle.pk).exists():
        errors.setdefault("name", []).append(_("Another cycle already has this name."))
    if cycle.kind not in CycleKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of cycle."))
    if cycle.start is None:
        errors.setdefault("start", []).append(_("Give the first day."))
    if cycle.end is None:
        errors.setdefault("end", []).append(_("Give the last day."))
    if cycle.start is not None and cycle.end is not None and cycle.start > cycle.end:
        errors.setdefault("end", []).append(_("The cycle ends before it starts."))
    template = cycle.default_template
    if template is not None and template.status != TemplateStatus.ACTIVE:
        errors.setdefault("default_template", []).append(
            _("The template “%(template)s” is not in use; choose an active one.")
            % {"template": template}
        )


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _snapshot(
    cycle: Cycle,
    *,
    include: Iterable[Employee] | None = None,
    exclude: Iterable[Employee] | None = None,
    deadlines: Mapping[str, PhaseDates] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {name: json_value(getattr(cycle, name)) for name in CYCLE_FIELDS}
    data["rules"] = cycle.rules
    if include is not None:
        data["include"] = sorted(p.number for p in include)
    if exclude is not None:
        data["exclude"] = sorted(p.number for p in exclude)
    if deadlines is not None:
        data["deadlines"] = {
            phase: [json_value(opens_on), json_value(deadline)]
            for phase, (opens_on, deadline) in deadlines.items()
        }
    return data


def _check_lists(include: list[Employee], exclude: list[Employee]) -> None:
    if len(include) > MAX_LIST or len(exclude) > MAX_LIST:
        raise ValidationError(
            {"include": [_("At most %(max)s people per list.") % {"max": MAX_LIST}]}
        )


def cycle_phase_dates(cycle: Cycle) -> dict[str, PhaseDates]:
    return {
        row.phase: (row.opens_on, row.deadline) for row in CyclePhase.objects.filter(cycle=cycle)
    }


def _write_phases(cycle: Cycle, deadlines: Mapping[str, PhaseDates]) -> None:
    rows = {row.phase: row for row in CyclePhase.objects.filter(cycle=cycle)}
    for phase in PHASE_ORDER:
        opens_on, deadline = deadlines.get(phase, (None, None))
        row = rows.get(phase)
        if row is None:
            CyclePhase.objects.create(
                cycle=cycle, phase=phase, opens_on=opens_on, deadline=deadline
            )
        elif (row.opens_on, row.deadline) != (opens_on, deadline):
            row.opens_on, row.deadline = opens_on, deadline
            row.save(update_fields=["opens_on", "deadline", "updated_at"])


def cycle_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    period: Period | None = None,
    default_template: ReviewTemplate | None = None,
    rules: Rules | None = None,
    include: Iterable[Employee] = (),
    exclude: Iterable[Employee] = (),
    deadlines: Mapping[str, PhaseDates] | None = None,
) -> Cycle:
    """A draft cycle with a row per phase."""
    include_list, exclude_list = list(include), list(exclude)
    deadlines = dict(deadlines or {})
    cycle = Cycle(
        name=name,
        kind=kind,
        start=start,
        end=end,
        period=period,
        default_template=default_template,
        rules=(rules or Rules()).to_data(),
        status=CycleStatus.DRAFT,
        phase=Phase.GOALS,
    )
    errors: dict[str, list[str]] = {}
    _clean(cycle, errors)
    errors.update(check_deadlines(deadlines))
    _raise(errors)
    _check_lists(include_list, exclude_list)
    with transaction.atomic():
        cycle.save()
        _write_phases(cycle, deadlines)
        cycle.include.set(include_list)
        cycle.exclude.set(exclude_list)
        audit_record(
            actor=actor,
            instance=cycle,
            action=AuditAction.CREATE,
            after=_snapshot(cycle, include=include_list, exclude=exclude_list, deadlines=deadlines),
        )
    return cycle


def cycle_update(
    *, actor: Actor, cycle: Cycle, changes: Mapping[str, Any], reason: str = ""
) -> Cycle:
    """Change a draft cycle. ``changes`` holds any of ``CHANGEABLE``: the model fields,
    ``rules`` (``Rules``), ``include``/``exclude`` (people) and ``deadlines``
    ({phase: (opens on, deadline)})."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.DRAFT:
            raise ValidationError(_("Only a cycle being prepared can be changed."))
        if is_launching(locked):
            raise ValidationError(_("This cycle is being launched; wait until it has finished."))
        old_include = list(cycle.include.all())
        old_exclude = list(cycle.exclude.all())
        old_deadlines = cycle_phase_dates(cycle)
        before = _snapshot(cycle, include=old_include, exclude=old_exclude, deadlines=old_deadlines)
        for name in CYCLE_FIELDS:
            if name in changes:
                setattr(cycle, name, changes[name])
        if "rules" in changes:
            rules = changes["rules"]
            cycle.rules = rules.to_data() if isinstance(rules, Rules) else rules_of(cycle).to_data()
        include = list(changes.get("include", old_include))
        exclude = list(changes.get("exclude", old_exclude))
        deadlines = dict(changes.get("deadlines", old_deadlines))
        errors: dict[str, list[str]] = {}
        _clean(cycle, errors)
        errors.update(check_deadlines(deadlines))
        _raise(errors)
        _check_lists(include, exclude)
        cycle.save(update_fields=[*CYCLE_FIELDS, "rules", "updated_at"])
        if "include" in changes:
            cycle.include.set(include)
        if "exclude" in changes:
            cycle.exclude.set(exclude)
        if "deadlines" in changes:
            _write_phases(cycle, deadlines)
        after = _snapshot(cycle, include=include, exclude=exclude, deadlines=deadlines)
        changed = [key for key in after if after[key] != before.get(key)]
        if changed:
            audit_record(
                actor=actor,
                instance=cycle,
                action=AuditAction.UPDATE,
                before={key: before.get(key) for key in changed},
                after={key: after[key] for key in changed},
                reason=reason,
            )
    return cycle


__all__ = [
    "CHANGEABLE",
    "PhaseDates",
    "check_deadlines",
    "cycle_create",
    "cycle_phase_dates",
    "cycle_update",
    "deadline_field",
    "opens_field",
]
