"""Coefficients: a grade's coefficient to two decimals with its step, tables read from
JSON and checked, the defaults when there is none."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.scoring.coefficients import (
    DEFAULT_COEFFICIENTS,
    coefficient_for,
    coefficients_from_data,
    coefficients_to_data,
)
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step


def test_a_grade_has_its_coefficient_and_the_step_says_so() -> None:
    value, step = coefficient_for("A", DEFAULT_COEFFICIENTS)
    assert value == Decimal("1.20")
    assert step == Step("coefficient", {"grade": "A", "coefficient": "1.20"})


@pytest.mark.parametrize("grade", ["", "Z"])
def test_no_grade_or_an_unknown_one_has_none(grade: str) -> None:
    assert coefficient_for(grade, DEFAULT_COEFFICIENTS) == (
        None,
        Step("coefficient_missing", {"grade": grade}),
    )


def test_the_defaults_when_there_is_no_table() -> None:
    assert coefficients_from_data([]) == dict(DEFAULT_COEFFICIENTS)
    assert coefficients_from_data(None) == dict(DEFAULT_COEFFICIENTS)
    assert list(coefficients_from_data([])) == ["S", "A", "B", "C", "D"]


def test_a_table_round_trips() -> None:
    table = coefficients_from_data(
        [{"grade": "S", "coefficient": "2"}, {"grade": "A", "coefficient": 1.3}]
    )
    assert table == {"S": Decimal("2"), "A": Decimal("1.3")}
    assert coefficients_to_data(table) == [
        {"grade": "S", "coefficient": "2"},
        {"grade": "A", "coefficient": "1.3"},
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("S=1.5", "coefficients_malformed"),
        ([{"grade": "S"}], "coefficients_malformed"),
        ([{"grade": " ", "coefficient": "1"}], "code_empty"),
        ([{"grade": "S", "coefficient": "1"}, {"grade": "S", "coefficient": "2"}], "duplicate_key"),
        ([{"grade": "S", "coefficient": "x"}], "not_a_number"),
        ([{"grade": "S", "coefficient": "-1"}], "negative"),
        ([{"grade": "S", "coefficient": "1000"}], "out_of_range"),
    ],
)
def test_bad_tables_are_refused_with_a_code(data: object, code: str) -> None:
    with pytest.raises(ScoringError) as refused:
        coefficients_from_data(data)
    assert refused.value.code == code


@given(
    st.dictionaries(
        st.sampled_from(["S", "A", "B", "C", "D"]),
        st.decimals(min_value=0, max_value=999, places=3, allow_nan=False),
        min_size=1,
    )
)
def test_any_valid_table_reads_back_and_rounds_to_two_places(table: dict[str, Decimal]) -> None:
    read = coefficients_from_data(coefficients_to_data(table))
    assert read == table
    for grade, value in table.items():
        found, _step = coefficient_for(grade, read)
        assert found is not None
        assert abs(found - value) <= Decimal("0.005")
