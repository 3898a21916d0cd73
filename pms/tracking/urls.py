from django.urls import path

from pms.tracking.views import calendar, connectors, imports, my_progress
from pms.tracking.views.boards import urlpatterns as board_urls

app_name = "tracking"

urlpatterns = [
    *board_urls,  # progress boards (/tracking/team/, departments/, company/)
    path("", my_progress.my_progress, name="my"),
    path("people/<uuid:uuid>/", my_progress.person_progress, name="person"),
    path("goals/<uuid:uuid>/", my_progress.goal_progress, name="goal"),
    path("goals/<uuid:uuid>/enter/", my_progress.goal_enter, name="goal_enter"),
    path("actuals/<uuid:uuid>/history/", my_progress.actual_history, name="actual_history"),
    path("snapshots/", my_progress.snapshots, name="snapshots"),
    *calendar.urlpatterns,  # the working calendar (/tracking/calendar/)
    *imports.urlpatterns,  # actual-value imports (/tracking/imports/…)
    *connectors.urlpatterns,  # data connectors (/tracking/connectors/…)
]
