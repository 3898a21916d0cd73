"""Factories for published results.

Reviews and cycles come from ``pms.reviews.tests.factories``; a review's score is set as
the scoring engine leaves it (a current, frozen edition and the denormalised score and
grade). Calibration sessions are written as rows (their services belong to calibration);
results are then published through the services, the way HR reaches them. Append new
factories at the end (several people add to this file).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.accounts.models import User
from pms.calibration.models import (
    CalibrationChange,
    CalibrationEntry,
    CalibrationSession,
    ChangeField,
    SessionStatus,
)
from pms.core.audit import Actor
from pms.org.models import Employee
from pms.outcomes.models import PerformanceResult, ResultRelease
from pms.outcomes.services.release import release_publish
from pms.reviews.models import Cycle, Phase, ResultKind, Review, ReviewResult
from pms.reviews.tests import factories as rf

_seq = itertools.count(1)

# (field, after, reason) in the order made
Change = tuple[str, str, str]


def calibration_cycle(name: str | None = None, *, phase: str = Phase.CALIBRATION) -> Cycle:
    """A running cycle with a default template, at ``phase`` (calibration by default)."""
    return rf.cycle(name, default_template=rf.template(), phase=phase)


def scored_review(
    cycle: Cycle, person: Employee, score: str | None, grade: str = "", *, version: int = 1
) -> Review:
    """``person``'s review in ``cycle`` with a frozen current edition of ``score``/``grade``."""
    review = rf.review(cycle, person)
    value = None if score is None else Decimal(score)
    ReviewResult.objects.create(
        review=review,
        kind=ResultKind.REVIEW,
        version=version,
        score=value,
        grade=grade,
        complete=value is not None,
        frozen=True,
    )
    Review.objects.filter(pk=review.pk).update(score=value, grade=grade)
    review.refresh_from_db()
    return review


def closed_session(
    cycle: Cycle,
    facilitator: User,
    reviews: Iterable[Review],
    changes: Mapping[Review, Sequence[Change]] | None = None,
    *,
    name: str | None = None,
    status: str = SessionStatus.CLOSED,
) -> CalibrationSession:
    """A session over ``reviews`` that proposed their review scores, with ``changes`` made
    by ``facilitator``, closed (or left at ``status``)."""
    session = CalibrationSession.objects.create(
        cycle=cycle,
        name=name or f"校准会{next(_seq)}",
        facilitator=facilitator,
        status=status,
        closed_at=timezone.now() if status == SessionStatus.CLOSED else None,
    )
    for review in reviews:
        entry = CalibrationEntry.objects.create(
            session=session,
            review=review,
            employee=review.employee,
            department=review.department,
            manager=review.manager,
            proposed_score=review.score,
            proposed_grade=review.grade,
            score=review.score,
            grade=review.grade,
        )
        for field, after, reason in (changes or {}).get(review, ()):
            if field == ChangeField.SCORE:
                before = "" if entry.score is None else str(entry.score)
                entry.score = Decimal(after)
            else:
                before = entry.grade
                entry.grade = after
            CalibrationChange.objects.create(
                entry=entry,
                field=field,
                before=before,
                after=after,
                reason=reason,
                changed_by=facilitator,
            )
        entry.changed = (entry.score, entry.grade) != (entry.proposed_score, entry.proposed_grade)
        entry.save()
    return session


def publish(cycle: Cycle, by: User) -> ResultRelease:
    """Publish the cycle's results now (HR's button)."""
    return release_publish(actor=Actor(user=by), cycle=cycle)


def result_of(review: Review) -> PerformanceResult:
    return PerformanceResult.objects.select_related("employee", "cycle").get(review=review)


def errors_of(error: ValidationError) -> dict[str, list[str]]:
    """A service's refusal as ``{field: [messages]}`` (``__all__`` for the whole)."""
    found = error.update_error_dict({})
    return {name: [str(m) for e in found[name] for m in e] for name in found}
