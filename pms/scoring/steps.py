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
