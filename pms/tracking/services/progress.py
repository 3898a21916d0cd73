"""Progress and pace of measured goals, recomputed from the current actual values.

Which values count for a goal: the current values of its measure (the library indicator, or
the goal's own metric) for its subject (the person, or the department) whose span lies
within the goal's period; of overlapping spans only the longest counts (see
``pms.tracking.series.non_overlapping``). The figures come from ``pms.scoring.pace`` and are
stored in ``GoalProgress`` with their inputs and steps; the attainment is also written to
``Goal.progress`` for the alignment roll-ups.

Recomputed at once for the goals a value was entered for, in the background after uploads
and pushes, and every night for every goal of the running periods (expectations move with
the calendar even when no value arrives).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pms.goals.models import Aggregation, Goal, GoalKind, GoalLevel, PeriodStatus
from pms.goals.services.progress import goals_progress_set
from pms.scoring.calendar import WorkCalendar
from pms.tracking.models import Actual, CalendarDay, GoalProgress, PaceStatus
from pms.tracking.pace_compute import PaceOutcome, compute_pace
from pms.tracking.series import non_overlapping

CHUNK = 2000
# more touched (subject, measure) pairs than this and the recomputation goes to the worker
INLINE_LIMIT = 200

_GOAL_FIELDS = (
    "pk",
    "level",
    "employee_id",
    "department_id",
    "indicator_id",
    "period_id",
    "period__start",
    "period__end",
    "target",
    "target_max",
    "baseline",
    "direction",
    "indicator__aggregation",
)


@dataclass(frozen=True)
class GoalRow:
    pk: int
    level: str
    employee_id: int | None
    department_id: int | None
    indicator_id: int | None
    period_id: int
    start: dt.date
    end: dt.date
    target: Decimal | None
    target_max: Decimal | None
    baseline: Decimal | None
    direction: str
    aggregation: str

    @property
    def subject(self) -> str:
        if self.level == GoalLevel.INDIVIDUAL:
            return f"e{self.employee_id}"
        return f"d{self.department_id}"

    @property
    def measure(self) -> str:
        return f"i{self.indicator_id}" if self.indicator_id is not None else f"g{self.pk}"


def measured_goals() -> Q:
    return Q(kind__in=[GoalKind.KPI, GoalKind.KEY_RESULT], is_active=True) & (
        Q(level=GoalLevel.INDIVIDUAL, employee__isnull=False)
        | Q(level=GoalLevel.DEPARTMENT, department__isnull=False)
    )


def _rows(goal_ids: Sequence[int]) -> list[GoalRow]:
    rows = Goal.objects.filter(measured_goals(), pk__in=goal_ids).values_list(*_GOAL_FIELDS)
    return [
        GoalRow(
            pk=pk,
            level=level,
            employee_id=employee_id,
            department_id=department_id,
            indicator_id=indicator_id,
            period_id=period_id,
            start=start,
            end=end,
            target=target,
            target_max=target_max,
            baseline=baseline,
            direction=direction,
            aggregation=aggregation or Aggregation.LATEST,
        )
        for (
            pk,
            level,
            employee_id,
            department_id,
            indicator_id,
            period_id,
            start,
            end,
            target,
            target_max,
            baseline,
            direction,
            aggregation,
        ) in rows
    ]


def work_calendar() -> WorkCalendar:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, is_working in CalendarDay.objects.values_list("date", "is_working_day"):
        (workdays if is_working else holidays).add(day)
    return WorkCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays))


Span = tuple[dt.date, dt.date, Decimal]


def _values_for(rows: Sequence[GoalRow]) -> dict[tuple[str, str], list[Span]]:
    """Current values of the rows' measures and subjects, within their periods' bounds."""
    found: dict[tuple[str, str], list[Span]] = defaultdict(list)
    if not rows:
        return found
    first = min(r.start for r in rows)
    last = max(r.end for r in rows)
    people = {r.employee_id for r in rows if r.level == GoalLevel.INDIVIDUAL}
    departments = {r.department_id for r in rows if r.level != GoalLevel.INDIVIDUAL}
    indicators = {r.indicator_id for r in rows if r.indicator_id is not None}
    own_metric = {r.pk for r in rows if r.indicator_id is None}
    subject_q = Q(employee_id__in=people) | Q(department_id__in=departments)
    measure_q = Q(indicator_id__in=indicators) | Q(goal_id__in=own_metric)
    values = Actual.objects.filter(
        subject_q, measure_q, is_current=True, start__gte=first, end__lte=last
    ).values_list(
        "employee_id", "department_id", "indicator_id", "goal_id", "start", "end", "value"
    )
    for employee_id, department_id, indicator_id, goal_id, start, end, value in values:
        subject = f"e{employee_id}" if employee_id is not None else f"d{department_id}"
        measure = f"i{indicator_id}" if indicator_id is not None else f"g{goal_id}"
        found[(subject, measure)].append((start, end, value))
    return found


def _outcome(
    row: GoalRow,
    values: list[Span],
    *,
    as_of: dt.date,
    calendar: WorkCalendar,
    basis: str,
) -> PaceOutcome:
    inside = [(s, e, v) for s, e, v in values if row.start <= s and e <= row.end]
    kept = non_overlapping([(s, e, i) for i, (s, e, _v) in enumerate(inside)])
    observations = [inside[i] for i in kept]
    return compute_pace(
        start=row.start,
        end=row.end,
        as_of=as_of,
        target=row.target,
        target_max=row.target_max,
        baseline=row.baseline,
        direction=row.direction,
        aggregation=row.aggregation,
        observations=observations,
        calendar=calendar,
        basis=basis,
    )


def progress_recompute(
    *, goal_ids: Iterable[int], as_of: dt.date | None = None, basis: str | None = None
) -> int:
    """Recompute the progress of these goals (those that are measured); returns how many."""
    from django.conf import settings

    today = as_of or timezone.localdate()
    pace_basis: str = basis or str(getattr(settings, "PMS_PACE_BASIS", "calendar"))
    calendar = work_calendar()
    ids = list(goal_ids)
    done = 0
    for offset in range(0, len(ids), CHUNK):
        rows = _rows(ids[offset : offset + CHUNK])
        values = _values_for(rows)
        outcomes = {
            row.pk: (
                row,
                _outcome(
                    row,
                    values.get((row.subject, row.measure), []),
                    as_of=today,
                    calendar=calendar,
                    basis=pace_basis,
                ),
            )
            for row in rows
        }
        _store(outcomes, as_of=today)
        done += len(rows)
    return done


def _store(outcomes: dict[int, tuple[GoalRow, PaceOutcome]], *, as_of: dt.date) -> None:
    """Replace the goals' progress rows (keeping each row's id and uuid; its times become
    those of this computation) and their ``Goal.progress``. Deleting and inserting is an
    order of magnitude faster than ``bulk_update``'s CASE expressions, and nothing points at
    a progress row."""
    kept = {
        goal_id: (pk, uuid)
        for goal_id, pk, uuid in GoalProgress.objects.filter(goal_id__in=outcomes).values_list(
            "goal_id", "pk", "uuid"
        )
    }
    rows: list[GoalProgress] = []
    for goal_id, (row, outcome) in outcomes.items():
        progress = GoalProgress(
            goal_id=goal_id,
            period_id=row.period_id,
            employee_id=row.employee_id if row.level == GoalLevel.INDIVIDUAL else None,
            department_id=row.department_id if row.level != GoalLevel.INDIVIDUAL else None,
            status=outcome.status,
            actual=outcome.actual,
            attainment=outcome.attainment,
            expected=outcome.expected,
            forecast=outcome.forecast,
            forecast_low=outcome.forecast_low,
            forecast_high=outcome.forecast_high,
            values=outcome.values,
            last_value_on=outcome.last_value_on,
            as_of=as_of,
            explanation=outcome.explanation,
        )
        if goal_id in kept:
            progress.pk, progress.uuid = kept[goal_id]
        rows.append(progress)
    with transaction.atomic():
        GoalProgress.objects.filter(goal_id__in=outcomes).delete()
        GoalProgress.objects.bulk_create(rows, batch_size=1000)
        goals_progress_set(
            values={
                goal_id: (outcome.attainment if outcome.status in _WITH_PROGRESS else None)
                for goal_id, (_row, outcome) in outcomes.items()
            }
        )


_WITH_PROGRESS = frozenset({PaceStatus.ON_TRACK, PaceStatus.AT_RISK, PaceStatus.OFF_TRACK})


def goals_touched(touched: Iterable[tuple[str, str]]) -> list[int]:
    """The measured goals whose values were among these (subject, measure) pairs."""
    pairs = set(touched)
    people = {int(s[1:]) for s, _m in pairs if s.startswith("e")}
    departments = {int(s[1:]) for s, _m in pairs if s.startswith("d")}
    indicators = {int(m[1:]) for _s, m in pairs if m.startswith("i")}
    own = {int(m[1:]) for _s, m in pairs if m.startswith("g")}
    found: list[int] = []
    for chunk in _chunks(sorted(people), CHUNK):
        rows = Goal.objects.filter(
            measured_goals(), employee_id__in=chunk, level=GoalLevel.INDIVIDUAL
        ).filter(Q(indicator_id__in=indicators) | Q(pk__in=own))
        found += [
            pk
            for pk, employee_id, indicator_id in rows.values_list(
                "pk", "employee_id", "indicator_id"
            )
            if (f"e{employee_id}", f"i{indicator_id}" if indicator_id else f"g{pk}") in pairs
        ]
    if departments:
        rows = Goal.objects.filter(
            measured_goals(), department_id__in=departments, level=GoalLevel.DEPARTMENT
        ).filter(Q(indicator_id__in=indicators) | Q(pk__in=own))
        found += [
            pk
            for pk, department_id, indicator_id in rows.values_list(
                "pk", "department_id", "indicator_id"
            )
            if (f"d{department_id}", f"i{indicator_id}" if indicator_id else f"g{pk}") in pairs
        ]
    return found


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for offset in range(0, len(items), size):
        yield items[offset : offset + size]


def progress_after_record(
    *, touched: set[tuple[str, str]], goals: Sequence[Goal] | None = None
) -> None:
    """After values were recorded: recompute now when few goals are concerned, else in the
    background once the values are committed."""
    if not touched:
        return
    if goals is not None or len(touched) <= INLINE_LIMIT:
        ids = [g.pk for g in goals] if goals is not None else goals_touched(touched)
        if goals is not None:
            ids = sorted(set(ids) | set(goals_touched(touched)))
        progress_recompute(goal_ids=ids)
        return
    from pms.tracking.tasks import recompute_touched

    payload = sorted(f"{s}|{m}" for s, m in touched)
    transaction.on_commit(lambda: recompute_touched.enqueue(payload))


def progress_after_batch(*, batch_id: int, touched: set[tuple[str, str]] | None) -> None:
    """After a set-based recording: the pairs when ``merge`` gave them (few), else the
    worker reads them from the batch's values once they are committed (none kept here)."""
    if touched is not None:
        progress_after_record(touched=touched)
        return
    from pms.tracking.tasks import recompute_batch

    transaction.on_commit(lambda: recompute_batch.enqueue(batch_id))


def touched_by_batch(batch_id: int) -> set[tuple[str, str]]:
    """The (subject, measure) pairs of the values a batch recorded."""
    pairs: set[tuple[str, str]] = set()
    rows = (
        Actual.objects.filter(batch_id=batch_id)
        .values_list("employee_id", "department_id", "indicator_id", "goal_id")
        .distinct()
        .order_by()
    )
    for employee_id, department_id, indicator_id, goal_id in rows:
        subject = f"e{employee_id}" if employee_id is not None else f"d{department_id}"
        pairs.add((subject, f"i{indicator_id}" if indicator_id is not None else f"g{goal_id}"))
    return pairs


def progress_refresh_running(now: dt.datetime) -> int:
    """The nightly pass: every measured goal of the running periods."""
    ids = list(
        Goal.objects.filter(measured_goals(), period__status=PeriodStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    return progress_recompute(goal_ids=ids, as_of=timezone.localdate(now))
