from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "pms.outcomes"
    label = "outcomes"
    verbose_name = _("Results and their use")
