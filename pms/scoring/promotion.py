"""Promotion eligibility (晋升资格) from recent results and tenure.

Rules (they define the product's numbers, DESIGN.md §5):

A rule asks for the ``consecutive`` most recent results to all be at ``min_grade`` or
better (grades ordered best first, ``GRADES`` unless given), and optionally for at least
``min_tenure_months`` of tenure. Results are ordered by the date their cycle ended, the
latest first (equal dates by cycle key, descending); a result without a grade (not
reviewed, on leave) does not qualify and so breaks the run. Fewer results than asked for:
not eligible. ``consecutive`` = 0 asks nothing of the results. The steps name every cycle
looked at, the run of qualifying results counted from the latest, and the tenure.

Tenure counts whole months (``tenure_months``): a month is complete on the same day of a
later month, or on that month's last day when it is shorter (hired 31 January: one month
on 28 February). With a tenure rule and no tenure known, the person is not eligible.

Refused: a minimum grade or a result's grade that is not a grade (``bad_grade``), the same
cycle twice (``duplicate_key``), negative counts (``negative``), a tenure ending before it
starts (``period_inverted``).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pms.scoring.errors import ScoringError
from pms.scoring.rules import GRADES
from pms.scoring.steps import Step

__all__ = [
    "CycleResult",
    "Eligibility",
    "PromotionRule",
    "promotion_eligibility",
    "tenure_months",
]


@dataclass(frozen=True)
class CycleResult:
    cycle: str  # the cycle's key, as the steps name it
    ended: date  # the last day of the cycle: orders the results
    grade: str | None  # None: no final grade in that cycle


@dataclass(frozen=True)
class PromotionRule:
    min_grade: str = "A"
    consecutive: int = 2
    min_tenure_months: int = 0


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    streak: int  # qualifying results in a row, counted from the latest
    cycles: tuple[str, ...]  # the cycles the rule looked at, the latest first
    tenure_ok: bool
    steps: tuple[Step, ...]


def tenure_months(hired: date, as_of: date) -> int:
    """Whole months from ``hired`` to ``as_of`` (see the module's rules)."""
    if as_of < hired:
        raise ScoringError(
            "period_inverted", {"start": hired.isoformat(), "end": as_of.isoformat()}
        )
    months = (as_of.year - hired.year) * 12 + as_of.month - hired.month
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    if as_of.day < hired.day and as_of.day != last_day:
        months -= 1
    return months


def _grade_check(grade: str, grades: Sequence[str]) -> None:
    if grade not in grades:
        raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})


def _not_negative(value: int, field: str) -> None:
    if value < 0:
        raise ScoringError("negative", {"field": field})


def promotion_eligibility(
    rule: PromotionRule,
    results: Sequence[CycleResult],
    *,
    tenure: int | None = None,
    grades: Sequence[str] = GRADES,
) -> Eligibility:
    """Whether the latest results and ``tenure`` (whole months) meet ``rule``."""
    _grade_check(rule.min_grade, grades)
    _not_negative(rule.consecutive, "consecutive")
    _not_negative(rule.min_tenure_months, "min_tenure_months")
    if tenure is not None:
        _not_negative(tenure, "tenure")
    seen: set[str] = set()
    for result in results:
        if result.cycle in seen:
            raise ScoringError("duplicate_key", {"field": "cycle", "key": result.cycle})
        seen.add(result.cycle)
        if result.grade is not None:
            _grade_check(result.grade, grades)
    latest_first = sorted(results, key=lambda result: (result.ended, result.cycle), reverse=True)
    limit = grades.index(rule.min_grade)

    def qualifies(result: CycleResult) -> bool:
        return result.grade is not None and grades.index(result.grade) <= limit

    streak = 0
    for result in latest_first:
        if not qualifies(result):
            break
        streak += 1
    looked_at = latest_first[: rule.consecutive]
    steps = [
        Step(
            "promotion_result",
            {
                "cycle": result.cycle,
                "grade": result.grade or "",
                "min_grade": rule.min_grade,
                "qualifies": "true" if qualifies(result) else "false",
            },
        )
        for result in looked_at
    ]
    if len(looked_at) < rule.consecutive:
        steps.append(
            Step(
                "promotion_too_few",
                {"count": str(len(looked_at)), "required": str(rule.consecutive)},
            )
        )
    steps.append(
        Step(
            "promotion_streak",
            {
                "streak": str(streak),
                "required": str(rule.consecutive),
                "min_grade": rule.min_grade,
            },
        )
    )
    tenure_ok = True
    if rule.min_tenure_months:
        if tenure is None:
            tenure_ok = False
            steps.append(
                Step("promotion_tenure_unknown", {"required": str(rule.min_tenure_months)})
            )
        else:
            tenure_ok = tenure >= rule.min_tenure_months
            steps.append(
                Step(
                    "promotion_tenure",
                    {
                        "months": str(tenure),
                        "required": str(rule.min_tenure_months),
                        "ok": "true" if tenure_ok else "false",
                    },
                )
            )
    return Eligibility(
        eligible=streak >= rule.consecutive and tenure_ok,
        streak=streak,
        cycles=tuple(result.cycle for result in looked_at),
        tenure_ok=tenure_ok,
        steps=tuple(steps),
    )
