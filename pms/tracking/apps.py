from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "pms.tracking"
    label = "tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from pms.core.demo_steps import register_demo_step
        from pms.core.periodic import register_periodic
        from pms.goals.rules import register_wording
        from pms.tracking import importers  # noqa: F401  (registers the actual-value import)
        from pms.tracking.demo import run_demo_step
        from pms.tracking.pace_text import PACE_ERROR_MESSAGES, PACE_STEP_SENTENCES
        from pms.tracking.services.progress import progress_refresh_running

        register_demo_step("tracking", run_demo_step, order=20)
        from pms.tracking.connector_setup import register_connectors

        register_connectors()  # data connectors: event, periodic job, demo step
        register_wording(errors=PACE_ERROR_MESSAGES, steps=PACE_STEP_SENTENCES)
        # expectations move with the calendar even when no value arrives
        register_periodic(
            "tracking.refresh_progress", every=timedelta(hours=24), run=progress_refresh_running
        )
