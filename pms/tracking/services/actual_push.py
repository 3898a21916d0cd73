"""Values pushed by another system (ERP, CRM, OA) through the API: one call, one batch.

Each item is resolved like a row of an upload (``ActualResolver``: within the reach of the
token's user) and must carry the sending system's id for it (``external_id``): with the
system's name it is the idempotency key. A resent batch records nothing new; a changed
value becomes the next version (the recording engine decides). Every call is recorded as
an ``ActualBatch`` with its counts, and audited as one entry.

Calls of ``STAGED_FROM`` items and more are recorded set-based (``actual_stage``) with the
same outcomes. Items are independent unless ``all_or_nothing``: then one rejected item means none is
written, and the others are reported as ``skipped``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction
from pms.org.roles import Principal
from pms.tracking.models import Actual, ActualBatch, ActualSource
from pms.tracking.services import actual_stage
from pms.tracking.services.actual_inputs import (
    DATE,
    EXTERNAL_ID,
    START,
    ActualResolver,
    Problems,
    RawActual,
)
from pms.tracking.services.actual_stage import STAGED_FROM, StageWriter
from pms.tracking.services.actuals import (
    CHANGED,
    CREATED,
    REJECTED,
    UNCHANGED,
    ActualInput,
    RecordResult,
    actuals_record,
)
from pms.tracking.services.progress import INLINE_LIMIT

MAX_PUSH_ITEMS = 10_000
SKIPPED = "skipped"
OUTCOMES = (CREATED, CHANGED, UNCHANGED, REJECTED, SKIPPED)
_RESOLVE_CHUNK = 2000


@dataclass
class PushedItem:
    index: int
    outcome: str
    errors: Problems = field(default_factory=dict)
    actual_id: int | None = None
    version: int | None = None
    uuid: str | None = None


@dataclass
class PushResult:
    batch: ActualBatch
    written: bool
    items: list[PushedItem]

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)


class _AllOrNothingError(Exception):
    """Rolls back the values of a batch in which an item was rejected."""


def _duplicates(raws: Sequence[RawActual], resolved: list[ActualInput | Problems]) -> None:
    """The same value (or the same external id) twice in one call: the later ones are
    rejected with the field to blame."""
    series: set[str] = set()
    external: set[str] = set()
    for index, item in enumerate(resolved):
        if isinstance(item, dict):
            continue
        if item.series in series:
            resolved[index] = {
                DATE if raws[index].date else START: [
                    _("This batch has a value for the same subject, indicator and span before.")
                ]
            }
            continue
        if item.external_id in external:
            resolved[index] = {EXTERNAL_ID: [_("This external id appears twice in this batch.")]}
            continue
        series.add(item.series)
        external.add(item.external_id)


def actuals_push(
    *,
    actor: Actor,
    principal: Principal,
    source_name: str,
    items: Sequence[RawActual],
    all_or_nothing: bool = False,
) -> PushResult:
    """Record pushed values (access to push at all is checked by the caller; the reach of
    each item here). Large calls (``STAGED_FROM`` items and more) are recorded set-based
    (``actual_stage``), with the same outcomes."""
    source_name = source_name.strip()
    if not source_name:
        raise ValidationError({"source": _("Name the sending system.")})
    if len(items) > MAX_PUSH_ITEMS:
        raise ValidationError(
            {"items": _("At most %(max)d items per call.") % {"max": MAX_PUSH_ITEMS}}
        )
    resolver = ActualResolver(principal, require_external_id=True)
    with transaction.atomic():
        batch = ActualBatch.objects.create(
            source=ActualSource.API,
            source_name=source_name[:100],
            created_by=actor.user,
            items=len(items),
        )
        record = _record_staged if len(items) >= STAGED_FROM else _record
        results, written, touched = record(
            actor=actor,
            resolver=resolver,
            source_name=source_name,
            items=items,
            all_or_nothing=all_or_nothing,
            batch=batch,
        )
        for item in results:
            if item.outcome == SKIPPED:
                item.errors = {
                    "__all__": [_("Not written: another item was rejected (all_or_nothing).")]
                }
        result = PushResult(batch=batch, written=written, items=results)
        batch.created = result.count(CREATED)
        batch.changed = result.count(CHANGED)
        batch.unchanged = result.count(UNCHANGED)
        batch.rejected = result.count(REJECTED) + result.count(SKIPPED)
        batch.save(update_fields=["created", "changed", "unchanged", "rejected", "updated_at"])
        audit_record(
            actor=actor,
            instance=batch,
            action=AuditAction.IMPORT,
            after={
                "source": batch.source,
                "source_name": batch.source_name,
                "items": batch.items,
                "created": batch.created,
                "changed": batch.changed,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
            },
            batch=str(batch.uuid),
        )
        if written:
            from pms.tracking.services.progress import progress_after_batch

            progress_after_batch(batch_id=batch.pk, touched=touched)
    _fill_uuids(results)
    return result


_Recorded = tuple[list[PushedItem], bool, set[tuple[str, str]] | None]


def _record(
    *,
    actor: Actor,
    resolver: ActualResolver,
    source_name: str,
    items: Sequence[RawActual],
    all_or_nothing: bool,
    batch: ActualBatch,
) -> _Recorded:
    """Item by item through ``actuals_record`` (small calls)."""
    resolved: list[ActualInput | Problems] = []
    for offset in range(0, len(items), _RESOLVE_CHUNK):
        resolved += resolver.resolve(items[offset : offset + _RESOLVE_CHUNK])
    _duplicates(items, resolved)
    results = [
        PushedItem(index=i, outcome=REJECTED, errors=r)
        if isinstance(r, dict)
        else PushedItem(index=i, outcome=SKIPPED)
        for i, r in enumerate(resolved)
    ]
    positions = [i for i, r in enumerate(resolved) if not isinstance(r, dict)]
    inputs = [r for r in resolved if not isinstance(r, dict)]
    written = False
    record: RecordResult | None = None
    if inputs and not (all_or_nothing and len(inputs) < len(items)):
        try:
            with transaction.atomic():
                record = actuals_record(
                    actor=actor,
                    items=inputs,
                    source=ActualSource.API,
                    source_name=source_name,
                    batch=batch,
                )
                if all_or_nothing and record.errors:
                    raise _AllOrNothingError
                written = True
        except _AllOrNothingError:
            pass
    if record is None:
        return results, written, set()
    for position, index in enumerate(positions):
        outcome = record.outcomes[position]
        if outcome == REJECTED:
            results[index].outcome = REJECTED
            results[index].errors = {EXTERNAL_ID: [record.errors[position]]}
        elif written:
            results[index].outcome = outcome
            results[index].actual_id = record.actual_ids[position]
            results[index].version = record.versions[position]
    return results, written, record.touched


def _record_staged(
    *,
    actor: Actor,
    resolver: ActualResolver,
    source_name: str,
    items: Sequence[RawActual],
    all_or_nothing: bool,
    batch: ActualBatch,
) -> _Recorded:
    """Set-based (large calls): resolved once into the staging table, the rest in SQL."""
    with actual_stage.index_scans():
        return _staged(
            actor=actor,
            resolver=resolver,
            source_name=source_name,
            items=items,
            all_or_nothing=all_or_nothing,
            batch=batch,
        )


def _staged(
    *,
    actor: Actor,
    resolver: ActualResolver,
    source_name: str,
    items: Sequence[RawActual],
    all_or_nothing: bool,
    batch: ActualBatch,
) -> _Recorded:
    token = str(uuid.uuid4())
    results = [PushedItem(index=i, outcome=SKIPPED) for i in range(len(items))]
    writer = StageWriter(token)
    for offset in range(0, len(items), _RESOLVE_CHUNK):
        chunk = items[offset : offset + _RESOLVE_CHUNK]
        resolver.prefetch(
            (raw.employee_number for raw in chunk), (raw.department_code for raw in chunk)
        )
        for index, raw in enumerate(chunk, start=offset):
            resolved = resolver.staged(raw)
            if isinstance(resolved, dict):
                results[index].outcome = REJECTED
                results[index].errors = resolved
            else:
                writer.add(index, resolved, dated=bool(raw.date))
    writer.finish()
    actual_stage.mark_duplicates(token)
    for index, outcome, dated in actual_stage.refused(token):
        results[index].outcome = REJECTED
        if outcome == actual_stage.DUPLICATE_SERIES:
            results[index].errors = {
                DATE if dated else START: [
                    _("This batch has a value for the same subject, indicator and span before.")
                ]
            }
        else:
            results[index].errors = {
                EXTERNAL_ID: [_("This external id appears twice in this batch.")]
            }
    written = False
    touched: set[tuple[str, str]] | None = set()
    rejected = any(item.outcome == REJECTED for item in results)
    if writer.count and not (all_or_nothing and rejected):
        actual_stage.classify(token, source_name=source_name)
        conflicts = actual_stage.counts(token).get(actual_stage.CONFLICT, 0)
        if conflicts:
            for index, outcome, _dated in actual_stage.refused(token):
                if outcome == actual_stage.CONFLICT:
                    results[index].outcome = REJECTED
                    results[index].errors = {
                        EXTERNAL_ID: [
                            _(
                                "This external id was sent before for another person, "
                                "indicator or span."
                            )
                        ]
                    }
        if not (all_or_nothing and conflicts):
            touched = actual_stage.merge(
                token,
                actor=actor,
                source=ActualSource.API,
                source_name=source_name,
                batch=batch,
                now=timezone.now(),
                limit=INLINE_LIMIT,
            )
            written = True
            for index, outcome, pk, version, found in actual_stage.results(token):
                if outcome in (CREATED, CHANGED, UNCHANGED):
                    item = results[index]
                    item.outcome = outcome
                    item.actual_id = pk
                    item.version = version
                    item.uuid = found
    actual_stage.clear(token)
    return results, written, touched


def _fill_uuids(results: list[PushedItem]) -> None:
    ids = [item.actual_id for item in results if item.actual_id is not None and item.uuid is None]
    found: dict[int, str] = {}
    for offset in range(0, len(ids), _RESOLVE_CHUNK):
        chunk = ids[offset : offset + _RESOLVE_CHUNK]
        found.update(
            (pk, str(uuid))
            for pk, uuid in Actual.objects.filter(pk__in=chunk).values_list("pk", "uuid")
        )
    for item in results:
        if item.actual_id is not None and item.uuid is None:
            item.uuid = found.get(item.actual_id)
