"""A stored result in words: "how was this computed", from the explanation kept with it.

Every step is a code with string values (``pms.scoring`` and ``services.scoring``); the
sentences are ``pms.goals.rules``' (goals, scorecards, prorating), ``pms.reviews.wording``'s
(rater types, vetoes, grades) and the few below for the steps this app adds (registered
with ``register_wording`` from ``apps.ready``). Rater types are said by their label before
a sentence is filled. Nothing is computed again here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.goals.models import GoalKind
from pms.goals.rules import describe_rule, explain_step, rule_error_message
from pms.reviews.models import RaterType, ReviewResult
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = [
    "EXPLAIN_STEP_SENTENCES",
    "Explained",
    "ExplainedGoal",
    "ExplainedSection",
    "ExplainedType",
    "explain_result",
    "sentences",
]

# The steps services.scoring adds around pms.scoring's.
EXPLAIN_STEP_SENTENCES: dict[str, Promise] = {
    # values type: an anonymous type whose phase has not closed for everybody yet
    "rater_type_held": gettext_lazy(
        "%(type)s: answers are counted once their review phase has closed"
    ),
    "goal_section_empty": gettext_lazy("No goals on the scorecard belong to this section."),
    # values weight: the goals of the section weigh this much together
    "goal_weights_scaled": gettext_lazy(
        "The goals of this section weigh %(weight)s%% together, so their weighted mean is "
        "taken over that weight"
    ),
    # values label, start, end: the version whose steps follow
    "goal_version": gettext_lazy("Version %(label)s, in force %(start)s – %(end)s:"),
    # values error (a pms.scoring error code) and its params: rendered with the error message
    "goal_rule_error": gettext_lazy(
        "The scoring rule cannot be applied to this goal's figures, so it has no score yet"
    ),
    "section_not_applicable": gettext_lazy(
        "Nothing in this section concerns this person, so it is left out and the other "
        "sections weigh in its place"
    ),
}
_RULE_ERROR = gettext_lazy(
    "The scoring rule cannot be applied to this goal's figures (%(reason)s), so it has no score yet"
)

_GRADE_VETO_ALONE = gettext_lazy("A veto item sets the grade to %(grade)s")


def _type_label(kind: str) -> str:
    labels = dict(RaterType.choices)
    return str(labels.get(kind, kind))


def step_sentence(data: Mapping[str, Any]) -> str:
    """One stored step (``{"code", "values"}``) as a translated sentence."""
    code = str(data.get("code", ""))
    values = {str(k): str(v) for k, v in dict(data.get("values") or {}).items()}
    if "type" in values:
        values["type"] = _type_label(values["type"])
    if code == "goal_rule_error" and values.get("error"):
        error = values.pop("error")
        reason = rule_error_message(ScoringError(error, values)).rstrip("。.")
        return str(_RULE_ERROR) % {"reason": reason}
    if code == "grade_veto" and not values.get("score_grade"):
        return str(_GRADE_VETO_ALONE) % values
    return explain_step(Step(code, values))


def sentences(steps: Iterable[Mapping[str, Any]]) -> list[str]:
    return [step_sentence(step) for step in steps]


@dataclass(frozen=True)
class ExplainedType:
    rater_type: str
    label: str
    weight: str
    count: int
    minimum: int
    mean: str | None
    counted: bool


@dataclass(frozen=True)
class ExplainedGoal:
    title: str
    kind: str
    kind_label: str
    weight: str | None
    unit: str
    target: str
    actual: str | None
    attainment: str | None
    score: str | None
    rule: str
    source: str
    vetoed: bool
    sentences: list[str]
    types: list[ExplainedType] = field(default_factory=list)
    key_results: list[ExplainedGoal] = field(default_factory=list)


@dataclass(frozen=True)
class ExplainedSection:
    title: str
    kind: str
    weight: str
    score: str | None
    types: list[ExplainedType]
    held: list[str]
    goals: list[ExplainedGoal]
    sentences: list[str]


@dataclass(frozen=True)
class ExplainedVeto:
    title: str
    triggered: bool | None
    grade: str
    score_cap: str | None


@dataclass(frozen=True)
class Explained:
    score: Decimal | None
    grade: str
    complete: bool
    frozen: bool
    version: int
    k: int | None
    error: str
    sections: list[ExplainedSection]
    vetoes: list[ExplainedVeto]
    sentences: list[str]
    snapshot: dict[str, Any] | None


def _types(rows: Iterable[Mapping[str, Any]]) -> list[ExplainedType]:
    return [
        ExplainedType(
            rater_type=str(row.get("type", "")),
            label=_type_label(str(row.get("type", ""))),
            weight=str(row.get("weight", "")),
            count=int(row.get("count", 0)),
            minimum=int(row.get("minimum", 1)),
            mean=row.get("mean"),
            counted=bool(row.get("counted")),
        )
        for row in rows
    ]


def _target(row: Mapping[str, Any]) -> str:
    target, top = row.get("target"), row.get("target_max")
    if target is None:
        return "—"
    unit = f" {row['unit']}" if row.get("unit") else ""
    if top is not None:
        return f"{target} – {top}{unit}"
    if row.get("direction") == "lower":
        return f"≤ {target}{unit}"
    return f"{target}{unit}"


def _rule(row: Mapping[str, Any]) -> str:
    rule = row.get("rule") or {}
    kind = rule.get("type") if isinstance(rule, Mapping) else None
    if kind == "ratings":
        return _("Rated by the raters of the key tasks section")
    if kind == "key_results" or row.get("kind") == GoalKind.OBJECTIVE:
        return _("The weighted score of its key results")
    return describe_rule(rule) if isinstance(rule, Mapping) else ""


def _goal(row: Mapping[str, Any]) -> ExplainedGoal:
    kinds = dict(GoalKind.choices)
    return ExplainedGoal(
        title=str(row.get("title", "")),
        kind=str(row.get("kind", "")),
        kind_label=str(kinds.get(row.get("kind", ""), row.get("kind", ""))),
        weight=row.get("weight"),
        unit=str(row.get("unit", "")),
        target=_target(row),
        actual=row.get("actual"),
        attainment=row.get("attainment"),
        score=row.get("score"),
        rule=_rule(row),
        source=str(row.get("source", "")),
        vetoed=bool(row.get("vetoed")),
        sentences=sentences(row.get("steps") or []),
        types=_types(row.get("types") or []),
        key_results=[_goal(kr) for kr in row.get("key_results") or []],
    )


def explain_result(result: ReviewResult) -> Explained:
    """The stored edition in the form the result page, the API and the PDF show."""
    data: Mapping[str, Any] = result.explanation or {}
    error = ""
    if data.get("error"):
        failure = data["error"]
        error = rule_error_message(
            ScoringError(str(failure.get("code", "")), dict(failure.get("params") or {}))
        )
    sections = [
        ExplainedSection(
            title=str(row.get("title", "")),
            kind=str(row.get("kind", "")),
            weight=str(row.get("weight", "")),
            score=row.get("score"),
            types=_types(row.get("types") or []),
            held=[_type_label(kind) for kind in row.get("held") or []],
            goals=[_goal(goal) for goal in row.get("goals") or []],
            sentences=sentences(row.get("steps") or []),
        )
        for row in data.get("sections") or []
    ]
    vetoes = [
        ExplainedVeto(
            title=str(row.get("title", "")),
            triggered=row.get("triggered"),
            grade=str(row.get("grade", "")),
            score_cap=row.get("score_cap"),
        )
        for row in data.get("vetoes") or []
    ]
    snapshot = (result.inputs or {}).get("snapshot")
    return Explained(
        score=result.score,
        grade=result.grade,
        complete=result.complete,
        frozen=result.frozen,
        version=result.version,
        k=data.get("k"),
        error=error,
        sections=sections,
        vetoes=vetoes,
        sentences=sentences(data.get("steps") or []),
        snapshot=snapshot if isinstance(snapshot, dict) else None,
    )
