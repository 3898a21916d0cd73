"""/api/v1/reviews/{uuid}/result and /api/v1/review-cycles/{uuid}/results|recompute: one
review's result as the page shows it to the caller (same access, same anonymity), HR's
paged list of a cycle's results, and starting a recomputation or a freeze. Reads need the
``read_reviews`` scope, writes ``write_reviews`` (browser sessions hold every scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pms.core.access import Forbidden
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.reviews import access
from pms.reviews.explain import ExplainedGoal
from pms.reviews.models import Review
from pms.reviews.selectors import results as selectors
from pms.reviews.services import recompute as services

from .result_schemas import (
    AnonymousTypeOut,
    CycleResultOut,
    CycleResultPage,
    GoalResultOut,
    ItemAggregateOut,
    NamedAnswerOut,
    NamedRatingOut,
    RecomputeIn,
    RecomputeOut,
    ResultOut,
    ReviewRef,
    SectionAggregateOut,
    SectionResultOut,
    TypeMeanOut,
    VetoOut,
)

router = Router(tags=["review results"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _goal(goal: ExplainedGoal) -> GoalResultOut:
    return GoalResultOut(
        title=goal.title,
        kind=goal.kind,
        weight=goal.weight,
        unit=goal.unit,
        target=goal.target,
        actual=goal.actual,
        attainment=goal.attainment,
        score=goal.score,
        rule=goal.rule,
        source=goal.source,
        vetoed=goal.vetoed,
        explanation=goal.sentences,
        key_results=[_goal(kr) for kr in goal.key_results],
    )


def _result_out(page: selectors.ResultPage) -> ResultOut:
    review = page.review
    explained = page.explained
    ref = ReviewRef(
        uuid=review.uuid,
        employee=review.employee.name,
        employee_number=review.employee.number,
        department=review.department.name,
        cycle=review.cycle.uuid,
        cycle_name=review.cycle.name,
    )
    anonymous = [
        AnonymousTypeOut(
            rater_type=kind.rater_type,
            asked=kind.asked,
            submitted=kind.submitted,
            released=kind.released,
            withheld=kind.withheld,
            sections=[
                SectionAggregateOut(
                    title=section.title,
                    kind=section.kind,
                    items=[
                        ItemAggregateOut(
                            title=item.title,
                            answers=item.answers,
                            shown=item.shown,
                            mean=item.mean,
                            distribution=dict(item.distribution),
                            comments=item.comments,
                        )
                        for item in section.items
                    ],
                )
                for section in kind.sections
            ],
            comments=kind.comments,
        )
        for kind in page.ratings.anonymous
    ]
    named = [
        NamedRatingOut(
            rater_type=rating.rater_type,
            rater=rating.rater_name,
            answers=[
                NamedAnswerOut(section=title, title=a.title, value=a.value, comment=a.comment)
                for title, answers in rating.sections
                for a in answers
            ],
            overall_comment=rating.overall_comment,
        )
        for rating in page.ratings.named
    ]
    if explained is None:
        return ResultOut(
            review=ref,
            computed=False,
            score=None,
            grade="",
            complete=False,
            frozen=False,
            version=None,
            error="",
            sections=[],
            vetoes=[],
            explanation=[],
            anonymous=anonymous,
            named=named,
        )
    return ResultOut(
        review=ref,
        computed=True,
        score=explained.score,
        grade=explained.grade,
        complete=explained.complete,
        frozen=explained.frozen,
        version=explained.version,
        error=explained.error,
        sections=[
            SectionResultOut(
                title=section.title,
                kind=section.kind,
                weight=section.weight,
                score=section.score,
                rater_types=[
                    TypeMeanOut(
                        rater_type=t.rater_type,
                        weight=t.weight,
                        count=t.count,
                        minimum=t.minimum,
                        mean=t.mean,
                        counted=t.counted,
                    )
                    for t in section.types
                ],
                held=section.held,
                goals=[_goal(goal) for goal in section.goals],
                explanation=section.sentences,
            )
            for section in explained.sections
        ],
        vetoes=[
            VetoOut(title=v.title, triggered=v.triggered, grade=v.grade) for v in explained.vetoes
        ],
        explanation=explained.sentences,
        anonymous=anonymous,
        named=named,
    )


@router.get(
    "/reviews/{uuid:uuid}/result", response={200: ResultOut, **ERRORS}, summary="A review's result"
)
def review_result(request: HttpRequest, uuid: UUID) -> ResultOut:
    """The current result with "how was this computed", the goals table and the ratings as
    the caller may see them: anonymous rater types aggregated (at least k answers, after
    their phase), named ratings where allowed. The reviewee sees it from the results phase."""
    who = principal(request, access.READ_SCOPE)
    review = access.access_review(who, uuid)
    if not access.can_see_result(who, review):
        raise Forbidden(_("The result is shown once the cycle reaches the results phase."))
    return _result_out(selectors.result_page(who, review))


def _row(review: Review) -> CycleResultOut:
    return CycleResultOut(
        review=review.uuid,
        employee=review.employee.name,
        employee_number=review.employee.number,
        department=review.department.name,
        score=review.score,
        grade=review.grade,
        computed=getattr(review, "result_version", None) is not None,
        complete=bool(getattr(review, "result_complete", False)),
        frozen=bool(getattr(review, "result_frozen", False)),
    )


@router.get(
    "/review-cycles/{uuid:uuid}/results",
    response={200: CycleResultPage, **ERRORS},
    summary="A cycle's results",
)
def cycle_results(request: HttpRequest, uuid: UUID, paging: Query[PageQuery]) -> dict[str, Any]:
    """Score, grade and state of every review HR's scope covers (an HRBP: their departments)."""
    who = principal(request, access.READ_SCOPE)
    cycle = access.access_cycle(who, uuid)
    if not access.can_see_cycle_results(who, cycle):
        raise Forbidden
    return paginate(selectors.cycle_results_rows(who, cycle), paging, _row)


@router.post(
    "/review-cycles/{uuid:uuid}/recompute",
    response={202: RecomputeOut, **ERRORS},
    summary="Recompute or freeze a cycle's results",
)
def cycle_recompute(request: HttpRequest, uuid: UUID, body: RecomputeIn) -> Status[RecomputeOut]:
    """Starts the background job. ``freeze`` locks the results with a snapshot of the actual
    values; once frozen, a recomputation needs a ``reason`` (422 without one)."""
    who = principal(request, access.WRITE_SCOPE)
    cycle = access.access_cycle(who, uuid)
    if not access.can_recompute_results(who, cycle):
        raise Forbidden
    actor = Actor(user=who.user, channel=AuditChannel.API)
    start = services.results_freeze if body.freeze else services.recompute_start
    run = start(actor=actor, cycle=cycle, reason=body.reason)
    return Status(
        202,
        RecomputeOut(
            uuid=run.uuid, status=run.status, total=run.total, freeze=run.freeze, reason=run.reason
        ),
    )
