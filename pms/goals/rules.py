"""The Django face of ``pms.scoring.rules``: translated messages, rules in words, a compact
text form for spreadsheets, and form fields to edit a rule.

``pms.scoring`` cannot translate, so its errors and explanation steps carry codes; every
code has its translated sentence here (tests check none is missing). A stored rule is the
normalised dict of ``rule_to_data``; ``validate_rule`` is the one way in.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.scoring import rules as scoring
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = [
    "ATTAINMENT_SENTENCES",
    "ERROR_MESSAGES",
    "FIELD_LABELS",
    "RULE_TYPES",
    "STEP_SENTENCES",
    "RuleForm",
    "bands_from_text",
    "bands_to_text",
    "describe_rule",
    "explain_step",
    "explain_steps",
    "rule_error_message",
    "rule_from_form",
    "rule_from_text",
    "rule_initial",
    "rule_to_text",
    "validate_rule",
]

RULE_TYPES: list[tuple[str, Promise]] = [
    ("linear", gettext_lazy("Linear (score = attainment, with floor and cap)")),
    ("bands", gettext_lazy("Stepped bands")),
    ("pass_fail", gettext_lazy("Pass/fail")),
    ("milestones", gettext_lazy("Share of milestones done")),
    ("deduction", gettext_lazy("Deduction per occurrence")),
    ("veto", gettext_lazy("Veto (sets the scorecard's grade)")),
]

# Names of rule fields and goal inputs, as error messages and steps mention them.
FIELD_LABELS: dict[str, Promise] = {
    "type": gettext_lazy("rule type"),
    "floor": gettext_lazy("floor"),
    "cap": gettext_lazy("cap"),
    "bands": gettext_lazy("bands"),
    "below": gettext_lazy("score below every band"),
    "min": gettext_lazy("minimum attainment"),
    "threshold": gettext_lazy("pass threshold"),
    "pass_score": gettext_lazy("score when passed"),
    "fail_score": gettext_lazy("score when failed"),
    "start": gettext_lazy("starting score"),
    "per_unit": gettext_lazy("points per occurrence"),
    "grade": gettext_lazy("grade"),
    "score": gettext_lazy("score cap"),
    "actual": gettext_lazy("actual value"),
    "target": gettext_lazy("target"),
    "target_max": gettext_lazy("upper bound of the target"),
    "baseline": gettext_lazy("baseline"),
    "count": gettext_lazy("number of occurrences"),
    "milestones": gettext_lazy("milestones"),
    "milestones_done": gettext_lazy("milestones done"),
    "milestones_total": gettext_lazy("number of milestones"),
    "weight": gettext_lazy("weight"),
    "covered": gettext_lazy("covered"),
    "total": gettext_lazy("total"),
}

ERROR_MESSAGES: dict[str, Promise] = {
    "zero_target": gettext_lazy(
        "A target of 0 cannot be reached as a ratio: give a baseline or a target other than 0."
    ),
    "missing_target_max": gettext_lazy("A target within a range needs its upper bound."),
    "range_inverted": gettext_lazy(
        "The upper bound %(target_max)s is below the lower bound %(target)s."
    ),
    "not_finite": gettext_lazy("%(field)s must be a finite number."),
    "not_a_mapping": gettext_lazy("A scoring rule must be a set of named fields."),
    "unknown_type": gettext_lazy("Unknown rule type “%(type)s”."),
    "missing_field": gettext_lazy("The rule needs its %(field)s."),
    "unknown_field": gettext_lazy("This kind of rule has no field “%(field)s”."),
    "not_a_number": gettext_lazy("%(field)s is not a number."),
    "negative": gettext_lazy("%(field)s cannot be negative."),
    "floor_above_cap": gettext_lazy("The floor %(floor)s is above the cap %(cap)s."),
    "floor_above_start": gettext_lazy("The floor %(floor)s is above the starting score %(start)s."),
    "fail_above_pass": gettext_lazy(
        "The score when failed (%(fail_score)s) is above the score when passed (%(pass_score)s)."
    ),
    "bands_empty": gettext_lazy("Give at least one band."),
    "bands_malformed": gettext_lazy(
        "Bands are pairs of minimum attainment and score, e.g. 100:100, 90:80."
    ),
    "bands_not_descending": gettext_lazy(
        "Band %(position)s: the minimums must go down from band to band and the scores must "
        "not go up."
    ),
    "bad_grade": gettext_lazy("Grade “%(grade)s” is not one of %(grades)s."),
    "milestones_exceed_total": gettext_lazy(
        "%(done)s milestones done is more than the %(total)s there are."
    ),
    "segment_inverted": gettext_lazy("A version ends (%(end)s) before it starts (%(start)s)."),
    "segments_overlap": gettext_lazy(
        "Two versions overlap: the one from %(first)s and the one from %(second)s."
    ),
    "period_inverted": gettext_lazy("The period ends (%(end)s) before it starts (%(start)s)."),
    "covered_above_total": gettext_lazy("%(covered)s covered is more than the total %(total)s."),
    "unknown_kind": gettext_lazy("Unknown goal kind “%(kind)s”; expected one of %(kinds)s."),
}

# Sharper wording when the error names a band or a particular field.
_BAND_MESSAGES: dict[str, Promise] = {
    "not_a_number": gettext_lazy("Band %(position)s: not a number."),
    "negative": gettext_lazy("Band %(position)s: cannot be negative."),
    "bands_malformed": gettext_lazy(
        "Band %(position)s is not a pair of minimum attainment and score (like 90:80)."
    ),
}
_DESCENDING_MESSAGES: dict[str, Promise] = {
    "min": gettext_lazy("Band %(position)s: each minimum must be below the one before."),
    "score": gettext_lazy("Band %(position)s: a lower band cannot score more than the one above."),
    "below": gettext_lazy("The score below every band cannot be more than the last band's score."),
}

STEP_SENTENCES: dict[str, Promise] = {
    "attainment": gettext_lazy(
        "Attainment from actual %(actual)s and target %(target)s = %(result)s%%"
    ),
    "missing_input": gettext_lazy("No %(field)s recorded yet, so there is no score."),
    "clamp": gettext_lazy(
        "Score = attainment %(attainment)s, kept between %(floor)s and %(cap)s = %(result)s"
    ),
    "band": gettext_lazy(
        "Attainment %(attainment)s%% reaches the band ≥ %(min)s%%: score %(score)s"
    ),
    "band_below": gettext_lazy("Attainment %(attainment)s%% is below every band: score %(below)s"),
    "pass_fail": gettext_lazy("Pass/fail: score %(result)s"),
    "milestones": gettext_lazy(
        "%(done)s of %(total)s milestones done (at most %(cap)s): score %(result)s"
    ),
    "deduction": gettext_lazy(
        "%(start)s − %(count)s × %(per_unit)s, not below %(floor)s = %(result)s"
    ),
    "veto": gettext_lazy(
        "Veto item triggered: the goal scores %(result)s and the scorecard goes to grade %(grade)s"
    ),
    "veto_clear": gettext_lazy("Veto item not triggered: score %(result)s"),
    "contribution": gettext_lazy(
        "%(key)s: weight %(weight)s%% × score %(score)s = %(points)s points"
    ),
    "missing_score": gettext_lazy("%(key)s (weight %(weight)s%%) has no score yet"),
    "weighted_sum": gettext_lazy(
        "Total: %(points)s points for a weight of %(weight)s%% = %(result)s"
    ),
    "renormalise": gettext_lazy(
        "Score so far: %(points)s points over the %(scored_weight)s%% scored, scaled to "
        "%(total_weight)s%% = %(result)s"
    ),
    "veto_grade": gettext_lazy("Vetoed by %(keys)s: grade %(grade)s"),
    "veto_cap": gettext_lazy("The veto caps the score at %(cap)s: %(before)s → %(result)s"),
    "segment": gettext_lazy("%(label)s %(start)s – %(end)s (%(days)s days): score %(score)s"),
    "segment_unscored": gettext_lazy(
        "%(label)s %(start)s – %(end)s (%(days)s days): no score, left out"
    ),
    "prorate": gettext_lazy("Weighted by days over %(days)s days = %(result)s"),
}

# The "attainment" step in words, by the method it used.
ATTAINMENT_SENTENCES: dict[str, Promise] = {
    "ratio": gettext_lazy(
        "Attainment = actual %(actual)s ÷ target %(target)s × 100 = %(result)s%%"
    ),
    "signed_ratio": gettext_lazy(
        "Attainment = (1 + (actual %(actual)s − target %(target)s) ÷ |target|) × 100 = %(result)s%%"
    ),
    "growth": gettext_lazy(
        "Attainment = (actual %(actual)s − baseline %(baseline)s) ÷ (target %(target)s − "
        "baseline %(baseline)s) × 100 = %(result)s%%"
    ),
    "inverse_ratio": gettext_lazy(
        "Lower is better: attainment = target %(target)s ÷ actual %(actual)s × 100, at most "
        "200 = %(result)s%%"
    ),
    "inverse_signed": gettext_lazy(
        "Lower is better: attainment = (1 + (target %(target)s − actual %(actual)s) ÷ "
        "|target|) × 100, at most 200 = %(result)s%%"
    ),
    "zero_target": gettext_lazy(
        "Target 0, lower is better: attainment = 100 − actual %(actual)s × 100 = %(result)s%%"
    ),
    "range_inside": gettext_lazy(
        "Actual %(actual)s is within %(target)s – %(target_max)s: attainment %(result)s%%"
    ),
    "range_below": gettext_lazy(
        "Actual %(actual)s is below the range %(target)s – %(target_max)s: attainment %(result)s%%"
    ),
    "range_above": gettext_lazy(
        "Actual %(actual)s is above the range %(target)s – %(target_max)s: attainment %(result)s%%"
    ),
}

_PASS_FAIL_SENTENCES: dict[tuple[str, str], Promise] = {
    ("input", "true"): gettext_lazy("Marked as passed: score %(result)s"),
    ("input", "false"): gettext_lazy("Marked as not passed: score %(result)s"),
    ("attainment", "true"): gettext_lazy(
        "Attainment reaches the threshold of %(threshold)s%%: passed, score %(result)s"
    ),
    ("attainment", "false"): gettext_lazy(
        "Attainment is below the threshold of %(threshold)s%%: failed, score %(result)s"
    ),
}


def register_wording(*, errors: Mapping[str, Promise], steps: Mapping[str, Promise]) -> None:
    """Apps that add codes to ``pms.scoring`` (tracking's pace) give their wording here, from
    their ``ready()``, so every scoring error and step can be said in one place."""
    ERROR_MESSAGES.update(errors)
    STEP_SENTENCES.update(steps)


def _fill(message: Promise | str, params: Mapping[str, str]) -> str:
    """``message % params`` that never breaks on a missing value (steps and errors carry
    optional values)."""
    values: defaultdict[str, str] = defaultdict(str, params)
    return str(message) % values


def _label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


# --- errors -----------------------------------------------------------------------------------


def rule_error_message(error: ScoringError) -> str:
    """The translated message of any ``ScoringError`` (rules, attainment, versions…)."""
    params = dict(error.params)
    if error.code == "bands_not_descending" and params.get("field") in _DESCENDING_MESSAGES:
        return _fill(_DESCENDING_MESSAGES[params["field"]], params)
    if params.get("position") and error.code in _BAND_MESSAGES and params.get("field") != "below":
        return _fill(_BAND_MESSAGES[error.code], params)
    if "field" in params:
        params["field"] = _label(params["field"])
    message = ERROR_MESSAGES.get(error.code)
    if message is None:  # a code added to pms.scoring without its message (tests catch it)
        return str(error)
    return capfirst(_fill(message, params))


def validate_rule(data: object) -> dict[str, object]:
    """The normalised rule dict, or ``ValidationError({"scoring_rule": message})``."""
    try:
        rule = scoring.parse_rule(data)  # type: ignore[arg-type]  # non-mappings refused inside
    except ScoringError as error:
        raise ValidationError(
            {"scoring_rule": rule_error_message(error)}, code=error.code
        ) from error
    return scoring.rule_to_data(rule)


# --- rules in words ---------------------------------------------------------------------------


def describe_rule(data: Mapping[str, object]) -> str:
    """The rule in one translated sentence, e.g. "Linear: score = attainment, between 0 and
    120". An invalid rule is described as such rather than raising."""
    try:
        rule = scoring.parse_rule(data)
    except ScoringError as error:
        return _("Invalid scoring rule: %(reason)s") % {"reason": rule_error_message(error)}
    n = normalized
    match rule:
        case scoring.LinearRule():
            return _("Linear: score = attainment, between %(floor)s and %(cap)s") % {
                "floor": n(rule.floor),
                "cap": n(rule.cap),
            }
        case scoring.BandsRule():
            steps = ", ".join(f"≥{n(minimum)}% → {n(score)}" for minimum, score in rule.bands)
            return _("Bands: %(bands)s, below → %(below)s") % {
                "bands": steps,
                "below": n(rule.below),
            }
        case scoring.PassFailRule():
            return _("Pass/fail at %(threshold)s%%: %(pass)s or %(fail)s") % {
                "threshold": n(rule.threshold),
                "pass": n(rule.pass_score),
                "fail": n(rule.fail_score),
            }
        case scoring.MilestoneRule():
            if rule.cap == scoring.MilestoneRule.cap:
                return _("Share of milestones done")
            return _("Share of milestones done, at most %(cap)s") % {"cap": n(rule.cap)}
        case scoring.DeductionRule():
            return _("Deduction: %(start)s − %(per_unit)s per occurrence, not below %(floor)s") % {
                "start": n(rule.start),
                "per_unit": n(rule.per_unit),
                "floor": n(rule.floor),
            }
        case scoring.VetoRule():
            if rule.score is None:
                return _("Veto: any occurrence sets the scorecard to grade %(grade)s") % {
                    "grade": rule.grade
                }
            return _(
                "Veto: any occurrence sets the scorecard to grade %(grade)s and caps its "
                "score at %(score)s"
            ) % {"grade": rule.grade, "score": n(rule.score)}


def explain_step(step: Step) -> str:
    """One computation step as a translated sentence."""
    values = dict(step.values)
    if step.code == "attainment":
        method = values.get("method", "")
        return _fill(ATTAINMENT_SENTENCES.get(method, STEP_SENTENCES["attainment"]), values)
    if step.code == "missing_input":
        values["field"] = _label(values.get("field", ""))
    if step.code == "pass_fail":
        key = (values.get("source", ""), values.get("passed", ""))
        if key in _PASS_FAIL_SENTENCES:
            return _fill(_PASS_FAIL_SENTENCES[key], values)
    if step.code == "veto" and values.get("score_cap"):
        return _fill(
            gettext_lazy(
                "Veto item triggered: the goal scores %(result)s, the scorecard goes to grade "
                "%(grade)s and its score is capped at %(score_cap)s"
            ),
            values,
        )
    if step.code == "milestones" and values.get("cap", "100") in ("", "100"):
        return _fill(
            gettext_lazy("%(done)s of %(total)s milestones done: score %(result)s"), values
        )
    sentence = STEP_SENTENCES.get(step.code)
    if sentence is None:
        return step.code
    return _fill(sentence, values)


def explain_steps(steps: Iterable[Step]) -> list[str]:
    """ "How was this computed": one translated sentence per step."""
    return [explain_step(step) for step in steps]


# --- compact text form (spreadsheets) ---------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)?"
_TYPE_WORDS: dict[str, str] = {
    "linear": "linear",
    "线性": "linear",
    "bands": "bands",
    "band": "bands",
    "分档": "bands",
    "passfail": "pass_fail",
    "pass_fail": "pass_fail",
    "pass/fail": "pass_fail",
    "达标": "pass_fail",
    "milestones": "milestones",
    "milestone": "milestones",
    "里程碑": "milestones",
    "deduction": "deduction",
    "扣分": "deduction",
    "veto": "veto",
    "否决": "veto",
    "一票否决": "veto",
}
_TEXT_KEYWORDS: dict[str, dict[str, str]] = {
    "linear": {"floor": "floor", "cap": "cap"},
    "bands": {"below": "below"},
    "pass_fail": {"pass": "pass_score", "fail": "fail_score"},
    "milestones": {"cap": "cap"},
    "deduction": {"floor": "floor"},
    "veto": {"score": "score"},
}
_TRANSLATE = str.maketrans({"：": ":", "，": ",", "、": ",", "；": ",", ";": ",", "－": "-"})
_TEXT_EXAMPLES = (
    "linear 0-120 · bands 100:100,90:80,80:60 below 0 · passfail 100 · milestones · "
    "deduction 100 -2 floor 0 · veto D"
)


def rule_to_text(data: Mapping[str, object]) -> str:
    """The compact text of a (valid) rule, e.g. ``bands 100:100,90:80 below 0``;
    ``rule_from_text`` reads it back to the same rule."""
    rule = scoring.parse_rule(data)
    n = normalized
    match rule:
        case scoring.LinearRule():
            return f"linear {n(rule.floor)}-{n(rule.cap)}"
        case scoring.BandsRule():
            bands = ",".join(f"{n(minimum)}:{n(score)}" for minimum, score in rule.bands)
            return f"bands {bands} below {n(rule.below)}"
        case scoring.PassFailRule():
            text = f"passfail {n(rule.threshold)}"
            if (rule.pass_score, rule.fail_score) != (
                scoring.PassFailRule.pass_score,
                scoring.PassFailRule.fail_score,
            ):
                text += f" pass {n(rule.pass_score)} fail {n(rule.fail_score)}"
            return text
        case scoring.MilestoneRule():
            if rule.cap == scoring.MilestoneRule.cap:
                return "milestones"
            return f"milestones cap {n(rule.cap)}"
        case scoring.DeductionRule():
            return f"deduction {n(rule.start)} -{n(rule.per_unit)} floor {n(rule.floor)}"
        case scoring.VetoRule():
            if rule.score is None:
                return f"veto {rule.grade}"
            return f"veto {rule.grade} score {n(rule.score)}"


def _unreadable(text: str) -> ValidationError:
    return ValidationError(
        {
            "scoring_rule": _("Cannot read the rule “%(text)s”. Write it like: %(examples)s")
            % {"text": text, "examples": _TEXT_EXAMPLES}
        },
        code="unreadable",
    )


def rule_from_text(text: str) -> dict[str, object]:
    """The normalised rule dict from its compact text (see ``rule_to_text``); a JSON object
    is also accepted. Raises ``ValidationError({"scoring_rule": message})``."""
    original = (text or "").strip()
    if not original:
        raise ValidationError({"scoring_rule": _("Give a scoring rule.")}, code="required")
    if original.startswith("{"):
        try:
            return validate_rule(json.loads(original))
        except json.JSONDecodeError:
            raise _unreadable(original) from None
    cleaned = original.translate(_TRANSLATE).replace("≥", "").replace("%", "")
    word, _space, rest = cleaned.partition(" ")
    kind = _TYPE_WORDS.get(word.lower())
    if kind is None:
        raise _unreadable(original)
    data: dict[str, object] = {"type": kind}
    keywords = _TEXT_KEYWORDS[kind]
    pattern = re.compile(rf"(?i)\b([a-z]+)\s+({_NUMBER})")

    def take(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        if key not in keywords:
            return match.group(0)
        data[keywords[key]] = match.group(2)
        return " "

    positional = pattern.sub(take, rest).strip()
    if not _read_positional(kind, positional, data):
        raise _unreadable(original)
    return validate_rule(data)


def _read_positional(kind: str, text: str, data: dict[str, object]) -> bool:
    """Fill ``data`` from what comes after the type word and its keywords; False when the
    text does not have the expected shape."""
    if kind == "linear":
        if not text:
            return True
        match = re.fullmatch(rf"({_NUMBER})\s*[-~–—]\s*({_NUMBER})", text)
        if match:
            data["floor"], data["cap"] = match.group(1), match.group(2)
        return match is not None
    if kind == "bands":
        bands = _bands_or_none(text)
        if bands is None:
            return False
        data["bands"] = bands
        return True
    if kind == "pass_fail":
        if text and not re.fullmatch(_NUMBER, text):
            return False
        if text:
            data["threshold"] = text
        return True
    if kind == "milestones":
        return not text
    if kind == "deduction":
        if not text:
            return True
        match = re.fullmatch(rf"(?:({_NUMBER})\s+)?-\s*({_NUMBER})", text)
        if match:
            if match.group(1):
                data["start"] = match.group(1)
            data["per_unit"] = match.group(2)
        return match is not None
    # veto
    if text and not re.fullmatch(r"[A-Za-z]", text):
        return False
    if text:
        data["grade"] = text.upper()
    return True


def _bands_or_none(text: str) -> list[list[str]] | None:
    pairs = [part.strip() for part in text.translate(_TRANSLATE).split(",") if part.strip()]
    bands: list[list[str]] = []
    for pair in pairs:
        match = re.fullmatch(
            rf"[≥>=\s]*({_NUMBER})\s*%?\s*(?::|->|→)\s*({_NUMBER})", pair.replace(" ", "")
        )
        if match is None:
            return None
        bands.append([match.group(1), match.group(2)])
    return bands


def bands_from_text(text: str) -> list[list[str]]:
    """Bands from "100:100, 90:80, 80:60" (minimum attainment % : score, highest first)."""
    bands = _bands_or_none(text)
    if bands is None:
        raise ValidationError(
            _("Write the bands as minimum attainment : score, e.g. 100:100, 90:80, 80:60."),
            code="bands_malformed",
        )
    return bands


def bands_to_text(bands: object) -> str:
    """ "100:100, 90:80" from the stored ``[["100", "100"], ["90", "80"]]``."""
    if not isinstance(bands, list | tuple):
        return ""
    return ", ".join(
        f"{pair[0]}:{pair[1]}"
        for pair in bands
        if isinstance(pair, list | tuple) and len(pair) == 2
    )


# --- form fields ------------------------------------------------------------------------------


def _number_field(label: Promise, help_text: Promise) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        max_digits=12,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


# Which form field carries which rule field, per rule type.
_FORM_FIELDS: dict[str, dict[str, str]] = {
    "linear": {"floor": "rule_floor", "cap": "rule_cap"},
    "bands": {"bands": "rule_bands", "below": "rule_below"},
    "pass_fail": {
        "threshold": "rule_threshold",
        "pass_score": "rule_pass_score",
        "fail_score": "rule_fail_score",
    },
    "milestones": {"cap": "rule_cap"},
    "deduction": {"start": "rule_start", "per_unit": "rule_per_unit", "floor": "rule_floor"},
    "veto": {"grade": "rule_grade", "score": "rule_veto_score"},
}

RULE_FIELD_NAMES: tuple[str, ...] = (
    "rule_type",
    "rule_floor",
    "rule_cap",
    "rule_bands",
    "rule_below",
    "rule_threshold",
    "rule_pass_score",
    "rule_fail_score",
    "rule_start",
    "rule_per_unit",
    "rule_grade",
    "rule_veto_score",
)


class RuleForm(forms.Form):
    """The fields of a scoring rule; inherit it (``class MyForm(RuleForm)``) and read
    ``cleaned_data["scoring_rule"]``, the normalised rule. Empty fields take the rule's
    defaults; each help text says which kinds of rule use the field."""

    rule_type = forms.ChoiceField(
        label=gettext_lazy("Scoring rule"), choices=RULE_TYPES, initial="linear"
    )
    rule_floor = _number_field(
        gettext_lazy("Floor"),
        gettext_lazy("Linear and deduction: the lowest score (default 0)."),
    )
    rule_cap = _number_field(
        gettext_lazy("Cap"),
        gettext_lazy("Linear: the highest score (default 120). Milestones: default 100."),
    )
    rule_bands = forms.CharField(
        label=gettext_lazy("Bands"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Stepped bands: minimum attainment (percent) : score, highest first, e.g. "
            "100:100, 90:80, 80:60."
        ),
    )
    rule_below = _number_field(
        gettext_lazy("Score below every band"), gettext_lazy("Stepped bands (default 0).")
    )
    rule_threshold = _number_field(
        gettext_lazy("Pass threshold (%)"),
        gettext_lazy("Pass/fail: attainment needed to pass (default 100)."),
    )
    rule_pass_score = _number_field(
        gettext_lazy("Score when passed"), gettext_lazy("Pass/fail (default 100).")
    )
    rule_fail_score = _number_field(
        gettext_lazy("Score when failed"), gettext_lazy("Pass/fail (default 0).")
    )
    rule_start = _number_field(
        gettext_lazy("Starting score"), gettext_lazy("Deduction (default 100).")
    )
    rule_per_unit = _number_field(
        gettext_lazy("Points per occurrence"),
        gettext_lazy("Deduction: taken off for each occurrence (default 2)."),
    )
    rule_grade = forms.ChoiceField(
        label=gettext_lazy("Grade on veto"),
        choices=[(grade, grade) for grade in scoring.GRADES],
        initial="D",
        required=False,
        help_text=gettext_lazy("Veto: the grade the scorecard gets when it is triggered."),
    )
    rule_veto_score = _number_field(
        gettext_lazy("Score cap on veto"),
        gettext_lazy("Veto, optional: the scorecard's score is capped at this."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if any(name in self.errors for name in RULE_FIELD_NAMES):
            return cleaned
        try:
            data = rule_from_form(cleaned)
            cleaned["scoring_rule"] = scoring.rule_to_data(scoring.parse_rule(data))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        except ScoringError as error:
            kind = str(cleaned.get("rule_type") or "")
            target = _FORM_FIELDS.get(kind, {}).get(error.params.get("field", ""))
            if error.code.startswith("bands"):
                target = "rule_bands" if error.params.get("field") != "below" else "rule_below"
            self.add_error(target, rule_error_message(error))
        return cleaned


def rule_from_form(cleaned_data: Mapping[str, Any]) -> dict[str, object]:
    """The rule dict (not yet validated) from the ``rule_*`` fields of a form; fields of
    other rule types are ignored, empty ones left to the defaults. Bands that cannot be
    read raise ``ValidationError({"rule_bands": ...})``."""
    kind = str(cleaned_data.get("rule_type") or "linear")
    data: dict[str, object] = {"type": kind}
    for rule_field, form_field in _FORM_FIELDS.get(kind, {}).items():
        value = cleaned_data.get(form_field)
        if value is None or value == "":
            continue
        if rule_field == "bands":
            try:
                data["bands"] = bands_from_text(str(value))
            except ValidationError as error:
                raise ValidationError({"rule_bands": error.messages}) from error
        elif isinstance(value, Decimal):
            data[rule_field] = normalized(value)
        else:
            data[rule_field] = value
    return data


def rule_initial(data: Mapping[str, object] | None) -> dict[str, object]:
    """Initial values of the ``rule_*`` fields for a stored rule."""
    if not data:
        return {"rule_type": "linear"}
    kind = str(data.get("type", "linear"))
    initial: dict[str, object] = {"rule_type": kind}
    for rule_field, form_field in _FORM_FIELDS.get(kind, {}).items():
        if rule_field not in data:
            continue
        value = data[rule_field]
        initial[form_field] = bands_to_text(value) if rule_field == "bands" else value
    return initial
