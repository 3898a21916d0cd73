"""The pages every import has in common: a job's result, its progress fragment and
"apply". Each app's views find the job through their own access rule and pass it here
with their templates and the address of the job's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from pms.core.audit import Actor
from pms.core.htmx import is_htmx
from pms.core.imports import import_job_start_apply
from pms.core.models import AuditChannel, ImportJob, ImportStatus
from pms.core.pagination import paginate


def import_actor(request: HttpRequest) -> Actor:
    """The signed-in user, writing through the import channel."""
    user = request.user
    return Actor(
        user=None if isinstance(user, AnonymousUser) else user,
        channel=AuditChannel.IMPORT,
    )


def render_import_detail(request: HttpRequest, job: ImportJob, template: str) -> HttpResponse:
    """The job's page: its status, counts and one page of the rows it refused."""
    return render(
        request,
        template,
        {
            "job": job,
            "errors": paginate(request, job.row_errors.all()),
            "title": _("Import %(name)s") % {"name": job.original_name},
        },
    )


def render_import_progress(request: HttpRequest, job: ImportJob, template: str) -> HttpResponse:
    """The progress fragment the job's page polls; once the step has ended, the page
    reloads to show the counts and the errors."""
    response = render(request, template, {"job": job})
    if is_htmx(request) and not job.is_running:
        response["HX-Refresh"] = "true"
    return response


def apply_import(request: HttpRequest, job: ImportJob, job_url: str) -> HttpResponseRedirect:
    """Start writing a checked file and say how it went on the job's page."""
    try:
        job = import_job_start_apply(actor=import_actor(request), job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if job.is_running:
            messages.info(request, _("The import is being applied in the background."))
        elif job.status == ImportStatus.APPLIED:
            messages.success(request, _("The import has been applied."))
        else:
            messages.error(request, job.message or _("The import could not be applied."))
    return HttpResponseRedirect(job_url)
