"""What a viewer may see of a review's ratings: anonymous types only aggregated, named
types in full where ``access.can_see_named_rating`` allows.

The rule for an anonymous rater type (peers, upward, cross-department by default):

- Released only when at least k raters of the type submitted (k = ``ReviewSettings.
  anonymity_min``, else ``settings.PMS_ANONYMITY_MIN``, never below 2) AND the phase they
  answer in has passed for the cycle and is not reopened for this person. Waiting for the
  phase stops differencing: between two visits during the phase one more answer would
  change the mean, and the change would be that rater's answer.
- Released: per item the mean (in points, 0–100) and the distribution of answers, only
  for items with at least k answers; comments without names, in an order keyed by an HMAC
  of the answer's id (``PMS_ANONYMITY_KEY``, default ``SECRET_KEY``), so neither insertion
  nor time order shows; no timestamps anywhere.
- Not released: "not enough answers to show" (or "shown once the phase has closed"), no
  mean, no comment. The number of raters asked and of answers is shown as numbers.

The shapes here never hold an anonymous rater's name, id, rating id, individual answer or
time. ``anonymous_identities`` (who wrote what) is only for the identity page, after
``services.results.identity_access_record`` has logged the look.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.models import (
    LIVE_RATING,
    Answer,
    Cycle,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewSettings,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.phases import PHASE_OF_TYPE, phase_passed
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact_mean, exact_q2
from pms.scoring.ratings import (
    LevelsScale,
    NumericScale,
    RatingScale,
    YesNoScale,
    scale_from_data,
    scale_points,
)

__all__ = [
    "AnonymousType",
    "IdentityRow",
    "ItemAggregate",
    "NamedAnswer",
    "NamedRating",
    "RatingsView",
    "SectionAggregate",
    "TypeState",
    "anonymity_k",
    "anonymous_identities",
    "anonymous_phase_over",
    "review_ratings_view",
    "shuffle_key",
]

SCORED_SECTIONS = (SectionKind.TASKS, SectionKind.COMPETENCIES, SectionKind.QUESTIONS)
_YES = frozenset({"yes", "true", "1", "y", "是"})
_NO = frozenset({"no", "false", "0", "n", "否"})


def anonymity_k() -> int:
    """k: the fewest raters of an anonymous type whose answers are shown (never below 2)."""
    row = ReviewSettings.objects.order_by("id").values_list("anonymity_min", flat=True).first()
    if row is None:
        row = int(getattr(settings, "PMS_ANONYMITY_MIN", 3) or 3)
    return max(2, int(row))


def anonymous_phase_over(cycle: Cycle, rater_type: str, open_extensions: Collection[str]) -> bool:
    """The phase the type answers in has passed for the cycle and is not reopened for this
    person (``open_extensions``: phases of the person's extensions not yet run out)."""
    phase = PHASE_OF_TYPE.get(rater_type, Phase.PEER)
    return phase_passed(cycle, phase) and phase not in open_extensions


def shuffle_key(review_id: int, kind: str, pk: int) -> str:
    """A stable order that is neither insertion nor time order: an HMAC of the row's id."""
    key = str(getattr(settings, "PMS_ANONYMITY_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, f"review-{kind}:{review_id}:{pk}".encode(), hashlib.sha256).hexdigest()


# --- shapes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAggregate:
    title: str
    answers: int
    shown: bool  # at least k answers to this item
    mean: Decimal | None  # points 0–100
    distribution: list[tuple[str, int]]
    comments: list[str]


@dataclass(frozen=True)
class SectionAggregate:
    title: str
    kind: str
    items: list[ItemAggregate]


@dataclass(frozen=True)
class AnonymousType:
    rater_type: str
    label: str
    asked: int
    submitted: int
    released: bool
    # why not released: "too_few" (fewer than k answers) or "phase_open"
    withheld: str
    sections: list[SectionAggregate] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NamedAnswer:
    title: str
    value: str
    comment: str


@dataclass(frozen=True)
class NamedRating:
    rater_type: str
    label: str
    rater_name: str
    status: str
    status_label: str
    sections: list[tuple[str, list[NamedAnswer]]]
    overall_comment: str


@dataclass(frozen=True)
class TypeState:
    """How far a rater type is: numbers only (for anonymous types never who)."""

    rater_type: str
    label: str
    anonymous: bool
    asked: int
    submitted: int
    declined: int


@dataclass(frozen=True)
class RatingsView:
    k: int
    anonymous: list[AnonymousType]
    named: list[NamedRating]
    states: list[TypeState]


# --- reading -------------------------------------------------------------------------------


def _scale(section: TemplateSection) -> RatingScale | None:
    try:
        return scale_from_data(section.scale) if section.scale else None
    except ScoringError:
        return None


def _parsed(scale: RatingScale | None, value: str) -> tuple[str, Decimal | None] | None:
    """The answer's label and points; None when blank or not valid on the scale."""
    text = value.strip()
    if not text:
        return None
    if scale is None:
        return text, None
    if isinstance(scale, YesNoScale):
        lowered = text.lower()
        if lowered not in _YES and lowered not in _NO:
            return None
        answer = lowered in _YES
        return ("yes" if answer else "no"), scale_points(scale, answer)
    try:
        return text, scale_points(scale, text)
    except ScoringError:
        return None


def _levels(scale: RatingScale | None, seen: Collection[str]) -> list[str]:
    """The answers a distribution lists, in the scale's order (every level, even unused)."""
    if isinstance(scale, LevelsScale):
        return list(scale.codes)
    if isinstance(scale, YesNoScale):
        return ["yes", "no"]
    if isinstance(scale, NumericScale):
        return sorted(seen, key=Decimal)
    return sorted(seen)


def _sections(review: Review) -> list[tuple[TemplateSection, list[TemplateItem]]]:
    sections = list(
        TemplateSection.objects.filter(template_id=review.template_id)
        .prefetch_related("items")
        .order_by("sort_order", "id")
    )
    return [(s, list(s.items.all())) for s in sections]


def _aggregate(
    review: Review,
    k: int,
    sections: Sequence[tuple[TemplateSection, list[TemplateItem]]],
    answers: Sequence[Answer],
    goal_titles: dict[int, str],
) -> list[SectionAggregate]:
    by_item: dict[int, list[Answer]] = defaultdict(list)
    by_goal: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.item_id is not None:
            by_item[answer.item_id].append(answer)
        elif answer.goal_id is not None:
            by_goal[answer.goal_id].append(answer)
    found: list[SectionAggregate] = []
    for section, items in sections:
        if section.kind not in SCORED_SECTIONS:
            continue
        scale = _scale(section)
        rows: list[tuple[str, list[Answer]]]
        if section.kind == SectionKind.TASKS:
            rows = [(goal_titles.get(g, ""), by_goal[g]) for g in sorted(by_goal)]
        else:
            rows = [(item.title, by_item.get(item.pk, [])) for item in items]
        aggregates = [
            aggregate
            for aggregate in (_item(review, k, scale, title, given) for title, given in rows)
            if aggregate.answers or aggregate.comments
        ]
        if aggregates:
            found.append(SectionAggregate(section.title, section.kind, aggregates))
    return found


def _item(
    review: Review, k: int, scale: RatingScale | None, title: str, given: Sequence[Answer]
) -> ItemAggregate:
    parsed = [(answer, _parsed(scale, answer.value)) for answer in given]
    valid = [(answer, p) for answer, p in parsed if p is not None]
    shown = len(valid) >= k
    counts: dict[str, int] = defaultdict(int)
    for _answer, (label, _points) in valid:
        counts[label] += 1
    points = [p for _a, (_l, p) in valid if p is not None]
    mean = exact_mean(points) if shown and points else None
    comments = sorted(
        (a for a in given if a.comment.strip()),
        key=lambda a: shuffle_key(review.pk, "answer", a.pk),
    )
    return ItemAggregate(
        title=title,
        answers=len(valid),
        shown=shown,
        mean=None if mean is None else exact_q2(mean),
        distribution=[(level, counts.get(level, 0)) for level in _levels(scale, counts)]
        if shown
        else [],
        comments=[a.comment.strip() for a in comments],
    )


def _named_sections(
    sections: Sequence[tuple[TemplateSection, list[TemplateItem]]],
    answers: Sequence[Answer],
    goal_titles: dict[int, str],
) -> list[tuple[str, list[NamedAnswer]]]:
    by_item = {a.item_id: a for a in answers if a.item_id is not None}
    by_goal = {a.goal_id: a for a in answers if a.goal_id is not None}
    found: list[tuple[str, list[NamedAnswer]]] = []
    for section, items in sections:
        rows: list[NamedAnswer] = []
        if section.kind == SectionKind.TASKS:
            for goal_id in sorted(by_goal):
                a = by_goal[goal_id]
                rows.append(NamedAnswer(goal_titles.get(goal_id, ""), a.value, a.comment))
        else:
            for item in items:
                found_answer = by_item.get(item.pk)
                if found_answer is not None and (found_answer.value or found_answer.comment):
                    rows.append(
                        NamedAnswer(item.title, _shown(found_answer.value), found_answer.comment)
                    )
        if rows:
            found.append((section.title, rows))
    return found


def _shown(value: str) -> str:
    """A yes/no answer in the reader's language; levels and numbers as they are."""
    words = {"yes": gettext("Yes"), "no": gettext("No")}
    return words.get(value.strip().lower(), value)


def review_ratings_view(principal: Principal, review: Review) -> RatingsView:
    """The ratings of a review as ``principal`` may see them (a fixed number of queries).

    The caller has checked ``access.can_see_aggregates`` / ``can_see_result``; named
    ratings are filtered here one by one with ``access.can_see_named_rating``.
    """
    k = anonymity_k()
    open_extensions = set(
        PhaseExtension.objects.filter(review=review, until__gte=_today()).values_list(
            "phase", flat=True
        )
    )
    ratings = list(
        Rating.objects.filter(review=review)
        .exclude(status__in=[RatingStatus.NOMINATED, RatingStatus.REJECTED])
        .order_by("rater_type", "id")
    )
    anonymous_types = {r.rater_type for r in ratings if r.anonymous}
    named_ids = [r.pk for r in ratings if not r.anonymous]
    raters = {
        r.pk: r.rater for r in Rating.objects.filter(pk__in=named_ids).select_related("rater")
    }
    submitted_ids = [r.pk for r in ratings if r.status == RatingStatus.SUBMITTED]
    answers = list(
        Answer.objects.filter(rating_id__in=submitted_ids).select_related("goal").order_by("id")
    )
    goal_titles = {a.goal_id: a.goal.title for a in answers if a.goal_id and a.goal is not None}
    sections = _sections(review)
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        answers_of[answer.rating_id].append(answer)

    labels = dict(RaterType.choices)
    states: list[TypeState] = []
    for kind in RaterType.values:
        of_type = [r for r in ratings if r.rater_type == kind]
        if not of_type:
            continue
        states.append(
            TypeState(
                rater_type=kind,
                label=str(labels[kind]),
                anonymous=kind in anonymous_types,
                asked=sum(1 for r in of_type if r.status in LIVE_RATING),
                submitted=sum(1 for r in of_type if r.status == RatingStatus.SUBMITTED),
                declined=sum(1 for r in of_type if r.status == RatingStatus.DECLINED),
            )
        )

    anonymous: list[AnonymousType] = []
    for kind in RaterType.values:
        if kind not in anonymous_types:
            continue
        of_type = [r for r in ratings if r.rater_type == kind and r.anonymous]
        done = [r for r in of_type if r.status == RatingStatus.SUBMITTED]
        asked = sum(1 for r in of_type if r.status in LIVE_RATING)
        withheld = ""
        if len(done) < k:
            withheld = "too_few"
        elif not anonymous_phase_over(review.cycle, kind, open_extensions):
            withheld = "phase_open"
        if withheld:
            anonymous.append(
                AnonymousType(kind, str(labels[kind]), asked, len(done), False, withheld)
            )
            continue
        given = [a for r in done for a in answers_of.get(r.pk, [])]
        overall = sorted(
            (r for r in done if r.overall_comment.strip()),
            key=lambda r: shuffle_key(review.pk, "rating", r.pk),
        )
        anonymous.append(
            AnonymousType(
                rater_type=kind,
                label=str(labels[kind]),
                asked=asked,
                submitted=len(done),
                released=True,
                withheld="",
                sections=_aggregate(review, k, sections, given, goal_titles),
                comments=[r.overall_comment.strip() for r in overall],
            )
        )

    named: list[NamedRating] = []
    for rating in ratings:
        if rating.anonymous or rating.status != RatingStatus.SUBMITTED:
            continue
        rating.review = review
        rating.rater = raters[rating.pk]
        if not access.can_see_named_rating(principal, rating):
            continue
        named.append(
            NamedRating(
                rater_type=rating.rater_type,
                label=str(labels.get(rating.rater_type, rating.rater_type)),
                rater_name=rating.rater.name,
                status=rating.status,
                status_label=rating.get_status_display(),
                sections=_named_sections(sections, answers_of.get(rating.pk, []), goal_titles),
                overall_comment=rating.overall_comment,
            )
        )
    return RatingsView(k=k, anonymous=anonymous, named=named, states=states)


def _today() -> dt.date:
    return timezone.localdate()


# --- identities (HR, logged) ---------------------------------------------------------------


@dataclass(frozen=True)
class IdentityRow:
    rater_type: str
    label: str
    rater_name: str
    rater_number: str
    status_label: str
    sections: list[tuple[str, list[NamedAnswer]]]
    overall_comment: str


def anonymous_identities(review: Review) -> list[IdentityRow]:
    """Who was asked for each anonymous rating and what they wrote. Only for the identity
    page, after the look was recorded with its reason."""
    ratings: QuerySet[Rating] = (
        Rating.objects.filter(review=review, anonymous=True)
        .select_related("rater")
        .order_by("rater_type", "rater__name", "id")
    )
    rows = list(ratings)
    answers = list(
        Answer.objects.filter(rating__in=rows, rating__status=RatingStatus.SUBMITTED)
        .select_related("goal")
        .order_by("id")
    )
    goal_titles = {a.goal_id: a.goal.title for a in answers if a.goal_id and a.goal is not None}
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        answers_of[answer.rating_id].append(answer)
    sections = _sections(review)
    labels = dict(RaterType.choices)
    return [
        IdentityRow(
            rater_type=r.rater_type,
            label=str(labels.get(r.rater_type, r.rater_type)),
            rater_name=r.rater.name,
            rater_number=r.rater.number,
            status_label=r.get_status_display(),
            sections=_named_sections(sections, answers_of.get(r.pk, []), goal_titles),
            overall_comment=r.overall_comment,
        )
        for r in rows
    ]
