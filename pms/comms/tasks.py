"""Background sending. Tasks take ids and are idempotent: a delivery already sent (or not
due) is left alone."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django_tasks import task

logger = logging.getLogger(__name__)

# deliveries queued together in one task: telling 100,000 people queues a thousand tasks,
# not 100,000 (queueing is a database insert each). Every delivery in a chunk is still
# claimed, sent, recorded and retried on its own.
CHUNK = 100


@task()
def deliver_notification(delivery_id: int) -> str:
    from pms.comms.sending import delivery_send

    return delivery_send(delivery_id=delivery_id)


@task()
def deliver_notifications(delivery_ids: list[int]) -> dict[str, int]:
    """Send a chunk of deliveries one after the other. One that breaks is logged and left
    for the periodic job ``comms.retry_deliveries``; the rest of the chunk goes on."""
    from pms.comms.sending import delivery_send

    outcomes: Counter[str] = Counter()
    for delivery_id in delivery_ids:
        try:
            outcomes[delivery_send(delivery_id=delivery_id)] += 1
        except Exception:
            logger.exception("delivery %s not sent", delivery_id)
            outcomes["error"] += 1
    return dict(outcomes)


def enqueue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Queue the deliveries, ``CHUNK`` to a task. A queue failure is logged: the periodic
    job ``comms.retry_deliveries`` picks up deliveries left waiting."""
    ids = [int(delivery_id) for delivery_id in delivery_ids]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        try:
            deliver_notifications.enqueue(chunk)
        except Exception:
            logger.exception("deliveries %s… not queued", chunk[0])
