"""Background work of results. Tasks take ids, load, call a service; running one again
sends nothing twice."""

from __future__ import annotations

from django_tasks import task


@task()
def notify_results_published(cycle_id: int, published_at: str) -> None:
    """Tell the people whose results were just published (``services.release``)."""
    import datetime as dt

    from pms.outcomes.services.release import results_published_notify

    results_published_notify(
        cycle_id=cycle_id, published_at=dt.datetime.fromisoformat(published_at)
    )


@task()
def write_results(cycle_id: int, published_at: str, ack_deadline: str) -> None:
    """Write a large cycle's results and tell the people (``services.release``)."""
    import datetime as dt

    from pms.outcomes.services.release import results_write_execute

    results_write_execute(
        cycle_id=cycle_id,
        published_at=dt.datetime.fromisoformat(published_at),
        ack_deadline=dt.date.fromisoformat(ack_deadline),
    )
