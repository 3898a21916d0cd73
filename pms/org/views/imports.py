"""Import and export pages: upload a file, see the check, apply it; download templates and
exports. Only company-wide HR admins and system admins import (others get "not found");
HR admins and HRBPs export what their scope covers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
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
from pms.org import access, exporters
from pms.org.importers import DEPARTMENTS, EMPLOYEES, ORG_KINDS, POSITIONS
from pms.org.roles import Principal
from pms.org.views import principal_of

_IMPORTERS = (DEPARTMENTS, POSITIONS, EMPLOYEES)


def _require_import(principal: Principal) -> None:
    if not access.can_import(principal):
        raise NotFound


def _jobs(principal: Principal) -> QuerySet[ImportJob]:
    """Import jobs of the organisation kinds, for the people who may import."""
    if not access.can_import(principal):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(kind__in=ORG_KINDS).select_related("created_by")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=[(importer.kind, importer.label) for importer in _IMPORTERS],
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An .xlsx or .csv file with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_import(principal)
    status = 200
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_job_create(
                    actor=import_actor(request),
                    kind=form.cleaned_data["kind"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("org:import", uuid=job.uuid)
        status = 400
    else:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind", EMPLOYEES.kind)})
    page = paginate(request, _jobs(principal))
    return render(
        request,
        "org/imports.html",
        {
            "form": form,
            "page": page,
            "importers": _IMPORTERS,
            "formats": FORMATS,
            "title": _("Import"),
        },
        status=status,
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _job_for(request: HttpRequest, uuid: object) -> ImportJob:
    return get_visible(_jobs(principal_of(request)), uuid=uuid)


@login_required
@require_GET
def detail(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_detail(request, _job_for(request, uuid), "org/import_detail.html")


@login_required
@require_GET
def progress(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_progress(request, _job_for(request, uuid), "org/_import_progress.html")


@login_required
@require_POST
def apply(request: HttpRequest, uuid: object) -> HttpResponse:
    job = _job_for(request, uuid)
    return apply_import(request, job, reverse("org:import", kwargs={"uuid": job.uuid}))


def _file_response(
    kind: str,
    fmt: str,
    header: list[str],
    rows: Any,
    *,
    label: str,
    notes: list[list[str]] | None = None,
) -> HttpResponseBase:
    stamp = dt.date.today().strftime("%Y%m%d")
    filename = f"{label}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exporters.csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = _attachment(filename)
        return response
    content = exporters.write_xlsx(
        header, rows, title=exporters.export_title(kind), notes=notes or []
    )
    file_response = FileResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    file_response["Content-Disposition"] = _attachment(filename)
    return file_response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@login_required
@require_GET
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    _require_import(principal_of(request))
    if kind not in ORG_KINDS or fmt not in FORMATS:
        raise NotFound
    return _file_response(
        kind,
        fmt,
        exporters.headers(kind),
        [exporters.example_row(kind)],
        label=f"{exporters.export_title(kind)}导入模板",
        notes=exporters.notes_rows(kind),
    )


@login_required
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    principal = principal_of(request)
    if not access.can_export_employees(principal):
        raise NotFound
    if kind not in exporters.EXPORT_KINDS or fmt not in FORMATS:
        raise NotFound
    filters = exporters.EmployeeExportFilters.from_query(request.GET)
    return _file_response(
        kind,
        fmt,
        exporters.headers(kind),
        exporters.export_rows(kind, principal, filters),
        label=exporters.export_title(kind),
    )
