"""What a review's score is computed from, read for many reviews at once.

``inputs_for`` reads a batch of reviews in a fixed number of queries whatever the batch's
content (goals, raters, answers): the reviews, their scorecards' goals, the versions of
goals adjusted during the period, the goals' actual values, the live ratings, the
submitted answers, the phase extensions still open, and the templates not read yet (the
caller keeps a ``TemplateCache`` across batches, so a cycle reads each template once).

Actual values: the figure tracking keeps for each goal (``GoalProgress.actual``), or, when
a snapshot is given (results frozen, or a correction after the freeze), the values in force
at the snapshot's moment, aggregated the way tracking aggregates them
(``pms.tracking.pace_compute``) as of the end of the period or the snapshot, whichever is
first.

Only submitted ratings give answers. Nothing here reads who a rater is: a rating is its
type, whether it is anonymous and its status; the engine never needs more.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.db.models import CharField, DecimalField, QuerySet, TextField
from django.db.models.functions import Cast
from django.db.models.sql.constants import MULTI
from django.utils import timezone

from pms.goals.models import Aggregation, Goal, GoalLevel, GoalVersion, Scorecard
from pms.reviews.models import (
    LIVE_RATING,
    Answer,
    PhaseExtension,
    Rating,
    RatingStatus,
    Review,
    ReviewSettings,
    ReviewTemplate,
    TemplateItem,
    TemplateSection,
)
from pms.scoring.calendar import WorkCalendar
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError
from pms.scoring.ratings import RatingScale, scale_from_data
from pms.tracking.models import Actual, ActualSnapshot, GoalProgress
from pms.tracking.pace_compute import compute_pace
from pms.tracking.series import non_overlapping
from pms.tracking.services.snapshots import in_force_at

__all__ = [
    "CycleFacts",
    "GoalFacts",
    "ItemFacts",
    "RatingFacts",
    "ReviewInputs",
    "ScoringSettings",
    "SectionFacts",
    "TemplateCache",
    "TemplateFacts",
    "inputs_for",
    "scoring_settings",
]


# --- plain facts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    id: int
    title: str
    weight: Decimal
    veto_grade: str
    veto_score_cap: Decimal | None


@dataclass(frozen=True)
class SectionFacts:
    id: int
    kind: str
    title: str
    weight: Decimal
    scale: dict[str, Any]
    rater_types: tuple[str, ...]
    goal_sections: tuple[str, ...]
    items: tuple[ItemFacts, ...]
    # answers already read on this section's scale (stored text → answer or None); read
    # once per run rather than once per rater
    answers_read: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # a rater's score for the section by their stored answers (one per item, in order):
    # the same answers score the same, so a run works each combination out once
    scores_read: dict[tuple[str, ...], Any] = field(default_factory=dict, compare=False, repr=False)
    _parsed: list[Any] = field(default_factory=list, compare=False, repr=False)

    def rating_scale(self) -> RatingScale | None:
        """The section's scale, parsed once; None without one; ``ScoringError`` if invalid."""
        if not self._parsed:
            try:
                self._parsed.append(scale_from_data(self.scale) if self.scale else None)
            except ScoringError as error:
                self._parsed.append(error)
        found = self._parsed[0]
        if isinstance(found, ScoringError):
            raise found
        return found  # type: ignore[no-any-return]


@dataclass(frozen=True)
class TemplateFacts:
    id: int
    code: str
    version: int
    rater_weights: dict[str, Decimal]
    anonymous_types: tuple[str, ...]
    rater_types: tuple[str, ...]
    grade_bands: list[Any]
    sections: tuple[SectionFacts, ...]


@dataclass(frozen=True)
class VersionFacts:
    """One version's stretch of the review period and its terms."""

    number: int
    start: dt.date
    end: dt.date
    terms: dict[str, Any]


# The facts read for a batch are plain records, read and never changed. GoalFacts and
# RatingFacts are not frozen: a batch makes hundreds of thousands of them, and a frozen
# dataclass's constructor costs several times a plain one's.
@dataclass(slots=True)
class GoalFacts:
    id: int
    uuid: str
    parent_id: int | None
    kind: str
    section: str
    title: str
    weight: Decimal | None
    target: Decimal | None
    target_max: Decimal | None
    baseline: Decimal | None
    direction: str
    unit: str
    rule: dict[str, Any]
    actual: Decimal | None
    # set only when the goal was adjusted during the period (more than one version)
    versions: tuple[VersionFacts, ...] = ()
    # the rule as stored (JSON text), when read from the database: the engine parses each
    # distinct rule once per run instead of once per goal
    rule_text: str = field(default="", compare=False, repr=False)


@dataclass(slots=True)
class RatingFacts:
    """One live rating: its type and status, and (submitted) its answers by item or goal."""

    id: int
    rater_type: str
    anonymous: bool
    status: str
    item_answers: dict[int, str] = field(default_factory=dict)
    goal_answers: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CycleFacts:
    id: int
    status: str
    phase: str
    period_start: dt.date | None
    period_end: dt.date | None


@dataclass(frozen=True)
class ReviewInputs:
    review_id: int
    cycle: CycleFacts
    template: TemplateFacts
    goals: tuple[GoalFacts, ...]
    ratings: tuple[RatingFacts, ...]
    # phases reopened for this person until a day not yet past
    open_extensions: frozenset[str]
    snapshot: dict[str, Any] | None


@dataclass(frozen=True)
class ScoringSettings:
    k: int
    grade_bands: list[Any]
    today: dt.date


def scoring_settings(today: dt.date | None = None) -> ScoringSettings:
    """k and the company's grade bands (one query)."""
    row = ReviewSettings.objects.order_by("id").first()
    default_k = int(getattr(settings, "PMS_ANONYMITY_MIN", 3) or 3)
    k = max(2, row.anonymity_min if row is not None else default_k)
    bands = list(row.grade_bands) if row is not None and row.grade_bands else []
    return ScoringSettings(k=k, grade_bands=bands, today=today or timezone.localdate())


# --- templates -----------------------------------------------------------------------------


class TemplateCache:
    """Templates read once per computation run (three queries per new batch of templates)."""

    def __init__(self) -> None:
        self._facts: dict[int, TemplateFacts] = {}

    def get(self, template_id: int) -> TemplateFacts:
        return self._facts[template_id]

    def load(self, template_ids: Iterable[int]) -> None:
        missing = sorted(set(template_ids) - set(self._facts))
        if not missing:
            return
        items: dict[int, list[ItemFacts]] = defaultdict(list)
        for row in (
            TemplateItem.objects.filter(section__template_id__in=missing)
            .order_by("section_id", "sort_order", "id")
            .values_list("section_id", "id", "title", "weight", "veto_grade", "veto_score_cap")
        ):
            section_id, item_id, title, weight, veto_grade, cap = row
            items[section_id].append(ItemFacts(item_id, title, weight, veto_grade, cap))
        sections: dict[int, list[SectionFacts]] = defaultdict(list)
        for section in TemplateSection.objects.filter(template_id__in=missing).order_by(
            "template_id", "sort_order", "id"
        ):
            sections[section.template_id].append(
                SectionFacts(
                    id=section.pk,
                    kind=section.kind,
                    title=section.title,
                    weight=section.weight,
                    scale=dict(section.scale or {}),
                    rater_types=tuple(section.rater_types or ()),
                    goal_sections=tuple(section.goal_sections or ()),
                    items=tuple(items.get(section.pk, ())),
                )
            )
        for tpl in ReviewTemplate.objects.filter(pk__in=missing):
            weights = {
                str(kind): Decimal(str(value)) for kind, value in (tpl.rater_weights or {}).items()
            }
            self._facts[tpl.pk] = TemplateFacts(
                id=tpl.pk,
                code=tpl.code,
                version=tpl.version,
                rater_weights=weights,
                anonymous_types=tuple(tpl.anonymous_types or ()),
                rater_types=tuple(tpl.rater_types or ()),
                grade_bands=list(tpl.grade_bands or []),
                sections=tuple(sections.get(tpl.pk, ())),
            )


# --- the batch -----------------------------------------------------------------------------

# what every computation reads of a goal; a snapshot also needs where the goal's values
# are recorded (subject, measure, aggregation), which costs a join
_GOAL_FIELDS = (
    "pk",
    "uuid_text",
    "scorecard_id",
    "parent_id",
    "kind",
    "section",
    "title",
    "weight",
    "target",
    "target_max",
    "baseline",
    "direction",
    "unit",
    "scoring_rule_text",
)
_TRACKING_FIELDS = (
    "level",
    "employee_id",
    "department_id",
    "indicator_id",
    "indicator__aggregation",
)


class _GoalRow(NamedTuple):
    """A goal as read: uuid and rule as text (see ``_goal_rows``)."""

    pk: int
    uuid_text: str
    scorecard_id: int
    parent_id: int | None
    kind: str
    section: str
    title: str
    weight: Decimal | None
    target: Decimal | None
    target_max: Decimal | None
    baseline: Decimal | None
    direction: str
    unit: str
    rule_text: str | None
    # read only with a snapshot
    level: str
    employee_id: int | None
    department_id: int | None
    indicator_id: int | None
    aggregation: str | None

    @property
    def subject(self) -> str:
        if self.level == GoalLevel.INDIVIDUAL:
            return f"e{self.employee_id}"
        return f"d{self.department_id}"

    @property
    def measure(self) -> str:
        return f"i{self.indicator_id}" if self.indicator_id is not None else f"g{self.pk}"


def inputs_for(
    review_ids: Sequence[int],
    *,
    templates: TemplateCache,
    today: dt.date,
    snapshot: ActualSnapshot | None = None,
) -> dict[int, ReviewInputs]:
    """The inputs of these reviews, by review id (a fixed number of queries)."""
    rows = list(
        Review.objects.filter(pk__in=review_ids).values_list(
            "pk",
            "template_id",
            "scorecard_id",
            "cycle_id",
            "cycle__status",
            "cycle__phase",
            "cycle__period__start",
            "cycle__period__end",
            "employee_id",
            "cycle__period_id",
        )
    )
    if not rows:
        return {}
    templates.load(row[1] for row in rows)
    ids = [row[0] for row in rows]
    # a scorecard made after the launch (the cycle opens with goal setting) is found by
    # person and period
    later = _later_scorecards([(row[8], row[9]) for row in rows if row[2] is None and row[9]])
    reviews = [
        (
            pk,
            tpl,
            card if card is not None else later.get((person, period)),
            cycle,
            status,
            phase,
            start,
            end,
        )
        for pk, tpl, card, cycle, status, phase, start, end, person, period in rows
    ]

    scorecards = sorted({row[2] for row in reviews if row[2] is not None})
    goal_rows = _goal_rows(scorecards, tracking=snapshot is not None)
    versions = _versions(scorecards)
    period_of = {row[2]: (row[6], row[7]) for row in reviews if row[2] is not None}
    if snapshot is None:
        actuals = _current_actuals(scorecards)
    else:
        actuals = _snapshot_actuals(goal_rows, period_of, snapshot)

    goals = _goal_facts(goal_rows, actuals, versions, period_of)

    ratings = _ratings(ids)
    extensions: dict[int, set[str]] = defaultdict(set)
    for review_id, phase in PhaseExtension.objects.filter(
        review_id__in=ids, until__gte=today
    ).values_list("review_id", "phase"):
        extensions[review_id].add(phase)

    snap = None
    if snapshot is not None:
        snap = {
            "id": snapshot.pk,
            "name": snapshot.name,
            "taken_at": snapshot.taken_at.isoformat(),
        }
    found: dict[int, ReviewInputs] = {}
    for pk, template_id, scorecard_id, cycle_id, status, phase, start, end in reviews:
        found[pk] = ReviewInputs(
            review_id=pk,
            cycle=CycleFacts(cycle_id, status, phase, start, end),
            template=templates.get(template_id),
            goals=tuple(goals.get(scorecard_id, ())) if scorecard_id else (),
            ratings=tuple(ratings.get(pk, ())),
            open_extensions=frozenset(extensions.get(pk, ())),
            snapshot=snap,
        )
    return found


def _canon(value: Decimal | None) -> Decimal | None:
    """A figure without trailing zeros, so "1000.0000" (stored) and "1000.00" (aggregated
    from a snapshot) read, and compare, the same. (Equal figures have the same canonical
    form, so each is worked out once; bounded.)"""
    if value is None:
        return None
    found = _CANON.get(value)
    if found is None:
        found = Decimal(normalized(value))
        if value.is_finite():
            if len(_CANON) >= _CANON_MAX:
                _CANON.clear()
            _CANON[value] = found
    return found


_CANON: dict[Decimal, Decimal] = {}
_CANON_MAX = 100_000


def _later_scorecards(pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    if not pairs:
        return {}
    people = {person for person, _period in pairs}
    periods = {period for _person, period in pairs}
    return {
        (person, period): pk
        for pk, person, period in Scorecard.objects.filter(
            employee_id__in=people, period_id__in=periods
        ).values_list("pk", "employee_id", "period_id")
    }


def _value_rows(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """``list(queryset)`` of a ``values_list`` queryset, with each decimal column converted
    once per distinct value read instead of once per row. SQLite hands a decimal back as a
    float that Django rounds and quantizes, and a batch reads the same targets, weights and
    figures thousands of times. The conversion is Django's own, so the values are the same
    (zero is converted every time: -0.0 and 0.0 are equal keys but not the same value)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    chunks = list(compiler.execute_sql(MULTI))
    if not chunks:
        return []
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    connection = compiler.connection
    memos: list[tuple[int, list[Any], Any, dict[Any, Any] | None]] = [
        (
            position,
            converters,
            expression,
            {} if isinstance(expression.output_field, DecimalField) else None,
        )
        for position, (converters, expression) in compiler.get_converters(fields).items()
    ]
    if not memos:
        return [tuple(row) for row in chain.from_iterable(chunks)]

    def convert(value: Any, converters: list[Any], expression: Any) -> Any:
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    found: list[tuple[Any, ...]] = []
    for raw in chain.from_iterable(chunks):
        row = list(raw)
        for position, converters, expression, memo in memos:
            value = row[position]
            if memo is not None and value:
                key = (value.__class__, value)
                converted = memo.get(key, _MISSING)
                if converted is _MISSING:
                    converted = memo[key] = convert(value, converters, expression)
            else:
                converted = convert(value, converters, expression)
            row[position] = converted
        found.append(tuple(row))
    return found


_MISSING = object()


def _goal_rows(scorecard_ids: Sequence[int], *, tracking: bool = False) -> list[_GoalRow]:
    """The active goals of these scorecards in order; ``tracking``: with where their values
    are recorded (for a snapshot). The uuid and the rule are read as text: see
    ``_goal_facts``."""
    fields = _GOAL_FIELDS + _TRACKING_FIELDS if tracking else _GOAL_FIELDS
    rows = (
        Goal.objects.filter(scorecard_id__in=scorecard_ids, is_active=True)
        .annotate(
            uuid_text=Cast("uuid", CharField()),
            scoring_rule_text=Cast("scoring_rule", TextField()),
        )
        .order_by("scorecard_id", "sort_order", "id")
        .values_list(*fields)
    )
    if tracking:
        return [_GoalRow._make(row) for row in _value_rows(rows)]
    return [_GoalRow._make(row + _UNTRACKED) for row in _value_rows(rows)]


_UNTRACKED = ("", None, None, None, None)


def _goal_facts(
    goal_rows: Sequence[_GoalRow],
    actuals: Mapping[int, Decimal | None],
    versions: Mapping[int, list[GoalVersion]],
    period_of: Mapping[int, tuple[dt.date | None, dt.date | None]],
) -> dict[int, list[GoalFacts]]:
    """The goals by scorecard. Each distinct rule text is decoded once (a company has a few
    dozen rules over a million goals); figures are canonical (``_canon``)."""
    rules: dict[str | None, dict[str, Any]] = {}
    goals: dict[int, list[GoalFacts]] = defaultdict(list)
    for goal in goal_rows:
        text = goal.rule_text
        rule = rules.get(text)
        if rule is None:
            rule = rules[text] = (json.loads(text) if text is not None else None) or {}
        segments: tuple[VersionFacts, ...] = ()
        if goal.pk in versions:
            start, end = period_of.get(goal.scorecard_id, (None, None))
            segments = _segments(goal.pk, versions, start, end)
        goals[goal.scorecard_id].append(
            GoalFacts(
                goal.pk,
                _uuid(goal.uuid_text),
                goal.parent_id,
                goal.kind,
                goal.section,
                goal.title,
                goal.weight,
                _canon(goal.target),
                _canon(goal.target_max),
                _canon(goal.baseline),
                goal.direction,
                goal.unit,
                dict(rule),
                _canon(actuals.get(goal.pk)),
                segments,
                text or "",
            )
        )
    return goals


def _uuid(text: str) -> str:
    """A uuid read as text, as ``str(UUID)`` writes it (SQLite stores its 32 hex digits,
    PostgreSQL prints it with dashes)."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}".lower()
    return str(UUID(text))


def _versions(scorecard_ids: Sequence[int]) -> dict[int, list[GoalVersion]]:
    """The versions of the goals adjusted at least once (version > 1), oldest first."""
    found: dict[int, list[GoalVersion]] = defaultdict(list)
    for version in GoalVersion.objects.filter(
        goal__scorecard_id__in=scorecard_ids, goal__is_active=True, goal__version__gt=1
    ).order_by("goal_id", "number"):
        found[version.goal_id].append(version)
    return found


def _segments(
    goal_id: int,
    versions: Mapping[int, list[GoalVersion]],
    start: dt.date | None,
    end: dt.date | None,
) -> tuple[VersionFacts, ...]:
    history = versions.get(goal_id)
    if not history or len(history) < 2 or start is None or end is None:
        return ()
    from pms.goals.selectors.adjustments import goal_versions_in_force

    segments = goal_versions_in_force(Goal(pk=goal_id), start, end, versions=history)
    if len(segments) < 2:
        return ()
    return tuple(VersionFacts(s.number, s.start, s.end, dict(s.terms)) for s in segments)


def _current_actuals(scorecard_ids: Sequence[int]) -> dict[int, Decimal | None]:
    return dict(
        _value_rows(
            GoalProgress.objects.filter(
                goal__scorecard_id__in=scorecard_ids, goal__is_active=True
            ).values_list("goal_id", "actual")
        )
    )


def _snapshot_actuals(
    goals: Sequence[_GoalRow],
    period_of: Mapping[int, tuple[dt.date | None, dt.date | None]],
    snapshot: ActualSnapshot,
) -> dict[int, Decimal | None]:
    """Each goal's figure from the values in force at the snapshot (one query)."""
    starts = [s for s, _e in period_of.values() if s is not None]
    ends = [e for _s, e in period_of.values() if e is not None]
    if not goals or not starts or not ends:
        return {}
    people = {g.employee_id for g in goals if g.level == GoalLevel.INDIVIDUAL}
    departments = {g.department_id for g in goals if g.level != GoalLevel.INDIVIDUAL}
    indicators = {g.indicator_id for g in goals if g.indicator_id is not None}
    own = {g.pk for g in goals if g.indicator_id is None}
    from django.db.models import Q

    values: dict[tuple[str, str], list[tuple[dt.date, dt.date, Decimal]]] = defaultdict(list)
    for employee_id, department_id, indicator_id, goal_id, start, end, value in (
        Actual.objects.filter(
            in_force_at(snapshot.taken_at),
            Q(employee_id__in=people) | Q(department_id__in=departments),
            Q(indicator_id__in=indicators) | Q(goal_id__in=own),
            start__gte=min(starts),
            end__lte=max(ends),
        )
        .order_by()
        .values_list(
            "employee_id", "department_id", "indicator_id", "goal_id", "start", "end", "value"
        )
    ):
        subject = f"e{employee_id}" if employee_id is not None else f"d{department_id}"
        measure = f"i{indicator_id}" if indicator_id is not None else f"g{goal_id}"
        values[(subject, measure)].append((start, end, value))
    moment = timezone.localdate(snapshot.taken_at)
    calendar = WorkCalendar()
    found: dict[int, Decimal | None] = {}
    for goal in goals:
        first, last = period_of.get(goal.scorecard_id, (None, None))
        if first is None or last is None:
            continue
        inside = [
            (s, e, v)
            for s, e, v in values.get((goal.subject, goal.measure), ())
            if first <= s and e <= last
        ]
        if not inside:
            found[goal.pk] = None
            continue
        kept = non_overlapping([(s, e, i) for i, (s, e, _v) in enumerate(inside)])
        outcome = compute_pace(
            start=first,
            end=last,
            as_of=min(last, moment),
            target=goal.target,
            target_max=goal.target_max,
            baseline=goal.baseline,
            direction=goal.direction,
            aggregation=goal.aggregation or Aggregation.LATEST,
            observations=[inside[i] for i in kept],
            calendar=calendar,
            basis="calendar",
        )
        found[goal.pk] = outcome.actual
    return found


def _ratings(review_ids: Sequence[int]) -> dict[int, list[RatingFacts]]:
    """Live ratings by review; submitted ones with their answers (two queries)."""
    item_answers: dict[int, dict[int, str]] = defaultdict(dict)
    goal_answers: dict[int, dict[int, str]] = defaultdict(dict)
    for rating_id, item_id, goal_id, value in Answer.objects.filter(
        rating__review_id__in=review_ids, rating__status=RatingStatus.SUBMITTED
    ).values_list("rating_id", "item_id", "goal_id", "value"):
        if item_id is not None:
            item_answers[rating_id][item_id] = value
        elif goal_id is not None:
            goal_answers[rating_id][goal_id] = value
    found: dict[int, list[RatingFacts]] = defaultdict(list)
    for pk, review_id, rater_type, anonymous, status in (
        Rating.objects.filter(review_id__in=review_ids, status__in=LIVE_RATING)
        .order_by("review_id", "id")
        .values_list("pk", "review_id", "rater_type", "anonymous", "status")
    ):
        found[review_id].append(
            RatingFacts(
                id=pk,
                rater_type=rater_type,
                anonymous=anonymous,
                status=status,
                item_answers=item_answers.get(pk, {}),
                goal_answers=goal_answers.get(pk, {}),
            )
        )
    return found
