"""/api/v1/my-ratings and /api/v1/ratings/{uuid}: the rater's to-do list, one rating with
its questions, saving a draft, submitting and declining — through the same access
functions, selectors and services as the pages. Only the rater reaches a rating (404 for
anybody else). Reads need the ``read_reviews`` scope, writes ``write_reviews``."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from pms.core.access import Forbidden, NotFound
from pms.core.api import ErrorOut, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org.models import Employee
from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.models import Cycle, Rating
from pms.reviews.phases import PHASE_OF_TYPE
from pms.reviews.selectors.ratings import (
    Question,
    TodoRow,
    my_todo,
    phase_deadline,
    rating_form,
)
from pms.reviews.services.raters import rating_decline
from pms.reviews.services.ratings import AnswerInput, rating_save_draft, rating_submit
from pms.scoring.ratings import scale_to_data

from .rating_schemas import (
    AnswerIn,
    ChoiceOut,
    CycleRef,
    DeclineIn,
    GoalOut,
    PersonRef,
    QuestionOut,
    RatingDraftIn,
    RatingOut,
    SectionOut,
    TodoListOut,
    TodoOut,
)

router = Router(tags=["ratings"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(who: Principal) -> Actor:
    return Actor(user=who.user, channel=AuditChannel.API)


def _person(person: Employee) -> PersonRef:
    return PersonRef(
        uuid=person.uuid, number=person.number, name=person.name, department=person.department.name
    )


def _cycle(cycle: Cycle) -> CycleRef:
    return CycleRef(uuid=cycle.uuid, name=cycle.name, phase=cycle.phase)


def _todo(row: TodoRow) -> TodoOut:
    return TodoOut(
        uuid=row.rating.uuid,
        reviewee=_person(row.review.employee),
        cycle=_cycle(row.review.cycle),
        rater_type=row.rating.rater_type,
        status=row.rating.status,
        deadline=row.deadline,
        open_now=row.open_now,
        overdue=row.overdue,
        submitted_at=row.rating.submitted_at,
    )


def _question(question: Question) -> QuestionOut:
    goal = question.goal
    return QuestionOut(
        key=question.key,
        mode=question.mode,
        title=question.title,
        description=question.description,
        required=question.required and question.answerable,
        scale=scale_to_data(question.scale) if question.scale is not None else None,
        choices=[
            ChoiceOut(value=c.value, label=c.label, anchor=c.anchor) for c in question.choices
        ],
        anchors=dict(question.anchors),
        value=question.value,
        comment=question.comment,
        goal=None
        if goal is None
        else GoalOut(
            uuid=goal.uuid,
            title=goal.title,
            kind=goal.kind,
            completion_standard=goal.completion_standard,
            due_date=goal.due_date,
            target=goal.target,
            unit=goal.unit,
            weight=goal.weight,
            attainment=question.attainment,
        ),
    )


def _rating_out(who: Principal, uuid: UUID) -> RatingOut:
    rating = access.access_my_rating(who, uuid)
    today = timezone.localdate()
    review = rating.review
    form = rating_form(rating)
    return RatingOut(
        uuid=rating.uuid,
        reviewee=_person(review.employee),
        cycle=_cycle(review.cycle),
        rater_type=rating.rater_type,
        anonymous=rating.anonymous,
        status=rating.status,
        editable=access.can_edit_rating(who, rating, today),
        can_decline=access.can_decline_rating(who, rating, today),
        deadline=phase_deadline(
            review.cycle.phases.all(),
            review.extensions.all(),
            PHASE_OF_TYPE[rating.rater_type],
            today,
        ),
        overall_comment=rating.overall_comment,
        submitted_at=rating.submitted_at,
        sections=[
            SectionOut(
                uuid=block.section.uuid,
                kind=block.section.kind,
                title=block.section.title,
                description=block.section.description,
                questions=[_question(q) for q in block.questions],
            )
            for block in form.sections
        ],
    )


def _editable(who: Principal, uuid: UUID) -> Rating:
    rating = access.access_my_rating(who, uuid)
    if not access.can_edit_rating(who, rating, timezone.localdate()):
        raise Forbidden(_("This review can no longer be changed."))
    return rating


def _value(given: AnswerIn) -> AnswerInput:
    value = given.value
    if isinstance(value, bool):
        text: str | None = "yes" if value else "no"
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = value
    return AnswerInput(value=text, comment=given.comment)


def _answers(payload: RatingDraftIn | None) -> dict[str, AnswerInput]:
    if payload is None:
        return {}
    return {key: _value(given) for key, given in payload.answers.items()}


@router.get("/my-ratings", response={200: TodoListOut, **ERRORS}, summary="My reviews to do")
def my_ratings(request: HttpRequest) -> TodoListOut:
    """Every rating I give in the running cycles, my self reviews first: to do (with the
    deadline, whether it is open now and overdue) and submitted."""
    who = principal(request, access.READ_SCOPE)
    if who.employee is None:
        raise NotFound
    todo = my_todo(who, timezone.localdate())
    return TodoListOut(
        items=[_todo(row) for row in todo.rows],
        open_count=todo.open_count,
        overdue_count=todo.overdue_count,
    )


@router.get("/ratings/{uuid}", response={200: RatingOut, **ERRORS}, summary="One of my ratings")
def rating_detail(request: HttpRequest, uuid: UUID) -> RatingOut:
    """The questions I answer in this rating, in the template's order, with my answers."""
    who = principal(request, access.READ_SCOPE)
    return _rating_out(who, uuid)


@router.put("/ratings/{uuid}", response={200: RatingOut, **ERRORS}, summary="Save a draft")
def rating_draft(request: HttpRequest, uuid: UUID, payload: RatingDraftIn) -> RatingOut:
    """Save some or all answers as a draft (``answers`` keyed by the questions' ``key``).
    Nothing is required; a value the scale does not take is refused (422, by key) and
    nothing is saved. 403 once submitted or when the phase is closed."""
    who = principal(request, access.WRITE_SCOPE)
    rating = _editable(who, uuid)
    rating_save_draft(
        actor=_actor(who),
        rating=rating,
        answers=_answers(payload),
        overall_comment=payload.overall_comment,
    )
    return _rating_out(who, uuid)


@router.post(
    "/ratings/{uuid}/submit", response={200: RatingOut, **ERRORS}, summary="Submit a rating"
)
def rating_submit_endpoint(
    request: HttpRequest, uuid: UUID, payload: RatingDraftIn | None = None
) -> RatingOut:
    """Save the answers sent (if any) and submit: every required question must be
    answered with a value its scale takes, else 422 by key and nothing is saved."""
    who = principal(request, access.WRITE_SCOPE)
    rating = _editable(who, uuid)
    rating_submit(
        actor=_actor(who),
        rating=rating,
        answers=_answers(payload),
        overall_comment=payload.overall_comment if payload is not None else None,
    )
    return _rating_out(who, uuid)


@router.post(
    "/ratings/{uuid}/decline", response={200: RatingOut, **ERRORS}, summary="Decline a rating"
)
def rating_decline_endpoint(request: HttpRequest, uuid: UUID, payload: DeclineIn) -> RatingOut:
    """Decline to rate (never one's own self review), with a reason."""
    who = principal(request, access.WRITE_SCOPE)
    rating = access.access_my_rating(who, uuid)
    if not access.can_decline_rating(who, rating, timezone.localdate()):
        raise Forbidden(_("This review can no longer be declined."))
    rating_decline(actor=_actor(who), rating=rating, reason=payload.reason)
    return _rating_out(who, uuid)
