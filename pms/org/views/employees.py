"""The employee directory and profiles."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org import access, selectors, services
from pms.org.forms import DirectoryFilterForm, EmployeeEditForm, EmployeeForm, add_service_errors
from pms.org.models import EmployeeStatus
from pms.org.views import actor_of, is_htmx, posted, principal_of

PEOPLE_PER_PAGE = 50


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    form = DirectoryFilterForm(
        request.GET,
        departments=selectors.department_choices(access.departments_visible(principal)),
        positions=access.positions_visible(principal),
        with_status=access.sees_private_of_others(principal),
    )
    people = selectors.employee_directory(
        access.employees_visible(principal),
        private=access.private_view_q(principal),
        **form.filters(),
    )
    page = paginate(request, people, per_page=PEOPLE_PER_PAGE)
    template = "org/_directory_results.html" if is_htmx(request) else "org/directory.html"
    response = render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": access.can_export_employees(principal),
            "can_create": access.can_add_people(principal),
            "title": _("Directory"),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    employee = access.access_employee(principal, uuid)
    visible = access.employees_visible(principal)
    employee = selectors.employee_profile(visible, employee)
    private = access.can_view_private(principal, employee)
    can_change = access.can_change_employee(principal, employee)
    return render(
        request,
        "org/employee_detail.html",
        {
            "employee": employee,
            "chain": selectors.manager_chain(visible, employee),
            "reports": selectors.direct_reports(visible, employee),
            "dotted_reports": selectors.dotted_reports(visible, employee) if private else None,
            "private": private,
            "can_change": can_change,
            "entries": selectors.history(employee) if can_change else None,
            "title": employee.name,
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.is_member(principal):
        raise NotFound
    if not access.can_add_people(principal):
        raise Forbidden
    form = EmployeeForm(
        posted(request),
        initial={"department": request.GET.get("department"), "status": EmployeeStatus.ACTIVE},
        departments=selectors.department_choices(access.departments_visible(principal)),
        positions=access.positions_visible(principal),
        people=access.employees_visible(principal),
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if not access.can_create_employee_in(principal, values["department"]):
            form.add_error("department", _("You may not place people in this department."))
        else:
            try:
                employee = services.employee_create(actor=actor_of(request), **values)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s added.") % {"name": employee.name})
                return redirect("org:employee", uuid=employee.uuid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("New employee"),
            "submit_label": _("Create"),
            "cancel_url": reverse("org:directory"),
        },
    )


@login_required
def edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    employee = access.access_employee_for_change(principal, uuid)
    form = EmployeeEditForm(
        posted(request),
        initial=EmployeeEditForm.initial_for(employee),
        departments=selectors.department_choices(access.departments_visible(principal)),
        positions=access.positions_visible(principal),
        people=access.employees_visible(principal),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes(employee)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("org:employee", uuid=employee.uuid)
        if "department" in changes and not access.can_create_employee_in(
            principal, changes["department"]
        ):
            form.add_error("department", _("You may not place people in this department."))
        else:
            try:
                services.employee_update(
                    actor=actor_of(request),
                    employee=employee,
                    changes=changes,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                employee.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": employee.name})
                return redirect("org:employee", uuid=employee.uuid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": employee.name},
            "submit_label": _("Save"),
            "cancel_url": reverse("org:employee", args=[employee.uuid]),
        },
    )
