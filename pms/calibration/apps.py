from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalibrationConfig(AppConfig):
    name = "pms.calibration"
    label = "calibration"
    verbose_name = _("Calibration")
