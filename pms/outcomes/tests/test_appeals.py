"""Appeals: filed by the person within the window with reasons and evidence (size and type
checked), one open per result, assigned to an HRBP who is not the person's manager, due
after the SLA; upheld or adjusted with reasons, an adjustment flowing into the result;
withdrawn; statistics per department."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org import services as org_services
from pms.org.models import GrantedRole
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg
from pms.outcomes import events
from pms.outcomes.explain import result_sentences
from pms.outcomes.models import (
    AckStatus,
    Appeal,
    AppealStatus,
    PerformanceResult,
    ResultChange,
    ResultRelease,
    ResultSource,
)
from pms.outcomes.selectors import appeals as selectors
from pms.outcomes.services import appeals as services
from pms.outcomes.tests import factories as of
from pms.outcomes.tests.factories import errors_of
from pms.reviews.models import Cycle, Review

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"


@pytest.fixture
def person(org: TestOrg) -> Actor:
    return Actor(user=org.employee.user)


@pytest.fixture
def appeal(person: Actor, mine: PerformanceResult) -> Appeal:
    return services.appeal_file(
        actor=person,
        result=mine,
        reasons="客户满意度的口径与年初约定不一致",
        evidence_link="https://oa.example.com/doc/123",
        evidence_file=SimpleUploadedFile("约定.pdf", PDF, content_type="application/pdf"),
    )


def test_filing_goes_to_the_hrbp_with_the_sla(
    org: TestOrg, appeal: Appeal, mine: PerformanceResult
) -> None:
    assert appeal.status == AppealStatus.FILED
    assert appeal.handler == org.hrbp.user  # the closest scope, not company-wide HR
    assert appeal.due_on == timezone.localdate() + dt.timedelta(days=10)
    assert appeal.filed_by == org.employee.user
    assert appeal.evidence_file.name.endswith(".pdf")
    assert appeal.evidence_file.read() == PDF
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.APPEALED
    notice = Notification.objects.get(event=events.APPEAL_ASSIGNED)
    assert notice.recipient == org.hrbp.user
    assert org.employee.name not in str(notice.params)
    entry = AuditEntry.objects.filter(object_type="outcomes.appeal").latest("id")
    assert entry.action == AuditAction.SUBMIT
    assert entry.after is not None
    assert entry.after["handler"] == str(org.hrbp.user)


def test_the_handler_is_never_one_of_the_person_s_managers(
    org: TestOrg, person: Actor, published: Cycle, reviews: dict[str, Review]
) -> None:
    org_services.role_grant(
        actor=Actor.system(),
        user=org.manager.user,
        role=GrantedRole.HR_ADMIN,
        departments=[org.sales1],
    )
    appeal = services.appeal_file(
        actor=person, result=of.result_of(reviews["employee"]), reasons="不认可"
    )
    assert appeal.handler == org.hrbp.user  # the manager's scope is closer, but they manage


def test_among_equals_the_handler_with_fewest_open_appeals(
    org: TestOrg, published: Cycle, reviews: dict[str, Review]
) -> None:
    second = of.result_of(reviews["peer"])
    org_services.role_grant(
        actor=Actor.system(),
        user=org.outsider.user,
        role=GrantedRole.HR_ADMIN,
        departments=[org.sales],
    )
    first = services.appeal_file(
        actor=Actor(user=org.employee.user), result=of.result_of(reviews["employee"]), reasons="一"
    )
    other = services.appeal_file(actor=Actor(user=org.peer.user), result=second, reasons="二")
    assert {first.handler, other.handler} == {org.hrbp.user, org.outsider.user}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"reasons": " "}, {"reasons": ["Fill this in."]}),
        (
            {"evidence_link": "ftp://files/x"},
            {"evidence_link": ["Enter a web address (http or https)."]},
        ),
        (
            {"evidence_file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")},
            {
                "evidence_file": [
                    "Attach a file of one of these types: pdf, png, jpg, jpeg, xlsx, xls, csv, "
                    "docx, doc, txt."
                ]
            },
        ),
        (
            {"evidence_file": SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00not a pdf")},
            {"evidence_file": ["The file's content is not what its name says."]},
        ),
        (
            {"evidence_file": SimpleUploadedFile("大.txt", b"x" * (10 * 1024 * 1024 + 1))},
            {"evidence_file": ["The file is larger than 10 MB."]},
        ),
    ],
)
def test_bad_input_files_nothing(
    person: Actor, mine: PerformanceResult, fields: dict[str, object], errors: dict[str, list[str]]
) -> None:
    arguments: dict[str, object] = {"reasons": "理由", **fields}
    with pytest.raises(ValidationError) as refused:
        services.appeal_file(actor=person, result=mine, **arguments)  # type: ignore[arg-type]

    assert errors_of(refused.value) == errors
    assert not Appeal.objects.exists()
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.PENDING


def test_one_open_appeal_and_a_decided_one_is_final(
    org: TestOrg, person: Actor, appeal: Appeal, mine: PerformanceResult
) -> None:
    with pytest.raises(ValidationError, match="open already"):
        services.appeal_file(actor=person, result=mine, reasons="再次申诉")
    services.appeal_decide(
        actor=Actor(user=org.hrbp.user),
        appeal=appeal,
        outcome=services.Outcome.UPHELD,
        decision="口径正确",
    )
    PerformanceResult.objects.filter(pk=mine.pk).update(ack_status=AckStatus.PENDING)
    with pytest.raises(ValidationError, match="decided already"):
        services.appeal_file(actor=person, result=mine, reasons="再次申诉")
    assert Appeal.objects.count() == 1


def test_after_the_window_or_once_confirmed_no_appeal(
    org: TestOrg, person: Actor, mine: PerformanceResult
) -> None:
    until = ResultRelease.objects.get(cycle=mine.cycle).appeal_until
    assert until is not None
    with pytest.raises(ValidationError, match="over"):
        services.appeal_file(
            actor=person, result=mine, reasons="晚了", today=until + dt.timedelta(days=1)
        )
    PerformanceResult.objects.filter(pk=mine.pk).update(ack_status=AckStatus.CONFIRMED)
    with pytest.raises(ValidationError, match="confirmed this result"):
        services.appeal_file(actor=person, result=mine, reasons="后悔了")
    assert not Appeal.objects.exists()


def test_withdrawing_lets_the_result_wait_for_confirmation_again(
    person: Actor, appeal: Appeal, mine: PerformanceResult
) -> None:
    withdrawn = services.appeal_withdraw(actor=person, appeal=appeal)

    assert withdrawn.status == AppealStatus.WITHDRAWN
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.PENDING
    with pytest.raises(ValidationError, match="Only an open appeal"):
        services.appeal_withdraw(actor=person, appeal=appeal)
    again = services.appeal_file(actor=person, result=mine, reasons="重新提交")
    assert again.status == AppealStatus.FILED


def test_upheld_tells_the_person_and_leaves_the_result(
    org: TestOrg, appeal: Appeal, mine: PerformanceResult
) -> None:
    hrbp = Actor(user=org.hrbp.user)
    services.appeal_take_up(actor=hrbp, appeal=appeal)
    decided = services.appeal_decide(
        actor=hrbp,
        appeal=appeal,
        outcome=services.Outcome.UPHELD,
        decision="指标口径与年初约定一致",
    )

    assert decided.status == AppealStatus.UPHELD
    assert decided.decided_at is not None
    mine.refresh_from_db()
    assert (mine.grade, mine.version, mine.ack_status) == ("A", 1, AckStatus.APPEALED)
    notice = Notification.objects.get(event=events.APPEAL_UPHELD)
    assert notice.recipient == org.employee.user
    assert notice.params["decision"] == "指标口径与年初约定一致"
    entry = AuditEntry.objects.filter(object_type="outcomes.appeal").latest("id")
    assert (entry.action, entry.reason) == (AuditAction.REJECT, "指标口径与年初约定一致")


def test_an_adjustment_flows_into_the_result(
    org: TestOrg, appeal: Appeal, mine: PerformanceResult
) -> None:
    decided = services.appeal_decide(
        actor=Actor(user=org.hrbp.user),
        appeal=appeal,
        outcome=services.Outcome.ADJUSTED,
        decision="补计年初约定的客户数",
        new_score=Decimal("90.5"),
        new_grade="S",
    )

    assert (decided.status, decided.new_score, decided.new_grade) == (
        AppealStatus.ADJUSTED,
        Decimal("90.50"),
        "S",
    )
    mine.refresh_from_db()
    assert (mine.score, mine.grade, mine.coefficient, mine.version, mine.source) == (
        Decimal("90.50"),
        "S",
        Decimal("1.50"),
        2,
        ResultSource.APPEAL,
    )
    change = ResultChange.objects.filter(result=mine, source=ResultSource.APPEAL).get()
    assert (change.grade_before, change.grade_after, change.reason) == (
        "A",
        "S",
        "补计年初约定的客户数",
    )
    sentences = result_sentences(mine, with_appeal_reason=False)
    assert sentences[-2] == "Changed on appeal: score 83.00 → 90.50, grade A → S"
    assert "补计" in result_sentences(mine, with_appeal_reason=True)[-2]
    notice = Notification.objects.get(event=events.APPEAL_ADJUSTED)
    assert notice.params["grade"] == "S"
    assert notice.params["score"] == "90.50"
    audited = AuditEntry.objects.filter(
        object_type="outcomes.performanceresult", object_id=str(mine.pk)
    ).latest("id")
    assert audited.after is not None
    assert audited.after["source"] == "appeal"


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        (
            {"outcome": "maybe", "decision": "x"},
            {"outcome": ["Choose whether the result stands or changes."]},
        ),
        ({"outcome": "upheld", "decision": ""}, {"decision": ["Fill this in."]}),
        (
            {"outcome": "adjusted", "decision": "x"},
            {"__all__": ["Give the new score, the new grade, or both."]},
        ),
        (
            {"outcome": "adjusted", "decision": "x", "new_grade": "Q"},
            {"new_grade": ["Choose one of the grades S, A, B, C, D."]},
        ),
        (
            {"outcome": "adjusted", "decision": "x", "new_score": Decimal("-3")},
            {"new_score": ["Enter a score between 0 and 9999.99."]},
        ),
    ],
)
def test_a_bad_decision_changes_nothing(
    org: TestOrg,
    appeal: Appeal,
    mine: PerformanceResult,
    arguments: dict[str, object],
    errors: dict[str, list[str]],
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.appeal_decide(actor=Actor(user=org.hrbp.user), appeal=appeal, **arguments)  # type: ignore[arg-type]

    assert errors_of(refused.value) == errors
    appeal.refresh_from_db()
    mine.refresh_from_db()
    assert appeal.status == AppealStatus.FILED
    assert (mine.grade, mine.version) == ("A", 1)


def test_hr_reassigns_only_to_who_may_handle(org: TestOrg, appeal: Appeal) -> None:
    hr = Actor(user=org.hr_admin.user)
    moved = services.appeal_assign(actor=hr, appeal=appeal, handler=org.hr_admin.user)
    assert moved.handler == org.hr_admin.user
    assert Notification.objects.filter(
        event=events.APPEAL_ASSIGNED, recipient=org.hr_admin.user
    ).exists()
    with pytest.raises(ValidationError) as refused:
        services.appeal_assign(actor=hr, appeal=appeal, handler=org.manager.user)
    assert list(errors_of(refused.value)) == ["handler"]
    appeal.refresh_from_db()
    assert appeal.handler == org.hr_admin.user


# --- HR's list and statistics ----------------------------------------------------------------


def test_hr_s_list_flags_what_is_overdue(org: TestOrg, appeal: Appeal) -> None:
    hrbp = principal_for(org.hrbp.user)
    today = timezone.localdate()
    rows = list(selectors.appeal_rows(hrbp, selectors.AppealFilters(), today))
    assert [(a.pk, a.overdue) for a in rows] == [(appeal.pk, False)]  # type: ignore[attr-defined]

    late = today + dt.timedelta(days=11)
    rows = list(selectors.appeal_rows(hrbp, selectors.AppealFilters(state="overdue"), late))
    assert [(a.pk, a.overdue) for a in rows] == [(appeal.pk, True)]  # type: ignore[attr-defined]
    mine_only = selectors.appeal_rows(
        principal_for(org.hr_admin.user), selectors.AppealFilters(mine=True), today
    )
    assert not mine_only.exists()


def test_statistics_per_department(
    org: TestOrg, appeal: Appeal, published: Cycle, reviews: dict[str, Review]
) -> None:
    hrbp = Actor(user=org.hrbp.user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3), tick=False):
        services.appeal_decide(
            actor=hrbp,
            appeal=appeal,
            outcome=services.Outcome.ADJUSTED,
            decision="调整",
            new_grade="S",
        )
    services.appeal_file(
        actor=Actor(user=org.other_manager.user),
        result=of.result_of(reviews["other_manager"]),
        reasons="不认可",
    )

    rows = selectors.appeal_stats(principal_for(org.hr_admin.user), published)

    by_name = {row.department: row for row in rows}
    sales1 = by_name["销售一部"]
    assert (sales1.results, sales1.filed, sales1.adjusted, sales1.open) == (3, 1, 1, 0)
    assert sales1.per_100 == Decimal("33.3")
    assert sales1.days_to_decide == Decimal("3.0")
    sales2 = by_name["销售二部"]
    assert (sales2.results, sales2.filed, sales2.open, sales2.days_to_decide) == (1, 1, 1, None)
    total = rows[-1]
    assert (total.department, total.results, total.filed, total.decided) == ("", 5, 2, 1)
    assert total.per_100 == Decimal("40.0")
    assert by_name["研发中心"].filed == 0
    assert {row.department for row in selectors.appeal_stats(principal_for(org.hrbp.user))} == {
        "销售一部",
        "销售二部",
        "",
    }
