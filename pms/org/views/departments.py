"""The department tree and department pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate
from pms.org import access, selectors, services
from pms.org.forms import (
    DepartmentCloseForm,
    DepartmentCreateForm,
    DepartmentEditForm,
    DepartmentMoveForm,
    add_service_errors,
)
from pms.org.models import Department
from pms.org.views import actor_of, posted, principal_of

MEMBERS_PER_PAGE = 50


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    nodes = selectors.department_tree(access.departments_visible(principal))
    return render(
        request,
        "org/tree.html",
        {
            "nodes": nodes,
            "can_change": access.can_change_departments(principal),
            "title": _("Organisation"),
        },
    )


@login_required
def children(request: HttpRequest, uuid: str) -> HttpResponse:
    """The sub-departments of one node, for the tree's lazy expansion."""
    principal = principal_of(request)
    department = access.access_department(principal, uuid)
    subtree = selectors.department_subtree(access.departments_visible(principal), department)
    return render(request, "org/_tree_children.html", {"nodes": subtree.children})


@login_required
def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = access.access_department(principal, uuid)
    visible = access.departments_visible(principal)
    can_change = access.can_change_departments(principal)
    members = paginate(
        request,
        selectors.department_members(access.employees_visible(principal), department),
        per_page=MEMBERS_PER_PAGE,
    )
    return render(
        request,
        "org/department_detail.html",
        {
            "department": department,
            "ancestors": selectors.department_ancestors(visible, department),
            "subtree": selectors.department_subtree(visible, department),
            "positions": selectors.department_positions(department),
            "page": members,
            "can_change": can_change,
            "can_export": access.can_export_employees(principal),
            "entries": selectors.history(department) if can_change else None,
            "title": department.name,
        },
    )


def _render_form(
    request: HttpRequest,
    form: object,
    *,
    title: str,
    submit: str,
    cancel: str,
    department: Department | None = None,
    template: str = "org/form.html",
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "submit_label": submit,
            "cancel_url": cancel,
            "department": department,
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    if not access.can_change_departments(principal):
        raise Forbidden
    form = DepartmentCreateForm(
        posted(request),
        initial={"parent": request.GET.get("parent")},
        departments=selectors.department_choices(access.departments_visible(principal)),
        people=access.employees_visible(principal),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department = services.department_create(
                actor=actor_of(request),
                code=data["code"],
                name=data["name"],
                parent=data["parent"],
                head=data["head"],
                sort_order=data["sort_order"] or 0,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Department created."))
            return redirect("org:department", uuid=department.uuid)
    return _render_form(
        request,
        form,
        title=_("New department"),
        submit=_("Create"),
        cancel=reverse("org:tree"),
    )


@login_required
def edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = access.access_department_for_change(principal, uuid)
    form = DepartmentEditForm(
        posted(request),
        initial=DepartmentEditForm.initial_for(department),
        people=access.employees_visible(principal),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(department)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("org:department", uuid=department.uuid)
        try:
            services.department_update(
                actor=actor_of(request),
                department=department,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            department.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, _("Department saved."))
            return redirect("org:department", uuid=department.uuid)
    return _render_form(
        request,
        form,
        title=_("Edit %(name)s") % {"name": department.name},
        submit=_("Save"),
        cancel=reverse("org:department", args=[department.uuid]),
        department=department,
    )


@login_required
def move(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = access.access_department_for_change(principal, uuid)
    form = DepartmentMoveForm(
        posted(request),
        initial={"parent": department.parent.uuid if department.parent else None},
        departments=selectors.department_choices(access.departments_visible(principal)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.department_move(
                actor=actor_of(request),
                department=department,
                new_parent=form.cleaned_data["parent"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Department moved."))
            return redirect("org:department", uuid=department.uuid)
    return _render_form(
        request,
        form,
        title=_("Move %(name)s") % {"name": department.name},
        submit=_("Move"),
        cancel=reverse("org:department", args=[department.uuid]),
        department=department,
        template="org/department_move.html",
    )


@login_required
def close(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    department = access.access_department_for_change(principal, uuid)
    form = DepartmentCloseForm(
        posted(request),
        initial={"move_to": department.parent.uuid if department.parent else None},
        departments=selectors.department_choices(access.departments_visible(principal)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.department_close(
                actor=actor_of(request),
                department=department,
                move_to=form.cleaned_data["move_to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            department.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, _("Department closed."))
            return redirect("org:department", uuid=department.uuid)
    return _render_form(
        request,
        form,
        title=_("Close %(name)s") % {"name": department.name},
        submit=_("Close department"),
        cancel=reverse("org:department", args=[department.uuid]),
        department=department,
        template="org/department_close.html",
    )
