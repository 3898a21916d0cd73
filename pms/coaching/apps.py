from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "pms.coaching"
    label = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        from pms.coaching import events  # noqa: F401  (registers the notification events)
        from pms.coaching.demo import run_demo_step
        from pms.coaching.services.scheduling import due_reminders, run_schedule
        from pms.core.demo_steps import register_demo_step
        from pms.core.periodic import register_periodic

        register_periodic("coaching.schedule_checkins", every=timedelta(days=1), run=run_schedule)
        register_periodic("coaching.due_reminders", every=timedelta(days=1), run=due_reminders)
        register_demo_step("coaching", run_demo_step, order=30)
