"""/api/v1/feedback: my received and given feedback, giving feedback, the praise wall,
requests and the anonymous upward summary — through the same access functions, services
and selectors as the pages. Reads need the ``read_tracking`` scope, writes
``write_feedback`` (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pms.core.access import Forbidden, NotFound
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.feedback import access, selectors, services
from pms.feedback.models import Feedback, FeedbackRequest
from pms.goals.models import Goal
from pms.org.access import is_member
from pms.org.models import Employee
from pms.org.roles import Principal

from .schemas import (
    AnonymousAck,
    AnswerIn,
    DeclineIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    GoalRef,
    PersonOut,
    RequestFilters,
    RequestIn,
    RequestOut,
    RequestPage,
    UpwardOut,
)

router = Router(tags=["feedback"])

READ = "read_tracking"
WRITE = "write_feedback"
ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(who: Principal) -> Actor:
    return Actor(user=who.user, channel=AuditChannel.API)


def _me(who: Principal) -> Employee:
    if who.employee is None:
        raise NotFound
    return who.employee


def _person(person: Employee) -> PersonOut:
    return PersonOut(
        uuid=person.uuid, number=person.number, name=person.name, department=person.department.name
    )


def _goal(goal: Goal | None) -> GoalRef | None:
    return None if goal is None else GoalRef(uuid=goal.uuid, title=goal.title)


def _feedback_out(item: Feedback) -> FeedbackOut:
    if item.giver is None:  # anonymous items never reach a list; never shown if they did
        raise NotFound
    return FeedbackOut(
        uuid=item.uuid,
        kind=item.kind,
        giver=_person(item.giver),
        receiver=_person(item.receiver),
        situation=item.situation,
        behaviour=item.behaviour,
        impact=item.impact,
        suggestion=item.suggestion,
        goal=_goal(item.goal),
        public=item.public,
        upward=item.upward,
        request=None if item.request is None else item.request.uuid,
        created_at=item.created_at,
    )


def _request_out(item: FeedbackRequest) -> RequestOut:
    answer = getattr(item, "answer", None) if item.status == "answered" else None
    return RequestOut(
        uuid=item.uuid,
        requester=_person(item.requester),
        asked=_person(item.asked),
        about=item.about,
        goal=_goal(item.goal),
        due_date=item.due_date,
        status=item.status,
        decline_reason=item.decline_reason,
        answer=None if answer is None else answer.uuid,
        created_at=item.created_at,
    )


def _list(queryset: Any, paging: PageQuery) -> dict[str, Any]:
    return paginate(queryset.select_related("request"), paging, _feedback_out)


@router.get("/feedback/received", response={200: FeedbackPage, **ERRORS}, summary="Received")
def received(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """Feedback given to me with names (anonymous feedback is only in /feedback/upward)."""
    who = principal(request, READ)
    _me(who)
    return _list(selectors.feedback_received(who), paging)


@router.get("/feedback/given", response={200: FeedbackPage, **ERRORS}, summary="Given")
def given(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """Feedback I gave with my name (anonymous feedback keeps no author, so is not here)."""
    who = principal(request, READ)
    _me(who)
    return _list(selectors.feedback_given(who), paging)


@router.get("/feedback/praise", response={200: FeedbackPage, **ERRORS}, summary="Praise wall")
def praise(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    who = principal(request, READ)
    if not is_member(who):
        raise NotFound
    return _list(selectors.praise(who), paging)


@router.get(
    "/feedback/items/{uuid:uuid}", response={200: FeedbackOut, **ERRORS}, summary="One item"
)
def detail(request: HttpRequest, uuid: UUID) -> FeedbackOut:
    who = principal(request, READ)
    return _feedback_out(access.access_feedback(who, uuid))


def _linkable_goal(who: Principal, receiver: Employee, uuid: UUID | None) -> Goal | None:
    if uuid is None:
        return None
    goal = access.goals_linkable(who, receiver).filter(uuid=uuid).first()
    if goal is None:
        raise ValidationError({"goal": [_("Choose one of the receiver's own goals.")]})
    return goal


@router.post(
    "/feedback",
    response={201: FeedbackOut, 202: AnonymousAck, **ERRORS},
    summary="Give feedback",
)
def give(request: HttpRequest, payload: FeedbackIn) -> Status[Any]:
    """Give feedback to a colleague. Anonymous feedback (to one of your managers only)
    answers 202 with no id: it cannot be read back one by one, not even by its author."""
    who = principal(request, WRITE)
    me = _me(who)
    try:
        receiver = access.access_receiver(who, payload.receiver)
    except NotFound:
        raise ValidationError({"receiver": [_("No current colleague with this id.")]}) from None
    if payload.anonymous and not access.can_give_anonymously(who, receiver):
        raise ValidationError(
            {"anonymous": [_("Only feedback to your own managers can be anonymous.")]}
        )
    feedback = services.feedback_give(
        actor=_actor(who),
        giver=me,
        receiver=receiver,
        kind=payload.kind,
        situation=payload.situation,
        behaviour=payload.behaviour,
        impact=payload.impact,
        suggestion=payload.suggestion,
        goal=_linkable_goal(who, receiver, payload.goal),
        public=payload.public,
        anonymous=payload.anonymous,
    )
    if feedback.anonymous:
        return Status(202, AnonymousAck(window=feedback.window))
    return Status(201, _feedback_out(access.access_feedback(who, feedback.uuid)))


@router.get("/feedback/upward", response={200: UpwardOut, **ERRORS}, summary="Upward summary")
def upward(request: HttpRequest) -> UpwardOut:
    """Anonymous upward feedback about me: per quarter, whole groups of k only, shuffled."""
    who = principal(request, READ)
    summary = selectors.upward_summary(who, _me(who))
    return UpwardOut.model_validate(
        {
            "k": summary.k,
            "windows": [
                {
                    "window": w.window,
                    "shown": w.shown,
                    "recognition": w.recognition,
                    "constructive": w.constructive,
                    "comments": [c.__dict__ for c in w.comments],
                }
                for w in summary.windows
            ],
        }
    )


# --- requests ----------------------------------------------------------------------------


@router.get("/feedback/requests", response={200: RequestPage, **ERRORS}, summary="Requests")
def requests(
    request: HttpRequest, filters: Query[RequestFilters], paging: Query[PageQuery]
) -> dict[str, Any]:
    """Requests asked of me (open ones) or made by me."""
    who = principal(request, READ)
    _me(who)
    if filters.role == "made":
        rows = selectors.requests_made(who).select_related("requester__department")
    else:
        rows = selectors.requests_to_answer(who).select_related("asked__department")
    return paginate(rows, paging, _request_out)


def _request(who: Principal, uuid: UUID) -> FeedbackRequest:
    return access.access_request(who, uuid)


@router.post("/feedback/requests", response={201: RequestOut, **ERRORS}, summary="Ask")
def request_create(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    who = principal(request, WRITE)
    me = _me(who)
    try:
        asked = access.access_receiver(who, payload.asked)
    except NotFound:
        raise ValidationError({"asked": [_("No current colleague with this id.")]}) from None
    goal = None
    if payload.goal is not None:
        goal = access.request_goals(who).filter(uuid=payload.goal).first()
        if goal is None:
            raise ValidationError({"goal": [_("Choose one of your own goals.")]})
    created = services.feedback_request_create(
        actor=_actor(who),
        requester=me,
        asked=asked,
        about=payload.about,
        goal=goal,
        due_date=payload.due_date,
    )
    return Status(201, _request_out(_request(who, created.uuid)))


@router.post(
    "/feedback/requests/{uuid:uuid}/answer",
    response={201: FeedbackOut, **ERRORS},
    summary="Answer a request",
)
def request_answer(request: HttpRequest, uuid: UUID, payload: AnswerIn) -> Status[FeedbackOut]:
    who = principal(request, WRITE)
    feedback_request = access.access_request_for_answer(who, uuid)
    feedback = services.feedback_request_answer(
        actor=_actor(who),
        request=feedback_request,
        kind=payload.kind,
        situation=payload.situation,
        behaviour=payload.behaviour,
        impact=payload.impact,
        suggestion=payload.suggestion,
        public=payload.public,
    )
    return Status(201, _feedback_out(access.access_feedback(who, feedback.uuid)))


@router.post(
    "/feedback/requests/{uuid:uuid}/decline",
    response={200: RequestOut, **ERRORS},
    summary="Decline a request",
)
def request_decline(request: HttpRequest, uuid: UUID, payload: DeclineIn) -> RequestOut:
    who = principal(request, WRITE)
    feedback_request = access.access_request_for_answer(who, uuid)
    services.feedback_request_decline(
        actor=_actor(who), request=feedback_request, reason=payload.reason
    )
    return _request_out(_request(who, uuid))


__all__ = ["Forbidden", "router"]
