"""Factories for goals data, made through the services the way users reach it.

Append new factories at the end (several people add to this file)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from pms.core.audit import Actor
from pms.goals.models import Goal, GoalKind, Indicator, Period, PeriodKind, Scorecard
from pms.goals.services import periods as period_services
from pms.goals.services import scorecards as scorecard_services
from pms.org.models import Employee

SYSTEM = Actor.system()
_seq = itertools.count(1)


def period(
    name: str | None = None,
    *,
    start: dt.date = dt.date(2026, 1, 1),
    end: dt.date = dt.date(2026, 12, 31),
    kind: str = PeriodKind.YEAR,
    parent: Period | None = None,
    adjustment_limit: Decimal = Decimal(15),
) -> Period:
    return period_services.period_create(
        actor=SYSTEM,
        name=name or f"2026年度-{next(_seq)}",
        kind=kind,
        start=start,
        end=end,
        parent=parent,
        adjustment_limit=adjustment_limit,
    )


def indicator(
    name: str | None = None,
    *,
    code: str | None = None,
    unit: str = "万元",
    direction: str = "higher",
    scoring_rule: dict[str, Any] | None = None,
    employee_selectable: bool = True,
    enabled: bool = True,
) -> Indicator:
    """A plain library indicator (made directly: the library's services have their own
    tests; scorecard tests only need one to point at)."""
    n = next(_seq)
    return Indicator.objects.create(
        code=code or f"IND{n:04d}",
        name=name or f"指标{n}",
        unit=unit,
        direction=direction,
        scoring_rule=scoring_rule or {"type": "linear", "floor": "0", "cap": "120"},
        employee_selectable=employee_selectable,
        enabled=enabled,
    )


def scorecard(employee: Employee, the_period: Period) -> Scorecard:
    return scorecard_services.scorecard_create(actor=SYSTEM, employee=employee, period=the_period)


def kpi(card: Scorecard, title: str = "销售额达到500万元", weight: str = "50", **terms: Any) -> Goal:
    terms.setdefault("target", Decimal(500))
    terms.setdefault("unit", "万元")
    terms.setdefault("metric", "销售额")
    return scorecard_services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title=title,
        kind=GoalKind.KPI,
        weight=Decimal(weight),
        **terms,
    )


def task(card: Scorecard, title: str = "Q3前完成X产品V2.0上线", weight: str = "50", **terms: Any) -> Goal:
    terms.setdefault("due_date", dt.date(2026, 9, 30))
    terms.setdefault("completion_standard", "3轮用户测试且Bug率≤0.3%")
    terms.setdefault("scoring_rule", {"type": "pass_fail"})
    return scorecard_services.goal_add(
        actor=SYSTEM,
        scorecard=card,
        title=title,
        kind=GoalKind.TASK,
        weight=Decimal(weight),
        **terms,
    )


def complete_scorecard(employee: Employee, the_period: Period) -> Scorecard:
    """A scorecard with a KPI (60 %) and a key task (40 %), ready to submit."""
    card = scorecard(employee, the_period)
    kpi(card, weight="60")
    task(card, weight="40")
    return card


def agreed_scorecard(employee: Employee, the_period: Period, approver: Actor) -> Scorecard:
    """Submitted by the person, approved by ``approver`` (not yet signed)."""
    card = complete_scorecard(employee, the_period)
    scorecard_services.scorecard_submit(actor=SYSTEM, scorecard=card)
    scorecard_services.scorecard_approve(actor=approver, scorecard=card)
    return card
