"""Pace of a measured goal: attainment so far, expected by now, what is left per day, the
forecast with its range, and the status — by aggregation, direction and day basis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pms.scoring.attainment import Direction
from pms.scoring.calendar import WorkCalendar
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.pace import (
    STATUS_RANK,
    Aggregation,
    Basis,
    Pace,
    PaceGoal,
    PaceStatus,
    Phase,
    Thresholds,
    pace,
    pace_many,
)
from pms.scoring.steps import STEP_CODES
from pms.scoring.tests.strategies import PROPERTY, money

D = Decimal
HIGHER, LOWER, RANGE = Direction.HIGHER, Direction.LOWER, Direction.RANGE
SUM, LATEST, AVERAGE = Aggregation.SUM, Aggregation.LATEST, Aggregation.AVERAGE
APRIL_1, APRIL_20, APRIL_30 = date(2025, 4, 1), date(2025, 4, 20), date(2025, 4, 30)


def april(
    target: str = "100", observations: dict[int, str] | None = None, **extra: object
) -> PaceGoal:
    """A goal for April 2025 with values on the given days of the month."""
    dated = [(date(2025, 4, day), D(value)) for day, value in (observations or {}).items()]
    return PaceGoal(start=APRIL_1, end=APRIL_30, target=D(target), observations=dated, **extra)  # type: ignore[arg-type]


def daily(amount: str, days: int) -> dict[int, str]:
    return dict.fromkeys(range(1, days + 1), amount)


# --- the seed example -------------------------------------------------------------------------


def test_seed_sixty_percent_done_with_ten_days_left_needs_four_percent_a_day() -> None:
    # given a monthly target of 100 and 3 a day for the first 20 days
    result = pace(april("100", daily("3", 20)), as_of=APRIL_20)

    # then 60 % is done, 40 % is left for 10 days: 4 a day, 4 % a day
    assert result.phase is Phase.RUNNING
    assert (result.days_total, result.days_elapsed, result.days_left) == (30, 20, 10)
    assert result.elapsed_share == D("0.6667")
    assert result.actual_to_date == D("60.00")
    assert result.attainment_to_date == D("60.00")
    assert result.progress == D("60.00")
    assert result.expected_to_date == D("66.67")
    assert result.expected_attainment == D("66.67")
    assert result.pace_index == D("90.00")  # 60 of the 66.67 expected by now
    assert result.remaining == D("40.00")
    assert result.remaining_share == D("40.00")
    assert result.required_rate == D("4.00")
    assert result.required_share_rate == D("4.00")
    assert result.required_level is None
    # the same 3 a day to the end gives 90, and every day brought the same: no spread
    assert (result.forecast, result.forecast_low, result.forecast_high) == (D(90), D(90), D(90))
    assert result.forecast_attainment == D("90.00")
    assert result.status is PaceStatus.AT_RISK
    assert [step.code for step in result.steps] == [
        "pace_period",
        "pace_actual",
        "attainment",
        "pace_expected",
        "pace_index",
        "pace_remaining",
        "pace_forecast",
        "pace_status",
    ]
    assert result.steps[-3].values == {
        "aggregation": "sum",
        "direction": "higher",
        "remaining": "40.00",
        "days_left": "10",
        "remaining_share": "40.00",
        "required_rate": "4.00",
        "required_share_rate": "4.00",
    }


@pytest.mark.parametrize(
    ("per_day", "status"),
    [
        ("3.2", PaceStatus.ON_TRACK),  # 64 of 66.67 = 96 %
        ("3", PaceStatus.AT_RISK),  # 90 %
        ("2.6", PaceStatus.OFF_TRACK),  # 52 of 66.67 = 78 %
    ],
)
def test_status_follows_the_pace_index(per_day: str, status: PaceStatus) -> None:
    assert pace(april("100", daily(per_day, 20)), as_of=APRIL_20).status is status


def test_thresholds_are_configurable_per_call_and_per_goal() -> None:
    goal = april("100", daily("3", 20))  # pace index 90
    assert pace(goal, as_of=APRIL_20, thresholds=Thresholds(on_track=D(90))).status is (
        PaceStatus.ON_TRACK
    )
    strict = replace(goal, thresholds=Thresholds(on_track=D(99), at_risk=D(95)))
    assert pace(strict, as_of=APRIL_20).status is PaceStatus.OFF_TRACK


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ScoringError) as caught:
        Thresholds(on_track=D(80), at_risk=D(90))
    assert caught.value.code == "thresholds_inverted"
    with pytest.raises(ScoringError) as negative:
        Thresholds(at_risk=D(-1))
    assert negative.value.code == "negative"


def test_reporting_intervals_give_the_forecast_its_range() -> None:
    # weekly figures: 21 in the first week (3 a day), 35 in the second (5 a day)
    result = pace(april("120", {7: "21", 14: "35"}), as_of=date(2025, 4, 14))

    # 56 in 14 days is 4 a day: 56 + 4 × 16 = 120; one standard deviation of the weekly
    # rates (√2) over the 16 days left widens it by 22.63 either way
    assert result.forecast == D("120.00")
    assert (result.forecast_low, result.forecast_high) == (D("97.37"), D("142.63"))
    assert result.forecast_attainment == D("100.00")
    assert result.status is PaceStatus.ON_TRACK


def test_the_low_forecast_never_undoes_what_is_done() -> None:
    result = pace(april("100", {1: "0", 2: "30"}), as_of=date(2025, 4, 2))
    assert result.actual_to_date == D(30)
    assert result.forecast_low == D(30)
    assert result.forecast_high is not None
    assert result.forecast is not None
    assert result.forecast_low <= result.forecast <= result.forecast_high


def test_a_value_reported_late_in_the_period_is_counted_when_it_arrives() -> None:
    late = april("100", daily("3", 20) | {21: "100"})
    assert pace(late, as_of=APRIL_20).actual_to_date == D(60)  # not known yet on the 20th
    assert pace(late, as_of=date(2025, 4, 21)).actual_to_date == D(160)


# --- lower is better --------------------------------------------------------------------------


def test_lower_is_better_under_the_pro_rated_budget_is_on_track() -> None:
    # a cost budget of 3000 for April; 2000 would be the pro-rated share by the 20th
    result = pace(april("3000", {10: "900", 20: "900"}, direction=LOWER), as_of=APRIL_20)

    assert result.expected_to_date == D("2000.00")
    assert result.pace_index == D("111.11")  # 2000 / 1800
    assert result.progress == D("60.00")  # of the budget used
    assert result.remaining == D("1200.00")  # still available
    assert result.required_rate == D("120.00")  # at most, a day
    assert result.status is PaceStatus.ON_TRACK


@pytest.mark.parametrize(
    ("spent", "status", "remaining"),
    [
        ("2400", PaceStatus.AT_RISK, "600.00"),  # 2000 / 2400 = 83 %
        ("3500", PaceStatus.OFF_TRACK, "0.00"),  # over the whole budget already
    ],
)
def test_lower_is_better_over_the_pro_rated_budget_is_a_risk(
    spent: str, status: PaceStatus, remaining: str
) -> None:
    result = pace(april("3000", {20: spent}, direction=LOWER), as_of=APRIL_20)
    assert result.status is status
    assert result.remaining == D(remaining)


def test_zero_defects_target() -> None:
    none = pace(april("0", {5: "0"}, direction=LOWER), as_of=APRIL_20)
    one = pace(april("0", {5: "1"}, direction=LOWER), as_of=APRIL_20)
    assert (none.status, none.pace_index) == (PaceStatus.ON_TRACK, D(100))
    assert (one.status, one.pace_index) == (PaceStatus.OFF_TRACK, D(0))
    assert one.remaining_share is None  # no percent of a zero target
    assert one.progress is None


def test_a_range_of_hours_pro_rates_both_bounds() -> None:
    # 150–170 hours in April; by the 15th, 75–85 are expected
    goal = april("150", {15: "80"}, direction=RANGE, target_max=D(170))
    result = pace(goal, as_of=date(2025, 4, 15))
    assert result.pace_index == D(100)
    assert result.status is PaceStatus.ON_TRACK
    assert result.remaining == D(70)  # to the lower bound
    assert result.steps[3].values["expected_max"] == "85.00"


# --- levels: latest and average ---------------------------------------------------------------


def test_latest_level_against_the_target_level_with_its_trend() -> None:
    # satisfaction 84, 86, 88 a week apart; target 90
    result = pace(april("90", {5: "84", 12: "86", 19: "88"}, aggregation=LATEST), as_of=APRIL_20)

    assert result.actual_to_date == D(88)
    assert result.expected_to_date == D(90)
    assert result.expected_attainment == D(100)
    assert result.pace_index == D("97.78")
    assert result.remaining == D(2)  # level still to gain
    assert result.required_rate == D("0.20")  # a day
    # +2 a week continued for the 10 days left: 88 + 20 / 7
    assert result.forecast == D("90.86")
    assert (result.forecast_low, result.forecast_high) == (D(88), D("90.86"))
    assert result.status is PaceStatus.ON_TRACK


def test_a_rising_trend_that_reaches_the_target_is_on_track() -> None:
    # 85 is 94.44 % of 90, but +5 a week continues to 90
    result = pace(april("90", {6: "80", 13: "85"}, aggregation=LATEST), as_of=APRIL_20)
    assert result.pace_index == D("94.44")
    assert result.forecast == D(90)
    assert result.status is PaceStatus.ON_TRACK


def test_the_trend_is_not_carried_further_than_the_data_reaches_back() -> None:
    # two readings one day apart say nothing about the next ten days
    result = pace(april("90", {19: "80", 20: "81"}, aggregation=LATEST), as_of=APRIL_20)
    assert result.forecast == D(82)


def test_a_single_level_holds() -> None:
    result = pace(april("90", {20: "72"}, aggregation=LATEST), as_of=APRIL_20)
    assert (result.forecast, result.forecast_low, result.forecast_high) == (D(72), D(72), D(72))
    assert result.pace_index == D(80)  # 72 / 90: just at risk
    assert result.status is PaceStatus.AT_RISK


def test_latest_lower_is_better_needs_the_level_to_fall() -> None:
    # staff turnover 6 % against at most 5 %
    result = pace(april("5", {20: "6"}, aggregation=LATEST, direction=LOWER), as_of=APRIL_20)
    assert result.pace_index == D("83.33")
    assert result.remaining == D(1)
    assert result.status is PaceStatus.AT_RISK


def test_average_needs_the_rest_of_the_period_to_average_more() -> None:
    # a quarter's quality score, monthly readings 85 and 89 against 90
    goal = PaceGoal(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        target=D(90),
        aggregation=AVERAGE,
        observations=[(date(2025, 1, 31), D(85)), (date(2025, 2, 28), D(89))],
    )
    result = pace(goal, as_of=date(2025, 2, 28))

    assert (result.days_total, result.days_elapsed, result.days_left) == (90, 59, 31)
    assert result.actual_to_date == D(87)
    assert result.pace_index == D("96.67")
    assert result.status is PaceStatus.ON_TRACK
    # (90 × 90 − 87 × 59) / 31
    assert result.required_level == D("95.71")
    assert result.required_rate is None
    # ±√8 × 31 / 90
    assert (result.forecast, result.forecast_low, result.forecast_high) == (
        D(87),
        D("86.03"),
        D("87.97"),
    )


def test_average_lower_is_better_and_range_levels() -> None:
    lower = pace(
        april("100", {10: "120", 20: "100"}, aggregation=AVERAGE, direction=LOWER),
        as_of=APRIL_20,
    )
    assert lower.actual_to_date == D(110)
    assert lower.remaining == D(10)
    assert lower.required_level == D(80)  # (100 × 30 − 110 × 20) / 10
    inside = pace(
        april("5", {20: "6"}, aggregation=AVERAGE, direction=RANGE, target_max=D(8)),
        as_of=APRIL_20,
    )
    assert (inside.pace_index, inside.remaining, inside.required_level) == (D(100), D(0), None)


# --- working days -----------------------------------------------------------------------------

NATIONAL_DAY = WorkCalendar.of(
    holidays=[date(2025, 10, day) for day in range(1, 9)],
    workdays=[date(2025, 9, 28), date(2025, 10, 11)],
)


def october(observations: dict[int, str], basis: Basis = Basis.WORKING) -> PaceGoal:
    dated = [(date(2025, 10, day), D(value)) for day, value in observations.items()]
    return PaceGoal(
        start=date(2025, 10, 1),
        end=date(2025, 10, 31),
        target=D(180),
        observations=dated,
        basis=basis,
    )


def test_working_days_skip_the_holiday_and_count_the_make_up_day() -> None:
    # 18 working days in October 2025; the 9th and 10th are the first two
    result = pace(october({10: "20"}), as_of=date(2025, 10, 10), calendar=NATIONAL_DAY)

    assert result.basis is Basis.WORKING
    assert (result.days_total, result.days_elapsed, result.days_left) == (18, 2, 16)
    assert result.expected_to_date == D(20)
    assert result.pace_index == D(100)
    assert result.required_rate == D(10)  # per working day
    assert result.required_share_rate == D("5.56")
    assert result.status is PaceStatus.ON_TRACK

    # Saturday the 11th is worked: one more day elapsed
    saturday = pace(october({10: "20"}), as_of=date(2025, 10, 11), calendar=NATIONAL_DAY)
    assert saturday.days_elapsed == 3
    # Sunday the 12th is not
    sunday = pace(october({10: "20"}), as_of=date(2025, 10, 12), calendar=NATIONAL_DAY)
    assert sunday.days_elapsed == 3


def test_the_same_goal_by_calendar_days_is_far_behind() -> None:
    result = pace(october({10: "20"}, Basis.CALENDAR), as_of=date(2025, 10, 10))
    assert (result.days_total, result.days_elapsed) == (31, 10)
    assert result.status is PaceStatus.OFF_TRACK  # 20 of 58.06 expected


def test_nothing_is_due_before_the_first_working_day() -> None:
    result = pace(october({3: "5"}), as_of=date(2025, 10, 5), calendar=NATIONAL_DAY)
    assert result.phase is Phase.RUNNING
    assert result.days_elapsed == 0
    assert result.status is PaceStatus.NOT_STARTED
    assert result.actual_to_date == D(5)  # what is recorded is still shown
    assert result.pace_index is None
    assert result.forecast is None


def test_a_period_without_working_days_falls_back_to_calendar_days() -> None:
    goal = PaceGoal(
        start=date(2025, 10, 4),
        end=date(2025, 10, 5),
        target=D(10),
        basis=Basis.WORKING,
        observations=[(date(2025, 10, 4), D(6))],
    )
    result = pace(goal, as_of=date(2025, 10, 4), calendar=NATIONAL_DAY)
    assert result.basis is Basis.CALENDAR
    assert (result.days_total, result.days_elapsed) == (2, 1)
    assert result.steps[0].code == "pace_basis_fallback"


def test_working_day_rates_merge_values_from_days_off() -> None:
    # a value on Saturday the 4th (a holiday weekend) joins the next working interval
    goal = october({4: "10", 9: "10", 10: "20"})
    result = pace(goal, as_of=date(2025, 10, 10), calendar=NATIONAL_DAY)
    assert result.actual_to_date == D(40)
    # interval rates 20 and 20 per working day: no spread
    assert result.forecast_low == result.forecast_high == result.forecast == D(360)


# --- edges ------------------------------------------------------------------------------------


def test_before_the_period_nothing_is_due() -> None:
    goal = replace(april("100"), observations=[(date(2025, 3, 31), D(50))])  # last period's value
    result = pace(goal, as_of=date(2025, 3, 25))

    assert result.phase is Phase.BEFORE
    assert result.status is PaceStatus.NOT_STARTED
    assert (result.days_elapsed, result.days_left) == (0, 30)
    assert result.elapsed_share == 0
    assert result.actual_to_date is None
    assert result.remaining == D(100)
    assert result.required_rate == D("3.33")
    assert result.forecast is None
    assert [step.code for step in result.steps] == ["pace_period", "pace_remaining", "pace_status"]


def test_after_the_period_the_result_is_final() -> None:
    result = pace(april("100", daily("3", 30)), as_of=date(2025, 6, 1))

    assert result.phase is Phase.FINAL
    assert result.as_of == APRIL_30
    assert (result.days_elapsed, result.days_left, result.elapsed_share) == (30, 0, 1)
    assert result.attainment_to_date == result.pace_index == D(90)
    assert result.required_rate is None
    assert result.required_share_rate is None
    assert result.remaining == D(10)
    assert result.forecast == result.forecast_low == result.forecast_high == D(90)
    assert result.steps[-2].values["method"] == "final"
    assert result.status is PaceStatus.AT_RISK


def test_without_observations_there_is_no_data_but_the_whole_target_is_left() -> None:
    result = pace(april("100"), as_of=APRIL_20)
    assert result.status is PaceStatus.NO_DATA
    assert result.actual_to_date is result.attainment_to_date is result.pace_index is None
    assert result.remaining == D(100)
    assert result.required_rate == D(10)
    assert "pace_no_data" in [step.code for step in result.steps]

    level = pace(april("90", aggregation=LATEST), as_of=APRIL_20)
    assert (level.status, level.remaining, level.required_rate) == (PaceStatus.NO_DATA, None, None)


def test_a_one_day_period() -> None:
    goal = PaceGoal(start=APRIL_1, end=APRIL_1, target=D(5), observations=[(APRIL_1, D(5))])
    result = pace(goal, as_of=APRIL_1)
    assert (result.phase, result.days_total, result.days_left) == (Phase.FINAL, 1, 0)
    assert result.status is PaceStatus.ON_TRACK


@pytest.mark.parametrize(
    ("goal", "code"),
    [
        (april("0", {5: "1"}), "zero_target"),
        (replace(april(), end=date(2025, 3, 1)), "period_inverted"),
        (april(direction=RANGE), "missing_target_max"),
        (april("10", direction=RANGE, target_max=D(5)), "range_inverted"),
        (april(aggregation="median"), "unknown_aggregation"),
        (april(direction="up"), "unknown_direction"),
        (april(basis="lunar"), "unknown_basis"),
        (april("100", {5: "NaN"}), "not_finite"),
        (april("Infinity"), "not_finite"),
    ],
)
def test_invalid_goals_are_refused_with_a_code_whatever_the_date(goal: PaceGoal, code: str) -> None:
    for as_of in (date(2025, 3, 1), APRIL_20, date(2025, 6, 1)):
        with pytest.raises(ScoringError) as caught:
            pace(goal, as_of=as_of)
        assert caught.value.code == code


def test_a_zero_target_from_a_baseline_is_growth() -> None:
    # a loss of 100 last month, break even this month: -40 by the 20th
    result = pace(april("0", {20: "-40"}, baseline=D(-100)), as_of=APRIL_20)
    assert result.attainment_to_date == D(60)
    assert result.remaining_share is None


# --- many goals -------------------------------------------------------------------------------


def test_pace_many_yields_each_result_or_its_error_in_order() -> None:
    goals = [april("100", daily("3", 20)), april("0", {5: "1"}), april("90", aggregation=LATEST)]
    results = list(pace_many(goals, as_of=APRIL_20))

    assert isinstance(results[0], Pace)
    assert results[0] == pace(goals[0], as_of=APRIL_20, explain=False)
    assert results[0].steps == ()
    assert isinstance(results[1], ScoringError)
    assert results[1].code == "zero_target"
    assert isinstance(results[2], Pace)
    assert results[2].status is PaceStatus.NO_DATA


def test_pace_many_with_steps_and_a_calendar_matches_pace() -> None:
    goals = [october({10: "20"}), october({9: "5", 10: "5"}, Basis.CALENDAR)]
    many = list(pace_many(goals, as_of=date(2025, 10, 10), calendar=NATIONAL_DAY, explain=True))
    assert many == [pace(goal, as_of=date(2025, 10, 10), calendar=NATIONAL_DAY) for goal in goals]


def test_status_rank_puts_attention_first() -> None:
    assert sorted(PaceStatus, key=STATUS_RANK.__getitem__)[:2] == [
        PaceStatus.OFF_TRACK,
        PaceStatus.AT_RISK,
    ]
    assert set(STATUS_RANK) == set(PaceStatus)


# --- properties -------------------------------------------------------------------------------

GOOD = {PaceStatus.OFF_TRACK: 0, PaceStatus.AT_RISK: 1, PaceStatus.ON_TRACK: 2}
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def goals(
    draw: st.DrawFn, direction: Direction | None = None, aggregation: Aggregation | None = None
) -> tuple[PaceGoal, date]:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 120)))
    around = st.dates(min_value=start - timedelta(days=10), max_value=end + timedelta(days=10))
    observations = draw(st.lists(st.tuples(around, money(-50, 1000)), max_size=12))
    chosen = direction or draw(st.sampled_from([HIGHER, LOWER, RANGE]))
    target = draw(money(0, 5000))
    goal = PaceGoal(
        start=start,
        end=end,
        target=target,
        direction=chosen,
        aggregation=aggregation or draw(st.sampled_from(list(Aggregation))),
        observations=observations,
        target_max=target + draw(money(0, 500)) if chosen is RANGE else None,
        # a baseline above the target makes attainment itself fall as the actual rises
        baseline=draw(st.none() | money(0, target)) if chosen is HIGHER else None,
        basis=draw(st.sampled_from(list(Basis))),
    )
    return goal, draw(around)


def pace_or_error(goal: PaceGoal, as_of: date) -> Pace | None:
    try:
        return pace(goal, as_of=as_of, calendar=NATIONAL_DAY)
    except ScoringError as error:
        code = error.code
    assert code in ERROR_CODES
    return None


@PROPERTY
@given(case=goals())
def test_never_crashes_and_stays_within_bounds(case: tuple[PaceGoal, date]) -> None:
    goal, as_of = case
    result = pace_or_error(goal, as_of)
    if result is None:
        return
    assert 0 <= result.elapsed_share <= 1
    assert result.days_elapsed + result.days_left == result.days_total >= 1
    assert result.status in STATUS_RANK
    for percent in (result.attainment_to_date, result.pace_index, result.forecast_attainment):
        assert percent is None or percent >= 0
    for amount in (result.remaining, result.remaining_share, result.required_rate):
        assert amount is None or amount >= 0
    if result.forecast is not None:
        assert result.forecast_low is not None
        assert result.forecast_high is not None
        assert result.forecast_low <= result.forecast <= result.forecast_high
    if result.days_left == 0:
        assert result.required_rate is None
    assert all(step.code in STEP_CODES for step in result.steps)


def bump(goal: PaceGoal, extra: Decimal) -> PaceGoal:
    """More actual: every value up by ``extra`` (latest: the latest level is what counts)."""
    return replace(goal, observations=[(day, value + extra) for day, value in goal.observations])


@PROPERTY
@given(case=goals(HIGHER), extra=money(0, 500))
def test_more_actual_never_worsens_the_status(case: tuple[PaceGoal, date], extra: Decimal) -> None:
    goal, as_of = case
    before, after = pace_or_error(goal, as_of), pace_or_error(bump(goal, extra), as_of)
    assume(before is not None and after is not None)
    assert before is not None
    assert after is not None
    if before.status in GOOD:
        assert GOOD[after.status] >= GOOD[before.status]


@PROPERTY
@given(case=goals(LOWER), extra=money(0, 500))
def test_less_actual_never_worsens_the_status_when_lower_is_better(
    case: tuple[PaceGoal, date], extra: Decimal
) -> None:
    goal, as_of = case
    before, after = pace_or_error(goal, as_of), pace_or_error(bump(goal, -extra), as_of)
    assume(before is not None and after is not None)
    assert before is not None
    assert after is not None
    if before.status in GOOD:
        assert GOOD[after.status] >= GOOD[before.status]


@PROPERTY
@given(case=goals(HIGHER, SUM))
def test_pace_index_is_the_forecast_attainment_for_sums(case: tuple[PaceGoal, date]) -> None:
    goal, as_of = case
    result = pace_or_error(goal, as_of)
    assume(result is not None and result.pace_index is not None)
    assert result is not None
    assert result.pace_index is not None
    assert result.forecast_attainment is not None
    # same quantity computed two ways; each is rounded to two places
    assert abs(result.pace_index - result.forecast_attainment) <= D("0.02")


@PROPERTY
@given(case=goals())
def test_pace_many_agrees_with_pace(case: tuple[PaceGoal, date]) -> None:
    goal, as_of = case
    (many,) = pace_many([goal], as_of=as_of, calendar=NATIONAL_DAY)
    try:
        single: Pace | ScoringError = pace(goal, as_of=as_of, calendar=NATIONAL_DAY, explain=False)
    except ScoringError as error:
        single = error
    if isinstance(single, ScoringError):
        assert isinstance(many, ScoringError)
        assert many.code == single.code
    else:
        assert many == single
