"""Merit raises (调薪): where a salary sits in its range, the raise matrix, the budget.

Rules (they define the product's numbers, DESIGN.md §5):

Salary range. A range has a minimum, a midpoint and a maximum with 0 < minimum ≤ midpoint
≤ maximum (``salary_range_invalid``). The compa-ratio is salary / midpoint, as a percent
with two decimals (95.00 means 5 % below the midpoint). The zone splits the range at the
midpoint and halfway on each side, so the midpoint is respected when it is not the middle:

    below   salary < minimum
    q1      minimum ≤ salary < (minimum + midpoint) / 2
    q2      (minimum + midpoint) / 2 ≤ salary < midpoint
    q3      midpoint ≤ salary < (midpoint + maximum) / 2
    q4      (midpoint + maximum) / 2 ≤ salary ≤ maximum
    above   salary > maximum

A salary on a boundary is in the upper zone, except the maximum, which is in q4.

Raise matrix. The raise percent for every grade × zone (``DEFAULT_RAISE_MATRIX`` is an
example: better grades and lower positions in the range get more). A matrix must have
every grade and every zone (``raise_matrix_incomplete``), only those (``bad_grade``,
``unknown_zone``), and percents within 0–100 (``out_of_range``); numbers may arrive as
int, float, str or Decimal (JSON). ``raise_for``: amount = salary × percent / 100 rounded
half-up to the fen; the new salary is salary + amount. ``raise_from_table`` does the same
with a matrix checked once beforehand (``check_raise_matrix``), for many people at once.

Budget. The raises' total cost is compared with the budget. Over budget, the suggested
scale-down factor is budget / cost rounded down to four decimals; scaling every amount by
it and rounding each down to the fen (``scale_amount``) keeps the total within budget.
It is the largest four-decimal factor that keeps the exact scaled cost within budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal
from enum import StrEnum
from types import MappingProxyType

from pms.scoring.decimals import (
    HUNDRED,
    ZERO,
    normalized,
    plain,
    quantize,
    require_finite,
    to_decimal,
)
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact, exact_q2
from pms.scoring.rules import GRADES
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_RAISE_MATRIX",
    "ZONES",
    "BudgetCheck",
    "RaiseResult",
    "SalaryRange",
    "SalaryZone",
    "budget_check",
    "check_raise_matrix",
    "compa_ratio",
    "raise_for",
    "raise_from_table",
    "raise_matrix_to_data",
    "salary_zone",
    "scale_amount",
]

_EXACT = Context(prec=200)


class SalaryZone(StrEnum):
    BELOW = "below"  # under the range's minimum
    Q1 = "q1"
    Q2 = "q2"
    Q3 = "q3"
    Q4 = "q4"
    ABOVE = "above"  # over the range's maximum


ZONES: tuple[str, ...] = tuple(zone.value for zone in SalaryZone)


@dataclass(frozen=True)
class SalaryRange:
    minimum: Decimal
    midpoint: Decimal
    maximum: Decimal

    def __post_init__(self) -> None:
        require_finite(self.minimum, "minimum")
        require_finite(self.midpoint, "midpoint")
        require_finite(self.maximum, "maximum")
        if not ZERO < self.minimum <= self.midpoint <= self.maximum:
            raise ScoringError(
                "salary_range_invalid",
                {
                    "min": normalized(self.minimum),
                    "mid": normalized(self.midpoint),
                    "max": normalized(self.maximum),
                },
            )


def _salary(value: Decimal) -> Decimal:
    require_finite(value, "salary")
    if value < 0:
        raise ScoringError("negative", {"field": "salary"})
    return value


def compa_ratio(salary: Decimal, salary_range: SalaryRange) -> Decimal:
    """salary / midpoint as a percent, two decimals, half-up."""
    return exact_q2(exact(_salary(salary)) * 100 / exact(salary_range.midpoint))


def salary_zone(salary: Decimal, salary_range: SalaryRange) -> SalaryZone:
    """The zone of the range the salary is in (see the module's table)."""
    low, mid, high = salary_range.minimum, salary_range.midpoint, salary_range.maximum
    _salary(salary)
    # twice the salary against the sums: the quarter bounds without dividing
    twice = _EXACT.multiply(salary, Decimal(2))
    if salary < low:
        return SalaryZone.BELOW
    if salary > high:
        return SalaryZone.ABOVE
    if salary >= mid:
        return SalaryZone.Q4 if twice >= _EXACT.add(mid, high) else SalaryZone.Q3
    return SalaryZone.Q2 if twice >= _EXACT.add(low, mid) else SalaryZone.Q1


# --- the raise matrix -------------------------------------------------------------------------


def _row(*percents: int) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(zip(ZONES, map(Decimal, percents), strict=True)))


DEFAULT_RAISE_MATRIX: Mapping[str, Mapping[str, Decimal]] = MappingProxyType(
    {
        #       below Q1  Q2  Q3  Q4  above
        "S": _row(15, 12, 10, 8, 6, 3),
        "A": _row(12, 9, 7, 5, 4, 2),
        "B": _row(8, 6, 5, 3, 2, 0),
        "C": _row(3, 2, 1, 0, 0, 0),
        "D": _row(0, 0, 0, 0, 0, 0),
    }
)


def check_raise_matrix(
    matrix: Mapping[str, Mapping[str, object]], grades: Sequence[str] = GRADES
) -> dict[str, dict[SalaryZone, Decimal]]:
    """The matrix with Decimal percents in the grades' and zones' order, or
    ``ScoringError``."""
    for grade, row in matrix.items():
        if grade not in grades:
            raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
        for zone in row:
            if zone not in ZONES:
                raise ScoringError("unknown_zone", {"zone": str(zone), "zones": ", ".join(ZONES)})
    checked: dict[str, dict[SalaryZone, Decimal]] = {}
    for grade in grades:
        row = matrix.get(grade, {})
        checked[grade] = {}
        for zone in SalaryZone:
            if zone.value not in row:
                raise ScoringError("raise_matrix_incomplete", {"grade": grade, "zone": zone.value})
            where = {"grade": grade, "zone": zone.value}
            percent = to_decimal(row[zone.value], "raise_percent", where)
            if not ZERO <= percent <= HUNDRED:
                raise ScoringError(
                    "out_of_range", {"field": "raise_percent", "min": "0", "max": "100", **where}
                )
            checked[grade][zone] = percent
    return checked


def raise_matrix_to_data(matrix: Mapping[str, Mapping[str, Decimal]]) -> dict[str, dict[str, str]]:
    """The JSON-like matrix, percents as normalised strings."""
    return {
        grade: {str(zone): normalized(percent) for zone, percent in row.items()}
        for grade, row in matrix.items()
    }


@dataclass(frozen=True)
class RaiseResult:
    grade: str
    zone: SalaryZone
    compa_ratio: Decimal  # percent, two decimals
    percent: Decimal
    amount: Decimal  # yuan, two decimals
    new_salary: Decimal
    steps: tuple[Step, ...]


def raise_for(
    *,
    salary: Decimal,
    salary_range: SalaryRange,
    grade: str,
    matrix: Mapping[str, Mapping[str, object]] = DEFAULT_RAISE_MATRIX,
    grades: Sequence[str] = GRADES,
) -> RaiseResult:
    """The raise of a person with ``grade`` paid ``salary`` in ``salary_range``."""
    return raise_from_table(
        salary=salary,
        salary_range=salary_range,
        grade=grade,
        table=check_raise_matrix(matrix, grades),
        grades=grades,
    )


def raise_from_table(
    *,
    salary: Decimal,
    salary_range: SalaryRange,
    grade: str,
    table: Mapping[str, Mapping[SalaryZone, Decimal]],
    grades: Sequence[str] = GRADES,
) -> RaiseResult:
    """``raise_for`` with a matrix ``check_raise_matrix`` has already checked: a plan of
    100,000 people checks its one matrix once, not once per person."""
    if grade not in table:
        raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
    ratio = compa_ratio(salary, salary_range)
    zone = salary_zone(salary, salary_range)
    percent = table[grade][zone]
    amount = exact_q2(exact(salary) * exact(percent) / 100)
    new_salary = _EXACT.add(salary, amount)
    steps = (
        Step(
            "compa_ratio",
            {
                "salary": plain(salary),
                "midpoint": plain(salary_range.midpoint),
                "result": plain(ratio),
            },
        ),
        Step(
            "salary_zone",
            {
                "salary": plain(salary),
                "min": plain(salary_range.minimum),
                "mid": plain(salary_range.midpoint),
                "max": plain(salary_range.maximum),
                "zone": str(zone),
            },
        ),
        Step("raise_percent", {"grade": grade, "zone": str(zone), "percent": normalized(percent)}),
        Step(
            "raise_amount",
            {
                "salary": plain(salary),
                "percent": normalized(percent),
                "result": plain(amount),
                "new_salary": plain(new_salary),
            },
        ),
    )
    return RaiseResult(
        grade=grade,
        zone=zone,
        compa_ratio=ratio,
        percent=percent,
        amount=amount,
        new_salary=new_salary,
        steps=steps,
    )


# --- the budget -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetCheck:
    cost: Decimal  # Σ raise amounts
    budget: Decimal
    within: bool
    over: Decimal  # cost − budget when over, else 0
    factor: Decimal | None  # the suggested scale-down factor when over, four decimals
    steps: tuple[Step, ...]


def budget_check(amounts: Iterable[Decimal], budget: Decimal) -> BudgetCheck:
    """The raises' cost against the budget, with a scale-down factor when over."""
    require_finite(budget, "budget")
    if budget < 0:
        raise ScoringError("negative", {"field": "budget"})
    cost = ZERO
    for amount in amounts:
        require_finite(amount, "amount")
        if amount < 0:
            raise ScoringError("negative", {"field": "amount"})
        cost = _EXACT.add(cost, amount)
    within = cost <= budget
    over = ZERO if within else _EXACT.subtract(cost, budget)
    steps = [
        Step(
            "raise_budget",
            {"cost": plain(cost), "budget": plain(budget), "over": plain(over)},
        )
    ]
    factor: Decimal | None = None
    if not within:
        # floor on the exact ratio: rounding the quotient first could round it up
        factor = Decimal(exact(budget) * 10_000 // exact(cost)).scaleb(-4)
        steps.append(Step("raise_scale", {"factor": plain(factor)}))
    return BudgetCheck(
        cost=cost, budget=budget, within=within, over=over, factor=factor, steps=tuple(steps)
    )


def scale_amount(amount: Decimal, factor: Decimal) -> Decimal:
    """amount × factor rounded down to the fen, so scaled amounts stay within the budget."""
    require_finite(amount, "amount")
    require_finite(factor, "factor")
    return quantize(_EXACT.multiply(amount, factor), 2, rounding=ROUND_DOWN)
