"""Actual values (实际值) from an .xlsx or .csv file: one row per value.

A row names a person by 工号 or a department by 部门编码 (exactly one), an indicator by its
code, a date (the value covers the indicator's frequency period containing it: the month
of a monthly indicator…) or an explicit 开始日期 + 结束日期, and the value; optionally the
sending system's id (外部编号), a note and an evidence link.

Every row is checked before anything is written (``ActualResolver``: people and
departments within the uploader's scope, enabled indicators, numbers, dates, spans inside
an open period; here: the same value twice in the file, an external id used twice or sent
before for another value). Applying writes every row through the one recording engine
(``actuals_record``) in the framework's single transaction, chunk by chunk, under one
``ActualBatch`` linked to the import job. A value already current is left alone, so
importing the same file again creates nothing.

Memory stays flat: rows arrive a chunk at a time, and the duplicate checks keep an 8-byte
hash per row rather than the row.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import Actor, audit_record
from pms.core.imports import Column, Importer, ImportSession, Row, SessionContext
from pms.core.models import AuditAction, AuditChannel, ImportJob
from pms.goals.importers.goal_files.common import importing_principal
from pms.tracking.models import Actual, ActualBatch, ActualSource
from pms.tracking.services.actual_inputs import (
    DATE,
    DEPARTMENT,
    EMPLOYEE,
    END,
    EVIDENCE_URL,
    EXTERNAL_ID,
    INDICATOR,
    MAX_EXTERNAL_ID,
    MAX_NOTE,
    MAX_URL,
    NOTE,
    START,
    VALUE,
    ActualResolver,
    RawActual,
)
from pms.tracking.services.actuals import (
    CHANGED,
    CREATED,
    REJECTED,
    UNCHANGED,
    ActualInput,
    actuals_record,
)

KIND = "actuals"
# Uploads are one sending "system": external ids in files are matched with earlier files'.
UPLOAD_SOURCE_NAME = ""
FIELDS = (
    EMPLOYEE,
    DEPARTMENT,
    INDICATOR,
    DATE,
    START,
    END,
    VALUE,
    EXTERNAL_ID,
    NOTE,
    EVIDENCE_URL,
)


def compact_key(text: str) -> int:
    """An 8-byte hash: what the duplicate checks keep per row instead of the row."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class KeySet:
    """A set of 8-byte keys in one flat array (open addressing, linear probing): about
    16-32 bytes per key where a Python ``set`` of ints takes about 70."""

    def __init__(self, capacity: int = 1 << 14) -> None:
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, key: int) -> bool:
        """Add ``key``; False when it was there already."""
        key |= 1  # 0 marks an empty slot
        slots = self._slots
        mask = self._mask
        index = key & mask
        while True:
            found = slots[index]
            if found == 0:
                slots[index] = key
                self._count += 1
                if self._count * 2 > mask:
                    self._grow()
                return True
            if found == key:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        capacity = 2 * len(old)
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0
        for key in old:
            if key:
                self.add(key)


class ActualSession(ImportSession):
    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.principal = importing_principal(context)
        self.resolver = ActualResolver(self.principal)
        self.seen_series = KeySet()
        self.seen_external = KeySet()
        self.touched: set[tuple[str, str]] = set()
        self.batch: ActualBatch | None = None
        self.items = 0
        self.outcomes = {CREATED: 0, CHANGED: 0, UNCHANGED: 0, REJECTED: 0}

    def _job(self) -> ImportJob | None:
        return ImportJob.objects.filter(uuid=self.context.batch).first()

    def _batch(self) -> ActualBatch:
        if self.batch is None:
            self.batch = ActualBatch.objects.create(
                source=ActualSource.EXCEL,
                source_name=UPLOAD_SOURCE_NAME,
                created_by=self.principal.user,
                import_job=self._job(),
            )
        return self.batch

    @staticmethod
    def _span_column(row: Row) -> str:
        return DATE if row.get(DATE) else START

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        raws = [RawActual(**{key: row.get(key) for key in FIELDS}) for row in rows]
        good_rows: list[Row] = []
        good_items: list[ActualInput] = []
        for row, resolved in zip(rows, self.resolver.resolve(raws), strict=True):
            if isinstance(resolved, dict):
                for field, messages in resolved.items():
                    for message in messages:
                        self.context.error(row, field, message)
                continue
            if not self.seen_series.add(compact_key(resolved.series)):
                self.context.error(
                    row,
                    self._span_column(row),
                    _(
                        "The file has a value for this person or department, indicator and "
                        "span on an earlier line."
                    ),
                )
                continue
            if resolved.external_id and not self.seen_external.add(
                compact_key(resolved.external_id)
            ):
                self.context.error(
                    row, EXTERNAL_ID, _("This external id appears on an earlier line.")
                )
                continue
            good_rows.append(row)
            good_items.append(resolved)
        if not good_items:
            return
        if self.context.apply:
            self._write(good_rows, good_items)
        else:
            self._check(good_rows, good_items)

    def _check(self, rows: Sequence[Row], items: Sequence[ActualInput]) -> None:
        """Without writing: what applying would do, and what the engine would refuse."""
        keys = [item.series for item in items]
        current = dict(
            Actual.objects.filter(series__in=keys, is_current=True).values_list("series", "value")
        )
        external_ids = {item.external_id for item in items if item.external_id}
        sent_before: dict[str, tuple[int, str, Decimal]] = {}
        if external_ids:
            for external_id, version, series, value in Actual.objects.filter(
                source_name=UPLOAD_SOURCE_NAME, external_id__in=external_ids
            ).values_list("external_id", "version", "series", "value"):
                known = sent_before.get(external_id)
                if known is None or version > known[0]:
                    sent_before[external_id] = (version, series, value)
        counts = self.context.counts
        for row, item, key in zip(rows, items, keys, strict=True):
            earlier = sent_before.get(item.external_id) if item.external_id else None
            if earlier is not None and earlier[1] != key:
                self.context.error(
                    row,
                    EXTERNAL_ID,
                    _("This external id was sent before for another person, indicator or span."),
                )
                continue
            now = current.get(key)
            if (earlier is not None and earlier[2] == item.value) or (
                now is not None and now == item.value
            ):
                counts.unchanged += 1
            elif now is not None:
                counts.update += 1
            else:
                counts.create += 1

    def _write(self, rows: Sequence[Row], items: Sequence[ActualInput]) -> None:
        actor = self.context.actor or Actor(user=self.principal.user, channel=AuditChannel.IMPORT)
        result = actuals_record(
            actor=actor,
            items=items,
            source=ActualSource.EXCEL,
            source_name=UPLOAD_SOURCE_NAME,
            batch=self._batch(),
        )
        counts = self.context.counts
        for index, (row, outcome) in enumerate(zip(rows, result.outcomes, strict=True)):
            self.outcomes[outcome] += 1
            if outcome == REJECTED:
                self.context.error(row, EXTERNAL_ID, result.errors.get(index, ""))
            elif outcome == CREATED:
                counts.create += 1
            elif outcome == CHANGED:
                counts.update += 1
            else:
                counts.unchanged += 1
        self.items += len(items)
        self.touched |= result.touched

    def finish(self) -> None:
        if not self.context.apply or self.context.errors.count:
            return
        batch = self._batch()
        batch.items = self.items
        batch.created = self.outcomes[CREATED]
        batch.changed = self.outcomes[CHANGED]
        batch.unchanged = self.outcomes[UNCHANGED]
        batch.rejected = self.outcomes[REJECTED]
        batch.save(update_fields=["items", "created", "changed", "unchanged", "rejected"])
        actor = self.context.actor or Actor(user=self.principal.user, channel=AuditChannel.IMPORT)
        audit_record(
            actor=actor,
            instance=batch,
            action=AuditAction.IMPORT,
            after={
                "source": batch.source,
                "items": batch.items,
                "created": batch.created,
                "changed": batch.changed,
                "unchanged": batch.unchanged,
            },
            batch=self.context.batch,
        )
        from pms.tracking.services.progress import progress_after_record

        progress_after_record(touched=self.touched)


def _column(
    key: str,
    header: str,
    aliases: tuple[str, ...],
    help_text: object,
    example: str,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> Column:
    return Column(
        key,
        header,
        aliases,
        required=required,
        max_length=max_length,
        help=help_text,  # type: ignore[arg-type]
        example=example,
    )


class ActualImporter(Importer):
    kind = KIND
    label = gettext_lazy("Actual values")
    session_class = ActualSession
    columns = (
        _column(
            EMPLOYEE,
            "工号",
            ("员工工号", "员工编号", "employee number", "employee"),
            gettext_lazy("The person's employee number; leave blank for a department's value."),
            "E000123",
            max_length=40,
        ),
        _column(
            DEPARTMENT,
            "部门编码",
            ("部门代码", "department code", "department"),
            gettext_lazy("The department's code, for a department's value; else leave blank."),
            "",
            max_length=40,
        ),
        _column(
            INDICATOR,
            "指标编码",
            ("指标代码", "指标", "indicator code", "indicator"),
            gettext_lazy("The code of an enabled indicator of the library."),
            "SAL-REVENUE",
            required=True,
            max_length=40,
        ),
        _column(
            DATE,
            "日期",
            ("数据日期", "date"),
            gettext_lazy(
                "A day in the span the value covers: the value counts for the indicator's "
                "whole period containing it (the month of a monthly indicator). Or leave it "
                "blank and give the start and end date."
            ),
            "2026-01-31",
        ),
        _column(
            START,
            "开始日期",
            ("起始日期", "start date", "start"),
            gettext_lazy("The first day the value covers (with the end date, instead of a date)."),
            "",
        ),
        _column(
            END,
            "结束日期",
            ("截止日期", "end date", "end"),
            gettext_lazy("The last day the value covers."),
            "",
        ),
        _column(
            VALUE,
            "实际值",
            ("实际完成值", "完成值", "value", "actual value"),
            gettext_lazy("The value, a number with at most 4 decimal places."),
            "128.5",
            required=True,
        ),
        _column(
            EXTERNAL_ID,
            "外部编号",
            ("外部ID", "external id"),
            gettext_lazy(
                "Optional: the value's id in the system it comes from; a later file with the "
                "same id replaces the value."
            ),
            "ERP-2026-01-0001",
            max_length=MAX_EXTERNAL_ID,
        ),
        _column(
            NOTE,
            "备注",
            ("说明", "note"),
            gettext_lazy("Optional note."),
            "",
            max_length=MAX_NOTE,
        ),
        _column(
            EVIDENCE_URL,
            "证据链接",
            ("链接", "evidence link", "evidence url"),
            gettext_lazy("Optional link to the evidence (a report, a contract…)."),
            "",
            max_length=MAX_URL,
        ),
    )
