"""Background sending. Tasks take ids and are idempotent: a delivery already sent (or not
due) is left alone."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_notification(delivery_id: int) -> str:
    from pms.comms.sending import delivery_send

    return delivery_send(delivery_id=delivery_id)


def enqueue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Queue one task per delivery. A queue failure is logged: the periodic job
    ``comms.retry_deliveries`` picks up deliveries left waiting."""
    for delivery_id in delivery_ids:
        try:
            deliver_notification.enqueue(delivery_id)
        except Exception:
            logger.exception("delivery %s not queued", delivery_id)
