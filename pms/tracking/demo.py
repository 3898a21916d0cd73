"""The demo company's actual values: months of them for every agreed measured goal, from the
CRM/ERP, from Excel uploads and by hand, so that most people are on track, some at risk and
a few off track; a few values corrected; then progress computed for every goal."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.models import DataSource, Direction, Goal, GoalLevel, ScorecardStatus
from pms.tracking.models import Actual, ActualBatch, ActualSource
from pms.tracking.series import span_for
from pms.tracking.services.actuals import ActualInput, actuals_record
from pms.tracking.services.progress import measured_goals, progress_recompute

SOURCES: dict[str, tuple[str, str]] = {
    DataSource.EXTERNAL: (ActualSource.API, "CRM"),
    DataSource.EXCEL: (ActualSource.EXCEL, ""),
    DataSource.MANUAL: (ActualSource.MANUAL, ""),
}
# how a person's year goes: on track, a bit behind, well behind
PACES = ((0.70, 1.08), (0.20, 0.87), (0.10, 0.62))
SPANS_PER_YEAR = {"daily": 365, "weekly": 52, "monthly": 12, "quarterly": 4, "half_yearly": 2}


@dataclass
class TrackingDemoSummary:
    values: int = 0
    corrections: int = 0
    goals: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"Tracking: {self.values} actual values ({self.corrections} corrected), "
            f"progress of {self.goals} goals, in {self.seconds:.1f} s."
        )


def _pace(rng: random.Random) -> float:
    draw = rng.random()
    for share, factor in PACES:
        if draw < share:
            return factor
        draw -= share
    return PACES[0][1]


def _months(start: dt.date, today: dt.date) -> list[dt.date]:
    """The first day of each month of the period up to today's month."""
    months = []
    day = dt.date(start.year, start.month, 1)
    while day <= today:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _value(goal: Goal, aggregation: str, factor: float, rng: random.Random, parts: int) -> Decimal:
    target = float(goal.target or 0)
    noise = rng.uniform(0.9, 1.1)
    if goal.direction == Direction.LOWER:
        level = target / max(factor, 0.3) * noise
    else:
        level = target * factor * noise
    if aggregation == "sum":
        level /= parts
    return Decimal(str(round(level, 2)))


def seed_tracking_demo(*, seed: int = 1, today: dt.date | None = None) -> TrackingDemoSummary:
    started = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(f"tracking:{seed}")  # noqa: S311 (demo data, not secrets)
    summary = TrackingDemoSummary()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    system = Actor(user=admin, channel=AuditChannel.COMMAND)
    goals = list(
        Goal.objects.filter(
            measured_goals(),
            level=GoalLevel.INDIVIDUAL,
            scorecard__status__in=[ScorecardStatus.SIGNED, ScorecardStatus.APPROVED],
            target__isnull=False,
        )
        .select_related("indicator", "period", "employee__user")
        .order_by("employee_id", "sort_order", "id")
    )
    paces: dict[int, float] = {}
    by_source: dict[tuple[str, str], list[ActualInput]] = {}
    manual: list[tuple[User | None, ActualInput]] = []
    for goal in goals:
        if goal.employee is None:
            continue
        factor = paces.setdefault(goal.employee_id or 0, _pace(rng))
        indicator = goal.indicator
        months = _months(goal.period.start, min(today, goal.period.end))
        if indicator is None:
            # a goal's own metric: the level reached to date, entered now and then
            for day in months[1::3]:
                share = min(1.0, (day - goal.period.start).days / 365 * factor)
                item = ActualInput(
                    start=day,
                    end=day,
                    value=Decimal(str(round(float(goal.target or 0) * share, 2))),
                    employee_id=goal.employee_id,
                    goal_id=goal.pk,
                )
                manual.append((goal.employee.user, item))
            continue
        parts = SPANS_PER_YEAR.get(indicator.frequency, 1)
        seen: set[tuple[dt.date, dt.date]] = set()
        for day in months:
            start, end = span_for(indicator.frequency, day)
            if (start, end) in seen or start < goal.period.start or end > goal.period.end:
                continue
            seen.add((start, end))
            value = _value(goal, indicator.aggregation, factor, rng, parts)
            if end > today and indicator.aggregation == "sum":  # a running span: so far
                share = ((today - start).days + 1) / ((end - start).days + 1)
                value = Decimal(str(round(float(value) * share, 2)))
            source, name = SOURCES.get(indicator.data_source, SOURCES[DataSource.MANUAL])
            item = ActualInput(
                start=start,
                end=end,
                value=value,
                employee_id=goal.employee_id,
                indicator_id=indicator.pk,
                external_id=f"{name}-{goal.employee_id}-{indicator.pk}-{start:%Y%m}"
                if source == ActualSource.API
                else "",
            )
            if source == ActualSource.MANUAL:
                manual.append((goal.employee.user, item))
            else:
                by_source.setdefault((source, name), []).append(item)
    with transaction.atomic():
        for (source, name), items in by_source.items():
            batch = ActualBatch.objects.create(
                source=source, source_name=name, created_by=admin, items=len(items)
            )
            result = actuals_record(
                actor=system, items=items, source=source, source_name=name, batch=batch
            )
            batch.created = result.count("created")
            batch.save(update_fields=["created"])
        for user, item in manual:
            actuals_record(actor=Actor(user=user), items=[item], source=ActualSource.MANUAL)
        # a few values corrected by HR, with a reason: their history shows both versions
        for actual in Actual.objects.filter(source=ActualSource.API).order_by("id")[::97][:5]:
            actuals_record(
                actor=system,
                items=[
                    ActualInput(
                        start=actual.start,
                        end=actual.end,
                        value=actual.value * Decimal("0.9"),
                        employee_id=actual.employee_id,
                        indicator_id=actual.indicator_id,
                    )
                ],
                source=ActualSource.MANUAL,
                reason="CRM 重复计入一笔退货订单，按财务确认数更正",
            )
            summary.corrections += 1
    summary.values = Actual.objects.count()
    summary.goals = progress_recompute(
        goal_ids=[g.pk for g in goals]
        + list(
            Goal.objects.filter(measured_goals(), level=GoalLevel.DEPARTMENT).values_list(
                "pk", flat=True
            )
        ),
        as_of=today,
    )
    summary.seconds = time.perf_counter() - started
    return summary


def run_demo_step(seed: int) -> str:
    if Actual.objects.exists() or not Goal.objects.exists():
        return "Tracking: nothing to do."
    return seed_tracking_demo(seed=seed).line()
