"""The one NinjaAPI at /api/v1/. Each app adds its router here."""

from pms.accounts.api import router as accounts_router
from pms.core.api import LocalSwagger, PmsNinjaAPI, SessionAuth, TokenAuth, install_error_handlers
from pms.goals.api import router as goals_router
from pms.org.api import router as org_router

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
