"""Scorecard template (考核表模板) pages: everyone in the company reads the templates; their
keepers (company-wide HR, system admins) create and change them; HR (an HRBP within
scope) applies one to a group for a period and follows the background run.

Refusals: "not found" for people outside the company, for runs one did not start (unless a
keeper) and for the runs list to those who may not apply templates; "forbidden" for a
colleague asking for a keeper's page or action, or to apply a template.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.pagination import paginate
from pms.goals import access
from pms.goals.forms.templates import (
    ApplyForm,
    TemplateActiveForm,
    TemplateEditForm,
    TemplateForm,
    TemplateItemEditForm,
    TemplateItemForm,
)
from pms.goals.models import Indicator, Period, PeriodStatus, ScorecardTemplate, TemplateRun
from pms.goals.rules import describe_rule
from pms.goals.selectors import templates as selectors
from pms.goals.services import templates as services
from pms.goals.views import actor_of, is_htmx, posted, principal_of
from pms.org import access as org_access
from pms.org.forms import add_service_errors
from pms.org.models import RoleFamily
from pms.org.roles import Principal
from pms.org.selectors import department_choices, history

PER_PAGE = 50


def _require_keeper(principal: Principal) -> None:
    """Keeper pages: unknown to outsiders, forbidden to colleagues."""
    if not org_access.is_member(principal):
        raise NotFound
    if not access.can_manage_templates(principal):
        raise Forbidden


def _template_form_choices(principal: Principal) -> dict[str, Any]:
    return {
        "role_families": RoleFamily.objects.order_by("sort_order", "code"),
        "positions": org_access.positions_visible(principal)
        .filter(is_active=True)
        .order_by("code"),
    }


def _indicators() -> Any:
    return Indicator.objects.filter(enabled=True).order_by("sort_order", "code")


# --- templates -----------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    page = paginate(
        request, selectors.template_list(access.templates_visible(principal)), per_page=PER_PAGE
    )
    return render(
        request,
        "goals/templates/list.html",
        {
            "page": page,
            "can_change": access.can_manage_templates(principal),
            "can_apply": access.can_apply_templates(principal),
            "title": _("Scorecard templates"),
        },
    )


@login_required
@require_GET
def template_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    template = access.access_template(principal, uuid)
    keeper = access.can_manage_templates(principal)
    can_apply = access.can_apply_templates(principal)
    return render(
        request,
        "goals/templates/detail.html",
        {
            **_items_context(template, keeper=keeper),
            "can_apply": can_apply and template.is_active,
            "runs": selectors.template_recent_runs(
                access.template_runs_visible(principal), template
            )
            if can_apply
            else None,
            "active_form": TemplateActiveForm(initial={"is_active": not template.is_active})
            if keeper
            else None,
            "entries": history(template) if keeper else None,
            "title": template.name,
        },
    )


def _items_context(template: ScorecardTemplate, *, keeper: bool) -> dict[str, Any]:
    items = list(selectors.template_items(template))
    for item in items:
        item.rule_in_words = describe_rule(item.scoring_rule)  # type: ignore[attr-defined]
    return {
        "template": template,
        "items": items,
        "total_weight": sum((item.weight for item in items), 0),
        "problems": services.template_problems(template, items),
        "can_change": keeper,
    }


def _template_form_page(request: HttpRequest, form: TemplateForm, **context: Any) -> HttpResponse:
    return render(request, "goals/templates/form.html", {"form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_keeper(principal)
    form = TemplateForm(posted(request), **_template_form_choices(principal))
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=actor_of(request), **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Template created; now add its goals."))
            return redirect("goals:template", uuid=template.uuid)
    return _template_form_page(
        request,
        form,
        title=_("New scorecard template"),
        submit_label=_("Create"),
        cancel_url=reverse("goals:templates"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    template = access.access_template_for_change(principal, uuid)
    form = TemplateEditForm(
        posted(request),
        initial=TemplateEditForm.initial_for(template),
        **_template_form_choices(principal),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(template)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("goals:template", uuid=template.uuid)
        try:
            services.template_update(
                actor=actor_of(request),
                template=template,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            template.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("goals:template", uuid=template.uuid)
    return _template_form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": template.name},
        submit_label=_("Save"),
        cancel_url=reverse("goals:template", args=[template.uuid]),
    )


@login_required
@require_POST
def template_active(request: HttpRequest, uuid: object) -> HttpResponse:
    template = access.access_template_for_change(principal_of(request), uuid)
    form = TemplateActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to put the template in use or not."))
        return redirect("goals:template", uuid=template.uuid)
    is_active = form.cleaned_data["is_active"]
    services.template_set_active(
        actor=actor_of(request),
        template=template,
        is_active=is_active,
        reason=form.cleaned_data["reason"],
    )
    if is_active:
        messages.success(request, _("The template is in use again."))
    else:
        messages.success(request, _("The template is out of use; it can no longer be applied."))
    return redirect("goals:template", uuid=template.uuid)


# --- template goals ------------------------------------------------------------------------


def _item_form_page(request: HttpRequest, form: TemplateItemForm, **context: Any) -> HttpResponse:
    return render(request, "goals/templates/item_form.html", {"form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, uuid: object) -> HttpResponse:
    template = access.access_template_for_change(principal_of(request), uuid)
    form = TemplateItemForm(posted(request), indicators=_indicators())
    if request.method == "POST" and form.is_valid():
        try:
            services.template_item_add(actor=actor_of(request), template=template, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal added to the template."))
            return redirect("goals:template", uuid=template.uuid)
    return _item_form_page(
        request,
        form,
        template=template,
        title=_("New goal in %(name)s") % {"name": template.name},
        submit_label=_("Add"),
        cancel_url=reverse("goals:template", args=[template.uuid]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    template = item.template
    form = TemplateItemEditForm(
        posted(request), initial=TemplateItemEditForm.initial_for(item), indicators=_indicators()
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(item)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("goals:template", uuid=template.uuid)
        try:
            services.template_item_update(
                actor=actor_of(request),
                item=item,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            item.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Goal saved. Scorecards follow when the template is applied again."),
            )
            return redirect("goals:template", uuid=template.uuid)
    return _item_form_page(
        request,
        form,
        template=template,
        item=item,
        title=_("Edit %(goal)s") % {"goal": item.title},
        submit_label=_("Save"),
        cancel_url=reverse("goals:template", args=[template.uuid]),
    )


def _items_response(
    request: HttpRequest, template: ScorecardTemplate, notice: str = ""
) -> HttpResponse:
    """The goals table again for HTMX (with the notice in it), the template page otherwise."""
    if is_htmx(request):
        context = _items_context(template, keeper=True)
        return render(request, "goals/templates/_items.html", {**context, "notice": notice})
    if notice:
        messages.success(request, notice)
    return redirect("goals:template", uuid=template.uuid)


@login_required
@require_POST
def item_remove(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    template = item.template
    removed = services.template_item_remove(
        actor=actor_of(request), item=item, reason=request.POST.get("reason", "").strip()
    )
    if removed:
        notice = _("Goal removed; it was taken off %(count)s scorecards not yet agreed.") % {
            "count": removed
        }
    else:
        notice = _("Goal removed.")
    return _items_response(request, template, notice)


@login_required
@require_POST
def item_move(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.template_item_move(actor=actor_of(request), item=item, step=step)
    return _items_response(request, item.template)


# --- applying ------------------------------------------------------------------------------


def _template_to_apply(principal: Principal, uuid: object) -> ScorecardTemplate:
    template = access.access_template(principal, uuid)
    if not access.can_apply_templates(principal):
        raise Forbidden
    return template


def _apply_form(
    principal: Principal, data: Any, initial: dict[str, Any] | None = None
) -> ApplyForm:
    return ApplyForm(
        data,
        initial=initial,
        periods=access.periods_visible(principal).exclude(status=PeriodStatus.CLOSED),
        departments=department_choices(org_access.departments_visible(principal)),
        role_families=RoleFamily.objects.order_by("sort_order", "code"),
        positions=org_access.positions_visible(principal).filter(is_active=True).order_by("code"),
    )


def _initial_group(template: ScorecardTemplate) -> dict[str, Any]:
    """The template's own position or role family, and the latest open period."""
    initial: dict[str, Any] = {}
    period = Period.objects.exclude(status=PeriodStatus.CLOSED).order_by("-start").first()
    if period is not None:
        initial["period"] = period.uuid
    if template.position is not None:
        initial["position"] = template.position.uuid
    elif template.role_family is not None:
        initial["role_family"] = template.role_family.uuid
    return initial


def _reach(principal: Principal, form: ApplyForm) -> selectors.Reach | None:
    """Whom the form's choice reaches, or None until a period and a group are chosen."""
    if not form.is_valid():
        return None
    group = form.group()
    if not any(group.values()):
        return None
    people = selectors.template_group_people(
        access.employees_in_scope_for_scorecards(principal), **group
    )
    return selectors.template_reach(people, form.cleaned_data["period"])


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    template = _template_to_apply(principal, uuid)
    if request.method == "POST":
        form = reach_form = _apply_form(principal, request.POST)
        if form.is_valid():
            try:
                run = services.template_run_start(
                    actor=actor_of(request),
                    template=template,
                    period=form.cleaned_data["period"],
                    people_in_scope=access.employees_in_scope_for_scorecards(principal),
                    **form.group(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The template is being applied in the background."))
                return redirect("goals:template_run", uuid=run.uuid)
    else:
        initial = _initial_group(template)
        form = _apply_form(principal, None, initial=initial)
        reach_form = _apply_form(principal, initial)  # the reach of what is proposed
    return render(
        request,
        "goals/templates/apply.html",
        {
            "template": template,
            "form": form,
            "reach": _reach(principal, reach_form),
            "problems": services.template_problems(template),
            "title": _("Apply %(name)s") % {"name": template.name},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def apply_reach(request: HttpRequest, uuid: object) -> HttpResponse:
    """HTMX: how many people the chosen group reaches, before starting."""
    principal = principal_of(request)
    _template_to_apply(principal, uuid)
    form = _apply_form(principal, request.GET)
    return render(request, "goals/templates/_reach.html", {"reach": _reach(principal, form)})


# --- runs ----------------------------------------------------------------------------------


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_apply_templates(principal):
        raise NotFound
    page = paginate(
        request, selectors.template_runs(access.template_runs_visible(principal)), per_page=PER_PAGE
    )
    return render(
        request,
        "goals/templates/runs.html",
        {"page": page, "title": _("Template runs")},
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    run = _run(principal_of(request), uuid)
    return render(
        request,
        "goals/templates/run.html",
        {"run": run, "title": _("Applying %(name)s") % {"name": run.template.name}},
    )


@login_required
@require_GET
def run_progress(request: HttpRequest, uuid: object) -> HttpResponse:
    run = _run(principal_of(request), uuid)
    return render(request, "goals/templates/_run_progress.html", {"run": run})


def _run(principal: Principal, uuid: object) -> TemplateRun:
    """``access_template_run`` with what the page names loaded in the same query."""
    return get_visible(selectors.template_runs(access.template_runs_visible(principal)), uuid=uuid)


urlpatterns = [
    path("templates/", template_list, name="templates"),
    path("templates/new/", template_create, name="template_create"),
    path("templates/runs/", run_list, name="template_runs"),
    path("templates/runs/<uuid:uuid>/", run_detail, name="template_run"),
    path("templates/runs/<uuid:uuid>/progress/", run_progress, name="template_run_progress"),
    path("templates/items/<uuid:uuid>/edit/", item_edit, name="template_item_edit"),
    path("templates/items/<uuid:uuid>/remove/", item_remove, name="template_item_remove"),
    path("templates/items/<uuid:uuid>/move/", item_move, name="template_item_move"),
    path("templates/<uuid:uuid>/", template_detail, name="template"),
    path("templates/<uuid:uuid>/edit/", template_edit, name="template_edit"),
    path("templates/<uuid:uuid>/active/", template_active, name="template_active"),
    path("templates/<uuid:uuid>/items/new/", item_add, name="template_item_add"),
    path("templates/<uuid:uuid>/apply/", apply, name="template_apply"),
    path("templates/<uuid:uuid>/apply/reach/", apply_reach, name="template_apply_reach"),
]
