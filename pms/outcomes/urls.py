from pms.outcomes.views import urlpatterns

app_name = "outcomes"

__all__ = ["app_name", "urlpatterns"]
