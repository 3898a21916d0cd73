"""Feedback pages. Views parse input, ask ``pms.feedback.access``, call one service or
selector and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.core.access import Forbidden, NotFound
from pms.core.htmx import is_htmx
from pms.core.pagination import paginate, query_without_page
from pms.org.access import is_member
from pms.org.forms import add_service_errors
from pms.org.models import Employee
from pms.org.views import actor_of, posted, principal_of

from . import access, selectors, services
from .anonymity import anonymity_min
from .forms import (
    BoardFilterForm,
    DeclineForm,
    FeedbackForm,
    ObservationForm,
    RequestForm,
    TalkForm,
)
from .models import Observation

TABS = ("received", "given", "requests", "team")


def _me(request: HttpRequest) -> Employee:
    """The signed-in person's employee record; 404 for accounts without one."""
    me = principal_of(request).employee
    if me is None:
        raise NotFound
    return me


# --- my feedback -------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    _me(request)
    tab = request.GET.get("tab", "received")
    if tab not in TABS or (tab == "team" and not access.can_see_team_feedback(principal)):
        tab = "received"
    context: dict[str, Any] = {
        "tab": tab,
        "can_see_team": access.can_see_team_feedback(principal),
        "query": query_without_page(request),
    }
    if tab == "requests":
        context["to_answer"] = list(selectors.requests_to_answer(principal)[:50])
        context["page"] = paginate(request, selectors.requests_made(principal))
    elif tab == "given":
        context["page"] = paginate(request, selectors.feedback_given(principal))
    elif tab == "team":
        context["page"] = paginate(request, selectors.feedback_of_team(principal))
    else:
        context["page"] = paginate(request, selectors.feedback_received(principal))
    return render(request, "feedback/mine.html", context)


@login_required
def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    feedback = access.access_feedback(principal_of(request), uuid)
    return render(request, "feedback/detail.html", {"feedback": feedback})


# --- giving ------------------------------------------------------------------------------


@login_required
def choose_person(request: HttpRequest) -> HttpResponse:
    """Search a colleague to give feedback to (or to ask for feedback)."""
    principal = principal_of(request)
    if not access.can_give_feedback(principal):
        raise NotFound
    purpose = "ask" if request.GET.get("for") == "ask" else "give"
    text = request.GET.get("q", "")[:100]
    context = {
        "purpose": purpose,
        "q": text,
        "people": selectors.people_search(principal, text),
    }
    if is_htmx(request):
        return render(request, "feedback/_people.html", context)
    return render(request, "feedback/choose.html", context)


def _observation_for(request: HttpRequest, receiver: Employee) -> Observation | None:
    uuid = request.GET.get("observation") or request.POST.get("observation")
    if not uuid:
        return None
    observation = access.access_observation_for_talk(principal_of(request), uuid)
    if observation.report_id != receiver.pk:
        raise NotFound
    return observation


@login_required
def give(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    me = _me(request)
    receiver = access.access_receiver(principal, uuid)
    observation = _observation_for(request, receiver)
    allow_anonymous = observation is None and access.can_give_anonymously(principal, receiver)
    form = FeedbackForm(
        posted(request),
        goals=access.goals_linkable(principal, receiver),
        allow_anonymous=allow_anonymous,
        k=anonymity_min(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feedback = services.feedback_give(
                actor=actor_of(request),
                giver=me,
                receiver=receiver,
                kind=data["kind"],
                situation=data["situation"],
                behaviour=data["behaviour"],
                impact=data["impact"],
                suggestion=data["suggestion"],
                goal=data.get("goal"),
                public=data.get("public", False),
                anonymous=data.get("anonymous", False),
                observation=observation,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if feedback.anonymous:
                messages.success(
                    request,
                    _(
                        "Your anonymous feedback is recorded. %(name)s will see it only "
                        "summarised with that of at least %(k)d colleagues."
                    )
                    % {"name": receiver.name, "k": anonymity_min()},
                )
                return redirect("feedback:mine")
            messages.success(request, _("Feedback sent to %(name)s.") % {"name": receiver.name})
            if observation is not None:
                return redirect("feedback:observations")
            return redirect("feedback:detail", feedback.uuid)
    return render(
        request,
        "feedback/give.html",
        {"receiver": receiver, "form": form, "observation": observation},
    )


@login_required
def ask(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    me = _me(request)
    asked = access.access_receiver(principal, uuid)
    form = RequestForm(posted(request), goals=access.request_goals(principal))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_request_create(
                actor=actor_of(request),
                requester=me,
                asked=asked,
                about=data["about"],
                goal=data["goal"],
                due_date=data["due_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Request sent to %(name)s.") % {"name": asked.name})
            return redirect(f"{reverse('feedback:mine')}?tab=requests")
    return render(request, "feedback/ask.html", {"asked": asked, "form": form})


@login_required
def answer(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    feedback_request = access.access_request(principal, uuid)
    can_answer = access.can_answer_request(principal, feedback_request)
    form = FeedbackForm(posted(request))
    if request.method == "POST":
        if not can_answer:
            raise Forbidden
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback = services.feedback_request_answer(
                    actor=actor_of(request),
                    request=feedback_request,
                    kind=data["kind"],
                    situation=data["situation"],
                    behaviour=data["behaviour"],
                    impact=data["impact"],
                    suggestion=data["suggestion"],
                    public=data.get("public", False),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your answer is sent."))
                return redirect("feedback:detail", feedback.uuid)
    return render(
        request,
        "feedback/answer.html",
        {
            "feedback_request": feedback_request,
            "form": form,
            "decline_form": DeclineForm(),
            "can_answer": can_answer,
        },
    )


@login_required
@require_POST
def decline(request: HttpRequest, uuid: str) -> HttpResponse:
    feedback_request = access.access_request_for_answer(principal_of(request), uuid)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_request_decline(
                actor=actor_of(request),
                request=feedback_request,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Request declined."))
            return redirect(f"{reverse('feedback:mine')}?tab=requests")
    else:
        messages.error(request, _("Keep the reason shorter."))
    return redirect("feedback:answer", feedback_request.uuid)


# --- praise wall -------------------------------------------------------------------------


@login_required
def praise(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    page = paginate(request, selectors.praise(principal), per_page=20)
    return render(request, "feedback/praise.html", {"page": page})


# --- upward feedback ---------------------------------------------------------------------


def _upward_page(request: HttpRequest, manager: Employee) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_read_upward(principal, manager):
        raise NotFound
    summary = selectors.upward_summary(principal, manager)
    page = paginate(request, selectors.upward_named(principal, manager), per_page=20)
    return render(
        request,
        "feedback/upward.html",
        {
            "manager": manager,
            "summary": summary,
            "page": page,
            "is_self": principal.employee is not None and principal.employee.pk == manager.pk,
        },
    )


@login_required
def upward(request: HttpRequest) -> HttpResponse:
    return _upward_page(request, _me(request))


@login_required
def upward_of(request: HttpRequest, uuid: str) -> HttpResponse:
    return _upward_page(request, access.access_upward_manager(principal_of(request), uuid))


# --- observations and the 24-hour rule ---------------------------------------------------


@login_required
def observations(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    me = _me(request)
    if not access.can_record_observations(principal):
        raise NotFound
    form = ObservationForm(posted(request), reports=access.observable_reports(principal))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = data["report"]
        if not access.can_observe(principal, report):
            raise Forbidden
        try:
            services.observation_record(
                actor=actor_of(request),
                manager=me,
                report=report,
                kind=data["kind"],
                what=data["what"],
                observed_at=data["observed_at"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Observation recorded. Talk to %(name)s about it within 24 hours.")
                % {"name": report.name},
            )
            return redirect("feedback:observations")
    page = paginate(request, selectors.observations_of_manager(principal), per_page=20)
    return render(
        request,
        "feedback/observations.html",
        {"form": form, "page": page, "talk_form": TalkForm()},
    )


@login_required
@require_POST
def observation_talk(request: HttpRequest, uuid: str) -> HttpResponse:
    observation = access.access_observation_for_talk(principal_of(request), uuid)
    form = TalkForm(request.POST)
    if form.is_valid():
        try:
            services.observation_talk(
                actor=actor_of(request),
                observation=observation,
                note=form.cleaned_data["note"],
                talked_at=form.cleaned_data["talked_at"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Conversation recorded."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("feedback:observations")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_board(principal):
        raise NotFound
    departments = access.board_departments(principal)
    form = BoardFilterForm(request.GET or None, departments=departments)
    today = timezone.localdate()
    since, until, department = today - dt.timedelta(days=90), today, None
    if form.is_bound and form.is_valid():
        since = form.cleaned_data["since"] or since
        until = form.cleaned_data["until"] or until
        department = form.cleaned_data["department"]
    chosen = selectors.BoardFilter(since=since, until=until, department=department)
    page = paginate(request, selectors.board_rows(principal, chosen))
    return render(
        request,
        "feedback/board.html",
        {
            "form": form,
            "page": page,
            "chosen": chosen,
            "query": query_without_page(request),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", mine, name="mine"),
    path("f/<uuid:uuid>/", detail, name="detail"),
    path("people/", choose_person, name="choose"),
    path("give/<uuid:uuid>/", give, name="give"),
    path("ask/<uuid:uuid>/", ask, name="ask"),
    path("requests/<uuid:uuid>/", answer, name="answer"),
    path("requests/<uuid:uuid>/decline/", decline, name="decline"),
    path("praise/", praise, name="praise"),
    path("upward/", upward, name="upward"),
    path("upward/<uuid:uuid>/", upward_of, name="upward_of"),
    path("observations/", observations, name="observations"),
    path("observations/<uuid:uuid>/talk/", observation_talk, name="observation_talk"),
    path("board/", board, name="board"),
]
