from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "pms.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from pms.org import importers  # noqa: F401  (registers the org import kinds)
