from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalibrationConfig(AppConfig):
    name = "pms.calibration"
    label = "calibration"
    verbose_name = _("Calibration")

    def ready(self) -> None:
        from pms.calibration.demo import run_calibration_demo
        from pms.calibration.exporters import (
            GRID_EXPORT,
            grid_export_allowed,
            grid_export_build,
        )
        from pms.calibration.services.sessions import sessions_guard
        from pms.core.exports import register_export
        from pms.reviews.demo import register_demo_phase_step
        from pms.reviews.models import Phase
        from pms.reviews.phase_hooks import register_phase_guard

        # results wait until every opened calibration session of the cycle is closed
        register_phase_guard("calibration.sessions_closed", sessions_guard)
        register_demo_phase_step(Phase.CALIBRATION, "calibration", run_calibration_demo)
        # the session grid as an .xlsx file, built in the background
        register_export(
            GRID_EXPORT,
            label=_("Calibration grid"),
            build=grid_export_build,
            allowed=grid_export_allowed,
        )
