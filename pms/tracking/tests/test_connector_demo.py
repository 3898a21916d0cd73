"""The demo's example connector: there to look at, switched off, reaching nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from pms.core.demo_steps import demo_steps
from pms.tracking.connector_demo import DEMO_NAME, run_connector_demo_step
from pms.tracking.models import Connector, ConnectorRun
from pms.tracking.services.connector_runs import connectors_run_due

pytestmark = pytest.mark.django_db


def test_the_demo_adds_one_disabled_example_that_never_runs() -> None:
    assert run_connector_demo_step(3) == "Connectors: 1 example connector (disabled)."

    example = Connector.objects.get()
    assert (example.name, example.enabled) == (DEMO_NAME, False)
    assert example.url.startswith("http://127.0.0.1:9/")
    assert example.mapping["employee_number"] == "salesRepNo"
    far_ahead = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert connectors_run_due(far_ahead) == 0
    assert not ConnectorRun.objects.exists()


def test_the_demo_step_runs_after_goals_and_only_once() -> None:
    step = next(s for s in demo_steps() if s.name == "tracking_connectors")
    assert step.order == 25
    run_connector_demo_step(3)

    assert run_connector_demo_step(3) == "Connectors: nothing to do."
    assert Connector.objects.count() == 1
