"""Review template pages (考核模板) for HR: the list, an edition with its sections, items,
anchors, raters, the cycles that use it and its other editions; forms to create and change
a draft edition; activate, retire and new version; installing the starter templates.

Refusals (``pms.reviews.access``): "not found" for whoever may not see templates (not
HR); "forbidden" for HR who see them but may not change them (an HRBP). A change to an
edition in use is refused by the services with the way out: make a new version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.pagination import paginate, query_without_page
from pms.org.forms import add_service_errors
from pms.org.models import RoleFamily
from pms.org.roles import Principal
from pms.org.views import actor_of, is_htmx, posted, principal_of
from pms.reviews import access
from pms.reviews.forms.templates import (
    SECTION_FIELD_MAP,
    TEMPLATE_FIELD_MAP,
    ItemEditForm,
    ItemForm,
    ReasonForm,
    SectionEditForm,
    SectionForm,
    TemplateEditForm,
    TemplateForm,
)
from pms.reviews.models import (
    DEFAULT_ANONYMOUS,
    DEFAULT_RATER_WEIGHTS,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.selectors import templates as selectors
from pms.reviews.services import template_sections as parts
from pms.reviews.services import templates as services

PER_PAGE = 50


def _role_families() -> QuerySet[RoleFamily]:
    return RoleFamily.objects.order_by("sort_order", "code")


def _require_editor(principal: Principal) -> None:
    """Pages that only change templates: unknown to non-HR, forbidden to an HRBP."""
    if not access.can_run_reviews(principal):
        raise NotFound
    if not access.can_edit_templates(principal):
        raise Forbidden


def _back(template: ReviewTemplate, anchor: str = "") -> HttpResponse:
    url = reverse("reviews:template", args=[template.uuid])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- list ----------------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_run_reviews(principal):
        raise NotFound
    status = request.GET.get("status", "current")
    if status not in selectors.STATUS_FILTERS:
        status = "current"
    rows = selectors.template_list(access.templates_visible(principal), status)
    return render(
        request,
        "reviews/template_list.html",
        {
            "page": paginate(request, rows, per_page=PER_PAGE),
            "status": status,
            "statuses": [
                ("current", _("Drafts and in use")),
                *TemplateStatus.choices,
                ("all", _("All")),
            ],
            "query": query_without_page(request),
            "can_change": access.can_edit_templates(principal),
            "title": _("Review templates"),
        },
    )


@login_required
@require_POST
def install_starters(request: HttpRequest) -> HttpResponse:
    _require_editor(principal_of(request))
    result = services.templates_install_starters(actor=actor_of(request))
    if result.created:
        messages.success(
            request,
            ngettext(
                "%(count)s starter template installed and put in use.",
                "%(count)s starter templates installed and put in use.",
                len(result.created),
            )
            % {"count": len(result.created)},
        )
    else:
        messages.info(request, _("The starter templates are installed already."))
    return redirect("reviews:templates")


# --- one edition -----------------------------------------------------------------------------


def _detail_context(principal: Principal, template: ReviewTemplate) -> dict[str, Any]:
    sections = selectors.template_sections(template)
    can_change = access.can_edit_templates(principal)
    review_count: int = getattr(template, "review_count", 0)
    editable = can_change and template.status == TemplateStatus.DRAFT and not review_count
    return {
        "template": template,
        "sections": sections,
        "scored_weight": selectors.scored_weight(sections),
        "review_count": review_count,
        "can_change": can_change,
        "editable": editable,
        "problems": services.template_problems(template, [view.section for view in sections])
        if template.status == TemplateStatus.DRAFT
        else [],
    }


@login_required
@require_GET
def template_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    template = get_visible(
        selectors.template_detail(access.templates_visible(principal)), uuid=uuid
    )
    context = _detail_context(principal, template)
    editions = list(selectors.template_editions(template))
    return render(
        request,
        "reviews/template_detail.html",
        {
            **context,
            "raters": selectors.rater_rows(template),
            "editions": editions,
            "is_latest": bool(editions) and editions[0].pk == template.pk,
            "cycles": selectors.template_cycles(template),
            "entries": selectors.template_history(template),
            "reason_form": ReasonForm(),
            "title": f"{template.name} v{template.version}",
        },
    )


def _sections_response(
    request: HttpRequest, template: ReviewTemplate, notice: str = ""
) -> HttpResponse:
    """The sections again for HTMX (with the notice), the edition's page otherwise."""
    if not is_htmx(request):
        if notice:
            messages.success(request, notice)
        return _back(template, "sections")
    principal = principal_of(request)
    template = get_visible(
        selectors.template_detail(access.templates_visible(principal)), uuid=template.uuid
    )
    context = _detail_context(principal, template)
    return render(request, "reviews/template_sections.html", {**context, "notice": notice})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _require_editor(principal)
    form = TemplateForm(
        posted(request),
        role_families=_role_families(),
        initial={"peer_min": 3, "peer_max": 6, **_default_raters()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=actor_of(request), **form.values())
        except ValidationError as error:
            add_service_errors(form, error, TEMPLATE_FIELD_MAP)
        else:
            messages.success(request, _("Template created as a draft; now add its sections."))
            return _back(template)
    return render(
        request,
        "reviews/template_form.html",
        {
            "form": form,
            "title": _("New review template"),
            "submit_label": _("Create"),
            "cancel_url": reverse("reviews:templates"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _default_raters() -> dict[str, Any]:
    initial: dict[str, Any] = {
        f"{TemplateForm.WEIGHT_PREFIX}{key}": value for key, value in DEFAULT_RATER_WEIGHTS.items()
    }
    initial["rater_types"] = list(DEFAULT_RATER_WEIGHTS)
    initial["anonymous_types"] = list(DEFAULT_ANONYMOUS)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    template = access.access_template_for_change(principal_of(request), uuid)
    form = TemplateEditForm(
        posted(request),
        role_families=_role_families(),
        initial=TemplateEditForm.initial_for(template),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(template)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return _back(template)
        try:
            services.template_update(
                actor=actor_of(request),
                template=template,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, TEMPLATE_FIELD_MAP)
        else:
            messages.success(request, _("Template saved."))
            return _back(template)
    return render(
        request,
        "reviews/template_form.html",
        {
            "form": form,
            "template": template,
            "title": _("Edit %(name)s v%(version)s")
            % {"name": template.name, "version": template.version},
            "submit_label": _("Save"),
            "cancel_url": reverse("reviews:template", args=[template.uuid]),
        },
        status=400 if request.method == "POST" else 200,
    )


def _status_action(request: HttpRequest, uuid: object, action: str) -> HttpResponse:
    template = access.access_template_for_change(principal_of(request), uuid)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actor = actor_of(request)
    try:
        if action == "activate":
            services.template_activate(actor=actor, template=template, reason=reason)
            messages.success(
                request,
                _("Version %(version)s is in use; new cycles get it.")
                % {"version": template.version},
            )
        elif action == "retire":
            services.template_retire(actor=actor, template=template, reason=reason)
            messages.success(
                request,
                _("Version %(version)s is retired; running cycles keep it.")
                % {"version": template.version},
            )
        else:
            copy = services.template_new_version(actor=actor, template=template, reason=reason)
            messages.success(
                request,
                _("Version %(version)s made as a draft; change it, then put it in use.")
                % {"version": copy.version},
            )
            return _back(copy)
    except ValidationError as error:
        _refused(request, error)
    return _back(template)


@login_required
@require_POST
def template_activate(request: HttpRequest, uuid: object) -> HttpResponse:
    return _status_action(request, uuid, "activate")


@login_required
@require_POST
def template_retire(request: HttpRequest, uuid: object) -> HttpResponse:
    return _status_action(request, uuid, "retire")


@login_required
@require_POST
def template_new_version(request: HttpRequest, uuid: object) -> HttpResponse:
    return _status_action(request, uuid, "new_version")


# --- sections ------------------------------------------------------------------------------


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        "reviews/template_part_form.html",
        {"form": form, **context},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, uuid: object) -> HttpResponse:
    template = access.access_template_for_change(principal_of(request), uuid)
    form = SectionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            parts.template_section_add(actor=actor_of(request), template=template, **form.values())
        except ValidationError as error:
            add_service_errors(form, error, SECTION_FIELD_MAP)
        else:
            messages.success(request, _("Section added."))
            return _back(template, "sections")
    return _form_page(
        request,
        form,
        template=template,
        title=_("New section in %(name)s") % {"name": template.name},
        submit_label=_("Add"),
        cancel_url=reverse("reviews:template", args=[template.uuid]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    section = access.access_template_section_for_change(principal_of(request), uuid)
    template = section.template
    form = SectionEditForm(posted(request), initial=SectionEditForm.initial_for(section))
    if request.method == "POST" and form.is_valid():
        changes = form.changes(section)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return _back(template, "sections")
        try:
            parts.template_section_update(
                actor=actor_of(request),
                section=section,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, SECTION_FIELD_MAP)
        else:
            messages.success(request, _("Section saved."))
            return _back(template, "sections")
    return _form_page(
        request,
        form,
        template=template,
        title=_("Edit %(section)s") % {"section": section.title},
        submit_label=_("Save"),
        cancel_url=reverse("reviews:template", args=[template.uuid]),
    )


@login_required
@require_POST
def section_remove(request: HttpRequest, uuid: object) -> HttpResponse:
    section = access.access_template_section_for_change(principal_of(request), uuid)
    template = section.template
    try:
        parts.template_section_remove(
            actor=actor_of(request), section=section, reason=request.POST.get("reason", "").strip()
        )
    except ValidationError as error:
        _refused(request, error)
        return _back(template, "sections")
    return _sections_response(request, template, _("Section removed."))


@login_required
@require_POST
def section_move(request: HttpRequest, uuid: object) -> HttpResponse:
    section = access.access_template_section_for_change(principal_of(request), uuid)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        parts.template_section_move(actor=actor_of(request), section=section, step=step)
    except ValidationError as error:
        _refused(request, error)
        return _back(section.template, "sections")
    return _sections_response(request, section.template)


# --- items ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, uuid: object) -> HttpResponse:
    section = access.access_template_section_for_change(principal_of(request), uuid)
    template = section.template
    form = ItemForm(posted(request), section=section)
    if request.method == "POST" and form.is_valid():
        try:
            parts.template_item_add(actor=actor_of(request), section=section, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Item added."))
            return _back(template, f"section-{section.uuid}")
    return _form_page(
        request,
        form,
        template=template,
        section=section,
        title=_("New item in %(section)s") % {"section": section.title},
        submit_label=_("Add"),
        cancel_url=reverse("reviews:template", args=[template.uuid]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    section = item.section
    template = section.template
    form = ItemEditForm(
        posted(request), section=section, initial=ItemEditForm.initial_for(item, section)
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(item)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return _back(template, f"section-{section.uuid}")
        try:
            parts.template_item_update(
                actor=actor_of(request),
                item=item,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Item saved."))
            return _back(template, f"section-{section.uuid}")
    return _form_page(
        request,
        form,
        template=template,
        section=section,
        title=_("Edit %(item)s") % {"item": item.title},
        submit_label=_("Save"),
        cancel_url=reverse("reviews:template", args=[template.uuid]),
    )


@login_required
@require_POST
def item_remove(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    template = item.section.template
    try:
        parts.template_item_remove(
            actor=actor_of(request), item=item, reason=request.POST.get("reason", "").strip()
        )
    except ValidationError as error:
        _refused(request, error)
        return _back(template, "sections")
    return _sections_response(request, template, _("Item removed."))


@login_required
@require_POST
def item_move(request: HttpRequest, uuid: object) -> HttpResponse:
    item = access.access_template_item_for_change(principal_of(request), uuid)
    step = -1 if request.POST.get("direction") == "up" else 1
    template = item.section.template
    try:
        parts.template_item_move(actor=actor_of(request), item=item, step=step)
    except ValidationError as error:
        _refused(request, error)
        return _back(template, "sections")
    return _sections_response(request, template)


urlpatterns: list[URLPattern] = [
    path("templates/", template_list, name="templates"),
    path("templates/new/", template_create, name="template_create"),
    path("templates/starters/", install_starters, name="templates_install"),
    path("templates/sections/<uuid:uuid>/edit/", section_edit, name="template_section_edit"),
    path("templates/sections/<uuid:uuid>/remove/", section_remove, name="template_section_remove"),
    path("templates/sections/<uuid:uuid>/move/", section_move, name="template_section_move"),
    path("templates/sections/<uuid:uuid>/items/new/", item_add, name="template_item_add"),
    path("templates/items/<uuid:uuid>/edit/", item_edit, name="template_item_edit"),
    path("templates/items/<uuid:uuid>/remove/", item_remove, name="template_item_remove"),
    path("templates/items/<uuid:uuid>/move/", item_move, name="template_item_move"),
    path("templates/<uuid:uuid>/", template_detail, name="template"),
    path("templates/<uuid:uuid>/edit/", template_edit, name="template_edit"),
    path("templates/<uuid:uuid>/activate/", template_activate, name="template_activate"),
    path("templates/<uuid:uuid>/retire/", template_retire, name="template_retire"),
    path("templates/<uuid:uuid>/new-version/", template_new_version, name="template_new_version"),
    path("templates/<uuid:uuid>/sections/new/", section_add, name="template_section_add"),
]
