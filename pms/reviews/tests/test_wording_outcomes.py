"""The calibration and outcome codes of pms.scoring in words, in English and Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from pms.goals import rules
from pms.reviews.wording_outcomes import (
    BOX_LABELS,
    BOX_LEVEL_LABELS,
    OUTCOME_MATH_ERROR_MESSAGES,
    OUTCOME_MATH_STEP_SENTENCES,
    QUOTA_MODE_LABELS,
    QUOTA_STATUS_LABELS,
    ZONE_LABELS,
    explain_outcome_step,
    outcome_error_message,
)
from pms.scoring.bonus import PoolMember, allocate_pool
from pms.scoring.distribution import QUOTA_MODES, QuotaStatus
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.ninebox import BOX_CODES, BOX_LEVELS
from pms.scoring.raises import ZONES
from pms.scoring.steps import STEP_CODES, Step


def test_the_codes_are_registered_with_the_goals_wording() -> None:
    assert set(OUTCOME_MATH_STEP_SENTENCES) <= set(STEP_CODES)
    assert set(OUTCOME_MATH_ERROR_MESSAGES) <= set(ERROR_CODES)
    for code, sentence in OUTCOME_MATH_STEP_SENTENCES.items():
        assert rules.STEP_SENTENCES[code] is sentence
    for code, message in OUTCOME_MATH_ERROR_MESSAGES.items():
        assert rules.ERROR_MESSAGES[code] is message


def test_every_value_code_has_a_label() -> None:
    assert set(QUOTA_MODE_LABELS) == set(QUOTA_MODES)
    assert set(QUOTA_STATUS_LABELS) == {status.value for status in QuotaStatus}
    assert set(BOX_LEVEL_LABELS) == set(BOX_LEVELS)
    assert set(BOX_LABELS) == set(BOX_CODES.values())
    assert set(ZONE_LABELS) == set(ZONES)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("code", sorted(OUTCOME_MATH_STEP_SENTENCES))
def test_every_step_renders_even_with_values_missing(code: str, language: str) -> None:
    with translation.override(language):
        sentence = explain_outcome_step(Step(code, {}))
    assert sentence
    assert "%(" not in sentence


@pytest.mark.parametrize("code", sorted(OUTCOME_MATH_ERROR_MESSAGES))
def test_every_error_renders_without_its_params(code: str) -> None:
    with translation.override("zh-hans"):
        message = outcome_error_message(ScoringError(code))
    assert message
    assert "%(" not in message


def test_codes_in_values_are_said_in_words() -> None:
    step = Step(
        "distribution_row",
        {
            "grade": "S",
            "mode": "at_most",
            "quota": "2",
            "count": "3",
            "difference": "+1",
            "status": "over",
        },
    )
    assert explain_outcome_step(step) == "S: quota 2 (at most), 3 given (+1): over the quota"
    with translation.override("zh-hans"):
        assert explain_outcome_step(step) == "S：名额2人（不超过），实际3人（+1）：超出名额"
    box = Step(
        "ninebox_box", {"performance": "high", "potential": "high", "box": "9", "code": "star"}
    )
    assert explain_outcome_step(box) == "Performance high, potential high: box 9, Star"


@pytest.mark.parametrize(
    ("step", "sentence"),
    [
        (
            Step("rank_grade", {"grade": "D", "quota": "0", "count": "0"}),
            "D: quota 0, given to nobody",
        ),
        (
            Step(
                "bonus_pool",
                {
                    "pool": "1000.00",
                    "people": "2",
                    "basis": "coefficient_base",
                    "total_weight": "32000",
                },
            ),
            "A pool of 1000.00 shared among 2 people by coefficient × base (total weight 32000)",
        ),
        (
            Step("raise_budget", {"cost": "800", "budget": "1000", "over": "0"}),
            "The raises cost 800, within the budget of 1000",
        ),
        (
            Step("raise_budget", {"cost": "1000", "budget": "800", "over": "200"}),
            "The raises cost 1000, 200 over the budget of 800",
        ),
        (
            Step(
                "promotion_result",
                {"cycle": "2024", "grade": "S", "min_grade": "A", "qualifies": "true"},
            ),
            "2024: grade S, A or better",
        ),
        (
            Step(
                "promotion_result",
                {"cycle": "2024", "grade": "B", "min_grade": "A", "qualifies": "false"},
            ),
            "2024: grade B, A or better is needed",
        ),
        (
            Step(
                "promotion_result",
                {"cycle": "2024", "grade": "", "min_grade": "A", "qualifies": "false"},
            ),
            "2024: no grade",
        ),
        (
            Step("promotion_tenure", {"months": "20", "required": "24", "ok": "false"}),
            "Tenure 20 months, fewer than the 24 needed",
        ),
        (
            Step(
                "salary_zone",
                {"salary": "9500", "min": "8000", "mid": "10000", "max": "12000", "zone": "q2"},
            ),
            "Salary 9500 in the range 8000 – 10000 – 12000: second quarter of the range",
        ),
    ],
)
def test_sharper_sentences_for_some_values(step: Step, sentence: str) -> None:
    assert explain_outcome_step(step) == sentence


def test_a_pool_explained_with_the_fen_left_over() -> None:
    result = allocate_pool(Decimal(10), [PoolMember("a", Decimal(1)), PoolMember("b", Decimal(2))])
    assert [explain_outcome_step(step) for step in result.steps] == [
        "A pool of 10.00 shared among 2 people by coefficient (total weight 3)",
        "a: 10.00 × 1 ÷ 3 = 3.3333 → 3.33",
        "b: 10.00 × 2 ÷ 3 = 6.6667 → 6.67, with one of the fen left over",
    ]


def test_other_codes_are_left_to_the_goals_wording() -> None:
    step = Step("grade_band", {"grade": "A", "min": "80", "score": "85"})
    assert explain_outcome_step(step) == rules.explain_step(step)


def test_errors_name_the_fields_of_these_modules() -> None:
    error = ScoringError("negative", {"field": "coefficient", "grade": "S"})
    assert outcome_error_message(error) == "Bonus coefficient cannot be negative."
    with translation.override("zh-hans"):
        assert outcome_error_message(error).startswith("奖金系数")
    assert outcome_error_message(ScoringError("shares_not_100", {"total": "90"})) == (
        "The grades' shares add up to 90%, not 100%."
    )
    # a field these modules do not name is left to the goals' labels
    assert outcome_error_message(ScoringError("negative", {"field": "per_unit"})) == (
        "Points per occurrence cannot be negative."
    )
