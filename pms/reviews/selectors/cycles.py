"""Reads for the cycle pages: the list, one cycle's phases and counts, the participants'
preview before launch, and a launch's progress.

The preview works on sets (``services.participation``): counts by department, role family,
template and reason are grouped by the database, and the lists are paged, so it costs the
same dozen queries for ten people or a hundred thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pms.core.models import AuditEntry
from pms.org.models import Department, Employee, RoleFamily
from pms.org.selectors import path_ids
from pms.reviews.models import (
    PHASE_ORDER,
    Cycle,
    CyclePhase,
    CycleStatus,
    Review,
    ReviewStatus,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.services.launch import is_launching, problems_from
from pms.reviews.services.participation import (
    REASONS,
    Conditions,
    TemplateChoice,
    conditions,
    left_out,
    participants,
    template_choice,
)

# --- list and detail --------------------------------------------------------------------------


def cycle_list(visible: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Cycles with their goal period and the number of people in them."""
    return (
        visible.select_related("period", "default_template")
        .annotate(n_reviews=Count("reviews", filter=~Q(reviews__status=ReviewStatus.REMOVED)))
        .order_by("-start", "name")
    )


def cycle_phases(cycle: Cycle) -> list[CyclePhase]:
    rows = list(CyclePhase.objects.filter(cycle=cycle))
    return sorted(rows, key=lambda row: PHASE_ORDER.index(row.phase))


@dataclass
class CycleCounts:
    active: int = 0
    complete: int = 0
    removed: int = 0

    @property
    def taking_part(self) -> int:
        return self.active + self.complete


def cycle_counts(cycle: Cycle) -> CycleCounts:
    """Reviews by status: one grouped query."""
    counts = CycleCounts()
    for status, n in (
        Review.objects.filter(cycle=cycle)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("status", "n")
    ):
        if status == ReviewStatus.ACTIVE:
            counts.active = n
        elif status == ReviewStatus.COMPLETE:
            counts.complete = n
        elif status == ReviewStatus.REMOVED:
            counts.removed = n
    return counts


def cycle_reviews(reviews: QuerySet[Review], *, search: str = "") -> QuerySet[Review]:
    """The people of a cycle (those a user's scope covers), for HR's list."""
    if search:
        reviews = reviews.filter(
            Q(employee__number__iexact=search) | Q(employee__name__icontains=search)
        )
    return reviews.select_related("employee", "department", "template", "manager").order_by(
        "department__path", "employee__number", "pk"
    )


# --- preview ----------------------------------------------------------------------------------


@dataclass
class CountRow:
    label: str | Promise
    count: int
    depth: int = 0


@dataclass
class Preview:
    total: int = 0
    left_out: int = 0
    without_template: int = 0
    without_manager: int = 0
    by_department: list[CountRow] = field(default_factory=list)
    by_family: list[CountRow] = field(default_factory=list)
    by_template: list[CountRow] = field(default_factory=list)
    by_reason: list[CountRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def participants_preview(
    cycle: Cycle, cond: Conditions | None = None, choice: TemplateChoice | None = None
) -> Preview:
    """Who would take part: counts by department (subtrees, two levels from where the rules
    start), role family, template and reason left out, and the problems stopping a launch."""
    cond = cond or conditions(cycle)
    choice = choice or template_choice(cycle)
    people = participants(cycle, cond)
    preview = Preview()
    by_position = list(
        people.values("position_id", "position__role_family_id").annotate(n=Count("pk")).order_by()
    )
    preview.total = sum(row["n"] for row in by_position)
    _families(preview, by_position)
    _templates(preview, by_position, choice)
    if preview.total:
        _departments(preview, people, cycle)
        preview.without_manager = people.filter(manager__isnull=True).count()
    # "reason" is the annotation ``left_out`` adds (the stubs do not see it)
    reasons = left_out(cycle, cond).values("reason")  # type: ignore[misc]
    for row in sorted(reasons.annotate(n=Count("pk")).order_by(), key=lambda r: r["reason"]):
        preview.left_out += row["n"]
        preview.by_reason.append(
            CountRow(label=REASONS.get(row["reason"], row["reason"]), count=row["n"])
        )
    preview.problems = problems_from(
        cycle, participants_count=preview.total, without_template=preview.without_template
    )
    return preview


def _families(preview: Preview, by_position: Sequence[Mapping[str, Any]]) -> None:
    counts: dict[int | None, int] = defaultdict(int)
    for row in by_position:
        counts[row["position__role_family_id"]] += int(row["n"] or 0)
    names = dict(
        RoleFamily.objects.filter(pk__in=[k for k in counts if k is not None]).values_list(
            "pk", "name"
        )
    )
    for family_id, n in sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1])):
        label = names.get(family_id, "") if family_id is not None else _("No position")
        preview.by_family.append(CountRow(label=label, count=n))


def _templates(
    preview: Preview, by_position: Sequence[Mapping[str, Any]], choice: TemplateChoice
) -> None:
    counts: dict[int, int] = defaultdict(int)
    labels: dict[int, str] = {}
    for row in by_position:
        template = choice.for_person(row["position_id"], row["position__role_family_id"])
        n = int(row["n"] or 0)
        if template is None:
            preview.without_template += n
            continue
        counts[template.pk] += n
        labels[template.pk] = str(template)
    for template_id, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        preview.by_template.append(CountRow(label=labels[template_id], count=n))


def _departments(preview: Preview, people: QuerySet[Employee], cycle: Cycle) -> None:
    rows = people.values("department_id", "department__path").annotate(n=Count("pk")).order_by()
    totals: dict[int, int] = defaultdict(int)
    for row in rows:
        for above in path_ids(row["department__path"]):
            totals[above] += row["n"]
    start_ids = [d for d in (cycle.rules or {}).get("departments", []) if isinstance(d, int)]
    depths = {pk: len(path_ids(path)) - 1 for pk, path in _paths(start_ids)}
    base = min(depths.values()) if depths else 0
    shown = Department.objects.filter(pk__in=list(totals), depth__gte=base, depth__lte=base + 1)
    for department in shown.order_by("path").only("pk", "name", "depth", "path"):
        preview.by_department.append(
            CountRow(
                label=department.name, count=totals[department.pk], depth=department.depth - base
            )
        )


def _paths(ids: Iterable[int]) -> list[tuple[int, str]]:
    ids = list(ids)
    if not ids:
        return []
    return list(Department.objects.filter(pk__in=ids).values_list("pk", "path"))


def preview_people(cycle: Cycle, cond: Conditions | None = None) -> QuerySet[Employee]:
    """The participants, to page through."""
    return (
        participants(cycle, cond)
        .select_related("department", "position__role_family", "manager")
        .order_by("department__path", "number", "pk")
    )


def preview_left_out(cycle: Cycle, cond: Conditions | None = None) -> QuerySet[Employee]:
    """The people left out with their reason, to page through."""
    return (
        left_out(cycle, cond)
        .select_related("department", "position")
        .order_by("department__path", "number", "pk")
    )


def preview_without_template(cycle: Cycle, choice: TemplateChoice) -> QuerySet[Employee]:
    missing = choice.without_template()
    if missing is None:
        return Employee.objects.none()
    return preview_people(cycle).filter(missing)


def with_templates(people: Iterable[Employee], choice: TemplateChoice) -> list[Employee]:
    """One page of participants with the template each would get (``template``)."""
    rows = list(people)
    for person in rows:
        position = person.position
        person.template = choice.for_person(  # type: ignore[attr-defined]
            person.position_id, position.role_family_id if position is not None else None
        )
    return rows


def with_reasons(people: Iterable[Employee]) -> list[Employee]:
    rows = list(people)
    for person in rows:
        code = getattr(person, "reason", "")
        person.reason_label = REASONS.get(code, code)  # type: ignore[attr-defined]
    return rows


# --- launch progress --------------------------------------------------------------------------


@dataclass(frozen=True)
class LaunchProgress:
    total: int
    done: int
    launching: bool
    finished: bool
    error: str

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def stopped(self) -> bool:
        return not self.finished and not self.launching


def launch_progress(cycle: Cycle) -> LaunchProgress:
    """Reviews made so far against the participants (two or three queries)."""
    done = Review.objects.filter(cycle=cycle).count()
    finished = cycle.status != CycleStatus.DRAFT
    launching = is_launching(cycle)
    total = done if finished else max(done, participants(cycle).count())
    error = ""
    if not finished and not launching:
        entry = (
            AuditEntry.objects.filter(
                object_type=Cycle._meta.label_lower,
                object_id=str(cycle.pk),
                after__launch="stopped",
            )
            .order_by("-at", "-id")
            .only("reason")
            .first()
        )
        error = entry.reason if entry is not None else ""
    return LaunchProgress(
        total=total, done=done, launching=launching, finished=finished, error=error
    )


def template_options() -> QuerySet[ReviewTemplate]:
    """Active template editions, for the default-template choice."""
    return ReviewTemplate.objects.filter(status=TemplateStatus.ACTIVE).order_by("code", "-version")


__all__ = [
    "CycleCounts",
    "LaunchProgress",
    "Preview",
    "cycle_counts",
    "cycle_list",
    "cycle_phases",
    "cycle_reviews",
    "launch_progress",
    "participants_preview",
    "preview_left_out",
    "preview_people",
    "preview_without_template",
    "template_options",
    "with_reasons",
    "with_templates",
]
