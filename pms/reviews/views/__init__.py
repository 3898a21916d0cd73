"""The review pages: one module per area, each with its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from pms.reviews.views import composite, cycles, monitor, raters, ratings, results, review_settings
from pms.reviews.views import templates as review_templates

urlpatterns: list[URLPattern | URLResolver] = [
    # each area appends its patterns here (one line per area)
    *review_templates.urlpatterns,
    *raters.urlpatterns,
    *ratings.urlpatterns,
    *composite.urlpatterns,
    *review_settings.urlpatterns,
    *cycles.urlpatterns,
    *monitor.urlpatterns,
    *results.urlpatterns,
]
