"""Notifications for the demo company: the managers' inboxes hold the scorecards their
people submitted, the people's hold the approvals and returns of their goals, some already
read. Inbox rows only: nothing is e-mailed or posted from these. (The goals step's
adjustments go through the services and notify their deciders the ordinary way.)"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from pms.comms.models import Notification
from pms.goals import events as goal_events
from pms.goals.models import Scorecard, ScorecardStatus

LIMIT = 60


@transaction.atomic
def seed_comms_demo(*, seed: int) -> int:
    rng = random.Random(seed)  # noqa: S311 (demo data, reproducible per seed)
    cards = list(
        Scorecard.objects.filter(
            employee__user__isnull=False,
            status__in=[
                ScorecardStatus.SUBMITTED,
                ScorecardStatus.APPROVED,
                ScorecardStatus.SIGNED,
            ],
        )
        .select_related("employee__manager", "period", "approved_by")
        .order_by("id")[: LIMIT * 4]
    )
    rng.shuffle(cards)
    now = timezone.now()
    rows: list[Notification] = []
    times: list[dt.datetime] = []
    for card in cards[:LIMIT]:
        employee = card.employee
        url = f"/goals/scorecards/{card.uuid}/"
        created = now - dt.timedelta(hours=rng.randint(1, 24 * 20))
        read_at = created + dt.timedelta(hours=2) if rng.random() < 0.4 else None
        if card.status == ScorecardStatus.SUBMITTED:
            manager = employee.manager
            if manager is None or manager.user_id is None:
                continue
            rows.append(
                Notification(
                    recipient_id=manager.user_id,
                    event=goal_events.SCORECARD_SUBMITTED,
                    params={"employee": employee.name, "period": card.period.name},
                    url=url,
                    key=f"demo:{card.uuid}",
                    read_at=read_at,
                )
            )
            times.append(created)
        elif employee.user_id is not None:
            approver = card.approved_by
            rows.append(
                Notification(
                    recipient_id=employee.user_id,
                    event=goal_events.SCORECARD_APPROVED,
                    params={
                        "period": card.period.name,
                        "approver": approver.display_name if approver is not None else "",
                        "comment": "",
                    },
                    url=url,
                    key=f"demo:{card.uuid}",
                    read_at=read_at,
                )
            )
            times.append(created)
    made = Notification.objects.bulk_create(rows)
    # auto_now_add ignores a given time: spread the creation times over the last weeks
    for row, when in zip(made, times, strict=True):
        row.created_at = when
    Notification.objects.bulk_update(made, ["created_at"])
    return len(made)


def run_demo_step(seed: int) -> str:
    if Notification.objects.filter(key__startswith="demo:").exists():
        return "Notifications: nothing to do."
    count = seed_comms_demo(seed=seed)
    return f"Notifications: {count} in the demo people's inboxes."
