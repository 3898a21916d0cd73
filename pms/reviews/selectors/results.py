"""Reads for the result pages: my reviews, one review's result, the manager's team side by
side, HR's results of a cycle. Each issues a fixed number of queries whatever the number
of reviews, goals or raters; who may call which is ``pms.reviews.access``'s to decide, and
what reaches a page about other raters' answers comes from ``selectors.anonymity``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.explain import Explained, explain_result
from pms.reviews.models import (
    LIVE_RATING,
    Cycle,
    RaterType,
    Rating,
    RatingStatus,
    RecomputeRun,
    ResultKind,
    Review,
    ReviewResult,
    ReviewStatus,
)
from pms.reviews.phases import results_released
from pms.reviews.selectors.anonymity import RatingsView, review_ratings_view

__all__ = [
    "CycleResults",
    "MyReviewRow",
    "ResultPage",
    "TeamRow",
    "current_result",
    "current_results",
    "cycle_results",
    "cycle_results_rows",
    "my_review_rows",
    "result_page",
    "team_rows",
]


def current_results(review_ids: Iterable[int]) -> dict[int, ReviewResult]:
    """The current review-score edition of each review (one query)."""
    return {
        r.review_id: r
        for r in ReviewResult.objects.filter(
            review_id__in=list(review_ids), kind=ResultKind.REVIEW, is_current=True
        )
    }


def current_result(review: Review) -> ReviewResult | None:
    return current_results([review.pk]).get(review.pk)


# --- my results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MyReviewRow:
    review: Review
    released: bool
    result: ReviewResult | None  # only once released


def my_review_rows(principal: Principal) -> list[MyReviewRow]:
    """My reviews, newest cycle first, with the result where it is released (two queries)."""
    reviews = list(access.my_reviews(principal).select_related("cycle").order_by("-cycle__start"))
    released = [r.pk for r in reviews if results_released(r.cycle)]
    results = current_results(released)
    return [
        MyReviewRow(
            review=r,
            released=results_released(r.cycle),
            result=results.get(r.pk),
        )
        for r in reviews
    ]


# --- one review ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultPage:
    review: Review
    result: ReviewResult | None
    explained: Explained | None
    ratings: RatingsView
    editions: list[ReviewResult] = field(default_factory=list)


def result_page(principal: Principal, review: Review, *, with_editions: bool = False) -> ResultPage:
    """The review's current result in words and its ratings as ``principal`` may see them.

    The caller has checked ``access.can_see_result``. ``with_editions`` (HR) lists the
    earlier editions (version, score, grade, frozen, reason)."""
    result = current_result(review)
    editions: list[ReviewResult] = []
    if with_editions:
        editions = list(
            ReviewResult.objects.filter(review=review, kind=ResultKind.REVIEW)
            .only(
                "version",
                "score",
                "grade",
                "complete",
                "frozen",
                "reason",
                "created_at",
                "is_current",
                "review_id",
            )
            .order_by("-version")
        )
    return ResultPage(
        review=review,
        result=result,
        explained=explain_result(result) if result is not None else None,
        ratings=review_ratings_view(principal, review),
        editions=editions,
    )


# --- the manager's team side by side -------------------------------------------------------


@dataclass(frozen=True)
class SectionPair:
    title: str
    self_score: str | None
    manager_score: str | None
    score: str | None


@dataclass(frozen=True)
class TeamRow:
    review: Review
    goal_score: str | None
    sections: list[SectionPair]
    score: Decimal | None
    grade: str
    complete: bool
    # rater type → (submitted, asked), numbers only
    states: list[tuple[str, int, int]]


def _type_mean(section: dict[str, Any], kind: str) -> str | None:
    for row in section.get("types") or []:
        if row.get("type") == kind:
            mean = row.get("mean")
            return str(mean) if mean is not None else None
    return None


def team_rows(reviews: Sequence[Review]) -> list[TeamRow]:
    """The page's reviews with self vs manager per rated section, the goals' score, the total
    and the state of each rater type (two queries for any number of reviews).

    Self and manager are named types: their means in the stored explanation are those two
    people's own section scores, which the manager may see; anonymous types appear only as
    counts."""
    ids = [r.pk for r in reviews]
    results = current_results(ids)
    counts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in (
        Rating.objects.filter(review_id__in=ids, status__in=LIVE_RATING)
        .values("review_id", "rater_type")
        .annotate(
            asked=Count("id"),
            submitted=Count("id", filter=Q(status=RatingStatus.SUBMITTED)),
        )
        .order_by()
    ):
        counts[row["review_id"]][row["rater_type"]] = [row["submitted"], row["asked"]]
    labels = dict(RaterType.choices)
    found: list[TeamRow] = []
    for review in reviews:
        result = results.get(review.pk)
        explanation: dict[str, Any] = result.explanation if result is not None else {}
        goal_score: str | None = None
        pairs: list[SectionPair] = []
        for section in explanation.get("sections") or []:
            if section.get("kind") == "goals":
                goal_score = section.get("score")
                continue
            if not section.get("types"):
                continue
            pairs.append(
                SectionPair(
                    title=str(section.get("title", "")),
                    self_score=_type_mean(section, RaterType.SELF),
                    manager_score=_type_mean(section, RaterType.MANAGER),
                    score=section.get("score"),
                )
            )
        by_type = counts.get(review.pk, {})
        found.append(
            TeamRow(
                review=review,
                goal_score=goal_score,
                sections=pairs,
                score=result.score if result is not None else None,
                grade=result.grade if result is not None else "",
                complete=result.complete if result is not None else False,
                states=[
                    (str(labels[kind]), by_type[kind][0], by_type[kind][1])
                    for kind in RaterType.values
                    if kind in by_type
                ],
            )
        )
    return found


def team_reviews_for(principal: Principal, cycle: Cycle) -> QuerySet[Review]:
    return (
        access.team_reviews(principal, cycle)
        .select_related("employee", "department")
        .order_by("employee__name", "pk")
    )


# --- HR: a cycle's results -----------------------------------------------------------------


@dataclass(frozen=True)
class CycleResults:
    reviews: int
    computed: int
    complete: int
    frozen: int
    runs: list[RecomputeRun]

    @property
    def running(self) -> RecomputeRun | None:
        return next((r for r in self.runs if r.status in ("queued", "running")), None)


def cycle_results(principal: Principal, cycle: Cycle) -> CycleResults:
    """Counts over the reviews HR's scope covers, and the latest runs (three queries)."""
    reviews = access.monitor_reviews(principal, cycle).exclude(status=ReviewStatus.REMOVED)
    counts = ReviewResult.objects.filter(
        review__in=reviews, kind=ResultKind.REVIEW, is_current=True
    ).aggregate(
        computed=Count("id"),
        complete=Count("id", filter=Q(complete=True)),
        frozen=Count("id", filter=Q(frozen=True)),
    )
    runs = list(RecomputeRun.objects.filter(cycle=cycle).select_related("started_by")[:5])
    return CycleResults(
        reviews=reviews.count(),
        computed=counts["computed"] or 0,
        complete=counts["complete"] or 0,
        frozen=counts["frozen"] or 0,
        runs=runs,
    )


def cycle_results_rows(principal: Principal, cycle: Cycle) -> QuerySet[Review]:
    """The reviews in HR's scope with their score, grade, completeness and frozen flag (one
    query per page)."""
    current = ReviewResult.objects.filter(
        review=OuterRef("pk"), kind=ResultKind.REVIEW, is_current=True
    )
    return (
        access.monitor_reviews(principal, cycle)
        .exclude(status=ReviewStatus.REMOVED)
        .select_related("employee", "department")
        .annotate(
            result_complete=Subquery(current.values("complete")[:1]),
            result_frozen=Subquery(current.values("frozen")[:1]),
            result_version=Subquery(current.values("version")[:1]),
        )
        .order_by("department__path", "employee__name", "pk")
    )
