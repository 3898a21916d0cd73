"""A review's score from its inputs: the Django side of ``pms.scoring``'s review math.

``compute`` turns one review's ``ReviewInputs`` into a score, a grade and the explanation
pages render. All arithmetic is ``pms.scoring``'s; this module only decides what goes in:

- Goal sections: the goals of the scorecard sections the template section names (all when
  it names none). Each goal is scored by its rule from its actual value (prorated over its
  versions when it was adjusted during the period); an OKR objective by its key results; a
  key task that raters rated in a tasks section by those ratings (rater types blended as
  below) instead of its rule. The goals are weighted (``scorecard_score``); when the goals
  of the section do not weigh 100 together (e.g. only the results part of a scorecard),
  their weighted mean is taken over the weight they have (``objective_score``'s
  renormalisation), so the section reads on 0–100. A triggered veto goal vetoes the review.
- Rated sections (key tasks, competencies, questions with a scale): each rater's section
  score over the items (``rater_score``), the types blended with the template's rater-type
  weights renormalised over the types that answered (``blend_rater_types``). Anonymous
  types need at least k answers, and count only once the phase they answer in has passed
  for the cycle (and is not reopened for this person): before that their answers are held,
  so that the score cannot be compared before and after one more anonymous answer.
- Veto sections: an item is triggered when a named rater of the section answered yes,
  cleared when they answered no, open otherwise. Anonymous answers never decide a veto (a
  veto names its cause; a single anonymous yes would point at somebody).
- The review: ``review_score`` over the sections' weights with the vetoes, partial while a
  section is missing (``complete`` False); the grade from the template's bands, else the
  company's, else the default (``grade_for``).

The explanation holds per section the rater types with their count and mean only, the
goals with actual, target, attainment, score and rule, the vetoes and the grade band —
never a rater's identity, an individual answer, or a time. ``inputs`` holds the numbers
read (goals' figures and terms, answer counts per type, k, bands, the snapshot).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from pms.goals.models import GoalKind
from pms.reviews.models import Cycle, RatingStatus, SectionKind
from pms.reviews.phases import PHASE_OF_TYPE, phase_passed
from pms.reviews.selectors.anonymity import anonymous_phase_over
from pms.reviews.services.scoring_inputs import (
    GoalFacts,
    RatingFacts,
    ReviewInputs,
    ScoringSettings,
    SectionFacts,
    TemplateFacts,
)
from pms.scoring.attainment import Direction
from pms.scoring.decimals import normalized, plain
from pms.scoring.errors import ScoringError
from pms.scoring.grades import DEFAULT_GRADE_BANDS, GradeBand, grade_bands_from_data, grade_for
from pms.scoring.ratings import (
    Answer,
    RatedItem,
    RatingScale,
    YesNoScale,
    rater_score,
    scale_points,
)
from pms.scoring.review import (
    RATER_TYPES,
    RaterBlend,
    ReviewSection,
    ReviewVeto,
    blend_rater_types,
    review_score,
)
from pms.scoring.rules import (
    GoalInput,
    GoalScore,
    LinearRule,
    Rule,
    parse_rule,
    score_goal,
    score_linear,
)
from pms.scoring.scorecard import WeightedItem, check_weights, objective_score, scorecard_score
from pms.scoring.steps import Step
from pms.scoring.versions import Segment, prorate

__all__ = ["RULE_VERSION", "Computed", "compute", "grade_bands_for"]

# The method's version, stored with every edition: bump it when the way a score is put
# together changes, so old editions say which method made them.
RULE_VERSION = "review/1"

RATED_KINDS = (SectionKind.TASKS, SectionKind.COMPETENCIES, SectionKind.QUESTIONS)
_YES = frozenset({"yes", "true", "1", "y", "是"})
_NO = frozenset({"no", "false", "0", "n", "否"})


@dataclass(frozen=True)
class Computed:
    score: Decimal | None
    grade: str
    complete: bool
    explanation: dict[str, Any]
    # the inputs record, made when asked for: a recomputation that changes nothing never
    # stores it
    record: Callable[[], dict[str, Any]] = field(repr=False, compare=False)

    @cached_property
    def inputs(self) -> dict[str, Any]:
        return self.record()


def _steps(steps: Iterable[Step]) -> list[dict[str, Any]]:
    # the values as they are: each scoring call makes its steps' values afresh
    return [{"code": step.code, "values": step.values} for step in steps]


def _num(value: Decimal | None) -> str | None:
    return None if value is None else _normalized(value)


# Figures repeat across a run (weights, targets, bands): each one is formatted once. Equal
# Decimals ("1.0", "1.00") normalise alike, so the value is the key. Bounded, shared by runs.
_NORMALIZED: dict[Decimal, str] = {}
_NORMALIZED_MAX = 100_000


def _normalized(value: Decimal) -> str:
    try:
        return _NORMALIZED[value]
    except KeyError:
        pass
    text = normalized(value)
    if value.is_finite():
        if len(_NORMALIZED) >= _NORMALIZED_MAX:
            _NORMALIZED.clear()
        _NORMALIZED[value] = text
    return text


def _score(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value  # Decimal(str(value)) is the same Decimal, exponent and all
    return Decimal(str(value))


class _Keys:
    """Unique display keys (titles) for the scoring functions, which refuse duplicates."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, title: str) -> str:
        key, n = title or "—", 1
        while key in self._seen:
            n += 1
            key = f"{title} ({n})"
        self._seen.add(key)
        return key


def grade_bands_for(template: TemplateFacts, company_bands: Sequence[Any]) -> tuple[GradeBand, ...]:
    """The template's bands, else the company's, else the default (S 90, A 80, B 70, C 60)."""
    for data in (template.grade_bands, company_bands):
        if data:
            # the settings pages store {"grade", "min"}; pms.scoring reads "min_score"
            rows = [
                {"grade": row.get("grade"), "min_score": row.get("min_score", row.get("min"))}
                if isinstance(row, Mapping)
                else row
                for row in data
            ]
            return grade_bands_from_data(rows)
    return DEFAULT_GRADE_BANDS


# --- who counts ----------------------------------------------------------------------------


@dataclass
class _Raters:
    """The submitted ratings that count now, and what is held back or still to come."""

    counted: list[RatingFacts] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    submitted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outstanding: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    anonymous_types: set[str] = field(default_factory=set)


# The phase rules read a cycle's status and phase only: one unsaved Cycle per pair, kept.
_CYCLES: dict[tuple[str, str], Cycle] = {}


def _cycle(status: str, phase: str) -> Cycle:
    found = _CYCLES.get((status, phase))
    if found is None:
        found = _CYCLES[(status, phase)] = Cycle(status=status, phase=phase)
    return found


def _raters(inputs: ReviewInputs) -> _Raters:
    cycle = _cycle(inputs.cycle.status, inputs.cycle.phase)
    found = _Raters(anonymous_types=set(inputs.template.anonymous_types))
    for rating in inputs.ratings:
        if rating.anonymous:
            found.anonymous_types.add(rating.rater_type)
    for rating in inputs.ratings:
        kind = rating.rater_type
        if rating.status != RatingStatus.SUBMITTED:
            phase = PHASE_OF_TYPE.get(kind)
            if phase is None or not phase_passed(cycle, phase) or phase in inputs.open_extensions:
                found.outstanding[kind] += 1
            continue
        found.submitted[kind] += 1
        if kind in found.anonymous_types and not anonymous_phase_over(
            cycle, kind, inputs.open_extensions
        ):
            found.held.add(kind)
            continue
        found.counted.append(rating)
    return found


def _answer(section: SectionFacts, scale: RatingScale, value: str) -> Answer | None:
    """The stored answer as the scale takes it; None when blank or not valid on the scale
    (read once per section and value in a run)."""
    if value in section.answers_read:
        return section.answers_read[value]  # type: ignore[no-any-return]
    found = _read_answer(scale, value)
    section.answers_read[value] = found
    return found


def _read_answer(scale: RatingScale, value: str) -> Answer | None:
    text = value.strip()
    if not text:
        return None
    answer: Answer
    if isinstance(scale, YesNoScale):
        lowered = text.lower()
        if lowered in _YES:
            answer = True
        elif lowered in _NO:
            answer = False
        else:
            return None
    else:
        answer = text
    try:
        scale_points(scale, answer)
    except ScoringError:
        return None
    return answer


def _allowed(section: SectionFacts, template: TemplateFacts) -> tuple[str, ...]:
    return section.rater_types or template.rater_types or RATER_TYPES


# --- rated sections ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rated:
    blend: RaterBlend
    held: list[str]
    # key tasks: each goal's blend of the raters' points for it
    goals: dict[int, RaterBlend]


def _blend(
    scores: Mapping[str, Sequence[Decimal]],
    template: TemplateFacts,
    allowed: Sequence[str],
    raters: _Raters,
    k: int,
) -> RaterBlend:
    weights = {
        kind: weight
        for kind, weight in template.rater_weights.items()
        if kind in allowed and kind not in raters.held and kind in RATER_TYPES
    }
    minimum = {kind: k for kind in raters.anonymous_types if kind in RATER_TYPES}
    return blend_rater_types(scores, weights, min_count=minimum)


def _task_goals(section: SectionFacts, goals: Sequence[GoalFacts]) -> list[GoalFacts]:
    return [
        g
        for g in goals
        if g.kind == GoalKind.TASK
        and (not section.goal_sections or g.section in section.goal_sections)
    ]


def _rated_section(
    section: SectionFacts, inputs: ReviewInputs, raters: _Raters, k: int
) -> _Rated | None:
    scale = section.rating_scale()
    if scale is None:
        return None  # questions without a scale are read, not scored
    allowed = _allowed(section, inputs.template)
    tasks = _task_goals(section, inputs.goals) if section.kind == SectionKind.TASKS else []
    scores: dict[str, list[Decimal]] = defaultdict(list)
    goal_points: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for rating in raters.counted:
        if rating.rater_type not in allowed:
            continue
        score: Decimal | None
        if section.kind == SectionKind.TASKS:
            items: list[RatedItem] = []
            for goal in tasks:
                value = _answer(section, scale, rating.goal_answers.get(goal.id, ""))
                weight = goal.weight if goal.weight is not None else Decimal(1)
                items.append(RatedItem(f"g{goal.id}", scale, value, weight))
                if value is not None:
                    goal_points[goal.id][rating.rater_type].append(scale_points(scale, value))
            score = rater_score(items).score
        else:
            score = _items_score(section, scale, rating)
        if score is not None:
            scores[rating.rater_type].append(score)
    blend = _blend(scores, inputs.template, allowed, raters, k)
    per_goal = {
        goal_id: _blend(points, inputs.template, allowed, raters, k)
        for goal_id, points in goal_points.items()
    }
    held = sorted(kind for kind in raters.held if kind in allowed)
    return _Rated(blend=blend, held=held, goals=per_goal)


def _items_score(section: SectionFacts, scale: RatingScale, rating: RatingFacts) -> Decimal | None:
    """One rater's score over the section's items (``rater_score``), worked out once per run
    for each combination of stored answers (the items, weights and scale are the section's,
    so the same answers always score the same; only the score is kept, not the steps)."""
    stored = tuple(rating.item_answers.get(item.id, "") for item in section.items)
    try:
        return section.scores_read[stored]  # type: ignore[no-any-return]
    except KeyError:
        pass
    items = [
        RatedItem(f"i{item.id}", scale, _answer(section, scale, value), item.weight)
        for item, value in zip(section.items, stored, strict=True)
    ]
    score = rater_score(items).score
    section.scores_read[stored] = score
    return score


def _types(blend: RaterBlend) -> list[dict[str, Any]]:
    return [
        {
            "type": t.rater_type,
            "weight": _normalized(t.weight),
            "count": t.count,
            "minimum": t.minimum,
            "mean": _score(t.mean),
            "counted": t.counted,
        }
        for t in blend.types
    ]


# --- goal sections -------------------------------------------------------------------------


_DIRECTIONS = {str(d.value): d for d in Direction}


def _goal_input(actual: Decimal | None, terms: Mapping[str, Any], fallback: GoalFacts) -> GoalInput:
    direction = str(terms.get("direction") or fallback.direction or "higher")
    return GoalInput(
        actual=actual,
        target=_decimal(terms.get("target", fallback.target)),
        direction=_DIRECTIONS.get(direction) or Direction(direction),
        target_max=_decimal(terms.get("target_max", fallback.target_max)),
        baseline=_decimal(terms.get("baseline", fallback.baseline)),
        # deduction and veto rules count occurrences: the recorded figure is the count
        count=actual if actual is not None and actual >= 0 else None,
    )


# Rules parsed by their stored text (a company has a few dozen rules over a million goals).
# A rule object is immutable; a rule that does not parse raises each time, as before.
_RULES: dict[str, Rule] = {}
_RULES_MAX = 1_000


def _rule_of(goal: GoalFacts) -> Rule:
    if not goal.rule_text:
        return parse_rule(goal.rule)
    found = _RULES.get(goal.rule_text)
    if found is None:
        found = parse_rule(goal.rule)
        if len(_RULES) >= _RULES_MAX:
            _RULES.clear()
        _RULES[goal.rule_text] = found
    return found


def _by_rule(goal: GoalFacts) -> GoalScore:
    """The goal's score by its rule; a rule that cannot be applied to the goal's figures
    (a target of 0 to exceed, say) leaves this goal unscored with the reason, rather than
    taking the whole review's score with it."""
    try:
        return _by_rule_or_error(goal)
    except ScoringError as error:
        return GoalScore(
            score=None,
            attainment=None,
            vetoed=False,
            veto_grade=None,
            steps=(Step("goal_rule_error", {"error": error.code, **error.params}),),
            rule=goal.rule if isinstance(goal.rule, dict) else {},
        )


def _by_rule_or_error(goal: GoalFacts) -> GoalScore:
    if not goal.versions:
        rule = _rule_of(goal)
        if isinstance(rule, LinearRule):
            # most goals: the linear rule's own path (the same score and steps)
            direction = goal.direction or "higher"
            return score_linear(
                rule,
                actual=goal.actual,
                target=_decimal(goal.target),
                direction=_DIRECTIONS.get(direction) or Direction(direction),
                target_max=_decimal(goal.target_max),
                baseline=_decimal(goal.baseline),
            )
        return score_goal(rule, _goal_input(goal.actual, {}, goal))
    scored: list[GoalScore] = []
    for version in goal.versions:
        terms = version.terms.get("scoring_rule") or goal.rule
        scored.append(score_goal(parse_rule(terms), _goal_input(goal.actual, version.terms, goal)))
    result, prorate_steps = prorate(
        [
            Segment(start=v.start, end=v.end, score=s.score, label=f"v{v.number}")
            for v, s in zip(goal.versions, scored, strict=True)
        ]
    )
    last = scored[-1]
    steps: list[Step] = []
    for version, one in zip(goal.versions, scored, strict=True):
        steps.append(
            Step(
                "goal_version",
                {
                    "label": f"v{version.number}",
                    "start": version.start.isoformat(),
                    "end": version.end.isoformat(),
                },
            )
        )
        steps.extend(one.steps)
    steps.extend(prorate_steps)
    vetoed = [s for s in scored if s.vetoed]
    return GoalScore(
        score=result,
        attainment=last.attainment,
        vetoed=bool(vetoed),
        veto_grade=vetoed[-1].veto_grade if vetoed else None,
        steps=tuple(steps),
        rule=last.rule,
        veto_score_cap=vetoed[-1].veto_score_cap if vetoed else None,
    )


def _by_ratings(blend: RaterBlend) -> GoalScore:
    return GoalScore(
        score=blend.score,
        attainment=None,
        vetoed=False,
        veto_grade=None,
        steps=blend.steps,
        rule={"type": "ratings"},
    )


def _goal_row(goal: GoalFacts, score: GoalScore, source: str) -> dict[str, Any]:
    return {
        "id": goal.id,
        "uuid": goal.uuid,
        "title": goal.title,
        "kind": goal.kind,
        "section": goal.section,
        "weight": _num(goal.weight),
        "unit": goal.unit,
        "direction": goal.direction,
        "target": _num(goal.target),
        "target_max": _num(goal.target_max),
        "actual": _num(goal.actual),
        "attainment": _score(score.attainment),
        "score": _score(score.score),
        "rule": score.rule,
        "source": source,
        "vetoed": score.vetoed,
        "steps": _steps(score.steps),
    }


@dataclass
class _GoalSection:
    score: Decimal | None
    missing: bool
    goals: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    vetoes: list[tuple[str, GoalScore]]


def _goal_section(
    section: SectionFacts, inputs: ReviewInputs, rated_tasks: Mapping[int, RaterBlend]
) -> _GoalSection:
    chosen = [
        g for g in inputs.goals if not section.goal_sections or g.section in section.goal_sections
    ]
    children: dict[int, list[GoalFacts]] = defaultdict(list)
    for goal in inputs.goals:
        if goal.kind == GoalKind.KEY_RESULT and goal.parent_id is not None:
            children[goal.parent_id].append(goal)
    keys = _Keys()
    items: list[WeightedItem] = []
    rows: list[dict[str, Any]] = []
    vetoes: list[tuple[str, GoalScore]] = []
    for goal in chosen:
        if goal.kind == GoalKind.KEY_RESULT:
            continue
        if goal.kind == GoalKind.OBJECTIVE:
            krs = [(kr, _by_rule(kr)) for kr in children.get(goal.id, [])]
            kr_keys = _Keys()
            score = objective_score(
                [WeightedItem(kr_keys(kr.title), kr.weight or Decimal(0), s) for kr, s in krs]
            )
            row = _goal_row(goal, score, "key_results")
            row["key_results"] = [_goal_row(kr, s, "rule") for kr, s in krs]
        elif goal.kind == GoalKind.TASK and goal.id in rated_tasks:
            blend = rated_tasks[goal.id]
            score = _by_ratings(blend)
            row = _goal_row(goal, score, "ratings")
            row["types"] = _types(blend)
        else:
            score = _by_rule(goal)
            row = _goal_row(goal, score, "rule")
        key = keys(goal.title)
        items.append(WeightedItem(key, goal.weight or Decimal(0), score))
        rows.append(row)
        if score.vetoed:
            vetoes.append((key, score))
    if not items:
        return _GoalSection(None, False, [], _steps([Step("goal_section_empty", {})]), [])
    check = check_weights(item.weight for item in items)
    missing = any(item.score.score is None and item.weight > 0 for item in items)
    steps: list[Step] = []
    if check.ok:
        total = scorecard_score(items, partial=True)
        steps.extend(total.steps)
        result = total.score
    else:
        # the section's goals weigh less (or more) than 100 together: their weighted mean
        steps.append(Step("goal_weights_scaled", {"weight": plain(check.total)}))
        mean = objective_score(items)
        steps.extend(mean.steps)
        result = mean.score
    return _GoalSection(result, missing, rows, _steps(steps), vetoes)


def _not_applicable(section: SectionFacts, inputs: ReviewInputs, row: dict[str, Any]) -> bool:
    """A goals section with no goals of its scorecard sections, or a key-task section with no
    key task to rate, on a scorecard that has goals. Without any goal (no scorecard yet) the
    section is missing, not inapplicable: the review stays incomplete."""
    if not inputs.goals:
        return False
    if section.kind == SectionKind.GOALS:
        return not row.get("goals")
    if section.kind == SectionKind.TASKS:
        return not _task_goals(section, inputs.goals)
    return False


# --- vetoes --------------------------------------------------------------------------------


def _veto_section(
    section: SectionFacts, inputs: ReviewInputs, raters: _Raters, keys: _Keys
) -> list[tuple[ReviewVeto, dict[str, Any]]]:
    allowed = _allowed(section, inputs.template)
    found: list[tuple[ReviewVeto, dict[str, Any]]] = []
    for item in section.items:
        said: list[bool] = []
        for rating in raters.counted:
            if rating.rater_type not in allowed or rating.rater_type in raters.anonymous_types:
                continue
            text = rating.item_answers.get(item.id, "").strip().lower()
            if text in _YES:
                said.append(True)
            elif text in _NO:
                said.append(False)
        triggered = True if any(said) else (False if said else None)
        grade = item.veto_grade or "D"
        veto = ReviewVeto(
            key=keys(item.title), triggered=triggered, grade=grade, score_cap=item.veto_score_cap
        )
        found.append(
            (
                veto,
                {
                    "title": item.title,
                    "source": "item",
                    "triggered": triggered,
                    "grade": grade,
                    "score_cap": _num(item.veto_score_cap),
                },
            )
        )
    return found


# --- the review ----------------------------------------------------------------------------


def _inputs_record(
    inputs: ReviewInputs, raters: _Raters, conf: ScoringSettings, bands: Sequence[GradeBand]
) -> dict[str, Any]:
    counted: dict[str, int] = defaultdict(int)
    for rating in raters.counted:
        counted[rating.rater_type] += 1
    return {
        "rule_version": RULE_VERSION,
        "k": conf.k,
        "template": {
            "id": inputs.template.id,
            "code": inputs.template.code,
            "version": inputs.template.version,
        },
        "goals": [
            {
                "id": g.id,
                "actual": _num(g.actual),
                "target": _num(g.target),
                "target_max": _num(g.target_max),
                "baseline": _num(g.baseline),
                "weight": _num(g.weight),
                "rule": g.rule,
                "versions": [
                    {"number": v.number, "start": v.start.isoformat(), "end": v.end.isoformat()}
                    for v in g.versions
                ],
            }
            for g in inputs.goals
        ],
        "ratings": {
            "submitted": dict(sorted(raters.submitted.items())),
            "counted": dict(sorted(counted.items())),
            "outstanding": dict(sorted(raters.outstanding.items())),
            "held": sorted(raters.held),
        },
        "grade_bands": [{"grade": b.grade, "min_score": _normalized(b.min_score)} for b in bands],
        "snapshot": inputs.snapshot,
    }


def compute(inputs: ReviewInputs, conf: ScoringSettings) -> Computed:
    """The review's score, grade, completeness, explanation and inputs record."""
    raters = _raters(inputs)
    try:
        bands = grade_bands_for(inputs.template, conf.grade_bands)
        return _compute(inputs, conf, raters, bands)
    except ScoringError as error:
        # a template or goal set up wrongly: no score, and the reason (no answer is in it:
        # answers are checked before they reach the math)
        params = {key: value for key, value in error.params.items() if key != "value"}
        explanation = {
            "rule_version": RULE_VERSION,
            "error": {"code": error.code, "params": params},
            "sections": [],
            "vetoes": [],
            "steps": [],
        }
        return Computed(
            None,
            "",
            False,
            explanation,
            lambda: _inputs_record(inputs, raters, conf, DEFAULT_GRADE_BANDS),
        )


def _compute(
    inputs: ReviewInputs, conf: ScoringSettings, raters: _Raters, bands: Sequence[GradeBand]
) -> Computed:
    template = inputs.template
    rated: dict[int, _Rated | None] = {}
    rated_tasks: dict[int, RaterBlend] = {}
    for section in template.sections:
        if section.kind in RATED_KINDS:
            rated[section.id] = _rated_section(section, inputs, raters, conf.k)
            result = rated[section.id]
            if section.kind == SectionKind.TASKS and result is not None:
                rated_tasks.update(
                    {goal: blend for goal, blend in result.goals.items() if blend.score is not None}
                )

    section_keys, veto_keys = _Keys(), _Keys()
    not_applicable: set[int] = set()
    scored_sections: list[SectionFacts] = []
    review_sections: list[ReviewSection] = []
    vetoes: list[ReviewVeto] = []
    veto_rows: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    missing_goal = False
    for section in template.sections:
        row: dict[str, Any] = {
            "id": section.id,
            "kind": section.kind,
            "title": section.title,
            "weight": _normalized(section.weight),
            "score": None,
        }
        if section.kind == SectionKind.VETO:
            for veto, veto_row in _veto_section(section, inputs, raters, veto_keys):
                vetoes.append(veto)
                veto_rows.append(veto_row)
            continue
        score: Decimal | None = None
        if section.kind == SectionKind.GOALS:
            goals = _goal_section(section, inputs, rated_tasks)
            score = goals.score
            missing_goal = missing_goal or (goals.missing and section.weight > 0)
            row.update(goals=goals.goals, steps=goals.steps)
            for key, goal_score in goals.vetoes:
                vetoes.append(
                    ReviewVeto(
                        key=veto_keys(key),
                        triggered=True,
                        grade=goal_score.veto_grade or "D",
                        score_cap=goal_score.veto_score_cap,
                    )
                )
                veto_rows.append(
                    {
                        "title": key,
                        "source": "goal",
                        "triggered": True,
                        "grade": goal_score.veto_grade or "D",
                        "score_cap": _num(goal_score.veto_score_cap),
                    }
                )
        else:
            result = rated.get(section.id)
            if result is not None:
                score = result.blend.score
                row.update(
                    types=_types(result.blend), held=result.held, steps=_steps(result.blend.steps)
                )
                if result.held:
                    row["steps"] = [
                        {"code": "rater_type_held", "values": {"type": kind}}
                        for kind in result.held
                    ] + row["steps"]
            else:
                row.update(types=[], held=[], steps=[])
        if _not_applicable(section, inputs, row):
            # nothing of this section concerns the person (no key tasks on the scorecard):
            # it is left out, and the other sections weigh in its place
            not_applicable.add(section.id)
            row["not_applicable"] = True
            row["steps"] = [{"code": "section_not_applicable", "values": {}}]
        row["score"] = _score(score)
        shown.append(row)
        review_sections.append(
            ReviewSection(key=section_keys(section.title), weight=section.weight, score=score)
        )
        scored_sections.append(section)

    total = review_score(review_sections, vetoes=vetoes, partial=True)
    grade, grade_steps = grade_for(total.score, bands, veto_grade=total.veto_grade)
    section_missing = any(
        s.score is None and s.weight > 0
        for s, section in zip(review_sections, scored_sections, strict=True)
        if section.id not in not_applicable
    )
    complete = (
        total.score is not None
        and not section_missing
        and not missing_goal
        and not total.open_vetoes
        and not raters.held
        and not any(raters.outstanding.values())
    )
    explanation = {
        "rule_version": RULE_VERSION,
        "complete": complete,
        "score": _score(total.score),
        "grade": grade or "",
        "k": conf.k,
        "sections": shown,
        "vetoes": veto_rows,
        "steps": _steps(total.steps) + _steps(grade_steps),
        "grade_bands": [{"grade": b.grade, "min_score": _normalized(b.min_score)} for b in bands],
    }
    return Computed(
        score=total.score,
        grade=grade or "",
        complete=complete,
        explanation=explanation,
        record=lambda: _inputs_record(inputs, raters, conf, bands),
    )
