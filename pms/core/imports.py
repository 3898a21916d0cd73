"""The import framework every app reuses: read a spreadsheet row by row, check it, apply it.

An app describes one kind of file with an ``Importer`` (its columns and a ``session`` that
checks and writes rows chunk by chunk) and calls ``register``. The services below drive
any registered kind the same way:

- ``import_job_create`` stores the upload and starts the check, inline for small files and
  as a background task (``pms.core.tasks``) for files over ``PMS_IMPORT_BACKGROUND_ROWS``;
- ``import_job_validate`` streams every row through the session without writing, records
  every problem with its line and column, and counts what would be created or changed;
- ``import_job_apply`` streams the file again and writes it in one transaction.

Files are never loaded whole: rows are read one at a time (openpyxl read-only mode, with
the shared strings kept compact and no parsed row kept; the csv module) and handed to the
session in chunks of ``CHUNK_SIZE`` rows. A session may apply what its check prepared
without reading the rows again (``ImportSession.replay``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from array import array
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from pms.core.audit import Actor
from pms.core.models import AuditChannel, ImportJob, ImportRowError, ImportStatus

if TYPE_CHECKING:
    from pms.accounts.models import User

CHUNK_SIZE = 1000
BATCH_SIZE = 1000
FORMATS = ("xlsx", "csv")
# Errors kept in memory while applying; a clean check makes any error there unlikely.
_APPLY_ERROR_LIMIT = 1000


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, corrupt, empty)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApplyAbortedError(Exception):
    """Applying found a problem the check did not (the data changed in between)."""


# --- bulk writes ---------------------------------------------------------------------------


def bulk_set(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Like ``QuerySet.bulk_update`` (same arguments), as one prepared ``UPDATE … WHERE pk``
    run with ``executemany`` per batch. Django's ``CASE WHEN`` form costs seconds per
    thousand rows; this costs milliseconds, which matters for 100,000-row imports."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns: list[models.Field[Any, Any]] = []
    names: list[str] = []
    for name in fields:
        found = meta.get_field(name)
        if not isinstance(found, models.Field) or found.column is None:
            raise TypeError(name)
        columns.append(found)
        names.append(found.column)
    pk = meta.pk
    if pk is None or pk.column is None:
        raise TypeError(model)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in names)
    # Only quoted names from the model's own metadata go into the text; values are params.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH_SIZE):
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
                    + [obj.pk]
                    for obj in objs[start : start + BATCH_SIZE]
                ],
            )


# --- columns and rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import file: its exact Chinese header and accepted aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    help: str | Promise = ""
    example: str = ""


@dataclass(frozen=True)
class Row:
    """One non-empty data row: its line as the spreadsheet shows it and its cleaned values."""

    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def _normalise_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().strip("*").strip()).lower()


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    # a NUL never means anything in a cell, and PostgreSQL refuses to store one
    return str(value).replace("\x00", "").strip()


# --- errors --------------------------------------------------------------------------------


class ErrorSink:
    """Collects row errors: written to the job in batches while checking, kept in memory
    (up to a limit) while applying so that they survive the rollback."""

    def __init__(self, job: ImportJob | None) -> None:
        self.job = job
        self.count = 0
        self.bad_lines: set[int] = set()
        self.kept: list[ImportRowError] = []
        self._buffer: list[ImportRowError] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        self.bad_lines.add(line)
        error = ImportRowError(line=line, column=column[:100], message=message[:500])
        if self.job is None:
            if len(self.kept) < _APPLY_ERROR_LIMIT:
                self.kept.append(error)
            return
        error.job = self.job
        self._buffer.append(error)
        if len(self._buffer) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            ImportRowError.objects.bulk_create(self._buffer, batch_size=BATCH_SIZE)
            self._buffer = []

    def has_errors_on(self, line: int) -> bool:
        return line in self.bad_lines


@dataclass
class Counts:
    create: int = 0
    update: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"create": self.create, "update": self.update, "unchanged": self.unchanged}


# --- importers -----------------------------------------------------------------------------


@dataclass
class SessionContext:
    """What a session gets: the column headers as they appear in this file, where to put
    errors, and (when applying) who applies and the audit batch."""

    headers: dict[str, str]
    errors: ErrorSink
    counts: Counts
    apply: bool
    actor: Actor | None = None
    batch: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def error(self, row: Row | int, key: str, message: str) -> None:
        line = row if isinstance(row, int) else row.line
        column = self.headers.get(key, "") if key else ""
        self.errors.add(line, column, message)


class ImportSession:
    """Checks (and when ``context.apply`` writes) one file, chunk by chunk.

    ``process`` gets each chunk of rows that passed the generic checks (required values,
    lengths); ``finish`` runs once after the last chunk for checks across the whole file
    (references to rows further down, loops) and for follow-up writes.
    """

    def __init__(self, context: SessionContext) -> None:
        self.context = context

    def process(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Checks across the whole file and, when applying, the final writes."""

    def replay(self) -> int | None:
        """When applying: write what the check prepared without reading the rows again and
        return the number of data rows, or None (the default) to stream the file."""
        return None


class Importer:
    """One kind of import file. Subclasses set ``kind``, ``label``, ``columns`` and
    ``session_class``."""

    kind: str = ""
    label: str | Promise = ""
    columns: tuple[Column, ...] = ()
    session_class: type[ImportSession] = ImportSession

    def map_headers(self, cells: Sequence[Any]) -> tuple[dict[str, int], dict[str, str]]:
        """Column key → position and column key → header text, from the header row."""
        lookup: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.header, column.key, *column.aliases):
                lookup.setdefault(_normalise_header(name), column)
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        for index, cell in enumerate(cells):
            text = cell_text(cell)
            found = lookup.get(_normalise_header(text)) if text else None
            if found is not None and found.key not in positions:
                positions[found.key] = index
                headers[found.key] = text
        for column in self.columns:
            headers.setdefault(column.key, column.header)
        return positions, headers

    def missing_columns(self, positions: dict[str, int]) -> list[Column]:
        return [c for c in self.columns if c.required and c.key not in positions]


_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    _REGISTRY[importer.kind] = importer
    return importer


def get_importer(kind: str) -> Importer | None:
    return _REGISTRY.get(kind)


def importers() -> list[Importer]:
    return list(_REGISTRY.values())


# --- reading files -------------------------------------------------------------------------


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ImportFileError(_("Please upload an .xlsx or .csv file."))
    return suffix


def _csv_encoding(fh: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(0)
    try:
        while chunk := fh.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        fh.seek(0)
    return "utf-8-sig"


def _csv_rows(fh: IO[bytes]) -> Generator[list[Any], None, None]:
    text = io.TextIOWrapper(fh, encoding=_csv_encoding(fh), newline="")
    try:
        yield from csv.reader(text)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    finally:
        text.detach()


class CompactStrings:
    """A workbook's shared strings as one UTF-8 block and their end offsets: about 12 bytes
    per string plus its text, where a list of ``str`` takes about 60 (a million distinct
    external ids: 20 MB instead of 80, and no parse tree kept alive)."""

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._blob += text.encode()
        self._ends.append(len(self._blob))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index > 0 else 0
        return self._blob[start : self._ends[index]].decode()


def read_compact_strings(source: IO[bytes]) -> CompactStrings:
    """The shared-strings part as openpyxl reads it (the plain text and the runs' text of
    each ``si``, phonetic hints left out), clearing the parse tree as it goes."""
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    si, t, r = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = CompactStrings()
    events = iterparse(source, events=("start", "end"))
    _event, root = next(events)
    for event, node in events:
        if event != "end" or node.tag != si:
            continue
        plain = node.find(t)
        parts = [plain.text or ""] if plain is not None else []
        parts += [run.findtext(t) or "" for run in node.iterfind(r)]
        strings.append("".join(parts).replace("x005F_", ""))
        root.clear()
    return strings


def _sheet_class() -> Any:
    """openpyxl's read-only sheet, reading the sheet's dimension from its head only: its
    own reads up to the end of the rows when the sheet has none (files written row by row,
    openpyxl's write-only mode among them), the whole sheet as a tree, 100 MB for a million
    rows before the first row is read."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.xml.functions import iterparse

    class HeadSizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            this: Any = self  # openpyxl's stubs know few of its attributes
            with this._get_source() as source:
                for _event, node in iterparse(source, events=("start",)):
                    if node.tag == DATA_TAG:
                        return
                    ref = node.get("ref") if node.tag == DIMENSION_TAG else None
                    if ref:
                        bounds = range_boundaries(ref)
                        if None not in bounds:
                            this._min_column, this._min_row, this._max_column, this._max_row = (
                                bounds
                            )
                        return

    return HeadSizedSheet


def _load_workbook(fh: IO[bytes], *, strings: bool) -> Any:
    """openpyxl's read-only workbook with the shared strings kept compact (or not read:
    counting rows needs none) and the sheets sized from their head (``_sheet_class``)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    sheet_class = _sheet_class()

    class CompactReader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)  # type: ignore[no-untyped-call]
            if strings and part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    # read by index only, like the list openpyxl would put here
                    self.shared_strings = read_compact_strings(source)  # type: ignore[assignment]

        def read_worksheets(self) -> None:
            """The read-only branch of openpyxl's, with ``sheet_class`` (chart sheets are
            no worksheets: an import reads the first worksheet only)."""
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = sheet_class(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                workbook: Any = self.wb
                workbook._sheets.append(ws)

    reader = CompactReader(fh, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _open_workbook(fh: IO[bytes], *, strings: bool = True) -> Any:
    head = fh.read(4)
    fh.seek(0)
    if head != b"PK\x03\x04":
        raise ImportFileError(_("This is not a valid .xlsx file."))
    try:
        return _load_workbook(fh, strings=strings)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("This is not a valid .xlsx file.")) from exc


def _sheet_parser(sheet: Any, source: IO[bytes]) -> Any:
    """openpyxl's sheet parser reading rows only and keeping none: its own ``parse``
    clears each row but leaves it, empty, in the parse tree, and keeps every row's height
    or style when the sheet sets one (a few bytes to a few hundred a row)."""
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    class FlatParser(WorkSheetParser):
        def parse(self) -> Generator[tuple[int, list[dict[str, Any]]], None, None]:
            data = None
            for event, node in iterparse(self.source, events=("start", "end")):
                if event == "start":
                    if node.tag == DATA_TAG:
                        data = node
                    continue
                if node.tag == ROW_TAG:
                    self.row_dimensions.clear()
                    yield self.parse_row(node)
                    if data is not None:
                        data.clear()  # drops the rows read so far
                    else:
                        node.clear()

    workbook = sheet.parent
    return FlatParser(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _sheet_values(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as tuples of values from the first column, like
    ``iter_rows(values_only=True)`` of a read-only sheet (a missing row as an empty tuple,
    nothing after the row the sheet's dimension names last)."""
    max_row = sheet.max_row
    expected = 1
    with sheet._get_source() as source:
        for index, cells in _sheet_parser(sheet, source).parse():
            if max_row is not None and index > max_row:
                break
            while expected < index:
                expected += 1
                yield ()
            if expected > index:
                continue  # a row number out of order: openpyxl skips it too
            expected = index + 1
            if not cells:
                yield ()
                continue
            values: list[Any] = [None] * cells[-1]["column"]
            for cell in cells:
                column = cell["column"]
                if 1 <= column <= len(values):
                    values[column - 1] = cell["value"]
            yield tuple(values)


def _xlsx_rows(fh: IO[bytes]) -> Generator[Sequence[Any], None, None]:
    workbook = _open_workbook(fh)
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheets."))
        try:
            yield from _sheet_values(workbook.worksheets[0])
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
    finally:
        workbook.close()


@contextmanager
def open_rows(job: ImportJob) -> Iterator[Iterator[Sequence[Any]]]:
    """The file's rows, one list of cell values per spreadsheet line (header first)."""
    fmt = file_format(job.original_name)
    try:
        fh = job.file.open("rb")
    except OSError as exc:
        raise ImportFileError(_("The uploaded file is no longer available.")) from exc
    rows = _xlsx_rows(fh) if fmt == "xlsx" else _csv_rows(fh)
    try:
        yield rows
    finally:
        rows.close()  # runs the reader's own clean-up while the file is still open
        fh.close()


def count_rows(fh: IO[bytes], fmt: str) -> int:
    """Data rows (without the header), cheaply: newlines for CSV, the sheet's dimension for
    xlsx. An estimate used for the progress bar and the inline/background decision."""
    if fmt == "csv":
        lines = 0
        last = b""
        fh.seek(0)
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
        fh.seek(0)
        if last and last != b"\n":
            lines += 1
        return max(0, lines - 1)
    workbook = _open_workbook(fh, strings=False)
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheets."))
        sheet = workbook.worksheets[0]
        max_row = sheet.max_row
        if max_row is None:
            max_row = _count_row_tags(workbook, sheet)
        return max(0, int(max_row) - 1)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_("This is not a valid .xlsx file.")) from exc
    finally:
        workbook.close()
        fh.seek(0)


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")


def _count_row_tags(workbook: Any, sheet: Any) -> int:
    """Rows of a sheet without a dimension, by scanning its XML for row tags: a fraction
    of the cost of parsing every cell."""
    rows = 0
    tail = b""
    with workbook._archive.open(sheet._worksheet_path) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            # a tag that may be cut at the chunk's end is counted with the next chunk
            keep = max(0, len(data) - 32)
            rows += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < keep)
            tail = data[keep:]
    return rows + len(_ROW_TAG.findall(tail))


# --- running a file through a session ------------------------------------------------------


def _generic_errors(importer: Importer, row: Row, context: SessionContext) -> bool:
    ok = True
    for column in importer.columns:
        value = row.get(column.key)
        if column.required and not value:
            context.error(row, column.key, _("This value is required."))
            ok = False
        elif column.max_length is not None and len(value) > column.max_length:
            context.error(
                row,
                column.key,
                _("Too long: at most %(max)d characters.") % {"max": column.max_length},
            )
            ok = False
    return ok


def _run(
    job: ImportJob,
    *,
    errors: ErrorSink,
    apply: bool,
    actor: Actor | None,
    on_progress: Callable[[int], None],
) -> tuple[Counts, int]:
    """Stream the file through the kind's session; returns the counts and the data rows."""
    importer = get_importer(job.kind)
    if importer is None:
        raise ImportFileError(_("Unknown import kind."))
    counts = Counts()
    rows_seen = 0
    with open_rows(job) as rows:
        header = next(rows, None)
        if header is None or not any(cell_text(c) for c in header):
            raise ImportFileError(_("The file is empty."))
        positions, headers = importer.map_headers(header)
        missing = importer.missing_columns(positions)
        if missing:
            errors.add(
                1,
                "",
                _("Required columns are missing: %(columns)s")
                % {"columns": "、".join(c.header for c in missing)},
            )
            return counts, 0
        context = SessionContext(
            headers=headers,
            errors=errors,
            counts=counts,
            apply=apply,
            actor=actor,
            batch=str(job.uuid),
        )
        session = importer.session_class(context)
        if apply:
            replayed = session.replay()
            if replayed is not None:
                return counts, replayed
        chunk: list[Row] = []
        for line, cells in enumerate(rows, start=2):
            values = {
                key: cell_text(cells[index]) if index < len(cells) else ""
                for key, index in positions.items()
            }
            if not any(values.values()):
                continue
            rows_seen += 1
            row = Row(line=line, values=values)
            if _generic_errors(importer, row, context):
                chunk.append(row)
            if rows_seen % CHUNK_SIZE == 0:
                session.process(chunk)
                chunk = []
                on_progress(rows_seen)
        session.process(chunk)
        session.finish()
    if rows_seen == 0:
        errors.add(1, "", _("The file has no data rows."))
    return counts, rows_seen


def _progress_updater(job: ImportJob) -> Callable[[int], None]:
    def update(done: int) -> None:
        total = max(job.total_rows, done)
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    return update


# --- services ------------------------------------------------------------------------------


def _background(job: ImportJob) -> bool:
    return job.total_rows > int(settings.PMS_IMPORT_BACKGROUND_ROWS)


def _tell(job: ImportJob, event: str) -> None:
    """The person who started a background import hears how it went (``pms.comms``);
    small files are checked and applied while they watch, so nobody is told."""
    from pms.comms.core_events import notify_import

    notify_import(job, event)


def import_job_create(
    *, actor: Actor, kind: str, uploaded_file: File[Any], start: bool = True
) -> ImportJob:
    """Store an uploaded file as an import job and (with ``start``) begin checking it:
    inline for small files, in the background for large ones. Refuses an unknown kind,
    a file that is not .xlsx/.csv, an empty or unreadable file."""
    if actor.user is None:
        raise ValidationError(_("An import needs a user."))
    if get_importer(kind) is None:
        raise ValidationError({"kind": _("Unknown import kind.")})
    name = Path(uploaded_file.name or "").name
    try:
        fmt = file_format(name)
        if not uploaded_file.size:
            raise ImportFileError(_("The file is empty."))
        uploaded_file.seek(0)
        total = count_rows(uploaded_file, fmt)
    except ImportFileError as exc:
        raise ValidationError({"file": exc.message}) from exc
    uploaded_file.seek(0)
    job = ImportJob(
        kind=kind,
        original_name=name[:255],
        created_by=actor.user,
        total_rows=total,
    )
    job.file.save(name, uploaded_file, save=False)
    job.save()
    if start:
        import_job_start_validation(job=job)
    return job


def import_job_start_validation(*, job: ImportJob) -> ImportJob:
    """Check now, or hand a large file to the background worker after the commit."""
    if _background(job):
        from pms.core.tasks import validate_import_job

        job.status = ImportStatus.VALIDATING
        job.save(update_fields=["status", "updated_at"])
        job_id = job.pk
        transaction.on_commit(lambda: validate_import_job.enqueue(job_id))
        return job
    return import_job_validate(job=job)


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """Check every row without writing; record every error and what would change."""
    job.row_errors.all().delete()
    job.status = ImportStatus.VALIDATING
    job.processed_rows = 0
    job.message = ""
    job.save(update_fields=["status", "processed_rows", "message", "updated_at"])
    errors = ErrorSink(job)
    try:
        counts, rows = _run(
            job, errors=errors, apply=False, actor=None, on_progress=_progress_updater(job)
        )
    except ImportFileError as exc:
        errors.add(1, "", exc.message)
        counts, rows = Counts(), 0
    errors.flush()
    job.refresh_from_db(fields=["total_rows"])
    job.total_rows = rows
    job.processed_rows = rows
    job.error_count = len(errors.bad_lines)
    job.summary = {**counts.as_dict(), "errors": errors.count}
    job.status = ImportStatus.INVALID if errors.count else ImportStatus.VALID
    job.validated_at = timezone.now()
    job.save(
        update_fields=[
            "total_rows",
            "processed_rows",
            "error_count",
            "summary",
            "status",
            "validated_at",
            "updated_at",
        ]
    )
    if _background(job):
        _tell(job, "core.import_checked")
    return job


def import_job_start_apply(*, actor: Actor, job: ImportJob) -> ImportJob:
    """Apply a checked job now, or in the background for a large file."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportStatus.VALID:
            raise ValidationError(_("Only a checked import without errors can be applied."))
        if not _background(locked):
            return import_job_apply(actor=actor, job=locked)
        from pms.core.tasks import apply_import_job

        locked.status = ImportStatus.APPLYING
        locked.processed_rows = 0
        locked.save(update_fields=["status", "processed_rows", "updated_at"])
        user_id = actor.user.pk if actor.user is not None else None
        job_id = locked.pk
        transaction.on_commit(lambda: apply_import_job.enqueue(job_id, user_id))
    return locked


def import_job_apply(*, actor: Actor, job: ImportJob) -> ImportJob:
    """Write the checked file in one transaction: all rows or none. Every changed object
    gets one audit entry in the job's batch; unchanged rows are left alone."""
    if job.status == ImportStatus.APPLIED:
        return job
    if job.status not in {ImportStatus.VALID, ImportStatus.APPLYING}:
        raise ValidationError(_("Only a checked import without errors can be applied."))
    actor = Actor(user=actor.user, channel=AuditChannel.IMPORT)
    job.status = ImportStatus.APPLYING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    errors = ErrorSink(None)
    try:
        with transaction.atomic():
            counts, rows = _run(
                job,
                errors=errors,
                apply=True,
                actor=actor,
                on_progress=_progress_updater(job),
            )
            if errors.count:
                raise ApplyAbortedError
    except (ApplyAbortedError, ImportFileError) as exc:
        if isinstance(exc, ImportFileError):
            errors.add(1, "", exc.message)
        for error in errors.kept:
            error.job = job
        ImportRowError.objects.bulk_create(errors.kept, batch_size=BATCH_SIZE)
        job.status = ImportStatus.INVALID
        job.error_count = len(errors.bad_lines)
        job.processed_rows = 0
        job.message = _(
            "Nothing was changed: the data no longer passes the check. Please check the "
            "errors below and upload the file again."
        )
        job.save(update_fields=["status", "error_count", "processed_rows", "message", "updated_at"])
        if _background(job):
            _tell(job, "core.import_failed")
        return job
    job.total_rows = rows
    job.processed_rows = rows
    job.summary = {**counts.as_dict(), "errors": 0}
    job.status = ImportStatus.APPLIED
    job.applied_at = timezone.now()
    job.save(
        update_fields=[
            "total_rows",
            "processed_rows",
            "summary",
            "status",
            "applied_at",
            "updated_at",
        ]
    )
    if _background(job):
        _tell(job, "core.import_finished")
    return job


def import_job_fail(*, job_id: int, message: str) -> None:
    """Mark a job whose background step crashed, so the page stops waiting."""
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, message=message[:2000], updated_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is not None:
        _tell(job, "core.import_failed")


def import_file(*, actor: Actor, kind: str, path: str | Path) -> ImportJob:
    """Check and apply a file on disk synchronously (benchmarks, scripts, commands)."""
    path = Path(path)
    with path.open("rb") as fh:
        job = import_job_create(
            actor=actor, kind=kind, uploaded_file=File(fh, name=path.name), start=False
        )
    job = import_job_validate(job=job)
    if job.status != ImportStatus.VALID:
        return job
    return import_job_apply(actor=actor, job=job)


def actor_for_user(user: User | None) -> Actor:
    return Actor(user=user, channel=AuditChannel.IMPORT)
