"""Pay inputs from an .xlsx or .csv file, for one plan: bonus bases (工号, 奖金基数) and
monthly salaries with their range (工号, 月薪, 薪级下限, 薪级上限).

The file is for the plan its upload names (``PayImport``, made with the job by
``pay_import_start``). Every row is checked before anything is written: a known 工号 with
a result in the plan's cycle, the same person only once in the file, amounts in fen, not
negative, a range with 0 < minimum ≤ maximum — every problem with its line and column.
Applying writes all rows in the framework's one transaction (lines the plan lacks are
added from the results), one audit entry per changed line, and sends the plan back to
"compute again". A row equal to what the plan holds is left alone, so importing the
same file again changes nothing. A locked plan takes no file.

Rows come a chunk at a time; each chunk costs two reads (its lines, the results of the
people without one) and, when applying, batched writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import Actor, audit_bulk, audit_record, build_entry
from pms.core.imports import (
    BATCH_SIZE,
    Column,
    Importer,
    ImportSession,
    Row,
    SessionContext,
    bulk_set,
    import_job_create,
    import_job_start_validation,
)
from pms.core.models import AuditAction, ImportJob
from pms.goals.importers.goal_files.common import parse_number
from pms.org.models import Employee
from pms.outcomes.access import PAY_IMPORT_KINDS
from pms.outcomes.models import (
    BonusLine,
    BonusPlan,
    PayImport,
    PerformanceResult,
    PlanStatus,
    RaiseLine,
    RaisePlan,
)
from pms.outcomes.services.pay_lines import check_amount
from pms.outcomes.services.raises import check_inputs

BONUS_KIND, RAISE_KIND = PAY_IMPORT_KINDS
NUMBER = "number"
BASE = "base"
SALARY = "salary"
RANGE_MIN = "range_min"
RANGE_MAX = "range_max"
_DIGITS = 12  # what an amount column holds


def _plan_of(context: SessionContext) -> BonusPlan | RaisePlan | None:
    """The plan the job is for (the job is found by the audit batch, its uuid)."""
    try:
        link = (
            PayImport.objects.select_related("bonus_plan__cycle", "raise_plan__cycle")
            .filter(job__uuid=context.batch)
            .first()
        )
    except ValidationError:
        link = None
    if link is None:
        return None
    return link.bonus_plan or link.raise_plan


class PaySession(ImportSession):
    """The checks both kinds share; subclasses read their amounts and write their lines."""

    model: Any = BonusLine
    fields: tuple[str, ...] = ()

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.plan = _plan_of(context)
        self.seen: dict[str, int] = {}
        self.changed = 0
        if self.plan is None:
            context.error(1, "", _("This file is not linked to a plan."))
        elif self.plan.status == PlanStatus.LOCKED:
            context.error(1, "", _("This plan is locked; nothing in it can change."))

    # -- reading ------------------------------------------------------------------------

    def amount(self, row: Row, key: str) -> Decimal | None:
        """The cell as an amount, None when blank; a problem is reported and gives None."""
        text = row.get(key)
        if not text:
            return None
        try:
            return parse_number(text, places=2, digits=_DIGITS)
        except ValueError as exc:
            self.context.error(row, key, str(exc))
            return None

    def read(self, row: Row) -> dict[str, Decimal | None] | None:
        raise NotImplementedError

    # -- the chunk ----------------------------------------------------------------------

    def process(self, rows: list[Row]) -> None:
        plan = self.plan
        if plan is None or plan.status == PlanStatus.LOCKED or not rows:
            return
        numbers = {row.get(NUMBER) for row in rows}
        lines = {
            row["employee__number"]: row
            for row in self.model.objects.filter(plan=plan, employee__number__in=numbers).values(
                "pk", "employee__number", "employee__name", *self.fields
            )
        }
        missing = numbers - set(lines)
        results = {
            row["employee__number"]: row
            for row in PerformanceResult.objects.filter(
                cycle_id=plan.cycle_id, employee__number__in=missing
            ).values(
                "pk",
                "employee_id",
                "employee__number",
                "employee__name",
                "department_id",
                "grade",
                "coefficient",
            )
        }
        changed: list[Any] = []
        new: list[Any] = []
        entries = []
        for row in rows:
            number = row.get(NUMBER)
            earlier = self.seen.get(number)
            if earlier is not None:
                self.context.error(
                    row, NUMBER, _("This 工号 is already on line %(line)d.") % {"line": earlier}
                )
                continue
            self.seen[number] = row.line
            values = self.read(row)
            line = lines.get(number)
            result = results.get(number)
            if line is None and result is None:
                self.context.error(
                    row, NUMBER, _("Nobody with this 工号 has a result in the plan's cycle.")
                )
                continue
            if values is None:
                continue
            counts = self.context.counts
            if line is not None:
                if all(line[name] == value for name, value in values.items()):
                    counts.unchanged += 1
                    continue
                counts.update += 1
                if self.context.apply:
                    changed.append(self.model(pk=line["pk"], **values))
                    entries.append(self._entry(line, values))
                continue
            counts.create += 1
            if self.context.apply and result is not None:
                new.append(self._new_line(result, values))
        if self.context.apply:
            self._write(changed, new, entries)

    def _new_line(self, result: Mapping[str, Any], values: dict[str, Decimal | None]) -> Any:
        extra = {"coefficient": result["coefficient"]} if self.model is BonusLine else {}
        person = Employee(
            pk=result["employee_id"],
            name=result["employee__name"],
            number=result["employee__number"],
        )
        return self.model(
            plan=self.plan,
            result_id=result["pk"],
            employee=person,
            department_id=result["department_id"],
            grade=result["grade"],
            **extra,
            **values,
        )

    def _entry(self, line: dict[str, Any], values: dict[str, Decimal | None]) -> Any:
        person = Employee(name=line["employee__name"], number=line["employee__number"])
        target = self.model(pk=line["pk"], plan=self.plan, employee=person)
        actor = self.context.actor or Actor.system()
        return build_entry(
            actor=actor,
            instance=target,
            action=AuditAction.UPDATE,
            before={name: _text(line[name]) for name in values},
            after={name: _text(value) for name, value in values.items()},
            batch=self.context.batch,
        )

    def _write(self, changed: list[Any], new: list[Any], entries: list[Any]) -> None:
        if changed:
            bulk_set(self.model, changed, list(self.fields))
        if new:
            made = self.model.objects.bulk_create(new, batch_size=BATCH_SIZE)
            actor = self.context.actor or Actor.system()
            for line in made:
                if line.pk is None:  # pragma: no cover (every backend here returns ids)
                    continue
                entries.append(
                    build_entry(
                        actor=actor,
                        instance=line,
                        action=AuditAction.CREATE,
                        after={name: _text(getattr(line, name)) for name in self.fields},
                        batch=self.context.batch,
                    )
                )
        if entries:
            audit_bulk(entries)
        self.changed += len(changed) + len(new)

    def finish(self) -> None:
        plan = self.plan
        if not self.context.apply or plan is None or not self.changed:
            return
        type(plan).objects.filter(pk=plan.pk).update(computed_at=None, updated_at=timezone.now())
        actor = self.context.actor or Actor.system()
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.IMPORT,
            after={"lines": self.changed},
            batch=self.context.batch,
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class BonusBaseSession(PaySession):
    model = BonusLine
    fields = (BASE,)

    def read(self, row: Row) -> dict[str, Decimal | None] | None:
        base = self.amount(row, BASE)
        if self.context.errors.has_errors_on(row.line):
            return None
        errors: dict[str, list[str]] = {}
        check_amount(errors, BASE, base, required=True)
        for key, messages in errors.items():
            for message in messages:
                self.context.error(row, key, message)
        return None if errors else {BASE: base}


class RaiseInputSession(PaySession):
    model = RaiseLine
    fields = (SALARY, RANGE_MIN, RANGE_MAX)

    def read(self, row: Row) -> dict[str, Decimal | None] | None:
        values = {key: self.amount(row, key) for key in self.fields}
        if self.context.errors.has_errors_on(row.line):
            return None
        errors = check_inputs(values[SALARY], values[RANGE_MIN], values[RANGE_MAX])
        for key, messages in errors.items():
            for message in messages:
                self.context.error(row, key, message)
        return None if errors else values


class BonusBaseImporter(Importer):
    kind = BONUS_KIND
    label = gettext_lazy("Bonus bases")
    columns = (
        Column(
            NUMBER,
            "工号",
            aliases=("employee number", "员工编号"),
            required=True,
            max_length=40,
            help=gettext_lazy("The person's employee number; they need a result in the cycle."),
            example="E000123",
        ),
        Column(
            BASE,
            "奖金基数",
            aliases=("bonus base", "基数"),
            required=True,
            help=gettext_lazy("The bonus base in yuan, at most two decimals."),
            example="20000",
        ),
    )
    session_class = BonusBaseSession


class RaiseInputImporter(Importer):
    kind = RAISE_KIND
    label = gettext_lazy("Salaries and ranges")
    columns = (
        Column(
            NUMBER,
            "工号",
            aliases=("employee number", "员工编号"),
            required=True,
            max_length=40,
            help=gettext_lazy("The person's employee number; they need a result in the cycle."),
            example="E000123",
        ),
        Column(
            SALARY,
            "月薪",
            aliases=("monthly salary", "salary"),
            required=True,
            help=gettext_lazy("The monthly salary in yuan, at most two decimals."),
            example="15000",
        ),
        Column(
            RANGE_MIN,
            "薪级下限",
            aliases=("range minimum", "range min"),
            required=True,
            help=gettext_lazy("The minimum of the person's salary range."),
            example="12000",
        ),
        Column(
            RANGE_MAX,
            "薪级上限",
            aliases=("range maximum", "range max"),
            required=True,
            help=gettext_lazy("The maximum of the person's salary range."),
            example="20000",
        ),
    )
    session_class = RaiseInputSession


def pay_import_start(
    *, actor: Actor, plan: BonusPlan | RaisePlan, uploaded_file: File[Any]
) -> ImportJob:
    """Store the file as an import job for ``plan`` and start its check. Refuses a locked
    plan and a file that is not a readable .xlsx or .csv (``ValidationError``)."""
    if plan.status == PlanStatus.LOCKED:
        raise ValidationError(_("This plan is locked; nothing in it can change."))
    is_bonus = isinstance(plan, BonusPlan)
    with transaction.atomic():
        job = import_job_create(
            actor=actor,
            kind=BONUS_KIND if is_bonus else RAISE_KIND,
            uploaded_file=uploaded_file,
            start=False,
        )
        if isinstance(plan, BonusPlan):
            PayImport.objects.create(job=job, bonus_plan=plan)
        else:
            PayImport.objects.create(job=job, raise_plan=plan)
        return import_job_start_validation(job=job)
