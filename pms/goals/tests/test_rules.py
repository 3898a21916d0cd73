"""The Django face of the scoring rules: messages per code, rules in words, the compact text
form, and the rule fields of forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from pms.goals import rules
from pms.goals.library import LIBRARY
from pms.scoring import rules as scoring
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.steps import ATTAINMENT_METHODS, STEP_CODES, Step

# --- every code has its words -----------------------------------------------------------------


def test_every_error_code_has_a_message() -> None:
    assert set(rules.ERROR_MESSAGES) == set(ERROR_CODES)


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_error_message_renders_without_its_params(code: str) -> None:
    message = rules.rule_error_message(ScoringError(code))

    assert message
    assert "%(" not in message


def test_every_step_code_has_a_sentence() -> None:
    from pms.outcomes.pay_wording import PAY_STEP_SENTENCES
    from pms.outcomes.wording import OUTCOME_STEP_SENTENCES
    from pms.reviews.explain import EXPLAIN_STEP_SENTENCES

    # every code of pms.scoring, plus the steps the reviews and results apps add around them
    assert set(rules.STEP_SENTENCES) == (
        set(STEP_CODES)
        | set(EXPLAIN_STEP_SENTENCES)
        | set(OUTCOME_STEP_SENTENCES)
        | set(PAY_STEP_SENTENCES)
    )
    assert set(rules.ATTAINMENT_SENTENCES) == set(ATTAINMENT_METHODS)


@pytest.mark.parametrize("code", STEP_CODES)
def test_every_step_renders_even_with_values_missing(code: str) -> None:
    sentence = rules.explain_step(Step(code, {}))

    assert sentence
    assert "%(" not in sentence


def test_rule_types_are_the_scoring_packages() -> None:
    assert [value for value, _label in rules.RULE_TYPES] == list(scoring.RULE_TYPES)


def test_error_messages_name_fields_and_bands() -> None:
    assert rules.rule_error_message(ScoringError("negative", {"field": "per_unit"})) == (
        "Points per occurrence cannot be negative."
    )
    assert rules.rule_error_message(
        ScoringError("bands_not_descending", {"field": "min", "position": "2"})
    ) == ("Band 2: each minimum must be below the one before.")
    assert rules.rule_error_message(
        ScoringError("not_a_number", {"field": "bands", "position": "3"})
    ) == ("Band 3: not a number.")


# --- validate ---------------------------------------------------------------------------------


def test_validate_rule_normalises() -> None:
    assert rules.validate_rule({"type": "linear", "cap": 150.0}) == {
        "type": "linear",
        "floor": "0",
        "cap": "150",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("linear", "A scoring rule must be a set of named fields."),
        ({"type": "curve"}, "Unknown rule type “curve”."),
        ({"type": "deduction", "per_unti": 2}, "This kind of rule has no field “per_unti”."),
        ({"type": "linear", "floor": 130}, "The floor 130 is above the cap 120."),
        ({"type": "veto", "grade": "E"}, "Grade “E” is not one of S, A, B, C, D."),
        ({"type": "bands"}, "The rule needs its bands."),
    ],
)
def test_validate_rule_refuses_with_a_message_on_scoring_rule(data: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_rule(data)

    assert caught.value.message_dict == {"scoring_rule": [message]}


# --- in words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("linear 0-120", "Linear: score = attainment, between 0 and 120"),
        (
            "bands 100:100,90:80,80:60 below 0",
            "Bands: ≥100% → 100, ≥90% → 80, ≥80% → 60, below → 0",
        ),
        ("passfail 100", "Pass/fail at 100%: 100 or 0"),
        ("milestones", "Share of milestones done"),
        ("milestones cap 120", "Share of milestones done, at most 120"),
        ("deduction 100 -2 floor 0", "Deduction: 100 − 2 per occurrence, not below 0"),
        ("veto D", "Veto: any occurrence sets the scorecard to grade D"),
        (
            "veto C score 60",
            "Veto: any occurrence sets the scorecard to grade C and caps its score at 60",
        ),
    ],
)
def test_describe_rule(text: str, words: str) -> None:
    assert rules.describe_rule(rules.rule_from_text(text)) == words


def test_describe_an_invalid_rule_says_so() -> None:
    assert rules.describe_rule({"type": "curve"}) == (
        "Invalid scoring rule: Unknown rule type “curve”."
    )


def test_explain_steps_of_a_scored_goal() -> None:
    score = scoring.score_goal(
        scoring.parse_rule(rules.rule_from_text("bands 100:100,90:80 below 0")),
        scoring.GoalInput(actual=Decimal(95), target=Decimal(100)),
    )

    assert rules.explain_steps(score.steps) == [
        "Attainment = actual 95 ÷ target 100 × 100 = 95.00%",
        "Attainment 95.00% reaches the band ≥ 90%: score 80.00",
    ]


def test_explain_steps_of_deduction_veto_and_missing_input() -> None:
    deduction = scoring.score_goal(
        scoring.DeductionRule(), scoring.GoalInput(count=Decimal(3))
    ).steps
    veto = scoring.score_goal(scoring.VetoRule(), scoring.GoalInput(count=Decimal(1))).steps
    missing = scoring.score_goal(scoring.LinearRule(), scoring.GoalInput()).steps

    assert rules.explain_steps(deduction) == ["100 − 3 × 2, not below 0 = 94.00"]
    assert rules.explain_steps(veto) == [
        "Veto item triggered: the goal scores 0.00 and the scorecard goes to grade D"
    ]
    assert rules.explain_steps(missing) == [
        "No actual value recorded yet, so there is no score.",
        "No target recorded yet, so there is no score.",
    ]


# --- compact text -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", LIBRARY, ids=lambda spec: spec.code)
def test_the_library_rules_round_trip_through_text(spec: object) -> None:
    text = spec.rule  # type: ignore[attr-defined]
    data = rules.rule_from_text(text)

    assert rules.rule_to_text(data) == text
    assert rules.rule_from_text(rules.rule_to_text(data)) == data


def test_library_uses_every_kind_of_rule() -> None:
    kinds = {str(rules.rule_from_text(spec.rule)["type"]) for spec in LIBRARY}

    assert kinds == set(scoring.RULE_TYPES)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("linear", {"type": "linear", "floor": "0", "cap": "120"}),
        ("Linear 0 - 150", {"type": "linear", "floor": "0", "cap": "150"}),
        ("线性 10-110", {"type": "linear", "floor": "10", "cap": "110"}),
        (
            "bands ≥100%:100， 90：80",
            {"type": "bands", "bands": [["100", "100"], ["90", "80"]], "below": "0"},
        ),
        (
            "pass/fail 90 pass 100 fail 20",
            {"type": "pass_fail", "threshold": "90", "pass_score": "100", "fail_score": "20"},
        ),
        (
            "扣分 100 -5 floor 60",
            {"type": "deduction", "start": "100", "per_unit": "5", "floor": "60"},
        ),
        ("deduction -1", {"type": "deduction", "start": "100", "per_unit": "1", "floor": "0"}),
        ("veto c", {"type": "veto", "grade": "C"}),
        ('{"type": "milestones"}', {"type": "milestones", "cap": "100"}),
    ],
)
def test_rule_from_text_reads_variants(text: str, data: dict[str, object]) -> None:
    assert rules.rule_from_text(text) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give a scoring rule."),
        ("curve 1", "Cannot read the rule “curve 1”."),
        ("linear 0-120-3", "Cannot read the rule “linear 0-120-3”."),
        ("passfail 100 foo 3", "Cannot read the rule “passfail 100 foo 3”."),
        ("bands 90:80,100:100", "Band 2: each minimum must be below the one before."),
        ("deduction 100 -2 floor 200", "The floor 200 is above the starting score 100."),
        ("veto X", "Grade “X” is not one of S, A, B, C, D."),
        ("{not json", "Cannot read the rule “{not json”."),
    ],
)
def test_rule_from_text_refuses_with_a_message(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rules.rule_from_text(text)

    assert caught.value.message_dict["scoring_rule"][0].startswith(message)


_numbers = st.decimals(min_value=0, max_value=1000, places=2).map(lambda d: d.normalize())
_rules = st.one_of(
    st.tuples(_numbers, _numbers).map(lambda p: scoring.LinearRule(floor=min(p), cap=max(p))),
    st.lists(st.tuples(_numbers, _numbers), min_size=1, max_size=5).map(
        lambda pairs: scoring.BandsRule(
            bands=tuple(
                zip(
                    sorted({m for m, _s in pairs}, reverse=True),
                    sorted((s for _m, s in pairs), reverse=True),
                    strict=False,
                )
            ),
            below=Decimal(0),
        )
    ),
    st.tuples(_numbers, _numbers, _numbers).map(
        lambda t: scoring.PassFailRule(threshold=t[0], pass_score=max(t[1:]), fail_score=min(t[1:]))
    ),
    _numbers.map(lambda cap: scoring.MilestoneRule(cap=cap)),
    st.tuples(_numbers, _numbers, _numbers).map(
        lambda t: scoring.DeductionRule(start=max(t[0], t[2]), per_unit=t[1], floor=min(t[0], t[2]))
    ),
    st.tuples(st.sampled_from(scoring.GRADES), st.none() | _numbers).map(
        lambda t: scoring.VetoRule(grade=t[0], score=t[1])
    ),
)


@given(_rules)
def test_any_rule_round_trips_through_its_text(rule: scoring.Rule) -> None:
    data = scoring.rule_to_data(rule)

    assert rules.rule_from_text(rules.rule_to_text(data)) == data


# --- form fields ------------------------------------------------------------------------------


def _form(**data: str) -> rules.RuleForm:
    form = rules.RuleForm(data=data)
    form.is_valid()
    return form


def test_rule_form_builds_the_rule_of_the_chosen_type_only() -> None:
    form = _form(rule_type="bands", rule_bands="100:100, 90:80", rule_below="10", rule_cap="99")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["scoring_rule"] == {
        "type": "bands",
        "bands": [["100", "100"], ["90", "80"]],
        "below": "10",
    }


def test_rule_form_empty_fields_take_the_defaults() -> None:
    assert _form(rule_type="deduction").cleaned_data["scoring_rule"] == {
        "type": "deduction",
        "start": "100",
        "per_unit": "2",
        "floor": "0",
    }
    assert _form(rule_type="veto", rule_grade="C").cleaned_data["scoring_rule"] == {
        "type": "veto",
        "grade": "C",
    }


def test_rule_form_puts_errors_on_the_field_that_is_wrong() -> None:
    assert _form(rule_type="bands", rule_bands="100-100").errors == {
        "rule_bands": ["Write the bands as minimum attainment : score, e.g. 100:100, 90:80, 80:60."]
    }
    assert _form(rule_type="bands", rule_bands="90:80, 100:100").errors == {
        "rule_bands": ["Band 2: each minimum must be below the one before."]
    }
    assert _form(rule_type="linear", rule_floor="130").errors == {
        "__all__": ["The floor 130 is above the cap 120."]
    }
    assert _form(rule_type="pass_fail", rule_pass_score="-1").errors == {
        "rule_pass_score": ["Score when passed cannot be negative."]
    }


def test_rule_initial_fills_the_fields_back() -> None:
    data = rules.rule_from_text("bands 100:100,90:80 below 5")

    initial = rules.rule_initial(data)

    assert initial == {"rule_type": "bands", "rule_bands": "100:100, 90:80", "rule_below": "5"}
    assert _form(**{k: str(v) for k, v in initial.items()}).cleaned_data["scoring_rule"] == data
