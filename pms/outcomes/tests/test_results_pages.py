"""The result pages: my results, one result (how it was decided, what changed, confirm,
appeal, HR's correction), the manager's team, HR's cycles and a cycle's results with its
filters, counts and release — allowed users, refused users, bad input, query counts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pms.calibration.models import ChangeField
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import (
    AckStatus,
    PerformanceResult,
    ReleaseStatus,
    ResultRelease,
    ResultSource,
)
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.tests import factories as of
from pms.outcomes.tests.conftest import RAISE_REASON
from pms.reviews.models import Cycle, Phase, Review
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def url(name: str, obj: Any) -> str:
    return reverse(f"outcomes:{name}", args=[obj.uuid])


def count_queries(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured.captured_queries)


# --- my results ------------------------------------------------------------------------------


def test_my_results_lists_my_published_results(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    response = client_for("employee").get(reverse("outcomes:my_results"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "2026年度考核" in content
    assert "1.20" in content
    assert url("result", mine) in content


def test_my_results_needs_an_employee_record(org: TestOrg, client_for: Clients) -> None:
    assert client_for("sysadmin").get(reverse("outcomes:my_results")).status_code == 404
    response = client_for("outsider").get(reverse("outcomes:my_results"))
    assert "No result of yours has been published yet." in response.content.decode()


def test_my_results_queries_do_not_grow(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    client = client_for("employee")
    first = count_queries(lambda: client.get(reverse("outcomes:my_results")))
    for _ in range(2):
        other = of.calibration_cycle()
        of.scored_review(other, org.employee, "70.00", "B")
        of.publish(other, org.hr_admin.user)  # type: ignore[arg-type]
    assert PerformanceResult.objects.filter(employee=org.employee).count() == 3
    assert count_queries(lambda: client.get(reverse("outcomes:my_results"))) == first


# --- one result ------------------------------------------------------------------------------


def test_the_person_reads_how_it_was_decided_and_may_confirm_or_appeal(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    response = client_for("employee").get(url("result", mine))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Grade A carries the coefficient 1.20" in content
    assert RAISE_REASON in content
    assert "78.00 → 83.00" in content
    assert url("result_confirm", mine) in content
    assert url("appeal_file", mine) in content
    assert url("result_correct", mine) not in content


def test_the_manager_reads_it_without_the_person_s_buttons(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    response = client_for("manager").get(url("result", mine))

    content = response.content.decode()
    assert response.status_code == 200
    assert url("result_confirm", mine) not in content
    assert url("appeal_file", mine) not in content
    assert url("interview_for_result", mine) in content  # the manager schedules


@pytest.mark.parametrize("persona", ["peer", "other_manager", "outsider"])
def test_a_result_is_not_found_for_others(
    org: TestOrg, mine: PerformanceResult, client_for: Clients, persona: str
) -> None:
    assert client_for(persona).get(url("result", mine)).status_code == 404


def test_managers_see_an_appeal_s_change_but_not_its_reasons(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    appeal = appeal_services.appeal_file(
        actor=Actor(user=org.employee.user), result=mine, reasons="客户口径不一致"
    )
    appeal_services.appeal_decide(
        actor=Actor(user=org.hrbp.user),
        appeal=appeal,
        outcome=appeal_services.Outcome.ADJUSTED,
        decision="补计客户数后上调",
        new_grade="S",
    )

    manager = client_for("manager").get(url("result", mine)).content.decode()
    person = client_for("employee").get(url("result", mine)).content.decode()

    assert "Changed on appeal: score 83.00 → 83.00, grade A → S" in manager
    assert "补计客户数后上调" not in manager
    assert "客户口径不一致" not in manager
    assert url("appeal", appeal) not in manager
    assert "补计客户数后上调" in person
    assert url("appeal", appeal) in person


def test_confirming(org: TestOrg, mine: PerformanceResult, client_for: Clients) -> None:
    response = client_for("employee").post(url("result_confirm", mine), {"note": "认可"})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.ack_status, mine.ack_note) == (AckStatus.CONFIRMED, "认可")
    assert AuditEntry.objects.filter(
        object_type="outcomes.performanceresult", object_id=str(mine.pk), after__ack_note="认可"
    ).exists()


def test_confirming_refused_and_bad_input(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    assert client_for("manager").post(url("result_confirm", mine)).status_code == 403
    assert client_for("peer").post(url("result_confirm", mine)).status_code == 404
    response = client_for("employee").post(url("result_confirm", mine), {"note": "长" * 501})
    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters" in response.content.decode()
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.PENDING


def test_hr_corrects_from_the_page(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    client = client_for("hrbp")
    assert url("result_correct", mine) in client.get(url("result", mine)).content.decode()

    response = client.post(
        url("result_correct", mine), {"score": "", "grade": "S", "reason": "补录回款"}
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.grade, mine.coefficient, mine.source) == (
        "S",
        Decimal("1.50"),
        ResultSource.CORRECTION,
    )


def test_correcting_refused_and_bad_input(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    assert (
        client_for("manager").post(url("result_correct", mine), {"grade": "S"}).status_code == 403
    )
    assert client_for("peer").post(url("result_correct", mine), {"grade": "S"}).status_code == 404
    response = client_for("hrbp").post(
        url("result_correct", mine), {"score": "83", "grade": "A", "reason": "无变化"}
    )
    assert response.status_code == 400
    assert "The score and the grade are what the result has already." in response.content.decode()
    response = client_for("hrbp").post(url("result_correct", mine), {"grade": "S", "reason": ""})
    assert response.status_code == 400
    mine.refresh_from_db()
    assert (mine.grade, mine.version) == ("A", 1)


def test_the_page_speaks_chinese(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    client = client_for("employee")
    client.cookies["django_language"] = "zh-hans"
    content = client.get(url("result", mine), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "等级A对应绩效系数1.20" in content
    assert "校准会“销售中心校准会”：得分78.00 → 83.00，等级B → A。" in content
    assert "确认我的结果" in content


# --- the manager's team ----------------------------------------------------------------------


def test_the_team_page_lists_the_people_led(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    response = client_for("manager").get(reverse("outcomes:team_results"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "陈员工" in content
    assert "刘同事" in content
    assert "孙工程师" not in content
    assert client_for("employee").get(reverse("outcomes:team_results")).status_code == 404


def test_the_team_page_queries_do_not_grow(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    client = client_for("manager")
    first = count_queries(lambda: client.get(reverse("outcomes:team_results")))
    more = rf.extra_peers(org.employee, 4)
    late = [of.scored_review(published, person, "70.00", "B") for person in more]
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    assert PerformanceResult.objects.filter(review__in=late).count() == 4
    assert count_queries(lambda: client.get(reverse("outcomes:team_results"))) == first


# --- HR: cycles and a cycle's results --------------------------------------------------------


def test_hr_lists_cycles_with_their_release(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    response = client_for("hrbp").get(reverse("outcomes:cycles"))
    assert response.status_code == 200
    assert url("cycle_results", published) in response.content.decode()
    assert client_for("manager").get(reverse("outcomes:cycles")).status_code == 404


def test_a_cycle_s_results_with_counts_and_filters(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    client = client_for("hrbp")
    response = client.get(url("cycle_results", published))
    assert response.status_code == 200
    content = response.content.decode()
    assert "陈员工" in content
    assert "孙工程师" not in content  # outside the HRBP's scope
    summary = response.context["summary"]
    assert summary.total == 4
    assert dict(summary.by_grade) == {"S": 0, "A": 2, "B": 1, "C": 1, "D": 0}

    narrowed = client.get(url("cycle_results", published), {"grade": "A"})
    rows = list(narrowed.context["page"].object_list)
    assert {r.employee.number for r in rows} == {"E0004", "E0005"}
    assert dict(narrowed.context["summary"].by_grade)["B"] == 1  # counts ignore the grade filter
    by_department = client.get(
        url("cycle_results", published), {"department": str(org.sales2.uuid)}
    )
    assert [r.employee.number for r in by_department.context["page"].object_list] == ["E0006"]
    fragment = client.get(
        url("cycle_results", published), {"ack": "pending"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    assert b'id="results-rows"' in fragment.content
    assert b"<html" not in fragment.content


def test_a_bad_filter_shows_everything_instead_of_failing(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    response = client_for("hrbp").get(
        url("cycle_results", published), {"grade": "Z", "department": "nonsense"}
    )
    assert response.status_code == 200
    assert response.context["summary"].total == 4
    assert "Select a valid choice" in response.content.decode()


def test_a_cycle_s_results_are_refused_to_colleagues(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    assert client_for("employee").get(url("cycle_results", published)).status_code == 403
    assert client_for("committee").get(url("cycle_results", published)).status_code == 403
    missing = reverse("outcomes:cycle_results", args=[uuid.uuid4()])
    assert client_for("hr_admin").get(missing).status_code == 404


def test_a_cycle_s_results_queries_do_not_grow(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    client = client_for("hr_admin")
    first = count_queries(lambda: client.get(url("cycle_results", published)))
    more = rf.extra_peers(org.employee, 6)
    for person in more:
        of.scored_review(published, person, "95.00", "S")
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    assert PerformanceResult.objects.filter(cycle=published).count() == 11
    assert count_queries(lambda: client.get(url("cycle_results", published))) == first


def test_hr_publishes_from_the_page(org: TestOrg, calibrated: Cycle, client_for: Clients) -> None:
    response = client_for("hr_admin").post(url("cycle_release", calibrated), {"action": "publish"})

    assert response.status_code == 302
    calibrated.refresh_from_db()
    assert calibrated.phase == Phase.RESULTS
    assert PerformanceResult.objects.filter(cycle=calibrated).count() == 5


def test_publishing_is_refused_to_hrbps_and_colleagues(
    org: TestOrg, calibrated: Cycle, client_for: Clients
) -> None:
    for persona, status in (("hrbp", 403), ("employee", 403), ("committee", 403)):
        response = client_for(persona).post(url("cycle_release", calibrated), {"action": "publish"})
        assert response.status_code == status, persona
    assert not PerformanceResult.objects.exists()


def test_scheduling_from_the_page_and_a_bad_date(
    org: TestOrg, calibrated: Cycle, client_for: Clients
) -> None:
    client = client_for("hr_admin")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        url("cycle_release", calibrated),
        {"action": "schedule", "publish_on": yesterday.isoformat()},
    )
    assert response.status_code == 400
    assert "Choose a day from today on." in response.content.decode()
    assert not ResultRelease.objects.exists()

    soon = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        url("cycle_release", calibrated), {"action": "schedule", "publish_on": soon.isoformat()}
    )
    assert response.status_code == 302
    release = ResultRelease.objects.get(cycle=calibrated)
    assert (release.status, release.publish_on) == (ReleaseStatus.SCHEDULED, soon)


def test_a_publish_refused_by_calibration_is_a_message(
    org: TestOrg, cycle: Cycle, reviews: dict[str, Review], client_for: Clients
) -> None:
    from pms.calibration.models import SessionStatus

    of.closed_session(
        cycle,
        org.hr_admin.user,  # type: ignore[arg-type]
        [reviews["employee"]],
        {reviews["employee"]: [(ChangeField.GRADE, "A", "x")]},
        status=SessionStatus.OPEN,
    )
    response = client_for("hr_admin").post(
        url("cycle_release", cycle), {"action": "publish"}, follow=True
    )
    assert "Close every open calibration session" in response.content.decode()
    assert not PerformanceResult.objects.exists()
