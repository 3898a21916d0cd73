"""How the codes of published results read in sentences (registered in ``apps.ready``).

Two kinds of step: the coefficient codes of ``pms.scoring.coefficients`` (listed in
``STEP_CODES``), and the steps this app adds around them when it writes a result's
explanation (``OUTCOME_STEP_SENTENCES``): the review's score, each change calibration, an
appeal or HR's correction made, with its reason. Values are plain strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

# the codes of pms.scoring.coefficients
COEFFICIENT_STEP_SENTENCES: dict[str, Promise] = {
    "coefficient": gettext_lazy("Grade %(grade)s carries the coefficient %(coefficient)s"),
    "coefficient_missing": gettext_lazy(
        "Grade %(grade)s has no coefficient in the table, so the result has none"
    ),
}

OUTCOME_ERROR_MESSAGES: dict[str, Promise] = {
    "coefficients_malformed": gettext_lazy(
        "Coefficient %(position)s is not a grade with a coefficient."
    ),
}

# the steps results add; values in the comments
OUTCOME_STEP_SENTENCES: dict[str, Promise] = {
    # score, grade, version: the review's current result edition
    "result_review": gettext_lazy(
        "The review gave the score %(score)s and the grade %(grade)s (result edition %(version)s)"
    ),
    # version: the review has no score (not complete)
    "result_review_unscored": gettext_lazy("The review gave no score (result edition %(version)s)"),
    # session: calibrated in that session without a change
    "result_calibration_kept": gettext_lazy(
        "The calibration session “%(session)s” kept the score and the grade"
    ),
    # session, score_before, score_after, grade_before, grade_after, reason
    "result_calibration": gettext_lazy(
        "Calibration session “%(session)s”: score %(score_before)s → %(score_after)s, "
        "grade %(grade_before)s → %(grade_after)s. Reason: %(reason)s"
    ),
    # score_before, score_after, grade_before, grade_after, reason (the decision)
    "result_appeal": gettext_lazy(
        "Changed on appeal: score %(score_before)s → %(score_after)s, grade %(grade_before)s "
        "→ %(grade_after)s. Reason: %(reason)s"
    ),
    # the same values: corrected by HR
    "result_correction": gettext_lazy(
        "Corrected by HR: score %(score_before)s → %(score_after)s, grade %(grade_before)s "
        "→ %(grade_after)s. Reason: %(reason)s"
    ),
}

# an appeal's change as the person's managers read it: what changed, not why
APPEAL_WITHOUT_REASON: Promise = gettext_lazy(
    "Changed on appeal: score %(score_before)s → %(score_after)s, grade %(grade_before)s → "
    "%(grade_after)s"
)
