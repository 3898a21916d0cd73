"""Factories for tracking data, made through the services the way users reach it.

Append new factories at the end (several people add to this file)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pms.core.audit import Actor
from pms.goals.models import Frequency, Goal, Indicator, Period, Scorecard
from pms.goals.tests import factories as goal_factories
from pms.org.models import Employee
from pms.tracking.models import Actual, ActualSource
from pms.tracking.services.actuals import ActualInput, RecordResult, actual_enter, actuals_record

SYSTEM = Actor.system()


def monthly_indicator(**fields: Any) -> Indicator:
    """A monthly, added-up, higher-is-better library indicator (e.g. sales)."""
    found = goal_factories.indicator(**{k: v for k, v in fields.items() if k in _INDICATOR_ARGS})
    extra = {k: v for k, v in fields.items() if k not in _INDICATOR_ARGS}
    extra.setdefault("frequency", Frequency.MONTHLY)
    extra.setdefault("aggregation", "sum")
    for name, value in extra.items():
        setattr(found, name, value)
    found.save()
    return found


_INDICATOR_ARGS = {"name", "code", "unit", "direction", "scoring_rule", "employee_selectable"}


def measured_goal(
    employee: Employee,
    *,
    the_period: Period | None = None,
    the_indicator: Indicator | None = None,
    target: str = "1200",
    card: Scorecard | None = None,
    **terms: Any,
) -> Goal:
    """A KPI on the person's scorecard measured by a monthly indicator (a year, 2026)."""
    period = the_period or goal_factories.period()
    scorecard = card or goal_factories.scorecard(employee, period)
    measure = the_indicator or monthly_indicator()
    return goal_factories.kpi(
        scorecard, indicator=measure, target=Decimal(target), weight="100", **terms
    )


def enter(goal: Goal, day: dt.date, value: str, *, actor: Actor = SYSTEM, **fields: Any) -> Actual:
    return actual_enter(actor=actor, goal=goal, day=day, value=Decimal(value), **fields)


def push(
    items: list[ActualInput], *, source_name: str = "CRM", actor: Actor = SYSTEM
) -> RecordResult:
    return actuals_record(
        actor=actor, items=items, source=ActualSource.API, source_name=source_name
    )
