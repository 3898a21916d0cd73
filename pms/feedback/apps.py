from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "pms.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from pms.core.demo_steps import register_demo_step
        from pms.core.periodic import register_periodic
        from pms.feedback import events  # noqa: F401  (registers the feedback events)
        from pms.feedback.demo import run_demo_step
        from pms.feedback.services import anonymous_release, remind_24h

        register_periodic("feedback.remind_24h", every=timedelta(minutes=15), run=remind_24h)
        register_periodic(
            "feedback.anonymous_release", every=timedelta(days=1), run=anonymous_release
        )
        register_demo_step("feedback", run_demo_step, order=40)
