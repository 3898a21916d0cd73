from pms.coaching.views import actions, cadence, checkins, followups, plans, resources

app_name = "coaching"

urlpatterns = [
    *checkins.urlpatterns,
    *actions.urlpatterns,
    *followups.urlpatterns,
    *plans.urlpatterns,
    *resources.urlpatterns,
    *cadence.urlpatterns,
]
