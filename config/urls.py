from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from config.api import api
from pms.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("pms.accounts.urls")),
    path("org/", include("pms.org.urls")),
    path("goals/", include("pms.goals.urls")),
    path("tracking/", include("pms.tracking.urls")),
    path("coaching/", include("pms.coaching.urls")),
    path("feedback/", include("pms.feedback.urls")),
    path("reviews/", include("pms.reviews.urls")),
    path("calibration/", include("pms.calibration.urls")),
    path("results/", include("pms.outcomes.urls")),
    path("notifications/", include("pms.comms.urls")),
    path("", include("pms.core.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
