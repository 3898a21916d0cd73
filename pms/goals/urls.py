from pms.goals.views import (
    adjustments,
    agreement,
    goal_files,
    goal_list,
    indicators,
    periods,
    scorecards,
    strategy,
    templates,
)

app_name = "goals"

urlpatterns = [
    *periods.urlpatterns,
    *goal_list.urlpatterns,
    *indicators.urlpatterns,
    *strategy.urlpatterns,
    *scorecards.urlpatterns,
    *agreement.urlpatterns,
    *templates.urlpatterns,
    *adjustments.urlpatterns,
    *goal_files.urlpatterns,
]
