"""Reads for the feedback pages and API, shaped so that a page issues the same number of
queries whatever the company's size. Every selector starts from an access function."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from pms.org.models import Department, Employee
from pms.org.roles import Principal

from . import access
from .anonymity import anonymity_min, released_count, window_label
from .models import Feedback, FeedbackKind, FeedbackRequest, Observation, RequestStatus

FEEDBACK_RELATED = ("giver__department", "receiver__department", "goal__period")
# the aggregate looks back two years of quarters
UPWARD_WINDOWS = 8


def _shaped(queryset: QuerySet[Feedback]) -> QuerySet[Feedback]:
    return queryset.select_related(*FEEDBACK_RELATED).order_by("-created_at", "-id")


def feedback_received(principal: Principal) -> QuerySet[Feedback]:
    return _shaped(access.received_by_me(principal))


def feedback_given(principal: Principal) -> QuerySet[Feedback]:
    return _shaped(access.given_by_me(principal))


def feedback_of_team(principal: Principal) -> QuerySet[Feedback]:
    return _shaped(access.team_feedback(principal))


def praise(principal: Principal) -> QuerySet[Feedback]:
    return _shaped(access.praise_wall(principal))


def requests_to_answer(principal: Principal) -> QuerySet[FeedbackRequest]:
    me = principal.employee
    return (
        access.requests_visible(principal)
        .filter(asked=me, status=RequestStatus.OPEN)
        .select_related("requester__department", "goal")
        .order_by("due_date", "-created_at", "-id")
    )


def requests_made(principal: Principal) -> QuerySet[FeedbackRequest]:
    me = principal.employee
    return (
        access.requests_visible(principal)
        .filter(requester=me)
        .select_related("asked__department", "goal", "answer")
        .order_by("-created_at", "-id")
    )


def people_search(principal: Principal, text: str, limit: int = 20) -> list[Employee]:
    """Colleagues whose name or number contains ``text`` (at most ``limit``)."""
    text = text.strip()
    if not text:
        return []
    return list(
        access.receivers_choosable(principal)
        .filter(Q(name__icontains=text) | Q(number__iexact=text))
        .select_related("department", "position")
        .order_by("name", "number")[:limit]
    )


# --- upward feedback ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnonymousComment:
    kind: str
    situation: str
    behaviour: str
    impact: str
    suggestion: str

    @property
    def kind_label(self) -> str:
        return str(FeedbackKind(self.kind).label)


@dataclass
class WindowSummary:
    """One quarter's anonymous upward feedback, as far as it may be shown."""

    window: str
    shown: int
    recognition: int = 0
    constructive: int = 0
    comments: list[AnonymousComment] = field(default_factory=list)

    @property
    def label(self) -> str:
        return window_label(self.window)


@dataclass
class UpwardSummary:
    k: int
    windows: list[WindowSummary]

    @property
    def shown(self) -> int:
        return sum(w.shown for w in self.windows)


def upward_summary(principal: Principal, manager: Employee) -> UpwardSummary:
    """Anonymous upward feedback about ``manager``, aggregated by quarter: counts by kind
    and the comments, shuffled, for whole groups of k items only (oldest first); nothing
    for a quarter with fewer than k. Two queries."""
    k = anonymity_min()
    items = access.anonymous_upward(principal, manager)
    counts = list(
        items.values("window")
        .annotate(n=Count("id"))
        .filter(n__gte=k)
        .order_by("-window")[:UPWARD_WINDOWS]
    )
    shown = {row["window"]: released_count(row["n"], k) for row in counts}
    rows = list(
        items.filter(window__in=list(shown))
        .order_by("window", "id")
        .values_list("window", "kind", "situation", "behaviour", "impact", "suggestion")
    )
    windows = {w: WindowSummary(window=w, shown=n) for w, n in shown.items()}
    for window, kind, situation, behaviour, impact, suggestion in rows:
        summary = windows[window]
        if len(summary.comments) >= summary.shown:
            continue  # waits for the group of k it will be shown with
        summary.comments.append(
            AnonymousComment(
                kind=kind,
                situation=situation,
                behaviour=behaviour,
                impact=impact,
                suggestion=suggestion,
            )
        )
        if kind == FeedbackKind.RECOGNITION:
            summary.recognition += 1
        else:
            summary.constructive += 1
    rng = random.SystemRandom()
    for summary in windows.values():
        rng.shuffle(summary.comments)
    return UpwardSummary(
        k=k, windows=sorted(windows.values(), key=lambda w: w.window, reverse=True)
    )


def upward_named(principal: Principal, manager: Employee) -> QuerySet[Feedback]:
    return _shaped(access.named_upward(principal, manager))


# --- observations and the 24-hour board --------------------------------------------------


def observations_of_manager(principal: Principal) -> QuerySet[Observation]:
    return (
        access.my_observations(principal)
        .select_related("report__department")
        .order_by("-observed_at", "-id")
    )


@dataclass(frozen=True)
class BoardFilter:
    since: dt.date
    until: dt.date
    department: Department | None = None


def board_rows(principal: Principal, chosen: BoardFilter) -> QuerySet[Any]:
    """Per manager: observations whose 24 hours are over in the chosen dates, how many had
    a conversation within 24 hours, and the share. Worst first. One aggregate query (plus
    the page's count)."""
    now = timezone.now()
    start = timezone.make_aware(dt.datetime.combine(chosen.since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(chosen.until + dt.timedelta(days=1), dt.time.min))
    observations = access.board_observations(principal).filter(
        observed_at__gte=start, observed_at__lt=end
    )
    if chosen.department is not None:
        observations = observations.filter(
            report__department__path__startswith=chosen.department.path
        )
    # still within its 24 hours and not talked about: neither met nor missed yet
    decided = Q(talked_at__isnull=False) | Q(due_at__lte=now)
    return (
        observations.filter(decided)
        .values(
            "manager_id",
            "manager__uuid",
            "manager__name",
            "manager__number",
            "manager__department__name",
        )
        .annotate(
            total=Count("id"),
            met=Count("id", filter=Q(talked_at__isnull=False, talked_at__lte=F("due_at"))),
        )
        .annotate(
            share=ExpressionWrapper(
                Cast("met", FloatField())
                * Value(100.0)
                / Coalesce(Cast("total", FloatField()), Value(1.0)),
                output_field=FloatField(),
            )
        )
        .order_by("share", "manager__name", "manager_id")
    )
