"""HR's monitor of a running cycle (考核进度监控): completion by phase, by rater type and by
department, the reviews with their counts, and who is overdue.

Everything is counted by the database (``GROUP BY``) over the reviews HR's scope covers
(``access.monitor_reviews``) and rolled up the department tree in Python along the
materialised paths, as the tracking boards do; a page issues the same number of queries for
ten reviews or a hundred thousand.

What the monitor shows of a rating: its rater type and status — counts for every type;
rater names only in the overdue list (HR reminds the people who owe a rating, and never
sees what anybody wrote). Removed reviews are left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.org.models import Department
from pms.org.selectors import board_rows, path_ids
from pms.reviews.models import (
    OPEN_RATING,
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewStatus,
)
from pms.reviews.phases import PHASE_OF_TYPE, phase_index

NOTHING = Q(pk__in=[])
# the phases raters answer in, in order
RATER_PHASES: tuple[str, ...] = (Phase.SELF, Phase.PEER, Phase.MANAGER)

# review filters
OPEN = "open"
COMPLETE = "complete"
OVERDUE = "overdue"
STATUS_FILTERS: list[tuple[str, Promise]] = [
    (OPEN, _("Ratings still open")),
    (OVERDUE, _("Ratings overdue")),
    (COMPLETE, _("All ratings in")),
]


def types_of(phase: str) -> tuple[str, ...]:
    return tuple(t for t, p in PHASE_OF_TYPE.items() if p == phase)


def phase_deadlines(cycle: Cycle) -> dict[str, dt.date | None]:
    return dict(CyclePhase.objects.filter(cycle=cycle).values_list("phase", "deadline"))


def _extended(phase: str, today: dt.date) -> Exists:
    """This rating's review has the phase opened for it until today or later."""
    return Exists(
        PhaseExtension.objects.filter(review=OuterRef("review"), phase=phase, until__gte=today)
    )


def overdue_q(cycle: Cycle, deadlines: Mapping[str, dt.date | None], today: dt.date) -> Q:
    """Ratings (``Rating`` rows) still open whose phase has been reached and whose deadline
    has passed, unless HR opened the phase for that review until today or later."""
    if cycle.status != CycleStatus.RUNNING:
        return NOTHING
    q = NOTHING
    for phase in RATER_PHASES:
        deadline = deadlines.get(phase)
        if deadline is None or deadline >= today:
            continue
        if phase_index(cycle.phase) < phase_index(phase):
            continue
        q |= Q(Q(rater_type__in=types_of(phase)), ~_extended(phase, today))
    return Q(status__in=OPEN_RATING, review__status=ReviewStatus.ACTIVE) & q


def actionable_q(cycle: Cycle, today: dt.date) -> Q:
    """Ratings still open that their rater may fill in now: their phase is the cycle's
    phase, or HR opened it for that review until today or later."""
    if cycle.status != CycleStatus.RUNNING:
        return NOTHING
    q = NOTHING
    for phase in RATER_PHASES:
        here = Q(rater_type__in=types_of(phase))
        if cycle.phase == phase:
            q |= here
        else:
            q |= Q(here, _extended(phase, today))
    return Q(status__in=OPEN_RATING, review__status=ReviewStatus.ACTIVE) & q


# --- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorFilters:
    department: Department | None = None
    rater_type: str = ""
    status: str = ""


def monitor_reviews_in(reviews: QuerySet[Review], filters: MonitorFilters) -> QuerySet[Review]:
    """The reviews counted: not removed, within the chosen department's subtree."""
    reviews = reviews.exclude(status=ReviewStatus.REMOVED)
    if filters.department is not None:
        reviews = reviews.filter(department__path__startswith=filters.department.path)
    return reviews


def monitor_ratings(reviews: QuerySet[Review], filters: MonitorFilters) -> QuerySet[Rating]:
    """The ratings counted: those of ``reviews`` (already narrowed), of the chosen type."""
    ratings = Rating.objects.filter(review__in=reviews.values("pk"))
    if filters.rater_type:
        ratings = ratings.filter(rater_type=filters.rater_type)
    return ratings


# --- completion -------------------------------------------------------------------------------


@dataclass
class Completion:
    """Counts of ratings by status. ``asked`` counts those that stand: to do, draft or
    submitted (declined, withdrawn, reassigned, nominated or rejected ones are not asked)."""

    pending: int = 0
    draft: int = 0
    submitted: int = 0
    declined: int = 0

    @property
    def asked(self) -> int:
        return self.pending + self.draft + self.submitted

    @property
    def open(self) -> int:
        return self.pending + self.draft

    @property
    def percent(self) -> int | None:
        return self.submitted * 100 // self.asked if self.asked else None

    def add(self, other: Completion) -> None:
        self.pending += other.pending
        self.draft += other.draft
        self.submitted += other.submitted
        self.declined += other.declined

    def count(self, status: str, n: int) -> None:
        if status == RatingStatus.PENDING:
            self.pending += n
        elif status == RatingStatus.DRAFT:
            self.draft += n
        elif status == RatingStatus.SUBMITTED:
            self.submitted += n
        elif status == RatingStatus.DECLINED:
            self.declined += n


@dataclass
class PhaseCompletion:
    phase: str
    label: str | Promise
    deadline: dt.date | None
    completion: Completion
    types: list[tuple[str, str | Promise, Completion]] = field(default_factory=list)


@dataclass
class Summary:
    by_phase: list[PhaseCompletion]
    total: Completion
    overdue: int
    reviews: int


Tally = tuple[int, str, str, str, int]  # department id, its path, rater type, status, count


def rating_tallies(ratings: QuerySet[Rating]) -> list[Tally]:
    """The ratings counted by department (as recorded at launch), rater type and status: one
    grouped query over every rating of the cycle in scope (about a second at 600,000
    ratings), so the figures are shared for ``PMS_BOARD_CACHE_SECONDS`` as the progress
    boards' are: they are counts, never names, and depend only on the ratings counted (the
    key is the query itself, which carries the cycle, HR's scope and the filters)."""
    seconds = int(getattr(settings, "PMS_BOARD_CACHE_SECONDS", 60))
    key = ""
    if seconds > 0:
        key = "reviews:monitor:" + hashlib.sha256(str(ratings.query).encode()).hexdigest()
        found: list[Tally] | None = cache.get(key)
        if found is not None:
            return found
    rows = (
        ratings.values_list(
            "review__department_id", "review__department__path", "rater_type", "status"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    tallies = [(d, path or "", t, status, n) for d, path, t, status, n in rows]
    if key:
        cache.set(key, tallies, seconds)
    return tallies


def completion_by_type(ratings: QuerySet[Rating]) -> dict[str, Completion]:
    """One grouped query (shared with the departments' counts)."""
    found: dict[str, Completion] = defaultdict(Completion)
    for _department, _path, rater_type, status, n in rating_tallies(ratings):
        found[rater_type].count(status, n)
    return dict(found)


def monitor_summary(
    cycle: Cycle,
    reviews: QuerySet[Review],
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> Summary:
    """Completion by phase (self; peer and upward; managers) with each rater type, the
    overdue count and the number of reviews. Three queries."""
    by_type = completion_by_type(ratings)
    total = Completion()
    phases = []
    for phase in RATER_PHASES:
        completion = Completion()
        types: list[tuple[str, str | Promise, Completion]] = []
        for rater_type in types_of(phase):
            found = by_type.get(rater_type)
            if found is None:
                continue
            completion.add(found)
            types.append((rater_type, RaterType(rater_type).label, found))
        total.add(completion)
        phases.append(
            PhaseCompletion(
                phase=phase,
                label=Phase(phase).label,
                deadline=deadlines.get(phase),
                completion=completion,
                types=types,
            )
        )
    return Summary(
        by_phase=phases,
        total=total,
        overdue=ratings.filter(overdue_q(cycle, deadlines, today)).count(),
        reviews=reviews.count(),
    )


# --- by department ----------------------------------------------------------------------------


@dataclass
class DepartmentCompletion:
    department: Department
    completion: Completion
    has_children: bool
    direct_only: bool = False


def _by_department(
    ratings: QuerySet[Rating],
) -> tuple[dict[int, Completion], dict[int, Completion]]:
    """Direct and subtree counts per department of the review (as recorded at launch):
    one grouped query, rolled up in Python along the departments' paths."""
    direct: dict[int, Completion] = defaultdict(Completion)
    total: dict[int, Completion] = defaultdict(Completion)
    for department_id, path, _rater_type, status, n in rating_tallies(ratings):
        direct[department_id].count(status, n)
        for above in path_ids(path):
            total[above].count(status, n)
    return direct, total


def completion_by_department(
    ratings: QuerySet[Rating],
    departments: QuerySet[Department],
    *,
    focus: Department | None,
    roots: tuple[str, ...],
) -> list[DepartmentCompletion]:
    """The departments right below ``focus`` (or, without one, those the user's scope
    starts from: ``roots``, else the top ones), each with the counts of its whole subtree;
    the focus's own people first when it has any. Three queries."""
    direct, total = _by_department(ratings)
    shown, has_children = board_rows(departments, focus=focus, roots=roots)
    rows = [
        DepartmentCompletion(
            department=department,
            completion=total.get(department.pk, Completion()),
            has_children=department.pk in has_children,
        )
        for department in shown
    ]
    if focus is not None and direct.get(focus.pk) is not None:
        rows.insert(
            0,
            DepartmentCompletion(
                department=focus,
                completion=direct[focus.pk],
                has_children=False,
                direct_only=True,
            ),
        )
    return rows


# --- reviews --------------------------------------------------------------------------------


def review_rows(
    cycle: Cycle,
    reviews: QuerySet[Review],
    filters: MonitorFilters,
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> QuerySet[Review]:
    """The reviews to list (page them), filtered by the status of their ratings."""
    counted = Rating.objects.filter(review=OuterRef("pk"))
    if filters.rater_type:
        counted = counted.filter(rater_type=filters.rater_type)
    if filters.status == OPEN:
        reviews = reviews.filter(Exists(counted.filter(status__in=OPEN_RATING)))
    elif filters.status == COMPLETE:
        reviews = reviews.exclude(Exists(counted.filter(status__in=OPEN_RATING)))
    elif filters.status == OVERDUE:
        reviews = reviews.filter(Exists(counted.filter(overdue_q(cycle, deadlines, today))))
    return reviews.select_related("employee", "department", "template").order_by(
        "department__path", "employee__number", "pk"
    )


@dataclass
class ReviewCounts:
    """One review's ratings by phase: counts only (anonymous types never name anybody)."""

    by_phase: dict[str, Completion] = field(default_factory=dict)

    def phase(self, phase: str) -> Completion:
        return self.by_phase.get(phase, Completion())

    @property
    def self_review(self) -> Completion:
        return self.phase(Phase.SELF)

    @property
    def peer_review(self) -> Completion:
        return self.phase(Phase.PEER)

    @property
    def manager_review(self) -> Completion:
        return self.phase(Phase.MANAGER)


def review_counts(reviews: Sequence[Review], rater_type: str = "") -> dict[int, ReviewCounts]:
    """Counts per review and phase for one page of reviews: one grouped query."""
    ratings = Rating.objects.filter(review_id__in=[r.pk for r in reviews])
    if rater_type:
        ratings = ratings.filter(rater_type=rater_type)
    found: dict[int, ReviewCounts] = defaultdict(ReviewCounts)
    rows = ratings.values("review_id", "rater_type", "status").annotate(n=Count("pk")).order_by()
    for row in rows:
        phase = PHASE_OF_TYPE.get(row["rater_type"])
        if phase is None:
            continue
        counts = found[row["review_id"]]
        counts.by_phase.setdefault(phase, Completion()).count(row["status"], row["n"])
    return dict(found)


def with_counts(reviews: Iterable[Review], rater_type: str = "") -> list[Review]:
    """The page's reviews with ``counts`` (``ReviewCounts``) set on each."""
    rows = list(reviews)
    counts = review_counts(rows, rater_type)
    for row in rows:
        row.counts = counts.get(row.pk, ReviewCounts())  # type: ignore[attr-defined]
    return rows


# --- overdue --------------------------------------------------------------------------------


def overdue_ratings(
    cycle: Cycle,
    ratings: QuerySet[Rating],
    deadlines: Mapping[str, dt.date | None],
    today: dt.date,
) -> QuerySet[Rating]:
    """Who owes a rating past its deadline: the rater, the type and the person reviewed —
    never an answer. Oldest deadline first."""
    return (
        ratings.filter(overdue_q(cycle, deadlines, today))
        .select_related("rater__department", "review__employee", "review__department")
        .only(
            "pk",
            "uuid",
            "rater_type",
            "status",
            "reminded_at",
            "review_id",
            "rater__name",
            "rater__number",
            "rater__department__name",
            "review__employee__name",
            "review__employee__number",
            "review__department__name",
            "review__status",
        )
        .order_by("rater__number", "review_id", "rater_type", "pk")
    )


def overdue_days(rating: Rating, deadlines: Mapping[str, dt.date | None], today: dt.date) -> int:
    deadline = deadlines.get(PHASE_OF_TYPE[rating.rater_type])
    return (today - deadline).days if deadline is not None else 0


def iter_overdue(
    ratings: QuerySet[Rating], deadlines: Mapping[str, dt.date | None], today: dt.date
) -> Iterator[tuple[Rating, dt.date | None, int]]:
    for rating in ratings.iterator(chunk_size=2000):
        deadline = deadlines.get(PHASE_OF_TYPE[rating.rater_type])
        yield rating, deadline, overdue_days(rating, deadlines, today)


def monitor_cycles(visible: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """The cycles HR may monitor, running first."""
    return (
        visible.exclude(status=CycleStatus.DRAFT)
        .annotate(n_reviews=Count("reviews", filter=~Q(reviews__status=ReviewStatus.REMOVED)))
        .order_by("-status", "-start", "name")
    )


__all__ = [
    "COMPLETE",
    "OPEN",
    "OVERDUE",
    "RATER_PHASES",
    "STATUS_FILTERS",
    "Completion",
    "DepartmentCompletion",
    "MonitorFilters",
    "PhaseCompletion",
    "ReviewCounts",
    "Summary",
    "actionable_q",
    "completion_by_department",
    "completion_by_type",
    "iter_overdue",
    "monitor_cycles",
    "monitor_ratings",
    "monitor_reviews_in",
    "monitor_summary",
    "overdue_days",
    "overdue_q",
    "overdue_ratings",
    "phase_deadlines",
    "review_counts",
    "review_rows",
    "types_of",
    "with_counts",
]
