from pms.goals.views import (
    adjustments,
    agreement,
    indicators,
    periods,
    scorecards,
    strategy,
    templates,
)

app_name = "goals"

urlpatterns = [
    *periods.urlpatterns,
    *indicators.urlpatterns,
    *strategy.urlpatterns,
    *scorecards.urlpatterns,
    *agreement.urlpatterns,
    *templates.urlpatterns,
    *adjustments.urlpatterns,
]
