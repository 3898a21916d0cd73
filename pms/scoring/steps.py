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
    # forced distribution (pms.scoring.distribution)
    # values grade, headcount, share, exact (headcount × share / 100), floor, remainder
    "quota_exact",
    # values headcount, floors (Σ floors), seats (people left to the largest remainders)
    "quota_leftover",
    # values grade, remainder, quota: the grade got one of the seats left over
    "quota_seat",
    # values unit, size, min_size, parent: too few people, pooled into the parent
    "pool_up",
    # values key, size, units (comma-joined): a pool large enough to be forced
    "pool_formed",
    # values key, size, min_size, units: a pool still too small at the top, not forced
    "pool_small",
    # values headcount, min_size: the group is too small to be forced
    "distribution_small_group",
    # values grade, mode, quota, count, difference ("+2", "-1", "0"), status
    "distribution_row",
    # values grade, quota, count, [first, last (ranks), high, low (scores)]
    "rank_grade",
    # values grade, score, people, beyond: equal scores across a boundary, all to the grade
    "rank_tie",
    # nine-box (pms.scoring.ninebox): values grade, level
    "ninebox_performance",
    # values performance, potential, box, code
    "ninebox_box",
    # bonus (pms.scoring.bonus): values grade, coefficient
    "bonus_coefficient",
    # values key, factor
    "bonus_factor",
    # values base, coefficient, factor (product of the factors), result
    "bonus_amount",
    # values pool, people, basis ("coefficient" or "coefficient_base"), total_weight
    "bonus_pool",
    # values key, share (exact), cap: the share is above the cap, the cap is paid
    "bonus_capped",
    # values key, pool (what is shared after caps), weight, total_weight, exact, result,
    # [extra ("0.01": one of the fen left over)]
    "bonus_share",
    # values amount: nobody left to give it to (everybody capped or weight 0)
    "bonus_unallocated",
    # raises (pms.scoring.raises): values salary, midpoint, result (percent)
    "compa_ratio",
    # values salary, min, mid, max, zone
    "salary_zone",
    # values grade, zone, percent
    "raise_percent",
    # values salary, percent, result, new_salary
    "raise_amount",
    # values cost, budget, over
    "raise_budget",
    # values factor: the suggested scale-down factor
    "raise_scale",
    # promotion (pms.scoring.promotion): values cycle, grade ("" without), min_grade,
    # qualifies ("true"/"false")
    "promotion_result",
    # values count, required: fewer results than the rule asks for
    "promotion_too_few",
    # values streak, required, min_grade
    "promotion_streak",
    # values months, required, ok ("true"/"false")
    "promotion_tenure",
    # values required: no tenure known
    "promotion_tenure_unknown",
    # coefficients (pms.scoring.coefficients): values grade, coefficient
    "coefficient",
    # values grade ("" without): the grade has no coefficient
    "coefficient_missing",
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
