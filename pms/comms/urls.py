from django.urls import path

from pms.comms import views

app_name = "comms"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.preferences, name="preferences"),
    path("channels/", views.channels, name="channels"),
    path("robots/new/", views.robot_create, name="robot_create"),
    path("robots/<uuid:uuid>/", views.robot_edit, name="robot_edit"),
    path("robots/<uuid:uuid>/delete/", views.robot_delete, name="robot_delete"),
    path("robots/<uuid:uuid>/test/", views.robot_test, name="robot_test"),
    path("<uuid:uuid>/read/", views.mark_read, name="read"),
    path("<uuid:uuid>/open/", views.open_notification, name="open"),
]
