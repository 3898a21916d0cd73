"""Rater signals for calibrators: each manager's ratings against the company's.

For every manager with people in the session: how many of their reviews are here, the
mean and spread of the proposed scores, the difference from the mean of the whole cycle,
and the mean gap between the self rating and the manager's rating (self − manager, over
the rated sections both answered). These are named rater types only; nothing anonymous
is read. A fuller bias study belongs to analytics.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Q, QuerySet

from pms.calibration.models import CalibrationEntry, CalibrationSession
from pms.org.models import Employee
from pms.reviews.models import RaterType, Review, ReviewResult, ReviewStatus

TWO = Decimal("0.01")


@dataclass(frozen=True)
class ManagerSignal:
    manager_id: int | None
    name: str
    count: int
    mean: Decimal | None
    spread: Decimal | None
    versus_company: Decimal | None
    self_gap: Decimal | None
    gap_count: int


def _q(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO)


def _type_means(explanation: Any) -> tuple[list[Decimal], list[Decimal]]:
    """Per rated section, the self and the manager means (paired)."""
    selfs: list[Decimal] = []
    managers: list[Decimal] = []
    if not isinstance(explanation, dict):
        return selfs, managers
    for section in explanation.get("sections") or []:
        if not isinstance(section, dict):
            continue
        means = {
            t.get("type"): t.get("mean")
            for t in section.get("types") or []
            if isinstance(t, dict) and t.get("mean") not in (None, "")
        }
        if RaterType.SELF in means and RaterType.MANAGER in means:
            try:
                selfs.append(Decimal(str(means[RaterType.SELF])))
                managers.append(Decimal(str(means[RaterType.MANAGER])))
            except ArithmeticError:
                continue
    return selfs, managers


def company_mean(session: CalibrationSession) -> Decimal | None:
    value = (
        Review.objects.filter(cycle_id=session.cycle_id, score__isnull=False)
        .exclude(status=ReviewStatus.REMOVED)
        .aggregate(m=Avg("score"))["m"]
    )
    return _q(value)


def rater_signals(
    session: CalibrationSession, entries: QuerySet[CalibrationEntry]
) -> tuple[Decimal | None, list[ManagerSignal]]:
    """The cycle's mean score and a signal per manager (4 queries)."""
    overall = company_mean(session)
    scores: dict[int | None, list[Decimal]] = defaultdict(list)
    counts: dict[int | None, int] = defaultdict(int)
    review_manager: dict[int, int | None] = {}
    for review_id, manager_id, score in entries.values_list(
        "review_id", "manager_id", "proposed_score"
    ):
        counts[manager_id] += 1
        review_manager[review_id] = manager_id
        if score is not None:
            scores[manager_id].append(score)
    gaps: dict[int | None, list[Decimal]] = defaultdict(list)
    results = ReviewResult.objects.filter(
        Q(review_id__in=entries.values("review_id")), kind="review", is_current=True
    ).values_list("review_id", "explanation")
    for review_id, explanation in results.iterator(chunk_size=500):
        selfs, managers = _type_means(explanation)
        if selfs:
            total = sum((s - m for s, m in zip(selfs, managers, strict=True)), Decimal(0))
            gap = total / len(selfs)
            gaps[review_manager.get(review_id)].append(gap)
    names: dict[int, str] = dict(
        Employee.objects.filter(pk__in=[m for m in counts if m is not None]).values_list(
            "pk", "name"
        )
    )
    signals = []
    for boss, count in counts.items():
        values = scores.get(boss, [])
        mean = _q(statistics.fmean(values)) if values else None
        spread = _q(statistics.pstdev(values)) if len(values) > 1 else None
        gap_values = gaps.get(boss, [])
        signals.append(
            ManagerSignal(
                manager_id=boss,
                name=names.get(boss, "") if boss is not None else "",
                count=count,
                mean=mean,
                spread=spread,
                versus_company=(mean - overall)
                if mean is not None and overall is not None
                else None,
                self_gap=_q(statistics.fmean(gap_values)) if gap_values else None,
                gap_count=len(gap_values),
            )
        )
    signals.sort(key=lambda s: (-abs(s.versus_company or Decimal(0)), s.name))
    return overall, signals
