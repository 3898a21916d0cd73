"""The nine-box (moving people with a reason), the rater signals, the company's calibration
settings and the .xlsx export of a session's grid."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.calibration.exporters import GRID_EXPORT
from pms.calibration.models import CalibrationChange, CalibrationSettings, Enforcement
from pms.calibration.services.entries import entries_change
from pms.calibration.services.settings import calibration_settings_get
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditEntry, ExportJob, ExportStatus
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sales(org: TestOrg) -> f.SalesSession:
    return f.sales_session(org)


def url(name: str, obj: Any) -> str:
    return reverse(f"calibration:{name}", args=[obj.uuid])


# --- nine-box ---


def test_the_nine_box_places_people_by_grade_and_potential(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    hr = Actor(org.hr_admin.user)
    entries_change(
        actor=hr,
        session=sales.session,
        entries=[sales.entry("head")],
        reason="接班人",
        potential="high",
    )
    entries_change(
        actor=hr,
        session=sales.session,
        entries=[sales.entry("other_manager")],
        reason="待提升",
        potential="low",
    )
    response = client_for("committee").get(url("nine_box", sales.session))
    assert response.status_code == 200
    text = response.text
    star = text.index('id="box-9"')
    risk = text.index('id="box-1"')
    assert star < text.index(org.head.name) < text.index('id="box-6"')
    assert risk < text.index(org.other_manager.name, risk)
    assert "Star" in text
    assert "Needs improvement" in text
    assert "3 people have no potential rated yet." in text
    assert "?part=panel" in text  # the committee may move people


def test_moving_a_person_is_a_change_with_a_reason(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    entry = sales.entry("peer")
    change = reverse("calibration:entry_change", args=[entry.uuid])
    committee = client_for("committee")
    panel = committee.get(change, {"part": "panel"}, **HTMX)
    assert panel.status_code == 200
    assert 'id="move-panel"' in panel.text
    refused = committee.post(change, {"part": "panel", "potential": "high", "reason": ""}, **HTMX)
    assert refused.status_code == 422
    assert 'id="move-panel"' in refused.text
    entry.refresh_from_db()
    assert entry.box is None
    moved = committee.post(
        change, {"part": "panel", "potential": "high", "grade": "A", "reason": "新区域开拓"}, **HTMX
    )
    assert moved.status_code == 200
    assert moved["HX-Refresh"] == "true"
    entry.refresh_from_db()
    assert (entry.grade, entry.potential, entry.box) == ("A", "high", 9)
    assert CalibrationChange.objects.filter(entry=entry, reason="新区域开拓").count() == 2
    # without HTMX the page comes back
    plain = committee.post(change, {"part": "panel", "potential": "mid", "reason": "复核"})
    assert plain.status_code == 302
    assert plain["Location"] == url("nine_box", sales.session)


def test_the_nine_box_is_read_only_for_observers_and_hidden_from_others(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    observer = client_for("outsider").get(url("nine_box", sales.session))
    assert observer.status_code == 200
    assert "?part=panel" not in observer.text
    assert client_for("employee").get(url("nine_box", sales.session)).status_code == 404
    mine = sales.entry("manager")
    entries_change(
        actor=Actor(org.hr_admin.user),
        session=sales.session,
        entries=[mine],
        reason="x",
        potential="high",
    )
    own = client_for("manager").get(url("nine_box", sales.session))
    assert own.status_code == 200
    assert str(mine.uuid) not in own.text


# --- rater signals ---


def test_rater_signals_per_manager_with_what_each_column_means(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    response = client_for("hr_admin").get(url("signals", sales.session))
    assert response.status_code == 200
    text = response.text
    assert org.manager.name in text
    assert org.head.name in text
    assert "What the columns mean" in text
    # the manager proposed 86 and 74 (mean 80.00, spread 6.00); the cycle's mean is 77.60
    assert "80.00" in text
    assert "6.00" in text
    assert "77.60" in text
    assert "+2.40" in text
    assert client_for("employee").get(url("signals", sales.session)).status_code == 404


# --- settings ---


def _settings_data(rows: list[tuple[str, str, str, str]], size: str = "12") -> dict[str, str]:
    data = {
        "min_group_size": size,
        "enforcement": Enforcement.BLOCK,
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(len(rows)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "10",
    }
    for n, (grade, share, mode, level) in enumerate(rows):
        data.update(
            {
                f"rows-{n}-grade": grade,
                f"rows-{n}-share": share,
                f"rows-{n}-mode": mode,
                f"rows-{n}-level": level,
            }
        )
    return data


def test_company_hr_sets_the_defaults(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    assert client.get(reverse("calibration:settings")).status_code == 200
    rows = [
        ("S", "10", "at_most", "high"),
        ("A", "30", "at_most", "high"),
        ("B", "45", "target", "mid"),
        ("C", "15", "at_least", "low"),
    ]
    response = client.post(reverse("calibration:settings"), _settings_data(rows))
    assert response.status_code == 302
    row = calibration_settings_get()
    assert [r["grade"] for r in row.distribution] == ["S", "A", "B", "C"]
    assert row.min_group_size == 12
    assert row.enforcement == Enforcement.BLOCK
    assert row.performance_levels == {"S": "high", "A": "high", "B": "mid", "C": "low"}
    assert AuditEntry.objects.filter(
        object_type="calibration.calibrationsettings", action="update"
    ).exists()


def test_bad_settings_say_why_and_change_nothing(org: TestOrg, client_for: ClientFor) -> None:
    client = client_for("hr_admin")
    before = calibration_settings_get()
    levels_upside_down = [
        ("S", "10", "at_most", "low"),
        ("A", "40", "at_most", "high"),
        ("B", "50", "target", "mid"),
    ]
    response = client.post(reverse("calibration:settings"), _settings_data(levels_upside_down))
    assert response.status_code == 422
    assert "Grade A cannot have a higher performance level than a better grade." in response.text
    small = client.post(
        reverse("calibration:settings"),
        _settings_data([("S", "10", "at_most", "high"), ("B", "90", "target", "mid")], size="0"),
    )
    assert small.status_code == 422
    assert "Give a group size from 1 to 1000." in small.text
    after = CalibrationSettings.objects.get()
    assert (after.distribution, after.min_group_size) == (
        before.distribution,
        before.min_group_size,
    )


def test_settings_are_company_hrs(org: TestOrg, client_for: ClientFor) -> None:
    assert client_for("hrbp").get(reverse("calibration:settings")).status_code == 403
    assert client_for("employee").get(reverse("calibration:settings")).status_code == 404
    assert client_for("hrbp").post(reverse("calibration:settings"), {}).status_code == 403


# --- export ---


def test_the_grid_exports_to_excel_without_the_exporters_own_row(
    org: TestOrg,
    client_for: ClientFor,
    sales: f.SalesSession,
    django_capture_on_commit_callbacks: Any,
) -> None:
    entries_change(
        actor=Actor(org.hr_admin.user),
        session=sales.session,
        entries=[sales.entry("peer")],
        reason="跨部门支持",
        grade="A",
        potential="high",
    )
    client = client_for("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("export", sales.session), **HTMX)
    assert response.status_code == 200
    job = ExportJob.objects.get(kind=GRID_EXPORT)
    assert job.status == ExportStatus.DONE
    assert job.params == {"session": str(sales.session.uuid)}
    page = client.get(url("session", sales.session))
    assert reverse("core:export_download", args=[job.uuid]) in page.text
    download = client.get(reverse("core:export_download", args=[job.uuid]))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Employee number", "Name", "Department")
    names = {row[1] for row in rows[1:]}
    assert org.peer.name in names
    assert org.manager.name not in names
    assert len(rows) == 5
    peer = next(row for row in rows if row[1] == org.peer.name)
    assert (peer[6], peer[8], peer[9], peer[11], peer[12]) == ("B", "A", "Yes", "Star", 2)


def test_the_export_is_refused_to_who_may_not_see_the_session(
    org: TestOrg, client_for: ClientFor, sales: f.SalesSession
) -> None:
    assert client_for("employee").post(url("export", sales.session)).status_code == 404
    assert not ExportJob.objects.exists()
