"""HR's monitor (考核进度监控): which cycles to follow, one cycle's completion by phase,
rater type and department, its reviews with their counts, who is overdue, reminders in
bulk and the .xlsx export (a background job: the button starts it, the page shows its
progress and the download, ``pms.core.exports``).

HR sees the reviews their scope covers (an HRBP their departments). The monitor shows
counts for every rater type and names only the raters who owe a rating past its deadline —
never what anybody wrote.

Refusals: "not found" for people outside the company and for cycles they may not see;
"forbidden" for colleagues who are not HR, and for a draft cycle.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.export_pages import export_status_context, render_export_status
from pms.core.exports import export_start
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate
from pms.core.selectors import latest_export
from pms.org import access as org_access
from pms.org.forms import DepartmentChoiceField
from pms.org.models import Department
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.reviews import access, exporters
from pms.reviews.models import Cycle, CycleStatus, RaterType, Rating
from pms.reviews.selectors import monitor as selectors
from pms.reviews.services.phases import ratings_remind

PER_PAGE = 50
REMIND_OVERDUE = "overdue"
REMIND_OPEN = "open"


class MonitorFilterForm(forms.Form):
    department = DepartmentChoiceField(
        Department.objects.none(), required=False, label=gettext_lazy("Department")
    )
    rater_type = forms.ChoiceField(
        label=gettext_lazy("Rater type"),
        required=False,
        choices=[("", gettext_lazy("Every rater type")), *RaterType.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Every review")), *selectors.STATUS_FILTERS],
    )

    def __init__(self, data: Any, *, departments: QuerySet[Department]) -> None:
        super().__init__(data)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def filters(self) -> selectors.MonitorFilters:
        """The valid filters; a field with a bad value does not filter."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.MonitorFilters(
            department=data.get("department"),
            rater_type=data.get("rater_type") or "",
            status=data.get("status") or "",
        )


class RemindForm(forms.Form):
    which = forms.ChoiceField(
        choices=[
            (REMIND_OVERDUE, gettext_lazy("Overdue ratings")),
            (REMIND_OPEN, gettext_lazy("Every rating still open")),
        ]
    )


def _require_runner(principal: Principal) -> None:
    if not org_access.is_member(principal):
        raise NotFound
    if not access.can_run_reviews(principal):
        raise Forbidden


def _monitored(principal: Principal, uuid: object) -> Cycle:
    return access.access_cycle_for_monitor(principal, uuid)


def _back_to(cycle: Cycle, filter_query: str) -> str:
    target = reverse("reviews:monitor_cycle", kwargs={"uuid": cycle.uuid})
    return f"{target}?{filter_query}" if filter_query else target


def _filter_form(request: HttpRequest, principal: Principal, data: Any) -> MonitorFilterForm:
    departments = access.monitor_departments(principal).filter(is_active=True).order_by("path")
    return MonitorFilterForm(data, departments=departments)


@login_required
@require_GET
def monitor(request: HttpRequest) -> HttpResponse:
    """The cycles HR may follow."""
    principal = principal_of(request)
    _require_runner(principal)
    page = paginate(
        request,
        selectors.monitor_cycles(access.cycles_visible(principal)),
        per_page=PER_PAGE,
    )
    return render(
        request, "reviews/monitor_index.html", {"page": page, "title": _("Review monitor")}
    )


@login_required
@require_GET
def monitor_cycle(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = _monitored(principal, uuid)
    today = timezone.localdate()
    form = _filter_form(request, principal, request.GET or None)
    filters = form.filters()
    reviews = selectors.monitor_reviews_in(access.monitor_reviews(principal, cycle), filters)
    ratings = selectors.monitor_ratings(reviews, filters)
    deadlines = selectors.phase_deadlines(cycle)
    page = paginate(
        request,
        selectors.review_rows(cycle, reviews, filters, deadlines, today),
        per_page=PER_PAGE,
    )
    overdue = Paginator(
        selectors.overdue_ratings(cycle, ratings, deadlines, today), PER_PAGE
    ).get_page(request.GET.get("opage"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("opage", None)
    filter_query = query.urlencode()
    return render(
        request,
        "reviews/monitor_cycle.html",
        {
            "cycle": cycle,
            "form": form,
            "filters": filters,
            "summary": selectors.monitor_summary(cycle, reviews, ratings, deadlines, today),
            "departments": selectors.completion_by_department(
                ratings,
                access.monitor_departments(principal),
                focus=filters.department,
                roots=access.monitor_roots(principal),
            ),
            "page": page,
            "rows": selectors.with_counts(page.object_list, filters.rater_type),
            "overdue": overdue,
            "overdue_rows": [
                (rating, selectors.overdue_days(rating, deadlines, today))
                for rating in overdue.object_list
            ],
            "filter_query": filter_query,
            "remind_form": RemindForm(initial={"which": REMIND_OVERDUE}),
            "export": export_status_context(
                latest_export(principal.user, exporters.MONITOR_EXPORT, cycle=str(cycle.uuid))
            ),
            "can_remind": cycle.status == CycleStatus.RUNNING,
            "title": _("Monitor: %(name)s") % {"name": cycle.name},
        },
    )


def _ratings_in_view(
    request: HttpRequest, principal: Principal, cycle: Cycle, data: Any
) -> tuple[QuerySet[Rating], selectors.MonitorFilters]:
    filters = _filter_form(request, principal, data).filters()
    reviews = selectors.monitor_reviews_in(access.monitor_reviews(principal, cycle), filters)
    return selectors.monitor_ratings(reviews, filters), filters


@login_required
@require_POST
def monitor_export(request: HttpRequest, uuid: object) -> HttpResponse:
    """Start building the .xlsx file of the monitor as filtered (``filters``) in the
    background; HTMX gets the job's status to poll, a plain form goes back to the page,
    which shows the latest export."""
    principal = principal_of(request)
    cycle = _monitored(principal, uuid)
    back = request.POST.get("filters", "")[:2000]
    filters = _filter_form(request, principal, QueryDict(back) or None).filters()
    try:
        job = export_start(
            actor=actor_of(request),
            kind=exporters.MONITOR_EXPORT,
            params=exporters.monitor_export_params(cycle, filters),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_back_to(cycle, back))
    job.refresh_from_db()  # a worker may have started on it already
    if is_htmx(request):
        return render_export_status(request, job)
    messages.info(request, _("The file is being prepared; it will appear here when it is ready."))
    return redirect(_back_to(cycle, back))


@login_required
@require_POST
def monitor_remind(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    cycle = _monitored(principal, uuid)
    form = RemindForm(request.POST)
    back = request.POST.get("filters", "")[:2000]
    target = _back_to(cycle, back)
    if not form.is_valid():
        messages.error(request, _("Choose whom to remind."))
        return redirect(target)
    ratings, _filters = _ratings_in_view(request, principal, cycle, QueryDict(back) or None)
    if form.cleaned_data["which"] == REMIND_OVERDUE:
        ratings = ratings.filter(
            selectors.overdue_q(cycle, selectors.phase_deadlines(cycle), timezone.localdate())
        )
    try:
        done = ratings_remind(actor=actor_of(request), cycle=cycle, ratings=ratings)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(target)
    if done.ratings:
        messages.success(
            request,
            _("%(raters)s people reminded of %(ratings)s ratings.")
            % {"raters": done.raters, "ratings": done.ratings},
        )
    else:
        messages.info(
            request,
            _(
                "Nobody to remind: every rating chosen was reminded in the last 24 hours or "
                "cannot be filled in now."
            ),
        )
    return redirect(target)


urlpatterns: list[URLPattern] = [
    path("monitor/", monitor, name="monitor"),
    path("monitor/<uuid:uuid>/", monitor_cycle, name="monitor_cycle"),
    path("monitor/<uuid:uuid>/export/", monitor_export, name="monitor_export"),
    path("monitor/<uuid:uuid>/remind/", monitor_remind, name="monitor_remind"),
]
