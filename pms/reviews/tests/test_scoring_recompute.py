"""Storing results: editions written only on change, cycles recomputed in batches with a
fixed number of queries, freezing with a snapshot, and corrections after the freeze that
need a reason and leave an audited new edition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.goals.models import Period
from pms.goals.tests import factories as goal_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    Cycle,
    Phase,
    RaterType,
    RecomputeRun,
    RecomputeStatus,
    Review,
    ReviewResult,
)
from pms.reviews.services.recompute import (
    recompute_batch,
    recompute_start,
    result_recompute,
    results_freeze,
    results_refresh,
)
from pms.reviews.tests import factories as rf
from pms.tracking.models import ActualSnapshot
from pms.tracking.tests import factories as tracking_factories

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def period() -> Period:
    return goal_factories.period("2026年度")


def rated_review(org: TestOrg, period: Period) -> Review:
    card = rf.scored_scorecard(org.employee, period, [("销售额", "100", "500", "450")])
    tpl = rf.template()
    review = rf.review(
        rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period),
        org.employee,
        scorecard=card,
    )
    items = rf.competency_items(tpl)
    rf.submitted(
        rf.rating(review, org.manager, RaterType.MANAGER), dict(zip(items, "SAB", strict=True))
    )
    return review


def test_an_edition_is_written_only_when_something_changed(org: TestOrg, period: Period) -> None:
    review = rated_review(org, period)

    assert results_refresh(review_ids=[review.pk]) == 1
    assert results_refresh(review_ids=[review.pk]) == 0

    first = ReviewResult.objects.get(review=review)
    assert (first.version, first.is_current, first.frozen) == (1, True, False)
    review.refresh_from_db()
    # goals 60 × 90 + competencies 40 × 85 = 88
    assert (review.score, review.grade) == (Decimal("88.00"), "A")
    assert first.rule_version == "review/1"

    answer = review.ratings.get().answers.order_by("id").first()
    assert answer is not None
    answer.value = "D"  # 40 instead of 100: competencies (40 + 85 + 70) / 3 = 65
    answer.save()
    assert results_refresh(review_ids=[review.pk]) == 1

    editions = list(ReviewResult.objects.filter(review=review).order_by("version"))
    assert [(e.version, e.is_current) for e in editions] == [(1, False), (2, True)]
    review.refresh_from_db()
    assert review.score == Decimal("80.00")


def _cycle_of(org: TestOrg, period: Period, *, goals: int, peers: int) -> list[int]:
    tpl = rf.template()
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period)
    people = rf.extra_peers(org.employee, 3)
    ids = []
    for person in people:
        card = rf.scored_scorecard(
            person,
            period,
            [(f"指标{n}", str(Decimal(100) / goals), "100", str(80 + n)) for n in range(goals)]
            if 100 % goals == 0
            else [],
        )
        review = rf.review(cycle, person, scorecard=card)
        items = rf.competency_items(tpl)
        for rater in [org.manager, *rf.extra_peers(org.employee, peers)]:
            kind = RaterType.MANAGER if rater == org.manager else RaterType.PEER
            rf.submitted(rf.rating(review, rater, kind), dict(zip(items, "ABS", strict=True)))
        ids.append(review.pk)
    return ids


def test_a_batch_takes_the_same_queries_whatever_its_content(org: TestOrg, period: Period) -> None:
    small = _cycle_of(org, period, goals=1, peers=0)
    other = goal_factories.period("2026年度-二")
    large = _cycle_of(org, other, goals=5, peers=4)

    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            outcome = recompute_batch(ids, actor=Actor.system())
        assert outcome.changed == 3
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 20
    assert ReviewResult.objects.filter(review_id__in=large, score__isnull=False).count() == 3


@pytest.fixture
def measured(org: TestOrg, period: Period) -> Review:
    """A review whose goal reads real actual values: 1000 of 1200 (83.33)."""
    card = goal_factories.scorecard(org.employee, period)
    goal = tracking_factories.measured_goal(org.employee, the_period=period, card=card)
    tracking_factories.enter(goal, dt.date(2026, 3, 15), "1000")
    tpl = rf.template(goals_weight="100", competencies_weight="0")
    cycle = rf.cycle(default_template=tpl, phase=Phase.MANAGER, period=period)
    return rf.review(cycle, org.employee, scorecard=card)


def _freeze(org: TestOrg, cycle: Cycle, capture: Capture) -> RecomputeRun:
    with capture(execute=True):
        run = results_freeze(actor=hr(org), cycle=cycle)
    run.refresh_from_db()
    return run


def test_freezing_takes_a_snapshot_and_marks_the_editions(
    org: TestOrg, measured: Review, django_capture_on_commit_callbacks: Capture
) -> None:
    results_refresh(review_ids=[measured.pk])

    run = _freeze(org, measured.cycle, django_capture_on_commit_callbacks)

    assert (run.status, run.total, run.done, run.freeze) == (RecomputeStatus.DONE, 1, 1, True)
    result = ReviewResult.objects.get(review=measured, is_current=True)
    assert result.frozen is True
    assert result.version == 1
    snapshot = ActualSnapshot.objects.get()
    assert result.inputs["snapshot"]["id"] == snapshot.pk
    assert result.score == Decimal("83.33")
    assert AuditEntry.objects.filter(object_type="reviews.recomputerun").count() == 1


def test_after_the_freeze_a_correction_needs_a_reason_and_is_audited(
    org: TestOrg, measured: Review, django_capture_on_commit_callbacks: Capture
) -> None:
    _freeze(org, measured.cycle, django_capture_on_commit_callbacks)
    goal = measured.scorecard.goals.get() if measured.scorecard else None
    assert goal is not None
    tracking_factories.enter(goal, dt.date(2026, 3, 15), "1200")  # corrected afterwards

    # a refresh leaves frozen results alone
    assert results_refresh(review_ids=[measured.pk]) == 0
    # a recomputation without a reason is refused, and nothing is started
    with pytest.raises(ValidationError) as refused:
        recompute_start(actor=hr(org), cycle=measured.cycle, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        result_recompute(actor=hr(org), review=measured)
    assert RecomputeRun.objects.filter(freeze=False).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        run = recompute_start(actor=hr(org), cycle=measured.cycle, reason="三月销售额更正")
    run.refresh_from_db()

    assert (run.status, run.changed) == (RecomputeStatus.DONE, 1)
    editions = list(ReviewResult.objects.filter(review=measured).order_by("version"))
    assert [(e.version, e.is_current, e.frozen) for e in editions] == [
        (1, False, True),
        (2, True, True),
    ]
    assert editions[1].reason == "三月销售额更正"
    assert editions[1].score == Decimal("100.00")
    assert editions[1].inputs["snapshot"]["id"] != editions[0].inputs["snapshot"]["id"]
    measured.refresh_from_db()
    assert measured.score == Decimal("100.00")
    entry = AuditEntry.objects.get(object_type="reviews.reviewresult")
    assert entry.reason == "三月销售额更正"
    assert entry.before is not None
    assert entry.before["score"] == "83.33"
    assert entry.after is not None
    assert entry.after["score"] == "100.00"
    assert entry.after["version"] == 2

    # running it again changes nothing more
    with django_capture_on_commit_callbacks(execute=True):
        again = recompute_start(actor=hr(org), cycle=measured.cycle, reason="再算一次")
    again.refresh_from_db()
    assert again.changed == 0
    assert ReviewResult.objects.filter(review=measured).count() == 2


def test_one_review_is_corrected_with_a_reason(
    org: TestOrg, measured: Review, django_capture_on_commit_callbacks: Capture
) -> None:
    _freeze(org, measured.cycle, django_capture_on_commit_callbacks)
    goal = measured.scorecard.goals.get() if measured.scorecard else None
    assert goal is not None
    tracking_factories.enter(goal, dt.date(2026, 3, 15), "600")

    result = result_recompute(actor=hr(org), review=measured, reason="数据源更正")

    assert result is not None
    assert result.version == 2
    assert result.frozen
    assert result.score == Decimal("50.00")
    assert AuditEntry.objects.filter(
        object_type="reviews.reviewresult", reason="数据源更正"
    ).exists()


def test_freezing_twice_or_while_running_is_refused(
    org: TestOrg, measured: Review, django_capture_on_commit_callbacks: Capture
) -> None:
    RecomputeRun.objects.create(cycle=measured.cycle, status=RecomputeStatus.RUNNING)
    with pytest.raises(ValidationError):
        recompute_start(actor=hr(org), cycle=measured.cycle)
    RecomputeRun.objects.update(status=RecomputeStatus.DONE)

    _freeze(org, measured.cycle, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        results_freeze(actor=hr(org), cycle=measured.cycle)
    assert ActualSnapshot.objects.count() == 1


def test_a_run_records_its_failure(
    org: TestOrg,
    measured: Review,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from pms.reviews.services import recompute

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute, "recompute_batch", boom)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_start(actor=hr(org), cycle=measured.cycle)
    run = RecomputeRun.objects.get()
    assert run.status == RecomputeStatus.FAILED
    assert "disk full" in run.error


def test_the_linear_shortcut_stores_what_the_general_engine_explains(
    org: TestOrg, period: Period, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most goals are scored by ``score_linear`` rather than ``score_goal``: the stored
    edition (score, grade, explanation text, inputs) is the one the general engine makes."""
    import json

    from django.db.models import TextField
    from django.db.models.functions import Cast

    from pms.reviews.services import scoring
    from pms.reviews.services.scoring_inputs import TemplateCache, inputs_for, scoring_settings
    from pms.scoring.rules import GoalInput, score_goal

    card = rf.scored_scorecard(
        org.employee,
        period,
        [
            ("销售额", "30", "500", "456.7"),  # 91.34
            ("回款率", "20", "100", "130"),  # capped at 120
            ("新客户", "20", "80", "0"),  # 0
            ("利润", "20", "-50", "-20"),  # a loss to shrink: 160, capped
            ("续约率", "10", "100.00", "100.0000"),  # exactly the target
        ],
    )
    goal_factories.kpi(
        card, title="成本", weight="0", target=Decimal(200), direction="lower"
    )  # no figure yet: missing input
    review = rf.review(
        rf.cycle(default_template=rf.template(), phase=Phase.MANAGER, period=period),
        org.employee,
        scorecard=card,
    )

    assert results_refresh(review_ids=[review.pk]) == 1
    stored = ReviewResult.objects.get(review=review)

    def general(rule: Any, **figures: Any) -> Any:
        return score_goal(rule, GoalInput(**figures))

    monkeypatch.setattr(scoring, "score_linear", general)
    conf = scoring_settings()
    inputs = inputs_for([review.pk], templates=TemplateCache(), today=conf.today)
    expected = scoring.compute(inputs[review.pk], conf)
    assert (stored.score, stored.grade, stored.complete) == (
        expected.score,
        expected.grade,
        expected.complete,
    )
    assert stored.explanation == json.loads(json.dumps(expected.explanation))
    assert stored.inputs == json.loads(json.dumps(expected.inputs))
    if connection.vendor == "sqlite":  # the very text (PostgreSQL keeps jsonb its own way)
        text = (
            ReviewResult.objects.filter(pk=stored.pk)
            .annotate(text=Cast("explanation", TextField()))
            .values_list("text", flat=True)
            .get()
        )
        assert text == json.dumps(expected.explanation)
    rows = stored.explanation["sections"][0]["goals"]
    assert [row["score"] for row in rows] == ["91.34", "120.00", "0.00", "120.00", "100.00", None]
    # and nothing changes when it is computed again
    assert results_refresh(review_ids=[review.pk]) == 0
