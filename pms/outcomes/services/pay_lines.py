"""What bonus and raise plans share: one line per published result of the plan's cycle,
kept in step with the results in bulk, the checks on amounts, and the refusal to touch a
locked plan.

A plan's lines follow the results: ``lines_sync`` adds a line for every result without
one and copies the grade (and for bonuses the coefficient) and department of the result
onto the lines whose result changed since (an appeal, HR's correction). It reads the
results and the lines once each and writes in batches, so 100,000 people take a handful
of queries. ``lines_stale`` says whether the results moved since the lines were computed;
a plan is locked only on lines that match its results.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.imports import BATCH_SIZE
from pms.core.models import AuditAction
from pms.outcomes.models import (
    BonusLine,
    BonusPlan,
    PerformanceResult,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)
from pms.scoring.decimals import plain, q2

# what the columns hold: pool and budget 14 digits, amounts 12, factors 5, two decimals each
MAX_TOTAL = Decimal("999999999999.99")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_FACTOR = Decimal("999.99")
MAX_NAME = 100

Plan = BonusPlan | RaisePlan
P = TypeVar("P", BonusPlan, RaisePlan)
Line = BonusLine | RaiseLine


def refuse_locked(plan: Plan) -> None:
    if plan.status == PlanStatus.LOCKED:
        raise ValidationError(_("This plan is locked; nothing in it can change."))


def check_amount(
    errors: dict[str, list[str]],
    field: str,
    value: Decimal | None,
    *,
    maximum: Decimal = MAX_AMOUNT,
    required: bool = False,
    positive: bool = False,
) -> None:
    """An amount in yuan: not negative (or above 0), whole fen, within what the column
    holds. Problems go to ``errors[field]``."""
    if value is None:
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return
    if not value.is_finite():
        errors.setdefault(field, []).append(_("Enter a number."))
    elif value < 0 or (positive and value == 0):
        errors.setdefault(field, []).append(
            _("Enter an amount above 0.") if positive else _("Enter an amount of 0 or more.")
        )
    elif value != value.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(_("Use at most two decimal places (whole fen)."))
    elif value > maximum:
        errors.setdefault(field, []).append(_("Enter at most %(max)s.") % {"max": f"{maximum:,}"})


def check_factor(errors: dict[str, list[str]], field: str, value: Decimal | None) -> None:
    if value is None:
        errors.setdefault(field, []).append(_("This field is required."))
    elif not value.is_finite() or value < 0 or value > MAX_FACTOR:
        errors.setdefault(field, []).append(
            _("Enter a factor from 0 to %(max)s.") % {"max": MAX_FACTOR}
        )
    elif value != value.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(_("Use at most two decimal places."))


def check_name(errors: dict[str, list[str]], name: str) -> str:
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    elif len(name) > MAX_NAME:
        errors.setdefault("name", []).append(
            _("Use at most %(max)d characters.") % {"max": MAX_NAME}
        )
    return name


def raise_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def cycle_has_results(cycle_id: int) -> bool:
    return PerformanceResult.objects.filter(cycle_id=cycle_id).exists()


# --- lines and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class SyncCounts:
    created: int
    updated: int


def lines_sync(plan: Plan) -> SyncCounts:
    """A line for every result of the plan's cycle, with the result's grade, department
    (and coefficient): two reads and batched writes."""
    model: Any = BonusLine if isinstance(plan, BonusPlan) else RaiseLine
    with_coefficient = model is BonusLine
    fields = ["pk", "employee_id", "result_id", "department_id", "grade"]
    if with_coefficient:
        fields.append("coefficient")
    existing: dict[int, tuple[Any, ...]] = {
        row[1]: row
        for row in model.objects.filter(plan=plan)
        .values_list(*fields)
        .iterator(chunk_size=BATCH_SIZE)
    }
    results = (
        PerformanceResult.objects.filter(cycle_id=plan.cycle_id)
        .values_list("pk", "employee_id", "department_id", "grade", "coefficient")
        .order_by("pk")
    )
    new = LineRows(model, plan)
    changed = LineUpdates(model, changed_fields(with_coefficient))
    for result_id, employee_id, department_id, grade, coefficient in results.iterator(
        chunk_size=BATCH_SIZE
    ):
        values: dict[str, Any] = {
            "result_id": result_id,
            "department_id": department_id,
            "grade": grade,
        }
        if with_coefficient:
            values["coefficient"] = coefficient
        line = existing.get(employee_id)
        if line is None:
            new.add(employee_id=employee_id, **values)
            continue
        current = dict(zip(fields, line, strict=True))
        if any(current[name] != value for name, value in values.items()):
            changed.add(current["pk"], *values.values())
    new.write()
    changed.write()
    return SyncCounts(created=new.count, updated=changed.count)


class LineRows:
    """New lines of a plan written with one ``executemany`` per batch: Django's
    ``bulk_create`` prepares every field of every row and, on SQLite, sends a few dozen
    rows per statement, a minute for 100,000 lines on a small server; here one prepared
    row of the plan's defaults is copied and the few columns that differ are filled in."""

    PER_LINE = ("uuid", "employee_id", "result_id", "department_id", "grade", "coefficient")

    def __init__(self, model: Any, plan: Plan) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.prepared = {
            name: model._meta.get_field(name.removesuffix("_id"))
            for name in self.PER_LINE
            if name in self.position
        }
        now = timezone.now()
        prototype = model(plan=plan, created_at=now, updated_at=now)
        self.prototype = [
            f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in self.fields
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        table = quote(model._meta.db_table)
        # only quoted names from the model's own metadata go into the text; values are params
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.rows: list[list[Any]] = []
        self.count = 0

    def add(self, **values: Any) -> None:
        row = list(self.prototype)
        values["uuid"] = uuid.uuid4()
        for name, value in values.items():
            row[self.position[name]] = self.prepared[name].get_db_prep_save(value, connection)
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= BATCH_SIZE:
            self.write()

    def write(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.rows = []


class LineUpdates:
    """Changed columns of existing lines, one prepared ``UPDATE … WHERE id`` run with
    ``executemany`` per batch, from plain values: making a model object per line only to
    hand it to ``bulk_update`` costs more than computing the line."""

    def __init__(self, model: Any, fields: Sequence[str]) -> None:
        self.columns = [model._meta.get_field(name) for name in fields]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in self.columns)
        pk = quote(str(model._meta.pk.column))
        table = quote(model._meta.db_table)
        # only quoted names from the model's own metadata go into the text; values are params
        self.sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
        self.rows: list[list[Any]] = []
        self.count = 0

    def add(self, pk: int, *values: Any) -> None:
        row = [
            f.get_db_prep_save(value, connection)
            for f, value in zip(self.columns, values, strict=True)
        ]
        row.append(pk)
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= BATCH_SIZE:
            self.write()

    def write(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.rows = []


def changed_fields(with_coefficient: bool) -> tuple[str, ...]:
    """The columns ``lines_sync`` copies from the results, in its values' order."""
    base = ("result", "department", "grade")
    return (*base, "coefficient") if with_coefficient else base


def lines_stale(plan: Plan) -> bool:
    """Whether a result of the cycle has no line, or a line's grade (or coefficient) is no
    longer its result's: the lines were computed on results that have changed."""
    model: Any = BonusLine if isinstance(plan, BonusPlan) else RaiseLine
    lines = model.objects.filter(plan=plan)
    moved = ~Q(grade=F("result__grade"))
    if model is BonusLine:
        moved |= Q(coefficient__isnull=True, result__coefficient__isnull=False)
        moved |= Q(coefficient__isnull=False, result__coefficient__isnull=True)
        moved |= Q(coefficient__isnull=False, result__coefficient__isnull=False) & ~Q(
            coefficient=F("result__coefficient")
        )
    if lines.filter(moved).exists():
        return True
    return (
        PerformanceResult.objects.filter(cycle_id=plan.cycle_id)
        .exclude(pk__in=lines.values("result_id"))
        .exists()
    )


def plan_lock_locked(*, actor: Actor, plan: P, audited: Sequence[str]) -> P:
    """Lock a plan the caller holds locked in its transaction: it must be computed on the
    current results; nothing in it changes again. Audited with the plan's total."""
    if plan.computed_at is None:
        raise ValidationError(_("Compute the plan before locking it."))
    if lines_stale(plan):
        raise ValidationError(
            _("Results have changed since the plan was computed. Compute it again first.")
        )
    before = snapshot(plan, audited)
    total = plan.lines.aggregate(total=Sum("amount"))["total"]
    plan.status = PlanStatus.LOCKED
    plan.locked_at = timezone.now()
    plan.locked_by = actor.user
    plan.save(update_fields=["status", "locked_at", "locked_by", "updated_at"])
    audit_record(
        actor=actor,
        instance=plan,
        action=AuditAction.CLOSE,
        before=before,
        after={**snapshot(plan, audited), "total": plain(q2(total or Decimal(0)))},
    )
    return plan
