"""The calibration pages: one module per area, each with its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from pms.calibration.views import boards, entries, export, grid, sessions, settings

urlpatterns: list[URLPattern | URLResolver] = [
    # each area appends its patterns here (one line per area)
    *settings.urlpatterns,
    *sessions.urlpatterns,
    *grid.urlpatterns,
    *entries.urlpatterns,
    *boards.urlpatterns,
    *export.urlpatterns,
]
