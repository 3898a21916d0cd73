"""Goal files (/goals/files/): import scorecard goals and department goals from an .xlsx or
.csv file, follow the check and apply it; download templates and exports.

- The page is for those who may import (company-wide HR, system admins, HRBPs for their
  scope) or export (HR, managers, department heads); anyone else gets "not found".
- Uploading is for importers only: a user who sees the page for its exports gets
  "forbidden". An import job is seen by company-wide HR and system admins, or by the HRBP
  who uploaded it; anyone else gets "not found".
- An export holds what ``access.scorecards_visible`` / ``access.plan_goals_visible`` let
  the user see, for one period and optionally one department with its subtree.

The organisation's import pages are for the organisation kinds only; these pages reuse
their error list and status partials.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
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

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.import_pages import (
    apply_import,
    import_actor,
    render_import_detail,
    render_import_progress,
)
from pms.core.imports import FORMATS, import_job_create
from pms.core.models import ImportJob
from pms.core.pagination import paginate
from pms.core.workbooks import Sheet, write_workbook
from pms.goals import access
from pms.goals.exporters import goals as exporters
from pms.goals.importers.goal_files import (
    DEPARTMENT_GOAL_IMPORTER,
    GOAL_KINDS,
    SCORECARD_GOAL_IMPORTER,
    SCORECARD_GOALS,
    SCORECARD_GOALS_REPLACE,
)
from pms.goals.models import Period
from pms.goals.selectors.periods import current_period
from pms.goals.views import principal_of
from pms.org.access import departments_visible
from pms.org.forms import DepartmentChoiceField
from pms.org.models import Department
from pms.org.roles import Principal

_IMPORTERS = (SCORECARD_GOAL_IMPORTER, DEPARTMENT_GOAL_IMPORTER)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_see_page(principal: Principal) -> bool:
    return access.can_import_goals(principal) or access.can_export_goals(principal)


class GoalImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=[(importer.kind, importer.label) for importer in _IMPORTERS],
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace each scorecard's goals"),
        required=False,
        help_text=gettext_lazy(
            "Scorecard goals only: goals on the scorecards of the people in the file that the "
            "file does not list are removed. Without this, they are left alone."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An .xlsx or .csv file with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def job_kind(self) -> str:
        kind = str(self.cleaned_data["kind"])
        if kind == SCORECARD_GOALS and self.cleaned_data.get("replace"):
            return SCORECARD_GOALS_REPLACE
        return kind


class GoalExportForm(forms.Form):
    """The filters of an export: a period, optionally a department and its subtree."""

    period = forms.ModelChoiceField(
        label=gettext_lazy("Period"), queryset=Period.objects.none(), to_field_name="uuid"
    )
    department = DepartmentChoiceField(
        Department.objects.none(),
        label=gettext_lazy("Department"),
        required=False,
        empty_label=gettext_lazy("Whole company"),
        help_text=gettext_lazy("With every department below it."),
    )

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = access.periods_visible(principal)  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments_visible(principal).order_by("path")  # type: ignore[attr-defined]


def _default_period(principal: Principal) -> Period | None:
    return current_period(access.periods_visible(principal))


def _page(
    request: HttpRequest,
    principal: Principal,
    form: GoalImportForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    may_import = access.can_import_goals(principal)
    may_export = access.can_export_goals(principal)
    if may_import and form is None:
        form = GoalImportForm(initial={"kind": request.GET.get("kind", SCORECARD_GOALS)})
    export_form = None
    if may_export:
        default = _default_period(principal)
        export_form = GoalExportForm(
            initial={"period": default.uuid if default else None}, principal=principal
        )
    jobs = access.goal_imports_visible(principal, GOAL_KINDS).select_related("created_by")
    return render(
        request,
        "goals/files/index.html",
        {
            "form": form if may_import else None,
            "export_form": export_form,
            "may_import": may_import,
            "may_export": may_export,
            "importers": _IMPORTERS,
            "formats": FORMATS,
            "page": paginate(request, jobs) if may_import else None,
            "title": _("Goal files"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def files(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not _may_see_page(principal):
        raise NotFound
    if request.method != "POST":
        return _page(request, principal, None)
    if not access.can_import_goals(principal):
        raise Forbidden
    form = GoalImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = import_job_create(
                actor=import_actor(request),
                kind=form.job_kind(),
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("goals:goal_file_import", uuid=job.uuid)
    return _page(request, principal, form, status=400)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field_name, errors in exc.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _job_for(request: HttpRequest, uuid: object) -> ImportJob:
    jobs = access.goal_imports_visible(principal_of(request), GOAL_KINDS)
    return get_visible(jobs.select_related("created_by"), uuid=uuid)


@login_required
@require_GET
def import_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_detail(request, _job_for(request, uuid), "goals/files/import_detail.html")


@login_required
@require_GET
def import_progress(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_progress(request, _job_for(request, uuid), "goals/files/_progress.html")


@login_required
@require_POST
def import_apply(request: HttpRequest, uuid: object) -> HttpResponse:
    job = _job_for(request, uuid)
    return apply_import(request, job, reverse("goals:goal_file_import", kwargs={"uuid": job.uuid}))


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _file_response(fmt: str, filename: str, sheets: list[Sheet]) -> HttpResponseBase:
    if fmt == "csv":
        first = sheets[0]
        response: HttpResponseBase = StreamingHttpResponse(
            exporters.csv_chunks(first.header, first.rows),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = FileResponse(write_workbook(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(f"{filename}.{fmt}")
    return response


@login_required
@require_GET
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    if not _may_see_page(principal_of(request)):
        raise NotFound
    if kind not in exporters.EXPORT_KINDS or fmt not in FORMATS:
        raise NotFound
    name = f"{exporters.FILE_TITLES[kind]}导入模板"
    return _file_response(fmt, name, exporters.template_sheets(kind))


@login_required
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    principal = principal_of(request)
    if not access.can_export_goals(principal):
        raise NotFound
    if kind not in exporters.EXPORT_KINDS or fmt not in FORMATS:
        raise NotFound
    form = GoalExportForm(request.GET, principal=principal)
    if not form.is_valid():
        # an unknown or invisible period or department: nothing to hand out
        raise NotFound
    filters = exporters.GoalExportFilters(
        period=form.cleaned_data["period"], department=form.cleaned_data["department"]
    )
    stamp = dt.date.today().strftime("%Y%m%d")
    parts = [exporters.FILE_TITLES[kind], filters.period.name]
    if filters.department is not None:
        parts.append(filters.department.name)
    return _file_response(
        fmt, "-".join([*parts, stamp]), exporters.export_sheets(kind, principal, filters)
    )


urlpatterns: list[URLPattern] = [
    path("files/", files, name="goal_files"),
    path("files/template/<str:kind>.<str:fmt>", template, name="goal_file_template"),
    path("files/export/<str:kind>.<str:fmt>", export, name="goal_file_export"),
    path("files/imports/<uuid:uuid>/", import_detail, name="goal_file_import"),
    path("files/imports/<uuid:uuid>/progress/", import_progress, name="goal_file_import_progress"),
    path("files/imports/<uuid:uuid>/apply/", import_apply, name="goal_file_import_apply"),
]
