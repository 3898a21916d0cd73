"""Factories for calibration: a cycle that has reached calibration with scored reviews,
and sessions made through the services. Append new factories at the end."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from pms.accounts.models import User
from pms.calibration.models import CalibrationSession
from pms.calibration.services.sessions import session_create, session_open
from pms.core.audit import Actor
from pms.org.models import Department, Employee
from pms.org.tests import factories as org_factories
from pms.reviews.models import Cycle, Phase, ResultKind, Review, ReviewResult
from pms.reviews.tests import factories as review_factories

_seq = itertools.count(1)


def calibration_cycle(*, phase: str = Phase.CALIBRATION) -> Cycle:
    return review_factories.cycle(phase=phase, default_template=review_factories.template())


def scored(
    the_cycle: Cycle,
    person: Employee,
    score: str | None,
    grade: str = "",
    *,
    self_mean: str | None = None,
    manager_mean: str | None = None,
) -> Review:
    """A review with ``score`` and ``grade`` and a current result edition whose explanation
    has one rated section with the self and manager means given."""
    review = review_factories.review(the_cycle, person)
    review.score = None if score is None else Decimal(score)
    review.grade = grade
    review.save(update_fields=["score", "grade"])
    types: list[dict[str, Any]] = []
    if self_mean is not None:
        types.append({"type": "self", "mean": self_mean, "count": 1})
    if manager_mean is not None:
        types.append({"type": "manager", "mean": manager_mean, "count": 1})
    ReviewResult.objects.create(
        review=review,
        kind=ResultKind.REVIEW,
        score=review.score,
        grade=grade,
        complete=score is not None,
        explanation={"sections": [{"kind": "competencies", "types": types}]},
    )
    return review


def people(dept: Department, count: int, manager: Employee | None = None) -> list[Employee]:
    n = next(_seq)
    return [
        org_factories.employee(
            f"员工{n}-{i}", dept=dept, manager=manager, number=f"C{n:03d}{i:04d}"
        )
        for i in range(count)
    ]


def session(
    hr: User,
    the_cycle: Cycle,
    departments: Sequence[Department],
    *,
    name: str | None = None,
    open_it: bool = True,
    facilitator: User | None = None,
    allowed: Iterable[Department] | None = None,
) -> CalibrationSession:
    actor = Actor(hr)
    made = session_create(
        actor=actor,
        cycle=the_cycle,
        name=name or f"校准会-{next(_seq)}",
        departments=departments,
        subtree=True,
        role_family=None,
        facilitator=facilitator or hr,
        allowed_departments=allowed if allowed is not None else Department.objects.all(),
    )
    if open_it:
        session_open(actor=actor, session=made)
        made.refresh_from_db()
    return made
