"""Goal versions: the terms in force from a date on.

Version 1 is written when a goal is agreed (scorecard approved, department goal approved by
the committee) and runs from the period's start. An approved adjustment closes the version
in force the day before it takes effect and opens the next one, so a score can be computed
against the terms that held for each part of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from pms.core.audit import json_value
from pms.goals.models import Goal, GoalAdjustment, GoalVersion

TERM_FIELDS = (
    "title",
    "weight",
    "target",
    "target_max",
    "baseline",
    "unit",
    "direction",
    "due_date",
    "completion_standard",
    "scoring_rule",
    "is_active",
)


def goal_terms(goal: Goal) -> dict[str, Any]:
    """The terms a score is computed against, as JSON values."""
    return {name: json_value(getattr(goal, name)) for name in TERM_FIELDS}


def versions_start(goals: Iterable[Goal], valid_from: dt.date) -> list[GoalVersion]:
    """Version 1 for goals just agreed (in bulk). Goals that already have versions — agreed
    before, returned, agreed again — get their terms refreshed in version 1 instead."""
    goals = list(goals)
    existing = {v.goal_id: v for v in GoalVersion.objects.filter(goal__in=goals, number=1)}
    fresh: list[GoalVersion] = []
    for goal in goals:
        version = existing.get(goal.pk)
        if version is not None:
            version.terms = goal_terms(goal)
            version.valid_from = valid_from
            version.save(update_fields=["terms", "valid_from", "updated_at"])
            continue
        fresh.append(
            GoalVersion(goal=goal, number=1, valid_from=valid_from, terms=goal_terms(goal))
        )
    GoalVersion.objects.bulk_create(fresh)
    return fresh


def version_start(goal: Goal, valid_from: dt.date) -> GoalVersion:
    versions_start([goal], valid_from)
    return GoalVersion.objects.get(goal=goal, number=1)


@transaction.atomic
def version_next(
    goal: Goal, *, valid_from: dt.date, adjustment: GoalAdjustment | None = None
) -> GoalVersion:
    """Close the version in force the day before ``valid_from`` and open the next one with
    the goal's current terms. The caller has already changed the goal."""
    current = goal.versions.filter(valid_to__isnull=True).order_by("-number").first()
    number = 1
    if current is not None:
        if valid_from <= current.valid_from:
            raise ValueError("a new version must start after the version in force")
        current.valid_to = valid_from - dt.timedelta(days=1)
        current.save(update_fields=["valid_to", "updated_at"])
        number = current.number + 1
    version = GoalVersion.objects.create(
        goal=goal,
        number=number,
        valid_from=valid_from,
        terms=goal_terms(goal),
        adjustment=adjustment,
    )
    goal.version = number
    goal.save(update_fields=["version", "updated_at"])
    return version
