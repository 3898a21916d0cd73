"""Data connectors (/tracking/connectors/): the systems whose exports are read on a schedule.

For company-wide HR and system admins (``pms.tracking.access``); anyone else gets "not found".
The header value is a credential: the pages show a hint of it and never send it back, a
blank value on the form keeps the current one. "Test the connection" reads the export and
shows how its first values would be taken, recording nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import NotFound
from pms.core.pagination import paginate
from pms.org.forms import add_service_errors
from pms.org.views import actor_of, posted, principal_of
from pms.tracking.access import access_connector, can_manage_connectors
from pms.tracking.connector_feed import FIELDS, Source
from pms.tracking.forms.connectors import FIELD_LABELS, MAP_PREFIX, ConnectorForm
from pms.tracking.models import Connector
from pms.tracking.selectors.connectors import (
    connector_runs,
    connectors_list,
    run_problems,
    secret_hint,
)
from pms.tracking.services.connector_runs import (
    Preview,
    connector_preview,
    connector_run_enqueue,
)
from pms.tracking.services.connectors import connector_create, connector_update

TEST = "test"


def _require_admin(request: HttpRequest) -> None:
    if not can_manage_connectors(principal_of(request)):
        raise NotFound


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


@login_required
@require_GET
def connectors(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not can_manage_connectors(principal):
        raise NotFound
    page = paginate(request, connectors_list(principal))
    rows = [(c, _host(c.url)) for c in page]
    return render(
        request,
        "tracking/connectors.html",
        {"page": page, "rows": rows, "title": _("Data connectors")},
    )


def _preview_rows(preview: Preview) -> list[tuple[int, dict[str, str], list[tuple[str, str]]]]:
    rows = []
    for row in preview.rows:
        raw = {name: getattr(row.raw, name) for name in FIELDS} if row.raw is not None else {}
        problems = [
            (str(FIELD_LABELS.get(name, "")) if name != "__all__" else "", message)
            for name, found in row.problems.items()
            for message in found
        ]
        rows.append((row.item, raw, problems))
    return rows


def _test(form: ConnectorForm, connector: Connector | None) -> Preview:
    settings = form.settings()
    secret = settings["auth_secret"]
    if not secret and connector is not None and not form.cleaned_data.get("clear_secret"):
        secret = connector.auth_secret
    source = Source(
        url=settings["url"],
        format=settings["format"],
        auth_header=settings["auth_header"],
        auth_secret=secret,
        items_path=settings["items_path"],
        mapping=settings["mapping"],
    )
    return connector_preview(source=source)


def _form_page(
    request: HttpRequest,
    form: ConnectorForm,
    connector: Connector | None,
    *,
    preview: Preview | None = None,
) -> HttpResponse:
    return render(
        request,
        "tracking/connector_form.html",
        {
            "form": form,
            "connector": connector,
            "secret_hint": secret_hint(connector.auth_secret) if connector is not None else "",
            "preview": preview,
            "preview_rows": _preview_rows(preview) if preview is not None else [],
            "title": connector.name if connector is not None else _("Add a data connector"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def connector_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = ConnectorForm(posted(request))
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, form, None)
    if request.POST.get("action") == TEST:
        return _form_page(request, form, None, preview=_test(form, None))
    try:
        connector = connector_create(actor=actor_of(request), **form.settings())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _form_page(request, form, None)
    messages.success(request, _("The data connector is saved."))
    return redirect("tracking:connector", uuid=connector.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def connector_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    connector = access_connector(principal_of(request), uuid)
    initial = {
        "name": connector.name,
        "format": connector.format,
        "url": connector.url,
        "auth_header": connector.auth_header,
        "items_path": connector.items_path,
        "schedule": connector.schedule,
        "every": connector.every,
        "daily_at": connector.daily_at,
        "enabled": connector.enabled,
        **{MAP_PREFIX + k: v for k, v in (connector.mapping or {}).items()},
    }
    form = ConnectorForm(posted(request), initial=initial, has_secret=bool(connector.auth_secret))
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, form, connector)
    if request.POST.get("action") == TEST:
        return _form_page(request, form, connector, preview=_test(form, connector))
    try:
        connector_update(
            actor=actor_of(request),
            connector=connector,
            changes=form.settings(),
            clear_secret=bool(form.cleaned_data.get("clear_secret")),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _form_page(request, form, connector)
    messages.success(request, _("The data connector is saved."))
    return redirect("tracking:connector", uuid=connector.uuid)


@login_required
@require_GET
def connector_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    connector = access_connector(principal_of(request), uuid)
    page = paginate(request, connector_runs(connector))
    runs = [(run, run_problems(run.errors, FIELD_LABELS)) for run in page]
    mapping = connector.mapping or {}
    return render(
        request,
        "tracking/connector.html",
        {
            "connector": connector,
            "page": page,
            "runs": runs,
            "secret_hint": secret_hint(connector.auth_secret),
            "host": _host(connector.url),
            "mapping": [(FIELD_LABELS[name], mapping.get(name) or name) for name in FIELDS],
            "title": connector.name,
        },
    )


@login_required
@require_POST
def connector_run_now(request: HttpRequest, uuid: object) -> HttpResponse:
    connector = access_connector(principal_of(request), uuid)
    try:
        connector_run_enqueue(connector=connector, actor=actor_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The run has started; its result appears below."))
    return redirect("tracking:connector", uuid=connector.uuid)


urlpatterns: list[URLPattern] = [
    path("connectors/", connectors, name="connectors"),
    path("connectors/new/", connector_new, name="connector_new"),
    path("connectors/<uuid:uuid>/", connector_detail, name="connector"),
    path("connectors/<uuid:uuid>/edit/", connector_edit, name="connector_edit"),
    path("connectors/<uuid:uuid>/run/", connector_run_now, name="connector_run"),
]
