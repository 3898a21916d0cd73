"""HR's list of a cycle's results as an .xlsx file (a background export): the file's
columns read back with openpyxl, the page's filters and HR's scope followed, refused
users who may neither start nor download it, and the same queries at two sizes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pms.core.audit import Actor
from pms.core.exports import export_job_run, export_start
from pms.core.models import AuditEntry, ExportJob, ExportStatus
from pms.org.models import GrantedRole, RoleGrant
from pms.org.services import role_grant, role_revoke
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import PerformanceResult
from pms.outcomes.result_exporters import RESULTS_EXPORT
from pms.outcomes.services import appeals as appeal_services
from pms.outcomes.services import interviews as interview_services
from pms.outcomes.services import results as result_services
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle, CycleStatus, Review
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
HTMX = {"HTTP_HX_REQUEST": "true"}
HEADER = (
    "Employee number",
    "Name",
    "Department",
    "Position",
    "Score",
    "Grade",
    "Coefficient",
    "Changed in calibration",
    "Published",
    "Confirmation",
    "Confirmed at",
    "Appeal",
    "Interview",
)


def export_url(cycle: Cycle) -> str:
    return reverse("outcomes:cycle_results_export", args=[cycle.uuid])


def start(client: Client, cycle: Cycle, capture: Any, filters: str = "") -> Any:
    """HR's button, with the worker run as the transaction commits."""
    with capture(execute=True):
        return client.post(export_url(cycle), {"filters": filters}, **HTMX)


def rows_of(client: Client, job: ExportJob) -> list[tuple[Any, ...]]:
    response = client.get(reverse("core:export_download", args=[job.uuid]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    return list(book.active.iter_rows(values_only=True))


def by_number(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {row[0]: row for row in rows[1:]}


# --- the file ----------------------------------------------------------------------------------


def test_hr_exports_the_results_with_their_states(
    org: TestOrg,
    published: Cycle,
    reviews: dict[str, Review],
    client_for: Clients,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the person confirmed, a colleague appealed, the manager's interview is set
    mine = of.result_of(reviews["employee"])
    result_services.result_confirm(actor=Actor(user=org.employee.user), result=mine)
    appeal_services.appeal_file(
        actor=Actor(user=org.peer.user),
        result=of.result_of(reviews["peer"]),
        reasons="客户口径不一致",
    )
    interview_services.interview_schedule(
        actor=Actor(user=org.head.user),
        result=of.result_of(reviews["manager"]),
        interviewer=org.head,
        scheduled_at=timezone.now() + dt.timedelta(days=2),
    )
    client = client_for("hr_admin")

    # when
    response = start(client, published, django_capture_on_commit_callbacks)

    # then: the status fragment with the download, the job done and audited
    assert response.status_code == 200
    job = ExportJob.objects.get(kind=RESULTS_EXPORT)
    assert job.status == ExportStatus.DONE
    assert job.created_by == org.hr_admin.user
    assert job.params == {"cycle": str(published.uuid), "department": "", "grade": "", "ack": ""}
    assert f"export-{job.uuid}" in response.content.decode()  # the fragment that polls
    status = client.get(reverse("core:export", args=[job.uuid]), **HTMX)
    assert reverse("core:export_download", args=[job.uuid]) in status.content.decode()
    assert AuditEntry.objects.filter(object_type="core.exportjob", action="create").count() == 1
    rows = rows_of(client, job)
    assert rows[0] == HEADER
    found = by_number(rows)
    assert set(found) == {"E0003", "E0004", "E0005", "E0006", "E0007"}
    person = found["E0004"]
    assert person[1:4] == ("陈员工", "销售一部", "销售代表")
    assert (Decimal(str(person[4])), person[5], Decimal(str(person[6]))) == (
        Decimal("83"),
        "A",
        Decimal("1.2"),
    )
    assert person[7] == "Yes"  # raised in calibration
    mine.refresh_from_db()
    assert mine.published_at is not None
    assert mine.ack_at is not None
    assert person[8] == timezone.localtime(mine.published_at).replace(tzinfo=None, microsecond=0)
    assert person[9] == "Confirmed"
    assert person[10] == timezone.localtime(mine.ack_at).replace(tzinfo=None, microsecond=0)
    assert (person[11], person[12]) == (None, "Not scheduled")
    peer = found["E0005"]
    assert (peer[7], peer[9], peer[10], peer[11]) == ("No", "Appealed", None, "Filed")
    assert found["E0003"][12] == "Scheduled"
    assert found["E0007"][3] is None  # nobody's position: an empty cell
    # nothing anybody wrote is in the file
    assert not any("客户口径不一致" in str(cell) for row in rows for cell in row)


def test_the_page_offers_the_export_and_shows_the_latest_file(
    org: TestOrg, published: Cycle, client_for: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hrbp")
    page = client.get(reverse("outcomes:cycle_results", args=[published.uuid]), {"grade": "A"})
    content = page.content.decode()
    assert export_url(published) in content
    assert 'name="filters" value="grade=A"' in content

    start(client, published, django_capture_on_commit_callbacks, "grade=A")

    job = ExportJob.objects.get(kind=RESULTS_EXPORT)
    again = client.get(reverse("outcomes:cycle_results", args=[published.uuid]))
    assert reverse("core:export_download", args=[job.uuid]) in again.content.decode()


def test_a_plain_form_goes_back_to_the_filtered_page(
    org: TestOrg, published: Cycle, client_for: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("hr_admin").post(export_url(published), {"filters": "ack=pending"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cycles/{published.uuid}/?ack=pending")
    assert ExportJob.objects.get(kind=RESULTS_EXPORT).params["ack"] == "pending"


# --- filters and scope -------------------------------------------------------------------------


def test_the_file_follows_the_page_s_filters_and_the_hrbp_s_scope(
    org: TestOrg, published: Cycle, client_for: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hrbp")
    cases = [
        ("", {"E0003", "E0004", "E0005", "E0006"}),  # not 孙工程师: outside the HRBP's scope
        ("grade=A", {"E0004", "E0005"}),
        (f"department={org.sales2.uuid}", {"E0006"}),
        (f"department={org.sales1.uuid}&grade=B", {"E0003"}),
        ("ack=confirmed", set()),
        # a bad filter does not filter, as on the page
        ("grade=Z&department=nonsense", {"E0003", "E0004", "E0005", "E0006"}),
    ]
    for filters, expected in cases:
        start(client, published, django_capture_on_commit_callbacks, filters)
        job = ExportJob.objects.filter(kind=RESULTS_EXPORT).latest("pk")
        assert job.status == ExportStatus.DONE, filters
        assert set(by_number(rows_of(client, job))) == expected, filters
    assert ExportJob.objects.filter(kind=RESULTS_EXPORT).count() == len(cases)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["employee", "manager", "head", "committee"])
def test_colleagues_who_are_not_hr_may_not_start_it(
    org: TestOrg, published: Cycle, client_for: Clients, persona: str
) -> None:
    response = client_for(persona).post(export_url(published), {"filters": ""}, **HTMX)
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_unknown_and_draft_cycles_are_refused(
    org: TestOrg, published: Cycle, client_for: Clients
) -> None:
    missing = reverse("outcomes:cycle_results_export", args=[org.hq.uuid])
    assert client_for("hr_admin").post(missing).status_code == 404
    draft = rf.cycle("草稿周期", status=CycleStatus.DRAFT)
    assert client_for("hr_admin").post(export_url(draft)).status_code == 403
    assert client_for("hr_admin").get(export_url(published)).status_code == 405
    assert not ExportJob.objects.exists()


def test_an_hrbp_may_not_export_a_department_outside_their_scope(
    org: TestOrg, published: Cycle
) -> None:
    params = {"cycle": str(published.uuid), "department": str(org.rnd.uuid), "grade": "", "ack": ""}
    with pytest.raises(PermissionDenied):
        export_start(actor=Actor(user=org.hrbp.user), kind=RESULTS_EXPORT, params=params)
    for bad in ({"grade": "Z"}, {"ack": "nonsense"}):
        with pytest.raises(PermissionDenied):
            export_start(
                actor=Actor(user=org.hr_admin.user),
                kind=RESULTS_EXPORT,
                params={**params, "department": "", **bad},
            )
    assert not ExportJob.objects.exists()


def test_nobody_else_downloads_the_file(
    org: TestOrg, published: Cycle, client_for: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    start(client_for("hr_admin"), published, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get(kind=RESULTS_EXPORT)
    for persona in ("employee", "manager", "hrbp", "outsider"):
        client = client_for(persona)
        assert client.get(reverse("core:export_download", args=[job.uuid])).status_code == 404
        assert client.get(reverse("core:export", args=[job.uuid])).status_code == 404


def test_an_hrbp_moved_off_the_department_loses_the_file(
    org: TestOrg, published: Cycle, client_for: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hrbp")
    start(client, published, django_capture_on_commit_callbacks, f"department={org.sales2.uuid}")
    job = ExportJob.objects.get(kind=RESULTS_EXPORT)
    download = reverse("core:export_download", args=[job.uuid])
    assert client.get(download).status_code == 200

    role_grant(
        actor=Actor.system(), user=org.hrbp.user, role=GrantedRole.HR_ADMIN, departments=[org.rnd]
    )

    assert client.get(download).status_code == 403
    assert client.get(reverse("core:export", args=[job.uuid])).status_code == 403


def test_a_job_whose_starter_lost_access_fails_instead_of_building(
    org: TestOrg, published: Cycle
) -> None:
    job = export_start(
        actor=Actor(user=org.hrbp.user),
        kind=RESULTS_EXPORT,
        params={"cycle": str(published.uuid), "department": "", "grade": "", "ack": ""},
    )  # not committed: the worker has not run
    role_revoke(
        actor=Actor.system(),
        grant=RoleGrant.objects.get(user=org.hrbp.user, role=GrantedRole.HR_ADMIN),
    )

    done = export_job_run(job_id=job.pk)

    assert done is not None
    assert done.status == ExportStatus.FAILED
    assert not done.file


# --- queries -----------------------------------------------------------------------------------


def _build_queries(org: TestOrg, cycle: Cycle) -> int:
    job = export_start(
        actor=Actor(user=org.hr_admin.user),
        kind=RESULTS_EXPORT,
        params={"cycle": str(cycle.uuid), "department": "", "grade": "", "ack": ""},
    )
    with CaptureQueriesContext(connection) as captured:
        done = export_job_run(job_id=job.pk)
    assert done is not None
    assert done.status == ExportStatus.DONE
    return len(captured.captured_queries)


def test_the_build_takes_the_same_queries_at_two_sizes(org: TestOrg, published: Cycle) -> None:
    first = _build_queries(org, published)
    for person in rf.extra_peers(org.employee, 8):
        review = of.scored_review(published, person, "95.00", "S")
        of.publish(published, org.hr_admin.user)  # type: ignore[arg-type]
        appeal_services.appeal_file(
            actor=Actor(user=person.user), result=of.result_of(review), reasons="理由"
        )
    assert PerformanceResult.objects.filter(cycle=published).count() == 13
    assert _build_queries(org, published) == first
