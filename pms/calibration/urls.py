from pms.calibration.views import urlpatterns

app_name = "calibration"

__all__ = ["app_name", "urlpatterns"]
