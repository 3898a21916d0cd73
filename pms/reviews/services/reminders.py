"""Reminders to raters: a few days before their phase's deadline, and once it has passed.

The periodic job looks at every open rating (asked or started) of the running cycles whose
phase is open for its review — the cycle is in that phase, or HR reopened it for the
person. It reminds the rater when the deadline (the phase's, or the person's extension)
is at most ``ReviewSettings.remind_days_before`` days away, or past. Each rating is
reminded at most once a day (``Rating.reminded_at``) and each person gets one notification
per run, however many ratings wait for them, so running the job twice the same day sends
nothing more. The notification names nobody: counts and a date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.reviews import events
from pms.reviews.models import (
    OPEN_RATING,
    Cycle,
    CyclePhase,
    CycleStatus,
    PhaseExtension,
    Rating,
    ReviewSettings,
    ReviewStatus,
)
from pms.reviews.phases import PHASE_OF_TYPE
from pms.reviews.selectors.ratings import phase_deadline

__all__ = ["DEFAULT_REMIND_DAYS", "raters_remind"]

DEFAULT_REMIND_DAYS = 2
CHUNK = 500


@dataclass
class _Due:
    """What waits for one rater: ratings due soon and overdue."""

    soon: list[tuple[int, dt.date]] = field(default_factory=list)
    overdue: list[tuple[int, dt.date]] = field(default_factory=list)

    @property
    def rating_ids(self) -> list[int]:
        return [pk for pk, _ in (*self.soon, *self.overdue)]


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _remind_days() -> int:
    found = ReviewSettings.objects.order_by("id").values_list("remind_days_before", flat=True)
    days = found.first()
    return DEFAULT_REMIND_DAYS if days is None else int(days)


def _running_phases() -> tuple[dict[int, list[CyclePhase]], dict[int, str]]:
    """Each running cycle's phase rows and current phase (one query each)."""
    phases: dict[int, list[CyclePhase]] = defaultdict(list)
    for row in CyclePhase.objects.filter(cycle__status=CycleStatus.RUNNING):
        phases[row.cycle_id].append(row)
    current = dict(Cycle.objects.filter(status=CycleStatus.RUNNING).values_list("pk", "phase"))
    return phases, current


def _extensions(today: dt.date) -> dict[int, list[PhaseExtension]]:
    found: dict[int, list[PhaseExtension]] = defaultdict(list)
    for extension in PhaseExtension.objects.filter(
        until__gte=today, review__cycle__status=CycleStatus.RUNNING
    ):
        found[extension.review_id].append(extension)
    return found


def _due_by_rater(
    rows: Iterable[tuple[int, int, str, int, int]],
    today: dt.date,
    days_before: int,
) -> dict[int, _Due]:
    phases, current = _running_phases()
    extensions = _extensions(today)
    due: dict[int, _Due] = defaultdict(_Due)
    for pk, rater_id, rater_type, review_id, cycle_id in rows:
        phase = PHASE_OF_TYPE[rater_type]
        own = extensions.get(review_id, [])
        if current.get(cycle_id) != phase and not any(e.phase == phase for e in own):
            continue  # not open for this review: nothing the rater can do now
        deadline = phase_deadline(phases.get(cycle_id, []), own, phase, today)
        if deadline is None:
            continue
        if deadline < today:
            due[rater_id].overdue.append((pk, deadline))
        elif (deadline - today).days <= days_before:
            due[rater_id].soon.append((pk, deadline))
    return due


def _users(rater_ids: Sequence[int]) -> dict[int, User]:
    users: dict[int, User] = {}
    for chunk in _chunks(rater_ids):
        for user in User.objects.filter(employee__pk__in=chunk, is_active=True).select_related(
            "employee"
        ):
            users[user.employee.pk] = user
    return users


@transaction.atomic
def raters_remind(now: dt.datetime) -> int:
    """Remind the raters whose open ratings are due soon or overdue; returns how many
    people were notified. Safe to run any number of times a day."""
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    rows = (
        Rating.objects.filter(
            status__in=OPEN_RATING,
            review__status=ReviewStatus.ACTIVE,
            review__cycle__status=CycleStatus.RUNNING,
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=start_of_day))
        .values_list("pk", "rater_id", "rater_type", "review_id", "review__cycle_id")
        .order_by("pk")
    )
    due = _due_by_rater(rows.iterator(chunk_size=2000), today, _remind_days())
    if not due:
        return 0
    users = _users(sorted(due))
    url = reverse("reviews:my_ratings")
    notified = 0
    for rater_id, waiting in sorted(due.items()):
        user = users.get(rater_id)
        if user is None:
            continue
        count = len(waiting.soon) + len(waiting.overdue)
        if waiting.overdue:
            notified += notify(
                event=events.RATINGS_OVERDUE,
                recipients=[user],
                params={
                    "overdue": len(waiting.overdue),
                    "count": count,
                    "deadline": min(d for _, d in waiting.overdue).isoformat(),
                },
                url=url,
                key=f"raters-remind:{today.isoformat()}",
            )
        else:
            notified += notify(
                event=events.RATINGS_DUE_SOON,
                recipients=[user],
                params={
                    "count": count,
                    "deadline": min(d for _, d in waiting.soon).isoformat(),
                },
                url=url,
                key=f"raters-remind:{today.isoformat()}",
            )
    reminded = [pk for waiting in due.values() for pk in waiting.rating_ids]
    for chunk in _chunks(sorted(reminded)):
        Rating.objects.filter(pk__in=chunk).update(reminded_at=now)
    return notified
