"""A deterministic SMART check of a goal draft, for Chinese and English goals.

It flags what a reviewer would send back — no metric, no target, no deadline, a deadline
after the period, vague verbs without a number, a weight outside the allowed range — so
the person setting the goal sees it while writing, not at the review. It is a plain
heuristic: the same draft always gives the same findings, and nothing leaves the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pms.scoring.attainment import Direction
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError

__all__ = [
    "FINDING_CODES",
    "KINDS",
    "MIN_TITLE_LENGTH",
    "Finding",
    "GoalDraft",
    "Severity",
    "check_goal",
    "has_number",
    "vague_words",
]

FINDING_CODES: tuple[str, ...] = (
    "title_too_short",  # params: length, min
    "vague_verb",  # params: words (comma-joined, as written)
    "no_metric",  # a KPI or key result without a metric
    "no_target",  # a KPI or key result without a target value
    "range_incomplete",  # a range target without an upper bound, or upside down
    "target_below_baseline",  # params: target, baseline — the target is no improvement
    "no_deadline",  # a task without a due date, or any goal without one and no period end
    "deadline_after_period",  # params: due, period_end (ISO dates)
    "no_completion_standard",  # a task without a definition of done
    "weight_out_of_range",  # params: weight, min, max
)

KINDS: tuple[str, ...] = ("kpi", "task", "objective", "key_result")
MEASURED_KINDS = frozenset({"kpi", "key_result"})
MIN_TITLE_LENGTH = 4


class Severity(StrEnum):
    ADVICE = "advice"  # worth a second look; the goal may be fine as it is
    WARNING = "warning"  # the goal cannot be assessed fairly as written


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    params: dict[str, str]


@dataclass(frozen=True)
class GoalDraft:
    title: str
    description: str = ""
    kind: str = "kpi"
    metric: str = ""
    unit: str = ""
    target: Decimal | None = None
    target_max: Decimal | None = None
    baseline: Decimal | None = None
    direction: Direction = Direction.HIGHER
    due_date: date | None = None
    completion_standard: str = ""
    weight: Decimal | None = None
    min_weight: Decimal = Decimal(5)
    max_weight: Decimal = Decimal(40)
    period_end: date | None = None


# Chinese has no word boundaries, so Chinese words match anywhere; 积极性 (motivation) is a
# noun, not the adverb 积极.
_VAGUE_CHINESE = (
    "进一步",
    "提高",
    "提升",
    "加强",
    "尽量",
    "尽可能",
    "尽快",
    "优化",
    "改善",
    "争取",
    "努力",
    "适当",
    "积极(?!性)",
    "大力",
    "更好",
    "降低",
    "减少",
)
_VAGUE_ENGLISH = (
    r"improv(?:e|es|ed|ing|ements?)",
    r"better",
    r"enhanc(?:e|es|ed|ing|ements?)",
    r"try|tries|tried|trying",
    r"optimi[sz](?:e|es|ed|ing|ation)",
    r"strengthen(?:s|ed|ing)?",
    r"increas(?:e|es|ed|ing)",
    r"maximi[sz](?:e|es|ed|ing)",
    r"boost(?:s|ed|ing)?",
    r"reduc(?:e|es|ed|ing)",
    r"decreas(?:e|es|ed|ing)",
    r"minimi[sz](?:e|es|ed|ing)",
    r"as soon as possible|as much as possible|asap|best efforts?",
)
_VAGUE = re.compile(
    "|".join((*_VAGUE_CHINESE, *(rf"\b(?:{pattern})\b" for pattern in _VAGUE_ENGLISH))),
    re.IGNORECASE,
)

# Digits, percent and comparison signs, and number words. Chinese numerals also sit inside
# ordinary words (进一步, 统一, 十分 "very"), which are removed before looking for numerals.
_NUMBER_SIGNS = re.compile(r"[0-9０-９%％‰≤≥<>＜＞]")
_NOT_NUMERALS = re.compile(
    "进一步|一步|一起|统一|一致|一定|一些|一直|一般|一切|唯一|万一|一样|一同|一体|一流|一贯|"
    "逐一|一律|一度|一下|一旦|一方面|十分|千万|千方百计|万无一失|三心二意"
)
_CHINESE_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟半倍]")
_ENGLISH_NUMBERS = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|"
    r"thousand|million|billion|half|double|twice|triple|percent|per cent)\b",
    re.IGNORECASE,
)


def has_number(text: str) -> bool:
    """Whether the text states a quantity (15%, 三个, ≤2, double, …)."""
    if _NUMBER_SIGNS.search(text) or _ENGLISH_NUMBERS.search(text):
        return True
    return bool(_CHINESE_NUMERALS.search(_NOT_NUMERALS.sub("", text)))


def vague_words(text: str) -> tuple[str, ...]:
    """The vague words in the text, as written (lower-cased), first occurrence first."""
    found = dict.fromkeys(match.group(0).lower() for match in _VAGUE.finditer(text))
    return tuple(found)


def check_goal(draft: GoalDraft) -> tuple[Finding, ...]:
    """The SMART findings for a goal draft, in a fixed order; empty when nothing to flag."""
    if draft.kind not in KINDS:
        raise ScoringError("unknown_kind", {"kind": draft.kind, "kinds": ", ".join(KINDS)})
    findings: list[Finding] = []

    def flag(code: str, severity: Severity, **params: str) -> None:
        findings.append(Finding(code=code, severity=severity, params=params))

    title_length = len(draft.title.strip())
    if title_length < MIN_TITLE_LENGTH:
        flag(
            "title_too_short",
            Severity.WARNING,
            length=str(title_length),
            min=str(MIN_TITLE_LENGTH),
        )

    # An objective is qualitative by design ("提升用户体验"); its key results carry the
    # numbers. A goal with a target value is quantified even if its wording is not.
    text = "\n".join((draft.title, draft.description, draft.completion_standard))
    if draft.kind != "objective" and draft.target is None and not has_number(text):
        words = vague_words(text)
        if words:
            flag("vague_verb", Severity.ADVICE, words=", ".join(words))

    if draft.kind in MEASURED_KINDS:
        if not draft.metric.strip():
            flag("no_metric", Severity.WARNING)
        if draft.target is None:
            flag("no_target", Severity.WARNING)

    if draft.direction == Direction.RANGE and (
        draft.target_max is None or (draft.target is not None and draft.target_max < draft.target)
    ):
        flag("range_incomplete", Severity.WARNING)

    if draft.target is not None and draft.baseline is not None:
        no_better = (draft.direction == Direction.HIGHER and draft.target < draft.baseline) or (
            draft.direction == Direction.LOWER and draft.target > draft.baseline
        )
        if no_better:
            flag(
                "target_below_baseline",
                Severity.ADVICE,
                target=normalized(draft.target),
                baseline=normalized(draft.baseline),
            )

    # A KPI runs to the end of its period, so the period end is its deadline; a task needs
    # its own date.
    if draft.due_date is None and (draft.kind == "task" or draft.period_end is None):
        flag("no_deadline", Severity.WARNING)
    due, period_end = draft.due_date, draft.period_end
    if due is not None and period_end is not None and due > period_end:
        flag(
            "deadline_after_period",
            Severity.WARNING,
            due=due.isoformat(),
            period_end=period_end.isoformat(),
        )

    if draft.kind == "task" and not draft.completion_standard.strip():
        flag("no_completion_standard", Severity.WARNING)

    if draft.weight is not None and not draft.min_weight <= draft.weight <= draft.max_weight:
        flag(
            "weight_out_of_range",
            Severity.WARNING,
            weight=normalized(draft.weight),
            min=normalized(draft.min_weight),
            max=normalized(draft.max_weight),
        )
    return tuple(findings)
