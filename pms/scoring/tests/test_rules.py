"""Scoring rules: parsing and validation, the round trip to data, and each rule's score."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.attainment import Direction
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.rules import (
    DEFAULT_RULE,
    BandsRule,
    DeductionRule,
    GoalInput,
    LinearRule,
    Milestone,
    MilestoneRule,
    PassFailRule,
    Rule,
    VetoRule,
    parse_rule,
    rule_to_data,
    score_goal,
)
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import (
    PROPERTY,
    bands_rules,
    deduction_rules,
    linear_rules,
    money,
    percents,
    rules,
)

# The issue's examples: ≥100 % → 100分, ≥90 % → 80分, else 0.
ISSUE_BANDS = BandsRule(bands=((Decimal(100), Decimal(100)), (Decimal(90), Decimal(80))))


def measured(actual: str, target: str = "100", **extra: object) -> GoalInput:
    return GoalInput(actual=Decimal(actual), target=Decimal(target), **extra)  # type: ignore[arg-type]


def error_of(data: object) -> ScoringError:
    with pytest.raises(ScoringError) as caught:
        parse_rule(data)  # type: ignore[arg-type]
    assert caught.value.code in ERROR_CODES
    return caught.value


# --- parse_rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "linear", "floor": 0, "cap": 120}, LinearRule(Decimal(0), Decimal(120))),
        ({"type": "linear"}, DEFAULT_RULE),
        (
            {"type": "bands", "bands": [[100, 100], [90, 80], [80, 60]], "below": 0},
            BandsRule(
                (
                    (Decimal(100), Decimal(100)),
                    (Decimal(90), Decimal(80)),
                    (Decimal(80), Decimal(60)),
                ),
                Decimal(0),
            ),
        ),
        (
            {"type": "pass_fail", "threshold": 100, "pass_score": 100, "fail_score": 0},
            PassFailRule(Decimal(100), Decimal(100), Decimal(0)),
        ),
        ({"type": "milestones"}, MilestoneRule()),
        (
            {"type": "deduction", "start": 100, "per_unit": 2, "floor": 0},
            DeductionRule(Decimal(100), Decimal(2), Decimal(0)),
        ),
        ({"type": "veto", "grade": "D"}, VetoRule("D")),
        ({"type": "veto", "grade": " c ", "score": "60"}, VetoRule("C", Decimal(60))),
    ],
)
def test_parse_rule_reads_the_documented_shapes(data: dict[str, object], expected: Rule) -> None:
    assert parse_rule(data) == expected


def test_numbers_may_be_int_float_str_or_decimal() -> None:
    rule = parse_rule({"type": "deduction", "start": "100", "per_unit": 0.1, "floor": Decimal("5")})
    assert rule == DeductionRule(start=Decimal(100), per_unit=Decimal("0.1"), floor=Decimal(5))
    assert isinstance(rule, DeductionRule)
    assert rule.per_unit.as_tuple() == Decimal("0.1").as_tuple()  # not 0.1000000000000000055…


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        ([1, 2], "not_a_mapping", {}),
        ({}, "missing_field", {"field": "type"}),
        ({"type": "curve"}, "unknown_type", {"type": "curve"}),
        ({"type": 3}, "unknown_type", {"type": "3"}),
        ({"type": "linear", "celing": 100}, "unknown_field", {"field": "celing"}),
        ({"type": "linear", "cap": "lots"}, "not_a_number", {"field": "cap"}),
        ({"type": "linear", "cap": True}, "not_a_number", {"field": "cap"}),
        ({"type": "linear", "cap": "NaN"}, "not_a_number", {"field": "cap"}),
        ({"type": "linear", "cap": float("inf")}, "not_a_number", {"field": "cap"}),
        ({"type": "linear", "cap": [120]}, "not_a_number", {"field": "cap"}),
        ({"type": "linear", "floor": -1}, "negative", {"field": "floor"}),
        (
            {"type": "linear", "floor": 130, "cap": 120},
            "floor_above_cap",
            {"floor": "130", "cap": "120"},
        ),
        ({"type": "bands"}, "missing_field", {"field": "bands"}),
        ({"type": "bands", "bands": []}, "bands_empty", {}),
        ({"type": "bands", "bands": "100:100"}, "bands_malformed", {}),
        ({"type": "bands", "bands": [[100, 100], [90]]}, "bands_malformed", {"position": "2"}),
        (
            {"type": "bands", "bands": [[100, "x"]]},
            "not_a_number",
            {"field": "bands", "position": "1"},
        ),
        ({"type": "bands", "bands": [[100, -5]]}, "negative", {"field": "bands", "position": "1"}),
        (
            {"type": "bands", "bands": [[90, 80], [100, 100]]},
            "bands_not_descending",
            {"field": "min", "position": "2"},
        ),
        (
            {"type": "bands", "bands": [[100, 100], [100, 80]]},
            "bands_not_descending",
            {"field": "min", "position": "2"},
        ),
        (
            {"type": "bands", "bands": [[100, 80], [90, 100]]},
            "bands_not_descending",
            {"field": "score", "position": "2"},
        ),
        (
            {"type": "bands", "bands": [[100, 100], [90, 80]], "below": 90},
            "bands_not_descending",
            {"field": "below", "position": "3"},
        ),
        (
            {"type": "pass_fail", "pass_score": 50, "fail_score": 60},
            "fail_above_pass",
            {"pass_score": "50", "fail_score": "60"},
        ),
        ({"type": "milestones", "cap": -1}, "negative", {"field": "cap"}),
        ({"type": "deduction", "per_unit": -2}, "negative", {"field": "per_unit"}),
        (
            {"type": "deduction", "start": 50, "floor": 60},
            "floor_above_start",
            {"floor": "60", "start": "50"},
        ),
        ({"type": "veto", "grade": "E"}, "bad_grade", {"grade": "E", "grades": "S, A, B, C, D"}),
        ({"type": "veto", "grade": 4}, "bad_grade", {"grade": "4", "grades": "S, A, B, C, D"}),
        ({"type": "veto", "score": -1}, "negative", {"field": "score"}),
    ],
)
def test_parse_rule_refuses_invalid_rules_with_a_code(
    data: object, code: str, params: dict[str, str]
) -> None:
    error = error_of(data)
    assert error.code == code
    assert error.params == params


def test_rules_validate_themselves_when_built_directly() -> None:
    with pytest.raises(ScoringError) as caught:
        LinearRule(floor=Decimal(10), cap=Decimal(5))
    assert caught.value.code == "floor_above_cap"


# --- rule_to_data -----------------------------------------------------------------------------


def test_rule_to_data_writes_normalised_decimal_strings() -> None:
    assert rule_to_data(DEFAULT_RULE) == {"type": "linear", "floor": "0", "cap": "120"}
    assert rule_to_data(LinearRule(floor=Decimal("0.50"), cap=Decimal("1.2E+2"))) == {
        "type": "linear",
        "floor": "0.5",
        "cap": "120",
    }
    assert rule_to_data(ISSUE_BANDS) == {
        "type": "bands",
        "bands": [["100", "100"], ["90", "80"]],
        "below": "0",
    }
    assert rule_to_data(VetoRule()) == {"type": "veto", "grade": "D"}
    assert rule_to_data(VetoRule(score=Decimal("60.0"))) == {
        "type": "veto",
        "grade": "D",
        "score": "60",
    }
    assert rule_to_data(MilestoneRule()) == {"type": "milestones", "cap": "100"}


@PROPERTY
@given(rule=rules)
def test_parse_rule_inverts_rule_to_data(rule: Rule) -> None:
    data = rule_to_data(rule)
    assert parse_rule(data) == rule
    assert rule_to_data(parse_rule(data)) == data


# --- linear -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("130", Decimal("120.00")),
        ("120", Decimal("120.00")),
        ("80", Decimal("80.00")),
        ("0", Decimal("0.00")),
    ],
)
def test_linear_scores_attainment_between_0_and_120(actual: str, expected: Decimal) -> None:
    result = score_goal(DEFAULT_RULE, measured(actual))
    assert result.score == expected
    assert result.attainment == Decimal(actual).quantize(Decimal("0.01"))
    assert [step.code for step in result.steps] == ["attainment", "clamp"]
    assert result.steps[1].values == {
        "floor": "0",
        "cap": "120",
        "attainment": f"{Decimal(actual):.2f}",
        "result": f"{expected}",
    }
    assert result.rule == {"type": "linear", "floor": "0", "cap": "120"}
    assert not result.vetoed


def test_linear_with_a_floor_lifts_low_scores() -> None:
    assert score_goal(LinearRule(floor=Decimal(60)), measured("30")).score == Decimal("60.00")


def test_without_an_actual_value_there_is_no_score_yet() -> None:
    result = score_goal(DEFAULT_RULE, GoalInput(target=Decimal(100)))
    assert result.score is None
    assert result.attainment is None
    assert [(step.code, step.values) for step in result.steps] == [
        ("missing_input", {"field": "actual"})
    ]


def test_a_range_goal_without_upper_bound_is_missing_input_not_an_error() -> None:
    result = score_goal(DEFAULT_RULE, measured("5", "1", direction=Direction.RANGE))
    assert result.score is None
    assert result.steps[0].values == {"field": "target_max"}


def test_a_zero_target_is_an_error_the_caller_must_show() -> None:
    with pytest.raises(ScoringError) as caught:
        score_goal(DEFAULT_RULE, measured("5", "0"))
    assert caught.value.code == "zero_target"


def test_lower_is_better_goals_use_the_inverse_ratio() -> None:
    assert score_goal(
        DEFAULT_RULE, measured("8", "10", direction=Direction.LOWER)
    ).score == Decimal("120.00")


@PROPERTY
@given(rule=linear_rules(), a=percents, b=percents)
def test_linear_score_is_within_floor_and_cap_and_monotonic(
    rule: LinearRule, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    low_score = score_goal(rule, measured(str(low))).score
    high_score = score_goal(rule, measured(str(high))).score
    assert low_score is not None
    assert high_score is not None
    assert rule.floor <= low_score <= high_score <= rule.cap


# --- bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected", "step"),
    [
        ("120", Decimal(100), "band"),
        ("100", Decimal(100), "band"),
        ("99.99", Decimal(80), "band"),
        ("90", Decimal(80), "band"),
        ("89.99", Decimal(0), "band_below"),
    ],
)
def test_bands_score_the_highest_band_reached(actual: str, expected: Decimal, step: str) -> None:
    result = score_goal(ISSUE_BANDS, measured(actual))
    assert result.score == expected
    assert result.steps[-1].code == step


def test_the_band_step_names_the_band() -> None:
    result = score_goal(ISSUE_BANDS, measured("95"))
    assert result.steps[-1].values == {"min": "90", "score": "80.00", "attainment": "95.00"}


@PROPERTY
@given(rule=bands_rules(), a=percents, b=percents)
def test_bands_never_score_less_for_more(rule: BandsRule, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    low_score = score_goal(rule, measured(str(low))).score
    high_score = score_goal(rule, measured(str(high))).score
    assert low_score is not None
    assert high_score is not None
    assert rule.below <= low_score <= high_score <= rule.bands[0][1]


# --- pass / fail ------------------------------------------------------------------------------


def test_pass_fail_from_attainment() -> None:
    rule = PassFailRule(threshold=Decimal(95))
    assert score_goal(rule, measured("95")).score == Decimal(100)
    assert score_goal(rule, measured("94.99")).score == Decimal(0)
    assert score_goal(rule, measured("95")).steps[-1].values == {
        "passed": "true",
        "source": "attainment",
        "threshold": "95",
        "result": "100.00",
    }


def test_pass_fail_from_an_explicit_verdict() -> None:
    rule = PassFailRule(pass_score=Decimal(100), fail_score=Decimal(40))
    passed = score_goal(rule, GoalInput(passed=True))
    failed = score_goal(rule, GoalInput(passed=False, actual=Decimal(200), target=Decimal(100)))
    assert passed.score == Decimal(100)
    assert failed.score == Decimal(40)  # the verdict wins over the numbers
    assert failed.steps[-1].values == {"passed": "false", "source": "input", "result": "40.00"}
    assert score_goal(rule, GoalInput()).score is None


# --- milestones -------------------------------------------------------------------------------


def test_milestones_score_the_share_done() -> None:
    result = score_goal(MilestoneRule(), GoalInput(milestones_done=3, milestones_total=4))
    assert result.score == Decimal(75)
    assert result.attainment == Decimal(75)
    assert result.steps[0].values == {"done": "3", "total": "4", "cap": "100", "result": "75.00"}


def test_milestones_with_weights() -> None:
    inputs = GoalInput(
        milestones=(
            Milestone(weight=Decimal(50), done=True, key="design"),
            Milestone(weight=Decimal(30), done=False, key="build"),
            Milestone(weight=Decimal(20), done=True, key="launch"),
        )
    )
    assert score_goal(MilestoneRule(), inputs).score == Decimal(70)
    assert score_goal(MilestoneRule(cap=Decimal(60)), inputs).score == Decimal(60)


def test_milestones_edge_cases() -> None:
    assert score_goal(MilestoneRule(), GoalInput(milestones_done=0, milestones_total=0)).score == 0
    assert score_goal(MilestoneRule(), GoalInput(milestones_done=1)).steps[0].values == {
        "field": "milestones_total"
    }
    with pytest.raises(ScoringError) as caught:
        score_goal(MilestoneRule(), GoalInput(milestones_done=5, milestones_total=4))
    assert caught.value.code == "milestones_exceed_total"
    with pytest.raises(ScoringError) as negative:
        score_goal(MilestoneRule(), GoalInput(milestones=(Milestone(weight=Decimal(-1)),)))
    assert negative.value.code == "negative"


# --- deduction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("complaints", "expected"),
    [
        ("0", Decimal(100)),
        ("3", Decimal(94)),
        ("50", Decimal(0)),
        ("60", Decimal(0)),
        ("0.5", Decimal(99)),
    ],
)
def test_each_complaint_costs_two_points_down_to_zero(complaints: str, expected: Decimal) -> None:
    # given the issue's rule: each complaint −2, floor 0
    rule = DeductionRule(start=Decimal(100), per_unit=Decimal(2), floor=Decimal(0))

    result = score_goal(rule, GoalInput(count=Decimal(complaints)))

    assert result.score == expected
    assert result.attainment is None
    assert result.steps[0].code == "deduction"
    assert result.steps[0].values["count"] == complaints


def test_deduction_needs_a_count_and_refuses_negative_ones() -> None:
    assert score_goal(DeductionRule(), GoalInput()).score is None
    with pytest.raises(ScoringError) as caught:
        score_goal(DeductionRule(), GoalInput(count=Decimal(-1)))
    assert caught.value.params == {"field": "count"}


@PROPERTY
@given(rule=deduction_rules(), a=money(0, 1000), b=money(0, 1000))
def test_deduction_is_within_floor_and_start_and_falls_with_count(
    rule: DeductionRule, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    fewer = score_goal(rule, GoalInput(count=low)).score
    more = score_goal(rule, GoalInput(count=high)).score
    assert fewer is not None
    assert more is not None
    assert rule.floor <= more <= fewer <= rule.start


# --- veto -------------------------------------------------------------------------------------


def test_a_safety_incident_scores_zero_and_vetoes_to_grade_d() -> None:
    result = score_goal(VetoRule(grade="D"), GoalInput(count=Decimal(1)))
    assert result.score == Decimal(0)
    assert result.vetoed
    assert result.veto_grade == "D"
    assert result.veto_score_cap is None
    assert result.steps[0].values == {"count": "1", "grade": "D", "result": "0.00"}


def test_no_incident_scores_100_and_does_not_veto() -> None:
    result = score_goal(VetoRule(), GoalInput(count=Decimal(0)))
    assert result.score == Decimal(100)
    assert not result.vetoed
    assert result.veto_grade is None
    assert result.steps[0].code == "veto_clear"


def test_a_failed_check_also_triggers_the_veto_and_carries_the_score_cap() -> None:
    result = score_goal(VetoRule(grade="C", score=Decimal(60)), GoalInput(passed=False))
    assert result.vetoed
    assert result.veto_grade == "C"
    assert result.veto_score_cap == Decimal(60)
    assert score_goal(VetoRule(), GoalInput()).score is None


# --- every rule ------------------------------------------------------------------------------


@PROPERTY
@given(
    rule=rules,
    actual=st.none() | percents,
    count=st.none() | money(0, 100),
    passed=st.none() | st.booleans(),
    total=st.none() | st.integers(0, 20),
)
def test_any_rule_gives_a_two_decimal_score_explained_by_known_steps(
    rule: Rule,
    actual: Decimal | None,
    count: Decimal | None,
    passed: bool | None,
    total: int | None,
) -> None:
    inputs = GoalInput(
        actual=actual,
        target=Decimal(100),
        count=count,
        passed=passed,
        milestones_done=None if total is None else total // 2,
        milestones_total=total,
    )

    result = score_goal(rule, inputs)

    assert result.rule == rule_to_data(rule)
    assert all(step.code in STEP_CODES for step in result.steps)
    assert result.steps
    if result.score is not None:
        assert result.score >= 0
        assert result.score == result.score.quantize(Decimal("0.01"))
    assert result.vetoed == (result.veto_grade is not None)
