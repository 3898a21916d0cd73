"""Scoring rules as data, and the score of one goal under its rule.

A goal's score is its indicator's rule applied to the goal's inputs: linear on attainment,
stepped bands, pass/fail, milestone share, deduction (扣分) and veto (一票否决). Rules are
frozen dataclasses that round-trip through JSON-like dicts (``parse_rule`` /
``rule_to_data``) so they can be stored on an indicator, versioned and snapshotted with the
score they produced. A rule validates itself on construction, so a rule object that exists
is a valid rule.

``score_goal`` returns the score with the steps that produced it, because every number shown
to a person must be explainable. Scores have two decimals (half-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pms.scoring.attainment import Direction, explain_attainment
from pms.scoring.decimals import HUNDRED, ZERO, normalized, plain, q2, require_finite, to_decimal
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.steps import STEP_CODES, Step

__all__ = [
    "DEFAULT_RULE",
    "ERROR_CODES",
    "GRADES",
    "RULE_TYPES",
    "STEP_CODES",
    "BandsRule",
    "DeductionRule",
    "GoalInput",
    "GoalScore",
    "LinearRule",
    "Milestone",
    "MilestoneRule",
    "PassFailRule",
    "Rule",
    "ScoringError",
    "Step",
    "VetoRule",
    "parse_rule",
    "rule_to_data",
    "score_goal",
    "score_linear",
]

# Best to worst; a veto sends the scorecard to a grade, and the worst veto wins.
GRADES: tuple[str, ...] = ("S", "A", "B", "C", "D")


def _non_negative(value: Decimal, field_name: str, **extra: str) -> None:
    require_finite(value, field_name)
    if value < 0:
        raise ScoringError("negative", {"field": field_name, **extra})


@dataclass(frozen=True)
class LinearRule:
    """Score = attainment, clamped to [floor, cap] (e.g. 0–120 %)."""

    floor: Decimal = Decimal(0)
    cap: Decimal = Decimal(120)

    def __post_init__(self) -> None:
        _non_negative(self.floor, "floor")
        _non_negative(self.cap, "cap")
        if self.floor > self.cap:
            raise ScoringError(
                "floor_above_cap", {"floor": normalized(self.floor), "cap": normalized(self.cap)}
            )


@dataclass(frozen=True)
class BandsRule:
    """Stepped bands of (min attainment, score), highest min first; under all: ``below``.

    Mins must be strictly descending and scores must not rise as the min falls, so a
    higher attainment never scores less.
    """

    bands: tuple[tuple[Decimal, Decimal], ...]
    below: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not self.bands:
            raise ScoringError("bands_empty")
        previous: tuple[Decimal, Decimal] | None = None
        for position, (minimum, score) in enumerate(self.bands, start=1):
            _non_negative(minimum, "bands", position=str(position))
            _non_negative(score, "bands", position=str(position))
            if previous is not None and minimum >= previous[0]:
                raise ScoringError(
                    "bands_not_descending", {"field": "min", "position": str(position)}
                )
            if previous is not None and score > previous[1]:
                raise ScoringError(
                    "bands_not_descending", {"field": "score", "position": str(position)}
                )
            previous = (minimum, score)
        _non_negative(self.below, "below")
        if self.below > self.bands[-1][1]:
            raise ScoringError(
                "bands_not_descending", {"field": "below", "position": str(len(self.bands) + 1)}
            )


@dataclass(frozen=True)
class PassFailRule:
    """``pass_score`` when passed (explicit ``passed``, or attainment ≥ threshold)."""

    threshold: Decimal = Decimal(100)
    pass_score: Decimal = Decimal(100)
    fail_score: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _non_negative(self.threshold, "threshold")
        _non_negative(self.pass_score, "pass_score")
        _non_negative(self.fail_score, "fail_score")
        if self.fail_score > self.pass_score:
            raise ScoringError(
                "fail_above_pass",
                {
                    "pass_score": normalized(self.pass_score),
                    "fail_score": normalized(self.fail_score),
                },
            )


@dataclass(frozen=True)
class MilestoneRule:
    """Score = share of milestones done × 100 (weighted if the input gives weights), ≤ cap."""

    cap: Decimal = Decimal(100)

    def __post_init__(self) -> None:
        _non_negative(self.cap, "cap")


@dataclass(frozen=True)
class DeductionRule:
    """扣分: score = max(floor, start − count × per_unit), e.g. −2 per complaint."""

    start: Decimal = Decimal(100)
    per_unit: Decimal = Decimal(2)
    floor: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _non_negative(self.start, "start")
        _non_negative(self.per_unit, "per_unit")
        _non_negative(self.floor, "floor")
        if self.floor > self.start:
            raise ScoringError(
                "floor_above_start",
                {"floor": normalized(self.floor), "start": normalized(self.start)},
            )


@dataclass(frozen=True)
class VetoRule:
    """一票否决: when triggered the goal scores 0 and the scorecard goes to ``grade``.

    Triggered when the input's ``count`` is above 0 or its ``passed`` is False (e.g. one
    safety incident). If ``score`` is set, the scorecard's score is also capped at it.
    """

    grade: str = "D"
    score: Decimal | None = None

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ScoringError("bad_grade", {"grade": str(self.grade), "grades": ", ".join(GRADES)})
        if self.score is not None:
            _non_negative(self.score, "score")


Rule = LinearRule | BandsRule | PassFailRule | MilestoneRule | DeductionRule | VetoRule

DEFAULT_RULE = LinearRule()


# --- JSON-like data ---------------------------------------------------------------------------

RULE_TYPES: tuple[str, ...] = ("linear", "bands", "pass_fail", "milestones", "deduction", "veto")

_FIELDS: dict[str, frozenset[str]] = {
    "linear": frozenset({"floor", "cap"}),
    "bands": frozenset({"bands", "below"}),
    "pass_fail": frozenset({"threshold", "pass_score", "fail_score"}),
    "milestones": frozenset({"cap"}),
    "deduction": frozenset({"start", "per_unit", "floor"}),
    "veto": frozenset({"grade", "score"}),
}


def parse_rule(data: Mapping[str, object]) -> Rule:
    """A rule from a JSON-like dict; numbers may be int, float, str or Decimal.

    Unknown keys are refused (``unknown_field``) so a typo such as ``per_unti`` does not
    silently fall back to the default.
    """
    if not isinstance(data, Mapping):
        raise ScoringError("not_a_mapping")
    if "type" not in data:
        raise ScoringError("missing_field", {"field": "type"})
    kind = data["type"]
    if not isinstance(kind, str) or kind not in _PARSERS:
        raise ScoringError("unknown_type", {"type": str(kind)})
    for key in data:
        if key != "type" and key not in _FIELDS[kind]:
            raise ScoringError("unknown_field", {"field": str(key)})
    return _PARSERS[kind](data)


def _number(data: Mapping[str, object], name: str, default: Decimal) -> Decimal:
    if name not in data or data[name] is None:
        return default
    return to_decimal(data[name], name)


def _parse_linear(data: Mapping[str, object]) -> Rule:
    return LinearRule(
        floor=_number(data, "floor", LinearRule.floor),
        cap=_number(data, "cap", LinearRule.cap),
    )


def _parse_bands(data: Mapping[str, object]) -> Rule:
    if "bands" not in data or data["bands"] is None:
        raise ScoringError("missing_field", {"field": "bands"})
    raw = data["bands"]
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ScoringError("bands_malformed")
    bands: list[tuple[Decimal, Decimal]] = []
    for position, pair in enumerate(raw, start=1):
        where = {"position": str(position)}
        if not isinstance(pair, Sequence) or isinstance(pair, str | bytes) or len(pair) != 2:
            raise ScoringError("bands_malformed", where)
        bands.append((to_decimal(pair[0], "bands", where), to_decimal(pair[1], "bands", where)))
    return BandsRule(bands=tuple(bands), below=_number(data, "below", ZERO))


def _parse_pass_fail(data: Mapping[str, object]) -> Rule:
    return PassFailRule(
        threshold=_number(data, "threshold", PassFailRule.threshold),
        pass_score=_number(data, "pass_score", PassFailRule.pass_score),
        fail_score=_number(data, "fail_score", PassFailRule.fail_score),
    )


def _parse_milestones(data: Mapping[str, object]) -> Rule:
    return MilestoneRule(cap=_number(data, "cap", MilestoneRule.cap))


def _parse_deduction(data: Mapping[str, object]) -> Rule:
    return DeductionRule(
        start=_number(data, "start", DeductionRule.start),
        per_unit=_number(data, "per_unit", DeductionRule.per_unit),
        floor=_number(data, "floor", DeductionRule.floor),
    )


def _parse_veto(data: Mapping[str, object]) -> Rule:
    grade = data.get("grade", VetoRule.grade)
    if not isinstance(grade, str):
        raise ScoringError("bad_grade", {"grade": str(grade), "grades": ", ".join(GRADES)})
    score = data.get("score")
    return VetoRule(
        grade=grade.strip().upper(),
        score=None if score is None else to_decimal(score, "score"),
    )


_PARSERS: dict[str, Callable[[Mapping[str, object]], Rule]] = {
    "linear": _parse_linear,
    "bands": _parse_bands,
    "pass_fail": _parse_pass_fail,
    "milestones": _parse_milestones,
    "deduction": _parse_deduction,
    "veto": _parse_veto,
}


def rule_to_data(rule: Rule) -> dict[str, object]:
    """The JSON-like dict of a rule, numbers as normalised strings ("120", "0.5")."""
    n = normalized
    match rule:
        case LinearRule():
            return {"type": "linear", "floor": n(rule.floor), "cap": n(rule.cap)}
        case BandsRule():
            return {
                "type": "bands",
                "bands": [[n(minimum), n(score)] for minimum, score in rule.bands],
                "below": n(rule.below),
            }
        case PassFailRule():
            return {
                "type": "pass_fail",
                "threshold": n(rule.threshold),
                "pass_score": n(rule.pass_score),
                "fail_score": n(rule.fail_score),
            }
        case MilestoneRule():
            return {"type": "milestones", "cap": n(rule.cap)}
        case DeductionRule():
            return {
                "type": "deduction",
                "start": n(rule.start),
                "per_unit": n(rule.per_unit),
                "floor": n(rule.floor),
            }
        case VetoRule():
            data: dict[str, object] = {"type": "veto", "grade": rule.grade}
            if rule.score is not None:
                data["score"] = n(rule.score)
            return data


# --- scoring one goal -------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    """One milestone of a task, for weighted milestone scoring."""

    weight: Decimal = Decimal(1)
    done: bool = False
    key: str = ""


@dataclass(frozen=True)
class GoalInput:
    """What a goal has recorded so far; a rule reads only the fields it needs.

    ``milestones`` (weighted) takes precedence over ``milestones_done`` / ``milestones_total``.
    """

    actual: Decimal | None = None
    target: Decimal | None = None
    direction: Direction = Direction.HIGHER
    target_max: Decimal | None = None
    baseline: Decimal | None = None
    count: Decimal | None = None
    passed: bool | None = None
    milestones_done: int | None = None
    milestones_total: int | None = None
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class GoalScore:
    """A goal's score with its explanation; ``score`` is None until the inputs are there.

    ``veto_score_cap`` carries a triggered ``VetoRule.score`` up to the scorecard.
    """

    score: Decimal | None
    attainment: Decimal | None
    vetoed: bool
    veto_grade: str | None
    steps: tuple[Step, ...]
    rule: dict[str, object]
    veto_score_cap: Decimal | None = None


def score_goal(rule: Rule, inputs: GoalInput) -> GoalScore:
    """The goal's score under ``rule``; raises ``ScoringError`` on invalid inputs."""
    match rule:
        case LinearRule():
            return _score_linear(rule, inputs)
        case BandsRule():
            return _score_bands(rule, inputs)
        case PassFailRule():
            return _score_pass_fail(rule, inputs)
        case MilestoneRule():
            return _score_milestones(rule, inputs)
        case DeductionRule():
            return _score_deduction(rule, inputs)
        case VetoRule():
            return _score_veto(rule, inputs)


# Each rule's data, made once (rules are immutable and a company has a few dozen over a
# million goals); every score gets its own copy, which it may keep or change.
_RULE_DATA: dict[Rule, dict[str, object]] = {}
_RULE_DATA_MAX = 1_000


def _rule_data(rule: Rule) -> dict[str, object]:
    try:
        found = _RULE_DATA.get(rule)
    except TypeError:  # built by hand with a list of bands: not hashable, made each time
        return rule_to_data(rule)
    if found is None:
        if len(_RULE_DATA) >= _RULE_DATA_MAX:
            _RULE_DATA.clear()
        found = _RULE_DATA[rule] = rule_to_data(rule)
    data = dict(found)
    bands = data.get("bands")
    if isinstance(bands, list):
        data["bands"] = [list(pair) for pair in bands]
    return data


def _result(
    rule: Rule,
    score: Decimal | None,
    steps: list[Step],
    *,
    attainment: Decimal | None = None,
) -> GoalScore:
    return GoalScore(
        score=score,
        attainment=attainment,
        vetoed=False,
        veto_grade=None,
        steps=tuple(steps),
        rule=_rule_data(rule),
    )


def _missing(*names: str) -> list[Step]:
    return [Step("missing_input", {"field": name}) for name in names]


def _attainment(inputs: GoalInput) -> tuple[Decimal | None, list[Step]]:
    """Attainment from the inputs, or None with a ``missing_input`` step per absent field."""
    absent = [name for name in ("actual", "target") if getattr(inputs, name) is None]
    if inputs.direction == Direction.RANGE and inputs.target_max is None:
        absent.append("target_max")
    if absent or inputs.actual is None or inputs.target is None:
        return None, _missing(*absent)
    value, step = explain_attainment(
        actual=inputs.actual,
        target=inputs.target,
        direction=inputs.direction,
        target_max=inputs.target_max,
        baseline=inputs.baseline,
    )
    return value, [step]


def _score_linear(rule: LinearRule, inputs: GoalInput) -> GoalScore:
    value, steps = _attainment(inputs)
    if value is None:
        return _result(rule, None, steps)
    score = q2(min(max(value, rule.floor), rule.cap))
    steps.append(
        Step(
            "clamp",
            {
                "floor": plain(rule.floor),
                "cap": plain(rule.cap),
                "attainment": plain(value),
                "result": plain(score),
            },
        )
    )
    return _result(rule, score, steps, attainment=value)


def score_linear(
    rule: LinearRule,
    *,
    actual: Decimal | None,
    target: Decimal | None,
    direction: Direction = Direction.HIGHER,
    target_max: Decimal | None = None,
    baseline: Decimal | None = None,
) -> GoalScore:
    """``score_goal(rule, GoalInput(actual=…, target=…, …))`` for the linear rule, the rule of
    most goals, without making the input and dispatching on the rule: the same score,
    attainment, steps and rule data (property-tested against ``score_goal``). For scoring
    the goals of a whole cycle."""
    if actual is None or target is None or (target_max is None and direction == Direction.RANGE):
        return _score_linear(
            rule,
            GoalInput(
                actual=actual,
                target=target,
                direction=direction,
                target_max=target_max,
                baseline=baseline,
            ),
        )
    value, attainment_step = explain_attainment(
        actual=actual,
        target=target,
        direction=direction,
        target_max=target_max,
        baseline=baseline,
    )
    floor, cap = rule.floor, rule.cap
    shown = attainment_step.values["result"]  # plain(value)
    if value > cap:
        score = q2(cap)
        result = plain(score)
    elif value < floor:
        score = q2(floor)
        result = plain(score)
    else:
        # the attainment has two decimals already: rounding it again leaves it as it is
        score, result = value, shown
    clamp = Step(
        "clamp",
        {"floor": plain(floor), "cap": plain(cap), "attainment": shown, "result": result},
    )
    return GoalScore(score, value, False, None, (attainment_step, clamp), _rule_data(rule))


def _score_bands(rule: BandsRule, inputs: GoalInput) -> GoalScore:
    value, steps = _attainment(inputs)
    if value is None:
        return _result(rule, None, steps)
    for minimum, band_score in rule.bands:
        if value >= minimum:
            score = q2(band_score)
            steps.append(
                Step(
                    "band",
                    {"min": plain(minimum), "score": plain(score), "attainment": plain(value)},
                )
            )
            return _result(rule, score, steps, attainment=value)
    score = q2(rule.below)
    steps.append(Step("band_below", {"below": plain(score), "attainment": plain(value)}))
    return _result(rule, score, steps, attainment=value)


def _score_pass_fail(rule: PassFailRule, inputs: GoalInput) -> GoalScore:
    if inputs.passed is not None:
        value: Decimal | None = None
        steps: list[Step] = []
        passed = inputs.passed
        explanation = {"source": "input"}
    else:
        value, steps = _attainment(inputs)
        if value is None:
            return _result(rule, None, steps)
        passed = value >= rule.threshold
        explanation = {"source": "attainment", "threshold": plain(rule.threshold)}
    score = q2(rule.pass_score if passed else rule.fail_score)
    steps.append(
        Step(
            "pass_fail",
            {"passed": "true" if passed else "false", **explanation, "result": plain(score)},
        )
    )
    return _result(rule, score, steps, attainment=value)


def _score_milestones(rule: MilestoneRule, inputs: GoalInput) -> GoalScore:
    if inputs.milestones:
        for milestone in inputs.milestones:
            _non_negative(milestone.weight, "milestones")
        done = sum((m.weight for m in inputs.milestones if m.done), ZERO)
        total = sum((m.weight for m in inputs.milestones), ZERO)
    else:
        absent = [
            name
            for name in ("milestones_done", "milestones_total")
            if getattr(inputs, name) is None
        ]
        if absent or inputs.milestones_done is None or inputs.milestones_total is None:
            return _result(rule, None, _missing(*absent))
        done = Decimal(inputs.milestones_done)
        total = Decimal(inputs.milestones_total)
        _non_negative(done, "milestones_done")
        _non_negative(total, "milestones_total")
        if done > total:
            raise ScoringError(
                "milestones_exceed_total", {"done": plain(done), "total": plain(total)}
            )
    share = q2(done / total * HUNDRED) if total > 0 else ZERO
    score = q2(min(share, rule.cap))
    step = Step(
        "milestones",
        {
            "done": plain(done),
            "total": plain(total),
            "cap": plain(rule.cap),
            "result": plain(score),
        },
    )
    return _result(rule, score, [step], attainment=share)


def _score_deduction(rule: DeductionRule, inputs: GoalInput) -> GoalScore:
    if inputs.count is None:
        return _result(rule, None, _missing("count"))
    _non_negative(inputs.count, "count")
    score = q2(max(rule.floor, rule.start - inputs.count * rule.per_unit))
    step = Step(
        "deduction",
        {
            "start": plain(rule.start),
            "count": plain(inputs.count),
            "per_unit": plain(rule.per_unit),
            "floor": plain(rule.floor),
            "result": plain(score),
        },
    )
    return _result(rule, score, [step])


def _score_veto(rule: VetoRule, inputs: GoalInput) -> GoalScore:
    if inputs.count is None and inputs.passed is None:
        return _result(rule, None, _missing("count"))
    if inputs.count is not None:
        _non_negative(inputs.count, "count")
    triggered = (inputs.count is not None and inputs.count > 0) or inputs.passed is False
    if not triggered:
        return _result(rule, q2(HUNDRED), [Step("veto_clear", {"result": plain(q2(HUNDRED))})])
    values: dict[str, str] = {}
    if inputs.count is not None:
        values["count"] = plain(inputs.count)
    if inputs.passed is not None:
        values["passed"] = "true" if inputs.passed else "false"
    values["grade"] = rule.grade
    if rule.score is not None:
        values["score_cap"] = plain(rule.score)
    values["result"] = plain(q2(ZERO))
    return GoalScore(
        score=q2(ZERO),
        attainment=None,
        vetoed=True,
        veto_grade=rule.grade,
        steps=(Step("veto", values),),
        rule=rule_to_data(rule),
        veto_score_cap=rule.score,
    )
