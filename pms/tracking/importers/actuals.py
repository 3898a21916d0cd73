"""Actual values (实际值) from an .xlsx or .csv file: one row per value.

A row names a person by 工号 or a department by 部门编码 (exactly one), an indicator by its
code, a date (the value covers the indicator's frequency period containing it: the month
of a monthly indicator…) or an explicit 开始日期 + 结束日期, and the value; optionally the
sending system's id (外部编号), a note and an evidence link.

Every row is checked before anything is written (``ActualResolver``: people and
departments within the uploader's scope, enabled indicators, numbers, dates, spans inside
an open period; here: the same value twice in the file, an external id used twice or sent
before for another value). Applying records every row with the rules of the recording
engine (``actuals_record``), set-based (``actual_stage``), in the framework's single
transaction under one ``ActualBatch`` linked to the import job. A value already current
is left alone, so importing the same file again creates nothing.

Memory stays flat: rows arrive a chunk at a time and go to the staging table; the checks
across the file (duplicates, earlier values) are SQL.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import Actor, audit_record
from pms.core.imports import Column, Importer, ImportSession, Row, SessionContext
from pms.core.models import AuditAction, AuditChannel, ImportJob, ImportStatus
from pms.goals.importers.goal_files.common import importing_principal
from pms.tracking.models import ActualBatch, ActualSource
from pms.tracking.services import actual_stage
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
from pms.tracking.services.actual_stage import StageWriter
from pms.tracking.services.actuals import CHANGED, CREATED, UNCHANGED
from pms.tracking.services.progress import INLINE_LIMIT, progress_after_batch

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


def _live_tokens() -> set[str]:
    """The jobs whose staged rows may still be applied."""
    live = (ImportStatus.VALIDATING, ImportStatus.VALID, ImportStatus.APPLYING)
    return {
        str(uuid)
        for uuid in ImportJob.objects.filter(status__in=live).values_list("uuid", flat=True)
    }


class ActualSession(ImportSession):
    """Each row is read and resolved once, while checking, into the staging table
    (``actual_stage``); the file's duplicates and the comparison with the stored values are
    SQL. Applying a checked file records from the staging table without reading the file
    again (``replay``), after re-checking in SQL what may have changed since (indicators,
    scopes, open periods); a file checked otherwise is streamed again."""

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.principal = importing_principal(context)
        self.resolver = ActualResolver(self.principal)
        self.token = context.batch or str(uuid.uuid4())
        self.stage: StageWriter | None = None
        self.batch: ActualBatch | None = None

    def _job(self) -> ImportJob | None:
        try:
            return ImportJob.objects.filter(uuid=self.context.batch).first()
        except ValidationError:
            return None

    def _batch(self) -> ActualBatch:
        if self.batch is None:
            self.batch = ActualBatch.objects.create(
                source=ActualSource.EXCEL,
                source_name=UPLOAD_SOURCE_NAME,
                created_by=self.principal.user,
                import_job=self._job(),
            )
        return self.batch

    def _writer(self) -> StageWriter:
        if self.stage is None:
            if not self.context.apply:
                actual_stage.clear_abandoned(_live_tokens() - {self.token})
            actual_stage.clear(self.token)
            self.stage = StageWriter(self.token)
        return self.stage

    def process(self, rows: list[Row]) -> None:
        writer = self._writer()
        if not rows:
            return
        self.resolver.prefetch(
            (row.get(EMPLOYEE) for row in rows), (row.get(DEPARTMENT) for row in rows)
        )
        staged = self.resolver.staged
        error = self.context.error
        add = writer.add
        for row in rows:
            values = row.values
            raw = RawActual(
                values.get(EMPLOYEE, ""),
                values.get(DEPARTMENT, ""),
                values.get(INDICATOR, ""),
                values.get(DATE, ""),
                values.get(START, ""),
                values.get(END, ""),
                values.get(VALUE, ""),
                values.get(EXTERNAL_ID, ""),
                values.get(NOTE, ""),
                values.get(EVIDENCE_URL, ""),
            )
            resolved = staged(raw)
            if isinstance(resolved, dict):
                for field, messages in resolved.items():
                    for message in messages:
                        error(row, field, message)
                continue
            add(row.line, resolved, dated=bool(raw.date))

    def _refuse(self) -> None:
        """The file's duplicates, and after ``classify`` the external ids sent before for
        another value, as row errors."""
        for line, outcome, dated in actual_stage.refused(self.token):
            if outcome == actual_stage.DUPLICATE_SERIES:
                self.context.error(
                    line,
                    DATE if dated else START,
                    _(
                        "The file has a value for this person or department, indicator and "
                        "span on an earlier line."
                    ),
                )
            elif outcome == actual_stage.DUPLICATE_EXTERNAL:
                self.context.error(
                    line, EXTERNAL_ID, _("This external id appears on an earlier line.")
                )
            else:
                self.context.error(line, EXTERNAL_ID, _ANOTHER_VALUE())

    def finish(self) -> None:
        with actual_stage.index_scans():
            self._finish()

    def _finish(self) -> None:
        self._writer().finish()
        actual_stage.mark_duplicates(self.token)
        if not self.context.apply:
            self._refuse()
            found, conflicts = actual_stage.preview(self.token, source_name=UPLOAD_SOURCE_NAME)
            for line, _dated in conflicts:
                self.context.error(line, EXTERNAL_ID, _ANOTHER_VALUE())
            counts = self.context.counts
            counts.create += found.get(CREATED, 0)
            counts.update += found.get(CHANGED, 0)
            counts.unchanged += found.get(UNCHANGED, 0)
            if self.context.errors.count:
                actual_stage.clear(self.token)
            return
        actual_stage.classify(self.token, source_name=UPLOAD_SOURCE_NAME)
        self._refuse()
        self._record()

    def replay(self) -> int | None:
        with actual_stage.index_scans():
            return self._replay()

    def _replay(self) -> int | None:
        job = self._job()
        if job is None or not job.total_rows:
            return None
        if actual_stage.staged_count(self.token) != job.total_rows:
            return None  # checked before staging existed, or the rows were cleared
        self.stage = StageWriter(self.token)
        for line, field, message in actual_stage.recheck(
            self.token,
            people_in_reach=self.resolver.people_in_reach,
            departments_in_reach=self.resolver.departments_in_reach,
        ):
            self.context.error(line, field, message)
        if not self.context.errors.count:
            actual_stage.classify(self.token, source_name=UPLOAD_SOURCE_NAME)
            self._refuse()
            self._record()
        return job.total_rows

    def _record(self) -> None:
        """Write the classified rows (nothing when any row was refused: the framework then
        rolls back and reports)."""
        if self.context.errors.count:
            return
        found = actual_stage.counts(self.token)
        actor = self.context.actor or Actor(user=self.principal.user, channel=AuditChannel.IMPORT)
        batch = self._batch()
        touched = actual_stage.merge(
            self.token,
            actor=actor,
            source=ActualSource.EXCEL,
            source_name=UPLOAD_SOURCE_NAME,
            batch=batch,
            now=timezone.now(),
            limit=INLINE_LIMIT,
        )
        actual_stage.clear(self.token)
        counts = self.context.counts
        counts.create += found.get(CREATED, 0)
        counts.update += found.get(CHANGED, 0)
        counts.unchanged += found.get(UNCHANGED, 0)
        batch.items = counts.create + counts.update + counts.unchanged
        batch.created = counts.create
        batch.changed = counts.update
        batch.unchanged = counts.unchanged
        batch.rejected = 0
        batch.save(update_fields=["items", "created", "changed", "unchanged", "rejected"])
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
        progress_after_batch(batch_id=batch.pk, touched=touched)


def _ANOTHER_VALUE() -> str:  # noqa: N802
    return _("This external id was sent before for another person, indicator or span.")


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
