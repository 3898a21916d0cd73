"""Rating scales, and one rater's score for a section of a review.

Rules (they define the product's numbers, DESIGN.md §5):

Scales. Every answer becomes points on 0–100 so that questions on different scales can be
averaged and weighted together.

- ``numeric`` (min, max, optional step): points = (answer − min) / (max − min) × 100, so a
  1–5 scale reads 1 → 0, 3 → 50, 5 → 100 and a 0–100 scale reads as itself. An answer
  outside [min, max] (``out_of_range``) or off the step counted from min
  (``answer_off_step``) is refused. min must be below max (``scale_inverted``); a step must
  be positive and divide max − min, so max can be answered (``scale_step_invalid``). When 1
  of 5 should be worth 20 points rather than 0, use a levels scale.
- ``levels``: an ordered list of levels, each a code ("S", "A", …, or "5", "4", …), its
  points (0–100) and an optional label. At least two levels (``levels_too_few``), codes not
  empty (``code_empty``) and unique (``duplicate_key``); points need not follow the order,
  which is the order shown. The answer is a level's code (``unknown_level`` otherwise).
- ``yes_no``: yes = 100 and no = 0 unless set otherwise, each within 0–100; yes may score
  below no, for questions asked the other way round ("any safety incident?").
  The answer is a bool (``not_a_boolean`` otherwise).

Scales are stored as JSON: ``scale_from_data`` reads ``{"kind": "numeric", "min": "1",
"max": "5", "step": "1"}``, ``{"kind": "levels", "levels": [{"code": "S", "points":
"100", "label": "…"}, …]}`` or ``{"kind": "yes_no", "yes": "100", "no": "0"}`` (numbers as
int, float, str or Decimal) and refuses unknown keys; ``scale_to_data`` writes the
normalised form back. A scale object validates itself on construction.

One rater's section score (``rater_score``): every item (question, competency) has a weight
(1 unless set, so items count equally) and an answer turned into points. Unanswered items
are left out and the weights renormalised over the answered ones: score = Σ weight ×
points / Σ weight of the answered items, on exact values, rounded once. Items of weight 0
(a comment-only question) never count. No answered item of positive weight: no score.
The steps show this rater's answers, so they are for the rater and administrators, not for
the reviewee; what the reviewee may see is the blend in ``pms.scoring.review``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pms.scoring.decimals import HUNDRED, ZERO, normalized, plain, require_finite, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact, exact_q2
from pms.scoring.steps import Step

__all__ = [
    "SCALE_KINDS",
    "Answer",
    "Level",
    "LevelsScale",
    "NumericScale",
    "RatedItem",
    "RaterScore",
    "RatingScale",
    "YesNoScale",
    "rater_score",
    "scale_from_data",
    "scale_points",
    "scale_to_data",
]

SCALE_KINDS: tuple[str, ...] = ("numeric", "levels", "yes_no")


def _points_in_range(value: Decimal, field: str, **extra: str) -> None:
    require_finite(value, field)
    if not ZERO <= value <= HUNDRED:
        raise ScoringError("out_of_range", {"field": field, "min": "0", "max": "100", **extra})


@dataclass(frozen=True)
class NumericScale:
    """A number from ``min`` to ``max`` (optionally on ``step``), read linearly as 0–100."""

    min: Decimal
    max: Decimal
    step: Decimal | None = None

    def __post_init__(self) -> None:
        require_finite(self.min, "min")
        require_finite(self.max, "max")
        if self.min >= self.max:
            raise ScoringError(
                "scale_inverted", {"min": normalized(self.min), "max": normalized(self.max)}
            )
        if self.step is not None:
            require_finite(self.step, "step")
            if self.step <= 0 or (self.max - self.min) % self.step != 0:
                raise ScoringError(
                    "scale_step_invalid",
                    {
                        "step": normalized(self.step),
                        "min": normalized(self.min),
                        "max": normalized(self.max),
                    },
                )


@dataclass(frozen=True)
class Level:
    """One level of a levels scale: the code people pick, its points and a label."""

    code: str
    points: Decimal
    label: str = ""


@dataclass(frozen=True)
class LevelsScale:
    """Named levels, in the order shown (best first, usually)."""

    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ScoringError("levels_too_few", {"count": str(len(self.levels))})
        seen: set[str] = set()
        for position, level in enumerate(self.levels, start=1):
            where = str(position)
            code = level.code.strip()
            if not code:
                raise ScoringError("code_empty", {"field": "level", "position": where})
            if code in seen:
                raise ScoringError("duplicate_key", {"field": "level", "key": code})
            seen.add(code)
            _points_in_range(level.points, "points", position=where)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(level.code.strip() for level in self.levels)


@dataclass(frozen=True)
class YesNoScale:
    """Yes or no, worth ``yes`` and ``no`` points."""

    yes: Decimal = HUNDRED
    no: Decimal = ZERO

    def __post_init__(self) -> None:
        _points_in_range(self.yes, "yes")
        _points_in_range(self.no, "no")


RatingScale = NumericScale | LevelsScale | YesNoScale

# A numeric answer is a number (Decimal, int, or a numeric string from a form), a levels
# answer a level's code, a yes/no answer a bool.
Answer = Decimal | int | str | bool


# --- points -----------------------------------------------------------------------------------


def _exact_points(scale: RatingScale, answer: Answer) -> tuple[Fraction, str]:
    """The answer's exact points and the answer as the steps show it."""
    match scale:
        case NumericScale():
            value = to_decimal(answer, "answer")
            if not scale.min <= value <= scale.max:
                raise ScoringError(
                    "out_of_range",
                    {
                        "field": "answer",
                        "value": plain(value),
                        "min": normalized(scale.min),
                        "max": normalized(scale.max),
                    },
                )
            if scale.step is not None and (value - scale.min) % scale.step != 0:
                raise ScoringError(
                    "answer_off_step",
                    {
                        "value": plain(value),
                        "min": normalized(scale.min),
                        "step": normalized(scale.step),
                    },
                )
            share = (exact(value) - exact(scale.min)) / (exact(scale.max) - exact(scale.min))
            return share * 100, plain(value)
        case LevelsScale():
            for code, level in zip(scale.codes, scale.levels, strict=True):
                if isinstance(answer, str) and answer.strip() == code:
                    return exact(level.points), code
            raise ScoringError(
                "unknown_level", {"code": str(answer), "codes": ", ".join(scale.codes)}
            )
        case YesNoScale():
            if not isinstance(answer, bool):
                raise ScoringError("not_a_boolean", {"field": "answer"})
            return exact(scale.yes if answer else scale.no), "yes" if answer else "no"


def scale_points(scale: RatingScale, answer: Answer) -> Decimal:
    """The answer's points on 0–100, two decimals; ``ScoringError`` for an invalid answer."""
    points, _shown = _exact_points(scale, answer)
    return exact_q2(points)


# --- JSON-like data ---------------------------------------------------------------------------

_FIELDS: dict[str, frozenset[str]] = {
    "numeric": frozenset({"min", "max", "step"}),
    "levels": frozenset({"levels"}),
    "yes_no": frozenset({"yes", "no"}),
}
_LEVEL_FIELDS = frozenset({"code", "points", "label"})


def scale_from_data(data: Mapping[str, object]) -> RatingScale:
    """A scale from a JSON-like dict; numbers may be int, float, str or Decimal."""
    if not isinstance(data, Mapping):
        raise ScoringError("scale_malformed", {"field": "scale"})
    if "kind" not in data:
        raise ScoringError("scale_missing_field", {"field": "kind"})
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in _PARSERS:
        raise ScoringError(
            "unknown_scale_kind", {"kind": str(kind), "kinds": ", ".join(SCALE_KINDS)}
        )
    for key in data:
        if key != "kind" and key not in _FIELDS[kind]:
            raise ScoringError("scale_unknown_field", {"field": str(key)})
    return _PARSERS[kind](data)


def _required(data: Mapping[str, object], name: str, **where: str) -> object:
    if name not in data or data[name] is None:
        raise ScoringError("scale_missing_field", {"field": name, **where})
    return data[name]


def _parse_numeric(data: Mapping[str, object]) -> RatingScale:
    step = data.get("step")
    return NumericScale(
        min=to_decimal(_required(data, "min"), "min"),
        max=to_decimal(_required(data, "max"), "max"),
        step=None if step is None else to_decimal(step, "step"),
    )


def _parse_level(raw: object, position: int) -> Level:
    where = {"position": str(position)}
    if not isinstance(raw, Mapping):
        raise ScoringError("scale_malformed", {"field": "levels", **where})
    for key in raw:
        if key not in _LEVEL_FIELDS:
            raise ScoringError("scale_unknown_field", {"field": str(key), **where})
    code = _required(raw, "code", **where)
    label = raw.get("label", "")
    if not isinstance(code, str):
        raise ScoringError("scale_malformed", {"field": "code", **where})
    if not isinstance(label, str):
        raise ScoringError("scale_malformed", {"field": "label", **where})
    points = to_decimal(_required(raw, "points", **where), "points", where)
    return Level(code=code.strip(), points=points, label=label.strip())


def _parse_levels(data: Mapping[str, object]) -> RatingScale:
    raw = _required(data, "levels")
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ScoringError("scale_malformed", {"field": "levels"})
    return LevelsScale(
        levels=tuple(_parse_level(level, position) for position, level in enumerate(raw, 1))
    )


def _parse_yes_no(data: Mapping[str, object]) -> RatingScale:
    yes, no = data.get("yes"), data.get("no")
    return YesNoScale(
        yes=HUNDRED if yes is None else to_decimal(yes, "yes"),
        no=ZERO if no is None else to_decimal(no, "no"),
    )


_PARSERS: dict[str, Callable[[Mapping[str, object]], RatingScale]] = {
    "numeric": _parse_numeric,
    "levels": _parse_levels,
    "yes_no": _parse_yes_no,
}


def scale_to_data(scale: RatingScale) -> dict[str, object]:
    """The JSON-like dict of a scale, numbers as normalised strings ("5", "0.5")."""
    n = normalized
    match scale:
        case NumericScale():
            data: dict[str, object] = {"kind": "numeric", "min": n(scale.min), "max": n(scale.max)}
            if scale.step is not None:
                data["step"] = n(scale.step)
            return data
        case LevelsScale():
            levels: list[dict[str, str]] = []
            for level in scale.levels:
                entry = {"code": level.code, "points": n(level.points)}
                if level.label:
                    entry["label"] = level.label
                levels.append(entry)
            return {"kind": "levels", "levels": levels}
        case YesNoScale():
            return {"kind": "yes_no", "yes": n(scale.yes), "no": n(scale.no)}


# --- one rater's section score ----------------------------------------------------------------


@dataclass(frozen=True)
class RatedItem:
    """One question or competency as one rater answered it (``answer`` None: not answered)."""

    key: str
    scale: RatingScale
    answer: Answer | None
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class RaterScore:
    """One rater's score for a section; None when no item of positive weight is answered."""

    score: Decimal | None
    answered: int  # answered items of positive weight
    items: int  # items of positive weight
    steps: tuple[Step, ...]


def rater_score(items: Sequence[RatedItem]) -> RaterScore:
    """Σ weight × points / Σ weight over the answered items, rounded once."""
    steps: list[Step] = []
    total = Fraction(0)
    answered_weight = ZERO
    answered = counted = 0
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise ScoringError("duplicate_key", {"field": "item", "key": item.key})
        seen.add(item.key)
        require_finite(item.weight, "weight")
        if item.weight < 0:
            raise ScoringError("negative", {"field": "weight", "key": item.key})
        if item.weight == 0:
            # still checked, so a wrong answer is caught even where it does not count
            if item.answer is not None:
                _exact_points(item.scale, item.answer)
            continue
        counted += 1
        if item.answer is None:
            steps.append(
                Step("rating_item_unanswered", {"key": item.key, "weight": plain(item.weight)})
            )
            continue
        points, shown = _exact_points(item.scale, item.answer)
        total += exact(item.weight) * points
        answered_weight += item.weight
        answered += 1
        steps.append(
            Step(
                "rating_item",
                {
                    "key": item.key,
                    "weight": plain(item.weight),
                    "answer": shown,
                    "points": plain(exact_q2(points)),
                },
            )
        )
    score: Decimal | None = None
    if answered:
        score = exact_q2(total / exact(answered_weight))
        steps.append(
            Step(
                "rater_score",
                {
                    "answered": str(answered),
                    "items": str(counted),
                    "weight": plain(answered_weight),
                    "result": plain(score),
                },
            )
        )
    return RaterScore(score=score, answered=answered, items=counted, steps=tuple(steps))
