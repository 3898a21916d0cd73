"""Explainable intermediate steps, and the codes they use.

Every number shown to a person can be explained ("how was this computed"): scoring
functions return the steps they took as a code plus string values. The Django layer
renders each code in ``STEP_CODES`` with a translated sentence; the values are already
formatted Decimals so the page and the audit snapshot show the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_CODES: tuple[str, ...] = (
    # values: method, actual, target, direction, [target_max], [baseline], result
    "attainment",
    # values: field: an input the rule needs is not there yet, so there is no score
    "missing_input",
    # values: floor, cap, attainment, result
    "clamp",
    # values: min, score, attainment (the highest band whose min ≤ attainment)
    "band",
    # values: below, attainment (under every band)
    "band_below",
    # values: passed ("true"/"false"), source ("input" or "attainment"), [threshold], result
    "pass_fail",
    # values: done, total, [cap], result (done/total are weights when milestones are weighted)
    "milestones",
    # values: start, count, per_unit, floor, result
    "deduction",
    # values: count / passed, grade, [score_cap], result ("0")
    "veto",
    # values: result ("100"): the veto item was checked and not triggered
    "veto_clear",
    # scorecard / objective: values key, weight, score, points
    "contribution",
    # values key, weight: an item with weight has no score yet
    "missing_score",
    # values points, weight, result: Σ weight × score / 100
    "weighted_sum",
    # values points, scored_weight, total_weight, result: the score so far
    "renormalise",
    # values keys (comma-joined), grade
    "veto_grade",
    # values cap, before, result
    "veto_cap",
    # prorating versions: values label, start, end, days, score
    "segment",
    # values label, start, end, days: a segment without a score is left out
    "segment_unscored",
    # values days, result
    "prorate",
    # pace (pms.scoring.pace). Amounts and percents are plain two-decimal strings.
    # values start, end: the period has no working day, so calendar days are counted
    "pace_basis_fallback",
    # values start, end, as_of, phase, basis, days_total, days_elapsed, days_left, share (%)
    "pace_period",
    # values aggregation, count, result, latest (date of the latest observation)
    "pace_actual",
    # values aggregation: nothing recorded in the period up to as_of
    "pace_no_data",
    # values aggregation, target, [target_max], share (%), expected, [expected_max],
    # expected_attainment
    "pace_expected",
    # values actual, expected, result: attainment of the actual against expected by now
    "pace_index",
    # values aggregation, direction, remaining, days_left, [remaining_share],
    # [required_rate], [required_share_rate], [required_level]
    "pace_remaining",
    # values method (rate, trend, level, mean, final), result, low, high, attainment
    "pace_forecast",
    # values status, on_track, at_risk, [pace_index], [forecast_attainment]
    "pace_status",
    # reviews: one rater's section (pms.scoring.ratings). These show one rater's answers.
    # values key, weight, answer (as given: number, level code, "yes"/"no"), points
    "rating_item",
    # values key, weight: an item this rater left unanswered, left out
    "rating_item_unanswered",
    # values answered, items (counts), weight (answered weight), result:
    # Σ weight × points / Σ answered weight
    "rater_score",
    # rater-type blend (pms.scoring.review). Never an individual rater's score.
    # values type, count, mean, weight: a rater type that counts
    "rater_type",
    # values type, weight: nobody of this type answered, left out (not a zero)
    "rater_type_missing",
    # values type, count, minimum, weight: fewer answers than the minimum, left out
    "rater_type_too_few",
    # values type, count, [mean] (only when count ≥ minimum): a type of weight 0, not counted
    "rater_type_unweighted",
    # values weight (of the types that count), total_weight, result
    "rater_blend",
    # review vetoes: values key, grade, [score_cap]: the veto was triggered
    "review_veto",
    # values key: the veto was checked and not triggered
    "review_veto_clear",
    # values key: the veto is not decided yet
    "review_veto_open",
    # composite across periods (pms.scoring.composite)
    # values key, weight, count, mean: a part with scores
    "composite_part",
    # values key, weight: a part without scores yet, left out (not a zero)
    "composite_part_missing",
    # values weight (of the parts with scores), total_weight, result
    "composite",
    # grades (pms.scoring.grades)
    # values grade, min, score: the score reaches the band's min
    "grade_band",
    # values grade (final), veto_grade, [score_grade]: the worse of the two applies
    "grade_veto",
)

# How an attainment was computed (the "method" value of an "attainment" step).
ATTAINMENT_METHODS: tuple[str, ...] = (
    "ratio",  # higher is better: actual / target
    "signed_ratio",  # higher is better, negative target: 1 + (actual − target) / |target|
    "growth",  # higher is better from a baseline: (actual − baseline) / (target − baseline)
    "inverse_ratio",  # lower is better: target / actual, at most 200
    "inverse_signed",  # lower is better, negative target: 1 + (target − actual) / |target|
    "zero_target",  # lower is better with target 0: 100 − actual × 100
    "range_inside",
    "range_below",
    "range_above",
)


@dataclass(frozen=True)
class Step:
    """One explainable intermediate step; ``code`` is one of ``STEP_CODES``."""

    code: str
    values: dict[str, str]
