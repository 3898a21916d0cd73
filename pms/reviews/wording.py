"""How the review codes of ``pms.scoring`` read in sentences (registered in ``apps.ready``).

Values arrive as plain strings; rater types and keys are turned into their labels by the
explanation layer before a sentence is filled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

REVIEW_STEP_SENTENCES: dict[str, Promise] = {
    "rating_item": gettext_lazy(
        "%(key)s (weight %(weight)s): answer %(answer)s = %(points)s points"
    ),
    "rating_item_unanswered": gettext_lazy("%(key)s (weight %(weight)s): not answered, left out"),
    "rater_score": gettext_lazy(
        "%(answered)s of %(items)s items answered (weight %(weight)s): score %(result)s"
    ),
    "rater_type": gettext_lazy("%(type)s: %(count)s answers, mean %(mean)s, weight %(weight)s"),
    "rater_type_missing": gettext_lazy(
        "%(type)s (weight %(weight)s): no answers, left out (not counted as zero)"
    ),
    "rater_type_too_few": gettext_lazy(
        "%(type)s (weight %(weight)s): fewer answers than the %(minimum)s needed to be shown, "
        "left out"
    ),
    "rater_type_unweighted": gettext_lazy("%(type)s: %(count)s answers, weight 0, not counted"),
    "rater_blend": gettext_lazy(
        "Weighted mean over the rater types that answered (weight %(weight)s of "
        "%(total_weight)s) = %(result)s"
    ),
    "review_veto": gettext_lazy("Veto item %(key)s applies: grade %(grade)s"),
    "review_veto_clear": gettext_lazy("Veto item %(key)s checked: does not apply"),
    "review_veto_open": gettext_lazy("Veto item %(key)s not decided yet"),
    "composite_part": gettext_lazy(
        "%(key)s (weight %(weight)s%%): %(count)s scores, mean %(mean)s"
    ),
    "composite_part_missing": gettext_lazy(
        "%(key)s (weight %(weight)s%%): no scores yet, left out"
    ),
    "composite": gettext_lazy(
        "Weighted over the parts with scores (%(weight)s of %(total_weight)s) = %(result)s"
    ),
    "grade_band": gettext_lazy("Score %(score)s reaches %(min)s: grade %(grade)s"),
    "grade_veto": gettext_lazy(
        "A veto item sets the grade to %(veto_grade)s (the score alone gives %(score_grade)s): "
        "grade %(grade)s"
    ),
}

REVIEW_ERROR_MESSAGES: dict[str, Promise] = {
    "out_of_range": gettext_lazy("%(field)s must be between %(min)s and %(max)s."),
    "answer_off_step": gettext_lazy("%(value)s is not a step of %(step)s from %(min)s."),
    "unknown_level": gettext_lazy("“%(code)s” is not one of %(codes)s."),
    "not_a_boolean": gettext_lazy("%(field)s must be yes or no."),
    "unknown_scale_kind": gettext_lazy("Unknown scale kind “%(kind)s”; expected one of %(kinds)s."),
    "scale_malformed": gettext_lazy("The scale's %(field)s is malformed."),
    "scale_missing_field": gettext_lazy("The scale needs its %(field)s."),
    "scale_unknown_field": gettext_lazy("A scale has no field “%(field)s”."),
    "scale_inverted": gettext_lazy("The minimum %(min)s must be below the maximum %(max)s."),
    "scale_step_invalid": gettext_lazy(
        "The step %(step)s must be positive and divide %(min)s–%(max)s."
    ),
    "levels_too_few": gettext_lazy("A scale needs at least two levels."),
    "code_empty": gettext_lazy("The %(field)s at position %(position)s has no code."),
    "duplicate_key": gettext_lazy("%(field)s “%(key)s” appears twice."),
    "unknown_rater_type": gettext_lazy("Unknown rater type “%(type)s”; expected one of %(types)s."),
    "weights_not_100": gettext_lazy("Section weights add up to %(total)s%%, not 100%%."),
    "grade_bands_empty": gettext_lazy("At least one grade band is needed."),
    "grade_bands_malformed": gettext_lazy(
        "Grade band %(position)s is not a grade with a minimum score."
    ),
    "grade_bands_not_descending": gettext_lazy(
        "Grade band %(position)s: its minimum must be below the previous band's."
    ),
    "grade_bands_floor": gettext_lazy("The lowest grade band must start at 0, not %(min)s."),
}
