"""The review scoring engine against hand-computed examples: goals from actuals, rater types
blended and renormalised, the k rule, phases holding anonymous answers back, vetoes, bands,
goal versions, key tasks rated by raters, and what the explanation may hold."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from pms.goals.models import GoalKind, GoalVersion, Period, Scorecard
from pms.goals.rules import STEP_SENTENCES
from pms.goals.services.versions import goal_terms
from pms.goals.tests import factories as goal_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.explain import explain_result, step_sentence
from pms.reviews.models import (
    Phase,
    RaterType,
    Review,
    ReviewResult,
    ReviewSettings,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.services.recompute import results_refresh
from pms.reviews.services.scoring import Computed, compute
from pms.reviews.services.scoring_inputs import TemplateCache, inputs_for, scoring_settings
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

LEVELS = rf.LEVELS_SCALE


def computed(review: Review) -> Computed:
    conf = scoring_settings()
    inputs = inputs_for([review.pk], templates=TemplateCache(), today=conf.today)
    return compute(inputs[review.pk], conf)


def section(result: Computed, kind: str) -> dict[str, Any]:
    return next(s for s in result.explanation["sections"] if s["kind"] == kind)


def types(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["type"]: t for t in row["types"]}


@pytest.fixture
def period() -> Period:
    return goal_factories.period("2026年度考核期")


@pytest.fixture
def card(org: TestOrg, period: Period) -> Scorecard:
    # A: 450 of 500 → 90; B: 120 of 100 → capped at 120. 60 × 90 + 40 × 120 = 102
    return rf.scored_scorecard(
        org.employee, period, [("销售额", "60", "500", "450"), ("回款率", "40", "100", "130")]
    )


@pytest.fixture
def tpl() -> ReviewTemplate:
    return rf.template()  # goals 60 + competencies 40; manager 60, peer 20, self 10, upward 10


def rate(review: Review, rater: Any, kind: str, levels: tuple[str, str, str]) -> None:
    items = rf.competency_items(review.template)
    rf.submitted(rf.rating(review, rater, kind), dict(zip(items, levels, strict=True)))


def veto(review: Review, rater: Any, value: str) -> None:
    item = TemplateItem.objects.get(section__template=review.template, section__kind="veto")
    rating = review.ratings.get(rater=rater, rater_type=RaterType.MANAGER)
    rf.answer(rating, item, value)


def full_review(
    org: TestOrg,
    tpl: ReviewTemplate,
    card: Scorecard,
    *,
    peers: int = 3,
    phase: str = Phase.MANAGER,
) -> Review:
    cycle = rf.cycle(default_template=tpl, phase=phase, period=card.period)
    review = rf.review(cycle, org.employee, scorecard=card)
    rate(review, org.manager, RaterType.MANAGER, ("S", "A", "B"))  # 100, 85, 70 → 85
    rate(review, org.employee, RaterType.SELF, ("A", "A", "A"))  # 85
    for person in [org.peer, *rf.extra_peers(org.employee, 4)][:peers]:
        rate(review, person, RaterType.PEER, ("B", "B", "B"))  # 70
    veto(review, org.manager, "no")
    return review


def test_hand_computed_review(org: TestOrg, tpl: ReviewTemplate, card: Scorecard) -> None:
    review = full_review(org, tpl, card)

    result = computed(review)

    goals = section(result, SectionKind.GOALS)
    assert goals["score"] == "102.00"
    assert [(g["title"], g["actual"], g["attainment"], g["score"]) for g in goals["goals"]] == [
        ("销售额", "450", "90.00", "90.00"),
        ("回款率", "130", "130.00", "120.00"),
    ]
    competencies = section(result, SectionKind.COMPETENCIES)
    # (60 × 85 + 20 × 70 + 10 × 85) / 90 = 81.666… → 81.67; upward left out, not a zero
    assert competencies["score"] == "81.67"
    by_type = types(competencies)
    assert by_type["manager"]["mean"] == "85.00"
    assert by_type["manager"]["count"] == 1
    assert by_type["peer"] == {
        "type": "peer",
        "weight": "20",
        "count": 3,
        "minimum": 3,
        "mean": "70.00",
        "counted": True,
    }
    assert by_type["upward"]["count"] == 0
    assert by_type["upward"]["counted"] is False
    # 0.6 × 102 + 0.4 × 81.67 = 93.868 → 93.87, grade S (≥ 90)
    assert result.score == Decimal("93.87")
    assert result.grade == "S"
    assert result.complete is True
    assert result.explanation["vetoes"] == [
        {"title": "重大违纪", "source": "item", "triggered": False, "grade": "D", "score_cap": None}
    ]


def test_a_missing_type_is_renormalised_not_zero(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=card.period)
    review = rf.review(cycle, org.employee, scorecard=card)
    rate(review, org.employee, RaterType.SELF, ("A", "A", "A"))  # 85
    for person in [org.peer, *rf.extra_peers(org.employee, 2)]:
        rate(review, person, RaterType.PEER, ("B", "B", "B"))  # 70

    result = computed(review)

    # no manager answer yet: (20 × 70 + 10 × 85) / 30 = 75
    assert section(result, SectionKind.COMPETENCIES)["score"] == "75.00"
    codes = [s["code"] for s in section(result, SectionKind.COMPETENCIES)["steps"]]
    assert "rater_type_missing" in codes


def test_fewer_than_k_anonymous_answers_do_not_count_and_show_no_mean(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    review = full_review(org, tpl, card, peers=2)

    result = computed(review)

    competencies = section(result, SectionKind.COMPETENCIES)
    peer = types(competencies)["peer"]
    assert peer["count"] == 2
    assert peer["minimum"] == 3
    assert peer["mean"] is None
    assert peer["counted"] is False
    # (60 × 85 + 10 × 85) / 70 = 85
    assert competencies["score"] == "85.00"
    too_few = [s for s in competencies["steps"] if s["code"] == "rater_type_too_few"]
    assert too_few
    assert "mean" not in too_few[0]["values"]


def test_k_comes_from_the_company_settings(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    ReviewSettings.objects.create(anonymity_min=2)
    review = full_review(org, tpl, card, peers=2)

    competencies = section(computed(review), SectionKind.COMPETENCIES)

    assert types(competencies)["peer"]["counted"] is True
    assert competencies["score"] == "81.67"


def test_anonymous_answers_are_held_until_their_phase_has_passed(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    review = full_review(org, tpl, card, phase=Phase.PEER)

    result = computed(review)

    competencies = section(result, SectionKind.COMPETENCIES)
    assert competencies["held"] == ["peer"]
    assert "peer" not in types(competencies)
    assert competencies["steps"][0] == {"code": "rater_type_held", "values": {"type": "peer"}}
    assert competencies["score"] == "85.00"
    assert result.complete is False


def test_a_reopened_peer_phase_holds_the_answers_again(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    from pms.reviews.models import PhaseExtension

    review = full_review(org, tpl, card)
    PhaseExtension.objects.create(
        review=review,
        phase=Phase.PEER,
        until=dt.date.today() + dt.timedelta(days=3),
        reason="病假",
        granted_by=org.sysadmin,
    )

    assert section(computed(review), SectionKind.COMPETENCIES)["held"] == ["peer"]


def test_a_veto_sets_the_grade(org: TestOrg, tpl: ReviewTemplate, card: Scorecard) -> None:
    review = full_review(org, tpl, card)
    item = TemplateItem.objects.get(section__template=tpl, section__kind="veto")
    item.veto_score_cap = Decimal(50)
    item.save()
    review.ratings.get(rater_type=RaterType.MANAGER).answers.filter(item=item).update(value="yes")

    result = computed(review)

    assert result.grade == "D"
    assert result.score == Decimal("50.00")  # capped
    codes = [s["code"] for s in result.explanation["steps"]]
    assert {"review_veto", "veto_grade", "veto_cap", "grade_veto"} <= set(codes)


def test_an_undecided_veto_keeps_the_result_incomplete(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    review = full_review(org, tpl, card)
    review.ratings.get(rater_type=RaterType.MANAGER).answers.filter(
        item__section__kind="veto"
    ).delete()

    result = computed(review)

    assert result.score == Decimal("93.87")
    assert result.complete is False
    assert result.explanation["vetoes"][0]["triggered"] is None


def test_bands_of_the_template_then_the_company_then_the_default(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    review = full_review(org, tpl, card)  # 93.87
    assert computed(review).grade == "S"

    ReviewSettings.objects.create(
        grade_bands=[
            {"grade": "S", "min_score": "95"},
            {"grade": "A", "min_score": "85"},
            {"grade": "B", "min_score": "0"},
        ]
    )
    assert computed(review).grade == "A"

    tpl.grade_bands = [{"grade": "A", "min": "90"}, {"grade": "C", "min": "0"}]
    tpl.save()
    result = computed(review)
    assert result.grade == "A"
    assert result.explanation["grade_bands"] == [
        {"grade": "A", "min_score": "90"},
        {"grade": "C", "min_score": "0"},
    ]


def test_partial_result_scores_what_is_in(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    cycle = rf.cycle(default_template=tpl, phase=Phase.SELF, period=card.period)
    review = rf.review(cycle, org.employee, scorecard=card)
    rf.rating(review, org.manager, RaterType.MANAGER)  # asked, not answered

    result = computed(review)

    # only the goals are in: 102 over their 60 % scaled to 100 % = 102
    assert result.score == Decimal("102.00")
    assert result.complete is False
    assert section(result, SectionKind.COMPETENCIES)["score"] is None
    assert result.inputs["ratings"]["outstanding"] == {"manager": 1}


def test_goals_of_part_of_the_scorecard_are_weighted_over_their_weight(
    org: TestOrg, period: Period
) -> None:
    card = rf.scored_scorecard(org.employee, period, [("销售额", "60", "500", "450")])
    goal_factories.task(card, weight="40")
    tpl = rf.template()
    TemplateSection.objects.filter(template=tpl, kind=SectionKind.GOALS).update(
        goal_sections=["results"]
    )
    review = rf.review(rf.cycle(default_template=tpl, period=period), org.employee, scorecard=card)

    goals = section(computed(review), SectionKind.GOALS)

    assert [g["title"] for g in goals["goals"]] == ["销售额"]
    assert goals["score"] == "90.00"
    assert goals["steps"][0] == {"code": "goal_weights_scaled", "values": {"weight": "60.00"}}


def test_key_tasks_rated_by_raters_are_scored_from_the_ratings(
    org: TestOrg, period: Period
) -> None:
    card = rf.scored_scorecard(org.employee, period, [("销售额", "60", "500", "450")])
    task = goal_factories.task(card, weight="40")
    tpl = rf.template()
    TemplateSection.objects.create(
        template=tpl,
        kind=SectionKind.TASKS,
        title="重点工作",
        weight=Decimal(0),
        scale=LEVELS,
        rater_types=[RaterType.MANAGER],
        sort_order=2,
    )
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period)
    review = rf.review(cycle, org.employee, scorecard=card)
    rating = rf.rating(review, org.manager, RaterType.MANAGER)
    from pms.reviews.models import Answer

    Answer.objects.create(rating=rating, goal=task, value="A")  # 85
    rf.submitted(rating, dict(zip(rf.competency_items(tpl), ("S", "A", "B"), strict=True)))

    goals = section(computed(review), SectionKind.GOALS)

    rated = next(g for g in goals["goals"] if g["kind"] == GoalKind.TASK)
    assert rated["source"] == "ratings"
    assert rated["score"] == "85.00"
    assert rated["types"][0]["type"] == "manager"
    # 0.6 × 90 + 0.4 × 85 = 88
    assert goals["score"] == "88.00"


def test_a_goal_adjusted_mid_period_is_prorated_by_days(org: TestOrg, period: Period) -> None:
    card = rf.scored_scorecard(org.employee, period, [("销售额", "100", "500", "450")])
    goal = card.goals.get()
    first = goal_terms(goal)
    GoalVersion.objects.create(
        goal=goal, number=1, valid_from=period.start, valid_to=dt.date(2026, 6, 30), terms=first
    )
    goal.target = Decimal(400)
    goal.version = 2
    goal.save()
    GoalVersion.objects.create(
        goal=goal, number=2, valid_from=dt.date(2026, 7, 1), terms=goal_terms(goal)
    )
    review = rf.review(
        rf.cycle(default_template=rf.template(), period=period), org.employee, scorecard=card
    )

    goals = section(computed(review), SectionKind.GOALS)

    # v1: 450/500 → 90 for 181 days; v2: 450/400 → 112.5 for 184 days → 101.34
    assert goals["goals"][0]["score"] == "101.34"
    codes = [s["code"] for s in goals["goals"][0]["steps"]]
    assert codes.count("goal_version") == 2
    assert "prorate" in codes


def test_a_template_set_up_wrongly_gives_no_score_and_the_reason(
    org: TestOrg, card: Scorecard
) -> None:
    tpl = rf.template(goals_weight="50")  # 50 + 40 ≠ 100
    review = rf.review(
        rf.cycle(default_template=tpl, period=card.period), org.employee, scorecard=card
    )

    result = computed(review)

    assert result.score is None
    assert result.complete is False
    assert result.explanation["error"]["code"] == "weights_not_100"


def test_the_explanation_holds_counts_and_means_only(
    org: TestOrg, tpl: ReviewTemplate, card: Scorecard
) -> None:
    review = full_review(org, tpl, card)
    peers = list(review.ratings.filter(rater_type=RaterType.PEER).select_related("rater"))
    results_refresh(review_ids=[review.pk])

    stored = ReviewResult.objects.get(review=review)
    text = json.dumps(stored.explanation, ensure_ascii=False) + json.dumps(
        stored.inputs, ensure_ascii=False
    )

    for rating in peers:
        assert rating.rater.name not in text
        assert rating.rater.number not in text
        assert str(rating.uuid) not in text
    for word in ("rater", "rater_id", "submitted_at", "rating_id", "rating_item", "rater_score"):
        assert f'"{word}"' not in text
    competencies = next(s for s in stored.explanation["sections"] if s["kind"] == "competencies")
    assert set(competencies["types"][0]) == {
        "type",
        "weight",
        "count",
        "minimum",
        "mean",
        "counted",
    }


def test_every_step_reads_as_a_sentence(org: TestOrg, tpl: ReviewTemplate, card: Scorecard) -> None:
    review = full_review(org, tpl, card, phase=Phase.PEER)
    results_refresh(review_ids=[review.pk])

    explained = explain_result(ReviewResult.objects.get(review=review))

    every = explained.sentences + [s for sec in explained.sections for s in sec.sentences]
    every += [s for sec in explained.sections for g in sec.goals for s in g.sentences]
    assert every
    assert not [sentence for sentence in every if "%(" in sentence]
    stored = json.dumps(ReviewResult.objects.get(review=review).explanation)
    codes = set(re.findall(r'"code": "([a-z_]+)"', stored))
    assert codes
    assert codes <= set(STEP_SENTENCES)
    assert step_sentence({"code": "rater_type_held", "values": {"type": "peer"}}).startswith("Peer")
    assert explained.sections[0].goals[0].rule.startswith("Linear")


def test_a_scorecard_made_after_the_launch_is_found(org: TestOrg, period: Period) -> None:
    review = rf.review(rf.cycle(default_template=rf.template(), period=period), org.employee)
    rf.scored_scorecard(org.employee, period, [("销售额", "100", "500", "450")])

    goals = section(computed(review), SectionKind.GOALS)

    assert goals["score"] == "90.00"


def test_a_goal_whose_rule_cannot_apply_is_left_unscored_with_the_reason(
    org: TestOrg, tpl: ReviewTemplate, period: Period
) -> None:
    # a target of 0 to exceed has no attainment: that goal has no score, the rest stands
    card = rf.scored_scorecard(
        org.employee, period, [("销售额", "60", "500", "450"), ("新客户数", "40", "0", "3")]
    )
    review = full_review(org, tpl, card)

    result = computed(review)

    goals = section(result, SectionKind.GOALS)
    broken = next(g for g in goals["goals"] if g["title"] == "新客户数")
    assert broken["score"] is None
    assert broken["steps"][0]["code"] == "goal_rule_error"
    assert "error" in broken["steps"][0]["values"]
    assert "cannot be applied" in step_sentence(broken["steps"][0])
    assert goals["score"] == "90.00"  # 销售额 alone, renormalised
    assert result.score is not None
    assert result.complete is False


def test_a_key_task_section_without_key_tasks_is_left_out_and_the_review_completes(
    org: TestOrg, card: Scorecard
) -> None:
    tpl = rf.template(goals_weight="50", competencies_weight="30")
    TemplateSection.objects.create(
        template=tpl,
        kind=SectionKind.TASKS,
        title="重点工作",
        weight=Decimal(20),
        scale=LEVELS,
        rater_types=[RaterType.MANAGER],
        sort_order=2,
    )
    review = full_review(org, tpl, card)

    result = computed(review)

    tasks = section(result, SectionKind.TASKS)
    assert tasks["not_applicable"] is True
    assert tasks["steps"] == [{"code": "section_not_applicable", "values": {}}]
    # (50 × 102 + 30 × 81.67) / 80 = 94.38
    assert result.score == Decimal("94.38")
    assert result.complete is True


def test_without_any_goal_the_goal_section_is_missing_not_left_out(
    org: TestOrg, tpl: ReviewTemplate, period: Period
) -> None:
    empty = goal_factories.scorecard(org.employee, period)
    review = full_review(org, tpl, empty)

    result = computed(review)

    assert section(result, SectionKind.GOALS).get("not_applicable") is None
    assert result.complete is False
