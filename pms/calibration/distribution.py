"""A session's distribution rule, pools and deviations, and nine-box boxes: the glue
between the stored JSON and the pure math in ``pms.scoring.distribution`` / ``ninebox``.

Pools follow the department tree below the session's departments: a department with
fewer people than the session's smallest group (counting the small departments pooled
into it) is pooled into its parent, so a team of four is never forced to have an S and a
D; a pool still too small at the top is shown but not held to the rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from pms.calibration.models import CalibrationEntry, CalibrationSession
from pms.goals.rules import rule_error_message
from pms.org.models import Department
from pms.scoring.distribution import (
    DEFAULT_DISTRIBUTION,
    Deviation,
    DistributionRule,
    Quotas,
    Unit,
    deviation,
    distribution_rule_from_data,
    pools,
    quotas,
)
from pms.scoring.errors import ScoringError
from pms.scoring.ninebox import (
    DEFAULT_PERFORMANCE_LEVELS,
    box_number,
    check_performance_levels,
)

DEFAULT_LEVELS: dict[str, str] = {g: str(level) for g, level in DEFAULT_PERFORMANCE_LEVELS.items()}


def default_rule_data() -> list[dict[str, str]]:
    return [
        {"grade": s.grade, "share": str(s.share), "mode": str(s.mode)}
        for s in DEFAULT_DISTRIBUTION.shares
    ]


def _rule(data: Sequence[Mapping[str, Any]], min_group_size: int) -> DistributionRule:
    return distribution_rule_from_data({"grades": list(data), "min_group_size": min_group_size})


def check_rule(
    data: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]
) -> list[dict[str, str]]:
    """The rule's grades normalised for storage; a translated message in ``errors``."""
    try:
        rule = _rule(data, 0)
    except ScoringError as error:
        errors.setdefault("distribution", []).append(rule_error_message(error))
        return []
    return [
        {"grade": s.grade, "share": format(s.share.normalize(), "f"), "mode": str(s.mode)}
        for s in rule.shares
    ]


def check_levels(
    mapping: Mapping[str, str], grades: Sequence[str], errors: dict[str, list[str]]
) -> dict[str, str]:
    if not grades:
        return {}
    try:
        checked = check_performance_levels(mapping, grades)
    except ScoringError as error:
        errors.setdefault("performance_levels", []).append(rule_error_message(error))
        return {}
    return {g: str(level) for g, level in checked.items()}


def session_rule(session: CalibrationSession) -> DistributionRule:
    data = session.distribution or default_rule_data()
    return _rule(data, session.min_group_size)


def rule_grades(session: CalibrationSession) -> tuple[str, ...]:
    return session_rule(session).grades


def box_for(grade: str, potential: str, levels: Mapping[str, str]) -> int | None:
    """The nine-box of a grade and a potential, or None until both are there."""
    if not grade or not potential:
        return None
    level = (levels or DEFAULT_LEVELS).get(grade)
    if level is None:
        return None
    return box_number(level, potential)


def pool_keys(session: CalibrationSession, department_ids: Iterable[int]) -> dict[int, str]:
    """The pool (a department id as text) of every department with people in the session."""
    counts = Counter(department_ids)
    if not counts:
        return {}
    rows = dict(Department.objects.filter(pk__in=counts).values_list("pk", "path"))
    # the departments on the way up from each one, so small teams pool into their parents
    ancestor_ids: set[int] = set()
    for path in rows.values():
        ancestor_ids.update(int(part) for part in path.strip("/").split("/") if part)
    parents = dict(Department.objects.filter(pk__in=ancestor_ids).values_list("pk", "parent_id"))
    parents.update(Department.objects.filter(pk__in=counts).values_list("pk", "parent_id"))
    # the tree stops at the session's own departments: a small team is pooled up to them,
    # never into a department above them the session does not cover
    chosen = list(session.departments.values_list("pk", "path"))
    tops = {
        pk
        for pk, path in chosen
        if not any(path != other and path.startswith(other) for _pk, other in chosen)
    }
    units = [
        Unit(
            key=str(pk),
            parent=str(parent)
            if parent is not None and parent in parents and pk not in tops
            else None,
            count=counts.get(pk, 0),
        )
        for pk, parent in parents.items()
    ]
    pooling = pools(units, session.min_group_size)
    return {pk: pooling.pool_of[str(pk)] for pk in counts}


@dataclass(frozen=True)
class PoolDeviation:
    key: str
    name: str
    deviation: Deviation
    quotas: Quotas

    @property
    def complies(self) -> bool:
        return self.deviation.complies


def deviations_of_session(
    session: CalibrationSession, *, entries: Any = None
) -> list[PoolDeviation]:
    """Each pool's grades against the rule, from the entries' current grades (2 queries)."""
    rule = session_rule(session)
    qs = entries if entries is not None else CalibrationEntry.objects.filter(session=session)
    sizes: Counter[str] = Counter()
    graded: dict[str, dict[str, int]] = {}
    for pool, grade, count in (
        qs.values_list("pool", "grade").annotate(n=Count("pk")).order_by("pool", "grade")
    ):
        sizes[pool] += count
        if grade in rule.grades:
            graded.setdefault(pool, {})[grade] = count
    names = dict(
        Department.objects.filter(pk__in=[int(k) for k in sizes if k.isdigit()]).values_list(
            "pk", "name"
        )
    )
    result = []
    for key, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        result.append(
            PoolDeviation(
                key=key,
                name=names.get(int(key), key) if key.isdigit() else key,
                deviation=deviation(rule, size, graded.get(key, {})),
                quotas=quotas(rule, size),
            )
        )
    return result
