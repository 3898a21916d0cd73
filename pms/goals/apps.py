from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "pms.goals"
    label = "goals"
    verbose_name = _("Goals")

    def ready(self) -> None:
        from pms.core.demo_steps import register_demo_step
        from pms.goals import events, importers  # noqa: F401  (register events and import kinds)
        from pms.goals.demo import run_demo_step

        register_demo_step("goals", run_demo_step, order=10)
