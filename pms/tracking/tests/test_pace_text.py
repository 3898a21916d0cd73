"""A pace in words: the headline, what is needed, forecast, status, and every step explained."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from pms.scoring.attainment import Direction
from pms.scoring.calendar import WorkCalendar
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.pace import Aggregation, Basis, Pace, PaceGoal, PaceStatus, pace
from pms.scoring.steps import STEP_CODES, Step
from pms.tracking import pace_text

D = Decimal
APRIL_1, APRIL_20, APRIL_30 = date(2025, 4, 1), date(2025, 4, 20), date(2025, 4, 30)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def april(target: str, observations: dict[int, str], **extra: object) -> PaceGoal:
    dated = [(date(2025, 4, day), D(value)) for day, value in observations.items()]
    return PaceGoal(start=APRIL_1, end=APRIL_30, target=D(target), observations=dated, **extra)  # type: ignore[arg-type]


SEED = april("100", dict.fromkeys(range(1, 21), "3"))


def test_the_seed_sentence() -> None:
    result = pace(SEED, as_of=APRIL_20)

    assert pace_text.pace_summary(result) == (
        "Target attainment so far 60%; 10 days left, 40% still to do, 4% a day."
    )
    assert pace_text.pace_sentences(result) == [
        "Target attainment so far 60%; 10 days left, 40% still to do, 4% a day.",
        "Forecast at the current pace: 90, attainment 90%.",
        "Status: At risk (90% of what is expected by now).",
    ]


def test_how_the_seed_was_computed() -> None:
    assert pace_text.explain_pace(pace(SEED, as_of=APRIL_20)) == [
        "Period 2025-04-01 – 2025-04-30, as of 2025-04-20: 20 of 30 days gone (66.67%), 10 left",
        "Sum of the 20 values recorded so far = 60",
        "Attainment = actual 60 ÷ target 100 × 100 = 60.00%",
        "Expected by now: target 100 × 66.67% of the period = 66.67 (attainment 66.67%)",
        "Pace: actual 60 against 66.67 expected by now = 90%",
        "Still to do: 40 (40% of the target) in 10 days = 4 a day (4% of the target)",
        "Forecast at the average rate so far: 90; between 90 and 90 if the rest goes one "
        "standard deviation of the rates slower or faster; attainment 90%",
        "At risk: pace 90%; on track from 95% or when the forecast reaches the target, at risk "
        "from 80%",
    ]


def test_one_day_left_is_singular_and_working_days_say_so() -> None:
    one = pace(SEED, as_of=date(2025, 4, 29))
    assert "; 1 day left," in pace_text.pace_summary(one)
    working = pace(
        april("100", {10: "50"}, basis=Basis.WORKING), as_of=APRIL_20, calendar=WorkCalendar()
    )
    assert "; 8 working days left," in pace_text.pace_summary(working)
    assert "working days gone" in pace_text.explain_pace(working)[0]


def test_lower_is_better_speaks_of_a_budget() -> None:
    result = pace(april("3000", {20: "1800"}, direction=Direction.LOWER), as_of=APRIL_20)
    assert pace_text.pace_summary(result) == (
        "60% of the budget used with 66.67% of the period gone; 10 days left, 1200 still "
        "available, at most 120 a day."
    )
    assert "Still available: 1200 (40% of the budget) for 10 days = at most 120 a day" in (
        pace_text.explain_pace(result)
    )
    spent = pace(april("3000", {20: "3500"}, direction=Direction.LOWER), as_of=APRIL_20)
    assert pace_text.pace_summary(spent).endswith("the budget is used up.")


def test_levels_say_what_they_need() -> None:
    latest = pace(
        april("90", {5: "84", 12: "86", 19: "88"}, aggregation=Aggregation.LATEST),
        as_of=APRIL_20,
    )
    assert pace_text.pace_sentences(latest) == [
        "Now 88 against a target of 90 (attainment 97.78%); 10 days left.",
        "The level needs to rise by 2, 0.2 a day.",
        "Forecast at the current pace: 90.86 (between 88 and 90.86), attainment 100.95%.",
        "Status: On track (97.78% of what is expected by now).",
    ]
    average = pace(
        april("100", {10: "120", 20: "100"}, aggregation=Aggregation.AVERAGE, direction="lower"),  # type: ignore[arg-type]
        as_of=APRIL_20,
    )
    assert "The rest of the period needs to average at most 80." in (
        pace_text.pace_sentences(average)
    )


def test_edges_have_their_own_sentences() -> None:
    before = pace(SEED, as_of=date(2025, 3, 1))
    final = pace(SEED, as_of=date(2025, 5, 5))
    empty = pace(april("100", {}), as_of=APRIL_20)
    assert pace_text.pace_summary(before) == (
        "The period starts on 2025-04-01; nothing is due yet."
    )
    assert pace_text.pace_summary(final) == "Final attainment 60%."
    assert pace_text.pace_summary(empty) == (
        "Nothing recorded yet; 10 days left, 100% still to do, 10% a day."
    )
    assert pace_text.pace_sentences(empty)[-1] == "Status: No data yet."
    assert "Nothing recorded yet." in pace_text.explain_pace(empty)
    assert "Left at the end of the period: 40" in pace_text.explain_pace(final)


def goals() -> list[PaceGoal]:
    """A spread of goals covering every aggregation, direction and edge."""
    found = []
    for aggregation in Aggregation:
        for direction, extra in (
            (Direction.HIGHER, {}),
            (Direction.LOWER, {}),
            (Direction.RANGE, {"target_max": D(120)}),
            (Direction.HIGHER, {"baseline": D(-50)}),
        ):
            for target, observations in (("100", {3: "30", 9: "10"}), ("0", {2: "1"})):
                for basis in Basis:
                    found.append(
                        april(
                            target,
                            observations,
                            aggregation=aggregation,
                            direction=direction,
                            basis=basis,
                            **extra,
                        )
                    )
    found.append(
        PaceGoal(start=date(2025, 10, 4), end=date(2025, 10, 5), target=D(1), basis=Basis.WORKING)
    )
    return found


def all_paces() -> Iterator[Pace]:
    days = [APRIL_1 - timedelta(days=1), APRIL_1, date(2025, 4, 5), APRIL_20, APRIL_30]
    for goal in goals():
        for as_of in days:
            try:
                yield pace(goal, as_of=as_of)
            except ScoringError:
                continue


def test_every_pace_reads_as_sentences_without_placeholders() -> None:
    seen_codes: set[str] = set()
    for result in all_paces():
        for sentence in [*pace_text.pace_sentences(result), *pace_text.explain_pace(result)]:
            assert sentence
            assert "%(" not in sentence
            assert "None" not in sentence
        seen_codes.update(step.code for step in result.steps)
    pace_codes = {code for code in STEP_CODES if code.startswith("pace_")}
    assert pace_codes <= seen_codes


def test_every_pace_step_code_has_a_sentence_even_without_values() -> None:
    pace_codes = {code for code in STEP_CODES if code.startswith("pace_")}
    assert set(pace_text.PACE_STEP_SENTENCES) == pace_codes
    for code in pace_codes:
        sentence = pace_text.explain_pace_step(Step(code, {}))
        assert sentence
        assert "%(" not in sentence


def test_every_pace_error_has_a_message() -> None:
    assert set(pace_text.PACE_ERROR_MESSAGES) <= set(ERROR_CODES)
    assert pace_text.pace_error_message(
        ScoringError("thresholds_inverted", {"on_track": "80", "at_risk": "90"})
    ) == ("The at-risk threshold 90% is above the on-track threshold 80%.")
    for code in pace_text.PACE_ERROR_MESSAGES:
        message = pace_text.pace_error_message(ScoringError(code))
        assert message
        assert "%(" not in message


def test_other_errors_fall_back_to_the_rule_messages() -> None:
    assert pace_text.pace_error_message(ScoringError("zero_target")).startswith("A target of 0")


def test_labels_cover_every_status() -> None:
    assert {str(status) for status in PaceStatus} == set(pace_text.STATUS_LABELS)
    assert pace_text.status_label(PaceStatus.OFF_TRACK) == "Off track"
