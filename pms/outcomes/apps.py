from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "pms.outcomes"
    label = "outcomes"
    verbose_name = _("Results and their use")

    def ready(self) -> None:
        from pms.core.periodic import register_periodic
        from pms.goals.rules import register_wording
        from pms.outcomes import events  # noqa: F401  (registers the results events)
        from pms.outcomes.services.release import releases_publish_due, results_opened
        from pms.outcomes.services.results import results_auto_confirm
        from pms.outcomes.wording import (
            COEFFICIENT_STEP_SENTENCES,
            OUTCOME_ERROR_MESSAGES,
            OUTCOME_STEP_SENTENCES,
        )
        from pms.reviews.phase_hooks import register_phase_opened

        # the coefficient codes of pms.scoring, and the steps published results add
        register_wording(errors=OUTCOME_ERROR_MESSAGES, steps=COEFFICIENT_STEP_SENTENCES)
        register_wording(errors={}, steps=OUTCOME_STEP_SENTENCES)
        # publishing is the cycle's results phase opening, whoever moves the cycle on
        register_phase_opened("outcomes.publish", results_opened)
        register_periodic(
            "outcomes.publish_scheduled", every=timedelta(hours=1), run=releases_publish_due
        )
        register_periodic(
            "outcomes.auto_confirm", every=timedelta(hours=1), run=results_auto_confirm
        )
        # pay, promotion and training: step wording, import kinds, exports
        from pms.outcomes.pay_registry import register_pay

        register_pay()
        # HR's list of a cycle's results as an .xlsx file
        from pms.outcomes.result_exporters import register_result_exports

        register_result_exports()
        # improvement plans: the checkpoint reminders (due today, then daily while overdue)
        from pms.outcomes.services.pip import pip_reminders

        register_periodic("outcomes.pip_reminders", every=timedelta(hours=1), run=pip_reminders)
        # the demo: the finished cycle's results are confirmed, appealed, discussed, planned
        from pms.outcomes.demo import run_outcomes_demo
        from pms.reviews.demo import register_demo_phase_step
        from pms.reviews.models import Phase

        register_demo_phase_step(Phase.RESULTS, "outcomes", run_outcomes_demo)
