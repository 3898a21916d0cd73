"""Forced distribution (强制分布): quotas per grade, pooling of small groups, deviation from
the rule, and grades from a ranking.

Rules (they define the product's numbers, DESIGN.md §5):

A distribution rule lists the grades best first, each with a target share of the people
(a percent, 0–100, the shares adding up to exactly 100) and a mode saying how the quota
binds:

- ``exact``: the grade must have exactly its quota;
- ``at_most``: no more than the quota (S ≤ 10 %);
- ``at_least``: no fewer than the quota (D ≥ 5 %);
- ``target``: advisory only, never a violation (B 50 % is what is left in between).

``DEFAULT_DISTRIBUTION`` is S 10 at most, A 20 at most, B 50 target, C 15 at least, D 5 at
least, forced from groups of ``min_group_size`` = 10 people. Grades must not be empty
(``code_empty``) nor repeated (``duplicate_key``); a rule without grades is
``distribution_empty``; a share outside 0–100 is ``out_of_range`` and shares not adding up
to 100 ``shares_not_100``; an unknown mode ``unknown_quota_mode``; a negative minimum
group size ``negative``. Rules are stored as JSON (``distribution_rule_from_data`` /
``distribution_rule_to_data``).

Quotas (``quotas``) use the largest-remainder (Hamilton) method: every grade's exact quota
n × share / 100 is rounded down, and the people left over go one each to the grades with
the largest remainders; equal remainders go to the better grade first. So the quotas
always add up to n and each is its exact quota rounded down or up. The steps show every
exact quota, floor and remainder and which grades got a leftover seat. Known limit of
the method (the Alabama paradox): one more person can cost a grade a seat. Under S 10 /
A 30 / B 40 / C 15 / D 5, 11 people give D one place (exact 0.55) and 12 people none (0.6
loses the tie for the last seat to A's 0.6). Quotas always stay within one of the exact
quotas, so one more person never costs a grade more than one seat. The default rule has
no such case: its remainders repeat every 20 people.

Pools (``pools``): forced distribution needs enough people to be fair. Departments form a
tree of units, each with its own people; a unit whose people — together with the small
units pooled into it — number fewer than the minimum group size is pooled into its
parent, recursively upwards. A parent's own people and its small children's people form
one pool, named after the parent. A pool still below the minimum at the root of the tree
is returned as not enforced. Every unit is in exactly one pool; deterministic (input
order). Unknown parents (``unknown_parent``), cycles (``unit_cycle``), repeated units and
negative counts are refused.

Deviation (``deviation``): for a group of n people and the number of people per grade,
each grade's quota, count, difference and status — ``over`` / ``under`` when its mode is
broken, else ``ok`` (``target`` is always ok) — and the violations. A group smaller than
the rule's minimum group size is not forced: its statuses are shown but nothing is a
violation. Counts may add up to less than n (people not graded yet), not more
(``counts_exceed_headcount``).

Grades from a ranking (``grades_by_rank``): people ordered by score, best first, fill the
quotas grade by grade. Equal scores never get different grades: a group of equal scores
that crosses the boundary between two grades goes entirely to the better grade. That
grade then has more people than its quota and the next grades fewer (a grade can be left
empty), and the steps say so; an ``at_most`` grade may then break its own rule, which the
calibration committee resolves by telling the tied people apart. The ranking forces
whatever group it is given; small groups are pooled with ``pools`` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from enum import StrEnum

from pms.scoring.decimals import HUNDRED, ZERO, normalized, plain, require_finite, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "DEFAULT_DISTRIBUTION",
    "DEFAULT_MIN_GROUP_SIZE",
    "QUOTA_MODES",
    "Deviation",
    "DistributionRule",
    "GradeDeviation",
    "GradeQuota",
    "GradeShare",
    "Pool",
    "Pooling",
    "QuotaMode",
    "QuotaStatus",
    "Quotas",
    "RankedGrades",
    "RankedPerson",
    "Unit",
    "check_distribution_rule",
    "deviation",
    "distribution_rule_from_data",
    "distribution_rule_to_data",
    "grades_by_rank",
    "pools",
    "quotas",
]

# Exact arithmetic on shares: n × share needs at most the digits of both.
_EXACT = Context(prec=200)


class QuotaMode(StrEnum):
    EXACT = "exact"  # exactly the quota
    AT_MOST = "at_most"  # no more than the quota
    AT_LEAST = "at_least"  # no fewer than the quota
    TARGET = "target"  # advisory: never a violation


QUOTA_MODES: tuple[str, ...] = tuple(mode.value for mode in QuotaMode)


class QuotaStatus(StrEnum):
    OK = "ok"
    OVER = "over"  # more people than an exact or at-most quota allows
    UNDER = "under"  # fewer people than an exact or at-least quota needs


DEFAULT_MIN_GROUP_SIZE = 10


@dataclass(frozen=True)
class GradeShare:
    """One grade of a rule: its target share of the people (percent) and how it binds."""

    grade: str
    share: Decimal
    mode: QuotaMode = QuotaMode.TARGET


@dataclass(frozen=True)
class DistributionRule:
    """Grades best first with their shares; groups smaller than ``min_group_size`` are not
    forced."""

    shares: tuple[GradeShare, ...]
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE

    @property
    def grades(self) -> tuple[str, ...]:
        return tuple(share.grade for share in self.shares)


DEFAULT_DISTRIBUTION = DistributionRule(
    shares=(
        GradeShare("S", Decimal(10), QuotaMode.AT_MOST),
        GradeShare("A", Decimal(20), QuotaMode.AT_MOST),
        GradeShare("B", Decimal(50), QuotaMode.TARGET),
        GradeShare("C", Decimal(15), QuotaMode.AT_LEAST),
        GradeShare("D", Decimal(5), QuotaMode.AT_LEAST),
    ),
)


def _mode(value: object) -> QuotaMode:
    if isinstance(value, str) and value in QUOTA_MODES:
        return QuotaMode(value)
    raise ScoringError("unknown_quota_mode", {"mode": str(value), "modes": ", ".join(QUOTA_MODES)})


def _headcount(value: int, field: str, **extra: str) -> int:
    if value < 0:
        raise ScoringError("negative", {"field": field, **extra})
    return value


def check_distribution_rule(rule: DistributionRule) -> DistributionRule:
    """The rule with its modes as ``QuotaMode``, or ``ScoringError`` when it is not valid."""
    if not rule.shares:
        raise ScoringError("distribution_empty")
    seen: set[str] = set()
    total = ZERO
    checked: list[GradeShare] = []
    for position, share in enumerate(rule.shares, start=1):
        where = str(position)
        if not share.grade.strip():
            raise ScoringError("code_empty", {"field": "grade", "position": where})
        if share.grade in seen:
            raise ScoringError("duplicate_key", {"field": "grade", "key": share.grade})
        seen.add(share.grade)
        require_finite(share.share, "share")
        if not ZERO <= share.share <= HUNDRED:
            raise ScoringError(
                "out_of_range",
                {"field": "share", "min": "0", "max": "100", "position": where},
            )
        total = _EXACT.add(total, share.share)
        checked.append(GradeShare(share.grade, share.share, _mode(share.mode)))
    if total != HUNDRED:
        raise ScoringError("shares_not_100", {"total": normalized(total)})
    _headcount(rule.min_group_size, "min_group_size")
    return DistributionRule(shares=tuple(checked), min_group_size=rule.min_group_size)


def distribution_rule_from_data(data: object) -> DistributionRule:
    """A rule from ``{"grades": [{"grade", "share", "mode"}, …], "min_group_size": 10}``."""
    if not isinstance(data, Mapping) or not set(data) <= {"grades", "min_group_size"}:
        raise ScoringError("distribution_malformed")
    raw_grades = data.get("grades")
    if not isinstance(raw_grades, Sequence) or isinstance(raw_grades, str | bytes):
        raise ScoringError("distribution_malformed")
    shares: list[GradeShare] = []
    for position, raw in enumerate(raw_grades, start=1):
        where = {"position": str(position)}
        if (
            not isinstance(raw, Mapping)
            or not {"grade", "share"} <= set(raw) <= {"grade", "share", "mode"}
            or not isinstance(raw["grade"], str)
        ):
            raise ScoringError("distribution_malformed", where)
        share = to_decimal(raw["share"], "share", where)
        mode = _mode(raw.get("mode", QuotaMode.TARGET.value))
        shares.append(GradeShare(raw["grade"].strip(), share, mode))
    size = data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
    if isinstance(size, bool) or not isinstance(size, int):
        raise ScoringError("distribution_malformed")
    return check_distribution_rule(DistributionRule(tuple(shares), size))


def distribution_rule_to_data(rule: DistributionRule) -> dict[str, object]:
    """The JSON-like form of a rule, shares as normalised strings ("10", "12.5")."""
    return {
        "grades": [
            {"grade": share.grade, "share": normalized(share.share), "mode": str(share.mode)}
            for share in rule.shares
        ],
        "min_group_size": rule.min_group_size,
    }


# --- quotas -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeQuota:
    grade: str
    mode: QuotaMode
    share: Decimal
    exact: Decimal  # n × share / 100, not rounded
    floor: int
    remainder: Decimal  # exact − floor
    seat: bool  # got one of the people left over after the floors
    quota: int  # floor, plus one with a seat


@dataclass(frozen=True)
class Quotas:
    """The quota of every grade for ``headcount`` people; they add up to ``headcount``."""

    headcount: int
    grades: tuple[GradeQuota, ...]
    steps: tuple[Step, ...]

    @property
    def by_grade(self) -> dict[str, int]:
        return {row.grade: row.quota for row in self.grades}


def quotas(rule: DistributionRule, headcount: int) -> Quotas:
    """Largest-remainder quotas of ``headcount`` people under ``rule``, with the rounding."""
    rule = check_distribution_rule(rule)
    _headcount(headcount, "headcount")
    people = Decimal(headcount)
    exacts = [_EXACT.scaleb(_EXACT.multiply(people, row.share), -2) for row in rule.shares]
    floors = [int(exact) for exact in exacts]  # not negative, so truncation is the floor
    remainders = [
        _EXACT.subtract(exact, floor) for exact, floor in zip(exacts, floors, strict=True)
    ]
    left = headcount - sum(floors)
    # the largest remainders first, equal ones to the better grade
    order = sorted(range(len(exacts)), key=lambda index: (-remainders[index], index))
    seated = set(order[:left])
    rows: list[GradeQuota] = []
    steps: list[Step] = []
    for index, row in enumerate(rule.shares):
        seat = index in seated
        rows.append(
            GradeQuota(
                grade=row.grade,
                mode=row.mode,
                share=row.share,
                exact=exacts[index],
                floor=floors[index],
                remainder=remainders[index],
                seat=seat,
                quota=floors[index] + seat,
            )
        )
        steps.append(
            Step(
                "quota_exact",
                {
                    "grade": row.grade,
                    "headcount": str(headcount),
                    "share": normalized(row.share),
                    "exact": normalized(exacts[index]),
                    "floor": str(floors[index]),
                    "remainder": normalized(remainders[index]),
                },
            )
        )
    steps.append(
        Step(
            "quota_leftover",
            {"headcount": str(headcount), "floors": str(sum(floors)), "seats": str(left)},
        )
    )
    for index in order[:left]:
        steps.append(
            Step(
                "quota_seat",
                {
                    "grade": rows[index].grade,
                    "remainder": normalized(remainders[index]),
                    "quota": str(rows[index].quota),
                },
            )
        )
    return Quotas(headcount=headcount, grades=tuple(rows), steps=tuple(steps))


# --- pools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A department (or team) with ``count`` people of its own, not counting sub-units."""

    key: str
    parent: str | None
    count: int


@dataclass(frozen=True)
class Pool:
    """People forced together, named after the unit where they meet; ``units`` are that
    unit first, then the small units pooled into it."""

    key: str
    size: int
    units: tuple[str, ...]
    enforced: bool


@dataclass(frozen=True)
class Pooling:
    pools: tuple[Pool, ...]  # in the order of their units in the input
    pool_of: Mapping[str, str]  # unit key → pool key, for every unit
    steps: tuple[Step, ...]


def _tree(units: Sequence[Unit]) -> tuple[dict[str, list[str]], list[str]]:
    """Children per unit and the units in post-order (children before parents)."""
    children: dict[str, list[str]] = {}
    for unit in units:
        if unit.key in children:
            raise ScoringError("duplicate_key", {"field": "unit", "key": unit.key})
        children[unit.key] = []
        _headcount(unit.count, "headcount", key=unit.key)
    roots: list[str] = []
    for unit in units:
        if unit.parent is None:
            roots.append(unit.key)
        elif unit.parent not in children:
            raise ScoringError("unknown_parent", {"key": unit.key, "parent": unit.parent})
        else:
            children[unit.parent].append(unit.key)
    order: list[str] = []
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        key, expanded = stack.pop()
        if expanded:
            order.append(key)
            continue
        stack.append((key, True))
        stack.extend((child, False) for child in reversed(children[key]))
    if len(order) < len(units):  # what no root reaches hangs in a cycle
        reached = set(order)
        stray = next(unit.key for unit in units if unit.key not in reached)
        raise ScoringError("unit_cycle", {"key": stray})
    return children, order


def pools(units: Sequence[Unit], min_size: int) -> Pooling:
    """Pool units smaller than ``min_size`` upwards into their parents (see module rules)."""
    _headcount(min_size, "min_group_size")
    children, order = _tree(units)
    by_key = {unit.key: unit for unit in units}
    # what a unit passes up to its parent: its size and its members
    passed: dict[str, tuple[int, list[str]]] = {}
    formed: dict[str, Pool] = {}
    steps: list[Step] = []
    for key in order:
        unit = by_key[key]
        size, members = unit.count, [key]
        for child in children[key]:
            if child in passed:
                child_size, child_members = passed.pop(child)
                size += child_size
                members.extend(child_members)
        if size >= min_size or unit.parent is None:
            enforced = size >= min_size
            formed[key] = Pool(key=key, size=size, units=tuple(members), enforced=enforced)
            values = {"key": key, "size": str(size), "units": ", ".join(members)}
            if enforced:
                steps.append(Step("pool_formed", values))
            else:
                steps.append(Step("pool_small", {**values, "min_size": str(min_size)}))
        else:
            passed[key] = (size, members)
            steps.append(
                Step(
                    "pool_up",
                    {
                        "unit": key,
                        "size": str(size),
                        "min_size": str(min_size),
                        "parent": unit.parent,
                    },
                )
            )
    pool_of = {member: pool.key for pool in formed.values() for member in pool.units}
    ordered = tuple(formed[unit.key] for unit in units if unit.key in formed)
    return Pooling(
        pools=ordered,
        pool_of={unit.key: pool_of[unit.key] for unit in units},
        steps=tuple(steps),
    )


# --- deviation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeDeviation:
    grade: str
    mode: QuotaMode
    quota: int
    count: int
    difference: int  # count − quota
    status: QuotaStatus


@dataclass(frozen=True)
class Deviation:
    """How a group's grades compare with the rule; ``complies`` unless an enforced group
    has a violation."""

    headcount: int
    ungraded: int  # people without a grade yet
    enforced: bool  # False below the rule's minimum group size
    rows: tuple[GradeDeviation, ...]
    violations: tuple[GradeDeviation, ...]
    complies: bool
    steps: tuple[Step, ...]


def _status(mode: QuotaMode, count: int, quota: int) -> QuotaStatus:
    if count > quota and mode in (QuotaMode.EXACT, QuotaMode.AT_MOST):
        return QuotaStatus.OVER
    if count < quota and mode in (QuotaMode.EXACT, QuotaMode.AT_LEAST):
        return QuotaStatus.UNDER
    return QuotaStatus.OK


def deviation(
    rule: DistributionRule, headcount: int, counts_by_grade: Mapping[str, int]
) -> Deviation:
    """Each grade's count against its quota for a group of ``headcount`` people."""
    found = quotas(rule, headcount)
    grades = [row.grade for row in found.grades]
    for grade, count in counts_by_grade.items():
        if grade not in grades:
            raise ScoringError("bad_grade", {"grade": grade, "grades": ", ".join(grades)})
        _headcount(count, "headcount", grade=grade)
    counted = sum(counts_by_grade.values())
    if counted > headcount:
        raise ScoringError(
            "counts_exceed_headcount", {"counted": str(counted), "headcount": str(headcount)}
        )
    enforced = headcount >= rule.min_group_size
    steps = list(found.steps)
    if not enforced:
        steps.append(
            Step(
                "distribution_small_group",
                {"headcount": str(headcount), "min_size": str(rule.min_group_size)},
            )
        )
    rows: list[GradeDeviation] = []
    for row in found.grades:
        count = counts_by_grade.get(row.grade, 0)
        result = GradeDeviation(
            grade=row.grade,
            mode=row.mode,
            quota=row.quota,
            count=count,
            difference=count - row.quota,
            status=_status(row.mode, count, row.quota),
        )
        rows.append(result)
        steps.append(
            Step(
                "distribution_row",
                {
                    "grade": row.grade,
                    "mode": str(row.mode),
                    "quota": str(row.quota),
                    "count": str(count),
                    "difference": f"{result.difference:+d}" if result.difference else "0",
                    "status": str(result.status),
                },
            )
        )
    violations = tuple(row for row in rows if enforced and row.status != QuotaStatus.OK)
    return Deviation(
        headcount=headcount,
        ungraded=headcount - counted,
        enforced=enforced,
        rows=tuple(rows),
        violations=violations,
        complies=not violations,
        steps=tuple(steps),
    )


# --- grades from a ranking --------------------------------------------------------------------


@dataclass(frozen=True)
class RankedPerson:
    key: str
    score: Decimal
    rank: int  # 1 for the best; equal scores share a rank (1, 2, 2, 4)
    grade: str


@dataclass(frozen=True)
class RankedGrades:
    people: tuple[RankedPerson, ...]  # best score first, equal scores by key
    counts: Mapping[str, int]  # people per grade, every grade of the rule
    quotas: Quotas
    steps: tuple[Step, ...]

    @property
    def by_key(self) -> dict[str, str]:
        return {person.key: person.grade for person in self.people}


def _tie_groups(scored: Iterable[tuple[str, Decimal]]) -> list[list[tuple[str, Decimal]]]:
    seen: set[str] = set()
    checked: list[tuple[str, Decimal]] = []
    for key, score in scored:
        if key in seen:
            raise ScoringError("duplicate_key", {"field": "person", "key": key})
        seen.add(key)
        checked.append((key, require_finite(score, "score")))
    checked.sort(key=lambda item: (-item[1], item[0]))
    groups: list[list[tuple[str, Decimal]]] = []
    for item in checked:
        if groups and groups[-1][0][1] == item[1]:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def grades_by_rank(rule: DistributionRule, scored: Sequence[tuple[str, Decimal]]) -> RankedGrades:
    """Grades filling the quotas from the best score down; equal scores share a grade."""
    groups = _tie_groups(scored)
    found = quotas(rule, sum(len(group) for group in groups))
    # the rank just after each grade's share of the ranking: the cumulative quotas
    bounds: list[int] = []
    for row in found.grades:
        bounds.append((bounds[-1] if bounds else 0) + row.quota)
    people: list[RankedPerson] = []
    members: dict[int, list[RankedPerson]] = {index: [] for index in range(len(bounds))}
    ties: dict[int, Step] = {}
    position = 0  # people ranked so far
    grade_index = 0
    for group in groups:
        # the grade whose share of the ranking this group starts in; the bounds end at n
        while bounds[grade_index] <= position:
            grade_index += 1
        grade = found.grades[grade_index].grade
        for key, score in group:
            person = RankedPerson(key=key, score=score, rank=position + 1, grade=grade)
            people.append(person)
            members[grade_index].append(person)
        position += len(group)
        if position > bounds[grade_index]:
            ties[grade_index] = Step(
                "rank_tie",
                {
                    "grade": grade,
                    "score": plain(group[0][1]),
                    "people": str(len(group)),
                    "beyond": str(position - bounds[grade_index]),
                },
            )
    steps = list(found.steps)
    for index, row in enumerate(found.grades):
        given = members[index]
        values = {"grade": row.grade, "quota": str(row.quota), "count": str(len(given))}
        if given:
            values.update(
                first=str(given[0].rank),
                last=str(given[-1].rank),
                high=plain(given[0].score),
                low=plain(given[-1].score),
            )
        steps.append(Step("rank_grade", values))
        if index in ties:
            steps.append(ties[index])
    return RankedGrades(
        people=tuple(people),
        counts={row.grade: len(members[index]) for index, row in enumerate(found.grades)},
        quotas=found,
        steps=tuple(steps),
    )
