"""The import framework on its own: reading, header mapping, chunking, generic checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pms.accounts.models import User
from pms.core import imports
from pms.core.audit import Actor
from pms.core.imports import Column, Importer, ImportSession, Row, cell_text, count_rows
from pms.core.models import ImportJob, ImportStatus


class RecordingSession(ImportSession):
    chunks: ClassVar[list[list[Row]]] = []

    def process(self, rows: list[Row]) -> None:
        RecordingSession.chunks.append(rows)
        for row in rows:
            if row.get("size") and not row.get("size").isdigit():
                self.context.error(row, "size", "not a number")
            elif self.context.apply:
                self.context.counts.create += 1


class NotesImporter(Importer):
    kind = "test-notes"
    label = "Notes"
    session_class = RecordingSession
    columns = (
        Column("code", "编码", ("code",), required=True, max_length=5),
        Column("size", "大小", ("size", "size in mm")),
    )


imports.register(NotesImporter())


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user(username="admin", password="x")


@pytest.fixture(autouse=True)
def _reset_chunks() -> None:
    RecordingSession.chunks.clear()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def create(user: User, name: str, content: bytes, kind: str = "test-notes") -> ImportJob:
    return imports.import_job_create(
        actor=Actor(user=user), kind=kind, uploaded_file=SimpleUploadedFile(name, content)
    )


def test_cell_text_turns_spreadsheet_values_into_text() -> None:
    assert cell_text(None) == ""
    assert cell_text("  甲 ") == "甲"
    assert cell_text(1001) == "1001"
    assert cell_text(1001.0) == "1001"
    assert cell_text(2.5) == "2.5"
    assert cell_text(dt.datetime(2024, 3, 1)) == "2024-03-01"
    assert cell_text(dt.date(2024, 3, 1)) == "2024-03-01"


def test_headers_match_by_chinese_text_or_english_alias_in_any_order(user: User) -> None:
    content = csv_bytes([["Size in MM", "其他", "编码"], ["12", "x", "A1"]])

    job = create(user, "notes.csv", content)

    assert job.status == ImportStatus.VALID
    (chunk,) = RecordingSession.chunks
    assert chunk == [Row(line=2, values={"size": "12", "code": "A1"})]


def test_generic_checks_use_the_header_text_of_the_file(user: User) -> None:
    content = xlsx_bytes([["code", "大小"], ["", "1"], ["TOOLONG", "2"], [None, None], ["B", "x"]])

    job = create(user, "notes.xlsx", content)

    assert job.status == ImportStatus.INVALID
    assert [(e.line, e.column, e.message) for e in job.row_errors.all()] == [
        (2, "code", "This value is required."),
        (3, "code", "Too long: at most 5 characters."),
        (5, "大小", "not a number"),
    ]
    assert job.total_rows == 3
    assert job.error_count == 3


def test_rows_reach_the_session_in_chunks(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CHUNK_SIZE", 3)
    content = csv_bytes([["编码"], *([f"C{i}"] for i in range(7))])

    job = create(user, "notes.csv", content)

    assert job.processed_rows == job.total_rows == 7
    assert [len(chunk) for chunk in RecordingSession.chunks] == [3, 3, 1]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(user: User, encoding: str) -> None:
    job = create(user, "notes.csv", csv_bytes([["编码", "大小"], ["甲", "1"]], encoding))

    assert job.status == ImportStatus.VALID
    assert RecordingSession.chunks[0][0].values == {"code": "甲", "size": "1"}


def test_count_rows_is_cheap_and_close() -> None:
    assert count_rows(io.BytesIO(csv_bytes([["编码"], ["a"], ["b"]])), "csv") == 2
    assert count_rows(io.BytesIO(b"h\na\nb"), "csv") == 2
    assert count_rows(io.BytesIO(xlsx_bytes([["编码"], ["a"], ["b"], ["c"]])), "xlsx") == 3


def test_unknown_kind_and_bad_files_are_refused_without_a_job(user: User) -> None:
    with pytest.raises(ValidationError, match="Unknown import kind"):
        create(user, "notes.csv", csv_bytes([["编码"]]), kind="nope")
    with pytest.raises(ValidationError, match=r"Please upload an \.xlsx or \.csv file"):
        create(user, "notes.xls", b"whatever")
    with pytest.raises(ValidationError, match="The file is empty"):
        create(user, "notes.csv", b"")
    with pytest.raises(ValidationError, match=r"This is not a valid \.xlsx file"):
        create(user, "notes.xlsx", b"PK\x03\x04broken")
    assert not ImportJob.objects.exists()


def test_apply_needs_a_valid_job(user: User) -> None:
    job = create(user, "notes.csv", csv_bytes([["编码", "大小"], ["A", "x"]]))

    with pytest.raises(ValidationError):
        imports.import_job_apply(actor=Actor(user=user), job=job)


def test_import_file_checks_and_applies_a_file_on_disk(user: User, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(csv_bytes([["编码"], ["A"], ["B"]]))

    job = imports.import_file(actor=Actor(user=user), kind="test-notes", path=path)

    assert job.status == ImportStatus.APPLIED
    assert job.summary["create"] == 2
    assert job.applied_at is not None
