"""The session grid as an .xlsx file: a background export (``pms.core.exports``) started
from the session page, which then shows its progress and the download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.calibration import access
from pms.calibration.exporters import GRID_EXPORT, grid_export_params
from pms.calibration.models import SessionStatus
from pms.core.export_pages import render_export_status
from pms.core.exports import export_start
from pms.core.htmx import is_htmx
from pms.org.views import actor_of, principal_of


@login_required
@require_POST
def grid_export(request: HttpRequest, uuid: object) -> HttpResponse:
    session = access.access_session(principal_of(request), uuid)
    if session.status == SessionStatus.DRAFT:
        messages.error(request, _("A session has people to export once it is open."))
        return redirect("calibration:session", uuid=session.uuid)
    try:
        job = export_start(
            actor=actor_of(request), kind=GRID_EXPORT, params=grid_export_params(session)
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("calibration:session", uuid=session.uuid)
    job.refresh_from_db()  # a worker may have started on it already
    if is_htmx(request):
        return render_export_status(request, job)
    messages.info(request, _("The file is being prepared; it will appear here when it is ready."))
    return redirect("calibration:session", uuid=session.uuid)


urlpatterns: list[URLPattern] = [
    path("<uuid:uuid>/export/", grid_export, name="export"),
]
