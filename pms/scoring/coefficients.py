"""Performance coefficients (绩效系数): the multiplier a published grade carries into pay.

Rules (they define the product's numbers, DESIGN.md §5):

Each grade has one coefficient (``pms.scoring.bonus.DEFAULT_COEFFICIENTS``: S 1.5, A 1.2,
B 1.0, C 0.8, D 0.5, configurable). A result's coefficient is its grade's, to two
decimals, half-up; a result without a grade, or with a grade the table does not know, has
no coefficient, and the step says so (it is never taken as 1 or 0).

Tables are stored as JSON, best grade first: ``[{"grade": "S", "coefficient": "1.5"}, …]``
(``coefficients_from_data`` / ``coefficients_to_data``). Grades are not empty and
unique (``code_empty``, ``duplicate_key``), coefficients are numbers (``not_a_number``),
not negative (``negative``) and below 1000 (``out_of_range``, what a result can hold).
An empty table means the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pms.scoring.bonus import DEFAULT_COEFFICIENTS, check_coefficients
from pms.scoring.decimals import normalized, plain, q2, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_COEFFICIENTS",
    "MAX_COEFFICIENT",
    "coefficient_for",
    "coefficients_from_data",
    "coefficients_to_data",
]

# a result keeps five digits, two of them decimals
MAX_COEFFICIENT = Decimal("999.99")


def coefficients_from_data(data: object) -> dict[str, Decimal]:
    """The table from its JSON-like list, checked; the defaults when it is empty."""
    if data in (None, "", [], ()):
        return dict(DEFAULT_COEFFICIENTS)
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise ScoringError("coefficients_malformed")
    table: dict[str, Decimal] = {}
    for position, raw in enumerate(data, start=1):
        where = {"position": str(position)}
        if (
            not isinstance(raw, Mapping)
            or set(raw) != {"grade", "coefficient"}
            or not isinstance(raw["grade"], str)
        ):
            raise ScoringError("coefficients_malformed", where)
        grade = raw["grade"].strip()
        if not grade:
            raise ScoringError("code_empty", {"field": "grade", **where})
        if grade in table:
            raise ScoringError("duplicate_key", {"field": "grade", "key": grade})
        value = to_decimal(raw["coefficient"], "coefficient", where)
        if value > MAX_COEFFICIENT:
            raise ScoringError(
                "out_of_range",
                {
                    "field": "coefficient",
                    "min": "0",
                    "max": plain(MAX_COEFFICIENT),
                    "value": normalized(value),
                    **where,
                },
            )
        table[grade] = value
    return check_coefficients(table)


def coefficients_to_data(table: Mapping[str, Decimal]) -> list[dict[str, str]]:
    """The JSON-like list of a table, coefficients as normalised strings ("1.5")."""
    return [{"grade": grade, "coefficient": normalized(value)} for grade, value in table.items()]


def coefficient_for(grade: str, table: Mapping[str, Decimal]) -> tuple[Decimal | None, Step]:
    """The coefficient of ``grade`` (two decimals), with the step that explains it."""
    value = table.get(grade) if grade else None
    if value is None:
        return None, Step("coefficient_missing", {"grade": grade})
    coefficient = q2(value)
    return coefficient, Step("coefficient", {"grade": grade, "coefficient": plain(coefficient)})
