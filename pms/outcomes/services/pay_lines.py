"""What bonus and raise plans share: one line per published result of the plan's cycle,
kept in step with the results in bulk, the checks on amounts, and the refusal to touch a
locked plan.

A plan's lines follow the results: ``lines_sync`` adds a line for every result without
one and copies the grade (and for bonuses the coefficient) and department of the result
onto the lines whose result changed since (an appeal, HR's correction). It reads the
results and the lines once each and writes in batches, so 100,000 people take a handful
of queries. ``lines_stale`` says whether the results moved since the lines were computed;
a plan is locked only on lines that match its results.

Computing is the same for both kinds around what differs (``Computing.lines``, each kind's
arithmetic): the lines brought in step with the results, every line computed, none larger
than a column holds, the lines written in batches, the plan marked computed, one audit
entry with the totals. ``plan_compute`` does it in one transaction while HR waits;
``plan_compute_request`` does that for a plan of up to ``PMS_PAY_COMPUTE_INLINE`` people
and hands a larger one to the worker (``plan_compute_run``): the lines are computed in one
transaction, then written one committed batch at a time with the plan's progress, so the
page can show how far it is. While a computation waits or runs, nothing in the plan changes
(``lock_plan`` refuses); a failure is kept on the plan with its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.imports import BATCH_SIZE
from pms.core.models import AuditAction
from pms.outcomes.models import (
    BonusLine,
    BonusPlan,
    ComputeState,
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

logger = logging.getLogger(__name__)


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

    def __init__(
        self,
        model: Any,
        fields: Sequence[str],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.columns = [model._meta.get_field(name) for name in fields]
        self.progress = progress
        self.written = 0
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
        """The batch so far; with ``progress``, the batch commits together with the count
        of lines written, so whoever polls the count sees it move."""
        if not self.rows:
            return
        if self.progress is None:
            self._execute()
            return
        with transaction.atomic():
            self._execute()
            self.progress(self.written)

    def _execute(self) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.written += len(self.rows)
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


# --- computing -----------------------------------------------------------------------------

# a computation no worker finished within this long is taken as stopped (the worker was
# restarted): the plan is no longer held, and it may be computed again
COMPUTE_STALE_AFTER = dt.timedelta(hours=1)
BUSY_STATES = (ComputeState.QUEUED, ComputeState.RUNNING)
COMPUTE_FIELDS = (
    "computed_at",
    "compute_state",
    "compute_done",
    "compute_total",
    "compute_error",
    "compute_requested_at",
    "updated_at",
)


@dataclass(frozen=True)
class Computing:
    """What one kind of plan says about computing its lines. The steps around it are the
    same for both kinds: ``plan_compute``, ``plan_compute_request``, ``plan_compute_run``."""

    name: str  # "bonus" or "raise": the background task's argument
    plan_model: Any
    line_model: Any
    fields: tuple[str, ...]  # the columns a computation writes, in a computed line's order
    amount_at: int  # where the amount is in a computed line, (pk, *values)
    too_large: Callable[[int], str]  # the refusal when amounts outgrow their column
    lines: Callable[[Any], list[tuple[Any, ...]]]  # every line of the plan, computed


def compute_busy(plan: Plan) -> bool:
    """Whether the worker is about to compute the plan or computing it."""
    if plan.compute_state not in BUSY_STATES or plan.compute_requested_at is None:
        return False
    return plan.compute_requested_at > timezone.now() - COMPUTE_STALE_AFTER


def compute_stalled(plan: Plan) -> bool:
    """A computation that should have ended long ago: the page says so; computing again
    is possible."""
    return plan.compute_state in BUSY_STATES and not compute_busy(plan)


def refuse_busy(plan: Plan) -> None:
    if compute_busy(plan):
        raise ValidationError(
            _("This plan is being computed; nothing in it can change until that is done.")
        )


def lock_plan(plan: P, *, computing: bool = False) -> P:
    """The plan's row, locked for the transaction. Refused when the plan is locked, and
    while the worker computes it (``computing``: for that computation itself)."""
    model: Any = type(plan)
    locked: P = (
        model.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=plan.pk)
    )
    refuse_locked(locked)
    if not computing:
        refuse_busy(locked)
    return locked


def _computed(computing: Computing, plan: Plan) -> tuple[SyncCounts, list[tuple[Any, ...]]]:
    """The lines in step with the results, then every line computed and checked."""
    synced = lines_sync(plan)
    lines = computing.lines(plan)
    too_large = sum(1 for line in lines if line[computing.amount_at] > MAX_AMOUNT)
    if too_large:
        raise ValidationError(computing.too_large(too_large))
    return synced, lines


def _write(
    computing: Computing,
    lines: list[tuple[Any, ...]],
    progress: Callable[[int], None] | None = None,
) -> None:
    updates = LineUpdates(computing.line_model, computing.fields, progress=progress)
    for line in lines:
        updates.add(*line)
    updates.write()


def _finish(
    *,
    actor: Actor,
    plan: Plan,
    computing: Computing,
    synced: SyncCounts,
    lines: list[tuple[Any, ...]],
) -> None:
    """The plan computed (and no longer held), audited with its totals."""
    total = sum((line[computing.amount_at] for line in lines), Decimal(0))
    plan.computed_at = timezone.now()
    plan.compute_state = ComputeState.IDLE
    plan.compute_done = plan.compute_total = len(lines)
    plan.compute_error = ""
    # a job asked for earlier and still about (see ``COMPUTE_STALE_AFTER``) finds itself
    # replaced and stops
    plan.compute_requested_at = None
    plan.save(update_fields=COMPUTE_FIELDS)
    audit_record(
        actor=actor,
        instance=plan,
        reason=_("Computed"),
        after={
            "people": len(lines),
            "total": plain(q2(total)),
            "lines_added": synced.created,
            "lines_refreshed": synced.updated,
        },
    )


def plan_compute(*, actor: Actor, plan: P, computing: Computing) -> P:
    """Bring the lines in step with the results and compute every line, in one
    transaction: all of it or, refused, nothing."""
    with transaction.atomic():
        plan = lock_plan(plan)
        synced, lines = _computed(computing, plan)
        _write(computing, lines)
        _finish(actor=actor, plan=plan, computing=computing, synced=synced, lines=lines)
    return plan


def plan_size(plan: Plan) -> int:
    """The lines a computation will write: one per result of the plan's cycle."""
    return PerformanceResult.objects.filter(cycle_id=plan.cycle_id).count()


def plan_compute_request(*, actor: Actor, plan: P, computing: Computing) -> P:
    """Compute the plan now when it has up to ``PMS_PAY_COMPUTE_INLINE`` people; else
    hand it to the worker once this transaction commits (the plan then waits, "queued").
    Refused for a locked plan and while a computation waits or runs, so asking twice
    queues one job."""
    size = plan_size(plan)
    if size <= int(settings.PMS_PAY_COMPUTE_INLINE):
        return plan_compute(actor=actor, plan=plan, computing=computing)
    with transaction.atomic():
        plan = lock_plan(plan)
        plan.compute_state = ComputeState.QUEUED
        plan.compute_requested_at = timezone.now()
        plan.compute_done = 0
        plan.compute_total = size
        plan.compute_error = ""
        plan.save(
            update_fields=[
                "compute_state",
                "compute_requested_at",
                "compute_done",
                "compute_total",
                "compute_error",
                "updated_at",
            ]
        )
        transaction.on_commit(
            partial(
                _enqueue,
                kind=computing.name,
                plan_id=plan.pk,
                user_id=None if actor.user is None else actor.user.pk,
                channel=str(actor.channel),
                requested_at=plan.compute_requested_at.isoformat(),
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        )
    return plan


def _enqueue(
    *, kind: str, plan_id: int, user_id: int | None, channel: str, requested_at: str, language: str
) -> None:
    from pms.outcomes.tasks import compute_pay_plan

    compute_pay_plan.enqueue(
        kind=kind,
        plan_id=plan_id,
        user_id=user_id,
        channel=channel,
        requested_at=requested_at,
        language=language,
    )


def plan_compute_run(
    *,
    computing: Computing,
    plan_id: int,
    user_id: int | None,
    channel: str,
    requested_at: dt.datetime,
    language: str,
) -> bool:
    """The worker's part: take the job asked for at ``requested_at`` (a job taken already,
    or one asked for again since, does nothing), compute every line in one transaction,
    write them batch by batch with the progress, then mark the plan computed. A refusal
    (say, people without a base) or an error is kept on the plan, in the language of
    the page that asked. Returns whether the plan was computed."""
    model: Any = computing.plan_model
    job = model.objects.filter(
        pk=plan_id, compute_state=ComputeState.QUEUED, compute_requested_at=requested_at
    )
    if not job.update(compute_state=ComputeState.RUNNING):
        return False
    user = None if user_id is None else User.objects.filter(pk=user_id).first()
    actor = Actor(user=user, channel=channel)
    with translation.override(language):
        try:
            return _run(
                actor=actor, computing=computing, plan_id=plan_id, requested_at=requested_at
            )
        except ValidationError as error:
            _fail(model, plan_id, requested_at, " ".join(error.messages))
            return False
        except Exception:
            logger.exception("%s plan %s: computing failed", computing.name, plan_id)
            _fail(model, plan_id, requested_at, _("The computation stopped because of an error."))
            raise


def _run(*, actor: Actor, computing: Computing, plan_id: int, requested_at: dt.datetime) -> bool:
    model: Any = computing.plan_model
    with transaction.atomic():
        plan = lock_plan(model(pk=plan_id), computing=True)
        if not _still_ours(plan, requested_at):  # pragma: no cover (held meanwhile)
            return False
        synced, lines = _computed(computing, plan)
        # the lines are about to change: until the end the plan is not computed
        plan.computed_at = None
        plan.compute_done = 0
        plan.compute_total = len(lines)
        plan.save(update_fields=["computed_at", "compute_done", "compute_total", "updated_at"])
        marker = plan.updated_at

    def progress(done: int) -> None:
        # not ``updated_at``: it tells whether anything else changed the plan meanwhile
        model.objects.filter(pk=plan_id).update(compute_done=done)

    _write(computing, lines, progress)
    with transaction.atomic():
        plan = lock_plan(model(pk=plan_id), computing=True)
        if not _still_ours(plan, requested_at):  # pragma: no cover (held meanwhile)
            return False
        if plan.updated_at != marker:
            # an import of bases or salaries was applied meanwhile
            raise ValidationError(
                _("The plan's inputs changed while it was being computed; compute it again.")
            )
        _finish(actor=actor, plan=plan, computing=computing, synced=synced, lines=lines)
    return True


def _still_ours(plan: Plan, requested_at: dt.datetime) -> bool:
    """The job taken is still the plan's: nobody computed it since (a job no worker
    finished in time is replaced)."""
    return plan.compute_state == ComputeState.RUNNING and plan.compute_requested_at == requested_at


def _fail(model: Any, plan_id: int, requested_at: dt.datetime, message: str) -> None:
    model.objects.filter(pk=plan_id, compute_requested_at=requested_at).update(
        compute_state=ComputeState.FAILED, compute_error=message[:2000]
    )
