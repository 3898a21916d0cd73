"""Turning values as uploads and pushes send them (工号 or 部门编码, 指标编码, a date or a
span, a value as text) into ``ActualInput`` for the recording engine, with every problem
named by its field.

Both the Excel/CSV import and the REST push go through ``ActualResolver`` so that a row of a
file and an item of a push are held to the same rules:

- exactly one subject: an employee number or a department code, known and within the
  reach of whoever sends it (``access.employees_for_import`` / ``departments_for_import``);
- a known, enabled library indicator;
- a date (the span is the indicator's frequency period containing it) or an explicit start
  and end, the end not before the start, and the span inside a period that is not closed;
- a number the value column can hold; an evidence link that is a web address.

Lookups happen once per chunk (one query for the people, one for the departments) and are
remembered (bounded by the company's size, not the file's), so a chunk of a thousand rows
costs a handful of queries at most whatever the file's size.

Large uploads and pushes use ``staged``: the same rules, with a fast path for the usual row
(a known subject, an enabled indicator, one date, a plain number) that hands back the clean
values as a tuple; any other row goes through ``resolve`` so its problems read the same.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pms.goals.importers.goal_files.common import parse_number
from pms.goals.models import Indicator, Period, PeriodStatus
from pms.org.importers.common import parse_date
from pms.org.models import Department, Employee
from pms.org.roles import Principal
from pms.tracking import access
from pms.tracking.series import span_for
from pms.tracking.services.actuals import ActualInput

# Field names, shared by the API's item fields and the import's column keys.
EMPLOYEE = "employee_number"
DEPARTMENT = "department_code"
INDICATOR = "indicator_code"
DATE = "date"
START = "start"
END = "end"
VALUE = "value"
EXTERNAL_ID = "external_id"
NOTE = "note"
EVIDENCE_URL = "evidence_url"

MAX_EXTERNAL_ID = 100
MAX_NOTE = 500
MAX_URL = 500

Problems = dict[str, list[str]]

# what the lookup caches hold for a number or code that is not in reach
_OUTSIDE = -1
_MISSING = 0
_CACHE_MISSING_LIMIT = 100_000  # unknown numbers remembered (known ones: the company's size)
_LOOKUP_CHUNK = 2000
# numbers ``parse_number`` would return unchanged in value: at most 14 digits, 4 decimals
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,14}(?:\.[0-9]{1,4})?")


class StagedValue(NamedTuple):
    """A clean value for the staging table: ids, span (as ISO dates), series and the value
    as the text of a number."""

    employee_id: int | None
    department_id: int | None
    indicator_id: int
    start: str
    end: str
    series: str
    value: str
    external_id: str
    note: str
    evidence_url: str


@dataclass(frozen=True, slots=True)
class RawActual:
    """One value as sent: every field as text (blank when not given)."""

    employee_number: str = ""
    department_code: str = ""
    indicator_code: str = ""
    date: str = ""
    start: str = ""
    end: str = ""
    value: str = ""
    external_id: str = ""
    note: str = ""
    evidence_url: str = ""


def _add(problems: Problems, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


class ActualResolver:
    """Resolves chunks of ``RawActual`` for one sender (its reach is fixed at creation)."""

    def __init__(self, principal: Principal, *, require_external_id: bool = False) -> None:
        self.principal = principal
        self.require_external_id = require_external_id
        self.indicators: dict[str, tuple[int, str, bool]] = {
            code: (pk, frequency, enabled)
            for code, pk, frequency, enabled in Indicator.objects.values_list(
                "code", "pk", "frequency", "enabled"
            )
        }
        self.periods: list[tuple[dt.date, dt.date]] = list(
            Period.objects.exclude(status=PeriodStatus.CLOSED).values_list("start", "end")
        )
        self.people_in_reach = access.employees_for_import(principal)
        self.departments_in_reach = access.departments_for_import(principal)
        self._people_cache: dict[str, int] = {}
        self._departments_cache: dict[str, int] = {}
        # (frequency, date text) → (start, end, "start:end") of the span, or None
        self._day_spans: dict[tuple[str, str], tuple[str, str, str] | None] = {}
        self._span_ok: dict[tuple[dt.date, dt.date], bool] = {}
        self._spans: dict[tuple[str, dt.date], tuple[dt.date, dt.date]] = {}
        self._dates: dict[str, dt.date | None] = {}
        self._url = URLValidator()

    # --- lookups, once per chunk ---------------------------------------------------------

    def _lookup(
        self,
        cache: dict[str, int],
        keys: Iterable[str],
        *,
        in_reach: QuerySet[Any],
        everyone: QuerySet[Any],
        field: str,
    ) -> None:
        """Fill ``cache`` for the keys it does not know yet: id when in reach, else
        ``_OUTSIDE`` or ``_MISSING``."""
        unknown = [key for key in set(keys) if key and key not in cache]
        for offset in range(0, len(unknown), _LOOKUP_CHUNK):
            chunk = unknown[offset : offset + _LOOKUP_CHUNK]
            found = dict(in_reach.filter(**{f"{field}__in": chunk}).values_list(field, "pk"))
            missing = set(chunk) - found.keys()
            outside: set[str] = set()
            if missing:
                outside = set(
                    everyone.filter(**{f"{field}__in": missing}).values_list(field, flat=True)
                )
            cache.update(found)
            for key in outside:
                cache[key] = _OUTSIDE
            if len(cache) < _CACHE_MISSING_LIMIT:
                for key in missing - outside:
                    cache[key] = _MISSING

    def prefetch(self, numbers: Iterable[str], codes: Iterable[str]) -> None:
        """Look up a chunk's employee numbers and department codes (once each)."""
        self._lookup(
            self._people_cache,
            numbers,
            in_reach=self.people_in_reach,
            everyone=Employee.objects.all(),
            field="number",
        )
        self._lookup(
            self._departments_cache,
            codes,
            in_reach=self.departments_in_reach,
            everyone=Department.objects.all(),
            field="code",
        )

    def _people(self, numbers: set[str]) -> tuple[dict[str, int], set[str]]:
        """Numbers in reach → id, and the numbers that exist but are out of reach."""
        self.prefetch(numbers, ())
        return self._split(self._people_cache, numbers)

    def _departments(self, codes: set[str]) -> tuple[dict[str, int], set[str]]:
        self.prefetch((), codes)
        return self._split(self._departments_cache, codes)

    @staticmethod
    def _split(cache: dict[str, int], keys: set[str]) -> tuple[dict[str, int], set[str]]:
        found: dict[str, int] = {}
        outside: set[str] = set()
        for key in keys:
            pk = cache.get(key, _MISSING)
            if pk > 0:
                found[key] = pk
            elif pk == _OUTSIDE:
                outside.add(key)
        return found, outside

    # --- one value -----------------------------------------------------------------------

    def _date(self, text: str) -> dt.date | None:
        if text in self._dates:
            return self._dates[text]
        try:
            day: dt.date | None = parse_date(text)
        except ValueError:
            day = None
        if len(self._dates) < 10_000:
            self._dates[text] = day
        return day

    def _span_in_open_period(self, start: dt.date, end: dt.date) -> bool:
        key = (start, end)
        found = self._span_ok.get(key)
        if found is None:
            found = any(p_start <= start and end <= p_end for p_start, p_end in self.periods)
            if len(self._span_ok) < 10_000:
                self._span_ok[key] = found
        return found

    def _span(
        self, raw: RawActual, frequency: str | None, problems: Problems
    ) -> tuple[dt.date, dt.date] | None:
        if raw.date and (raw.start or raw.end):
            _add(problems, DATE, _("Give either a date or a start and an end date, not both."))
            return None
        if raw.date:
            day = self._date(raw.date)
            if day is None:
                _add(problems, DATE, _("Not a date; write it as 2026-01-31."))
                return None
            if frequency is None:
                return None
            key = (frequency, day)
            span = self._spans.get(key)
            if span is None:
                span = span_for(frequency, day)
                if len(self._spans) < 10_000:
                    self._spans[key] = span
            return span
        if not raw.start and not raw.end:
            _add(problems, DATE, _("Give a date, or a start and an end date."))
            return None
        start = end = None
        for field, text in ((START, raw.start), (END, raw.end)):
            if not text:
                _add(problems, field, _("Give both the start and the end date."))
                continue
            day = self._date(text)
            if day is None:
                _add(problems, field, _("Not a date; write it as 2026-01-31."))
            elif field == START:
                start = day
            else:
                end = day
        if start is None or end is None:
            return None
        if end < start:
            _add(problems, END, _("The end date is before the start date."))
            return None
        return start, end

    def _value(self, text: str, problems: Problems) -> Decimal | None:
        if not text:
            _add(problems, VALUE, _("Give the value."))
            return None
        try:
            return parse_number(text)
        except ValueError as exc:
            _add(problems, VALUE, str(exc))
            return None

    def _texts(self, raw: RawActual, problems: Problems) -> None:
        if self.require_external_id and not raw.external_id:
            _add(problems, EXTERNAL_ID, _("Give the sending system's id for this value."))
        if len(raw.external_id) > MAX_EXTERNAL_ID:
            _add(
                problems,
                EXTERNAL_ID,
                _("Too long: at most %(max)d characters.") % {"max": MAX_EXTERNAL_ID},
            )
        if len(raw.note) > MAX_NOTE:
            _add(problems, NOTE, _("Too long: at most %(max)d characters.") % {"max": MAX_NOTE})
        if raw.evidence_url:
            if len(raw.evidence_url) > MAX_URL:
                _add(
                    problems,
                    EVIDENCE_URL,
                    _("Too long: at most %(max)d characters.") % {"max": MAX_URL},
                )
            else:
                try:
                    self._url(raw.evidence_url)
                except ValidationError:
                    _add(problems, EVIDENCE_URL, _("Not a web address (http:// or https://)."))

    def resolve(self, raws: Sequence[RawActual]) -> list[ActualInput | Problems]:
        """Each raw value as an ``ActualInput``, or its problems by field."""
        people, people_outside = self._people(
            {r.employee_number for r in raws if r.employee_number}
        )
        departments, departments_outside = self._departments(
            {r.department_code for r in raws if r.department_code}
        )
        resolved: list[ActualInput | Problems] = []
        for raw in raws:
            problems: Problems = {}
            employee_id = department_id = None
            if raw.employee_number and raw.department_code:
                _add(
                    problems,
                    EMPLOYEE,
                    _("Give either an employee number or a department code, not both."),
                )
            elif raw.employee_number:
                employee_id = people.get(raw.employee_number)
                if employee_id is None:
                    if raw.employee_number in people_outside:
                        message = _("The employee %(number)s is outside your scope.")
                    else:
                        message = _("No employee with the number %(number)s.")
                    _add(problems, EMPLOYEE, message % {"number": raw.employee_number})
            elif raw.department_code:
                department_id = departments.get(raw.department_code)
                if department_id is None:
                    if raw.department_code in departments_outside:
                        message = _("The department %(code)s is outside your scope.")
                    else:
                        message = _("No department with the code %(code)s.")
                    _add(problems, DEPARTMENT, message % {"code": raw.department_code})
            else:
                _add(problems, EMPLOYEE, _("Give an employee number or a department code."))
            indicator = self.indicators.get(raw.indicator_code) if raw.indicator_code else None
            frequency: str | None = None
            if not raw.indicator_code:
                _add(problems, INDICATOR, _("Give the indicator code."))
            elif indicator is None:
                _add(
                    problems,
                    INDICATOR,
                    _("No indicator with the code %(code)s.") % {"code": raw.indicator_code},
                )
            elif not indicator[2]:
                _add(
                    problems,
                    INDICATOR,
                    _("The indicator %(code)s is disabled.") % {"code": raw.indicator_code},
                )
            else:
                frequency = indicator[1]
            span = self._span(raw, frequency, problems)
            if span is not None and not self._span_in_open_period(*span):
                _add(
                    problems,
                    DATE if raw.date else START,
                    _("The span %(start)s – %(end)s lies outside every open period.")
                    % {"start": span[0].isoformat(), "end": span[1].isoformat()},
                )
            value = self._value(raw.value, problems)
            self._texts(raw, problems)
            if problems or span is None or value is None or indicator is None:
                resolved.append(problems)
                continue
            resolved.append(
                ActualInput(
                    start=span[0],
                    end=span[1],
                    value=value,
                    employee_id=employee_id,
                    department_id=department_id,
                    indicator_id=indicator[0],
                    external_id=raw.external_id,
                    note=raw.note,
                    evidence_url=raw.evidence_url,
                )
            )
        return resolved

    # --- large inputs ----------------------------------------------------------------------

    def _day_span(self, frequency: str, text: str) -> tuple[str, str, str] | None:
        """The span (ISO texts) of a date given as text, when it is a date inside an open
        period; None otherwise (the slow path then names the problem)."""
        key = (frequency, text)
        try:
            return self._day_spans[key]
        except KeyError:
            pass
        day = self._date(text)
        found: tuple[str, str, str] | None = None
        if day is not None:
            start, end = span_for(frequency, day)
            if self._span_in_open_period(start, end):
                found = (start.isoformat(), end.isoformat(), f"{start.isoformat()}:{end}")
        if len(self._day_spans) < 10_000:
            self._day_spans[key] = found
        return found

    def staged(self, raw: RawActual) -> StagedValue | Problems:
        """``raw`` as a ``StagedValue``, or its problems by field: the rules of
        ``resolve`` (same outcome, same messages). Call ``prefetch`` for the chunk first."""
        number = raw.employee_number
        code = raw.department_code
        indicator = self.indicators.get(raw.indicator_code)
        text = raw.value
        if (
            indicator is not None
            and indicator[2]
            and bool(number) != bool(code)
            and raw.date
            and not raw.start
            and not raw.end
            and not raw.evidence_url
            and len(raw.external_id) <= MAX_EXTERNAL_ID
            and len(raw.note) <= MAX_NOTE
            and (raw.external_id or not self.require_external_id)
            and _PLAIN_NUMBER.fullmatch(text)
        ):
            if number:
                pk = self._people_cache.get(number, _MISSING)
                subject = f"e{pk}"
            else:
                pk = self._departments_cache.get(code, _MISSING)
                subject = f"d{pk}"
            span = self._day_span(indicator[1], raw.date) if pk > 0 else None
            if span is not None:
                return StagedValue(
                    pk if number else None,
                    None if number else pk,
                    indicator[0],
                    span[0],
                    span[1],
                    f"{subject}:i{indicator[0]}:{span[2]}",
                    text,
                    raw.external_id,
                    raw.note,
                    "",
                )
        resolved = self.resolve([raw])[0]
        if isinstance(resolved, dict):
            return resolved
        return StagedValue(
            resolved.employee_id,
            resolved.department_id,
            resolved.indicator_id or 0,
            resolved.start.isoformat(),
            resolved.end.isoformat(),
            resolved.series,
            str(resolved.value),
            resolved.external_id,
            resolved.note,
            resolved.evidence_url,
        )
