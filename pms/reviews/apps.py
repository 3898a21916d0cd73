from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "pms.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from pms.core.demo_steps import register_demo_step
        from pms.core.exports import register_export
        from pms.core.periodic import register_periodic
        from pms.goals.rules import register_wording
        from pms.reviews import events  # noqa: F401  (registers the review events)
        from pms.reviews.demo import run_demo_step
        from pms.reviews.explain import EXPLAIN_STEP_SENTENCES
        from pms.reviews.exporters import (
            MONITOR_EXPORT,
            monitor_export_allowed,
            monitor_export_build,
        )
        from pms.reviews.services.reminders import raters_remind
        from pms.reviews.wording import REVIEW_ERROR_MESSAGES, REVIEW_STEP_SENTENCES
        from pms.reviews.wording_outcomes import (
            OUTCOME_MATH_ERROR_MESSAGES,
            OUTCOME_MATH_STEP_SENTENCES,
        )

        # the sentences of the review codes of pms.scoring, and of the steps results add
        register_wording(errors=REVIEW_ERROR_MESSAGES, steps=REVIEW_STEP_SENTENCES)
        register_wording(errors={}, steps=EXPLAIN_STEP_SENTENCES)
        # calibration and outcomes: distribution, nine-box, bonus, raises, promotion
        register_wording(errors=OUTCOME_MATH_ERROR_MESSAGES, steps=OUTCOME_MATH_STEP_SENTENCES)
        register_periodic("reviews.remind_raters", every=timedelta(hours=1), run=raters_remind)
        register_demo_step("reviews", run_demo_step, order=50)
        register_export(
            MONITOR_EXPORT,
            label=_("Review monitor"),
            build=monitor_export_build,
            allowed=monitor_export_allowed,
        )
