"""Performance bonus (绩效奖金): one person's bonus, a pool shared out, totals by group.

Rules (they define the product's numbers, DESIGN.md §5):

Coefficients. Each grade has a bonus coefficient (``DEFAULT_COEFFICIENTS``: S 1.5, A 1.2,
B 1.0, C 0.8, D 0.5). Coefficients are finite and not negative (``negative``); a table
checked against a grade list must have every grade (``grade_unmapped``) and only those
(``bad_grade``).

One person (``person_bonus``): bonus = base × coefficient of the grade × every factor
(the company factor, the department factor, … each a named ``BonusFactor``, not
negative). The product is exact and rounded once, half-up, to the fen (0.01 yuan).

A pool (``allocate_pool``): a fixed amount (in whole fen, ``not_in_fen`` otherwise) is
shared by weight: coefficient × base when everybody has a base, the coefficient alone when
nobody has (some with and some without is ``bases_mixed``). Exact shares are pool ×
weight / Σ weights. A person may have a cap (in whole fen): whoever's exact share is
above the cap gets the cap, and the rest of the pool is shared again among the others,
until no share is above its cap. The exact shares are then cut to whole fen and the fen
left over go one each to the largest remainders (equal remainders: by key), so the
amounts add up to the pool exactly, each is within one fen of its exact share, and a
larger weight never gets less (caps aside). What cannot be given — everybody capped, or
all weights 0 — is ``unallocated``: amounts + unallocated = pool, always.

Totals (``totals_by``): the amounts summed by any group key (department, grade) with the
number of people, the mean and the share of the grand total (two decimals each, so shares
may add up to 100 ± 0.01 per group). ``totals_of_groups`` does the same from sums already
made per group (a database's GROUP BY over 100,000 lines): each group's key, number of
people and total; a group of nobody has the mean 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from types import MappingProxyType

from pms.scoring.decimals import ZERO, normalized, plain, require_finite
from pms.scoring.errors import ScoringError
from pms.scoring.exact import exact, exact_q2, ratio_q2
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_COEFFICIENTS",
    "Allocation",
    "BonusFactor",
    "GroupTotal",
    "PersonBonus",
    "PoolAllocation",
    "PoolMember",
    "allocate_pool",
    "check_coefficients",
    "person_bonus",
    "totals_by",
    "totals_of_groups",
]

DEFAULT_COEFFICIENTS: Mapping[str, Decimal] = MappingProxyType(
    {
        "S": Decimal("1.5"),
        "A": Decimal("1.2"),
        "B": Decimal("1.0"),
        "C": Decimal("0.8"),
        "D": Decimal("0.5"),
    }
)

_EXACT = Context(prec=200)


def _not_negative(value: Decimal, field: str, **extra: str) -> Decimal:
    require_finite(value, field)
    if value < 0:
        raise ScoringError("negative", {"field": field, **extra})
    return value


def _fen(value: Decimal, field: str, **extra: str) -> int:
    """A non-negative amount in yuan as whole fen."""
    _not_negative(value, field, **extra)
    fen = value.scaleb(2, context=_EXACT)
    if fen != fen.to_integral_value():
        raise ScoringError("not_in_fen", {"field": field, "value": plain(value), **extra})
    return int(fen)


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def check_coefficients(
    coefficients: Mapping[str, Decimal], grades: Sequence[str] | None = None
) -> dict[str, Decimal]:
    """The coefficients, checked, and when ``grades`` is given complete and in its order."""
    for grade, coefficient in coefficients.items():
        _not_negative(coefficient, "coefficient", grade=grade)
    if grades is None:
        return dict(coefficients)
    for grade in coefficients:
        if grade not in grades:
            raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
    for grade in grades:
        if grade not in coefficients:
            raise ScoringError("grade_unmapped", {"grade": grade})
    return {grade: coefficients[grade] for grade in grades}


# --- one person -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BonusFactor:
    """A multiplier of everybody's bonus in a scope: ``key`` says which ("company", a
    department's key)."""

    key: str
    value: Decimal


@dataclass(frozen=True)
class PersonBonus:
    amount: Decimal  # yuan, two decimals
    coefficient: Decimal
    factor: Decimal  # the product of the factors (1 without any)
    steps: tuple[Step, ...]


def person_bonus(
    *,
    base: Decimal,
    grade: str,
    coefficients: Mapping[str, Decimal] = DEFAULT_COEFFICIENTS,
    factors: Sequence[BonusFactor] = (),
) -> PersonBonus:
    """base × coefficient × factors, rounded half-up to the fen."""
    table = check_coefficients(coefficients)
    _not_negative(base, "base")
    if grade not in table:
        raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(table)})
    coefficient = table[grade]
    steps = [Step("bonus_coefficient", {"grade": grade, "coefficient": normalized(coefficient)})]
    factor = Decimal(1)
    for item in factors:
        _not_negative(item.value, "factor", key=item.key)
        factor = _EXACT.multiply(factor, item.value)
        steps.append(Step("bonus_factor", {"key": item.key, "factor": normalized(item.value)}))
    amount = exact_q2(exact(base) * exact(coefficient) * exact(factor))
    steps.append(
        Step(
            "bonus_amount",
            {
                "base": plain(base),
                "coefficient": normalized(coefficient),
                "factor": normalized(factor),
                "result": plain(amount),
            },
        )
    )
    return PersonBonus(amount=amount, coefficient=coefficient, factor=factor, steps=tuple(steps))


# --- a pool -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolMember:
    key: str
    coefficient: Decimal
    base: Decimal | None = None
    cap: Decimal | None = None  # yuan, whole fen


@dataclass(frozen=True)
class Allocation:
    key: str
    weight: Decimal
    exact: Decimal  # the exact share in yuan, shown to four decimals (the cap when capped)
    amount: Decimal  # yuan, two decimals
    capped: bool


@dataclass(frozen=True)
class PoolAllocation:
    pool: Decimal
    allocations: tuple[Allocation, ...]  # in the members' order
    allocated: Decimal
    unallocated: Decimal  # allocated + unallocated = pool
    steps: tuple[Step, ...]


def _weights(members: Sequence[PoolMember]) -> tuple[list[Decimal], bool]:
    seen: set[str] = set()
    with_base = [member.base is not None for member in members]
    by_base = all(with_base)
    if any(with_base) and not by_base:
        raise ScoringError("bases_mixed")
    weights: list[Decimal] = []
    for member in members:
        if member.key in seen:
            raise ScoringError("duplicate_key", {"field": "person", "key": member.key})
        seen.add(member.key)
        coefficient = _not_negative(member.coefficient, "coefficient", key=member.key)
        if member.base is None:
            weights.append(coefficient)
        else:
            base = _not_negative(member.base, "base", key=member.key)
            weights.append(_EXACT.multiply(coefficient, base))
    return weights, by_base and bool(members)


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total


def _integers(weights: Sequence[Decimal]) -> list[int]:
    """The weights as integers on a common scale: shares are then integer divisions, exact
    and fast (Fractions cost ~10× more over a company)."""
    places = max([0, *(-int(weight.as_tuple().exponent) for weight in weights)])
    return [int(weight.scaleb(places, context=_EXACT)) for weight in weights]


def _four_places(numerator: int, denominator: int) -> Decimal:
    """An exact amount in fen (a ratio) as yuan with four decimals, half-up (for the steps):
    fen rounded to two places, moved two places."""
    return ratio_q2(numerator, denominator).scaleb(-2)


def allocate_pool(
    pool: Decimal, members: Sequence[PoolMember], *, explain: bool = True
) -> PoolAllocation:
    """Share ``pool`` by weight in whole fen, summing exactly to the pool (see the rules).

    ``explain=False`` leaves out the one ``bonus_share`` step per person, for simulations
    over a whole company; the amounts are the same.
    """
    pool_fen = _fen(pool, "pool")
    weights, by_base = _weights(members)
    caps = [None if m.cap is None else _fen(m.cap, "cap", key=m.key) for m in members]
    scaled = _integers(weights)
    steps = [
        Step(
            "bonus_pool",
            {
                "pool": plain(_yuan(pool_fen)),
                "people": str(len(members)),
                "basis": "coefficient_base" if by_base else "coefficient",
                "total_weight": normalized(_sum(weights)),
            },
        )
    ]
    # water-filling: whoever's share is above the cap gets the cap; the rest is shared again
    remaining = pool_fen
    active = list(range(len(members)))
    capped: dict[int, int] = {}
    while True:
        total = sum(scaled[i] for i in active)
        over = [
            (i, cap)
            for i in active
            if (cap := caps[i]) is not None and total and remaining * scaled[i] > cap * total
        ]
        if not over:
            break
        for i, cap in over:
            capped[i] = cap
            share = _four_places(remaining * scaled[i], total)
            steps.append(
                Step(
                    "bonus_capped",
                    {"key": members[i].key, "share": plain(share), "cap": plain(_yuan(cap))},
                )
            )
        remaining -= sum(cap for _i, cap in over)
        active = [i for i in active if i not in capped]
    fen: dict[int, int] = dict(capped)
    exacts = {i: _four_places(cap, 1) for i, cap in capped.items()}
    unallocated = remaining
    if total:
        remainders: dict[int, int] = {}
        for i in active:
            fen[i], remainders[i] = divmod(remaining * scaled[i], total)
        left = remaining - sum(fen[i] for i in active)
        # the largest remainders first, equal ones by key; fewer fen left than remainders
        order = sorted(active, key=lambda i: (-remainders[i], members[i].key))
        extra = set(order[:left])
        unallocated = 0
        total_shown = normalized(_sum(weights[i] for i in active))
        pool_shown = plain(_yuan(remaining))
        for i in active:
            fen[i] += i in extra
            exacts[i] = _four_places(remaining * scaled[i], total)
            if not explain:
                continue
            values = {
                "key": members[i].key,
                "pool": pool_shown,
                "weight": normalized(weights[i]),
                "total_weight": total_shown,
                "exact": plain(exacts[i]),
                "result": plain(_yuan(fen[i])),
            }
            if i in extra:
                values["extra"] = "0.01"
            steps.append(Step("bonus_share", values))
    else:
        for i in active:
            exacts[i] = _four_places(0, 1)
            fen[i] = 0
    if unallocated:
        steps.append(Step("bonus_unallocated", {"amount": plain(_yuan(unallocated))}))
    allocations = tuple(
        Allocation(
            key=member.key,
            weight=weights[i],
            exact=exacts[i],
            amount=_yuan(fen[i]),
            capped=i in capped,
        )
        for i, member in enumerate(members)
    )
    return PoolAllocation(
        pool=_yuan(pool_fen),
        allocations=allocations,
        allocated=_yuan(pool_fen - unallocated),
        unallocated=_yuan(unallocated),
        steps=tuple(steps),
    )


# --- totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupTotal:
    key: str
    count: int
    total: Decimal
    mean: Decimal  # two decimals
    share: Decimal  # percent of the grand total, two decimals (0 when the grand total is 0)


def totals_by(rows: Iterable[tuple[str, Decimal]]) -> tuple[GroupTotal, ...]:
    """Amounts summed per group key, groups in the order they first appear."""
    sums: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    grand = ZERO
    for key, amount in rows:
        require_finite(amount, "amount")
        sums[key] = _EXACT.add(sums.get(key, ZERO), amount)
        counts[key] = counts.get(key, 0) + 1
        grand = _EXACT.add(grand, amount)
    return tuple(
        GroupTotal(
            key=key,
            count=counts[key],
            total=total,
            mean=exact_q2(exact(total) / counts[key]),
            share=exact_q2(exact(total) * 100 / exact(grand)) if grand else ZERO,
        )
        for key, total in sums.items()
    )


def totals_of_groups(groups: Iterable[tuple[str, int, Decimal]]) -> tuple[GroupTotal, ...]:
    """Group totals from (key, count, total) sums made elsewhere, in the order given; the
    same figures ``totals_by`` gives for the people behind them."""
    rows = list(groups)
    grand = ZERO
    for key, count, total in rows:
        require_finite(total, "amount")
        if count < 0:
            raise ScoringError("negative", {"field": "headcount", "key": key})
        grand = _EXACT.add(grand, total)
    return tuple(
        GroupTotal(
            key=key,
            count=count,
            total=total,
            mean=exact_q2(exact(total) / count) if count else ZERO,
            share=exact_q2(exact(total) * 100 / exact(grand)) if grand else ZERO,
        )
        for key, count, total in rows
    )
