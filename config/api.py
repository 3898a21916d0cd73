"""The one NinjaAPI at /api/v1/. Each app adds its router here."""

from pms.accounts.api import router as accounts_router
from pms.calibration.api import router as calibration_router
from pms.coaching.api import router as coaching_router
from pms.comms.api import router as comms_router
from pms.core.api import LocalSwagger, PmsNinjaAPI, SessionAuth, TokenAuth, install_error_handlers
from pms.feedback.api import router as feedback_router
from pms.goals.api import router as goals_router
from pms.org.api import router as org_router
from pms.outcomes.api import router as outcomes_router
from pms.reviews.api import router as reviews_router
from pms.tracking.api import router as tracking_router

api = PmsNinjaAPI(
    title="绩效 API",
    version="1",
    description=(
        "Send `Authorization: Bearer <token>` (tokens from `manage.py create_api_token`), "
        "or use the browser session. Every error answers "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=LocalSwagger(),
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", org_router)
api.add_router("", goals_router)
api.add_router("", tracking_router)
api.add_router("", coaching_router)
api.add_router("", feedback_router)
api.add_router("", reviews_router)
api.add_router("", calibration_router)
api.add_router("", outcomes_router)
api.add_router("", comms_router)
