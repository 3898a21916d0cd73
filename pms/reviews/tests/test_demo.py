"""The demo company's reviews: a closed quarterly cycle with every rating in and its results
frozen and released, this year's annual cycle in the manager review (drafts, late raters,
one person's phase extended, partial results), and what the demo logins find there — made
through the services, the same for the same seed, anonymous answers only in aggregate."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError

from pms.core.demo_steps import demo_steps
from pms.core.models import AuditEntry
from pms.goals.demo import seed_goals_demo
from pms.org.demo import seed_demo
from pms.org.models import Employee
from pms.org.roles import principal_for
from pms.reviews import access
from pms.reviews.demo import (
    ReviewsDemoSummary,
    last_quarter,
    run_demo_step,
    seed_reviews_demo,
)
from pms.reviews.models import (
    Answer,
    CompositeScheme,
    Cycle,
    CycleKind,
    CycleStatus,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewResult,
    ReviewSettings,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.selectors.anonymity import review_ratings_view
from pms.reviews.selectors.ratings import my_todo
from pms.reviews.selectors.results import my_review_rows, team_reviews_for
from pms.tracking.demo import seed_tracking_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
PEOPLE = 30  # a small sample keeps the test quick; the step works the same way at any size


def _company() -> None:
    seed_demo(employees=100, seed=3, today=TODAY)
    seed_goals_demo(seed=3, today=TODAY)
    seed_tracking_demo(seed=3, today=TODAY)


MOMENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[ReviewsDemoSummary]:
    """The demo company with its reviews, seeded once for this module (the demo takes a
    while) and rolled back after it; each test runs in its own savepoint."""
    with django_db_blocker.unblock(), time_machine.travel(MOMENT, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _company()
            yield seed_reviews_demo(seed=3, today=TODAY, people=PEOPLE)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(seeded: ReviewsDemoSummary) -> Iterator[ReviewsDemoSummary]:
    with time_machine.travel(MOMENT, tick=False):
        yield seeded


def _cycles() -> tuple[Cycle, Cycle]:
    return (
        Cycle.objects.get(status=CycleStatus.CLOSED),
        Cycle.objects.get(status=CycleStatus.RUNNING),
    )


def test_the_last_quarter_over_a_month_ago_is_reviewed() -> None:
    assert last_quarter(TODAY)[:2] == (2026, 3)
    assert last_quarter(dt.date(2026, 10, 20))[:2] == (2026, 2)
    assert last_quarter(dt.date(2026, 2, 1))[:2] == (2025, 4)


def test_the_finished_cycle_is_complete_frozen_and_closed(demo: ReviewsDemoSummary) -> None:
    finished, _ = _cycles()

    assert finished.name == "2026年第3季度考核"
    assert finished.kind == CycleKind.QUARTERLY
    assert (finished.phase, finished.closed_at is not None) == (Phase.RESULTS, True)
    assert finished.period is not None
    assert finished.period.start == dt.date(2026, 1, 1)
    reviews = Review.objects.filter(cycle=finished)
    assert reviews.count() == demo.finished_reviews
    assert PEOPLE <= demo.finished_reviews < Employee.objects.count()
    statuses = Counter(
        Rating.objects.filter(review__cycle=finished).values_list("status", flat=True)
    )
    # everybody answered, but for raters on leave, who declined
    assert set(statuses) <= {RatingStatus.SUBMITTED, RatingStatus.DECLINED}
    assert statuses[RatingStatus.SUBMITTED] == demo.finished_submitted
    submitted = Rating.objects.filter(review__cycle=finished, status=RatingStatus.SUBMITTED)
    assert {RaterType.SELF, RaterType.MANAGER, RaterType.PEER} <= set(
        submitted.values_list("rater_type", flat=True)
    )
    # every review has its three or four peers, nominated, approved and answered
    peers = Counter(submitted.filter(rater_type=RaterType.PEER).values_list("review_id", flat=True))
    assert min(peers.values()) >= 3
    assert not Rating.objects.filter(review__cycle=finished, decided_by__isnull=True).filter(
        rater_type=RaterType.PEER
    )
    results = ReviewResult.objects.filter(review__cycle=finished, is_current=True)
    assert results.count() == demo.frozen == demo.finished_reviews
    assert not results.filter(frozen=False).exists()
    assert all(r.inputs.get("snapshot") for r in results)
    assert not reviews.filter(score__isnull=True).exists()
    # answers were given within their phases, not at the moment the demo ran
    for rating in submitted.filter(rater_type=RaterType.SELF):
        assert rating.submitted_at is not None
        assert dt.date(2026, 10, 1) <= rating.submitted_at.date() <= dt.date(2026, 10, 8)
    # Chinese comments, some low scores, and no veto
    assert Answer.objects.filter(rating__in=submitted).exclude(comment="").exists()
    assert submitted.filter(overall_comment__contains="改进").exists()
    assert reviews.filter(grade__in=["C", "D"]).exists()
    assert not Answer.objects.filter(rating__in=submitted, item__veto_grade="D", value="yes")


def test_the_running_cycle_is_in_the_manager_review(demo: ReviewsDemoSummary) -> None:
    _, running = _cycles()

    assert running.name == "2026年度考核"
    assert (running.kind, running.phase) == (CycleKind.ANNUAL, Phase.MANAGER)
    ratings = Rating.objects.filter(review__cycle=running)
    by_type = Counter(ratings.values_list("rater_type", "status"))
    selves = sum(n for (kind, _s), n in by_type.items() if kind == RaterType.SELF)
    assert by_type[(RaterType.SELF, RatingStatus.SUBMITTED)] >= 0.8 * selves
    peers = sum(
        n
        for (kind, status), n in by_type.items()
        if kind == RaterType.PEER and status not in (RatingStatus.REJECTED,)
    )
    assert by_type[(RaterType.PEER, RatingStatus.SUBMITTED)] > peers / 2
    for status in (RatingStatus.SUBMITTED, RatingStatus.DRAFT, RatingStatus.PENDING):
        assert by_type[(RaterType.MANAGER, status)] > 0
    assert by_type[(RaterType.PEER, RatingStatus.REJECTED)] >= 1  # a manager replaced one
    assert by_type[(RaterType.PEER, RatingStatus.REASSIGNED)] == 1  # declined, asked another
    assert demo.running_submitted == ratings.filter(status=RatingStatus.SUBMITTED).count()
    assert demo.drafts == ratings.filter(status=RatingStatus.DRAFT).count()
    assert demo.overdue > 0
    extension = PhaseExtension.objects.get(review__cycle=running)
    assert (extension.phase, extension.until) == (Phase.PEER, TODAY + dt.timedelta(days=5))
    assert extension.reason
    # partial results, not frozen
    results = ReviewResult.objects.filter(review__cycle=running, is_current=True)
    assert results.count() == demo.running_reviews
    assert not results.filter(frozen=True).exists()
    assert results.filter(complete=False).exists()


def test_templates_schemes_and_settings_are_installed(demo: ReviewsDemoSummary) -> None:
    assert demo.templates == 4
    assert ReviewTemplate.objects.filter(status=TemplateStatus.ACTIVE).count() == 4
    assert CompositeScheme.objects.count() == demo.schemes >= 3
    assert ReviewSettings.objects.get().anonymity_min == 3


def test_the_demo_logins_find_their_reviews(demo: ReviewsDemoSummary) -> None:
    finished, running = _cycles()
    employee = Employee.objects.get(user__username="employee")
    manager = Employee.objects.get(user__username="manager")
    me = principal_for(employee.user)

    todo = my_todo(me, TODAY)
    assert [row.rating.status for row in todo.self_reviews] == [RatingStatus.SUBMITTED]
    open_now = [row for row in todo.others if row.open_now]
    assert [row.rating.rater_type for row in open_now] == [RaterType.PEER]
    assert open_now[0].deadline == TODAY + dt.timedelta(days=5)  # the extension
    rows = {row.review.cycle_id: row for row in my_review_rows(me)}
    assert rows[finished.pk].released
    assert rows[finished.pk].result is not None
    assert not rows[running.pk].released

    boss = principal_for(manager.user)
    team = list(team_reviews_for(boss, running))
    assert employee.pk in {r.employee_id for r in team}
    mine = Counter(
        Rating.objects.filter(review__cycle=running, rater=manager).values_list("status", flat=True)
    )
    assert mine[RatingStatus.SUBMITTED] >= 1
    assert mine[RatingStatus.DRAFT] >= 1
    assert mine[RatingStatus.PENDING] >= 1
    assert Rating.objects.get(
        review__cycle=running, review__employee=employee, rater=manager
    ).status == (RatingStatus.PENDING)


def test_anonymous_answers_reach_the_reviewee_only_in_aggregate(
    demo: ReviewsDemoSummary,
) -> None:
    finished, _ = _cycles()
    employee = Employee.objects.get(user__username="employee")
    review = Review.objects.select_related("cycle").get(cycle=finished, employee=employee)
    me = principal_for(employee.user)
    assert access.can_see_aggregates(me, review)

    view = review_ratings_view(me, review)

    peers = next(t for t in view.anonymous if t.rater_type == RaterType.PEER)
    assert peers.released
    assert peers.submitted >= 3
    assert {n.rater_type for n in view.named} <= {RaterType.SELF, RaterType.MANAGER}
    names = set(
        Rating.objects.filter(review=review, anonymous=True).values_list("rater__name", flat=True)
    )
    assert names
    shown = repr(view)
    assert not any(name in shown for name in names)
    # the audit of an anonymous submission keeps that it was submitted, nothing it says
    anonymous_ids = [
        str(pk)
        for pk in Rating.objects.filter(review__cycle=finished, anonymous=True).values_list(
            "pk", flat=True
        )
    ]
    entries = AuditEntry.objects.filter(
        object_type__icontains="rating", object_id__in=anonymous_ids, action="submit"
    )
    assert entries.exists()
    assert all("answers" not in (entry.after or {}) for entry in entries)


def _fingerprint() -> list[tuple[str, ...]]:
    ratings = (
        Rating.objects.select_related("review__employee", "review__cycle", "rater")
        .prefetch_related("answers__item")
        .order_by("pk")
    )
    found = []
    for rating in ratings:
        answers = sorted(
            f"{a.item.title if a.item else a.goal_id}={a.value}:{a.comment}"
            for a in rating.answers.all()
        )
        found.append(
            (
                rating.review.cycle.name,
                rating.review.employee.number,
                rating.rater.number,
                rating.rater_type,
                rating.status,
                rating.overall_comment,
                *answers,
            )
        )
    return sorted(found)


def _forget_later_apps() -> None:
    """What calibration and results made of the demo's cycles (they protect reviews)."""
    models = [
        *django_apps.get_app_config("outcomes").get_models(),
        *django_apps.get_app_config("calibration").get_models(),
    ]
    for _round in models:
        for model in models:
            try:
                model.objects.all().delete()
            except ProtectedError:
                continue


def _forget_reviews() -> None:
    _forget_later_apps()
    Review.objects.all().delete()
    Cycle.objects.all().delete()
    ReviewTemplate.objects.all().delete()
    CompositeScheme.objects.all().delete()
    ReviewSettings.objects.all().delete()


def test_the_same_seed_gives_the_same_reviews_and_a_second_run_does_nothing(
    demo: ReviewsDemoSummary,
) -> None:
    assert run_demo_step(3) == "Reviews: nothing to do."
    first = _fingerprint()
    assert len(first) > 100

    _forget_reviews()
    seed_reviews_demo(seed=3, today=TODAY, people=PEOPLE)

    assert _fingerprint() == first


def test_the_step_is_registered_after_goals_and_tracking() -> None:
    steps = {s.name: s for s in demo_steps()}
    assert steps["reviews"].order == 50
    assert steps["reviews"].order > max(steps["goals"].order, steps["tracking"].order)


def test_the_finished_cycle_was_calibrated_published_and_followed_up(
    demo: ReviewsDemoSummary,
) -> None:
    """Calibration and results take part in the demo's finished cycle (their demo steps)."""
    from pms.calibration.models import CalibrationChange, CalibrationEntry, SessionStatus
    from pms.outcomes.models import (
        AckStatus,
        Appeal,
        AppealStatus,
        DevelopmentPlan,
        ImprovementPlan,
        Interview,
        InterviewStatus,
        PerformanceResult,
        PipStatus,
    )

    finished, running = _cycles()
    session = finished.calibration_sessions.get()
    assert session.status == SessionStatus.CLOSED
    entries = CalibrationEntry.objects.filter(session=session)
    assert entries.count() == demo.finished_reviews
    assert entries.filter(changed=True).count() >= 2
    assert CalibrationChange.objects.filter(entry__session=session, field="grade").exists()
    assert entries.filter(box__isnull=False).count() > demo.finished_reviews // 2
    results = PerformanceResult.objects.filter(cycle=finished)
    assert results.count() == demo.finished_reviews
    moved = entries.filter(changed=True).first()
    assert moved is not None
    published = results.get(review_id=moved.review_id)
    assert published.grade == moved.grade
    assert published.source == "calibration"
    assert published.changes.filter(source="calibration").exists()
    assert results.filter(ack_status=AckStatus.CONFIRMED).count() > demo.finished_reviews // 2
    appeals = Appeal.objects.filter(result__cycle=finished)
    assert set(appeals.values_list("status", flat=True)) == {
        AppealStatus.UPHELD,
        AppealStatus.FILED,
    }
    assert Interview.objects.filter(result__cycle=finished, status=InterviewStatus.SIGNED).exists()
    assert ImprovementPlan.objects.filter(status=PipStatus.ACTIVE).count() == min(
        2, results.filter(grade="D").count()
    )
    assert DevelopmentPlan.objects.exists()
    # the running cycle has neither sessions nor results yet
    assert not running.calibration_sessions.exists()
    assert not PerformanceResult.objects.filter(cycle=running).exists()
    assert "Calibration:" in demo.line()
    assert "Results:" in demo.line()
