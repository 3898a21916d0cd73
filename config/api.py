"""The one NinjaAPI at /api/v1/. Each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="绩效 API", version="1", urls_namespace="api")
