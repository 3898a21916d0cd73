"""Factories for review data.

The first ones build rows directly (templates, cycles, reviews, ratings), so each area's
tests can start from a known state without running the launch; the services that make the
same state have their own tests. Append new factories at the end (several people add to
this file).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from pms.goals.models import Period, Scorecard
from pms.org.models import Employee
from pms.reviews.models import (
    DEFAULT_ANONYMOUS,
    DEFAULT_RATER_WEIGHTS,
    PHASE_ORDER,
    Answer,
    Cycle,
    CycleKind,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseStatus,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
    TemplateStatus,
)

_seq = itertools.count(1)

LEVELS_SCALE: dict[str, Any] = {
    "kind": "levels",
    "levels": [
        {"code": "S", "points": "100"},
        {"code": "A", "points": "85"},
        {"code": "B", "points": "70"},
        {"code": "C", "points": "60"},
        {"code": "D", "points": "40"},
    ],
}
NUMERIC_SCALE: dict[str, Any] = {"kind": "numeric", "min": "1", "max": "5", "step": "1"}
YES_NO_SCALE: dict[str, Any] = {"kind": "yes_no"}


def template(
    code: str | None = None,
    *,
    name: str = "通用考核模板",
    rater_weights: dict[str, int] | None = None,
    anonymous_types: list[str] | None = None,
    rater_types: list[str] | None = None,
    goals_weight: str = "60",
    competencies_weight: str = "40",
    status: str = TemplateStatus.ACTIVE,
    peer_min: int = 3,
    peer_max: int = 6,
) -> ReviewTemplate:
    """Goal results (60) + three competencies on S–D levels (40), an open question and a
    veto item ("重大违纪", grade D)."""
    weights = dict(rater_weights if rater_weights is not None else DEFAULT_RATER_WEIGHTS)
    tpl = ReviewTemplate.objects.create(
        code=code or f"tpl-{next(_seq)}",
        name=name,
        status=status,
        rater_weights={k: int(v) for k, v in weights.items()},
        anonymous_types=list(anonymous_types if anonymous_types is not None else DEFAULT_ANONYMOUS),
        rater_types=list(rater_types if rater_types is not None else weights),
        peer_min=peer_min,
        peer_max=peer_max,
    )
    TemplateSection.objects.create(
        template=tpl,
        kind=SectionKind.GOALS,
        title="业绩目标",
        weight=Decimal(goals_weight),
        sort_order=1,
    )
    competencies = TemplateSection.objects.create(
        template=tpl,
        kind=SectionKind.COMPETENCIES,
        title="能力与价值观",
        weight=Decimal(competencies_weight),
        scale=LEVELS_SCALE,
        sort_order=2,
    )
    for order, title in enumerate(("客户导向", "团队协作", "专业能力"), start=1):
        TemplateItem.objects.create(
            section=competencies,
            title=title,
            anchors={
                "S": f"{title}：在团队中树立标杆",
                "B": f"{title}：达到岗位要求",
                "D": f"{title}：明显不足",
            },
            sort_order=order,
        )
    questions = TemplateSection.objects.create(
        template=tpl, kind=SectionKind.QUESTIONS, title="开放问题", sort_order=3
    )
    TemplateItem.objects.create(
        section=questions, title="本期最大的成绩是什么？", required=False, sort_order=1
    )
    veto = TemplateSection.objects.create(
        template=tpl,
        kind=SectionKind.VETO,
        title="否决项",
        scale=YES_NO_SCALE,
        rater_types=[RaterType.MANAGER],
        sort_order=4,
    )
    TemplateItem.objects.create(section=veto, title="重大违纪", veto_grade="D", sort_order=1)
    return tpl


def competency_items(tpl: ReviewTemplate) -> list[TemplateItem]:
    return list(
        TemplateItem.objects.filter(
            section__template=tpl, section__kind=SectionKind.COMPETENCIES
        ).order_by("sort_order")
    )


def cycle(
    name: str | None = None,
    *,
    period: Period | None = None,
    kind: str = CycleKind.ANNUAL,
    status: str = CycleStatus.RUNNING,
    phase: str = Phase.SELF,
    start: dt.date = dt.date(2026, 1, 1),
    end: dt.date = dt.date(2026, 12, 31),
    default_template: ReviewTemplate | None = None,
) -> Cycle:
    """A cycle with a row per phase; phases before ``phase`` closed, ``phase`` open."""
    the_cycle = Cycle.objects.create(
        name=name or f"2026年度考核-{next(_seq)}",
        kind=kind,
        period=period,
        start=start,
        end=end,
        status=status,
        phase=phase,
        default_template=default_template,
    )
    current = PHASE_ORDER.index(phase)
    for index, code in enumerate(PHASE_ORDER):
        if status == CycleStatus.DRAFT or index > current:
            state = PhaseStatus.PENDING
        elif index < current or status == CycleStatus.CLOSED:
            state = PhaseStatus.CLOSED
        else:
            state = PhaseStatus.OPEN
        CyclePhase.objects.create(
            cycle=the_cycle,
            phase=code,
            status=state,
            deadline=end + dt.timedelta(days=7 * (index + 1)),
        )
    return the_cycle


def review(
    the_cycle: Cycle,
    person: Employee,
    *,
    tpl: ReviewTemplate | None = None,
    scorecard: Scorecard | None = None,
) -> Review:
    template_used = tpl or the_cycle.default_template
    assert template_used is not None, "give the cycle a default template or pass tpl"
    return Review.objects.create(
        cycle=the_cycle,
        employee=person,
        department=person.department,
        position=person.position,
        role_family=person.position.role_family if person.position else None,
        manager=person.manager,
        template=template_used,
        scorecard=scorecard,
    )


def rating(
    the_review: Review,
    rater: Employee,
    rater_type: str,
    *,
    status: str = RatingStatus.PENDING,
    anonymous: bool | None = None,
) -> Rating:
    if anonymous is None:
        anonymous = rater_type in the_review.template.anonymous_types
    return Rating.objects.create(
        review=the_review,
        rater=rater,
        rater_type=rater_type,
        anonymous=anonymous,
        status=status,
    )


def answer(the_rating: Rating, item: TemplateItem, value: str, comment: str = "") -> Answer:
    return Answer.objects.create(rating=the_rating, item=item, value=value, comment=comment)


def submitted(the_rating: Rating, values: dict[TemplateItem, str], comment: str = "") -> Rating:
    """Answers written and the rating submitted (directly, for set-up)."""
    from django.utils import timezone

    for item, value in values.items():
        answer(the_rating, item, value, comment)
    the_rating.status = RatingStatus.SUBMITTED
    the_rating.submitted_at = timezone.now()
    the_rating.save(update_fields=["status", "submitted_at", "updated_at"])
    return the_rating


def extra_peers(person: Employee, count: int) -> list[Employee]:
    """``count`` more colleagues of ``person`` (same department and manager)."""
    from pms.org.tests.factories import employee

    return [
        employee(
            f"同事{n}",
            dept=person.department,
            manager=person.manager,
            number=f"P{next(_seq):05d}",
        )
        for n in range(count)
    ]


# --- results (scoring engine) ----------------------------------------------------------------


def progress(goal: Any, actual: str | None) -> Any:
    """The goal's figure as tracking keeps it (``GoalProgress.actual``), set directly."""
    from django.utils import timezone

    from pms.tracking.models import GoalProgress

    row, _created = GoalProgress.objects.update_or_create(
        goal=goal,
        defaults={
            "period": goal.period,
            "employee": goal.employee,
            "status": "on_track",
            "actual": None if actual is None else Decimal(actual),
            "as_of": timezone.localdate(),
        },
    )
    return row


def scored_scorecard(
    person: Employee, the_period: Period, goals: list[tuple[str, str, str, str]]
) -> Scorecard:
    """A scorecard with KPIs ``(title, weight, target, actual)`` (linear 0–120), each with
    its figure recorded."""
    from pms.goals.tests import factories as goal_factories

    card = goal_factories.scorecard(person, the_period)
    for title, weight, target, actual in goals:
        goal = goal_factories.kpi(card, title=title, weight=weight, target=Decimal(target))
        progress(goal, actual)
    return card


def scored_review(
    the_cycle: Cycle,
    person: Employee,
    score: str | None,
    *,
    tpl: ReviewTemplate | None = None,
    complete: bool = True,
) -> Review:
    """A review of ``person`` in ``the_cycle`` with a current result edition of kind
    "review" scoring ``score`` (set directly, for the composite's tests)."""
    from pms.reviews.models import ResultKind, ReviewResult

    the_review = review(the_cycle, person, tpl=tpl)
    ReviewResult.objects.create(
        review=the_review,
        kind=ResultKind.REVIEW,
        score=None if score is None else Decimal(score),
        complete=complete,
    )
    return the_review


def draft_template(
    actor: Any,
    code: str | None = None,
    *,
    name: str = "研发考核模板",
    competencies: int = 2,
) -> ReviewTemplate:
    """A draft edition made through the template services: goal results 60, competencies
    40 on S–D levels with anchors, an open question and a veto item — ready to activate."""
    from pms.reviews.services.template_sections import template_item_add, template_section_add
    from pms.reviews.services.templates import template_create

    tpl = template_create(actor=actor, code=code or f"draft-{next(_seq)}", name=name)
    template_section_add(
        actor=actor, template=tpl, kind=SectionKind.GOALS, title="业绩结果", weight=Decimal(60)
    )
    section = template_section_add(
        actor=actor,
        template=tpl,
        kind=SectionKind.COMPETENCIES,
        title="能力素质",
        weight=Decimal(40),
        scale=LEVELS_SCALE,
    )
    for number in range(1, competencies + 1):
        template_item_add(
            actor=actor,
            section=section,
            title=f"能力{number}",
            anchors={"S": "树立标杆", "B": "达到要求", "D": "明显不足"},
        )
    questions = template_section_add(
        actor=actor, template=tpl, kind=SectionKind.QUESTIONS, title="开放问题"
    )
    template_item_add(actor=actor, section=questions, title="最大的成绩？", required=False)
    veto = template_section_add(
        actor=actor,
        template=tpl,
        kind=SectionKind.VETO,
        title="否决项",
        rater_types=[RaterType.MANAGER],
    )
    template_item_add(actor=actor, section=veto, title="重大违纪")
    return tpl


def rated_review(
    reviewee: Employee,
    manager: Employee,
    peers: list[Employee],
    *,
    the_period: Period,
    phase: str = Phase.RESULTS,
    tpl: ReviewTemplate | None = None,
    compute: bool = True,
) -> Review:
    """A review with a scorecard (one KPI 450 of 500), the manager's and the person's own
    ratings and one anonymous rating per peer (all "B", comments "意见第n条" / "总评第n条"
    in the order they were written), its result computed."""
    from pms.reviews.services.recompute import results_refresh

    the_tpl = tpl or template()
    card = scored_scorecard(reviewee, the_period, [("销售额", "100", "500", "450")])
    the_cycle = cycle(default_template=the_tpl, phase=phase, period=the_period)
    the_review = review(the_cycle, reviewee, tpl=the_tpl, scorecard=card)
    items = competency_items(the_tpl)
    manager_rating = rating(the_review, manager, RaterType.MANAGER)
    manager_rating.overall_comment = "经理总评：继续保持"
    manager_rating.save(update_fields=["overall_comment"])
    submitted(manager_rating, dict(zip(items, ("S", "A", "B"), strict=True)), "经理点评")
    submitted(rating(the_review, reviewee, RaterType.SELF), dict.fromkeys(items, "A"), "自评")
    for n, person in enumerate(peers):
        peer_rating = rating(the_review, person, RaterType.PEER)
        peer_rating.overall_comment = f"总评第{n}条"
        peer_rating.save(update_fields=["overall_comment"])
        submitted(peer_rating, dict.fromkeys(items, "B"), f"意见第{n}条")
    if compute:
        results_refresh(review_ids=[the_review.pk])
        the_review.refresh_from_db()
    return the_review
