"""Raise plans (调薪方案): a matrix of grade × position in the salary range → raise %,
within a budget, simulated until the plan is locked.

- ``raise_plan_create`` makes a plan for a cycle with results, with the example matrix of
  ``pms.scoring.raises`` for the company's grades and one line per result;
  ``raise_plan_update`` changes its name, budget and effective date, ``raise_matrix_set``
  the matrix (checked by ``check_raise_matrix``: every grade and zone, 0–100 %),
  ``raise_inputs_set`` one person's monthly salary and range (many at once through the
  import, ``pms.outcomes.importers.pay``). Any of these makes the plan "to compute again".
- ``raise_plan_compute`` brings the lines in step with the results and computes each with
  ``raise_for``: the zone of the salary in the range (the midpoint is halfway between the
  range's minimum and maximum), the matrix's percent for the grade and zone, the amount
  to the fen, with the steps. A person without a grade the matrix knows, or without a
  salary and range, gets no raise, said in a step. Written in batches;
  ``raise_plan_compute_request`` computes a small plan while HR waits and hands a large
  one to the worker (``pay_lines``).
- ``raise_plan_lock`` locks a computed plan whose lines match the results. Nothing
  changes while the worker computes the plan.

Every change is audited. Who may call which is ``pms.outcomes.access``'s to decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.imports import BATCH_SIZE
from pms.core.models import AuditAction
from pms.outcomes.models import RaiseLine, RaisePlan
from pms.outcomes.services.pay_lines import (
    MAX_TOTAL,
    Computing,
    check_amount,
    check_name,
    cycle_has_results,
    lines_sync,
    lock_plan,
    plan_compute,
    plan_compute_request,
    plan_lock_locked,
    raise_errors,
)
from pms.outcomes.services.results import coefficient_table
from pms.reviews.models import Cycle
from pms.reviews.wording_outcomes import outcome_error_message
from pms.scoring.decimals import ZERO
from pms.scoring.errors import ScoringError
from pms.scoring.raises import (
    DEFAULT_RAISE_MATRIX,
    ZONES,
    SalaryRange,
    SalaryZone,
    check_raise_matrix,
    raise_from_table,
    raise_matrix_to_data,
)

PLAN_FIELDS = ("name", "budget", "effective_on")
AUDITED = (*PLAN_FIELDS, "matrix", "status")
INPUT_FIELDS = ("salary", "range_min", "range_max")


def grades() -> list[str]:
    """The company's grades, best first (those of its coefficient table)."""
    return list(coefficient_table())


def default_matrix(grade_list: Sequence[str]) -> dict[str, dict[str, str]]:
    """The example matrix for the company's grades; a grade it does not know gets 0 %."""
    zero = dict.fromkeys(ZONES, ZERO)
    rows = {grade: dict(DEFAULT_RAISE_MATRIX.get(grade, zero)) for grade in grade_list}
    return raise_matrix_to_data(rows)


def matrix_data(checked: Mapping[str, Mapping[SalaryZone, Decimal]]) -> dict[str, dict[str, str]]:
    """A checked matrix as stored: percents as strings by grade and zone."""
    return raise_matrix_to_data(
        {
            grade: {str(zone): percent for zone, percent in row.items()}
            for grade, row in checked.items()
        }
    )


def salary_range(minimum: Decimal, maximum: Decimal) -> SalaryRange:
    """The range with its midpoint halfway (``ScoringError`` when not 0 < min ≤ max)."""
    return SalaryRange(minimum=minimum, midpoint=(minimum + maximum) / 2, maximum=maximum)


def _scoring_error(error: ScoringError, field: str | None = None) -> ValidationError:
    message = outcome_error_message(error)
    return ValidationError({field: [message]} if field else message)


def _check_settings(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    cleaned["name"] = check_name(errors, str(values.get("name") or ""))
    check_amount(errors, "budget", values.get("budget"), maximum=MAX_TOTAL)
    effective = values.get("effective_on")
    if effective is not None and not isinstance(effective, dt.date):
        errors.setdefault("effective_on", []).append(_("Enter a valid date."))
    raise_errors(errors)
    return cleaned


def _unique_name(plan: RaisePlan) -> None:
    others = RaisePlan.objects.filter(cycle_id=plan.cycle_id, name=plan.name)
    if plan.pk is not None:
        others = others.exclude(pk=plan.pk)
    if others.exists():
        raise ValidationError({"name": _("The cycle already has a raise plan of this name.")})


# --- the plan ------------------------------------------------------------------------------


def raise_plan_create(
    *,
    actor: Actor,
    cycle: Cycle,
    name: str,
    budget: Decimal | None = None,
    effective_on: dt.date | None = None,
) -> RaisePlan:
    """A plan for ``cycle`` (which must have results) with the example matrix and one line
    per result."""
    if not cycle_has_results(cycle.pk):
        raise ValidationError({"cycle": _("This cycle has no results yet.")})
    values = _check_settings({"name": name, "budget": budget, "effective_on": effective_on})
    with transaction.atomic():
        plan = RaisePlan(cycle=cycle, matrix=default_matrix(grades()), **values)
        _unique_name(plan)
        plan.full_clean()
        plan.save()
        lines_sync(plan)
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.CREATE,
            after={**snapshot(plan, AUDITED), "cycle": cycle.name},
        )
    return plan


def raise_plan_update(*, actor: Actor, plan: RaisePlan, changes: dict[str, Any]) -> RaisePlan:
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(unknown)
    with transaction.atomic():
        plan = lock_plan(plan)
        current = {name: getattr(plan, name) for name in PLAN_FIELDS}
        values = _check_settings({**current, **changes})
        if values == current:
            return plan
        before = snapshot(plan, AUDITED)
        for name, value in values.items():
            setattr(plan, name, value)
        _unique_name(plan)
        plan.computed_at = None
        plan.full_clean()
        plan.save(update_fields=[*PLAN_FIELDS, "computed_at", "updated_at"])
        audit_record(actor=actor, instance=plan, before=before, after=snapshot(plan, AUDITED))
    return plan


def raise_matrix_set(
    *, actor: Actor, plan: RaisePlan, matrix: Mapping[str, Mapping[str, object]]
) -> RaisePlan:
    """The raise % of every grade and zone, checked (0–100, every cell)."""
    try:
        checked = check_raise_matrix(matrix, grades())
    except ScoringError as error:
        raise _scoring_error(error, "matrix") from error
    data = matrix_data(checked)
    with transaction.atomic():
        plan = lock_plan(plan)
        if plan.matrix == data:
            return plan
        before = {"matrix": plan.matrix}
        plan.matrix = data
        plan.computed_at = None
        plan.save(update_fields=["matrix", "computed_at", "updated_at"])
        audit_record(actor=actor, instance=plan, before=before, after={"matrix": data})
    return plan


def raise_plan_delete(*, actor: Actor, plan: RaisePlan) -> None:
    with transaction.atomic():
        plan = lock_plan(plan)
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.DELETE,
            before={**snapshot(plan, AUDITED), "cycle": plan.cycle.name},
        )
        plan.delete()


def check_inputs(
    salary: Decimal | None, range_min: Decimal | None, range_max: Decimal | None
) -> dict[str, list[str]]:
    """A monthly salary and its range: all three or none; amounts in fen; 0 < min ≤ max."""
    errors: dict[str, list[str]] = {}
    given = [value is not None for value in (salary, range_min, range_max)]
    if any(given) and not all(given):
        for name, value in zip(INPUT_FIELDS, (salary, range_min, range_max), strict=True):
            if value is None:
                errors.setdefault(name, []).append(
                    _("Enter the salary with both ends of its range, or none of them.")
                )
        return errors
    check_amount(errors, "salary", salary)
    check_amount(errors, "range_min", range_min, positive=True)
    check_amount(errors, "range_max", range_max, positive=True)
    if not errors and range_min is not None and range_max is not None:
        try:
            salary_range(range_min, range_max)
        except ScoringError:
            errors.setdefault("range_max", []).append(
                _("The range's maximum must not be below its minimum.")
            )
    return errors


def raise_inputs_set(
    *,
    actor: Actor,
    line: RaiseLine,
    salary: Decimal | None,
    range_min: Decimal | None,
    range_max: Decimal | None,
) -> RaiseLine:
    """One person's monthly salary and range (all None: none)."""
    raise_errors(check_inputs(salary, range_min, range_max))
    with transaction.atomic():
        lock_plan(line.plan)
        line = RaiseLine.objects.select_for_update().get(pk=line.pk)
        values = {"salary": salary, "range_min": range_min, "range_max": range_max}
        if all(getattr(line, name) == value for name, value in values.items()):
            return line
        before = {name: _text(getattr(line, name)) for name in INPUT_FIELDS}
        for name, value in values.items():
            setattr(line, name, value)
        line.save(update_fields=[*INPUT_FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            instance=line,
            before=before,
            after={name: _text(value) for name, value in values.items()},
        )
        RaisePlan.objects.filter(pk=line.plan_id).update(
            computed_at=None, updated_at=timezone.now()
        )
    return line


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- computing -----------------------------------------------------------------------------

# a computed line: (pk, zone, percent, amount, explanation)
Computed = tuple[int, str, Decimal, Decimal, dict[str, Any]]


def _line(
    row: tuple[int, str, str, Decimal | None, Decimal | None, Decimal | None],
    matrix: Mapping[str, Mapping[SalaryZone, Decimal]],
    grade_list: list[str],
) -> Computed:
    """One line's raise from (pk, 工号, grade, salary, range minimum, range maximum)."""
    pk, number, grade, salary, low, high = row
    if grade not in matrix:
        no_grade = {"code": "raise_no_grade", "values": {"grade": grade or "—"}}
        return (pk, "", ZERO, ZERO, {"steps": [no_grade]})
    if salary is None or low is None or high is None:
        return (pk, "", ZERO, ZERO, {"steps": [{"code": "raise_no_salary", "values": {}}]})
    try:
        found = raise_from_table(
            salary=salary,
            salary_range=salary_range(low, high),
            grade=grade,
            table=matrix,
            grades=grade_list,
        )
    except ScoringError as error:
        raise ValidationError(
            _("%(number)s: %(error)s") % {"number": number, "error": outcome_error_message(error)}
        ) from error
    explanation = {
        "steps": [{"code": step.code, "values": dict(step.values)} for step in found.steps],
        "compa_ratio": str(found.compa_ratio),
        "new_salary": str(found.new_salary),
    }
    return (pk, str(found.zone), found.percent, found.amount, explanation)


def _computed_lines(plan: RaisePlan) -> list[Computed]:
    """Every line of the plan computed by its matrix (the lines are in step already)."""
    grade_list = grades()
    try:
        checked = check_raise_matrix(plan.matrix, grade_list)
    except ScoringError as error:
        raise _scoring_error(error) from error
    rows = (
        RaiseLine.objects.filter(plan=plan)
        .order_by("pk")
        .values_list("pk", "employee__number", "grade", "salary", "range_min", "range_max")
    )
    return [_line(row, checked, grade_list) for row in rows.iterator(chunk_size=BATCH_SIZE)]


def _too_large(count: int) -> str:
    return _("%(count)d raises come out larger than an amount can hold; check the salaries.") % {
        "count": count
    }


COMPUTING = Computing(
    name="raise",
    plan_model=RaisePlan,
    line_model=RaiseLine,
    fields=("zone", "percent", "amount", "explanation"),
    amount_at=3,
    too_large=_too_large,
    lines=_computed_lines,
)


def raise_plan_compute(*, actor: Actor, plan: RaisePlan) -> RaisePlan:
    """Bring the lines in step with the results and compute every line now; audited with
    the total."""
    return plan_compute(actor=actor, plan=plan, computing=COMPUTING)


def raise_plan_compute_request(*, actor: Actor, plan: RaisePlan) -> RaisePlan:
    """Compute a small plan now, hand a large one to the worker (``compute_state``)."""
    return plan_compute_request(actor=actor, plan=plan, computing=COMPUTING)


def raise_plan_lock(*, actor: Actor, plan: RaisePlan) -> RaisePlan:
    """Lock a computed plan whose lines match the results: nothing in it changes again."""
    with transaction.atomic():
        return plan_lock_locked(actor=actor, plan=lock_plan(plan), audited=AUDITED)
