"""The pages every export has in common: a job's status (the fragment a page polls while
the file is being built, or a page of its own) and its download. Apps start a job from
their own page with ``pms.core.exports.export_start`` and show it with
``render_export_status``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from pms.core.access import NotFound, access_export_job
from pms.core.exports import KEEP_DAYS
from pms.core.htmx import is_htmx
from pms.core.models import ExportJob, ExportStatus
from pms.org.views import principal_of

STATUS_TEMPLATE = "core/export_status.html"


def export_status_context(job: ExportJob | None) -> dict[str, Any]:
    """What ``STATUS_TEMPLATE`` needs, for a page that includes it."""
    return {"job": job, "keep_days": KEEP_DAYS}


def render_export_status(request: HttpRequest, job: ExportJob) -> HttpResponse:
    """The job's status: the fragment for HTMX (it polls itself while the job runs), else
    a page of its own."""
    template = STATUS_TEMPLATE if is_htmx(request) else "core/export_page.html"
    return render(request, template, {**export_status_context(job), "title": job.kind_label})


@login_required
@require_GET
def export_status(request: HttpRequest, uuid: object) -> HttpResponse:
    job = access_export_job(principal_of(request), uuid)
    return render_export_status(request, job)


@login_required
@require_GET
def export_download(request: HttpRequest, uuid: object) -> FileResponse:
    job = access_export_job(principal_of(request), uuid)
    if job.status != ExportStatus.DONE or not job.file:
        raise NotFound
    try:
        handle = job.file.open("rb")
    except OSError:  # deleted from the storage behind our back
        raise NotFound from None
    return FileResponse(handle, as_attachment=True, filename=job.file_name)


urlpatterns: list[URLPattern] = [
    path("exports/<uuid:uuid>/", export_status, name="export"),
    path("exports/<uuid:uuid>/download/", export_download, name="export_download"),
]
