"""Publishing a cycle's results: the cycle moving from calibration to results (whatever
button does it) writes every result in bulk — calibrated where a closed session decided,
the review's otherwise — with its coefficient, its explanation and the calibration
changes; the release gets its dates; each person is told once; publishing again writes
only what is missing; a scheduled date is carried out by the periodic job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pms.calibration.models import ChangeField, SessionStatus
from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditChannel, AuditEntry
from pms.org.tests.factories import TestOrg, employee
from pms.outcomes import events
from pms.outcomes.explain import result_sentences
from pms.outcomes.models import (
    AckStatus,
    OutcomeSettings,
    PerformanceResult,
    ReleaseStatus,
    ResultChange,
    ResultRelease,
    ResultSource,
)
from pms.outcomes.services import release as release_services
from pms.outcomes.services.results import calibration_moves, results_materialise
from pms.outcomes.tests import factories as of
from pms.outcomes.tests.conftest import RAISE_REASON
from pms.reviews.models import Cycle, Phase, Review, ReviewStatus
from pms.reviews.services.phases import cycle_advance
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]


def results(cycle: Cycle) -> dict[str, PerformanceResult]:
    return {
        r.employee.number: r
        for r in PerformanceResult.objects.filter(cycle=cycle).select_related("employee")
    }


# --- the hook: advancing the cycle publishes ------------------------------------------------


def test_advancing_from_calibration_to_results_writes_every_result(
    org: TestOrg, hr: Actor, calibrated: Cycle, reviews: dict[str, Review]
) -> None:
    cycle_advance(actor=hr, cycle=calibrated)

    found = results(calibrated)
    assert set(found) == {"E0003", "E0004", "E0005", "E0006", "E0007"}
    mine = found["E0004"]
    assert (mine.review_score, mine.review_grade) == (Decimal("78.00"), "B")
    assert (mine.score, mine.grade, mine.coefficient) == (Decimal("83.00"), "A", Decimal("1.20"))
    assert mine.source == ResultSource.CALIBRATION
    assert mine.ack_status == AckStatus.PENDING
    today = timezone.localdate()
    assert mine.ack_deadline == today + dt.timedelta(days=7)
    assert mine.published_at is not None
    peer = found["E0005"]  # calibrated without a change
    assert (peer.score, peer.grade, peer.coefficient, peer.source) == (
        Decimal("88.00"),
        "A",
        Decimal("1.20"),
        ResultSource.REVIEW,
    )
    outsider = found["E0007"]  # in no session: the review's
    assert (outsider.score, outsider.grade, outsider.coefficient) == (
        Decimal("92.00"),
        "S",
        Decimal("1.50"),
    )
    assert found["E0006"].coefficient == Decimal("0.80")
    release = ResultRelease.objects.get(cycle=calibrated)
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.published_by == org.hr_admin.user
    assert (release.confirm_by, release.appeal_until) == (
        today + dt.timedelta(days=7),
        today + dt.timedelta(days=7),
    )
    entry = AuditEntry.objects.filter(object_type="outcomes.resultrelease").latest("id")
    assert entry.after is not None
    assert entry.after["results"] == 5
    assert entry.actor == org.hr_admin.user


def test_a_score_and_grade_changed_together_are_one_change_with_its_reason(
    org: TestOrg, hr: Actor, calibrated: Cycle, reviews: dict[str, Review]
) -> None:
    cycle_advance(actor=hr, cycle=calibrated)

    mine = of.result_of(reviews["employee"])
    changes = list(ResultChange.objects.filter(result=mine))
    assert len(changes) == 1
    change = changes[0]
    assert (change.source, change.reason, change.changed_by) == (
        ResultSource.CALIBRATION,
        RAISE_REASON,
        org.hr_admin.user,
    )
    assert (change.score_before, change.score_after) == (Decimal("78.00"), Decimal("83.00"))
    assert (change.grade_before, change.grade_after) == ("B", "A")
    assert not ResultChange.objects.exclude(result=mine).exists()
    codes = [step["code"] for step in mine.explanation["steps"]]
    assert codes == ["result_review", "result_calibration", "coefficient"]
    assert mine.explanation["review_version"] == 3


def test_the_explanation_reads_as_sentences(
    org: TestOrg, published: Cycle, reviews: dict[str, Review]
) -> None:
    sentences = result_sentences(of.result_of(reviews["employee"]), with_appeal_reason=True)

    assert sentences == [
        "The review gave the score 78.00 and the grade B (result edition 3)",
        "Calibration session “销售中心校准会”: score 78.00 → 83.00, grade B → A. "
        f"Reason: {RAISE_REASON}",
        "Grade A carries the coefficient 1.20",
    ]
    kept = result_sentences(of.result_of(reviews["peer"]), with_appeal_reason=True)
    assert kept[1] == "The calibration session “销售中心校准会” kept the score and the grade"


def test_publishing_again_writes_only_what_is_missing(
    org: TestOrg, hr: Actor, published: Cycle
) -> None:
    first = ResultRelease.objects.get(cycle=published)
    newcomer = employee("新同事", dept=org.sales1, manager=org.manager)
    late = of.scored_review(published, newcomer, "70.00", "B")
    audits = AuditEntry.objects.count()

    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]

    assert PerformanceResult.objects.filter(cycle=published).count() == 6
    assert PerformanceResult.objects.filter(review=late).count() == 1
    again = ResultRelease.objects.get(cycle=published)
    assert (again.published_at, again.confirm_by) == (first.published_at, first.confirm_by)
    assert AuditEntry.objects.count() == audits + 1  # the second publish wrote nothing


def test_removed_people_and_reviews_without_a_score(
    org: TestOrg, hr: Actor, cycle: Cycle, reviews: dict[str, Review]
) -> None:
    Review.objects.filter(pk=reviews["outsider"].pk).update(status=ReviewStatus.REMOVED)
    unscored = of.scored_review(cycle, org.head, None)

    cycle_advance(actor=hr, cycle=cycle)

    found = results(cycle)
    assert "E0007" not in found
    result = PerformanceResult.objects.get(review=unscored)
    assert (result.score, result.grade, result.coefficient) == (None, "", None)
    assert [s["code"] for s in result.explanation["steps"]] == [
        "result_review_unscored",
        "coefficient_missing",
    ]


def test_a_session_not_closed_does_not_decide(
    org: TestOrg, hr: Actor, cycle: Cycle, reviews: dict[str, Review]
) -> None:
    of.closed_session(
        cycle,
        org.hr_admin.user,  # type: ignore[arg-type]
        [reviews["employee"]],
        {reviews["employee"]: [(ChangeField.GRADE, "S", "草稿")]},
        status=SessionStatus.DRAFT,
    )

    cycle_advance(actor=hr, cycle=cycle)

    mine = of.result_of(reviews["employee"])
    assert (mine.grade, mine.source) == ("B", ResultSource.REVIEW)
    assert not mine.changes.exists()


def test_coefficients_come_from_the_company_table(
    org: TestOrg, hr: Actor, cycle: Cycle, reviews: dict[str, Review]
) -> None:
    OutcomeSettings.objects.create(
        coefficients=[
            {"grade": "S", "coefficient": "2"},
            {"grade": "A", "coefficient": "1.3"},
            {"grade": "B", "coefficient": "1"},
        ],
        confirm_days=3,
        appeal_days=10,
    )

    cycle_advance(actor=hr, cycle=cycle)

    found = results(cycle)
    assert found["E0007"].coefficient == Decimal("2.00")
    assert found["E0006"].coefficient is None  # C has no coefficient in this table
    today = timezone.localdate()
    assert found["E0004"].ack_deadline == today + dt.timedelta(days=3)
    assert ResultRelease.objects.get(cycle=cycle).appeal_until == today + dt.timedelta(days=10)


def test_every_person_is_told_once_about_their_own_result(
    org: TestOrg, hr: Actor, calibrated: Cycle, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cycle_advance(actor=hr, cycle=calibrated)

    notices = Notification.objects.filter(event=events.RESULT_PUBLISHED)
    assert sorted(n.recipient.username for n in notices) == [
        "E0003",
        "E0004",
        "E0005",
        "E0006",
        "E0007",
    ]
    for notice in notices:  # nothing in it names anybody
        assert set(notice.params) == {"cycle", "confirm_by", "appeal_until"}
        assert notice.url == "/results/"
    release = ResultRelease.objects.get(cycle=calibrated)
    assert release.published_at is not None
    again = release_services.results_published_notify(
        cycle_id=calibrated.pk,
        published_at=PerformanceResult.objects.first().published_at,  # type: ignore[union-attr]
    )
    assert again == 0


def test_publishing_before_calibration_is_refused(org: TestOrg, hr: Actor) -> None:
    early = of.calibration_cycle(phase=Phase.MANAGER)

    with pytest.raises(ValidationError, match="after calibration"):
        release_services.release_publish(actor=hr, cycle=early)

    assert not ResultRelease.objects.filter(cycle=early, status=ReleaseStatus.PUBLISHED).exists()
    early.refresh_from_db()
    assert early.phase == Phase.MANAGER


def test_an_open_session_holds_publication_back(
    org: TestOrg, hr: Actor, cycle: Cycle, reviews: dict[str, Review]
) -> None:
    of.closed_session(
        cycle,
        org.hr_admin.user,
        [reviews["employee"]],
        status=SessionStatus.OPEN,  # type: ignore[arg-type]
    )

    with pytest.raises(ValidationError, match="Close every open calibration session"):
        release_services.release_publish(actor=hr, cycle=cycle)

    assert not PerformanceResult.objects.exists()


# --- scheduling ------------------------------------------------------------------------------


def test_scheduling_a_day_is_audited_and_a_past_day_refused(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        release_services.release_schedule(
            actor=hr, cycle=cycle, publish_on=today - dt.timedelta(days=1)
        )
    assert refused.value.message_dict == {"publish_on": ["Choose a day from today on."]}
    assert not ResultRelease.objects.exists()

    release = release_services.release_schedule(
        actor=hr, cycle=cycle, publish_on=today + dt.timedelta(days=3)
    )

    assert (release.status, release.publish_on) == (
        ReleaseStatus.SCHEDULED,
        today + dt.timedelta(days=3),
    )
    entry = AuditEntry.objects.filter(object_type="outcomes.resultrelease").latest("id")
    assert entry.after == {"publish_on": (today + dt.timedelta(days=3)).isoformat()}


def test_the_periodic_job_publishes_on_the_day_as_the_system(
    org: TestOrg, hr: Actor, calibrated: Cycle
) -> None:
    today = timezone.localdate()
    release_services.release_schedule(
        actor=hr, cycle=calibrated, publish_on=today + dt.timedelta(days=2)
    )
    assert release_services.releases_publish_due(timezone.now()) == 0
    assert not PerformanceResult.objects.exists()

    later = timezone.now() + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        assert release_services.releases_publish_due(timezone.now()) == 1
        assert release_services.releases_publish_due(timezone.now()) == 0

    calibrated.refresh_from_db()
    assert calibrated.phase == Phase.RESULTS
    assert PerformanceResult.objects.filter(cycle=calibrated).count() == 5
    release = ResultRelease.objects.get(cycle=calibrated)
    assert (release.status, release.published_by) == (ReleaseStatus.PUBLISHED, None)
    entry = AuditEntry.objects.filter(object_type="outcomes.resultrelease").latest("id")
    assert entry.channel == AuditChannel.SYSTEM


def test_a_scheduled_cycle_still_in_calibration_waits(
    org: TestOrg, hr: Actor, cycle: Cycle, reviews: dict[str, Review]
) -> None:
    release_services.release_schedule(actor=hr, cycle=cycle, publish_on=timezone.localdate())
    of.closed_session(
        cycle,
        org.hr_admin.user,
        [reviews["employee"]],
        status=SessionStatus.OPEN,  # type: ignore[arg-type]
    )

    assert release_services.releases_publish_due(timezone.now()) == 0

    assert ResultRelease.objects.get(cycle=cycle).status == ReleaseStatus.SCHEDULED
    assert not PerformanceResult.objects.exists()


def test_scheduling_a_published_cycle_is_refused(org: TestOrg, hr: Actor, published: Cycle) -> None:
    with pytest.raises(ValidationError, match="published already"):
        release_services.release_schedule(
            actor=hr, cycle=published, publish_on=timezone.localdate()
        )


# --- bulk ------------------------------------------------------------------------------------


def _queries_to_write(count: int, org: TestOrg) -> int:
    the_cycle = of.calibration_cycle()
    people = rf.extra_peers(org.employee, count)
    done = [of.scored_review(the_cycle, person, "75.00", "B") for person in people]
    of.closed_session(
        the_cycle,
        org.hr_admin.user,  # type: ignore[arg-type]
        done,
        {review: [(ChangeField.GRADE, "A", "上调")] for review in done[:2]},
    )
    with CaptureQueriesContext(connection) as captured:
        written = results_materialise(
            cycle=the_cycle, published_at=timezone.now(), ack_deadline=None
        )
    assert written == count
    return len(captured.captured_queries)


def test_writing_results_takes_the_same_queries_for_more_people(org: TestOrg) -> None:
    assert _queries_to_write(3, org) == _queries_to_write(12, org)


def test_writing_results_goes_in_batches(org: TestOrg, monkeypatch: pytest.MonkeyPatch) -> None:
    from pms.outcomes.services import results as module

    monkeypatch.setattr(module, "BATCH_SIZE", 2)
    the_cycle = of.calibration_cycle()
    for person in rf.extra_peers(org.employee, 5):
        of.scored_review(the_cycle, person, "75.00", "B")

    written = results_materialise(cycle=the_cycle, published_at=timezone.now(), ack_deadline=None)

    assert written == 5
    assert PerformanceResult.objects.filter(cycle=the_cycle).count() == 5


# --- calibration changes, combined -----------------------------------------------------------


def test_changes_with_one_reason_make_one_move_and_others_their_own() -> None:
    moves = calibration_moves(
        Decimal("78.00"),
        "B",
        [
            (ChangeField.SCORE, "78.00", "83.00", "理由一", 1),
            (ChangeField.GRADE, "B", "A", "理由一", 1),
            (ChangeField.GRADE, "A", "S", "理由二", 1),
            (ChangeField.GRADE, "S", "A", "理由二", 2),  # another person
            (ChangeField.SCORE, "83.00", "85.00", "理由二", 2),
        ],
    )

    assert [
        (m.score_before, m.score_after, m.grade_before, m.grade_after, m.reason) for m in moves
    ] == [
        (Decimal("78.00"), Decimal("83.00"), "B", "A", "理由一"),
        (Decimal("83.00"), Decimal("83.00"), "A", "S", "理由二"),
        (Decimal("83.00"), Decimal("85.00"), "S", "A", "理由二"),
    ]
    assert calibration_moves(None, "", []) == []


def test_a_large_cycle_is_written_by_the_worker_after_commit(
    org: TestOrg,
    hr: Actor,
    calibrated: Cycle,
    settings: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.PMS_RESULTS_PUBLISH_INLINE = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cycle_advance(actor=hr, cycle=calibrated)
    assert not PerformanceResult.objects.exists()  # nothing yet: the worker writes them
    release = ResultRelease.objects.get(cycle=calibrated)
    assert release.status == ReleaseStatus.PUBLISHED
    entry = AuditEntry.objects.filter(object_type="outcomes.resultrelease").latest("id")
    assert entry.after is not None
    assert (entry.after["results"], entry.after["in_background"]) == (5, True)

    for callback in callbacks:
        callback()  # the immediate backend runs the task here

    found = results(calibrated)
    assert len(found) == 5
    assert found["E0004"].grade == "A"
    assert found["E0004"].changes.count() == 1
    assert Notification.objects.filter(event=events.RESULT_PUBLISHED).count() == 5
    again = release_services.results_write_execute(
        cycle_id=calibrated.pk,
        published_at=timezone.now(),
        ack_deadline=timezone.localdate(),
    )
    assert again == 0
    assert PerformanceResult.objects.count() == 5


def test_hr_sees_how_many_results_are_still_being_written(  # noqa: PLR0917 (fixtures)
    org: TestOrg,
    hr: Actor,
    calibrated: Cycle,
    settings: Any,
    django_capture_on_commit_callbacks: Capture,
    client_for: Callable[[str], Any],
) -> None:
    settings.PMS_RESULTS_PUBLISH_INLINE = 2
    with django_capture_on_commit_callbacks(execute=False):
        cycle_advance(actor=hr, cycle=calibrated)

    response = client_for("hrbp").get(f"/results/cycles/{calibrated.uuid}/")

    assert response.context["summary"].waiting == 4  # the HRBP's scope
    assert "4 results are still being written" in response.content.decode()
