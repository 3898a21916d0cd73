"""The results pages: one module per area, each with its own ``urlpatterns``."""

from django.urls import URLPattern, URLResolver

from pms.outcomes.views import appeals, interviews, results
from pms.outcomes.views import idp as idp_views
from pms.outcomes.views import pay as pay_views
from pms.outcomes.views import pip as pip_views
from pms.outcomes.views import promotion as promotion_views
from pms.outcomes.views import settings as settings_views
from pms.outcomes.views import training as training_views

urlpatterns: list[URLPattern | URLResolver] = [
    # each area appends its patterns here (one line per area)
    *results.urlpatterns,
    *interviews.urlpatterns,
    *appeals.urlpatterns,
    *pip_views.urlpatterns,
    *idp_views.urlpatterns,
    *pay_views.urlpatterns,  # bonus and raise plans, their imports
    *promotion_views.urlpatterns,
    *training_views.urlpatterns,
    *settings_views.urlpatterns,
]
