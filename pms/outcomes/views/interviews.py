"""Interview pages (绩效面谈): scheduling from a result, the interview with its record, the
person's opinion and both signatures, my interviews, HR's overdue list and the guides.

Refusals: an interview or result nobody may see is "not found"; scheduling without being
one of the person's managers, or writing what is not one's part, is "forbidden". HR's
pages are "not found" to people who are not HR; changing guides is "forbidden" to HRBPs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate
from pms.org.forms import add_service_errors
from pms.org.roles import Principal
from pms.org.views import actor_of, principal_of
from pms.outcomes import access
from pms.outcomes.forms.interviews import (
    GuideForm,
    OpinionForm,
    RecordForm,
    ScheduleInterviewForm,
)
from pms.outcomes.models import Interview, InterviewGuide, InterviewStatus
from pms.outcomes.selectors import interviews as selectors
from pms.outcomes.services import interviews as services
from pms.outcomes.services.results import coefficient_table
from pms.outcomes.views.detail_pages import DetailPages, as_form

# --- scheduling from a result ------------------------------------------------------------


@login_required
def interview_for_result(request: HttpRequest, uuid: str) -> HttpResponse:
    """The result's interview if there is one the user may see, else the form to schedule
    it (for the person's managers)."""
    principal = principal_of(request)
    result = access.access_result(principal, uuid)
    existing = (
        Interview.objects.filter(result=result)
        .exclude(status=InterviewStatus.CANCELLED)
        .select_related("interviewer")
        .first()
    )
    if existing is not None:
        existing.result = result
        if access.can_see_interview(principal, existing):
            return redirect("outcomes:interview", uuid=existing.uuid)
    if existing is not None or not access.can_schedule_interview(principal, result):
        raise Forbidden
    form = ScheduleInterviewForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and principal.employee is not None:
            try:
                interview = services.interview_schedule(
                    actor=actor_of(request),
                    result=result,
                    interviewer=principal.employee,
                    scheduled_at=form.cleaned_data["scheduled_at"],
                    place=form.cleaned_data["place"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The interview is scheduled; the person is told."))
                return redirect("outcomes:interview", uuid=interview.uuid)
        status = 400
    return render(
        request,
        "outcomes/interview_schedule.html",
        {
            "result": result,
            "form": form,
            "guides": selectors.guides_for(result.grade),
            "title": _("Schedule the interview: %(name)s") % {"name": result.employee.name},
        },
        status=status,
    )


# --- one interview -----------------------------------------------------------------------


def _interview(principal: Principal, uuid: str) -> Interview:
    interview = access.access_interview(principal, uuid)
    if not access.can_see_interview(principal, interview):
        raise NotFound
    return interview


def _context(
    principal: Principal,
    interview: Interview,
    *,
    schedule_form: ScheduleInterviewForm | None = None,
    record_form: RecordForm | None = None,
    opinion_form: OpinionForm | None = None,
) -> dict[str, Any]:
    can_record = access.can_record_interview(principal, interview)
    can_reschedule = access.can_reschedule_interview(principal, interview)
    can_opinion = access.can_give_opinion(principal, interview)
    return {
        "interview": interview,
        "result": interview.result,
        "is_interviewer": access.is_interviewer(principal, interview),
        "can_record": can_record,
        "can_reschedule": can_reschedule,
        "can_opinion": can_opinion,
        "can_sign": access.can_sign_interview(principal, interview),
        "guides": selectors.guides_for(interview.result.grade)
        if access.is_interviewer(principal, interview)
        else [],
        "schedule_form": schedule_form
        or ScheduleInterviewForm(
            initial={"scheduled_at": interview.scheduled_at, "place": interview.place}
        ),
        "record_form": record_form
        or RecordForm(initial={name: getattr(interview, name) for name in services.RECORD_FIELDS}),
        "opinion_form": opinion_form
        or OpinionForm(initial={"employee_opinion": interview.employee_opinion}),
        "title": _("Performance interview: %(name)s · %(cycle)s")
        % {"name": interview.result.employee.name, "cycle": interview.result.cycle.name},
    }


PAGES: DetailPages[Interview] = DetailPages(
    template="outcomes/interview_detail.html",
    url_name="outcomes:interview",
    find=_interview,
    context=_context,
)


@login_required
@require_GET
def interview(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    return PAGES.page(request, principal, _interview(principal, uuid))


@login_required
@require_POST
def interview_reschedule(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_reschedule_interview)
    return PAGES.submit(
        request,
        principal,
        found,
        ScheduleInterviewForm(request.POST),
        lambda data: services.interview_reschedule(
            actor=actor_of(request),
            interview=found,
            scheduled_at=data["scheduled_at"],
            place=data["place"],
        ),
        message=_("The interview is moved; the person is told."),
        bound=as_form("schedule_form"),
    )


@login_required
@require_POST
def interview_cancel(request: HttpRequest, uuid: str) -> HttpResponse:
    _principal, found = PAGES.find_for(request, uuid, access.can_cancel_interview)
    try:
        services.interview_cancel(actor=actor_of(request), interview=found)
    except ValidationError as error:
        return PAGES.refused(request, found, error)
    messages.success(request, _("The interview is cancelled."))
    # back on the result, which offers to schedule a new one
    return redirect("outcomes:result", uuid=found.result.uuid)


@login_required
@require_POST
def interview_record(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_record_interview)
    return PAGES.submit(
        request,
        principal,
        found,
        RecordForm(request.POST),
        lambda data: services.interview_record(actor=actor_of(request), interview=found, **data),
        message=_("The record is saved."),
        bound=as_form("record_form"),
    )


@login_required
@require_POST
def interview_opinion(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_give_opinion)
    return PAGES.submit(
        request,
        principal,
        found,
        OpinionForm(request.POST),
        lambda data: services.interview_opinion(
            actor=actor_of(request), interview=found, opinion=data["employee_opinion"]
        ),
        message=_("Your opinion is saved."),
        bound=as_form("opinion_form"),
    )


@login_required
@require_POST
def interview_sign(request: HttpRequest, uuid: str) -> HttpResponse:
    principal, found = PAGES.find_for(request, uuid, access.can_sign_interview)
    party = (
        services.Party.INTERVIEWER
        if access.is_interviewer(principal, found)
        else services.Party.EMPLOYEE
    )
    return PAGES.act(
        request,
        found,
        lambda: services.interview_sign(actor=actor_of(request), interview=found, party=party),
        _("You signed the record."),
    )


# --- lists -------------------------------------------------------------------------------


@login_required
@require_GET
def my_interviews(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if principal.employee is None:
        raise NotFound
    return render(
        request,
        "outcomes/interview_list.html",
        {
            "page": paginate(request, selectors.my_interviews(principal)),
            "me": principal.employee,
            "title": _("Performance interviews"),
        },
    )


@login_required
@require_GET
def overdue_interviews(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_overdue_interviews(principal):
        raise NotFound
    days, rows = selectors.overdue_interviews(principal)
    return render(
        request,
        "outcomes/interview_overdue.html",
        {"page": paginate(request, rows), "days": days, "title": _("Interviews overdue")},
    )


# --- guides ------------------------------------------------------------------------------


def _grades() -> list[str]:
    return list(coefficient_table())


@login_required
def guides(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_run_results(principal):
        raise NotFound
    can_manage = access.can_manage_guides(principal)
    form = GuideForm(request.POST if request.method == "POST" else None, grades=_grades())
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise Forbidden
        if form.is_valid():
            try:
                services.guide_create(actor=actor_of(request), **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The guide is added."))
                return redirect("outcomes:guides")
        status = 400
    return render(
        request,
        "outcomes/guide_list.html",
        {
            "guides": list(access.guides_visible(principal)),
            "form": form if can_manage else None,
            "title": _("Interview guides"),
        },
        status=status,
    )


@login_required
def guide_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    guide: InterviewGuide = access.access_guide_for_change(principal, uuid)
    initial = {"grade": guide.grade, "title": guide.title, "talking_points": guide.talking_points}
    form = GuideForm(
        request.POST if request.method == "POST" else None, initial=initial, grades=_grades()
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.guide_update(actor=actor_of(request), guide=guide, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The guide is saved."))
                return redirect("outcomes:guides")
        status = 400
    return render(
        request,
        "outcomes/guide_form.html",
        {"guide": guide, "form": form, "title": _("Edit the interview guide")},
        status=status,
    )


@login_required
@require_POST
def guide_delete(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    guide = access.access_guide_for_change(principal, uuid)
    services.guide_delete(actor=actor_of(request), guide=guide)
    messages.success(request, _("The guide is deleted."))
    return redirect("outcomes:guides")


urlpatterns: list[URLPattern] = [
    path("r/<uuid:uuid>/interview/", interview_for_result, name="interview_for_result"),
    path("interviews/", my_interviews, name="interviews"),
    path("interviews/overdue/", overdue_interviews, name="interviews_overdue"),
    path("interviews/<uuid:uuid>/", interview, name="interview"),
    path("interviews/<uuid:uuid>/move/", interview_reschedule, name="interview_reschedule"),
    path("interviews/<uuid:uuid>/cancel/", interview_cancel, name="interview_cancel"),
    path("interviews/<uuid:uuid>/record/", interview_record, name="interview_record"),
    path("interviews/<uuid:uuid>/opinion/", interview_opinion, name="interview_opinion"),
    path("interviews/<uuid:uuid>/sign/", interview_sign, name="interview_sign"),
    path("guides/", guides, name="guides"),
    path("guides/<uuid:uuid>/", guide_edit, name="guide_edit"),
    path("guides/<uuid:uuid>/delete/", guide_delete, name="guide_delete"),
]
