"""The one error type of the scoring package, and every code it can carry.

Scoring runs without Django, so it cannot translate messages. An error carries a stable
``code`` and string ``params``; the Django layer maps each code in ``ERROR_CODES`` to a
translated message, which is why every code raised anywhere in ``pms.scoring`` is listed
here (a test checks the source against this tuple).
"""

from __future__ import annotations

from collections.abc import Mapping

ERROR_CODES: tuple[str, ...] = (
    # attainment
    "zero_target",  # higher-is-better without a baseline needs a non-zero target
    "missing_target_max",  # a range target needs its upper bound; params: field
    "range_inverted",  # target_max below target; params: target, target_max
    "not_finite",  # NaN or infinity given as a number; params: field
    # rules
    "not_a_mapping",  # a rule must be a JSON object
    "unknown_type",  # params: type
    "missing_field",  # params: field
    "unknown_field",  # a key the rule type does not have, e.g. a typo; params: field
    "not_a_number",  # params: field (and index for bands)
    "negative",  # params: field (and index for bands)
    "floor_above_cap",  # linear rule; params: floor, cap
    "floor_above_start",  # deduction rule; params: floor, start
    "fail_above_pass",  # pass/fail rule; params: pass_score, fail_score
    "bands_empty",
    "bands_malformed",  # a band is not a [min, score] pair; params: index
    "bands_not_descending",  # params: field (min, score or below), index
    "bad_grade",  # params: grade, grades
    "milestones_exceed_total",  # params: done, total
    # scorecard / versions / progress
    "segment_inverted",  # a segment ends before it starts; params: start, end
    "segments_overlap",  # params: first, second (ISO start dates)
    "period_inverted",  # params: start, end
    "covered_above_total",  # params: covered, total
    # smart
    "unknown_kind",  # params: kind, kinds
    # calendar / pace
    "bad_weekday",  # a weekend day is not 0 (Monday) … 6 (Sunday); params: day
    "calendar_conflict",  # a date is both a holiday and a make-up working day; params: date
    "unknown_direction",  # params: direction, directions
    "unknown_aggregation",  # params: aggregation, aggregations
    "unknown_basis",  # params: basis, bases
    "thresholds_inverted",  # the at-risk threshold is above on-track; params: on_track, at_risk
    # reviews: ratings / review / composite / grades
    "out_of_range",  # params: field, min, max, [value], [position], [type]
    "answer_off_step",  # a numeric answer not on the scale's step; params: value, min, step
    "unknown_level",  # an answer that is no level of the scale; params: code, codes
    "not_a_boolean",  # a yes/no answer that is not true/false; params: field
    "unknown_scale_kind",  # params: kind, kinds
    "scale_malformed",  # params: field (scale, levels, code or label), [position]
    "scale_missing_field",  # params: field, [position] (of a level)
    "scale_unknown_field",  # params: field, [position] (of a level)
    "scale_inverted",  # a numeric scale's min is not below its max; params: min, max
    "scale_step_invalid",  # step ≤ 0 or not dividing max − min; params: step, min, max
    "levels_too_few",  # a levels scale needs at least two; params: count
    "code_empty",  # params: field (level or grade), position
    "duplicate_key",  # params: field (level, item, section, veto, part or grade), key
    "unknown_rater_type",  # params: type, types
    "weights_not_100",  # review section weights; params: total
    "grade_bands_empty",
    "grade_bands_malformed",  # not a list of {grade, min_score}; params: [position]
    "grade_bands_not_descending",  # params: position
    "grade_bands_floor",  # the last band must start at 0; params: min
    # calibration and outcomes: distribution / ninebox / bonus / raises / promotion
    "distribution_empty",  # a distribution rule without grades
    "distribution_malformed",  # not {"grades": [{grade, share, mode}], …}; params: [position]
    "shares_not_100",  # the grades' shares; params: total
    "unknown_quota_mode",  # params: mode, modes
    "unknown_parent",  # a unit's parent is no unit; params: key, parent
    "unit_cycle",  # units whose parents lead round in a circle; params: key
    "counts_exceed_headcount",  # more people graded than in the group; params: counted, headcount
    "unknown_box_level",  # a nine-box level that is not low/mid/high; params: level, levels
    "grade_unmapped",  # a grade without its level, coefficient…; params: grade
    "box_levels_not_ordered",  # a better grade mapped to a lower level; params: grade
    "not_in_fen",  # an amount with more than two decimals; params: field, value, [key]
    "bases_mixed",  # some people of a pool with a base amount and some without
    "salary_range_invalid",  # not 0 < min ≤ mid ≤ max; params: min, mid, max
    "unknown_zone",  # params: zone, zones
    "raise_matrix_incomplete",  # params: grade, zone
    # coefficients: not [{grade, coefficient}, …]; params: [position]
    "coefficients_malformed",
)


class ScoringError(ValueError):
    """Invalid input to a scoring function; ``code`` is one of ``ERROR_CODES``."""

    code: str
    params: dict[str, str]

    def __init__(self, code: str, params: Mapping[str, str] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        detail = ", ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        super().__init__(f"{code} ({detail})" if detail else code)

    def __reduce__(self) -> tuple[type[ScoringError], tuple[str, dict[str, str]]]:
        # Keep code and params when the error crosses a process boundary (tasks, pickling).
        return (type(self), (self.code, self.params))
