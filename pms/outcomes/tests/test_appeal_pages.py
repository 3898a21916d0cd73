"""Appeal pages: filing (with an evidence file), the appeal (withdraw, take up, assign,
decide), the evidence download, HR's list and statistics — allowed and refused users,
bad input, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import AckStatus, Appeal, AppealStatus, PerformanceResult
from pms.outcomes.services import appeals as services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def url(name: str, obj: Any) -> str:
    return reverse(f"outcomes:{name}", args=[obj.uuid])


@pytest.fixture
def appeal(org: TestOrg, mine: PerformanceResult) -> Appeal:
    return services.appeal_file(
        actor=Actor(user=org.employee.user),
        result=mine,
        reasons="客户满意度口径有误",
        evidence_file=SimpleUploadedFile("截图.png", PNG),
    )


def test_the_person_files_an_appeal_with_a_file(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    client = client_for("employee")
    assert client.get(url("appeal_file", mine)).status_code == 200

    response = client.post(
        url("appeal_file", mine),
        {
            "reasons": "客户满意度口径有误",
            "evidence_link": "https://oa.example.com/1",
            "evidence_file": SimpleUploadedFile("截图.png", PNG),
        },
    )

    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("appeal", appeal)
    assert (appeal.handler, appeal.evidence_link) == (org.hrbp.user, "https://oa.example.com/1")
    mine.refresh_from_db()
    assert mine.ack_status == AckStatus.APPEALED
    assert AuditEntry.objects.filter(object_type="outcomes.appeal").exists()


def test_filing_refused_and_bad_input(
    org: TestOrg, mine: PerformanceResult, client_for: Clients
) -> None:
    assert client_for("manager").get(url("appeal_file", mine)).status_code == 403
    assert client_for("hrbp").post(url("appeal_file", mine), {"reasons": "x"}).status_code == 403
    assert client_for("peer").get(url("appeal_file", mine)).status_code == 404
    response = client_for("employee").post(
        url("appeal_file", mine),
        {"reasons": "理由", "evidence_file": SimpleUploadedFile("伪装.png", b"not an image")},
    )
    assert response.status_code == 400
    assert "The file&#x27;s content is not what its name says." in response.content.decode()
    response = client_for("employee").post(url("appeal_file", mine), {"reasons": ""})
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_a_second_appeal_is_refused_while_one_is_open(
    org: TestOrg, appeal: Appeal, client_for: Clients
) -> None:
    assert client_for("employee").get(url("appeal_file", appeal.result)).status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 200),
        ("hrbp", 200),
        ("hr_admin", 200),
        ("manager", 404),
        ("head", 404),
        ("peer", 404),
    ],
)
def test_who_opens_an_appeal_and_its_evidence(
    org: TestOrg, appeal: Appeal, client_for: Clients, persona: str, status: int
) -> None:
    client = client_for(persona)
    assert client.get(url("appeal", appeal)).status_code == status
    evidence = client.get(url("appeal_evidence", appeal))
    assert evidence.status_code == status
    if status == 200:
        assert b"".join(evidence.streaming_content) == PNG  # type: ignore[attr-defined]
        assert "attachment" in evidence["Content-Disposition"]


def test_withdrawing_from_the_page(org: TestOrg, appeal: Appeal, client_for: Clients) -> None:
    assert client_for("hrbp").post(url("appeal_withdraw", appeal)).status_code == 403
    assert client_for("employee").post(url("appeal_withdraw", appeal)).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.WITHDRAWN


def test_the_handler_takes_up_and_decides(
    org: TestOrg, appeal: Appeal, client_for: Clients
) -> None:
    handler = client_for("hrbp")
    assert client_for("hr_admin").post(url("appeal_take_up", appeal)).status_code == 403
    assert handler.post(url("appeal_take_up", appeal)).status_code == 302
    assert (
        client_for("hr_admin")
        .post(url("appeal_decide", appeal), {"outcome": "upheld", "decision": "x"})
        .status_code
        == 403
    )
    bad = handler.post(url("appeal_decide", appeal), {"outcome": "adjusted", "decision": "x"})
    assert bad.status_code == 400
    assert "Give the new score, the new grade, or both." in bad.content.decode()

    response = handler.post(
        url("appeal_decide", appeal),
        {"outcome": "adjusted", "decision": "口径更正后上调", "new_score": "", "new_grade": "S"},
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    result = PerformanceResult.objects.get(pk=appeal.result_id)
    assert (appeal.status, result.grade) == (AppealStatus.ADJUSTED, "S")


def test_hr_reassigns(org: TestOrg, appeal: Appeal, client_for: Clients) -> None:
    client = client_for("hr_admin")
    bad = client.post(url("appeal_assign", appeal), {"handler": org.manager.user.pk})  # type: ignore[union-attr]
    assert bad.status_code == 400
    response = client.post(url("appeal_assign", appeal), {"handler": org.hr_admin.user.pk})  # type: ignore[union-attr]
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.handler == org.hr_admin.user
    assert client_for("employee").post(url("appeal_assign", appeal), {}).status_code == 403


def test_hr_s_list_and_its_queries(
    org: TestOrg, appeal: Appeal, published: Cycle, client_for: Clients
) -> None:
    assert client_for("manager").get(reverse("outcomes:appeals")).status_code == 404
    client = client_for("hrbp")
    response = client.get(reverse("outcomes:appeals"))
    assert response.status_code == 200
    assert url("appeal", appeal) in response.content.decode()
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("outcomes:appeals"), {"state": "all"})
    for person in rf.extra_peers(org.employee, 3):
        of.scored_review(published, person, "70.00", "B")
    of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
    for result in PerformanceResult.objects.filter(appeals__isnull=True, department=org.sales1):
        services.appeal_file(
            actor=Actor(user=result.employee.user), result=result, reasons="不认可"
        )
    assert Appeal.objects.count() == 6
    with CaptureQueriesContext(connection) as second:
        again = client.get(reverse("outcomes:appeals"), {"state": "all"})
    assert len(again.context["page"].object_list) == 6
    assert len(second.captured_queries) == len(first.captured_queries)
    assert client.get(reverse("outcomes:appeals"), {"state": "bogus"}).status_code == 200


def test_statistics_page(
    org: TestOrg, appeal: Appeal, published: Cycle, client_for: Clients
) -> None:
    assert client_for("manager").get(reverse("outcomes:appeal_stats")).status_code == 404
    response = client_for("hrbp").get(
        reverse("outcomes:appeal_stats"), {"cycle": str(published.uuid)}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "销售一部" in content
    assert "33.3" in content
