from django.urls import path

from pms.core import export_pages, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit"),
    *export_pages.urlpatterns,
]
