"""Progress of a goal tree (cascaded goals, OKRs) and alignment coverage.

A parent with no progress of its own shows its children's progress, weighted by how much
each child contributes; a child with no progress yet is left out rather than counted as 0,
so a tree that has just started does not read as failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pms.scoring.decimals import HUNDRED, ZERO, q1, q2, require_finite
from pms.scoring.errors import ScoringError

__all__ = ["coverage", "rollup"]


def rollup(
    own: Decimal | None, children: Sequence[tuple[Decimal, Decimal | None]]
) -> Decimal | None:
    """A node's progress in percent (≥ 0, not capped above, two decimals).

    Its own progress when known; else the mean of the children's progress weighted by
    their contribution (``(weight, progress)`` pairs), over the children that have
    progress. When those children all weigh 0, they count equally. None when no child has
    progress.
    """
    if own is not None:
        return q2(max(require_finite(own, "own"), ZERO))
    known: list[tuple[Decimal, Decimal]] = []
    for weight, progress in children:
        require_finite(weight, "weight")
        if weight < 0:
            raise ScoringError("negative", {"field": "weight"})
        if progress is not None:
            known.append((weight, require_finite(progress, "progress")))
    if not known:
        return None
    total = sum((weight for weight, _progress in known), ZERO)
    if total == 0:
        known = [(Decimal(1), progress) for _weight, progress in known]
        total = Decimal(len(known))
    mean = sum((weight * progress for weight, progress in known), ZERO) / total
    return q2(max(mean, ZERO))


def coverage(covered: int, total: int) -> Decimal | None:
    """Percent of ``total`` that is ``covered`` (e.g. goals aligned upward), one decimal."""
    if covered < 0:
        raise ScoringError("negative", {"field": "covered"})
    if total < 0:
        raise ScoringError("negative", {"field": "total"})
    if covered > total:
        raise ScoringError("covered_above_total", {"covered": str(covered), "total": str(total)})
    if total == 0:
        return None
    return q1(Decimal(covered) / Decimal(total) * HUNDRED)
