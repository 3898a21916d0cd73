"""Background work of reviews. Tasks take ids, load, call a service; running one again once
its job has moved on does nothing."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_cycle(run_id: int, snapshot_id: int | None = None) -> None:
    """Recompute (and, for a freeze, lock) every review of a cycle, batch by batch."""
    from pms.reviews.services.recompute import recompute_run_execute

    recompute_run_execute(run_id=run_id, snapshot_id=snapshot_id)


@task()
def launch_cycle(cycle_id: int) -> None:
    """Carry out a cycle's launch (``services.launch.cycle_launch_execute``)."""
    from pms.reviews.services.launch import cycle_launch_execute

    cycle_launch_execute(cycle_id=cycle_id)


@task()
def notify_phase_opened(cycle_id: int, phase: str) -> None:
    """Tell the raters of a phase that has just opened (``services.phases``)."""
    from pms.reviews.services.phases import phase_opened_notify

    phase_opened_notify(cycle_id=cycle_id, phase=phase)


@task()
def send_reminders(cycle_id: int, reminded_at: str) -> None:
    """Write to the raters HR reminded in bulk (``services.phases.ratings_remind``)."""
    import datetime as dt

    from pms.reviews.services.phases import reminders_send

    reminders_send(cycle_id=cycle_id, reminded_at=dt.datetime.fromisoformat(reminded_at))


@task()
def refresh_results(review_ids: list[int]) -> None:
    """Recompute a few reviews after a rating was submitted (``services.recompute``)."""
    from pms.reviews.services.recompute import results_refresh

    results_refresh(review_ids=review_ids)
