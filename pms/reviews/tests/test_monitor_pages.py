"""HR's monitor: completion by phase, rater type and department, who is overdue (named) and
what anybody wrote (never), reminders in bulk (one message per rater, once a day per
rating), the .xlsx export as a background job (counts only, names only of raters who owe;
for the HR person who started it while they still monitor the cycle), scope and refusals,
and the same number of queries at two sizes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pms.comms.models import Notification
from pms.core import exports, workbooks
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry, ExportJob, ExportStatus
from pms.org.models import RoleGrant
from pms.org.roles import principal_for
from pms.org.services import role_revoke
from pms.org.tests.factories import TestOrg, employee
from pms.reviews import access, events, exporters
from pms.reviews.models import (
    Cycle,
    Phase,
    RaterType,
    Rating,
    Review,
)
from pms.reviews.selectors import monitor as selectors
from pms.reviews.services import launch, phases
from pms.reviews.services.participation import rules_clean
from pms.reviews.tests import factories as rf
from pms.reviews.tests.test_launch_services import sales_cycle

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
NOW = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def cycle(org: TestOrg, hr: Actor) -> Cycle:
    """The sales cycle in its peer phase: the self-review deadline has passed (1-10), the
    peer deadline has not (1-20). Templates ask self, manager and upward (anonymous)."""
    tpl = rf.template(rater_weights={"manager": 60, "self": 20, "upward": 20})
    draft = sales_cycle(
        org,
        hr,
        tpl,
        rules=rules_clean(departments=[org.hq.pk]),
        deadlines={
            Phase.SELF: (None, dt.date(2027, 1, 10)),
            Phase.PEER: (None, dt.date(2027, 1, 20)),
            Phase.MANAGER: (None, dt.date(2027, 1, 30)),
        },
    )
    running = launch.cycle_launch(actor=hr, cycle=draft)
    phases.cycle_advance(actor=hr, cycle=running)
    phases.cycle_advance(actor=hr, cycle=running)
    return running


def rating(cycle: Cycle, reviewee: Any, rater_type: str, rater: Any = None) -> Rating:
    found = Rating.objects.filter(
        review__cycle=cycle, review__employee=reviewee, rater_type=rater_type
    )
    if rater is not None:
        found = found.filter(rater=rater)
    return found.get()


def url(name: str, obj: Any = None) -> str:
    return reverse(f"reviews:{name}", kwargs={"uuid": obj.uuid} if obj is not None else None)


# --- the figures ------------------------------------------------------------------------------


def test_completion_by_phase_type_and_department(org: TestOrg, cycle: Cycle) -> None:
    rf.submitted(rating(cycle, org.employee, RaterType.SELF), {})
    rf.submitted(rating(cycle, org.manager, RaterType.UPWARD, org.peer), {})
    hr = principal_for(org.hr_admin.user)
    filters = selectors.MonitorFilters()
    reviews = selectors.monitor_reviews_in(access.monitor_reviews(hr, cycle), filters)
    ratings = selectors.monitor_ratings(reviews, filters)
    deadlines = selectors.phase_deadlines(cycle)

    summary = selectors.monitor_summary(cycle, reviews, ratings, deadlines, TODAY)

    assert summary.reviews == 9
    by_phase = {row.phase: row.completion for row in summary.by_phase}
    assert (by_phase[Phase.SELF].submitted, by_phase[Phase.SELF].asked) == (1, 9)
    upward = {code: found for code, _label, found in summary.by_phase[1].types}
    assert (upward["upward"].submitted, upward["upward"].asked) == (1, 8)
    assert summary.overdue == 8  # the self reviews not in by the 10th
    rows = selectors.completion_by_department(
        ratings, access.monitor_departments(hr), focus=org.sales, roots=()
    )
    named = {(r.department.name, r.direct_only): r.completion for r in rows}
    assert named[("销售中心", True)].asked == 4  # the head: self, manager, two upward
    assert named[("销售一部", False)].submitted == 2


def test_the_counts_are_read_once_and_shared_while_the_cache_lasts(
    org: TestOrg, cycle: Cycle, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.PMS_BOARD_CACHE_SECONDS = 60
    hr = principal_for(org.hr_admin.user)
    filters = selectors.MonitorFilters()
    reviews = selectors.monitor_reviews_in(access.monitor_reviews(hr, cycle), filters)
    ratings = selectors.monitor_ratings(reviews, filters)

    with CaptureQueriesContext(connection) as first:
        by_type = selectors.completion_by_type(ratings)
    with CaptureQueriesContext(connection) as second:
        rows = selectors.completion_by_department(
            ratings, access.monitor_departments(hr), focus=org.sales, roots=()
        )

    assert len(first.captured_queries) == 1
    # the departments' figures come from the same counts; only the departments are read
    assert not any("reviews_rating" in q["sql"] for q in second.captured_queries)
    settings.PMS_BOARD_CACHE_SECONDS = 0
    assert selectors.completion_by_type(ratings) == by_type
    fresh = selectors.completion_by_department(
        ratings, access.monitor_departments(hr), focus=org.sales, roots=()
    )
    assert [(r.department, r.completion) for r in fresh] == [
        (r.department, r.completion) for r in rows
    ]
    cache.clear()


def test_hrbp_counts_only_their_scope(org: TestOrg, cycle: Cycle) -> None:
    hrbp = principal_for(org.hrbp.user)
    reviews = access.monitor_reviews(hrbp, cycle)
    assert set(reviews.values_list("employee__number", flat=True)) == {
        "E0002",
        "E0003",
        "E0004",
        "E0005",
        "E0006",
    }


def test_overdue_lists_who_owes_until_done_or_extended(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    def owing() -> set[str]:
        ratings = Rating.objects.filter(review__cycle=cycle)
        found = selectors.overdue_ratings(cycle, ratings, selectors.phase_deadlines(cycle), TODAY)
        return {r.rater.number for r in found}

    assert owing() == {f"E000{n}" for n in range(1, 10)}
    rf.submitted(rating(cycle, org.employee, RaterType.SELF), {})
    mine = Review.objects.get(cycle=cycle, employee=org.peer)
    phases.phase_extend_for(
        actor=hr, review=mine, phase=Phase.SELF, until=dt.date(2027, 1, 18), reason="出差"
    )
    assert "E0004" not in owing()
    assert "E0005" not in owing()
    # upward ratings are due on the 20th: nobody is overdue with them yet
    assert all(
        r.rater_type == RaterType.SELF
        for r in selectors.overdue_ratings(
            cycle, Rating.objects.all(), selectors.phase_deadlines(cycle), TODAY
        )
    )


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_counts_and_overdue_raters_never_answers(
    client_for: ClientFor, org: TestOrg, cycle: Cycle
) -> None:
    secret = rating(cycle, org.manager, RaterType.UPWARD, org.peer)
    rf.submitted(
        secret, {rf.competency_items(secret.review.template)[0]: "S"}, comment="很好的领导"
    )
    secret.overall_comment = "秘密评语"
    secret.save(update_fields=["overall_comment"])

    page = client_for("hr_admin").get(url("monitor_cycle", cycle))

    body = page.content.decode()
    assert page.status_code == 200
    assert "很好的领导" not in body
    assert "秘密评语" not in body
    assert "Days overdue" in body
    assert "张经理" in body  # the manager owes their self review: named as overdue


def test_filters_narrow_and_bad_filters_are_ignored(
    client_for: ClientFor, org: TestOrg, cycle: Cycle
) -> None:
    client = client_for("hr_admin")
    narrowed = client.get(
        url("monitor_cycle", cycle),
        {"department": str(org.rnd.uuid), "rater_type": "self", "status": "overdue"},
    )
    body = narrowed.content.decode()
    assert "孙工程师" in body
    assert "陈员工" not in body
    bad = client.get(
        url("monitor_cycle", cycle), {"department": "x", "rater_type": "boss", "status": "?"}
    )
    assert bad.status_code == 200
    assert "陈员工" in bad.content.decode()


def test_who_may_open_the_monitor(
    client_for: ClientFor, org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    draft = sales_cycle(org, hr, rf.template(), name="草稿")
    assert client_for("hr_admin").get(url("monitor")).status_code == 200
    assert client_for("hrbp").get(url("monitor_cycle", cycle)).status_code == 200
    assert client_for("sysadmin").get(url("monitor_cycle", cycle)).status_code == 200
    for persona in ("employee", "manager", "head", "ceo"):
        client = client_for(persona)
        assert client.get(url("monitor")).status_code == 403, persona
        assert client.get(url("monitor_cycle", cycle)).status_code == 403, persona
        assert client.post(url("monitor_export", cycle)).status_code == 403, persona
        assert client.post(url("monitor_remind", cycle), {"which": "open"}).status_code == 403
    assert client_for("employee").get(url("monitor_cycle", draft)).status_code == 404
    assert client_for("hr_admin").get(url("monitor_cycle", draft)).status_code == 403
    assert client_for("employee").post(url("monitor_export", draft)).status_code == 404
    assert client_for("hr_admin").post(url("monitor_export", draft)).status_code == 403
    assert not Notification.objects.filter(event=events.RATINGS_REMINDER).exists()
    assert not ExportJob.objects.exists()


def test_the_page_takes_the_same_queries_at_two_sizes(
    client_for: ClientFor, org: TestOrg, hr: Actor
) -> None:
    client = client_for("hr_admin")
    tpl = rf.template(rater_weights={"manager": 60, "self": 20, "upward": 20})
    counts: list[int] = []
    for size in (1, 8):
        for n in range(size):
            employee(
                f"人{size}-{n}",
                dept=org.sales2,
                manager=org.other_manager,
                number=f"M{size}{n:03d}",
            )
        draft = sales_cycle(
            org,
            hr,
            tpl,
            name=f"规模{size}",
            deadlines={Phase.SELF: (None, dt.date(2027, 1, 10))},
        )
        running = launch.cycle_launch(actor=hr, cycle=draft)
        phases.cycle_advance(actor=hr, cycle=running)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                url("monitor_cycle", running), {"department": str(org.sales.uuid)}
            )
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- reminders --------------------------------------------------------------------------------


def test_remind_once_per_rater_and_once_a_day_per_rating(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hrbp")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("monitor_remind", cycle), {"which": "open"}, follow=True)

    assert "reminded" in response.content.decode()
    notices = Notification.objects.filter(event=events.RATINGS_REMINDER)
    # the peer phase is open: the upward raters in HRBP's scope (reports of the manager,
    # the head and the other manager), one message each with their count
    by_person = {n.recipient.username: n.params["count"] for n in notices}
    assert by_person == {"E0003": 1, "E0004": 1, "E0005": 1, "E0006": 1}
    for notice in notices:
        assert set(notice.params) == {"cycle", "count"}
    reminded = Rating.objects.filter(reminded_at__isnull=False)
    assert set(reminded.values_list("rater_type", flat=True)) == {RaterType.UPWARD}
    entry = AuditEntry.objects.get(action=AuditAction.REMIND, object_type="reviews.cycle")
    assert entry.after == {"raters": 4, "ratings": 4}

    again = client.post(url("monitor_remind", cycle), {"which": "open"}, follow=True)
    assert "Nobody to remind" in again.content.decode()
    assert notices.count() == 4


def test_overdue_reminders_go_only_to_those_who_may_still_answer(
    org: TestOrg, hr: Actor, cycle: Cycle
) -> None:
    # self reviews are overdue but their phase has passed: only an extension reopens one
    overdue = Rating.objects.filter(
        selectors.overdue_q(cycle, selectors.phase_deadlines(cycle), TODAY)
    )
    assert phases.ratings_remind(actor=hr, cycle=cycle, ratings=overdue).ratings == 0
    mine = Review.objects.get(cycle=cycle, employee=org.employee)
    phases.phase_extend_for(
        actor=hr, review=mine, phase=Phase.SELF, until=dt.date(2027, 1, 16), reason="补交"
    )
    done = phases.ratings_remind(
        actor=hr,
        cycle=cycle,
        ratings=Rating.objects.filter(review=mine, rater_type=RaterType.SELF),
    )
    assert (done.raters, done.ratings) == (1, 1)


def test_a_bad_remind_choice_changes_nothing(client_for: ClientFor, cycle: Cycle) -> None:
    response = client_for("hr_admin").post(
        url("monitor_remind", cycle), {"which": "all"}, follow=True
    )
    assert "Choose whom to remind." in response.content.decode()
    assert not Rating.objects.filter(reminded_at__isnull=False).exists()


# --- export (a background job: pms.core.exports) ----------------------------------------------


def _file_of(client: Client, job: ExportJob) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    response = client.get(reverse("core:export_download", args=[job.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    book = load_workbook(io.BytesIO(data), read_only=True)
    completion, overdue = (list(sheet.values) for sheet in book.worksheets)
    return completion, overdue


def _revoke_hr(org: TestOrg, persona: str) -> None:
    grant = RoleGrant.objects.get(user=getattr(org, persona).user)
    role_revoke(actor=Actor.system(), grant=grant)


def test_export_runs_as_a_job_with_counts_without_anonymous_names(
    client_for: ClientFor,
    org: TestOrg,
    hr: Actor,
    cycle: Cycle,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # two more reports of the manager, not reviewed themselves, rate them upward
    boss = Review.objects.get(cycle=cycle, employee=org.manager)
    answered = employee("匿名甲", dept=org.rnd, manager=org.manager, number="X0001")
    owing = employee("匿名乙", dept=org.rnd, manager=org.manager, number="X0002")
    rf.submitted(rf.rating(boss, answered, RaterType.UPWARD), {}, comment="很好的领导")
    rf.rating(boss, owing, RaterType.UPWARD)
    phases.phase_deadline_set(
        actor=hr, cycle=cycle, phase=Phase.PEER, opens_on=None, deadline=dt.date(2027, 1, 12)
    )
    client = client_for("hr_admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("monitor_export", cycle),
            {"filters": f"department={org.sales1.uuid}&page=2"},
            headers={"HX-Request": "true"},
        )

    job = ExportJob.objects.get()
    assert response.status_code == 200
    # the page gets the job's status, which polls until the worker is done
    assert 'hx-trigger="every 2s"' in response.content.decode()
    fragment = client.get(
        reverse("core:export", args=[job.uuid]), headers={"HX-Request": "true"}
    ).content.decode()
    assert reverse("core:export_download", args=[job.uuid]) in fragment
    assert "every 2s" not in fragment
    assert (job.kind, job.status, job.created_by) == (
        exporters.MONITOR_EXPORT,
        ExportStatus.DONE,
        org.hr_admin.user,
    )
    assert job.params == {
        "cycle": str(cycle.uuid),
        "department": str(org.sales1.uuid),
        "rater_type": "",
    }
    assert job.file_name == f"{cycle.name}-monitor-2027-01-15.xlsx"
    assert AuditEntry.objects.filter(
        object_type="core.exportjob", object_id=str(job.pk), action=AuditAction.CREATE
    ).exists()
    completion, overdue = _file_of(client, job)
    assert job.total == job.done == len(completion) + len(overdue) - 2  # without the headers
    assert completion[0][:4] == ("Employee number", "Reviewee", "Department", "Rater type")
    upward = [r for r in completion if r[0] == "E0003" and r[3] == "Subordinate (upward)"]
    assert upward == [("E0003", "张经理", "销售一部", "Subordinate (upward)", 4, 1, 0, 3, 0)]
    assert {row[1] for row in completion[1:]} == {"张经理", "陈员工", "刘同事"}
    cells = " ".join(str(v) for sheet in (completion, overdue) for row in sheet for v in row)
    assert "匿名甲" not in cells
    assert "X0001" not in cells
    assert "很好的领导" not in cells
    # the overdue sheet names those who owe a rating, anonymous types included
    assert {(row[1], row[3]) for row in overdue[1:] if row[3] == "Subordinate (upward)"} == {
        ("匿名乙", "Subordinate (upward)"),
        ("陈员工", "Subordinate (upward)"),
        ("刘同事", "Subordinate (upward)"),
    }


def test_the_button_queues_a_job_and_the_page_shows_its_progress(
    client_for: ClientFor, org: TestOrg, cycle: Cycle
) -> None:
    client = client_for("hr_admin")

    # the commit's task never runs here: the job stays queued, as while the worker is busy
    response = client.post(url("monitor_export", cycle), {"filters": "rater_type=upward"})

    target = url("monitor_cycle", cycle) + "?rater_type=upward"
    assert response.status_code == 302
    assert response["Location"] == target
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.QUEUED
    assert job.params["rater_type"] == "upward"
    html = client.get(target).content.decode()
    assert f'id="export-{job.uuid}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert reverse("core:export", args=[job.uuid]) in html
    # another HR person's page does not show it
    other = client_for("hrbp").get(url("monitor_cycle", cycle)).content.decode()
    assert str(job.uuid) not in other


def test_bad_filters_are_ignored_and_a_department_out_of_scope_is_not_exported(
    client_for: ClientFor, org: TestOrg, cycle: Cycle
) -> None:
    client_for("hr_admin").post(
        url("monitor_export", cycle), {"filters": "department=x&rater_type=boss&status=?"}
    )
    client_for("hrbp").post(url("monitor_export", cycle), {"filters": f"department={org.rnd.uuid}"})

    params = [job.params for job in ExportJob.objects.order_by("pk")]
    assert params == [{"cycle": str(cycle.uuid), "department": "", "rater_type": ""}] * 2


def test_hrbp_exports_only_their_scope(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("hrbp")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("monitor_export", cycle))

    completion, _overdue = _file_of(client, ExportJob.objects.get())
    assert {row[0] for row in completion[1:]} == {"E0002", "E0003", "E0004", "E0005", "E0006"}


def test_only_the_starter_downloads_and_only_while_they_monitor(
    client_for: ClientFor, org: TestOrg, cycle: Cycle, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for("hrbp").post(url("monitor_export", cycle))
    job = ExportJob.objects.get()
    status = reverse("core:export", args=[job.uuid])
    download = reverse("core:export_download", args=[job.uuid])

    # other HR, who may monitor the same cycle, and everybody else: unknown
    for persona in ("hr_admin", "employee", "manager", "outsider"):
        client = client_for(persona)
        assert client.get(status).status_code == 404, persona
        assert client.get(download).status_code == 404, persona

    _revoke_hr(org, "hrbp")
    client = client_for("hrbp")
    assert client.get(status).status_code == 403
    assert client.get(download).status_code == 403


def test_a_job_whose_starter_lost_access_before_it_ran_fails(
    client_for: ClientFor, org: TestOrg, cycle: Cycle
) -> None:
    client_for("hrbp").post(url("monitor_export", cycle))
    _revoke_hr(org, "hrbp")

    job = exports.export_job_run(job_id=ExportJob.objects.get().pk)

    assert job is not None
    assert job.status == ExportStatus.FAILED
    assert job.error == "You may no longer export this."
    assert not job.file


def test_progress_is_told_every_thousand_rows_not_per_row(
    org: TestOrg, cycle: Cycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbooks, "PROGRESS_EVERY", 4)  # a thousand rows, scaled down
    told: list[tuple[int, int | None]] = []

    def progress(done: int, total: int | None = None) -> None:
        told.append((done, total))

    hr = principal_for(org.hr_admin.user)
    built = exporters.monitor_export_build(hr, {"cycle": str(cycle.uuid)}, progress)

    book = load_workbook(built.file, read_only=True)
    rows = sum(len(list(sheet.values)) - 1 for sheet in book.worksheets)
    built.file.close()
    assert rows > 8
    assert told[0] == (0, rows)
    assert told[1:-1] == [(n, None) for n in range(4, rows + 1, 4)]
    assert told[-1] == (rows, None)


def test_export_queries_do_not_grow_with_the_cycle(org: TestOrg, cycle: Cycle) -> None:
    hr = Actor(user=org.hr_admin.user)
    counts = []
    for extra in (0, 10):
        boss = Review.objects.get(cycle=cycle, employee=org.manager)
        for n in range(extra):
            rf.rating(boss, employee(f"下属{n}", dept=org.rnd, manager=org.manager), "upward")
        job = exports.export_start(
            actor=hr, kind=exporters.MONITOR_EXPORT, params={"cycle": str(cycle.uuid)}
        )
        with CaptureQueriesContext(connection) as captured:
            done = exports.export_job_run(job_id=job.pk)
        assert done is not None
        assert done.status == ExportStatus.DONE
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
