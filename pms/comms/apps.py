import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "pms.comms"
    label = "comms"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from pms.comms.core_events import register_core_events
        from pms.comms.demo import run_demo_step
        from pms.comms.sending import deliveries_retry
        from pms.core.demo_steps import register_demo_step
        from pms.core.periodic import register_periodic

        register_core_events()
        register_periodic(
            "comms.retry_deliveries", every=dt.timedelta(minutes=1), run=deliveries_retry
        )
        register_demo_step("comms", run_demo_step, order=90)
