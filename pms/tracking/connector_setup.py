"""Registers what data connectors add to the running system: the failure event, the
periodic job that starts due runs, and the demo's example connector. Called from
``TrackingConfig.ready``."""

from __future__ import annotations

from datetime import timedelta

RUN_CONNECTORS = "tracking.run_connectors"


def register_connectors() -> None:
    from pms.core.demo_steps import register_demo_step
    from pms.core.periodic import register_periodic
    from pms.tracking.connector_demo import run_connector_demo_step
    from pms.tracking.connector_events import register_connector_events
    from pms.tracking.services.connector_runs import connectors_run_due

    register_connector_events()
    register_periodic(RUN_CONNECTORS, every=timedelta(minutes=1), run=connectors_run_due)
    register_demo_step("tracking_connectors", run_connector_demo_step, order=25)
