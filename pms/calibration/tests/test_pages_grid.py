"""The grid: filters and pages as an HTMX fragment, one person's change inline, one change
for the rows ticked, refusals (observers, a closed session, one's own row) and the same
number of queries whatever the session's size."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pms.calibration.models import (
    CalibrationChange,
    CalibrationEntry,
    ChangeField,
    SessionStatus,
)
from pms.calibration.services.sessions import session_close
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sales(org: TestOrg) -> f.SalesSession:
    return f.sales_session(org)


def grid_url(sales: f.SalesSession) -> str:
    return reverse("calibration:grid", args=[sales.session.uuid])


def change_url(entry: CalibrationEntry) -> str:
    return reverse("calibration:entry_change", args=[entry.uuid])


# --- filters and sorting ---


def test_the_grid_fragment_filters_and_sorts(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    hr = client_for("hr_admin")
    response = hr.get(grid_url(sales), {"grade": "B", "sort": "score"}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    rows = [f'id="entry-{sales.entry(key).uuid}"' for key in ("peer", "manager", "employee")]
    assert rows[0] in response.text
    assert rows[1] in response.text
    assert rows[2] not in response.text  # an A
    assert response.text.index(rows[0]) < response.text.index(rows[1])  # 74 before 72

    by_manager = hr.get(grid_url(sales), {"manager": str(org.manager.uuid)}, **HTMX)
    assert f'id="entry-{sales.entry("employee").uuid}"' in by_manager.text
    assert f'id="entry-{sales.entry("head").uuid}"' not in by_manager.text
    search = hr.get(grid_url(sales), {"q": org.head.number}, **HTMX)
    assert f'id="entry-{sales.entry("head").uuid}"' in search.text
    assert f'id="entry-{sales.entry("peer").uuid}"' not in search.text


def test_bad_filters_are_ignored_not_an_error(client_for: ClientFor, sales: f.SalesSession) -> None:
    response = client_for("hr_admin").get(
        grid_url(sales),
        {"department": "nope", "box": "12", "sort": "zz", "page": "abc", "potential": "x"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "5 people match." in response.text


def test_without_htmx_the_grid_is_the_whole_page(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    response = client_for("hr_admin").get(grid_url(sales), {"changed": "on"})
    assert response.status_code == 200
    assert "<html" in response.text
    assert "Nobody matches these filters." in response.text


def test_the_grid_refuses_who_may_not_see_it(client_for: ClientFor, sales: f.SalesSession) -> None:
    assert client_for("employee").get(grid_url(sales), **HTMX).status_code == 404
    assert client_for("ceo").get(grid_url(sales), **HTMX).status_code == 404


# --- one change inline ---


def test_a_change_in_a_row_is_saved_with_its_reason(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    committee = client_for("committee")
    form = committee.get(change_url(entry), {"part": "row"}, **HTMX)
    assert form.status_code == 200
    assert f'id="entry-{entry.uuid}"' in form.text
    assert 'name="reason"' in form.text

    response = committee.post(
        change_url(entry),
        {
            "part": "row",
            "score": "74.00",
            "grade": "A",
            "potential": "high",
            "reason": "带领新人完成大单",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "calibration-changed"
    assert 'class="changed"' in response.text
    entry.refresh_from_db()
    assert (entry.score, entry.grade, entry.potential, entry.box) == (
        Decimal("74.00"),
        "A",
        "high",
        9,
    )
    assert entry.changed is True
    changes = {c.field: (c.before, c.after, c.reason) for c in entry.changes.all()}
    # the score sent back unchanged is not a change
    assert changes == {
        ChangeField.GRADE: ("B", "A", "带领新人完成大单"),
        ChangeField.POTENTIAL: ("", "high", "带领新人完成大单"),
    }
    audit = AuditEntry.objects.get(object_type="calibration.calibrationentry")
    assert audit.reason == "带领新人完成大单"
    assert audit.after["grade"] == "A"


def test_a_change_without_a_reason_changes_nothing(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    response = client_for("hr_admin").post(
        change_url(entry), {"part": "row", "grade": "A", "reason": " "}, **HTMX
    )
    assert response.status_code == 422
    assert "Give the reason for the change." in response.text
    assert 'class="editing"' in response.text
    entry.refresh_from_db()
    assert entry.grade == "B"
    assert not entry.changes.exists()
    assert not AuditEntry.objects.filter(object_type="calibration.calibrationentry").exists()


def test_bad_values_are_refused_with_their_message(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    hr = client_for("hr_admin")
    score = hr.post(change_url(entry), {"part": "row", "score": "abc", "reason": "x"}, **HTMX)
    assert score.status_code == 422
    assert "Give the score as a number." in score.text
    grade = hr.post(change_url(entry), {"part": "row", "grade": "Z", "reason": "x"}, **HTMX)
    assert grade.status_code == 422  # not one of the choices
    nothing = hr.post(change_url(entry), {"part": "row", "reason": "x"}, **HTMX)
    assert "Change the score, the grade or the potential." in nothing.text
    # without HTMX the entry's page comes back with the message
    page = hr.post(change_url(entry), {"part": "page", "score": "500", "reason": "x"})
    assert page.status_code == 422
    assert "Give a score from 0 to 200." in page.text
    entry.refresh_from_db()
    assert entry.score == Decimal("74.00")
    assert not entry.changes.exists()


def test_the_translated_message_in_chinese(client_for: ClientFor, sales: f.SalesSession) -> None:
    entry = sales.entry("peer")
    response = client_for("hr_admin").post(
        change_url(entry),
        {"part": "row", "grade": "A", "reason": ""},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **HTMX,
    )
    assert response.status_code == 422
    assert "Give the reason for the change." not in response.text
    assert "原因" in response.text


def test_a_score_alone_takes_the_grade_of_its_band(
    client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("other_manager")
    response = client_for("hr_admin").post(
        change_url(entry), {"part": "page", "score": "91", "reason": "补录了回款数据"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.score == Decimal("91.00")
    assert entry.grade != "C"


def test_observers_and_closed_sessions_only_look(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    observer = client_for("outsider")
    page = observer.get(reverse("calibration:session", args=[sales.session.uuid]))
    assert page.status_code == 200
    assert change_url(entry) not in page.text
    assert observer.get(change_url(entry), {"part": "row"}, **HTMX).status_code == 403
    assert (
        observer.post(
            change_url(entry), {"part": "row", "grade": "A", "reason": "x"}, **HTMX
        ).status_code
        == 403
    )
    session_close(actor=Actor(org.hr_admin.user), session=sales.session)
    assert sales.session.__class__.objects.get(pk=sales.session.pk).status == SessionStatus.CLOSED
    hr = client_for("hr_admin")
    assert (
        hr.post(change_url(entry), {"part": "row", "grade": "A", "reason": "x"}, **HTMX).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.grade == "B"
    assert not entry.changes.exists()


def test_nobody_changes_or_sees_their_own_row(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    mine = sales.entry("manager")
    manager = client_for("manager")
    assert (
        manager.get(reverse("calibration:entry_row", args=[mine.uuid]), **HTMX).status_code == 404
    )
    assert (
        manager.post(
            change_url(mine), {"part": "row", "grade": "S", "reason": "x"}, **HTMX
        ).status_code
        == 404
    )
    # but the head changes the others
    other = sales.entry("employee")
    done = manager.post(
        change_url(other), {"part": "row", "potential": "mid", "reason": "稳定"}, **HTMX
    )
    assert done.status_code == 200
    mine.refresh_from_db()
    assert mine.grade == "B"


def test_cancel_puts_the_row_back(client_for: ClientFor, sales: f.SalesSession) -> None:
    entry = sales.entry("peer")
    response = client_for("hr_admin").get(
        reverse("calibration:entry_row", args=[entry.uuid]), **HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="entry-{entry.uuid}"')


# --- bulk ---


def test_one_grade_and_reason_for_the_rows_ticked(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    ticked = [sales.entry("peer"), sales.entry("other_manager")]
    response = client_for("hrbp").post(
        reverse("calibration:bulk_change", args=[sales.session.uuid]),
        {
            "e": [str(e.uuid) for e in ticked],
            "grade": "A",
            "reason": "校准会一致意见",
            "filters": "sort=name",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "calibration-changed"
    assert "2 people changed." in response.text
    for entry in ticked:
        entry.refresh_from_db()
        assert entry.grade == "A"
    assert CalibrationChange.objects.filter(reason="校准会一致意见").count() == 2
    assert AuditEntry.objects.filter(object_type="calibration.calibrationentry").count() == 2


def test_bulk_refuses_bad_input_and_changes_nothing(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    bulk = reverse("calibration:bulk_change", args=[sales.session.uuid])
    hr = client_for("hr_admin")
    peer = sales.entry("peer")
    no_reason = hr.post(bulk, {"e": [str(peer.uuid)], "grade": "A", "reason": ""}, **HTMX)
    assert no_reason.status_code == 422
    assert "Give the reason for the change." in no_reason.text
    nobody = hr.post(bulk, {"grade": "A", "reason": "x"}, **HTMX)
    assert "Choose the people to change." in nobody.text
    garbage = hr.post(bulk, {"e": ["not-an-id"], "grade": "A", "reason": "x"})
    assert garbage.status_code == 422
    assert "Some of these people are not in this session." in garbage.text
    # the manager's own row is not theirs to tick
    mine = sales.entry("manager")
    own = client_for("manager").post(
        bulk, {"e": [str(mine.uuid)], "grade": "S", "reason": "x"}, **HTMX
    )
    assert "Some of these people are not in this session." in own.text
    assert not CalibrationChange.objects.exists()
    assert (
        client_for("outsider")
        .post(bulk, {"e": [str(peer.uuid)], "grade": "A", "reason": "x"})
        .status_code
        == 403
    )
    assert (
        client_for("employee")
        .post(bulk, {"e": [str(peer.uuid)], "grade": "A", "reason": "x"})
        .status_code
        == 404
    )


# --- queries ---


def _queries(client: Client, path: str, **extra: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["session", "grid", "nine_box", "signals"])
def test_pages_issue_the_same_queries_at_two_sizes(
    org: TestOrg, client_for: ClientFor, name: str, django_assert_num_queries: object
) -> None:
    small = f.sales_session(org, extra=2)
    large_cycle = f.calibration_cycle()
    f.sales_reviews(org, large_cycle, extra=40)
    for person in f.people(org.sales2, 15, manager=org.other_manager):
        f.scored(large_cycle, person, "66", "C", self_mean="70", manager_mean="60")
    large = f.session(org.hr_admin.user, large_cycle, [org.sales], name="大校准会")
    # a few changes and potentials, so that boxes and highlights are drawn
    hr = Actor(org.hr_admin.user)
    from pms.calibration.services.entries import entries_change

    for session in (small.session, large):
        entries_change(
            actor=hr,
            session=session,
            entries=list(CalibrationEntry.objects.filter(session=session)[:3]),
            reason="评定潜力",
            potential="high",
        )
    client = client_for("hr_admin")
    extra = HTMX if name == "grid" else {}
    counts = [
        _queries(client, reverse(f"calibration:{name}", args=[s.uuid]), **extra)
        for s in (small.session, large)
    ]
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):  # type: ignore[operator]
        client.get(reverse(f"calibration:{name}", args=[large.uuid]), **extra)


# --- ranking a pool ---


def test_a_pool_is_graded_by_ranking_with_a_reason(org: TestOrg, client_for: ClientFor) -> None:
    sales = f.sales_session(org, extra=10)
    rank = reverse("calibration:pool_rank", args=[sales.session.uuid])
    pool = str(org.sales1.pk)
    page = client_for("hr_admin").get(reverse("calibration:session", args=[sales.session.uuid]))
    assert rank in page.text

    refused = client_for("hr_admin").post(rank, {"pool": pool, "reason": ""}, follow=True)
    assert "Give the reason for the change." in refused.text
    assert not CalibrationChange.objects.exists()
    # the manager is in that group: somebody else ranks it; observers only look
    assert client_for("manager").post(rank, {"pool": pool, "reason": "排名"}).status_code == 403
    assert client_for("outsider").post(rank, {"pool": pool, "reason": "排名"}).status_code == 403
    assert client_for("employee").post(rank, {"pool": pool, "reason": "排名"}).status_code == 404
    assert not CalibrationChange.objects.exists()

    done = client_for("hr_admin").post(
        rank, {"pool": pool, "reason": "按强制分布排名"}, follow=True
    )
    assert done.status_code == 200
    assert "grades changed." in done.text
    grades = dict(
        CalibrationEntry.objects.filter(session=sales.session, pool=pool).values_list(
            "employee", "grade"
        )
    )
    # 13 people: S 1, A 3; the ten equal scores of 70 start inside A's quota, so they all
    # share the A (equal scores never get different grades)
    assert grades[org.employee.pk] == "S"
    assert sorted(grades.values()).count("A") == 12
    assert CalibrationChange.objects.filter(reason="按强制分布排名").exists()
