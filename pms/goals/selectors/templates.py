"""Reads for the template pages and for applying a template: every selector takes what the
access functions allow and returns it shaped, so a page runs a fixed number of queries
whatever the number of templates, items, runs or people."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from pms.goals.models import (
    AGREED_SCORECARD,
    Goal,
    Period,
    Scorecard,
    ScorecardTemplate,
    TemplateItem,
    TemplateRun,
)
from pms.org.models import CURRENT_STATUSES, Department, Employee, Position, RoleFamily

RECENT_RUNS = 5


def _count_of(queryset: QuerySet[Scorecard] | QuerySet[Goal], field: str) -> Subquery:
    """A correlated COUNT as a subquery, so several counts do not multiply each other."""
    counted = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Subquery(counted, output_field=IntegerField())


def template_list(visible: QuerySet[ScorecardTemplate]) -> QuerySet[ScorecardTemplate]:
    """Templates with their number of goals, total weight and how many scorecards use them."""
    return (
        visible.select_related("role_family", "position")
        .annotate(
            item_count=Count("items"),
            total_weight=Coalesce(
                Sum("items__weight"),
                Decimal(0),
                output_field=DecimalField(max_digits=7, decimal_places=2),
            ),
            scorecard_count=Coalesce(
                _count_of(Scorecard.objects.filter(template=OuterRef("pk")), "template"), 0
            ),
        )
        .order_by("name")
    )


def template_items(template: ScorecardTemplate) -> QuerySet[TemplateItem]:
    """A template's goals in order, each with how many scorecards carry it unchanged."""
    return (
        TemplateItem.objects.filter(template=template)
        .select_related("indicator")
        .annotate(
            goal_count=Coalesce(
                _count_of(Goal.objects.filter(template_item=OuterRef("pk")), "template_item"), 0
            )
        )
        .order_by("sort_order", "id")
    )


def template_runs(visible: QuerySet[TemplateRun]) -> QuerySet[TemplateRun]:
    return visible.select_related(
        "template", "period", "department", "role_family", "position", "created_by"
    ).order_by("-created_at", "-id")


def template_recent_runs(
    visible: QuerySet[TemplateRun], template: ScorecardTemplate
) -> list[TemplateRun]:
    return list(template_runs(visible).filter(template=template)[:RECENT_RUNS])


def template_group_people(
    people_in_scope: QuerySet[Employee],
    *,
    department: Department | None = None,
    role_family: RoleFamily | None = None,
    position: Position | None = None,
) -> QuerySet[Employee]:
    """Current employees of the group (a department with its sub-departments, a role
    family, a position; several narrow each other) among the people in scope."""
    people = people_in_scope.filter(status__in=CURRENT_STATUSES)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    if role_family is not None:
        people = people.filter(position__role_family=role_family)
    if position is not None:
        people = people.filter(position=position)
    return people


@dataclass(frozen=True)
class Reach:
    """Whom applying a template would reach: everyone counted, of whom ``agreed`` already
    have an agreed scorecard (skipped) and ``existing`` have one not yet agreed."""

    people: int
    existing: int
    agreed: int

    @property
    def new(self) -> int:
        return self.people - self.existing - self.agreed


def template_reach(people: QuerySet[Employee], period: Period) -> Reach:
    """Counts for the "apply" form (two queries whatever the size of the group)."""
    total = people.count()
    if not total:
        return Reach(people=0, existing=0, agreed=0)
    cards = Scorecard.objects.filter(period=period, employee__in=people.values("pk"))
    counts = cards.order_by().values("status").annotate(n=Count("pk"))
    existing = agreed = 0
    for row in counts:
        if row["status"] in AGREED_SCORECARD:
            agreed += row["n"]
        else:
            existing += row["n"]
    return Reach(people=total, existing=existing, agreed=agreed)
