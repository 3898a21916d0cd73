from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from pms.core.exports import exports_clean
        from pms.core.periodic import register_periodic

        register_periodic("core.clean_exports", every=timedelta(hours=1), run=exports_clean)
