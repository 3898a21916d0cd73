"""What the bonus and raise pages share: who reaches them, the line filters, where to go
back to after a change, starting a payroll export, and the pages themselves — the list, a
new plan, the plan page, its settings, computing (with the progress of a computation the
worker runs), locking, deleting, the payroll export and a line — each told by a
``PayKind`` what differs between a bonus plan and a raise plan. ``pay`` and
``pay_raises`` hold the kinds, their own changes (factors and bases, the matrix and
salaries) and their addresses.

Refusals: pay is confidential. Whoever is not HR or a system admin gets "not found" on
every page; an HRBP reads plans (the lines and totals of their scope) and gets "forbidden"
on every change. A locked plan is read-only, and so is a plan the worker is computing: the
services refuse, and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.exports import export_start
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate, query_without_page
from pms.org.forms import add_service_errors
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.views import actor_of, posted, principal_of
from pms.outcomes import access
from pms.outcomes.forms.pay import LineFilterForm
from pms.outcomes.models import BonusPlan, ComputeState, PayImport, RaisePlan
from pms.outcomes.pay_exporters import plan_export_params
from pms.outcomes.selectors.pay import LineFilters, line_sentences
from pms.outcomes.services.pay_lines import compute_busy, compute_stalled, refuse_busy
from pms.outcomes.services.results import coefficient_table
from pms.reviews.access import monitor_departments

Plan = BonusPlan | RaisePlan


def reader(request: HttpRequest) -> Principal:
    """Whoever reads plans (HR, system admins); anybody else: "not found"."""
    principal = principal_of(request)
    if not access.can_read_pay(principal):
        raise NotFound
    return principal


def manager(request: HttpRequest) -> Principal:
    """Company-wide HR and system admins; an HRBP: "forbidden"; anybody else: "not found"."""
    principal = reader(request)
    if not access.can_manage_pay(principal):
        raise Forbidden
    return principal


def grades() -> list[str]:
    return list(coefficient_table())


def departments(principal: Principal) -> Any:
    return monitor_departments(principal)


def line_filters(principal: Principal, request: HttpRequest) -> tuple[LineFilterForm, LineFilters]:
    form = LineFilterForm(request.GET or None, departments=departments(principal), grades=grades())
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        department: Department | None = data["department"]
        return form, LineFilters(
            department=department,
            grade=data["grade"],
            search=data["search"],
            missing=data["missing"],
        )
    return form, LineFilters()


def back_to(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (``back``, a path of this site), else ``default``."""
    target = request.POST.get("back", "")
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith("/")
    ):
        return redirect(target)
    return redirect(default)


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def start_export(
    request: HttpRequest, plan: BonusPlan | RaisePlan, kind: str, plan_url: str
) -> HttpResponse:
    """Start the payroll file of a locked plan; the plan page shows how it goes."""
    principal = principal_of(request)
    if not access.can_export_plan(principal, plan):
        raise Forbidden
    try:
        job = export_start(actor=actor_of(request), kind=kind, params=plan_export_params(plan))
    except ValidationError as error:
        show_errors(request, error)
        return redirect(plan_url)
    messages.info(request, _("The payroll file is being prepared."))
    return redirect("core:export", uuid=job.uuid)


# --- the pages both kinds of plan share ----------------------------------------------------


@dataclass(frozen=True)
class PayKind:
    """What tells the bonus pages from the raise pages. Every address is named
    ``outcomes:<name>_<what>`` (``bonus_plan``, ``raise_compute`` …); templates get
    ``name`` as ``kind``."""

    name: str  # "bonus" or "raise"
    plan_rows: Callable[[Principal], QuerySet[Any]]
    access_plan: Callable[[Principal, object], Any]
    access_plan_for_change: Callable[[Principal, object], Any]
    access_line: Callable[[Principal, object], Any]
    line_rows: Callable[[Principal, Any, LineFilters], QuerySet[Any]]
    plan_form: Callable[..., forms.Form]
    plan_fields: tuple[str, ...]
    # the services: create(actor, cycle, **settings), update(actor, plan, changes),
    # compute_request / lock / delete(actor, plan)
    create: Callable[..., Any]
    update: Callable[..., Any]
    compute: Callable[..., Any]
    lock: Callable[..., Any]
    delete: Callable[..., Any]
    export_kind: str
    plan_template: str
    # the plan page's own part (simulation, forms shown to whoever may change the plan)
    plan_context: Callable[[Principal, Any, bool], dict[str, Any]]
    # the line page's own part (the form of its inputs, shown to whoever may change them)
    line_context: Callable[[Any, bool], dict[str, Any]]
    imports_of: Callable[[Any], QuerySet[PayImport]]
    list_title: str | Promise
    new_title: str | Promise
    plan_title: str | Promise  # with %(name)s
    settings_title: str | Promise  # with %(name)s

    def url(self, what: str) -> str:
        return f"outcomes:{self.name}_{what}"

    def plan_url(self, plan: Plan) -> str:
        return reverse(self.url("plan"), kwargs={"uuid": plan.uuid})


def _settings(kind: PayKind, data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in kind.plan_fields}


@login_required
@require_GET
def plan_list(request: HttpRequest, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    return render(
        request,
        "outcomes/pay_plan_list.html",
        {
            "page": paginate(request, kind.plan_rows(principal)),
            "can_manage": access.can_manage_pay(principal),
            "kind": kind.name,
            "title": kind.list_title,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, kind: PayKind) -> HttpResponse:
    principal = manager(request)
    form = kind.plan_form(posted(request), cycles=access.pay_cycles(principal))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = kind.create(
                actor=actor_of(request), cycle=data["cycle"], **_settings(kind, data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is made with a line for every result."))
            return redirect(kind.url("plan"), uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {"form": form, "kind": kind.name, "title": kind.new_title},
        status=400 if form.is_bound else 200,
    )


def plan_page(
    request: HttpRequest,
    principal: Principal,
    plan: Plan,
    kind: PayKind,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The plan page; ``forms`` replaces the kind's forms (a form sent back with errors)."""
    form, filters = line_filters(principal, request)
    busy = compute_busy(plan)
    can_change = access.can_change_plan(principal, plan) and not busy
    context = {
        "plan": plan,
        "kind": kind.name,
        **kind.plan_context(principal, plan, can_change),
        **(forms or {}),
        "filter_form": form,
        "page": paginate(request, kind.line_rows(principal, plan, filters)),
        "query": query_without_page(request),
        "can_manage": access.can_manage_pay(principal),
        "can_change": can_change,
        "can_export": access.can_export_plan(principal, plan),
        "imports": list(kind.imports_of(plan).select_related("job")[:5]) if can_change else [],
        "back": request.get_full_path(),
        "title": str(kind.plan_title) % {"name": plan.name},
        **_progress_context(plan, kind, busy),
    }
    return render(request, kind.plan_template, context, status=status)


@login_required
@require_GET
def plan_detail(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    return plan_page(request, principal, kind.access_plan(principal, uuid), kind)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    plan = kind.access_plan_for_change(principal, uuid)
    if access.is_plan_locked(plan):
        messages.error(request, _("This plan is locked; nothing in it can change."))
        return redirect(kind.url("plan"), uuid=plan.uuid)
    try:
        refuse_busy(plan)
    except ValidationError as error:
        show_errors(request, error)
        return redirect(kind.url("plan"), uuid=plan.uuid)
    initial = {name: getattr(plan, name) for name in kind.plan_fields}
    form = kind.plan_form(posted(request), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            kind.update(
                actor=actor_of(request), plan=plan, changes=_settings(kind, form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan's settings are saved; compute it again."))
            return redirect(kind.url("plan"), uuid=plan.uuid)
    return render(
        request,
        "outcomes/pay_plan_form.html",
        {
            "form": form,
            "plan": plan,
            "kind": kind.name,
            "title": str(kind.settings_title) % {"name": plan.name},
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def plan_compute(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    """Compute a small plan now; a large one is queued for the worker and the plan page
    follows it."""
    principal = reader(request)
    plan = kind.access_plan_for_change(principal, uuid)
    try:
        plan = kind.compute(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        if plan.compute_state == ComputeState.QUEUED:
            messages.info(
                request, _("The plan is being computed in the background; this page shows how far.")
            )
        else:
            messages.success(request, _("The plan is computed."))
    return redirect(kind.url("plan"), uuid=plan.uuid)


def _progress_context(plan: Plan, kind: PayKind, busy: bool) -> dict[str, Any]:
    return {
        "busy": busy,
        "stalled": compute_stalled(plan),
        "progress_url": reverse(kind.url("compute_progress"), kwargs={"uuid": plan.uuid}),
    }


@login_required
@require_GET
def compute_progress(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    """The fragment the plan page polls while the worker computes the plan; once that
    has ended, the page reloads to show the figures (or why it failed)."""
    principal = reader(request)
    plan = kind.access_plan(principal, uuid)
    busy = compute_busy(plan)
    response = render(
        request,
        "outcomes/pay_compute_progress.html",
        {"plan": plan, "kind": kind.name, **_progress_context(plan, kind, busy)},
    )
    if is_htmx(request) and not busy:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def plan_lock(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    plan = kind.access_plan_for_change(principal, uuid)
    try:
        kind.lock(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The plan is locked; it can be exported to payroll."))
    return redirect(kind.url("plan"), uuid=plan.uuid)


@login_required
@require_POST
def plan_delete(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    plan = kind.access_plan_for_change(principal, uuid)
    try:
        kind.delete(actor=actor_of(request), plan=plan)
    except ValidationError as error:
        show_errors(request, error)
        return redirect(kind.url("plan"), uuid=plan.uuid)
    messages.success(request, _("The plan is deleted."))
    return redirect(kind.url("plans"))


@login_required
@require_POST
def plan_export(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    plan = kind.access_plan(principal, uuid)
    return start_export(request, plan, kind.export_kind, kind.plan_url(plan))


# --- one line ------------------------------------------------------------------------------


def line_page(
    request: HttpRequest,
    principal: Principal,
    line: Any,
    kind: PayKind,
    *,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """A line with how its amount came about; ``form`` replaces the kind's form of the
    line's inputs (sent back with errors)."""
    can_change = access.can_change_plan(principal, line.plan) and not compute_busy(line.plan)
    own = kind.line_context(line, can_change)
    if form is not None:
        own["form"] = form
    return render(
        request,
        "outcomes/pay_line.html",
        {
            "line": line,
            "plan": line.plan,
            "kind": kind.name,
            "sentences": line_sentences(line),
            "can_change": can_change,
            **own,
            "title": _("%(name)s · %(plan)s")
            % {"name": line.employee.name, "plan": line.plan.name},
        },
        status=status,
    )


@login_required
@require_GET
def line_detail(request: HttpRequest, uuid: str, kind: PayKind) -> HttpResponse:
    principal = reader(request)
    return line_page(request, principal, kind.access_line(principal, uuid), kind)


def line_for_change(request: HttpRequest, uuid: str, kind: PayKind) -> tuple[Principal, Any]:
    """A line whose inputs are about to change: found for whoever reads it, forbidden to
    whoever does not manage pay."""
    principal = reader(request)
    line = kind.access_line(principal, uuid)
    if not access.can_manage_pay(principal):
        raise Forbidden
    return principal, line


def plan_urls(kind: PayKind, prefix: str) -> list[URLPattern]:
    """The addresses both kinds share, under ``prefix``: ``<name>_plans``,
    ``<name>_plan_create``, ``<name>_plan``, ``<name>_plan_edit``, ``<name>_compute``,
    ``<name>_compute_progress``, ``<name>_lock``, ``<name>_delete``, ``<name>_export``,
    ``<name>_line``."""
    given = {"kind": kind}
    name = kind.name
    plan = f"{prefix}<uuid:uuid>/"
    return [
        path(prefix, plan_list, given, name=f"{name}_plans"),
        path(f"{prefix}new/", plan_create, given, name=f"{name}_plan_create"),
        path(plan, plan_detail, given, name=f"{name}_plan"),
        path(f"{plan}settings/", plan_edit, given, name=f"{name}_plan_edit"),
        path(f"{plan}compute/", plan_compute, given, name=f"{name}_compute"),
        path(f"{plan}compute/progress/", compute_progress, given, name=f"{name}_compute_progress"),
        path(f"{plan}lock/", plan_lock, given, name=f"{name}_lock"),
        path(f"{plan}delete/", plan_delete, given, name=f"{name}_delete"),
        path(f"{plan}export/", plan_export, given, name=f"{name}_export"),
        path(f"{prefix}lines/<uuid:uuid>/", line_detail, given, name=f"{name}_line"),
    ]
