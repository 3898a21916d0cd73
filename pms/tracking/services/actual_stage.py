"""Recording many values at once (大批量): the set-based twin of ``actuals_record``.

Python reads each value once (``ActualResolver.staged``) and writes the clean row to the
staging table (``ActualStage``: ``COPY`` on PostgreSQL, ``executemany`` elsewhere); SQL does
the rest, whatever the number of rows:

1. ``mark_duplicates``: the same series twice, then the same external id twice (among the
   values not already refused): every later line is refused, the first one stands;
2. ``classify``: each value against the current value of its series and the latest value
   sent under its ``(source_name, external_id)``: *conflict* (that id was sent for another
   series), *unchanged*, *changed* or *created*: the rules of ``actuals_record``;
3. ``merge``: one ``UPDATE`` retiring the replaced values, one ``INSERT … SELECT`` of the
   new versions, the corrections audited one by one (before/after, read back in chunks;
   the update and the audit skipped when no value changed), and the (subject, measure)
   pairs touched for the progress recompute when they are few (else the worker finds them
   by the batch).

The caller holds the transaction; ``clear`` removes the token's rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, build_entry
from pms.core.models import AuditAction
from pms.goals.models import Indicator, Period, PeriodStatus
from pms.org.models import Department, Employee
from pms.scoring.decimals import normalized
from pms.tracking.models import Actual, ActualBatch, ActualStage
from pms.tracking.services.actual_inputs import (
    DATE,
    DEPARTMENT,
    EMPLOYEE,
    INDICATOR,
    START,
    StagedValue,
)
from pms.tracking.services.actuals import CHANGED, CREATED, QUANTUM, UNCHANGED

# outcomes of staged rows besides those of ``actuals_record``
DUPLICATE_SERIES = "dup_series"
DUPLICATE_EXTERNAL = "dup_ext"
CONFLICT = "conflict"

# the number of values from which uploads and pushes take this path
STAGED_FROM = 5000
_FLUSH = 5000
_FETCH = 2000
_COLUMNS = (
    "token",
    "line",
    "employee_id",
    "department_id",
    "indicator_id",
    "start",
    "end",
    "series",
    "value",
    "external_id",
    "note",
    "evidence_url",
    "dated",
)


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_write(ActualStage)]


def _tables(connection: BaseDatabaseWrapper) -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "stage": quote(ActualStage._meta.db_table),
        "actual": quote(Actual._meta.db_table),
        "end": quote("end"),
    }


def _decimal(value: Any) -> Decimal:
    """A numeric column's value as Django reads it (SQLite hands back floats)."""
    if isinstance(value, Decimal):
        return value.quantize(QUANTUM)
    return Decimal(str(value)).quantize(QUANTUM)


class StageWriter:
    """Buffers staged values and writes them in blocks under one token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.connection = _connection()
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, line: int, value: StagedValue, *, dated: bool) -> None:
        self.rows.append((self.token, line, *value, dated))
        if len(self.rows) >= _FLUSH:
            self.flush()

    def finish(self) -> None:
        """Write what is buffered; on PostgreSQL refresh the planner's view of the staging
        table (it goes from empty to many rows within one transaction, before autovacuum
        looks at it, and a plan made for an empty table joins row by row)."""
        self.flush()
        if self.connection.vendor == "postgresql" and self.count >= STAGED_FROM:
            with self.connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {_tables(self.connection)['stage']}")

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        self.count += len(rows)
        connection = self.connection
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _COLUMNS)
        table = quote(ActualStage._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw: Any = cursor.cursor
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )


@contextmanager
def index_scans() -> Iterator[None]:
    """Run the block (the statements on one token's staged rows) in a transaction and, on
    PostgreSQL, with index scans preferred: the rows of earlier imports and pushes stay in
    the staging table's pages until it is vacuumed, and the planner, taking one token's
    rows as spread over all of them, would read them all (gigabytes after a few large
    imports when autovacuum is slow or off)."""
    connection = _connection()
    with transaction.atomic(using=connection.alias):
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan')")
            before = cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


def staged_count(token: str) -> int:
    return ActualStage.objects.filter(token=token).count()


def clear(token: str) -> None:
    with _connection().cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_tables(_connection())['stage']} WHERE token = %s",  # noqa: S608
            [token],
        )


def clear_abandoned(live_tokens: set[str]) -> None:
    """Remove rows left by checks that were never applied (or rolled back)."""
    for token in staged_tokens() - live_tokens:
        clear(token)


def staged_tokens() -> set[str]:
    """The tokens with staged rows. On PostgreSQL by skipping through the (token, line)
    index from one token to the next: a DISTINCT reads every staged row (and the dead ones
    of earlier imports until the table is vacuumed), seconds once a million-row file is
    staged."""
    connection = _connection()
    if connection.vendor != "postgresql":
        # no ordering: DISTINCT would take the ordering's columns (one row per staged line)
        return set(ActualStage.objects.order_by().values_list("token", flat=True).distinct())
    stage = _tables(connection)["stage"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tokens (token) AS (
                (SELECT token FROM {stage} ORDER BY token LIMIT 1)
                UNION ALL
                SELECT (SELECT s.token FROM {stage} s WHERE s.token > t.token
                        ORDER BY s.token LIMIT 1)
                FROM tokens t WHERE t.token IS NOT NULL
            )
            SELECT token FROM tokens WHERE token IS NOT NULL"""  # noqa: S608
        )
        return {token for (token,) in cursor.fetchall()}


# --- 1. duplicates ---------------------------------------------------------------------------


def mark_duplicates(token: str) -> None:
    """Refuse every later line with the series of an earlier one, then every later line
    with the external id of an earlier one still standing."""
    connection = _connection()
    t = _tables(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {t["stage"]} SET outcome = %s
            WHERE token = %s AND id IN (
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY series ORDER BY line) AS rank
                    FROM {t["stage"]} WHERE token = %s
                ) ranked WHERE rank > 1
            )""",  # noqa: S608
            [DUPLICATE_SERIES, token, token],
        )
        cursor.execute(
            f"""
            UPDATE {t["stage"]} SET outcome = %s
            WHERE token = %s AND id IN (
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY external_id ORDER BY line) AS rank
                    FROM {t["stage"]}
                    WHERE token = %s AND outcome = '' AND external_id <> ''
                ) ranked WHERE rank > 1
            )""",  # noqa: S608
            [DUPLICATE_EXTERNAL, token, token],
        )


# --- 2. what recording would do -----------------------------------------------------------------


def _classified(token: str, *, source_name: str) -> tuple[str, list[Any]]:
    """The standing rows with their outcome and what they are compared with. The latest
    value sent under a row's external id is looked up row by row in ``actual_external_sent``
    (PostgreSQL would rather hash the whole values table, which grows with every push)."""
    connection = _connection()
    t = _tables(connection)
    latest = f"""
        FROM {t["actual"]} x
        WHERE x.source_name = %s AND x.external_id = s.external_id AND x.external_id <> ''
        ORDER BY x.version DESC, x.id
        LIMIT 1"""
    if connection.vendor == "postgresql":
        sent = f"LEFT JOIN LATERAL (SELECT x.id, x.series, x.value, x.version {latest}) l ON TRUE"
    else:
        sent = f"LEFT JOIN {t['actual']} l ON l.id = (SELECT x.id {latest})"
    sql = f"""
        SELECT
            s.id AS stage_id,
            s.line AS line,
            s.dated AS dated,
            a.id AS current_id,
            a.version AS current_version,
            a.value AS current_value,
            l.id AS sent_id,
            l.version AS sent_version,
            CASE
                WHEN l.id IS NOT NULL AND l.series <> s.series THEN %s
                WHEN l.id IS NOT NULL AND l.value = s.value THEN %s
                WHEN a.id IS NOT NULL AND a.value = s.value THEN %s
                WHEN a.id IS NOT NULL THEN %s
                ELSE %s
            END AS outcome
        FROM {t["stage"]} s
        LEFT JOIN {t["actual"]} a ON a.series = s.series AND a.is_current = %s
        {sent}
        WHERE s.token = %s AND s.outcome = ''"""  # noqa: S608
    params: list[Any] = [
        CONFLICT,
        UNCHANGED,
        UNCHANGED,
        CHANGED,
        CREATED,
        True,
        source_name,
        token,
    ]
    return sql, params


def classify(token: str, *, source_name: str) -> None:
    """Set each standing row's outcome and what it is compared with (the rules of
    ``actuals_record``: a value equal to the latest one sent under the same id is unchanged
    even when corrected by hand since; an id sent for another series is a conflict)."""
    connection = _connection()
    t = _tables(connection)
    sql, params = _classified(token, source_name=source_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {t["stage"]} SET
                outcome = c.outcome,
                current_id = c.current_id,
                current_version = c.current_version,
                current_value = c.current_value,
                sent_id = c.sent_id,
                sent_version = c.sent_version
            FROM ({sql}) c
            WHERE {t["stage"]}.id = c.stage_id""",  # noqa: S608
            params,
        )


def preview(token: str, *, source_name: str) -> tuple[dict[str, int], list[tuple[int, bool]]]:
    """What ``classify`` would decide, without writing: counts by outcome, and the
    (line, dated) of the conflicts (at most 10,000)."""
    connection = _connection()
    sql, params = _classified(token, source_name=source_name)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT outcome, COUNT(*) FROM ({sql}) c GROUP BY outcome", params)  # noqa: S608
        found: dict[str, int] = dict(cursor.fetchall())
        conflicts: list[tuple[int, bool]] = []
        if found.get(CONFLICT):
            cursor.execute(
                f"SELECT line, dated FROM ({sql}) c WHERE outcome = %s ORDER BY line",  # noqa: S608
                [*params, CONFLICT],
            )
            conflicts = [(line, bool(dated)) for line, dated in cursor.fetchmany(10_000)]
    return found, conflicts


def counts(token: str) -> dict[str, int]:
    """Rows by outcome."""
    rows = (
        ActualStage.objects.filter(token=token)
        .order_by()
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    return dict(rows)


def refused(token: str) -> Iterator[tuple[int, str, bool]]:
    """(line, outcome, dated) of the refused rows, in line order, read in chunks."""
    rows = (
        ActualStage.objects.filter(
            token=token, outcome__in=[DUPLICATE_SERIES, DUPLICATE_EXTERNAL, CONFLICT]
        )
        .order_by("line")
        .values_list("line", "outcome", "dated")
    )
    yield from rows.iterator(chunk_size=_FETCH)


# --- re-checking what may have changed since the check ------------------------------------------


def recheck(
    token: str, *, people_in_reach: Any, departments_in_reach: Any
) -> Iterator[tuple[int, str, str]]:
    """(line, field, message) for staged rows that no longer pass: the indicator disabled or
    gone, the person or department out of reach or gone, the span's period closed."""
    staged = ActualStage.objects.filter(token=token)
    indicators = {
        pk: (code, enabled)
        for pk, code, enabled in Indicator.objects.values_list("pk", "code", "enabled")
    }
    bad_indicators = [
        pk
        for pk in staged.order_by().values_list("indicator_id", flat=True).distinct()
        if not indicators.get(pk, ("", False))[1]
    ]
    problems: list[tuple[int, str, str]] = []
    for line, pk in staged.filter(indicator_id__in=bad_indicators).values_list(
        "line", "indicator_id"
    )[:10_000]:
        code, _enabled = indicators.get(pk, ("", False))
        message = (
            _("The indicator %(code)s is disabled.") % {"code": code}
            if code
            else _("No indicator with the code %(code)s.") % {"code": pk}
        )
        problems.append((line, INDICATOR, message))
    for field, column, reach, model, key, outside, gone in (
        (
            "employee_id",
            EMPLOYEE,
            people_in_reach,
            Employee,
            "number",
            _("The employee %(number)s is outside your scope."),
            _("No employee with the number %(number)s."),
        ),
        (
            "department_id",
            DEPARTMENT,
            departments_in_reach,
            Department,
            "code",
            _("The department %(code)s is outside your scope."),
            _("No department with the code %(code)s."),
        ),
    ):
        rows = list(
            staged.filter(**{f"{field}__isnull": False})
            .exclude(**{f"{field}__in": reach.values("pk")})
            .values_list("line", field)[:10_000]
        )
        names = dict(model.objects.filter(pk__in={pk for _line, pk in rows}).values_list("pk", key))
        name = "number" if key == "number" else "code"
        for line, pk in rows:
            found = names.get(pk)
            text = (outside if found else gone) % {name: found or pk}
            problems.append((line, column, text))
    open_periods = Period.objects.exclude(status=PeriodStatus.CLOSED).filter(
        start__lte=OuterRef("start"), end__gte=OuterRef("end")
    )
    for line, start, end, dated in staged.exclude(Exists(open_periods)).values_list(
        "line", "start", "end", "dated"
    )[:10_000]:
        problems.append(
            (
                line,
                DATE if dated else START,
                _("The span %(start)s – %(end)s lies outside every open period.")
                % {"start": start.isoformat(), "end": end.isoformat()},
            )
        )
    yield from sorted(problems)


# --- 3. recording --------------------------------------------------------------------------------


def _uuid_sql(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    raw: Any = connection.connection
    raw.create_function("pms_uuid4", 0, lambda: uuid.uuid4().hex)
    return "pms_uuid4()"


def merge(
    token: str,
    *,
    actor: Actor,
    source: str,
    source_name: str,
    batch: ActualBatch | None,
    now: dt.datetime,
    reason: str = "",
    limit: int | None = None,
) -> set[tuple[str, str]] | None:
    """Write the created and changed rows (run ``classify`` first, in this transaction);
    returns the (subject, measure) pairs whose values changed, or None when there are more
    than ``limit`` (the caller then goes by the batch: ``progress_after_batch``)."""
    connection = _connection()
    connection.ensure_connection()
    t = _tables(connection)
    stamp = connection.ops.adapt_datetimefield_value(now)
    user_id = actor.user.pk if actor.user is not None else None
    changed = ActualStage.objects.filter(token=token, outcome=CHANGED).exists()
    with connection.cursor() as cursor:
        if changed:
            cursor.execute(
                f"""
                UPDATE {t["actual"]} SET is_current = %s, replaced_at = %s
                WHERE id IN (
                    SELECT current_id FROM {t["stage"]} WHERE token = %s AND outcome = %s
                )""",  # noqa: S608
                [False, stamp, token, CHANGED],
            )
        cursor.execute(
            f"""
            INSERT INTO {t["actual"]} (
                uuid, created_at, updated_at, series, indicator_id, goal_id, employee_id,
                department_id, start, {t["end"]}, value, version, is_current, replaced_at,
                source, source_name, external_id, batch_id, entered_by_id, note,
                evidence_url, evidence, reason
            )
            SELECT
                {_uuid_sql(connection)}, %s, %s, series, indicator_id, NULL, employee_id,
                department_id, start, {t["end"]}, value, COALESCE(current_version, 0) + 1, %s,
                NULL, %s, %s, external_id, %s, %s, note, evidence_url, '',
                CASE WHEN outcome = %s THEN %s ELSE '' END
            FROM {t["stage"]}
            WHERE token = %s AND outcome IN (%s, %s)
            ORDER BY line""",  # noqa: S608
            [
                stamp,
                stamp,
                True,
                source,
                source_name,
                batch.pk if batch is not None else None,
                user_id,
                CHANGED,
                reason,
                token,
                CREATED,
                CHANGED,
            ],
        )
    if changed:
        _audit_corrections(token, actor=actor, source=source, batch=batch, reason=reason)
    return touched(token, limit=None if batch is None else limit)


def touched(token: str, *, limit: int | None) -> set[tuple[str, str]] | None:
    """The (subject, measure) pairs of the created and changed rows; None when there are
    more than ``limit`` (read no further: a million-row file touches every person)."""
    rows = (
        ActualStage.objects.filter(token=token, outcome__in=[CREATED, CHANGED])
        .values_list("employee_id", "department_id", "indicator_id")
        .distinct()
        .order_by()
    )
    if limit is not None:
        rows = rows[: limit + 1]
    pairs: set[tuple[str, str]] = set()
    for employee_id, department_id, indicator_id in rows:
        subject = f"e{employee_id}" if employee_id is not None else f"d{department_id}"
        pairs.add((subject, f"i{indicator_id}"))
    if limit is not None and len(pairs) > limit:
        return None
    return pairs


def _audit_corrections(
    token: str, *, actor: Actor, source: str, batch: ActualBatch | None, reason: str
) -> None:
    connection = _connection()
    t = _tables(connection)
    batch_text = str(batch.uuid) if batch is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id, a.series, a.version, a.value, s.current_value, s.current_version
            FROM {t["stage"]} s
            JOIN {t["actual"]} a ON a.series = s.series AND a.is_current = %s
            WHERE s.token = %s AND s.outcome = %s
            ORDER BY s.line""",  # noqa: S608
            [True, token, CHANGED],
        )
        while rows := cursor.fetchmany(_FETCH):
            entries = []
            for pk, series, version, value, before_value, before_version in rows:
                row = Actual(pk=pk, series=series, version=version, value=_decimal(value))
                entries.append(
                    build_entry(
                        actor=actor,
                        instance=row,
                        action=AuditAction.UPDATE,
                        before={
                            "value": normalized(_decimal(before_value)),
                            "version": before_version,
                        },
                        after={
                            "value": normalized(row.value),
                            "version": version,
                            "source": source,
                        },
                        reason=reason,
                        batch=batch_text,
                    )
                )
            audit_bulk(entries)


def results(token: str) -> Iterator[tuple[int, str, int | None, int | None, str | None]]:
    """(line, outcome, id, version, uuid) of every staged row after ``merge``, in line
    order: the value now current for created and changed rows, the one it matched for
    unchanged rows."""
    connection = _connection()
    t = _tables(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.line, s.outcome,
                COALESCE(n.id, u.id), COALESCE(n.version, u.version), COALESCE(n.uuid, u.uuid)
            FROM {t["stage"]} s
            LEFT JOIN {t["actual"]} n
                ON s.outcome IN (%s, %s) AND n.series = s.series AND n.is_current = %s
            LEFT JOIN {t["actual"]} u
                ON s.outcome = %s AND u.id = COALESCE(s.current_id, s.sent_id)
            WHERE s.token = %s
            ORDER BY s.line""",  # noqa: S608
            [CREATED, CHANGED, True, UNCHANGED, token],
        )
        while rows := cursor.fetchmany(_FETCH):
            for line, outcome, pk, version, found in rows:
                yield line, outcome, pk, version, str(uuid.UUID(str(found))) if found else None
