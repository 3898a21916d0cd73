"""The indicator library (指标库) pages: everyone in the company reads the enabled library;
its keepers (company-wide HR, system admins) also see disabled indicators, create, edit,
switch off and on, import and export.

Refusals: "not found" for people outside the company and for a disabled indicator asked for
by a non-keeper; "forbidden" for a colleague asking for a keeper's page or action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
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
from django.urls import path, reverse
from django.utils.translation import gettext as _
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
from pms.core.pagination import paginate, query_without_page
from pms.goals import access
from pms.goals.exporters import indicators as exporter
from pms.goals.forms.indicators import (
    IndicatorEditForm,
    IndicatorEnableForm,
    IndicatorFilterForm,
    IndicatorForm,
    IndicatorImportForm,
)
from pms.goals.importers import INDICATORS
from pms.goals.rules import describe_rule
from pms.goals.selectors import indicators as selectors
from pms.goals.services import indicators as services
from pms.goals.views import actor_of, is_htmx, posted, principal_of
from pms.org import exporters as org_exporters
from pms.org.access import is_member
from pms.org.forms import add_service_errors
from pms.org.roles import Principal

PER_PAGE = 50


def _require_keeper(principal: Principal) -> None:
    """Keeper pages: unknown to outsiders, forbidden to colleagues."""
    if not is_member(principal):
        raise NotFound
    if not access.can_manage_indicators(principal):
        raise Forbidden


# --- library --------------------------------------------------------------------------------


@login_required
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    keeper = access.can_manage_indicators(principal)
    form = IndicatorFilterForm(request.GET, keeper=keeper)
    page = paginate(
        request,
        selectors.indicator_list(access.indicators_visible(principal), form.filters()),
        per_page=PER_PAGE,
    )
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "can_change": keeper,
        "title": _("Indicator library"),
    }
    if is_htmx(request):
        return render(request, "goals/indicators/_results.html", context)
    return render(request, "goals/indicators/list.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    indicator = access.access_indicator(principal, uuid)
    keeper = access.can_manage_indicators(principal)
    return render(
        request,
        "goals/indicators/detail.html",
        {
            "indicator": indicator,
            "families": list(indicator.role_families.order_by("sort_order", "code")),
            "rule_in_words": describe_rule(indicator.scoring_rule),
            "use": selectors.indicator_use(indicator),
            "can_change": keeper,
            "enable_form": IndicatorEnableForm() if keeper else None,
            "entries": selectors.indicator_history(indicator) if keeper else None,
            "title": indicator.name,
        },
    )


def _form_page(request: HttpRequest, form: IndicatorForm, **context: Any) -> HttpResponse:
    return render(request, "goals/indicators/form.html", {"form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _require_keeper(principal_of(request))
    form = IndicatorForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(actor=actor_of(request), **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Indicator created."))
            return redirect("goals:indicator", uuid=indicator.uuid)
    return _form_page(
        request,
        form,
        title=_("New indicator"),
        submit_label=_("Create"),
        cancel_url=reverse("goals:indicators"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, uuid: object) -> HttpResponse:
    indicator = access.access_indicator_for_change(principal_of(request), uuid)
    form = IndicatorEditForm(posted(request), initial=IndicatorEditForm.initial_for(indicator))
    if request.method == "POST" and form.is_valid():
        changes = form.changes(indicator)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("goals:indicator", uuid=indicator.uuid)
        try:
            services.indicator_update(
                actor=actor_of(request),
                indicator=indicator,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("goals:indicator", uuid=indicator.uuid)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": indicator.name},
        submit_label=_("Save"),
        cancel_url=reverse("goals:indicator", args=[indicator.uuid]),
    )


@login_required
@require_POST
def set_enabled(request: HttpRequest, uuid: object) -> HttpResponse:
    indicator = access.access_indicator_for_change(principal_of(request), uuid)
    form = IndicatorEnableForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to enable or disable the indicator."))
        return redirect("goals:indicator", uuid=indicator.uuid)
    enabled = bool(form.cleaned_data["enabled"])
    services.indicator_set_enabled(
        actor=actor_of(request),
        indicator=indicator,
        enabled=enabled,
        reason=form.cleaned_data["reason"],
    )
    if enabled:
        messages.success(request, _("Indicator enabled: it can be chosen again."))
    else:
        messages.success(request, _("Indicator disabled: it can no longer be chosen."))
    return redirect("goals:indicator", uuid=indicator.uuid)


# --- spreadsheets ---------------------------------------------------------------------------


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _spreadsheet(
    fmt: str, label: str, rows: Any, notes: list[list[str]] | None = None
) -> HttpResponseBase:
    filename = f"{label}-{dt.date.today():%Y%m%d}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            org_exporters.csv_chunks(exporter.headers(), rows),
            content_type="text/csv; charset=utf-8",
        )
    else:
        content = org_exporters.write_xlsx(
            exporter.headers(), rows, title=exporter.TITLE, notes=notes or []
        )
        response = FileResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = _attachment(filename)
    return response


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    principal = principal_of(request)
    _require_keeper(principal)
    if fmt not in FORMATS:
        raise NotFound
    return _spreadsheet(
        fmt, exporter.TITLE, exporter.export_rows(access.indicators_visible(principal))
    )


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponseBase:
    _require_keeper(principal_of(request))
    if fmt not in FORMATS:
        raise NotFound
    return _spreadsheet(
        fmt, f"{exporter.TITLE}导入模板", exporter.example_rows(), exporter.notes_rows()
    )


def _jobs(principal: Principal) -> QuerySet[ImportJob]:
    if not access.can_manage_indicators(principal):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(kind=INDICATORS.kind).select_related("created_by")


def _job_for(request: HttpRequest, uuid: object) -> ImportJob:
    principal = principal_of(request)
    _require_keeper(principal)
    return get_visible(_jobs(principal), uuid=uuid)


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_keeper(principal)
    status = 200
    form = IndicatorImportForm(posted(request), request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                job = import_job_create(
                    actor=import_actor(request),
                    kind=INDICATORS.kind,
                    uploaded_file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("goals:indicator_import", uuid=job.uuid)
        status = 400
    return render(
        request,
        "goals/indicators/imports.html",
        {
            "form": form,
            "page": paginate(request, _jobs(principal)),
            "formats": FORMATS,
            "title": _("Import the indicator library"),
        },
        status=status,
    )


@login_required
@require_GET
def import_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_detail(
        request, _job_for(request, uuid), "goals/indicators/import_detail.html"
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, uuid: object) -> HttpResponse:
    return render_import_progress(
        request, _job_for(request, uuid), "goals/indicators/_import_progress.html"
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, uuid: object) -> HttpResponse:
    job = _job_for(request, uuid)
    return apply_import(request, job, reverse("goals:indicator_import", kwargs={"uuid": job.uuid}))


urlpatterns = [
    path("indicators/", indicator_list, name="indicators"),
    path("indicators/new/", create, name="indicator_create"),
    path("indicators/export.<str:fmt>", export, name="indicator_export"),
    path("indicators/import/", import_list, name="indicator_imports"),
    path("indicators/import/template.<str:fmt>", import_template, name="indicator_template"),
    path("indicators/import/<uuid:uuid>/", import_detail, name="indicator_import"),
    path(
        "indicators/import/<uuid:uuid>/progress/",
        import_progress,
        name="indicator_import_progress",
    ),
    path("indicators/import/<uuid:uuid>/apply/", import_apply, name="indicator_import_apply"),
    path("indicators/<uuid:uuid>/", detail, name="indicator"),
    path("indicators/<uuid:uuid>/edit/", edit, name="indicator_edit"),
    path("indicators/<uuid:uuid>/enabled/", set_enabled, name="indicator_enable"),
]
