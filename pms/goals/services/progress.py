"""Progress figures that tracking computes and goals show (``Goal.progress``): attainment to
date in percent. A derived figure, recomputed from the actual values at any time, so it is
written in bulk and not audited; the values it comes from are."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pms.goals.models import Goal


def goals_progress_set(*, values: Mapping[int, Decimal | None], batch_size: int = 1000) -> int:
    """Write each goal's progress (goal id → percent, or None for no values yet)."""
    goals = [Goal(pk=pk, progress=progress) for pk, progress in values.items()]
    return Goal.objects.bulk_update(goals, ["progress"], batch_size=batch_size)
