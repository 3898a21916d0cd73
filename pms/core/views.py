from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pms.core import selectors
from pms.core.access import NotFound
from pms.core.pagination import paginate
from pms.org import access as org_access


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return JsonResponse(
            {"status": "error", "database": "unreachable", "message": str(exc)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"principal": request.principal})  # type: ignore[attr-defined]


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    if not org_access.can_read_audit(principal):
        raise NotFound
    filters = selectors.AuditFilters.from_query(request.GET)
    page = paginate(request, selectors.audit_entries(filters))
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "filters": filters,
            "object_types": selectors.audit_object_types(),
            "title": _("Audit log"),
        },
    )
