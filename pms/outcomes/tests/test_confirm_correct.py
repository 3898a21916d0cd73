"""Confirming a result (by the person, or automatically once overdue, with a record per
result) and HR's correction with a reason (a new version, the coefficient again, the
person told, audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditChannel, AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.explain import result_sentences
from pms.outcomes.models import AckStatus, PerformanceResult, ResultChange, ResultSource
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.services import results as services
from pms.reviews.models import Cycle

pytestmark = pytest.mark.django_db


def audits_of(result: PerformanceResult) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="outcomes.performanceresult", object_id=str(result.pk)
        ).order_by("id")
    )


# --- confirming ------------------------------------------------------------------------------


def test_the_person_confirms_with_a_comment(org: TestOrg, mine: PerformanceResult) -> None:
    confirmed = services.result_confirm(
        actor=Actor(user=org.employee.user), result=mine, note=" 认可，感谢 "
    )

    assert confirmed.ack_status == AckStatus.CONFIRMED
    assert confirmed.ack_note == "认可，感谢"
    assert confirmed.ack_at is not None
    entry = audits_of(mine)[-1]
    assert entry.action == AuditAction.APPROVE
    assert entry.after == {"ack_status": "confirmed", "ack_note": "认可，感谢"}


def test_confirming_twice_or_with_a_long_comment_is_refused(
    org: TestOrg, mine: PerformanceResult
) -> None:
    actor = Actor(user=org.employee.user)
    with pytest.raises(ValidationError) as refused:
        services.result_confirm(actor=actor, result=mine, note="长" * 501)
    assert refused.value.message_dict == {"note": ["Keep the comment under 500 characters."]}
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.PENDING

    services.result_confirm(actor=actor, result=mine)
    with pytest.raises(ValidationError, match="does not wait"):
        services.result_confirm(actor=actor, result=mine)


def test_overdue_results_are_confirmed_automatically_with_a_record_each(
    org: TestOrg, published: Cycle, mine: PerformanceResult
) -> None:
    services.result_confirm(
        actor=Actor(user=org.peer.user), result=PerformanceResult.objects.get(employee=org.peer)
    )
    assert mine.ack_deadline is not None
    assert services.results_auto_confirm(timezone.now()) == 0

    later = timezone.make_aware(
        dt.datetime.combine(mine.ack_deadline + dt.timedelta(days=1), dt.time(3))
    )
    with time_machine.travel(later, tick=False):
        done = services.results_auto_confirm(timezone.now())
        again = services.results_auto_confirm(timezone.now())

    assert (done, again) == (4, 0)
    states = dict(PerformanceResult.objects.values_list("employee__number", "ack_status"))
    assert states == {
        "E0003": AckStatus.AUTO,
        "E0004": AckStatus.AUTO,
        "E0005": AckStatus.CONFIRMED,
        "E0006": AckStatus.AUTO,
        "E0007": AckStatus.AUTO,
    }
    entry = audits_of(mine)[-1]
    assert entry.channel == AuditChannel.SYSTEM
    assert entry.after == {"ack_status": "auto"}
    assert mine.ack_deadline.isoformat() in entry.reason
    assert (
        AuditEntry.objects.filter(
            object_type="outcomes.performanceresult", after={"ack_status": "auto"}
        ).count()
        == 4
    )


def test_the_auto_confirmation_goes_in_batches(
    org: TestOrg, published: Cycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    PerformanceResult.objects.update(ack_deadline=timezone.localdate() - dt.timedelta(days=1))

    assert services.results_auto_confirm(timezone.now()) == 5

    assert set(PerformanceResult.objects.values_list("ack_status", flat=True)) == {AckStatus.AUTO}


def test_an_appealed_result_is_not_confirmed_automatically(
    org: TestOrg, mine: PerformanceResult
) -> None:
    appeal_services.appeal_file(actor=Actor(user=org.employee.user), result=mine, reasons="不认可")
    PerformanceResult.objects.update(ack_deadline=timezone.localdate() - dt.timedelta(days=1))

    services.results_auto_confirm(timezone.now())

    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.APPEALED


# --- HR's correction -------------------------------------------------------------------------


def test_hr_corrects_a_result_with_a_reason(
    org: TestOrg, mine: PerformanceResult, django_capture_on_commit_callbacks: object
) -> None:
    hr = Actor(user=org.hrbp.user)

    corrected = services.result_correct(
        actor=hr, result=mine, score=Decimal("91"), grade="S", reason="漏计一笔大额回款"
    )

    assert (corrected.score, corrected.grade, corrected.coefficient) == (
        Decimal("91.00"),
        "S",
        Decimal("1.50"),
    )
    assert (corrected.version, corrected.source) == (2, ResultSource.CORRECTION)
    change = ResultChange.objects.filter(result=mine).latest("id")
    assert (change.source, change.reason, change.changed_by) == (
        ResultSource.CORRECTION,
        "漏计一笔大额回款",
        org.hrbp.user,
    )
    assert (change.grade_before, change.grade_after) == ("A", "S")
    codes = [s["code"] for s in corrected.explanation["steps"]]
    assert codes == ["result_review", "result_calibration", "result_correction", "coefficient"]
    assert result_sentences(corrected, with_appeal_reason=False)[-2] == (
        "Corrected by HR: score 83.00 → 91.00, grade A → S. Reason: 漏计一笔大额回款"
    )
    entry = audits_of(mine)[-1]
    assert entry.reason == "漏计一笔大额回款"
    assert entry.before == {"score": "83.00", "grade": "A", "coefficient": "1.20", "version": 1}
    assert entry.after == {
        "score": "91.00",
        "grade": "S",
        "coefficient": "1.50",
        "version": 2,
        "source": "correction",
    }
    notice = Notification.objects.get(event=events.RESULT_CORRECTED)
    assert notice.recipient == org.employee.user
    assert notice.params == {"cycle": mine.cycle.name, "reason": "漏计一笔大额回款"}


def test_only_the_score_may_change_and_the_grade_stays(
    org: TestOrg, mine: PerformanceResult
) -> None:
    corrected = services.result_correct(
        actor=Actor(user=org.hrbp.user), result=mine, score=Decimal("84.5"), grade="", reason="更正"
    )
    assert (corrected.score, corrected.grade, corrected.coefficient) == (
        Decimal("84.50"),
        "A",
        Decimal("1.20"),
    )


@pytest.mark.parametrize(
    ("score", "grade", "reason", "errors"),
    [
        (Decimal("90"), "S", "", {"reason": ["Give the reason."]}),
        (Decimal("-1"), "", "理由", {"score": ["Enter a score between 0 and 9999.99."]}),
        (None, "X", "理由", {"grade": ["Choose one of the grades S, A, B, C, D."]}),
        (
            Decimal("83"),
            "A",
            "理由",
            {"__all__": ["The score and the grade are what the result has already."]},
        ),
        (
            None,
            "",
            "理由",
            {"__all__": ["The score and the grade are what the result has already."]},
        ),
    ],
)
def test_a_bad_correction_changes_nothing(  # noqa: PLR0917 (parametrized)
    org: TestOrg,
    mine: PerformanceResult,
    score: Decimal | None,
    grade: str,
    reason: str,
    errors: dict[str, list[str]],
) -> None:
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.result_correct(
            actor=Actor(user=org.hrbp.user), result=mine, score=score, grade=grade, reason=reason
        )

    found = refused.value.update_error_dict({})
    assert {name: [str(m) for e in found[name] for m in e] for name in found} == errors
    mine.refresh_from_db()
    assert (mine.score, mine.grade, mine.version) == (Decimal("83.00"), "A", 1)
    assert AuditEntry.objects.count() == audits


def test_no_correction_while_an_appeal_is_open(org: TestOrg, mine: PerformanceResult) -> None:
    appeal_services.appeal_file(actor=Actor(user=org.employee.user), result=mine, reasons="不认可")

    with pytest.raises(ValidationError, match="decide the appeal instead"):
        services.result_correct(
            actor=Actor(user=org.hrbp.user), result=mine, score=None, grade="S", reason="理由"
        )
