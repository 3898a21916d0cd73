"""Reads for the scorecard pages: a scorecard with its goals by section, the manager's
team, the approval inbox and HR's status board. Each takes the queryset ``pms.goals.access``
allows and shapes it, so a page issues the same number of queries whatever the size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Count,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.core.models import AuditEntry
from pms.goals.models import (
    Comment,
    Goal,
    GoalKind,
    Period,
    Scorecard,
    ScorecardStatus,
    Section,
    Signature,
    SignerRole,
)
from pms.goals.selectors.periods import chosen_period, current_period
from pms.goals.services.scorecards import scorecard_problems
from pms.goals.smart import SmartFinding, findings_for_goal
from pms.org.models import Department, Employee
from pms.org.selectors import HistoryEntry, board_rows, field_label, path_ids
from pms.scoring.scorecard import check_weights

HISTORY_LIMIT = 100

__all__ = ["chosen_period", "current_period"]  # re-exported for the scorecard pages

# --- periods -----------------------------------------------------------------------------


def previous_scorecard(employee: Employee, period: Period) -> Scorecard | None:
    """The person's scorecard of the latest earlier period, to copy forward."""
    return (
        Scorecard.objects.filter(employee=employee, period__start__lt=period.start)
        .select_related("period")
        .order_by("-period__start")
        .first()
    )


# --- one scorecard -----------------------------------------------------------------------


@dataclass
class GoalRow:
    goal: Goal
    findings: list[SmartFinding]
    key_results: list[GoalRow] = field(default_factory=list)


@dataclass
class SectionGroup:
    section: str
    label: Promise | str
    rows: list[GoalRow]
    weight: Decimal


@dataclass
class ScorecardView:
    scorecard: Scorecard
    sections: list[SectionGroup]
    goals: list[Goal]
    total_weight: Decimal
    weights_ok: bool
    problems: list[str]
    signatures: dict[str, Signature]


def scorecard_goals(scorecard: Scorecard) -> list[Goal]:
    """The goals in force, with what their rows show (indicator, aligned-to goal)."""
    return list(
        scorecard.goals.filter(is_active=True)
        .select_related("indicator", "parent__department", "parent__employee")
        .order_by("sort_order", "id")
    )


def group_goals(goals: list[Goal], period: Period) -> list[SectionGroup]:
    """Goals by section in the sections' order; key results under their objective."""
    labels = dict(Section.choices)
    rows: dict[int, GoalRow] = {}
    by_section: dict[str, list[GoalRow]] = defaultdict(list)
    for goal in goals:
        if goal.kind == GoalKind.KEY_RESULT:
            continue
        row = GoalRow(goal=goal, findings=findings_for_goal(goal, period))
        rows[goal.pk] = row
        by_section[goal.section].append(row)
    for goal in goals:
        if goal.kind != GoalKind.KEY_RESULT:
            continue
        row = GoalRow(goal=goal, findings=findings_for_goal(goal, period))
        parent = rows.get(goal.parent_id or 0)
        if parent is not None:
            parent.key_results.append(row)
        else:  # an objective switched off by an adjustment: show the key result alone
            by_section[goal.section].append(row)
    order = [value for value, _label in Section.choices]
    return [
        SectionGroup(
            section=section,
            label=labels.get(section, section),
            rows=by_section[section],
            weight=sum(
                (
                    r.goal.weight or Decimal(0)
                    for r in by_section[section]
                    if r.goal.kind != GoalKind.KEY_RESULT
                ),
                Decimal(0),
            ),
        )
        for section in sorted(by_section, key=lambda s: order.index(s) if s in order else 99)
    ]


def scorecard_view(scorecard: Scorecard) -> ScorecardView:
    """Everything the scorecard page shows about the goals (two queries)."""
    goals = scorecard_goals(scorecard)
    top = [g.weight for g in goals if g.kind != GoalKind.KEY_RESULT and g.weight is not None]
    weights = check_weights(top)
    signatures = {s.role: s for s in scorecard.signatures.filter(version=scorecard.version)}
    return ScorecardView(
        scorecard=scorecard,
        sections=group_goals(goals, scorecard.period),
        goals=goals,
        total_weight=weights.total,
        weights_ok=weights.ok,
        problems=[] if scorecard.is_agreed else scorecard_problems(scorecard, goals),
        signatures=signatures,
    )


def scorecard_comments(scorecard: Scorecard) -> QuerySet[Comment]:
    return scorecard.comments.select_related("author", "indicator", "goal").order_by(
        "created_at", "id"
    )


def _display_value(model: Any, name: str, value: Any) -> Any:
    """A stored choice value ("submitted") shown as its translated label."""
    try:
        choices = getattr(model._meta.get_field(name), "flatchoices", None)
    except FieldDoesNotExist:
        return value
    if not choices or value is None or isinstance(value, list | dict):
        return value
    return dict(choices).get(value, value)


@dataclass(frozen=True)
class ScorecardHistoryEntry(HistoryEntry):
    """An audit entry of the scorecard or one of its goals, with what it is about."""

    subject: str = ""


def scorecard_history(scorecard: Scorecard, goals: Iterable[Goal]) -> list[ScorecardHistoryEntry]:
    """The latest entries about the scorecard and its goals, newest first (one query)."""
    goal_ids = [str(goal.pk) for goal in goals]
    entries = AuditEntry.objects.filter(
        Q(object_type=Scorecard._meta.label_lower, object_id=str(scorecard.pk))
        | Q(object_type=Goal._meta.label_lower, object_id__in=goal_ids)
    ).order_by("-at", "-id")[:HISTORY_LIMIT]
    result = []
    for entry in entries:
        model: Any = Scorecard if entry.object_type == Scorecard._meta.label_lower else Goal
        result.append(
            ScorecardHistoryEntry(
                entry=entry,
                changes=[
                    (
                        field_label(model, name),
                        _display_value(model, name, before),
                        _display_value(model, name, after),
                    )
                    for name, before, after in entry.changes
                ],
                subject="" if model is Scorecard else entry.object_repr,
            )
        )
    return result


# --- the manager's team ------------------------------------------------------------------

NO_SCORECARD = "none"
BEHIND = "behind"
STATUS_FILTERS: list[tuple[str, Promise]] = [
    (NO_SCORECARD, _("No scorecard")),
    (ScorecardStatus.DRAFT, _("Draft")),
    (ScorecardStatus.SUBMITTED, _("Submitted")),
    (ScorecardStatus.RETURNED, _("Returned")),
    (ScorecardStatus.APPROVED, _("Awaiting signatures")),
    (ScorecardStatus.SIGNED, _("Signed")),
    (BEHIND, _("Not signed yet")),
]


def _card_status_subquery(period: Period) -> Subquery:
    return Subquery(
        Scorecard.objects.filter(period=period, employee=OuterRef("pk")).values("status")[:1]
    )


def _filter_by_card_status(people: QuerySet[Employee], status: str) -> QuerySet[Employee]:
    """``people`` must be annotated with ``card_status`` (``_card_status_subquery``)."""
    if status == NO_SCORECARD:
        return people.filter(Q(card_status__isnull=True))
    if status == BEHIND:
        return people.filter(Q(card_status__isnull=True) | ~Q(card_status=ScorecardStatus.SIGNED))
    if status in ScorecardStatus.values:
        return people.filter(Q(card_status=status))
    return people


def team_people(
    members: QuerySet[Employee], period: Period, *, status: str = "", direct_of: Employee | None
) -> QuerySet[Employee]:
    """The team, each person annotated with their scorecard's status for ``period``
    (``card_status``, None without one); ``direct_of`` keeps only that manager's direct
    reports."""
    people = members.select_related("department", "position", "manager").annotate(
        card_status=_card_status_subquery(period)
    )
    if direct_of is not None:
        people = people.filter(manager=direct_of)
    return _filter_by_card_status(people, status).order_by("department__path", "number")


@dataclass(frozen=True)
class CardSummary:
    uuid: Any
    status: str
    status_label: str
    goals: int
    total_weight: Decimal
    signed: bool
    reminded_at: dt.datetime | None


def card_summaries(people: Iterable[Employee], period: Period) -> dict[int, CardSummary]:
    """The scorecard of each of these people for ``period`` with its goal count and total
    weight (one query)."""
    top = Q(goals__is_active=True) & ~Q(goals__kind=GoalKind.KEY_RESULT)
    cards = (
        Scorecard.objects.filter(period=period, employee__in=[p.pk for p in people])
        .annotate(
            goal_count=Count("goals", filter=top),
            weight_total=Coalesce(Sum("goals__weight", filter=top), Decimal(0)),
        )
        .order_by()
    )
    labels = dict(ScorecardStatus.choices)
    return {
        card.employee_id: CardSummary(
            uuid=card.uuid,
            status=card.status,
            status_label=str(labels.get(card.status, card.status)),
            goals=card.goal_count,
            total_weight=card.weight_total,
            signed=card.status == ScorecardStatus.SIGNED,
            reminded_at=card.reminded_at,
        )
        for card in cards
    }


# --- the approval inbox ------------------------------------------------------------------


def inbox_scorecards(awaiting: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """Submitted scorecards to approve, oldest first, with what the rows show."""
    top = Q(goals__is_active=True) & ~Q(goals__kind=GoalKind.KEY_RESULT)
    return (
        awaiting.select_related("employee__department", "employee__manager", "period")
        .annotate(
            goal_count=Count("goals", filter=top),
            weight_total=Coalesce(Sum("goals__weight", filter=top), Decimal(0)),
        )
        .order_by("submitted_at", "id")
    )


def inbox_letters(awaiting: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """Approved letters to sign, with the signatures already given for this edition."""
    return (
        awaiting.select_related("employee__department", "employee__manager", "period")
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=Signature.objects.order_by("version", "role"),
                to_attr="all_signatures",
            )
        )
        .order_by("approved_at", "id")
    )


def signed_roles(card: Scorecard) -> set[str]:
    """Roles that signed the current edition (from ``inbox_letters``' prefetch)."""
    return {
        s.role
        for s in getattr(card, "all_signatures", [])
        if s.version == card.version and s.role in SignerRole.values
    }


# --- HR's status board -------------------------------------------------------------------

COUNTED = (
    ScorecardStatus.DRAFT,
    ScorecardStatus.SUBMITTED,
    ScorecardStatus.RETURNED,
    ScorecardStatus.APPROVED,
    ScorecardStatus.SIGNED,
)


@dataclass
class StatusCounts:
    people: int = 0
    draft: int = 0
    submitted: int = 0
    returned: int = 0
    approved: int = 0
    signed: int = 0

    @property
    def with_scorecard(self) -> int:
        return self.draft + self.submitted + self.returned + self.approved + self.signed

    @property
    def none(self) -> int:
        return self.people - self.with_scorecard

    @property
    def behind(self) -> int:
        return self.people - self.signed

    @property
    def signed_percent(self) -> int:
        return round(self.signed * 100 / self.people) if self.people else 0

    def add(self, other: StatusCounts) -> None:
        for name in ("people", *COUNTED):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StatusRow:
    department: Department
    counts: StatusCounts
    has_children: bool
    direct_only: bool = False  # the people placed directly in the department, not below


@dataclass
class StatusBoard:
    focus: Department | None
    total: StatusCounts
    rows: list[StatusRow]


def _counts_by_department(
    people: QuerySet[Employee], period: Period
) -> tuple[dict[int, StatusCounts], dict[int, StatusCounts]]:
    """Direct and subtree counts per department: one grouped query, rolled up in Python
    along each department's path (so the cost does not grow with the tree)."""
    card = FilteredRelation("scorecards", condition=Q(scorecards__period=period))
    grouped = (
        people.annotate(card=card)
        .values("department_id", "department__path")
        .annotate(
            n=Count("id"),
            **{status: Count("card__id", filter=Q(card__status=status)) for status in COUNTED},
        )
        .order_by()
    )
    direct: dict[int, StatusCounts] = {}
    total: dict[int, StatusCounts] = defaultdict(StatusCounts)
    for values in grouped:
        row: dict[str, Any] = dict(values)
        counts = StatusCounts(people=row["n"], **{s: row[s] for s in COUNTED})
        direct[row["department_id"]] = counts
        for department_id in path_ids(row["department__path"]):
            total[department_id].add(counts)
    return direct, total


def status_board(
    people: QuerySet[Employee],
    departments: QuerySet[Department],
    period: Period,
    *,
    focus: Department | None,
    roots: tuple[str, ...],
) -> StatusBoard:
    """Counts for ``focus`` and each department right below it (or, without a focus, for
    the top departments the user's scope starts from). Two queries."""
    direct, total = _counts_by_department(people, period)
    shown, has_children = board_rows(departments, focus=focus, roots=roots)
    rows = [
        StatusRow(
            department=department,
            counts=total.get(department.pk, StatusCounts()),
            has_children=department.pk in has_children,
        )
        for department in shown
    ]
    if focus is not None:
        summary = total.get(focus.pk, StatusCounts())
        here = direct.get(focus.pk)
        if here is not None and here.people:
            rows.insert(
                0, StatusRow(department=focus, counts=here, has_children=False, direct_only=True)
            )
    else:
        summary = StatusCounts()
        for row in rows:
            summary.add(row.counts)
    return StatusBoard(focus=focus, total=summary, rows=rows)


def status_people(
    people: QuerySet[Employee],
    period: Period,
    *,
    department: Department | None,
    status: str,
    direct_only: bool = False,
) -> QuerySet[Employee]:
    """The people behind a figure on the board, with their scorecard's status."""
    if department is not None:
        if direct_only:
            people = people.filter(department=department)
        else:
            people = people.filter(department__path__startswith=department.path)
    people = people.select_related("department", "manager").annotate(
        card_status=_card_status_subquery(period)
    )
    return _filter_by_card_status(people, status).order_by("department__path", "number")


def status_label(status: str | None) -> str:
    if status is None:
        return str(dict(STATUS_FILTERS)[NO_SCORECARD])
    return str(dict(ScorecardStatus.choices).get(status, status))
