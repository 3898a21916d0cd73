"""Recording actual values: by hand, from an upload, from a push. One engine for all three.

Idempotent by design:
- a value already current for its series is *unchanged* and writes nothing;
- a value sent by a system under its own id ``(source_name, external_id)`` is compared with
  the latest value that system sent under that id, so a resent batch writes nothing even
  when someone has corrected the value by hand since;
- a different value writes the next version of the series; the one it replaces stays, no
  longer current, with the time it was replaced.

Corrections of existing values are audited one by one (before and after); new values from
uploads and pushes are audited as their batch, new values entered by hand one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, build_entry
from pms.core.models import AuditAction
from pms.goals.models import Goal, GoalLevel
from pms.scoring.decimals import normalized
from pms.tracking.models import Actual, ActualBatch, ActualSource
from pms.tracking.series import series_key, span_for
from pms.tracking.services.actual_copy import insert_actuals

CHUNK = 2000
QUANTUM = Decimal("0.0001")
MAX_ABS_VALUE = Decimal("99999999999999")  # what max_digits=18, decimal_places=4 holds

CREATED = "created"
CHANGED = "changed"
UNCHANGED = "unchanged"
REJECTED = "rejected"


@dataclass(frozen=True)
class ActualInput:
    """One value to record: a subject (person or department), a measure (library indicator
    or a goal's own metric), a span of days and the value."""

    start: dt.date
    end: dt.date
    value: Decimal
    employee_id: int | None = None
    department_id: int | None = None
    indicator_id: int | None = None
    goal_id: int | None = None
    external_id: str = ""
    note: str = ""
    evidence_url: str = ""

    @property
    def series(self) -> str:
        return series_key(
            indicator_id=self.indicator_id,
            goal_id=self.goal_id,
            employee_id=self.employee_id,
            department_id=self.department_id,
            start=self.start,
            end=self.end,
        )


@dataclass
class RecordResult:
    outcomes: list[str] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    # the id and version of the value current for each item (None where rejected)
    actual_ids: list[int | None] = field(default_factory=list)
    versions: list[int | None] = field(default_factory=list)
    # (subject, measure) pairs whose values changed: their goals' progress is recomputed
    touched: set[tuple[str, str]] = field(default_factory=set)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o == outcome)


@dataclass(frozen=True)
class _Known:
    pk: int
    series: str
    value: Decimal
    version: int


def _subject_measure(series: str) -> tuple[str, str]:
    subject, measure, _rest = series.split(":", 2)
    return subject, measure


def value_problem(value: Decimal) -> str:
    """Why a value cannot be stored, or ''."""
    if not value.is_finite():
        return _("The value is not a number.")
    if abs(value) > MAX_ABS_VALUE:
        return _("The value is too large.")
    return ""


def actuals_record(
    *,
    actor: Actor,
    items: Sequence[ActualInput],
    source: str,
    source_name: str = "",
    batch: ActualBatch | None = None,
    reason: str = "",
) -> RecordResult:
    """Record ``items`` in one transaction; see the module for what each outcome means.

    Items are assumed valid as to who they are for (the caller resolved and checked the
    people, departments and indicators); an item is rejected here only for what needs the
    stored values to decide: an external id sent before for another measurement, or the
    same measurement twice in one call.
    """
    result = RecordResult()
    now = timezone.now()
    with transaction.atomic():
        seen_series: set[str] = set()
        seen_external: set[str] = set()
        for offset in range(0, len(items), CHUNK):
            _record_chunk(
                actor=actor,
                items=items[offset : offset + CHUNK],
                offset=offset,
                source=source,
                source_name=source_name,
                batch=batch,
                reason=reason,
                now=now,
                result=result,
                seen_series=seen_series,
                seen_external=seen_external,
            )
    return result


def _record_chunk(
    *,
    actor: Actor,
    items: Sequence[ActualInput],
    offset: int,
    source: str,
    source_name: str,
    batch: ActualBatch | None,
    reason: str,
    now: dt.datetime,
    result: RecordResult,
    seen_series: set[str],
    seen_external: set[str],
) -> None:
    keys = [item.series for item in items]
    current = {
        row.series: row
        for row in (
            _Known(pk=pk, series=series, value=value, version=version)
            for pk, series, value, version in Actual.objects.filter(
                series__in=set(keys), is_current=True
            ).values_list("pk", "series", "value", "version")
        )
    }
    external_ids = {item.external_id for item in items if item.external_id}
    sent_before: dict[str, _Known] = {}
    if external_ids:
        rows = Actual.objects.filter(
            source_name=source_name, external_id__in=external_ids
        ).values_list("pk", "series", "value", "version", "external_id")
        for pk, series, value, version, external_id in rows:
            known = sent_before.get(external_id)
            if known is None or version > known.version:
                sent_before[external_id] = _Known(
                    pk=pk, series=series, value=value, version=version
                )

    new_rows: list[Actual] = []
    new_index: list[int] = []
    replaced: list[int] = []
    corrections: list[tuple[_Known, Actual]] = []
    for position, (item, key) in enumerate(zip(items, keys, strict=True)):
        index = offset + position
        value = item.value.quantize(QUANTUM)
        problem = value_problem(item.value)
        if not problem and key in seen_series:
            problem = _("The same value is sent twice in this batch.")
        if not problem and item.external_id and item.external_id in seen_external:
            problem = _("This external id appears twice in this batch.")
        earlier = sent_before.get(item.external_id) if item.external_id else None
        if not problem and earlier is not None and earlier.series != key:
            problem = _("This external id was sent before for another person, indicator or span.")
        if problem:
            result.outcomes.append(REJECTED)
            result.errors[index] = problem
            result.actual_ids.append(None)
            result.versions.append(None)
            continue
        seen_series.add(key)
        if item.external_id:
            seen_external.add(item.external_id)
        now_current = current.get(key)
        if earlier is not None and earlier.value == value:
            unchanged = now_current or earlier
            result.outcomes.append(UNCHANGED)
            result.actual_ids.append(unchanged.pk)
            result.versions.append(unchanged.version)
            continue
        if now_current is not None and now_current.value == value:
            result.outcomes.append(UNCHANGED)
            result.actual_ids.append(now_current.pk)
            result.versions.append(now_current.version)
            continue
        row = Actual(
            series=key,
            indicator_id=item.indicator_id,
            goal_id=item.goal_id,
            employee_id=item.employee_id,
            department_id=item.department_id,
            start=item.start,
            end=item.end,
            value=value,
            version=1 if now_current is None else now_current.version + 1,
            is_current=True,
            source=source,
            source_name=source_name,
            external_id=item.external_id,
            batch=batch,
            entered_by=actor.user,
            note=item.note,
            evidence_url=item.evidence_url,
            reason=reason if now_current is not None else "",
        )
        if now_current is not None:
            replaced.append(now_current.pk)
            corrections.append((now_current, row))
        new_rows.append(row)
        new_index.append(index)
        result.outcomes.append(CHANGED if now_current is not None else CREATED)
        result.actual_ids.append(None)
        result.versions.append(row.version)
        result.touched.add(_subject_measure(key))
    if replaced:
        Actual.objects.filter(pk__in=replaced).update(is_current=False, replaced_at=now)
    insert_actuals(new_rows)  # COPY on PostgreSQL; sets the ids
    for index, row in zip(new_index, new_rows, strict=True):
        result.actual_ids[index] = row.pk
    audit_bulk(
        build_entry(
            actor=actor,
            instance=row,
            action=AuditAction.UPDATE,
            before=_audit_values(known.value, known.version),
            after=_audit_values(row.value, row.version, source=row.source),
            reason=reason,
            batch=str(batch.uuid) if batch is not None else "",
        )
        for known, row in corrections
    )
    if source == ActualSource.MANUAL:
        audit_bulk(
            build_entry(
                actor=actor,
                instance=row,
                action=AuditAction.CREATE,
                after=_audit_values(row.value, row.version, source=row.source),
            )
            for row in new_rows
            if row.version == 1
        )


def _audit_values(value: Decimal, version: int, *, source: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"value": normalized(value), "version": version}
    if source:
        data["source"] = source
    return data


# --- by hand -----------------------------------------------------------------------------


def manual_span(goal: Goal, day: dt.date) -> tuple[dt.date, dt.date]:
    """The span a value entered on ``day`` covers: the indicator's frequency (the month of
    a monthly indicator…), or the day itself for a goal's own metric (a level to date)."""
    if goal.indicator is not None:
        return span_for(goal.indicator.frequency, day)
    return day, day


def manual_input(
    goal: Goal, *, day: dt.date, value: Decimal, note: str = "", evidence_url: str = ""
) -> ActualInput:
    start, end = manual_span(goal, day)
    return ActualInput(
        start=start,
        end=end,
        value=value,
        employee_id=goal.employee_id if goal.level == GoalLevel.INDIVIDUAL else None,
        department_id=goal.department_id if goal.level != GoalLevel.INDIVIDUAL else None,
        indicator_id=goal.indicator_id,
        goal_id=None if goal.indicator_id is not None else goal.pk,
        note=note,
        evidence_url=evidence_url,
    )


def actual_enter(
    *,
    actor: Actor,
    goal: Goal,
    day: dt.date,
    value: Decimal,
    note: str = "",
    evidence_url: str = "",
    evidence: UploadedFile[bytes] | None = None,
    reason: str = "",
    may_correct: bool = False,
) -> Actual:
    """Enter a value by hand for a measured goal (access checked by the caller).

    Replacing a value that came from a file or a system is a correction: only for those who
    ``may_correct``, and with a reason. Replacing one's own manual value needs neither.
    """
    errors: dict[str, list[str]] = {}
    problem = value_problem(value)
    if problem:
        errors["value"] = [problem]
    start, end = manual_span(goal, day)
    if goal.level == GoalLevel.INDIVIDUAL and goal.employee_id is None:
        errors["day"] = [_("This goal has no owner to record values for.")]
    if goal.level != GoalLevel.INDIVIDUAL and goal.department_id is None:
        errors["day"] = [_("Values are recorded for department and individual goals only.")]
    if not (goal.period.start <= start and end <= goal.period.end):
        errors.setdefault("day", []).append(
            _("The value's span %(start)s – %(end)s lies outside the period %(period)s.")
            % {"start": start, "end": end, "period": goal.period.name}
        )
    item = manual_input(goal, day=day, value=value, note=note.strip(), evidence_url=evidence_url)
    current = (
        Actual.objects.filter(series=item.series, is_current=True)
        .only("source", "value", "entered_by")
        .first()
    )
    if current is not None and current.source != ActualSource.MANUAL:
        if not may_correct:
            errors.setdefault("value", []).append(
                _("This value came from %(source)s; only HR may correct it.")
                % {"source": current.get_source_display()}
            )
        elif not reason.strip():
            errors["reason"] = [_("Say why you correct a value that came from a file or system.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        result = actuals_record(
            actor=actor, items=[item], source=ActualSource.MANUAL, reason=reason.strip()
        )
        if result.errors:
            raise ValidationError({"value": list(result.errors.values())})
        actual = Actual.objects.get(series=item.series, is_current=True)
        if evidence is not None and result.outcomes[0] != UNCHANGED:
            actual.evidence = evidence
            actual.save(update_fields=["evidence", "updated_at"])
        from pms.tracking.services.progress import progress_after_record

        progress_after_record(touched=result.touched, goals=[goal])
    return actual
