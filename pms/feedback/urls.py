from pms.feedback.views import urlpatterns

app_name = "feedback"

__all__ = ["app_name", "urlpatterns"]
