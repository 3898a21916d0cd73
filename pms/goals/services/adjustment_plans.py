"""Checking a goal adjustment request and working out its diff, before anything is
written: the request services record what these return, and the request page previews
with them.

The flexibility limit (预留10%-15%的弹性空间, ``Period.adjustment_limit``) is read so:

- it holds per goal and per calendar quarter (cut to the period): the change is measured
  against the terms the quarter containing ``effective_from`` started with (those in force
  the day before it; in the period's first quarter, the agreed version 1), so several small
  adjustments within a quarter add up (cumulative), and a new quarter starts afresh;
- a change of target (or upper target) is a ratio of the old value, in percent
  (``pms.scoring.adjustment.change_ratio``: 500 → 430 is 14 %);
- a change of weight is in percentage points (``weight_change_points``: 40 → 50 is 10);
- removing a goal, or adding one, is beyond the limit only when its weight exceeds the limit
  (dropping a goal of weight 10 stays within 15 %; one of weight 20 does not): its target
  vanishes or appears as a whole, so a target ratio means nothing there;
- a goal added earlier in the same quarter has no terms at the quarter's start, so a change
  to it is measured as its addition (its weight after the change);
- due date, title and completion standard have no number to measure and never call for the
  committee by themselves.

Beyond the limit on any goal, the committee decides after HR. ``largest_change`` is the
largest of these measures (percent or points), kept for lists and reports.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from pms.core.audit import json_value
from pms.goals.models import (
    OPEN_ADJUSTMENT,
    Goal,
    GoalAdjustment,
    GoalKind,
    GoalLevel,
    GoalStatus,
    GoalVersion,
    Period,
    PeriodStatus,
    Scorecard,
    Section,
    default_rule,
)
from pms.goals.rules import validate_rule
from pms.goals.selectors.adjustments import version_on
from pms.goals.services.scorecards import DEFAULT_SECTION, scorecard_problems
from pms.goals.services.versions import goal_terms
from pms.scoring.adjustment import change_ratio, weight_change_points
from pms.scoring.scorecard import check_weights

CHANGE = "change"
REMOVE = "remove"
ADD = "add"
OPS = (CHANGE, REMOVE, ADD)
# what a request may change on a goal in force
CHANGEABLE_TERMS = ("title", "target", "target_max", "weight", "due_date", "completion_standard")
# company and department goals carry no scorecard weight
PLAN_CHANGEABLE_TERMS = ("title", "target", "target_max", "due_date", "completion_standard")
# what a goal added by an adjustment may say
ADDABLE_TERMS = (
    "title",
    "kind",
    "section",
    "weight",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "scoring_rule",
)
ADDABLE_KINDS = (GoalKind.KPI, GoalKind.TASK)
TARGET_TERMS = ("target", "target_max")
# largest_change is DecimalField(max_digits=7, decimal_places=2)
MAX_CHANGE = Decimal("99999.99")


@dataclass(frozen=True)
class ChangeSpec:
    """One line of a request: change a goal's terms, remove a goal, or add a goal."""

    op: str
    goal: Goal | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def change(cls, goal: Goal, **values: Any) -> ChangeSpec:
        return cls(CHANGE, goal, values)

    @classmethod
    def remove(cls, goal: Goal) -> ChangeSpec:
        return cls(REMOVE, goal)

    @classmethod
    def add(cls, **terms: Any) -> ChangeSpec:
        return cls(ADD, None, terms)


@dataclass(frozen=True)
class AdjustmentPlan:
    """What a request would record: the diff and how far it goes against the limit.

    ``changes`` are the stored entries: ``{"op", "goal" (uuid or None), "title", "fields":
    {name: [before, after]}, "change" (the measure, as text), "beyond_limit"}``."""

    changes: list[dict[str, Any]]
    largest_change: Decimal
    needs_committee: bool
    limit: Decimal
    quarter_start: dt.date
    weight_total: Decimal | None = None


@dataclass
class _Entry:
    op: str
    goal: Goal | None
    title: str
    fields: dict[str, tuple[Any, Any]]
    measure: Decimal = Decimal(0)
    beyond: bool = False


class Errors:
    """Collects every problem, so a request shows them all at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, message: str, name: str = NON_FIELD_ERRORS) -> None:
        self.by_field.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(dict(self.by_field))


# --- values ------------------------------------------------------------------------------


def _goal_field(name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", Goal._meta.get_field(name))


def clean_value(name: str, value: Any, instance: Goal) -> Any:
    """A value for a goal field as the model stores it (text from forms and JSON alike)."""
    model_field = _goal_field(name)
    if isinstance(value, str):
        value = value.strip()
        if value == "" and model_field.null:
            value = None
    if name == "scoring_rule":
        return validate_rule(value)
    return model_field.clean(value, instance)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def diff_value(value: Any) -> Any:
    """As stored in the diff: decimals without trailing zeros, dates in ISO form."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value != 0 else "0"
    return json_value(value)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, Decimal) or isinstance(after, Decimal):
        return _decimal(before) == _decimal(after)
    return bool(before == after)


def _field_error(errors: Errors, title: str, name: str, error: ValidationError) -> None:
    label = str(_goal_field(name).verbose_name)
    for message in error.messages:
        errors.add(
            _("“%(goal)s”, %(field)s: %(message)s")
            % {"goal": title, "field": label, "message": message}
        )


def _changed_terms(
    goal: Goal, after: Goal, values: Mapping[str, Any], allowed: Sequence[str], errors: Errors
) -> dict[str, tuple[Any, Any]]:
    """The terms that really change, applied to ``after`` (a copy of the goal)."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not changeable by an adjustment: {sorted(unknown)}")
    fields: dict[str, tuple[Any, Any]] = {}
    for name in allowed:
        if name not in values:
            continue
        try:
            value = clean_value(name, values[name], after)
        except ValidationError as error:
            _field_error(errors, goal.title, name, error)
            continue
        before = getattr(goal, name)
        if _same(before, value):
            continue
        if name == "title" and not value:
            errors.add(_("“%(goal)s”: a goal needs a title.") % {"goal": goal.title})
            continue
        setattr(after, name, value)
        fields[name] = (before, value)
    if (
        after.target is not None
        and after.target_max is not None
        and after.target_max < after.target
    ):
        errors.add(
            _("“%(goal)s”: the upper target must not be below the target.") % {"goal": goal.title}
        )
    return fields


def new_goal(scorecard: Scorecard, terms: Mapping[str, Any], errors: Errors) -> Goal | None:
    """The goal an "add" line would create (unsaved), or None with the problems noted."""
    unknown = set(terms) - set(ADDABLE_TERMS)
    if unknown:
        raise ValueError(f"not settable on an added goal: {sorted(unknown)}")
    title = str(terms.get("title") or "").strip()
    label = title or _("the new goal")
    kind = terms.get("kind") or GoalKind.KPI
    if kind not in ADDABLE_KINDS:
        errors.add(
            _("An adjustment adds a KPI or a key task; “%(goal)s” is neither.") % {"goal": label}
        )
        return None
    goal = Goal(
        period_id=scorecard.period_id,
        level=GoalLevel.INDIVIDUAL,
        kind=kind,
        department_id=scorecard.department_id,
        employee_id=scorecard.employee_id,
        owner_id=scorecard.employee_id,
        scorecard=scorecard,
        section=DEFAULT_SECTION.get(GoalKind(kind), Section.OTHER),
        scoring_rule=default_rule() if kind == GoalKind.KPI else {"type": "pass_fail"},
        status=GoalStatus.APPROVED,
    )
    ok = True
    for name in ADDABLE_TERMS:
        if name not in terms or name == "kind":
            continue
        try:
            setattr(goal, name, clean_value(name, terms[name], goal))
        except ValidationError as error:
            _field_error(errors, label, name, error)
            ok = False
    if not title:
        errors.add(_("Write what the new goal is."))
        ok = False
    if goal.weight is None:
        errors.add(_("Give the new goal “%(goal)s” a weight.") % {"goal": label})
        ok = False
    if goal.target is not None and goal.target_max is not None and goal.target_max < goal.target:
        errors.add(
            _("“%(goal)s”: the upper target must not be below the target.") % {"goal": label}
        )
        ok = False
    return goal if ok else None


# --- dates and versions ------------------------------------------------------------------


def quarter_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the calendar quarter containing ``day``, not before the period."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return max(first, period.start)


def _version_entering(versions: Sequence[GoalVersion], since: dt.date) -> GoalVersion | None:
    """The terms the quarter started with: those in force the day before it, or for the
    period's first quarter the version the period starts with. None for a goal added
    since (a change made on the quarter's first day belongs to the quarter)."""
    before = version_on(versions, since - dt.timedelta(days=1))
    if before is not None:
        return before
    first = versions[0] if versions else None
    if first is not None and first.number == 1 and first.valid_from == since:
        return first if first.adjustment_id is None else None
    return None


def _current(versions: Sequence[GoalVersion]) -> GoalVersion | None:
    open_ones = [v for v in versions if v.valid_to is None]
    return max(open_ones, key=lambda v: v.number) if open_ones else None


def _versions_of(goals: Iterable[Goal]) -> dict[int, list[GoalVersion]]:
    ids = [g.pk for g in goals if g.pk is not None]
    found: dict[int, list[GoalVersion]] = {pk: [] for pk in ids}
    for version in GoalVersion.objects.filter(goal_id__in=ids).order_by("goal_id", "number"):
        found[version.goal_id].append(version)
    return found


def _check_effective(
    errors: Errors,
    period: Period,
    effective_from: dt.date | None,
    entries: Sequence[_Entry],
    versions: Mapping[int, Sequence[GoalVersion]],
) -> bool:
    if period.status == PeriodStatus.CLOSED:
        errors.add(_("The period %(period)s is closed.") % {"period": period.name})
        return False
    if effective_from is None:
        errors.add(_("Say from which day the change takes effect."), "effective_from")
        return False
    if not period.start <= effective_from <= period.end:
        errors.add(
            _("The change must take effect within the period (%(start)s – %(end)s).")
            % {"start": period.start.isoformat(), "end": period.end.isoformat()},
            "effective_from",
        )
        return False
    ok = True
    for entry in entries:
        if entry.goal is None:
            continue
        current = _current(versions.get(entry.goal.pk, ()))
        in_force_from = current.valid_from if current is not None else period.start
        if effective_from <= in_force_from:
            errors.add(
                _(
                    "“%(goal)s” has terms in force from %(date)s; a change can take effect "
                    "from the day after at the earliest."
                )
                % {"goal": entry.title, "date": in_force_from.isoformat()},
                "effective_from",
            )
            ok = False
    return ok


def _check_open(
    errors: Errors, open_adjustments: Iterable[GoalAdjustment], entries: Sequence[_Entry]
) -> None:
    """A goal waits in one open adjustment at a time: two would each diff against terms
    the other is about to change."""
    busy: set[str] = set()
    for adjustment in open_adjustments:
        if adjustment.goal is not None:
            busy.add(str(adjustment.goal.uuid))
        busy.update(str(c.get("goal")) for c in adjustment.changes if c.get("goal"))
    for entry in entries:
        if entry.goal is not None and str(entry.goal.uuid) in busy:
            errors.add(
                _(
                    "“%(goal)s” is already in an open adjustment; wait for its decision or "
                    "withdraw it first."
                )
                % {"goal": entry.title}
            )


# --- the flexibility limit ---------------------------------------------------------------


def _measure(
    entry: _Entry, base: Mapping[str, Any] | None, current_weight: Decimal | None
) -> Decimal:
    """How far one line goes, against the terms at the quarter's start (module docstring)."""
    if entry.op == ADD:
        return weight_change_points(None, entry.fields.get("weight", (None, None))[1])
    if entry.op == REMOVE:
        before = _decimal(base["weight"]) if base is not None else current_weight
        return weight_change_points(before, None)
    if base is None:  # added during this quarter: the change is part of its addition
        after = entry.fields["weight"][1] if "weight" in entry.fields else current_weight
        return weight_change_points(None, after)
    largest = Decimal(0)
    for name in TARGET_TERMS:
        if name in entry.fields:
            largest = max(largest, change_ratio(_decimal(base.get(name)), entry.fields[name][1]))
    if "weight" in entry.fields:
        largest = max(
            largest, weight_change_points(_decimal(base.get("weight")), entry.fields["weight"][1])
        )
    return largest


def _measure_all(
    entries: Sequence[_Entry],
    versions: Mapping[int, Sequence[GoalVersion]],
    since: dt.date,
    limit: Decimal,
) -> tuple[Decimal, bool]:
    largest = Decimal(0)
    beyond = False
    for entry in entries:
        base: Mapping[str, Any] | None = None
        current_weight: Decimal | None = None
        if entry.goal is not None:
            history = versions.get(entry.goal.pk, ())
            if history:
                version = _version_entering(history, since)
                base = version.terms if version is not None else None
            else:  # agreed before versions were kept: its terms so far are the base
                base = goal_terms(entry.goal)
            current_weight = entry.goal.weight
        entry.measure = min(_measure(entry, base, current_weight), MAX_CHANGE)
        entry.beyond = entry.measure > limit
        largest = max(largest, entry.measure)
        beyond = beyond or entry.beyond
    return largest, beyond


def _stored(entries: Sequence[_Entry]) -> list[dict[str, Any]]:
    return [
        {
            "op": entry.op,
            "goal": str(entry.goal.uuid) if entry.goal is not None else None,
            "title": entry.title,
            "fields": {
                name: [diff_value(before), diff_value(after)]
                for name, (before, after) in entry.fields.items()
            },
            "change": diff_value(entry.measure),
            "beyond_limit": entry.beyond,
        }
        for entry in entries
    ]


# --- planning a request (nothing written) ------------------------------------------------


def _expand_removals(specs: Sequence[ChangeSpec], goals: Sequence[Goal]) -> list[ChangeSpec]:
    """Removing an objective removes its key results with it."""
    result = list(specs)
    named = {s.goal.pk for s in specs if s.goal is not None}
    for spec in specs:
        if spec.op != REMOVE or spec.goal is None or spec.goal.kind != GoalKind.OBJECTIVE:
            continue
        for goal in goals:
            is_its_key_result = goal.parent_id == spec.goal.pk and goal.kind == GoalKind.KEY_RESULT
            if is_its_key_result and goal.pk not in named:
                result.append(ChangeSpec.remove(goal))
    return result


def _weights_after(errors: Errors, scorecard: Scorecard, after: Sequence[Goal]) -> Decimal | None:
    top = [g for g in after if g.kind != GoalKind.KEY_RESULT]
    if not top:
        errors.add(_("After this adjustment the scorecard would have no goals left."))
        return None
    unweighted = [g for g in top if g.weight is None]
    for goal in unweighted:
        errors.add(_("“%(goal)s” would have no weight.") % {"goal": goal.title})
    if unweighted:
        return None
    weights = check_weights(g.weight for g in top if g.weight is not None)
    if not weights.ok:
        errors.add(
            _(
                "After this adjustment the weights would total %(total)s%%; they must total "
                "100%%. Change other weights by %(gap)s points to make up for it."
            )
            % {"total": diff_value(weights.total), "gap": diff_value(abs(weights.difference))}
        )
        return weights.total
    for problem in scorecard_problems(scorecard, list(after)):
        errors.add(problem)
    return weights.total


def adjustment_plan(
    *, scorecard: Scorecard, changes: Sequence[ChangeSpec], effective_from: dt.date | None
) -> AdjustmentPlan:
    """Check a request to adjust an agreed scorecard and work out its diff and how far it
    goes; raise ``ValidationError`` listing every problem. Writes nothing (the request page
    previews with it)."""
    if not scorecard.is_agreed:
        raise ValidationError(
            _("Only an agreed scorecard is adjusted; a draft is changed directly.")
        )
    errors = Errors()
    period = scorecard.period
    goals = list(scorecard.goals.filter(is_active=True).order_by("sort_order", "id"))
    by_pk = {g.pk: g for g in goals}
    after: dict[int, Goal] = {g.pk: copy.copy(g) for g in goals}
    added: list[Goal] = []
    entries: list[_Entry] = []
    seen: set[int] = set()
    for spec in _expand_removals(changes, goals):
        if spec.op not in OPS:
            raise ValueError(f"unknown operation {spec.op!r}")
        if spec.op == ADD:
            new = new_goal(scorecard, spec.values, errors)
            if new is not None:
                added.append(new)
                terms = {
                    name: (None, getattr(new, name))
                    for name in ADDABLE_TERMS
                    if getattr(new, name) not in (None, "")
                }
                entries.append(_Entry(ADD, None, new.title, terms))
            continue
        goal = by_pk.get(spec.goal.pk) if spec.goal is not None else None
        if goal is None:
            title = spec.goal.title if spec.goal is not None else "?"
            errors.add(_("“%(goal)s” is not a goal in force on this scorecard.") % {"goal": title})
            continue
        if goal.pk in seen:
            errors.add(_("“%(goal)s” appears twice in this adjustment.") % {"goal": goal.title})
            continue
        seen.add(goal.pk)
        if spec.op == REMOVE:
            del after[goal.pk]
            entries.append(_Entry(REMOVE, goal, goal.title, {"is_active": (True, False)}))
            continue
        fields = _changed_terms(goal, after[goal.pk], spec.values, CHANGEABLE_TERMS, errors)
        if fields:
            entries.append(_Entry(CHANGE, goal, goal.title, fields))
    if not entries and not errors:
        errors.add(_("Nothing would change: give a goal new terms, remove one or add one."))
    versions = _versions_of(e.goal for e in entries if e.goal is not None)
    dated = _check_effective(errors, period, effective_from, entries, versions)
    _check_open(
        errors,
        scorecard.adjustments.filter(status__in=OPEN_ADJUSTMENT).select_related("goal"),
        entries,
    )
    total = _weights_after(errors, scorecard, [*after.values(), *added]) if entries else None
    since = quarter_start(effective_from, period) if dated and effective_from else period.start
    largest, beyond = _measure_all(entries, versions, since, period.adjustment_limit)
    errors.raise_if_any()
    return AdjustmentPlan(
        changes=_stored(entries),
        largest_change=largest,
        needs_committee=beyond,
        limit=period.adjustment_limit,
        quarter_start=since,
        weight_total=total,
    )


def plan_adjustment_plan(
    *, goal: Goal, values: Mapping[str, Any], effective_from: dt.date | None
) -> AdjustmentPlan:
    """As ``adjustment_plan`` for one approved company or department goal."""
    if goal.level == GoalLevel.INDIVIDUAL or goal.status != GoalStatus.APPROVED:
        raise ValidationError(
            _("Only an approved company or department goal is adjusted this way.")
        )
    if not goal.is_active:
        raise ValidationError(_("This goal is no longer in force."))
    errors = Errors()
    period = goal.period
    fields = _changed_terms(goal, copy.copy(goal), values, PLAN_CHANGEABLE_TERMS, errors)
    entries = [_Entry(CHANGE, goal, goal.title, fields)] if fields else []
    if not entries and not errors:
        errors.add(_("Nothing would change: give the goal new terms."))
    versions = _versions_of([goal])
    dated = _check_effective(errors, period, effective_from, entries, versions)
    _check_open(
        errors, goal.adjustments.filter(status__in=OPEN_ADJUSTMENT).select_related("goal"), entries
    )
    since = quarter_start(effective_from, period) if dated and effective_from else period.start
    largest, beyond = _measure_all(entries, versions, since, period.adjustment_limit)
    errors.raise_if_any()
    return AdjustmentPlan(
        changes=_stored(entries),
        largest_change=largest,
        needs_committee=beyond,
        limit=period.adjustment_limit,
        quarter_start=since,
    )
