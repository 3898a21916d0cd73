"""Reads for goal adjustments and goal versions: an adjustment with its diff in words, the
approval inbox, a goal's version history, a scorecard's timeline, and the versions in force
over a stretch of the period (what scoring computes against, part by part).

Each is shaped so a page issues the same number of queries whatever the size of the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.goals import access
from pms.goals.models import (
    AdjustmentDecision,
    AdjustmentStatus,
    Comment,
    DecisionStep,
    Direction,
    Goal,
    GoalAdjustment,
    GoalKind,
    GoalVersion,
    Period,
    Scorecard,
    Section,
)
from pms.goals.rules import describe_rule
from pms.org.roles import Principal
from pms.scoring.decimals import normalized
from pms.scoring.steps import Step
from pms.scoring.versions import Segment, prorate, split_period

OP_LABELS = {
    "change": gettext_lazy("Change"),
    "remove": gettext_lazy("Remove"),
    "add": gettext_lazy("Add"),
}
# the terms a history shows, in this order (GoalVersion.terms holds them)
HISTORY_TERMS = ("title", "weight", "target", "target_max", "unit", "due_date", "scoring_rule")
CHOICES: dict[str, Any] = {"direction": Direction, "kind": GoalKind, "section": Section}


# --- values in words ---------------------------------------------------------------------


def term_label(name: str) -> str:
    if name == "is_active":
        return _("in force")
    return str(cast("models.Field[Any, Any]", Goal._meta.get_field(name)).verbose_name)


def term_display(name: str, value: Any) -> str:
    """A stored term (a JSON value) as a person reads it."""
    if value is None or value == "":
        return "—"
    if name == "is_active":
        return _("in force") if value else _("removed")
    if name == "scoring_rule" and isinstance(value, Mapping):
        return describe_rule(value)
    if name in CHOICES:
        try:
            return str(CHOICES[name](value).label)
        except ValueError:
            return str(value)
    if name in ("weight", "target", "target_max", "baseline"):
        try:
            number = normalized(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
        return f"{number}%" if name == "weight" else number
    return str(value)


# --- an adjustment -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class DiffRow:
    """One goal's part of an adjustment, in words."""

    op: str
    op_label: str
    title: str
    goal: Goal | None
    fields: list[FieldChange]
    change: Decimal | None
    beyond_limit: bool


@dataclass(frozen=True)
class StepState:
    step: str
    label: str
    decision: AdjustmentDecision | None
    waiting: bool


@dataclass(frozen=True)
class AdjustmentDetail:
    adjustment: GoalAdjustment
    subject: str
    period: Period
    rows: list[DiffRow]
    steps: list[StepState]
    decisions: list[AdjustmentDecision]
    comments: list[Comment]
    limit: Decimal
    deciders: frozenset[int] = field(default_factory=frozenset)


def _goals_by_uuid(uuids: Iterable[str]) -> dict[str, Goal]:
    wanted = {u for u in uuids if u}
    if not wanted:
        return {}
    return {str(g.uuid): g for g in Goal.objects.filter(uuid__in=wanted)}


def _changes_uuids(adjustment: GoalAdjustment) -> list[str]:
    return [str(c["goal"]) for c in adjustment.changes if c.get("goal")]


def diff_rows(adjustment: GoalAdjustment, goals: Mapping[str, Goal] | None = None) -> list[DiffRow]:
    """The stored diff with goal titles and values in words (one query for the goals,
    none when ``goals`` is given)."""
    if goals is None:
        goals = _goals_by_uuid(_changes_uuids(adjustment))
    rows: list[DiffRow] = []
    for entry in adjustment.changes:
        goal = goals.get(str(entry.get("goal")))
        fields = entry.get("fields", {})
        op = str(entry.get("op", ""))
        shown = [] if op == "remove" else list(fields.items())
        change = entry.get("change")
        rows.append(
            DiffRow(
                op=op,
                op_label=str(OP_LABELS.get(op, op)),
                title=str(entry.get("title") or (goal.title if goal else "")),
                goal=goal,
                fields=[
                    FieldChange(
                        name=name,
                        label=term_label(name),
                        before=term_display(name, before),
                        after=term_display(name, after),
                    )
                    for name, (before, after) in shown
                ],
                change=Decimal(str(change)) if change is not None else None,
                beyond_limit=bool(entry.get("beyond_limit")),
            )
        )
    return rows


def _steps(adjustment: GoalAdjustment, decisions: Sequence[AdjustmentDecision]) -> list[StepState]:
    by_step = {d.step: d for d in decisions}
    wanted = [DecisionStep.MANAGER, DecisionStep.HR]
    if adjustment.needs_committee:
        wanted.append(DecisionStep.COMMITTEE)
    return [
        StepState(
            step=step.value,
            label=str(step.label),
            decision=by_step.get(step.value),
            waiting=adjustment.status == step.value,
        )
        for step in wanted
    ]


def adjustment_subject(adjustment: GoalAdjustment) -> str:
    if adjustment.scorecard is not None:
        return f"{adjustment.scorecard.employee.name} · {adjustment.scorecard.period.name}"
    goal = adjustment.goal
    if goal is None:
        return ""
    owner = goal.department.name if goal.department is not None else _("Company")
    return f"{goal.title} · {owner}"


def adjustment_detail(adjustment: GoalAdjustment) -> AdjustmentDetail:
    """Everything the adjustment page shows. Expects the adjustment from
    ``access.access_adjustment`` (subject already joined)."""
    decisions = list(adjustment.decisions.select_related("decided_by").order_by("created_at"))
    comments = list(adjustment.comments.select_related("author").order_by("created_at", "id"))
    if adjustment.scorecard is not None:
        period = adjustment.scorecard.period
    else:
        assert adjustment.goal is not None  # noqa: S101 (the model's check constraint)
        period = adjustment.goal.period
    return AdjustmentDetail(
        adjustment=adjustment,
        subject=adjustment_subject(adjustment),
        period=period,
        rows=diff_rows(adjustment),
        steps=_steps(adjustment, decisions),
        decisions=decisions,
        comments=comments,
        limit=period.adjustment_limit,
        deciders=frozenset({adjustment.requested_by_id, *(d.decided_by_id for d in decisions)}),
    )


def adjustment_deciders(adjustment: GoalAdjustment) -> frozenset[int]:
    """The requester and everyone who decided a step (user ids)."""
    decided = adjustment.decisions.values_list("decided_by_id", flat=True)
    return frozenset({adjustment.requested_by_id, *decided})


def shaped(adjustments: QuerySet[GoalAdjustment]) -> QuerySet[GoalAdjustment]:
    """What a list row shows: subject, period, requester — joined, not fetched per row."""
    return adjustments.select_related(
        "scorecard__employee__department",
        "scorecard__period",
        "goal__department",
        "goal__period",
        "requested_by",
    )


def adjustment_inbox(principal: Principal) -> QuerySet[GoalAdjustment]:
    """Adjustments waiting for this user's decision, oldest first."""
    return shaped(access.adjustments_awaiting(principal)).order_by("created_at", "id")


def adjustment_requests_of(principal: Principal) -> QuerySet[GoalAdjustment]:
    """What this user asked for, newest first."""
    if principal.user is None:
        return GoalAdjustment.objects.none()
    return shaped(
        access.adjustments_visible(principal).filter(requested_by=principal.user)
    ).order_by("-created_at", "-id")


def adjustment_list(
    visible: QuerySet[GoalAdjustment],
    *,
    status: str | None = None,
    period: Period | None = None,
) -> QuerySet[GoalAdjustment]:
    adjustments = shaped(visible)
    if status:
        adjustments = adjustments.filter(status=status)
    if period is not None:
        adjustments = adjustments.filter(Q(scorecard__period=period) | Q(goal__period=period))
    return adjustments.order_by("-created_at", "-id")


def open_statuses() -> tuple[str, ...]:
    return (
        AdjustmentStatus.PENDING_MANAGER,
        AdjustmentStatus.PENDING_HR,
        AdjustmentStatus.PENDING_COMMITTEE,
    )


# --- versions ----------------------------------------------------------------------------


def version_on(versions: Sequence[GoalVersion], day: dt.date) -> GoalVersion | None:
    """The version in force on ``day`` among a goal's versions."""
    for version in versions:
        if version.valid_from <= day and (version.valid_to is None or day <= version.valid_to):
            return version
    return None


@dataclass(frozen=True)
class VersionRow:
    """One version of a goal for the history: its terms in words, which of them the
    adjustment changed, and the adjustment with its reason."""

    version: GoalVersion
    terms: list[tuple[str, str, bool]]  # label, value, changed from the previous version
    adjustment: GoalAdjustment | None
    removed: bool


def _version_rows(versions: Sequence[GoalVersion]) -> list[VersionRow]:
    rows: list[VersionRow] = []
    previous: Mapping[str, Any] | None = None
    for version in versions:
        terms = version.terms
        rows.append(
            VersionRow(
                version=version,
                terms=[
                    (
                        term_label(name),
                        term_display(name, terms.get(name)),
                        previous is not None and previous.get(name) != terms.get(name),
                    )
                    for name in HISTORY_TERMS
                ],
                adjustment=version.adjustment,
                removed=terms.get("is_active") is False,
            )
        )
        previous = terms
    return rows


def _versions_queryset() -> QuerySet[GoalVersion]:
    return GoalVersion.objects.select_related("adjustment__requested_by").order_by("number")


def goal_versions(goal: Goal) -> QuerySet[GoalVersion]:
    """A goal's versions, oldest first, with the adjustment that made each."""
    return _versions_queryset().filter(goal=goal)


def goal_history(goal: Goal) -> list[VersionRow]:
    """A goal's versions, oldest first, each with the adjustment that made it (one query)."""
    return _version_rows(list(_versions_queryset().filter(goal=goal)))


@dataclass(frozen=True)
class GoalTimeline:
    goal: Goal
    rows: list[VersionRow]


def scorecard_timeline(scorecard: Scorecard) -> list[GoalTimeline]:
    """Every goal ever agreed on the scorecard (removed ones too) with its versions."""
    goals = scorecard.goals.order_by("sort_order", "id").prefetch_related(
        Prefetch("versions", queryset=_versions_queryset())
    )
    return [GoalTimeline(goal=g, rows=_version_rows(list(g.versions.all()))) for g in goals]


# --- versions in force over a stretch (for scoring) --------------------------------------


@dataclass(frozen=True)
class VersionSegment:
    """A stretch of days (both ends inclusive) with the version in force throughout."""

    start: dt.date
    end: dt.date
    version: GoalVersion

    @property
    def number(self) -> int:
        return self.version.number

    @property
    def terms(self) -> Mapping[str, Any]:
        return self.version.terms  # type: ignore[no-any-return]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def active(self) -> bool:
        return self.terms.get("is_active", True) is not False


def goal_versions_in_force(
    goal: Goal,
    start: dt.date,
    end: dt.date,
    *,
    versions: Sequence[GoalVersion] | None = None,
    include_removed: bool = False,
) -> list[VersionSegment]:
    """[start, end] cut where a new version takes effect, each piece with its version.

    Days before the goal's first version (a goal added during the period) have no
    segment, and neither have days after its removal unless ``include_removed``. Pass
    ``versions`` (e.g. prefetched, ordered by number) to score many goals without a query
    each.
    """
    history = sorted(
        versions if versions is not None else goal.versions.all(), key=lambda v: v.number
    )
    segments: list[VersionSegment] = []
    for piece_start, piece_end in split_period(start, end, [v.valid_from for v in history]):
        version = version_on(history, piece_start)
        if version is None:
            continue
        last = min(piece_end, version.valid_to) if version.valid_to else piece_end
        segment = VersionSegment(piece_start, last, version)
        if segment.active or include_removed:
            segments.append(segment)
    return segments


def score_over_versions(
    segments: Sequence[VersionSegment], scores: Sequence[Decimal | None]
) -> tuple[Decimal | None, tuple[Step, ...]]:
    """The goal's score for the stretch: each version's score (computed by the caller
    against that version's terms) weighted by its days (``pms.scoring.versions.prorate``)."""
    if len(segments) != len(scores):
        raise ValueError("one score per segment")
    return prorate(
        [
            Segment(start=s.start, end=s.end, score=score, label=f"v{s.number}")
            for s, score in zip(segments, scores, strict=True)
        ]
    )
