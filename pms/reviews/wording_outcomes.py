"""How the calibration and outcome codes of ``pms.scoring`` read in sentences: forced
distribution, nine-box, bonus, raises and promotion (registered in ``apps.ready``).

``pms.scoring`` explains with codes and plain string values; the sentences below fill them.
``explain_outcome_step`` first says the values that are codes themselves (a quota mode, a
status, a zone, a nine-box level or box) in words and picks the sharper sentence where a
step has variants; ``outcome_error_message`` names the fields these modules mention.
Department, person and cycle keys are turned into names by the caller before a sentence is
filled. ``pms.goals.rules`` is imported lazily, as ``pms.tracking.pace_text`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy, pgettext_lazy

from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = [
    "BOX_LABELS",
    "BOX_LEVEL_LABELS",
    "OUTCOME_MATH_ERROR_MESSAGES",
    "OUTCOME_MATH_FIELD_LABELS",
    "OUTCOME_MATH_STEP_SENTENCES",
    "QUOTA_MODE_LABELS",
    "QUOTA_STATUS_LABELS",
    "ZONE_LABELS",
    "explain_outcome_step",
    "outcome_error_message",
]

QUOTA_MODE_LABELS: dict[str, Promise] = {
    "exact": gettext_lazy("exactly"),
    "at_most": gettext_lazy("at most"),
    "at_least": gettext_lazy("at least"),
    "target": gettext_lazy("for guidance"),
}

QUOTA_STATUS_LABELS: dict[str, Promise] = {
    "ok": gettext_lazy("within the rule"),
    "over": gettext_lazy("over the quota"),
    "under": gettext_lazy("under the quota"),
}

BOX_LEVEL_LABELS: dict[str, Promise] = {
    "low": pgettext_lazy("nine-box level", "low"),
    "mid": pgettext_lazy("nine-box level", "medium"),
    "high": pgettext_lazy("nine-box level", "high"),
}

# pms.scoring.ninebox.BOX_CODES
BOX_LABELS: dict[str, Promise] = {
    "risk": gettext_lazy("Underperformer"),
    "effective": gettext_lazy("Effective contributor"),
    "trusted_professional": gettext_lazy("Trusted professional"),
    "inconsistent": gettext_lazy("Inconsistent performer"),
    "core": gettext_lazy("Core player"),
    "high_performer": gettext_lazy("High performer"),
    "enigma": gettext_lazy("Rough diamond"),
    "growth": gettext_lazy("Growth employee"),
    "star": gettext_lazy("Star"),
}

ZONE_LABELS: dict[str, Promise] = {
    "below": gettext_lazy("below the range"),
    "q1": gettext_lazy("first quarter of the range"),
    "q2": gettext_lazy("second quarter of the range"),
    "q3": gettext_lazy("third quarter of the range"),
    "q4": gettext_lazy("fourth quarter of the range"),
    "above": gettext_lazy("above the range"),
}

# Names of the fields these modules put in an error's "field".
OUTCOME_MATH_FIELD_LABELS: dict[str, Promise] = {
    "share": gettext_lazy("share of people"),
    "min_group_size": gettext_lazy("minimum group size"),
    "headcount": gettext_lazy("number of people"),
    "score": pgettext_lazy("ranking", "score"),
    "grade": gettext_lazy("grade"),
    "box": gettext_lazy("nine-box cell"),
    "coefficient": gettext_lazy("bonus coefficient"),
    "base": gettext_lazy("bonus base"),
    "factor": gettext_lazy("bonus factor"),
    "pool": gettext_lazy("bonus pool"),
    "cap": gettext_lazy("bonus cap"),
    "amount": gettext_lazy("amount"),
    "salary": gettext_lazy("salary"),
    "minimum": gettext_lazy("range minimum"),
    "midpoint": gettext_lazy("range midpoint"),
    "maximum": gettext_lazy("range maximum"),
    "raise_percent": gettext_lazy("raise percent"),
    "budget": gettext_lazy("raise budget"),
    "consecutive": gettext_lazy("number of results in a row"),
    "min_tenure_months": gettext_lazy("minimum tenure in months"),
    "tenure": gettext_lazy("tenure in months"),
    "unit": gettext_lazy("department"),
    "person": gettext_lazy("person"),
    "cycle": gettext_lazy("review cycle"),
}

OUTCOME_MATH_ERROR_MESSAGES: dict[str, Promise] = {
    "distribution_empty": gettext_lazy("A distribution needs at least one grade."),
    "distribution_malformed": gettext_lazy(
        "A distribution is a list of grades, each with its share of people."
    ),
    "shares_not_100": gettext_lazy("The grades' shares add up to %(total)s%%, not 100%%."),
    "unknown_quota_mode": gettext_lazy("Unknown kind of quota “%(mode)s”; expected %(modes)s."),
    "unknown_parent": gettext_lazy("%(key)s belongs to %(parent)s, which is not in the list."),
    "unit_cycle": gettext_lazy("%(key)s is, through its parents, a part of itself."),
    "counts_exceed_headcount": gettext_lazy(
        "%(counted)s people have a grade, but the group has only %(headcount)s."
    ),
    "unknown_box_level": gettext_lazy("Unknown level “%(level)s”; expected %(levels)s."),
    "grade_unmapped": gettext_lazy("Nothing is set for grade %(grade)s."),
    "box_levels_not_ordered": gettext_lazy(
        "Grade %(grade)s cannot have a higher performance level than a better grade."
    ),
    "not_in_fen": gettext_lazy("%(field)s %(value)s must be in whole fen (two decimals)."),
    "bases_mixed": gettext_lazy("Either everybody in the pool has a base amount or nobody has."),
    "salary_range_invalid": gettext_lazy(
        "A salary range needs 0 < minimum %(min)s ≤ midpoint %(mid)s ≤ maximum %(max)s."
    ),
    "unknown_zone": gettext_lazy("Unknown part of a salary range “%(zone)s”; expected %(zones)s."),
    "raise_matrix_incomplete": gettext_lazy(
        "The raise matrix has no percent for grade %(grade)s in %(zone)s."
    ),
}

OUTCOME_MATH_STEP_SENTENCES: dict[str, Promise] = {
    "quota_exact": gettext_lazy(
        "%(grade)s: %(headcount)s × %(share)s%% = %(exact)s, rounded down to %(floor)s "
        "(remainder %(remainder)s)"
    ),
    "quota_leftover": gettext_lazy(
        "Rounded down, the grades take %(floors)s of %(headcount)s people; the %(seats)s left "
        "go one each to the largest remainders"
    ),
    "quota_seat": gettext_lazy(
        "%(grade)s has one of the largest remainders (%(remainder)s): quota %(quota)s"
    ),
    "pool_up": gettext_lazy(
        "%(unit)s has %(size)s people, fewer than %(min_size)s: pooled with %(parent)s"
    ),
    "pool_formed": gettext_lazy("%(key)s: a group of %(size)s people (%(units)s)"),
    "pool_small": gettext_lazy(
        "%(key)s: %(size)s people in all, fewer than %(min_size)s, so the distribution is not "
        "forced"
    ),
    "distribution_small_group": gettext_lazy(
        "%(headcount)s people, fewer than %(min_size)s: the distribution is for guidance only"
    ),
    "distribution_row": gettext_lazy(
        "%(grade)s: quota %(quota)s (%(mode)s), %(count)s given (%(difference)s): %(status)s"
    ),
    "rank_grade": gettext_lazy(
        "%(grade)s: quota %(quota)s, given to %(count)s (ranks %(first)s–%(last)s, scores "
        "%(high)s–%(low)s)"
    ),
    "rank_tie": gettext_lazy(
        "%(people)s people share the score %(score)s across the boundary: all get %(grade)s, "
        "%(beyond)s beyond its quota, and the next grades have that many fewer"
    ),
    "ninebox_performance": gettext_lazy("Grade %(grade)s: performance %(level)s"),
    "ninebox_box": gettext_lazy(
        "Performance %(performance)s, potential %(potential)s: box %(box)s, %(code)s"
    ),
    "bonus_coefficient": gettext_lazy("Grade %(grade)s: coefficient %(coefficient)s"),
    "bonus_factor": gettext_lazy("Factor %(key)s: × %(factor)s"),
    "bonus_amount": gettext_lazy(
        "Base %(base)s × coefficient %(coefficient)s × factor %(factor)s = %(result)s"
    ),
    "bonus_pool": gettext_lazy(
        "A pool of %(pool)s shared among %(people)s people by coefficient (total weight "
        "%(total_weight)s)"
    ),
    "bonus_capped": gettext_lazy("%(key)s: the share %(share)s is above the cap, %(cap)s paid"),
    "bonus_share": gettext_lazy(
        "%(key)s: %(pool)s × %(weight)s ÷ %(total_weight)s = %(exact)s → %(result)s"
    ),
    "bonus_unallocated": gettext_lazy(
        "%(amount)s is left: everybody is at their cap or has no weight"
    ),
    "compa_ratio": gettext_lazy(
        "Compa-ratio = salary %(salary)s ÷ midpoint %(midpoint)s = %(result)s%%"
    ),
    "salary_zone": gettext_lazy(
        "Salary %(salary)s in the range %(min)s – %(mid)s – %(max)s: %(zone)s"
    ),
    "raise_percent": gettext_lazy("Grade %(grade)s, %(zone)s: raise %(percent)s%%"),
    "raise_amount": gettext_lazy(
        "%(salary)s × %(percent)s%% = %(result)s; new salary %(new_salary)s"
    ),
    "raise_budget": gettext_lazy(
        "The raises cost %(cost)s, %(over)s over the budget of %(budget)s"
    ),
    "raise_scale": gettext_lazy(
        "Scaling every raise by %(factor)s (rounded down to the fen) keeps within the budget"
    ),
    "promotion_result": gettext_lazy(
        "%(cycle)s: grade %(grade)s, %(min_grade)s or better is needed"
    ),
    "promotion_too_few": gettext_lazy("%(count)s results, %(required)s needed"),
    "promotion_streak": gettext_lazy(
        "%(streak)s latest results in a row at %(min_grade)s or better, %(required)s needed"
    ),
    "promotion_tenure": gettext_lazy("Tenure %(months)s months, %(required)s needed"),
    "promotion_tenure_unknown": gettext_lazy("Tenure not known, %(required)s months needed"),
}

# Sharper sentences for some values of a step.
_RANK_GRADE_EMPTY = gettext_lazy("%(grade)s: quota %(quota)s, given to nobody")
_BONUS_POOL_BY_BASE = gettext_lazy(
    "A pool of %(pool)s shared among %(people)s people by coefficient × base (total weight "
    "%(total_weight)s)"
)
_BONUS_SHARE_EXTRA = gettext_lazy(
    "%(key)s: %(pool)s × %(weight)s ÷ %(total_weight)s = %(exact)s → %(result)s, with one of "
    "the fen left over"
)
_RAISE_WITHIN_BUDGET = gettext_lazy("The raises cost %(cost)s, within the budget of %(budget)s")
_PROMOTION_QUALIFIES = gettext_lazy("%(cycle)s: grade %(grade)s, %(min_grade)s or better")
_PROMOTION_NO_GRADE = gettext_lazy("%(cycle)s: no grade")
_TENURE_SHORT = gettext_lazy("Tenure %(months)s months, fewer than the %(required)s needed")

_VALUE_LABELS: dict[str, Mapping[str, Promise]] = {
    "mode": QUOTA_MODE_LABELS,
    "status": QUOTA_STATUS_LABELS,
    "level": BOX_LEVEL_LABELS,
    "performance": BOX_LEVEL_LABELS,
    "potential": BOX_LEVEL_LABELS,
    "code": BOX_LABELS,
    "zone": ZONE_LABELS,
}


def _fill(message: Promise, params: Mapping[str, str]) -> str:
    values: defaultdict[str, str] = defaultdict(str, params)
    return str(message) % values


def _sentence(step: Step) -> Promise:
    values = step.values
    match step.code:
        case "rank_grade" if values.get("count") == "0":
            return _RANK_GRADE_EMPTY
        case "bonus_pool" if values.get("basis") == "coefficient_base":
            return _BONUS_POOL_BY_BASE
        case "bonus_share" if values.get("extra"):
            return _BONUS_SHARE_EXTRA
        case "raise_budget" if values.get("over") in ("0", "0.00"):
            return _RAISE_WITHIN_BUDGET
        case "promotion_result" if not values.get("grade"):
            return _PROMOTION_NO_GRADE
        case "promotion_result" if values.get("qualifies") == "true":
            return _PROMOTION_QUALIFIES
        case "promotion_tenure" if values.get("ok") == "false":
            return _TENURE_SHORT
    return OUTCOME_MATH_STEP_SENTENCES[step.code]


def explain_outcome_step(step: Step) -> str:
    """One calibration or outcome step as a translated sentence (other codes: pms.goals)."""
    if step.code not in OUTCOME_MATH_STEP_SENTENCES:
        from pms.goals.rules import explain_step

        return explain_step(step)
    values = dict(step.values)
    for name, labels in _VALUE_LABELS.items():
        if values.get(name) in labels:
            values[name] = str(labels[values[name]])
    return _fill(_sentence(step), values)


def outcome_error_message(error: ScoringError) -> str:
    """The translated message of a ``ScoringError`` of these modules, its field named."""
    from pms.goals.rules import rule_error_message

    params = dict(error.params)
    name = params.get("field", "")
    if name in OUTCOME_MATH_FIELD_LABELS:
        params["field"] = str(OUTCOME_MATH_FIELD_LABELS[name])
    return rule_error_message(ScoringError(error.code, params))
