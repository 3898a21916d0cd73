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


@task()
def compute_pay_plan(
    *,
    kind: str,
    plan_id: int,
    user_id: int | None,
    channel: str,
    requested_at: str,
    language: str,
) -> bool:
    """Compute a large bonus or raise plan (``services.pay_lines.plan_compute_run``); a
    job taken already, or one asked for again since, does nothing."""
    import datetime as dt

    from pms.outcomes.services.bonus import COMPUTING as BONUS
    from pms.outcomes.services.pay_lines import plan_compute_run
    from pms.outcomes.services.raises import COMPUTING as RAISE

    computing = {BONUS.name: BONUS, RAISE.name: RAISE}[kind]
    return plan_compute_run(
        computing=computing,
        plan_id=plan_id,
        user_id=user_id,
        channel=channel,
        requested_at=dt.datetime.fromisoformat(requested_at),
        language=language,
    )
