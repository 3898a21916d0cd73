"""Importing a plan's inputs: bonus bases (工号, 奖金基数) or salaries with their range
(工号, 月薪, 薪级下限, 薪级上限) from an .xlsx or .csv file: upload for a plan, follow the
check, apply; the templates.

Company-wide HR and system admins only (an HRBP: "forbidden" on the upload, "not found"
for a job; anybody else "not found"). The job's page, its progress fragment and "apply"
are the ones every import shares (``pms.core.import_pages``).
"""

from __future__ import annotations

from urllib.parse import quote

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import NotFound
from pms.core.import_pages import (
    apply_import,
    import_actor,
    render_import_progress,
)
from pms.core.imports import FORMATS, Importer, get_importer
from pms.core.models import ImportJob
from pms.core.pagination import paginate
from pms.core.workbooks import Sheet, write_workbook
from pms.goals.exporters.goals import csv_chunks
from pms.org.forms import add_service_errors
from pms.org.views import posted, principal_of
from pms.outcomes import access
from pms.outcomes.forms.pay import PayImportForm
from pms.outcomes.importers.pay import BONUS_KIND, RAISE_KIND, pay_import_start
from pms.outcomes.models import BonusPlan, PayImport, RaisePlan
from pms.outcomes.views.pay_common import manager

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAMES = {BONUS_KIND: "奖金基数导入模板", RAISE_KIND: "薪资导入模板"}


def _upload(
    request: HttpRequest, plan: BonusPlan | RaisePlan, kind: str, plan_url: str
) -> HttpResponse:
    if access.is_plan_locked(plan):
        raise NotFound
    form = PayImportForm(posted(request), request.FILES or None)
    if form.is_bound and form.is_valid():
        try:
            job = pay_import_start(
                actor=import_actor(request), plan=plan, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("outcomes:pay_import", uuid=job.uuid)
    importer = get_importer(kind)
    if importer is None:  # pragma: no cover (both kinds are registered when the app is ready)
        raise NotFound
    return render(
        request,
        "outcomes/pay_import_upload.html",
        {
            "form": form,
            "plan": plan,
            "plan_url": plan_url,
            "kind": kind,
            "importer": importer,
            "formats": FORMATS,
            "title": _("Import for %(plan)s") % {"plan": plan.name},
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def bonus_import(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = manager(request)
    plan = access.access_bonus_plan(principal, uuid)
    return _upload(
        request, plan, BONUS_KIND, reverse("outcomes:bonus_plan", kwargs={"uuid": plan.uuid})
    )


@login_required
@require_http_methods(["GET", "POST"])
def raise_import(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = manager(request)
    plan = access.access_raise_plan(principal, uuid)
    return _upload(
        request, plan, RAISE_KIND, reverse("outcomes:raise_plan", kwargs={"uuid": plan.uuid})
    )


def _job_for(request: HttpRequest, uuid: object) -> tuple[ImportJob, PayImport]:
    return access.access_pay_import(principal_of(request), uuid)


def _plan_url(link: PayImport) -> str:
    if link.bonus_plan is not None:
        return reverse("outcomes:bonus_plan", kwargs={"uuid": link.bonus_plan.uuid})
    if link.raise_plan is None:  # pragma: no cover (the database holds one plan per link)
        raise NotFound
    return reverse("outcomes:raise_plan", kwargs={"uuid": link.raise_plan.uuid})


@login_required
@require_GET
def pay_import(request: HttpRequest, uuid: str) -> HttpResponse:
    job, link = _job_for(request, uuid)
    return render(
        request,
        "outcomes/pay_import_detail.html",
        {
            "job": job,
            "plan": link.bonus_plan or link.raise_plan,
            "plan_url": _plan_url(link),
            "errors": paginate(request, job.row_errors.all()),
            "title": _("Import %(name)s") % {"name": job.original_name},
        },
    )


@login_required
@require_GET
def pay_import_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    job, _link = _job_for(request, uuid)
    return render_import_progress(request, job, "outcomes/pay_import_progress.html")


@login_required
@require_POST
def pay_import_apply(request: HttpRequest, uuid: str) -> HttpResponse:
    job, _link = _job_for(request, uuid)
    return apply_import(request, job, reverse("outcomes:pay_import", kwargs={"uuid": job.uuid}))


def template_rows(importer: Importer) -> list[list[str]]:
    return [[column.example for column in importer.columns]]


@login_required
@require_GET
def pay_import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    manager(request)
    importer = get_importer(kind)
    if importer is None or kind not in TEMPLATE_NAMES or fmt not in FORMATS:
        raise NotFound
    header = [column.header for column in importer.columns]
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(header, template_rows(importer)), content_type="text/csv; charset=utf-8"
        )
    else:
        notes = Sheet(
            "说明",
            [_("Column"), _("Required"), _("What to enter")],
            [
                [column.header, _("Yes") if column.required else _("No"), str(column.help)]
                for column in importer.columns
            ],
        )
        sheets = [Sheet(str(importer.label), header, template_rows(importer)), notes]
        response = FileResponse(write_workbook(sheets), content_type=XLSX_TYPE)
    name = quote(TEMPLATE_NAMES[kind])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.{fmt}"
    return response


urlpatterns: list[URLPattern] = [
    path("pay/bonus/<uuid:uuid>/import/", bonus_import, name="bonus_import"),
    path("pay/raises/<uuid:uuid>/import/", raise_import, name="raise_import"),
    path("pay/imports/<uuid:uuid>/", pay_import, name="pay_import"),
    path("pay/imports/<uuid:uuid>/progress/", pay_import_progress, name="pay_import_progress"),
    path("pay/imports/<uuid:uuid>/apply/", pay_import_apply, name="pay_import_apply"),
    path(
        "pay/import-template/<str:kind>.<str:fmt>",
        pay_import_template,
        name="pay_import_template",
    ),
]
