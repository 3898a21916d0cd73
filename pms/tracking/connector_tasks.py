"""Background runs of data connectors. A task takes the connector's id and the moment it
was claimed; when the claim is no longer that one (the run happened, or the claim was given
up as abandoned and taken again), the task does nothing."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def run_connector(connector_id: int, claimed_at: str, user_id: int | None = None) -> str:
    from pms.accounts.models import User
    from pms.core.audit import Actor
    from pms.tracking.models import Connector
    from pms.tracking.services.connector_runs import connector_run

    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None:
        return ""
    claimed = dt.datetime.fromisoformat(claimed_at)
    if connector.running_since != claimed:
        return ""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    actor = Actor(user=user) if user is not None else Actor.system()
    return connector_run(connector=connector, actor=actor, claimed_at=claimed).status
