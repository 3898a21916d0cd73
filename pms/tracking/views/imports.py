"""Importing actual values (/tracking/imports/): upload an .xlsx or .csv file, follow the
check, apply it; download the template.

- The pages are for those who may import actual values (``access.can_import_actuals``:
  company-wide HR, system admins, HRBPs for their scope); anyone else gets "not found".
- A job is seen by company-wide HR and system admins, or by the HRBP who uploaded it.
- The job's page, its progress fragment and "apply" are the ones every import shares
  (``pms.core.import_pages``).
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import NotFound, get_visible
from pms.core.import_pages import (
    apply_import,
    import_actor,
    render_import_detail,
    render_import_progress,
)
from pms.core.imports import FORMATS, import_job_create
from pms.core.models import ImportJob
from pms.core.pagination import paginate
from pms.core.workbooks import write_workbook
from pms.goals.exporters.goals import csv_chunks
from pms.org.roles import Principal
from pms.org.views import principal_of
from pms.tracking import access
from pms.tracking.importers import ACTUALS
from pms.tracking.importers.actuals import KIND
from pms.tracking.importers.template import FILE_TITLE, template_sheets

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ActualImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An .xlsx or .csv file with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


def _importer_principal(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not access.can_import_actuals(principal):
        raise NotFound
    return principal


def _page(
    request: HttpRequest, principal: Principal, form: ActualImportForm, *, status: int = 200
) -> HttpResponse:
    jobs = access.actual_imports_visible(principal).select_related("created_by")
    return render(
        request,
        "tracking/imports.html",
        {
            "form": form,
            "formats": FORMATS,
            "page": paginate(request, jobs),
            "title": _("Import actual values"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    principal = _importer_principal(request)
    if request.method != "POST":
        return _page(request, principal, ActualImportForm())
    form = ActualImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = import_job_create(
                actor=import_actor(request), kind=KIND, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            return redirect("tracking:import", uuid=job.uuid)
    return _page(request, principal, form, status=400)


def _job_for(request: HttpRequest, uuid: object) -> ImportJob:
    jobs = access.actual_imports_visible(principal_of(request))
    return get_visible(jobs.select_related("created_by"), uuid=uuid)


@login_required
@require_GET
def import_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_detail(request, _job_for(request, uuid), "tracking/import_detail.html")


@login_required
@require_GET
def import_progress(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_progress(request, _job_for(request, uuid), "tracking/import_progress.html")


@login_required
@require_POST
def import_apply(request: HttpRequest, uuid: object) -> HttpResponse:
    job = _job_for(request, uuid)
    return apply_import(request, job, reverse("tracking:import", kwargs={"uuid": job.uuid}))


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponseBase:
    _importer_principal(request)
    if fmt not in FORMATS:
        raise NotFound
    sheets = template_sheets(ACTUALS)
    response: HttpResponseBase
    if fmt == "csv":
        first = sheets[0]
        response = StreamingHttpResponse(
            csv_chunks(first.header, first.rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = FileResponse(write_workbook(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(FILE_TITLE)}.{fmt}"
    return response


urlpatterns: list[URLPattern] = [
    path("imports/", imports, name="imports"),
    path("imports/template.<str:fmt>", import_template, name="import_template"),
    path("imports/<uuid:uuid>/", import_detail, name="import"),
    path("imports/<uuid:uuid>/progress/", import_progress, name="import_progress"),
    path("imports/<uuid:uuid>/apply/", import_apply, name="import_apply"),
]
