"""How the steps of a bonus or raise line read in sentences.

A line's explanation keeps the steps of ``pms.scoring.bonus`` and ``pms.scoring.raises``
(worded in ``pms.reviews.wording_outcomes``) and the few this app adds around them when a
person has no grade, no base or no salary, or reaches the plan's most per person
(``PAY_STEP_SENTENCES``, registered in ``apps.ready``). Values are plain strings; the key
``company`` of the company factor is said in words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from pms.reviews.wording_outcomes import explain_outcome_step
from pms.scoring.steps import Step

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = ["COMPANY_KEY", "PAY_STEP_SENTENCES", "pay_sentences", "pay_step_sentence"]

# the key of the company factor in a "bonus_factor" step
COMPANY_KEY = "company"

PAY_STEP_SENTENCES: dict[str, Promise] = {
    # grade: the result has no coefficient (no grade, or one the table lacks)
    "bonus_no_coefficient": gettext_lazy(
        "The result (grade %(grade)s) has no coefficient, so there is no bonus"
    ),
    # no base entered or imported
    "bonus_no_base": gettext_lazy("No bonus base is entered, so there is no bonus"),
    # amount, cap: the plan's most per person
    "bonus_cap": gettext_lazy("%(amount)s is above the most per person: %(cap)s is paid"),
    # grade: no grade, or one the matrix has no row for
    "raise_no_grade": gettext_lazy(
        "The result has no grade the raise matrix knows (%(grade)s), so there is no raise"
    ),
    # no salary or range entered or imported
    "raise_no_salary": gettext_lazy("No salary or salary range is entered, so there is no raise"),
}

_COMPANY = gettext_lazy("company")


def pay_step_sentence(data: Mapping[str, Any]) -> str:
    """One stored step (``{"code", "values"}``) as a translated sentence."""
    code = str(data.get("code", ""))
    values = {str(k): str(v) for k, v in dict(data.get("values") or {}).items()}
    if code == "bonus_factor" and values.get("key") == COMPANY_KEY:
        values["key"] = str(_COMPANY)
    return explain_outcome_step(Step(code, values))


def pay_sentences(explanation: Mapping[str, Any] | None) -> list[str]:
    steps = (explanation or {}).get("steps") or []
    return [pay_step_sentence(step) for step in steps]
