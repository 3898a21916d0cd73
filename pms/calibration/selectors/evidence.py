"""The evidence calibrators weigh for a person: goal results, rater-type means per section,
the manager's overall comment and feedback highlights — for one entry or a few side by
side, in a fixed number of queries (six, however many entries).

What it shows follows reviews' anonymity rules (``pms.reviews.selectors.anonymity``):

- goal rows and rater-type means come from the current result's stored explanation
  (``pms.reviews.services.scoring``), which holds counts and means only, never a rater;
- an anonymous rater type (the template's anonymous types, and peer, upward and cross
  always) shows its mean only when at least k of its raters answered (k =
  ``anonymity_k``); below that only its count is shown, never a name;
- the manager's overall comment is a named type's, shown with the manager's name;
- feedback: counts of recognition and constructive feedback received during the cycle's
  dates, leaving out upward feedback (what a manager hears from their team stays theirs);
  the latest three items of public praise (named by design: the praise wall shows them to
  everybody), never anonymous ones; the manager's observations counted by kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from pms.calibration.models import CalibrationEntry
from pms.feedback.models import Feedback, FeedbackKind, Observation, ObservationKind
from pms.goals.models import GoalKind
from pms.reviews.models import (
    DEFAULT_ANONYMOUS,
    RaterType,
    Rating,
    RatingStatus,
    ResultKind,
    ReviewResult,
)
from pms.reviews.selectors.anonymity import anonymity_k

PRAISE_SHOWN = 3


@dataclass(frozen=True)
class GoalRow:
    title: str
    kind: str
    kind_label: str
    weight: str | None
    unit: str
    target: str | None
    actual: str | None
    attainment: str | None
    score: str | None


@dataclass(frozen=True)
class TypeMean:
    rater_type: str
    label: str
    count: int
    anonymous: bool
    shown: bool  # False: an anonymous type with fewer than k answers (no mean)
    mean: str | None


@dataclass(frozen=True)
class SectionMeans:
    title: str
    kind: str
    weight: str
    score: str | None
    types: list[TypeMean]


@dataclass(frozen=True)
class Praise:
    giver: str
    text: str
    at: dt.datetime


@dataclass
class FeedbackHighlights:
    recognition: int = 0
    constructive: int = 0
    praise: list[Praise] = field(default_factory=list)
    excellent: int = 0
    problem: int = 0


@dataclass
class Evidence:
    entry: CalibrationEntry
    computed: bool = False
    score: Any = None
    grade: str = ""
    complete: bool = False
    goals: list[GoalRow] = field(default_factory=list)
    sections: list[SectionMeans] = field(default_factory=list)
    manager_comment: str = ""
    manager_name: str = ""
    feedback: FeedbackHighlights = field(default_factory=FeedbackHighlights)
    k: int = 3


def _type_label(kind: str) -> str:
    return str(dict(RaterType.choices).get(kind, kind))


def _goal_rows(section: Mapping[str, Any]) -> list[GoalRow]:
    kinds = dict(GoalKind.choices)
    rows = []
    for goal in section.get("goals") or []:
        if not isinstance(goal, Mapping):
            continue
        kind = str(goal.get("kind", ""))
        rows.append(
            GoalRow(
                title=str(goal.get("title", "")),
                kind=kind,
                kind_label=str(kinds.get(kind, kind)),
                weight=goal.get("weight"),
                unit=str(goal.get("unit", "") or ""),
                target=goal.get("target"),
                actual=goal.get("actual"),
                attainment=goal.get("attainment"),
                score=goal.get("score"),
            )
        )
    return rows


def _type_means(rows: Iterable[Any], anonymous: set[str], k: int) -> list[TypeMean]:
    means = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        kind = str(row.get("type", ""))
        count = int(row.get("count") or 0)
        hidden = kind in anonymous
        # the stored minimum is the k the result was computed with; the larger one holds
        shown = not hidden or count >= max(k, int(row.get("minimum") or 0))
        means.append(
            TypeMean(
                rater_type=kind,
                label=_type_label(kind),
                count=count,
                anonymous=hidden,
                shown=shown,
                mean=row.get("mean") if shown else None,
            )
        )
    return means


def _read_explanation(evidence: Evidence, explanation: Any, anonymous: set[str]) -> None:
    if not isinstance(explanation, Mapping):
        return
    for section in explanation.get("sections") or []:
        if not isinstance(section, Mapping):
            continue
        evidence.goals.extend(_goal_rows(section))
        types = _type_means(section.get("types") or [], anonymous, evidence.k)
        if types:
            evidence.sections.append(
                SectionMeans(
                    title=str(section.get("title", "")),
                    kind=str(section.get("kind", "")),
                    weight=str(section.get("weight", "")),
                    score=section.get("score"),
                    types=types,
                )
            )


def _cycle_range(entries: Sequence[CalibrationEntry]) -> tuple[dt.datetime, dt.datetime]:
    """From the first day of the earliest cycle to the end of the last day of the latest."""
    cycles = [e.session.cycle for e in entries]
    start = min(c.start for c in cycles)
    end = max(c.end for c in cycles) + dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )


def _feedback(
    found: dict[int, Evidence], people: dict[int, list[int]], since: dt.datetime, until: dt.datetime
) -> None:
    """Counts, praise and observations for the people (three queries)."""
    employees = list(people)
    received = (
        Feedback.objects.filter(
            receiver_id__in=employees,
            upward=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .values_list("receiver_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for receiver, kind, count in received:
        for entry_id in people[receiver]:
            highlights = found[entry_id].feedback
            if kind == FeedbackKind.RECOGNITION:
                highlights.recognition += count
            elif kind == FeedbackKind.CONSTRUCTIVE:
                highlights.constructive += count
    praise = (
        Feedback.objects.filter(
            receiver_id__in=employees,
            public=True,
            anonymous=False,
            kind=FeedbackKind.RECOGNITION,
            created_at__gte=since,
            created_at__lt=until,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("receiver_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=PRAISE_SHOWN)
        .values_list("receiver_id", "giver__name", "behaviour", "impact", "created_at")
        .order_by("receiver_id", "-created_at", "-id")
    )
    for receiver, giver, behaviour, impact, at in praise:
        for entry_id in people[receiver]:
            found[entry_id].feedback.praise.append(
                Praise(giver=giver or "", text=behaviour or impact or "", at=at)
            )
    observed = (
        Observation.objects.filter(
            report_id__in=employees, observed_at__gte=since, observed_at__lt=until
        )
        .values_list("report_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for report, kind, count in observed:
        for entry_id in people[report]:
            highlights = found[entry_id].feedback
            if kind == ObservationKind.EXCELLENT:
                highlights.excellent += count
            elif kind == ObservationKind.PROBLEM:
                highlights.problem += count


def entries_evidence(entries: Sequence[CalibrationEntry]) -> dict[int, Evidence]:
    """Evidence per entry id. ``entries`` come with ``session__cycle`` loaded
    (``access.access_entry`` and the compare page's selector do)."""
    if not entries:
        return {}
    k = anonymity_k()
    found = {entry.pk: Evidence(entry=entry, k=k) for entry in entries}
    by_review = {entry.review_id: entry.pk for entry in entries}
    results = ReviewResult.objects.filter(
        review_id__in=list(by_review), kind=ResultKind.REVIEW, is_current=True
    ).values_list(
        "review_id",
        "score",
        "grade",
        "complete",
        "explanation",
        "review__template__anonymous_types",
    )
    for review_id, score, grade, complete, explanation, anonymous_types in results:
        evidence = found[by_review[review_id]]
        evidence.computed = True
        evidence.score = score
        evidence.grade = grade
        evidence.complete = complete
        anonymous = {str(t) for t in (anonymous_types or [])} | set(DEFAULT_ANONYMOUS)
        _read_explanation(evidence, explanation, anonymous)
    comments = (
        Rating.objects.filter(
            review_id__in=list(by_review),
            rater_type=RaterType.MANAGER,
            status=RatingStatus.SUBMITTED,
        )
        .values_list("review_id", "overall_comment", "rater__name")
        .order_by("review_id", "-submitted_at", "-id")
    )
    for review_id, comment, name in comments:
        evidence = found[by_review[review_id]]
        if not evidence.manager_comment and comment:
            evidence.manager_comment = comment
            evidence.manager_name = name or ""
    people: dict[int, list[int]] = defaultdict(list)
    for entry in entries:
        people[entry.employee_id].append(entry.pk)
    since, until = _cycle_range(entries)
    _feedback(found, people, since, until)
    return found


def entry_evidence(entry: CalibrationEntry) -> Evidence:
    return entries_evidence([entry])[entry.pk]


def entries_to_compare(visible: Any, uuids: Sequence[Any]) -> list[CalibrationEntry]:
    """The entries with these ids among ``visible`` (a session's entries the viewer may
    see), in the order asked, with what the evidence and the page read (one query)."""
    rows = {
        entry.uuid: entry
        for entry in visible.filter(uuid__in=list(uuids)).select_related(
            "session__cycle", "employee", "department", "manager", "review"
        )
    }
    return [rows[u] for u in uuids if u in rows]
