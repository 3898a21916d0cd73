"""Reading a connector's export (数据接口): one HTTP(S) GET, then the answer as values.

- The answer is read with a short timeout per network step, a deadline for the whole read
  and a size cap; every failure comes back as ``FeedError`` with a translated message.
- The authentication header is not sent on to another address if the source redirects.
- JSON: a list of objects, or an object holding the list under a key (``items`` unless
  configured; dotted keys reach into nested objects). Numbers are kept exact.
- CSV: a header row, then one value per row; UTF-8 (with or without BOM) or GB18030, as
  exports from Chinese systems often are.
- Each object or row becomes a ``RawActual`` through the connector's field mapping (our
  field → the source's field); fields the source does not have stay blank, and the shared
  resolver names what is missing.

No database access here: the service decides what to record.
"""

from __future__ import annotations

import codecs
import csv
import http.client
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pms.tracking.services.actual_inputs import (
    DATE,
    DEPARTMENT,
    EMPLOYEE,
    END,
    EVIDENCE_URL,
    EXTERNAL_ID,
    INDICATOR,
    NOTE,
    START,
    VALUE,
    Problems,
    RawActual,
)

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 20.0  # each connect and read
DEADLINE_SECONDS = 300.0  # the whole answer
_READ_SIZE = 64 * 1024
DEFAULT_ITEMS_PATH = "items"

# our fields, in the order pages show them; by default the source uses the same names
FIELDS = (EMPLOYEE, DEPARTMENT, INDICATOR, DATE, START, END, VALUE, EXTERNAL_ID, NOTE, EVIDENCE_URL)


class FeedError(Exception):
    """The export could not be read; ``message`` is for the run's record and the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Source:
    """What is needed to read an export (from a saved or an unsaved connector)."""

    url: str
    format: str
    auth_header: str = ""
    auth_secret: str = ""
    items_path: str = ""
    mapping: Mapping[str, str] | None = None

    def field_names(self) -> dict[str, str]:
        """Our field → the source's name for it."""
        given = self.mapping or {}
        return {name: (given.get(name) or "").strip() or name for name in FIELDS}


@dataclass(frozen=True)
class Item:
    """One object or row of the answer: as a value to resolve, or what is wrong with it."""

    raw: RawActual | None
    problems: Problems


# --- fetching ------------------------------------------------------------------------------


def fetch(source: Source) -> bytes:
    """The body of the export, or ``FeedError``."""
    scheme = urllib.parse.urlsplit(source.url).scheme.lower()
    if scheme not in {"http", "https"}:
        raise FeedError(_("The export address must start with http:// or https://."))
    request = urllib.request.Request(source.url, method="GET")  # noqa: S310 (scheme checked)
    request.add_header("Accept", "text/csv" if source.format == "csv" else "application/json")
    if source.auth_header:
        # not carried over to another address when the source redirects
        request.add_unredirected_header(source.auth_header, source.auth_secret)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return _read_capped(response, started)
    except urllib.error.HTTPError as exc:
        raise FeedError(
            _("The source answered with the HTTP status %(status)s.") % {"status": exc.code}
        ) from exc
    except TimeoutError as exc:
        raise FeedError(_timeout_message()) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FeedError(_timeout_message()) from exc
        raise FeedError(
            _("The source could not be reached: %(reason)s") % {"reason": str(exc.reason)[:200]}
        ) from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FeedError(
            _("The source could not be reached: %(reason)s") % {"reason": str(exc)[:200]}
        ) from exc


def _timeout_message() -> str:
    return _("The source did not answer within %(seconds)s seconds.") % {
        "seconds": f"{TIMEOUT_SECONDS:g}"
    }


def _read_capped(response: Any, started: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() - started > DEADLINE_SECONDS:
            raise FeedError(
                _("The answer took longer than %(seconds)s seconds to arrive.")
                % {"seconds": f"{DEADLINE_SECONDS:g}"}
            )
        chunk = response.read(_READ_SIZE)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BYTES:
            raise FeedError(
                _("The answer is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)}
            )
        chunks.append(chunk)


# --- parsing -------------------------------------------------------------------------------


def items(source: Source, body: bytes) -> list[Item]:
    """Every value of the answer, mapped; ``FeedError`` when the answer as a whole is not
    what the connector expects."""
    if source.format == "csv":
        return list(_csv_items(source, body))
    return list(_json_items(source, body))


def _text(value: Any) -> str | None:
    """A JSON value as the text the resolver reads; None for objects and lists."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None


def _lookup(obj: Mapping[str, Any], path: str) -> Any:
    if path in obj:
        return obj[path]
    found: Any = obj
    for part in path.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    return found


def _json_list(source: Source, data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    path = source.items_path.strip() or DEFAULT_ITEMS_PATH
    found = _lookup(data, path) if isinstance(data, Mapping) else None
    if isinstance(found, list):
        return found
    raise FeedError(
        _('The answer holds no list of values: expected a list, or an object with "%(key)s".')
        % {"key": path}
    )


def _json_items(source: Source, body: bytes) -> Iterator[Item]:
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise FeedError(_("The answer is not UTF-8 text.")) from exc
    except json.JSONDecodeError as exc:
        raise FeedError(
            _("The answer is not valid JSON (line %(line)s, column %(column)s: %(detail)s).")
            % {"line": exc.lineno, "column": exc.colno, "detail": exc.msg}
        ) from exc
    names = source.field_names()
    for obj in _json_list(source, data):
        if not isinstance(obj, Mapping):
            yield Item(raw=None, problems={"__all__": [_("Not an object with fields.")]})
            continue
        texts: dict[str, str] = {}
        problems: Problems = {}
        for field, name in names.items():
            text = _text(_lookup(obj, name))
            if text is None:
                problems[field] = [_("A single value is expected, not a list or an object.")]
                text = ""
            texts[field] = text
        yield Item(raw=None if problems else RawActual(**texts), problems=problems)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return codecs.decode(body, "gb18030")
    except UnicodeDecodeError as exc:
        raise FeedError(_("The CSV file is neither UTF-8 nor GB18030 text.")) from exc


def _csv_items(source: Source, body: bytes) -> Iterator[Item]:
    reader = csv.reader(io.StringIO(_decode(body), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise FeedError(_("The CSV file cannot be read: %(detail)s") % {"detail": exc}) from exc
    names = source.field_names()
    missing = [names[field] for field in (INDICATOR, VALUE) if names[field] not in header]
    if names[EMPLOYEE] not in header and names[DEPARTMENT] not in header:
        missing.append(f"{names[EMPLOYEE]} / {names[DEPARTMENT]}")
    if names[DATE] not in header and names[START] not in header:
        missing.append(f"{names[DATE]} / {names[START]}")
    if missing:
        raise FeedError(
            _("The CSV file has no column %(columns)s.") % {"columns": ", ".join(missing)}
        )
    positions = {field: header.index(name) for field, name in names.items() if name in header}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            texts = {
                field: row[index].strip() if index < len(row) else ""
                for field, index in positions.items()
            }
            yield Item(raw=RawActual(**texts), problems={})
    except csv.Error as exc:
        raise FeedError(
            _("The CSV file cannot be read at line %(line)s: %(detail)s")
            % {"line": reader.line_num, "detail": exc}
        ) from exc
