"""Background work of tracking. Tasks take plain data or ids and call a service; running one
again recomputes the same figures."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_touched(pairs: list[str]) -> int:
    """Recompute the goals whose values changed; ``pairs`` are ``"subject|measure"``."""
    from pms.tracking.services.progress import goals_touched, progress_recompute

    touched = {(p.split("|", 1)[0], p.split("|", 1)[1]) for p in pairs}
    return progress_recompute(goal_ids=goals_touched(touched))


@task()
def recompute_batch(batch_id: int) -> int:
    """Recompute the goals whose values a batch (a large upload or push) recorded."""
    from pms.tracking.services.progress import (
        goals_touched,
        progress_recompute,
        touched_by_batch,
    )

    return progress_recompute(goal_ids=goals_touched(touched_by_batch(batch_id)))
