"""Resource requests: the inbox of department heads and HR (with the requests one made),
and one request with its history, answer and discussion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pms.coaching import access, selectors
from pms.coaching.forms import CommentForm, ResourceAnswerForm
from pms.coaching.models import ResourceRequest, ResourceStatus
from pms.coaching.services import obstacles as services
from pms.coaching.views import actor_of, principal_of
from pms.core.access import Forbidden, NotFound
from pms.core.pagination import paginate, query_without_page
from pms.org.access import is_member
from pms.org.forms import add_service_errors

MINE_SIZE = 20


@login_required
def resource_inbox(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    status = request.GET.get("status", ResourceStatus.OPEN)
    if status not in ResourceStatus.values and status != "all":
        status = ResourceStatus.OPEN
    handles = access.can_open_resource_inbox(principal)
    to_handle = selectors.resource_request_list(
        access.resource_requests_to_handle(principal), "" if status == "all" else status
    )
    return render(
        request,
        "coaching/resources.html",
        {
            "handles": handles,
            "page": paginate(request, to_handle) if handles else None,
            "mine": list(
                selectors.resource_request_list(access.resource_requests_of_mine(principal))[
                    :MINE_SIZE
                ]
            ),
            "status": status,
            "statuses": ResourceStatus.choices,
            "query": query_without_page(request),
            "title": _("Resource requests"),
        },
    )


def _page(
    request: HttpRequest,
    item: ResourceRequest,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = principal_of(request)
    forms = forms or {}
    return render(
        request,
        "coaching/resource.html",
        {
            "item": item,
            "history": selectors.resource_request_history(item),
            "can_answer": access.can_answer_resource_request(principal, item),
            "can_see_checkin": access.checkins_visible(principal)
            .filter(pk=item.obstacle.checkin_id)
            .exists(),
            "answer_form": forms.get("answer") or ResourceAnswerForm(),
            "comment_form": forms.get("comment") or CommentForm(),
            "title": _("Resource request"),
        },
        status=status,
    )


@login_required
def resource_request_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    return _page(request, access.access_resource_request(principal_of(request), uuid))


@login_required
@require_POST
def resource_request_answer(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    item = access.access_resource_request(principal, uuid)
    if not access.can_answer_resource_request(principal, item):
        raise Forbidden
    form = ResourceAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.resource_request_answer(
                actor=actor_of(request),
                request=item,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Answer recorded."))
            return redirect("coaching:resource_request", uuid=item.uuid)
    return _page(request, item, forms={"answer": form}, status=422)


@login_required
@require_POST
def resource_request_comment(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    item = access.access_resource_request(principal, uuid)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.resource_request_comment(
            actor=actor_of(request), request=item, body=form.cleaned_data["body"]
        )
        return redirect("coaching:resource_request", uuid=item.uuid)
    return _page(request, item, forms={"comment": form}, status=422)


urlpatterns: list[URLPattern] = [
    path("resources/", resource_inbox, name="resources"),
    path("resources/<uuid:uuid>/", resource_request_detail, name="resource_request"),
    path("resources/<uuid:uuid>/answer/", resource_request_answer, name="resource_answer"),
    path("resources/<uuid:uuid>/comment/", resource_request_comment, name="resource_comment"),
]
