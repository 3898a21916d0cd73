"""The shortcuts taken for scoring a whole cycle give exactly what the general code gives.

``score_linear`` (the linear rule without the generic engine's input and dispatch), the
cached rule data, the shared rounding context and the cheaper ``plain`` must not change a
single digit or step: every number is explainable, and a recomputation compares stored
explanations as text.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, ROUND_UP, Context, Decimal

from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.attainment import Direction
from pms.scoring.decimals import plain, q2, quantize
from pms.scoring.errors import ScoringError
from pms.scoring.rules import (
    BandsRule,
    GoalInput,
    GoalScore,
    LinearRule,
    Rule,
    rule_to_data,
    score_goal,
    score_linear,
)
from pms.scoring.tests.strategies import PROPERTY, linear_rules, rules

# Figures as they reach the engine: any exponent ("500", "5E+2", "500.0000", "0.001"),
# negative, zero and huge ones included.
figures = st.decimals(
    min_value=Decimal("-1e9"),
    max_value=Decimal("1e9"),
    allow_nan=False,
    allow_infinity=False,
) | st.sampled_from(
    [Decimal(0), Decimal("-0"), Decimal("0.00"), Decimal("5E+2"), Decimal("1E-12"), Decimal(100)]
)
maybe_figures = st.none() | figures


def _outcome(score: object) -> str:
    """The whole result as text: a Decimal's repr keeps its exponent, which ``==`` does not
    compare and a step's digits depend on."""
    return repr(score)


def _generic(rule: Rule, inputs: GoalInput) -> str:
    try:
        return _outcome(score_goal(rule, inputs))
    except ScoringError as error:
        return f"error {error.code} {error.params}"


def _fast(rule: LinearRule, inputs: GoalInput) -> str:
    try:
        return _outcome(
            score_linear(
                rule,
                actual=inputs.actual,
                target=inputs.target,
                direction=inputs.direction,
                target_max=inputs.target_max,
                baseline=inputs.baseline,
            )
        )
    except ScoringError as error:
        return f"error {error.code} {error.params}"


goal_inputs = st.builds(
    GoalInput,
    actual=maybe_figures,
    target=maybe_figures,
    direction=st.sampled_from(Direction),
    target_max=maybe_figures,
    baseline=maybe_figures,
)


@PROPERTY
@given(rule=linear_rules(), inputs=goal_inputs)
def test_score_linear_is_score_goal_for_the_linear_rule(
    rule: LinearRule, inputs: GoalInput
) -> None:
    assert _fast(rule, inputs) == _generic(rule, inputs)


@PROPERTY
@given(rule=linear_rules(), actual=figures, target=figures)
def test_score_linear_clamps_like_the_engine_at_the_bounds(
    rule: LinearRule, actual: Decimal, target: Decimal
) -> None:
    # attainments right on the floor and the cap, written with other exponents
    for value in (rule.floor, rule.cap, actual):
        inputs = GoalInput(actual=value, target=Decimal(100))
        assert _fast(rule, inputs) == _generic(rule, inputs)
    inputs = GoalInput(actual=actual, target=target)
    assert _fast(rule, inputs) == _generic(rule, inputs)


def test_score_linear_explains_with_the_engine_steps() -> None:
    found = score_linear(
        LinearRule(Decimal(0), Decimal(120)), actual=Decimal("456.7"), target=Decimal(500)
    )

    assert found == GoalScore(
        score=Decimal("91.34"),
        attainment=Decimal("91.34"),
        vetoed=False,
        veto_grade=None,
        steps=found.steps,
        rule={"type": "linear", "floor": "0", "cap": "120"},
    )
    assert [(step.code, step.values) for step in found.steps] == [
        (
            "attainment",
            {
                "method": "ratio",
                "direction": "higher",
                "actual": "456.7",
                "target": "500",
                "result": "91.34",
            },
        ),
        ("clamp", {"floor": "0", "cap": "120", "attainment": "91.34", "result": "91.34"}),
    ]


@PROPERTY
@given(rule=rules)
def test_each_score_gets_its_own_copy_of_the_rule_data(rule: Rule) -> None:
    inputs = GoalInput(actual=Decimal(50), target=Decimal(100), count=Decimal(0), passed=True)
    try:
        first = score_goal(rule, inputs)
    except ScoringError:
        return
    assert first.rule == rule_to_data(rule)
    first.rule["type"] = "changed"
    if isinstance(rule, BandsRule):
        bands = first.rule["bands"]
        assert isinstance(bands, list)
        bands[0][0] = "changed"

    assert score_goal(rule, inputs).rule == rule_to_data(rule)


def test_a_rule_built_with_a_list_of_bands_still_gets_its_data() -> None:
    rule = BandsRule(bands=[(Decimal(100), Decimal(100)), (Decimal(80), Decimal(60))])  # type: ignore[arg-type]

    found = score_goal(rule, GoalInput(actual=Decimal(90), target=Decimal(100)))

    assert found.score == Decimal(60)
    assert found.rule == {"type": "bands", "bands": [["100", "100"], ["80", "60"]], "below": "0"}


# --- decimals ---------------------------------------------------------------------------------

any_decimals = st.decimals(allow_nan=False, allow_infinity=True) | st.sampled_from(
    [Decimal("-0"), Decimal("-0.00"), Decimal("1E+30"), Decimal("1.5E-9"), Decimal("-2E+3")]
)


def _reference_plain(value: Decimal) -> str:
    if value == 0:
        value = abs(value)
    return format(value, "f")


def _reference_quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    digits = max(28, value.adjusted() + places + 2)
    return value.quantize(
        Decimal(1).scaleb(-places), rounding=rounding, context=Context(prec=digits)
    )


@PROPERTY
@given(value=any_decimals)
def test_plain_writes_what_format_writes(value: Decimal) -> None:
    assert plain(value) == _reference_plain(value)


@PROPERTY
@given(
    value=st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from([Decimal("9" * 27 + ".995"), Decimal("1E+40"), Decimal("-0.005")]),
    places=st.integers(0, 9),
    rounding=st.sampled_from([ROUND_HALF_UP, ROUND_UP]),
)
def test_quantize_with_the_shared_context_rounds_as_before(
    value: Decimal, places: int, rounding: str
) -> None:
    expected = _reference_quantize(value, places, rounding)
    found = quantize(value, places, rounding=rounding)

    assert repr(found) == repr(expected)
    if places == 2 and rounding == ROUND_HALF_UP:
        assert repr(q2(value)) == repr(expected)
