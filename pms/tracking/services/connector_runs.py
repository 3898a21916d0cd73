"""Running data connectors: read the export, record its values, keep the run.

A run of a connector is a push that we start ourselves:

- every object or row goes through the shared resolver (``ActualResolver``) with the reach
  of a company-wide integration (a connector is set up by company-wide HR: its values may
  be for anyone), then through the one recording engine (``actuals_record``) as source
  "connector" under the connector's name;
- idempotent as a push is: by ``(connector name, external_id)`` where the source gives ids,
  by series otherwise; running again on the same data records nothing new, a changed value
  becomes the next version;
- bad items are rejected one by one (with their fields' problems) and the good ones
  recorded: the run is *partial*; an export that cannot be read at all (network, HTTP
  status, timeout, not JSON/CSV) fails the run with a clear message and writes nothing;
- one run at a time per connector: a run holds the connector's claim (``running_since``,
  set by a conditional update) and gives it back at the end; a claim older than
  ``STALE_AFTER`` counts as abandoned.

HR admins are told when a connector fails, once per streak of failures.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction
from pms.org.models import Department, Employee
from pms.org.roles import ANONYMOUS
from pms.tracking.connector_feed import FeedError, Item, Source, fetch, items
from pms.tracking.models import (
    ActualBatch,
    ActualSource,
    Connector,
    ConnectorRun,
    ConnectorRunStatus,
)
from pms.tracking.services.actual_inputs import (
    DATE,
    EXTERNAL_ID,
    START,
    ActualResolver,
    Problems,
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
from pms.tracking.services.connectors import next_due, source_of

logger = logging.getLogger(__name__)

CHUNK = 2000
MAX_ERRORS = 50  # problems kept per run; the counts cover all
PREVIEW_ROWS = 10
STALE_AFTER = dt.timedelta(hours=2)
MAX_DUE_PER_TICK = 100


class _CompanyResolver(ActualResolver):
    """The shared resolver with the reach of a company-wide integration."""

    def __init__(self) -> None:
        super().__init__(ANONYMOUS)
        self.people_in_reach = Employee.objects.all()
        self.departments_in_reach = Department.objects.all()


# --- claiming ------------------------------------------------------------------------------


def _free(now: dt.datetime) -> Q:
    return Q(running_since__isnull=True) | Q(running_since__lt=now - STALE_AFTER)


def connector_claim(*, connector: Connector, now: dt.datetime) -> bool:
    """Take the connector for one run; False when a run is under way."""
    claimed = Connector.objects.filter(_free(now), pk=connector.pk).update(
        running_since=now, updated_at=now
    )
    if claimed:
        connector.running_since = now
    return bool(claimed)


def _release(connector: Connector, claimed_at: dt.datetime) -> None:
    Connector.objects.filter(pk=connector.pk, running_since=claimed_at).update(running_since=None)
    connector.running_since = None


def connector_run_enqueue(*, connector: Connector, actor: Actor) -> None:
    """ "Run now": claim the connector and hand the run to the worker. Raises
    ``ValidationError`` when it is running already."""
    from pms.tracking.connector_tasks import run_connector

    now = timezone.now()
    with transaction.atomic():
        if not connector_claim(connector=connector, now=now):
            raise ValidationError(_("This connector is running now; try again when it is done."))
        user_id = actor.user.pk if actor.user is not None else None
        # with the database queue, the claim and the task commit together or not at all
        run_connector.enqueue(connector.pk, now.isoformat(), user_id)


def connectors_run_due(now: dt.datetime) -> int:
    """The periodic job: claim every enabled connector whose time has come and is not
    running, move its next time on, and enqueue its run. Safe to run twice: a claimed
    connector's next time lies in the future."""
    from pms.tracking.connector_tasks import run_connector

    due = list(
        Connector.objects.filter(_free(now), enabled=True, next_run_at__lte=now)
        .only("pk", "schedule", "every", "daily_at", "next_run_at")
        .order_by("next_run_at", "pk")[:MAX_DUE_PER_TICK]
    )
    started = 0
    for connector in due:
        assert connector.next_run_at is not None  # noqa: S101 (filtered above)
        following = next_due(connector, connector.next_run_at)
        if following <= now:  # far behind: count from now rather than catch up
            following = next_due(connector, now)
        with transaction.atomic():
            claimed = Connector.objects.filter(
                _free(now), pk=connector.pk, enabled=True, next_run_at=connector.next_run_at
            ).update(running_since=now, next_run_at=following, updated_at=now)
            if not claimed:
                continue
            run_connector.enqueue(connector.pk, now.isoformat(), None)
        started += 1
    return started


# --- running -------------------------------------------------------------------------------


@dataclass
class _Tally:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    touched: set[tuple[str, str]] = field(default_factory=set)

    def reject(self, index: int, raw: RawActual | None, problems: Problems) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                {
                    "item": index + 1,
                    "external_id": raw.external_id if raw is not None else "",
                    "fields": problems,
                }
            )


def connector_run(
    *, connector: Connector, actor: Actor, claimed_at: dt.datetime | None = None
) -> ConnectorRun:
    """Run the connector now and return the run's record. Without ``claimed_at`` the
    connector is claimed here (``ValidationError`` when a run is under way); with it, the
    caller holds the claim. The claim is given back at the end, whatever happens."""
    started = timezone.now()
    if claimed_at is None:
        if not connector_claim(connector=connector, now=started):
            raise ValidationError(_("This connector is running now; try again when it is done."))
        claimed_at = started
    try:
        try:
            source = source_of(connector)
            parsed = items(source, fetch(source))
        except FeedError as exc:
            return _store_failure(connector, actor=actor, started=started, message=exc.message)
        try:
            return _record(connector, actor=actor, started=started, parsed=parsed)
        except Exception:
            logger.exception("connector %s: the run stopped", connector.pk)
            return _store_failure(
                connector,
                actor=actor,
                started=started,
                message=_("The run stopped because of an unexpected error; nothing was written."),
                items_count=len(parsed),
            )
    finally:
        _release(connector, claimed_at)


def _duplicate(item: ActualInput, raw: RawActual, series: set[str], external: set[str]) -> Problems:
    if item.series in series:
        return {
            DATE if raw.date else START: [
                _("This batch has a value for the same subject, indicator and span before.")
            ]
        }
    if item.external_id and item.external_id in external:
        return {EXTERNAL_ID: [_("This external id appears twice in this batch.")]}
    series.add(item.series)
    if item.external_id:
        external.add(item.external_id)
    return {}


def _record_chunk(
    chunk: list[Item],
    *,
    offset: int,
    resolver: ActualResolver,
    connector: Connector,
    actor: Actor,
    batch: ActualBatch,
    tally: _Tally,
    series: set[str],
    external: set[str],
) -> None:
    raws = [item.raw for item in chunk if item.raw is not None]
    resolved = iter(resolver.resolve(raws))
    inputs: list[ActualInput] = []
    positions: list[tuple[int, RawActual]] = []
    for position, item in enumerate(chunk):
        index = offset + position
        if item.raw is None:
            tally.reject(index, None, item.problems)
            continue
        found = next(resolved)
        if isinstance(found, dict):
            tally.reject(index, item.raw, found)
            continue
        problems = _duplicate(found, item.raw, series, external)
        if problems:
            tally.reject(index, item.raw, problems)
            continue
        inputs.append(found)
        positions.append((index, item.raw))
    if not inputs:
        return
    record = actuals_record(
        actor=actor,
        items=inputs,
        source=ActualSource.CONNECTOR,
        source_name=connector.name,
        batch=batch,
    )
    for position, outcome in enumerate(record.outcomes):
        if outcome == REJECTED:
            index, raw = positions[position]
            tally.reject(index, raw, {EXTERNAL_ID: [record.errors[position]]})
        elif outcome == CREATED:
            tally.created += 1
        elif outcome == CHANGED:
            tally.changed += 1
        elif outcome == UNCHANGED:
            tally.unchanged += 1
    tally.touched |= record.touched


def _record(
    connector: Connector, *, actor: Actor, started: dt.datetime, parsed: list[Item]
) -> ConnectorRun:
    from pms.tracking.services.progress import progress_after_record

    resolver = _CompanyResolver()
    tally = _Tally()
    series: set[str] = set()
    external: set[str] = set()
    with transaction.atomic():
        batch = ActualBatch.objects.create(
            source=ActualSource.CONNECTOR,
            source_name=connector.name,
            created_by=actor.user,
            items=len(parsed),
        )
        for offset in range(0, len(parsed), CHUNK):
            _record_chunk(
                parsed[offset : offset + CHUNK],
                offset=offset,
                resolver=resolver,
                connector=connector,
                actor=actor,
                batch=batch,
                tally=tally,
                series=series,
                external=external,
            )
        accepted = tally.created + tally.changed + tally.unchanged
        message = ""
        if not tally.rejected:
            status = ConnectorRunStatus.OK
        elif accepted:
            status = ConnectorRunStatus.PARTIAL
        else:
            status = ConnectorRunStatus.FAILED
            message = _("Every value was rejected; nothing was written.")
        batch.created = tally.created
        batch.changed = tally.changed
        batch.unchanged = tally.unchanged
        batch.rejected = tally.rejected
        batch.save(update_fields=["created", "changed", "unchanged", "rejected", "updated_at"])
        run = ConnectorRun.objects.create(
            connector=connector,
            started_at=started,
            finished_at=timezone.now(),
            status=status,
            started_by=actor.user,
            items=len(parsed),
            created=tally.created,
            changed=tally.changed,
            unchanged=tally.unchanged,
            rejected=tally.rejected,
            message=message,
            errors=tally.errors,
            batch=batch,
        )
        audit_record(
            actor=actor,
            instance=batch,
            action=AuditAction.IMPORT,
            after={
                "source": batch.source,
                "source_name": batch.source_name,
                "connector_run": str(run.uuid),
                "items": batch.items,
                "created": batch.created,
                "changed": batch.changed,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
            },
            batch=str(batch.uuid),
        )
        _store_outcome(connector, run)
        progress_after_record(touched=tally.touched)
    return run


def _store_failure(
    connector: Connector,
    *,
    actor: Actor,
    started: dt.datetime,
    message: str,
    items_count: int = 0,
) -> ConnectorRun:
    with transaction.atomic():
        run = ConnectorRun.objects.create(
            connector=connector,
            started_at=started,
            finished_at=timezone.now(),
            status=ConnectorRunStatus.FAILED,
            started_by=actor.user,
            items=items_count,
            message=message[:1000],
        )
        _store_outcome(connector, run)
    return run


def _store_outcome(connector: Connector, run: ConnectorRun) -> None:
    """The connector's last run and its streak of failures; HR is told at a streak's
    first failure (the key makes a repeated call within the streak a no-op)."""
    from pms.tracking.connector_events import notify_connector_failed

    failures, failing_since = (
        Connector.objects.filter(pk=connector.pk)
        .values_list("consecutive_failures", "failing_since")
        .get()
    )
    if run.status == ConnectorRunStatus.FAILED:
        failures += 1
        failing_since = failing_since or run.started_at
    else:
        failures, failing_since = 0, None
    Connector.objects.filter(pk=connector.pk).update(
        last_run=run, consecutive_failures=failures, failing_since=failing_since
    )
    connector.last_run = run
    connector.consecutive_failures = failures
    connector.failing_since = failing_since
    if failing_since is not None:
        notify_connector_failed(connector, run, failing_since=failing_since)


# --- trying the settings out -----------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    item: int
    raw: RawActual | None
    problems: Problems


@dataclass(frozen=True)
class Preview:
    total: int = 0
    rows: list[PreviewRow] = field(default_factory=list)
    error: str = ""


def connector_preview(*, source: Source, limit: int = PREVIEW_ROWS) -> Preview:
    """Read the export and resolve its first values without recording anything."""
    try:
        parsed = items(source, fetch(source))
    except FeedError as exc:
        return Preview(error=exc.message)
    first = parsed[:limit]
    resolved = iter(_CompanyResolver().resolve([i.raw for i in first if i.raw is not None]))
    rows = []
    for index, item in enumerate(first):
        problems = item.problems
        if item.raw is not None:
            found = next(resolved)
            problems = found if isinstance(found, dict) else {}
        rows.append(PreviewRow(item=index + 1, raw=item.raw, problems=problems))
    return Preview(total=len(parsed), rows=rows)
