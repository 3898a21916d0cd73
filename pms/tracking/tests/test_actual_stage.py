"""The set-based path (``actual_stage``) records exactly what ``actuals_record`` records:
the same outcomes, versions, current values, audit entries and batch counts on the same
mixed input; and the staged import applies without reading its file again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pms.core.audit import Actor
from pms.core.imports import import_job_apply
from pms.core.models import AuditChannel, AuditEntry, ImportStatus
from pms.goals.models import Goal, Indicator, Period
from pms.goals.tests import factories as gf
from pms.org.roles import principal_for
from pms.org.tests.factories import TestOrg
from pms.org.tests.test_import_org import csv_file, errors_of, run
from pms.tracking.importers.actuals import KIND
from pms.tracking.models import Actual, ActualBatch, ActualStage
from pms.tracking.services import actual_push
from pms.tracking.services.actual_inputs import RawActual
from pms.tracking.services.actual_push import actuals_push
from pms.tracking.tests.factories import enter, measured_goal, monthly_indicator
from pms.tracking.tests.test_import_actuals import HEADER, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(org: TestOrg) -> Period:
    return gf.period("2026年度")


@pytest.fixture
def revenue(org: TestOrg) -> Indicator:
    return monthly_indicator(code="SAL-REV")


@pytest.fixture
def goal(org: TestOrg, period: Period, revenue: Indicator) -> Goal:
    return measured_goal(org.employee, the_period=period, the_indicator=revenue)


def raw(month: int, value: str, external_id: str, **fields: str) -> RawActual:
    values = {
        "employee_number": "E0004",
        "indicator_code": "SAL-REV",
        "date": f"2026-{month:02d}-15",
        "value": value,
        "external_id": external_id,
    }
    values.update(fields)
    return RawActual(**values)


def _push(org: TestOrg, items: list[RawActual], *, staged: bool, **extra: Any) -> Any:
    actor = Actor(user=org.hr_admin.user, channel=AuditChannel.API)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actual_push, "STAGED_FROM", 1 if staged else 1_000_000)
        return actuals_push(
            actor=actor,
            principal=principal_for(org.hr_admin.user),
            source_name="CRM",
            items=items,
            **extra,
        )


MIXED = [
    raw(4, "400", "crm-4"),  # 0 new
    raw(1, "100", "crm-1"),  # 1 the same as sent before: unchanged
    raw(3, "350", "crm-3"),  # 2 replaces a value entered by hand: changed
    raw(4, "410", "crm-5"),  # 3 the same series as item 0: rejected
    raw(5, "500", "crm-1"),  # 4 crm-1 was sent for January: rejected
    raw(2, "200", "crm-2"),  # 5 resent after a correction by hand: unchanged, not undone
    raw(6, "600", "crm-4"),  # 6 crm-4 twice in this call: rejected
    raw(7, "750", "crm-7"),  # 7 sent before as 700: changed, version 2
    raw(1, "900.5", "crm-8", employee_number="", department_code="SALES1"),  # 8 new
    raw(8, "abc", "crm-9"),  # 9 not a number: rejected
]
EXPECTED = [
    "created",
    "unchanged",
    "changed",
    "rejected",
    "rejected",
    "unchanged",
    "rejected",
    "changed",
    "created",
    "rejected",
]


def _history(org: TestOrg, goal: Goal) -> None:
    _push(
        org, [raw(1, "100", "crm-1"), raw(2, "200", "crm-2"), raw(7, "700", "crm-7")], staged=False
    )
    enter(goal, dt.date(2026, 2, 3), "190", may_correct=True, reason="double-counted")
    enter(goal, dt.date(2026, 3, 3), "300")


def _state(result: Any, mark: int) -> dict[str, Any]:
    by_pk = dict(Actual.objects.values_list("pk", "series"))
    versions = dict(Actual.objects.values_list("pk", "version"))
    batch = result.batch
    return {
        "items": [
            (
                i.outcome,
                sorted(i.errors),
                i.version,
                (by_pk.get(i.actual_id), versions.get(i.actual_id)) if i.actual_id else None,
                bool(i.uuid) == bool(i.actual_id),
            )
            for i in result.items
        ],
        "written": result.written,
        "actuals": sorted(
            Actual.objects.values_list(
                "series",
                "version",
                "value",
                "is_current",
                "external_id",
                "source",
                "source_name",
                "note",
                "reason",
                "batch__uuid",
                "entered_by",
            )
        ),
        "replaced": sorted(
            Actual.objects.filter(replaced_at__isnull=False).values_list("series", "version")
        ),
        "audit": sorted(
            (
                by_pk[int(e.object_id)],
                e.action,
                e.before,
                e.after,
                e.reason,
                e.batch == str(batch.uuid),
                e.object_repr,
                e.channel,
            )
            for e in AuditEntry.objects.filter(object_type="tracking.actual", pk__gt=mark)
        ),
        "batch": (
            batch.items,
            batch.created,
            batch.changed,
            batch.unchanged,
            batch.rejected,
        ),
        "stage": ActualStage.objects.count(),
    }


def _fresh() -> int:
    """Empty the values (the audit log is append-only: later entries are told apart by id)."""
    Actual.objects.all().delete()
    ActualBatch.objects.all().delete()
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_set_based_push_records_what_the_engine_records(org: TestOrg, goal: Goal) -> None:
    states = {}
    for staged in (False, True):
        mark = _fresh()
        _history(org, goal)
        result = _push(org, MIXED, staged=staged)
        state = _state(result, mark)
        # uuids and batches differ between the two runs; the rest must not
        state["actuals"] = [(*a[:9], a[9] == result.batch.uuid, a[10]) for a in state["actuals"]]
        states[staged] = state

    assert [i[0] for i in states[True]["items"]] == EXPECTED
    assert states[True] == states[False]
    assert states[True]["batch"] == (10, 2, 2, 2, 4)
    current = dict(Actual.objects.filter(is_current=True).values_list("start", "value"))
    assert current[dt.date(2026, 2, 1)] == Decimal(190)  # the correction by hand stands
    assert current[dt.date(2026, 3, 1)] == Decimal(350)
    assert states[True]["stage"] == 0


@pytest.mark.parametrize("rejected", ["invalid", "conflict"])
def test_all_or_nothing_is_the_same_on_both_paths(org: TestOrg, goal: Goal, rejected: str) -> None:
    bad = raw(8, "abc", "crm-9") if rejected == "invalid" else raw(5, "500", "crm-1")
    states = {}
    for staged in (False, True):
        mark = _fresh()
        _history(org, goal)
        result = _push(org, [raw(4, "400", "crm-4"), bad], staged=staged, all_or_nothing=True)
        state = _state(result, mark)
        state["actuals"] = [a[:9] for a in state["actuals"]]
        states[staged] = state

    assert states[True] == states[False]
    assert [i[0] for i in states[True]["items"]] == ["skipped", "rejected"]
    assert states[True]["written"] is False
    assert not Actual.objects.filter(start=dt.date(2026, 4, 1)).exists()


# --- the staged import ----------------------------------------------------------------------


def _hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user, channel=AuditChannel.IMPORT)


def test_applying_a_checked_file_does_not_read_it_again(org: TestOrg, goal: Goal) -> None:
    _push(org, [raw(1, "100", "crm-1")], staged=False)  # another system's id: not the file's
    enter(goal, dt.date(2026, 2, 3), "50")
    rows = [
        HEADER,
        row(day="2026-01-15", value="100", **{"外部编号": "X-1"}),  # current, unchanged
        row(day="2026-02-15", value="60"),  # replaces 50
        row(day="2026-03-15", value="70", **{"外部编号": "X-3"}),
    ]
    job = run(org, KIND, csv_file(rows), apply=False)
    assert job.status == ImportStatus.VALID, errors_of(job)
    assert job.summary == {"create": 1, "update": 1, "unchanged": 1, "errors": 0}
    assert ActualStage.objects.count() == 3

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pms.tracking.importers.actuals.ActualSession.process", _never)
        job = import_job_apply(actor=_hr(org), job=job)

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert job.summary == {"create": 1, "update": 1, "unchanged": 1, "errors": 0}
    february = Actual.objects.get(start=dt.date(2026, 2, 1), is_current=True)
    assert (february.version, february.value, february.source) == (2, Decimal(60), "excel")
    entry = AuditEntry.objects.get(object_type="tracking.actual", object_id=str(february.pk))
    assert (entry.before, entry.after) == (
        {"value": "50", "version": 1},
        {"value": "60", "version": 2, "source": "excel"},
    )
    batch = ActualBatch.objects.get(import_job=job)
    assert entry.batch == str(batch.uuid)  # as actuals_record audits corrections
    assert (batch.items, batch.created, batch.changed, batch.unchanged) == (3, 1, 1, 1)
    assert not ActualStage.objects.exists()


def _never(self: Any, rows: Any) -> None:
    raise AssertionError("the file was read again")


def test_a_job_checked_without_staged_rows_is_streamed_again(org: TestOrg, goal: Goal) -> None:
    job = run(org, KIND, csv_file([HEADER, row(), row(day="2026-02-01")]), apply=False)
    ActualStage.objects.all().delete()

    job = import_job_apply(actor=_hr(org), job=job)

    assert job.status == ImportStatus.APPLIED, errors_of(job)
    assert Actual.objects.count() == 2
    assert not ActualStage.objects.exists()


def test_a_scope_lost_between_check_and_apply_rolls_everything_back(
    org: TestOrg, goal: Goal
) -> None:
    from pms.core.imports import import_job_create

    actor = Actor(user=org.hrbp.user, channel=AuditChannel.IMPORT)
    job = import_job_create(actor=actor, kind=KIND, uploaded_file=csv_file([HEADER, row()]))
    assert job.status == ImportStatus.VALID, errors_of(job)
    org.employee.department = org.outsider.department  # moved out of the HRBP's reach
    org.employee.save(update_fields=["department"])

    job = import_job_apply(actor=actor, job=job)

    assert job.status == ImportStatus.INVALID
    assert [(line, column) for line, column, _m in errors_of(job)] == [(2, "工号")]
    assert "outside your scope" in errors_of(job)[0][2]
    assert not Actual.objects.exists()


def test_rows_of_abandoned_checks_are_removed_by_the_next_check(org: TestOrg, goal: Goal) -> None:
    first = run(org, KIND, csv_file([HEADER, row()]), apply=False)
    first.status = ImportStatus.INVALID  # e.g. an apply that was rolled back
    first.save(update_fields=["status"])

    second = run(org, KIND, csv_file([HEADER, row(day="2026-02-01")]), apply=False)

    assert set(ActualStage.objects.values_list("token", flat=True)) == {str(second.uuid)}


def test_duplicates_and_reused_ids_in_a_file_are_reported_on_every_later_line(
    org: TestOrg, goal: Goal
) -> None:
    run(org, KIND, csv_file([HEADER, row(day="2026-05-01", **{"外部编号": "X-9"})]))
    rows = [
        HEADER,
        row(day="2026-01-15", **{"外部编号": "X-1"}),
        row(day="2026-01-20", **{"外部编号": "X-2"}),  # 3: January again
        row(day="2026-02-15", **{"外部编号": "X-1"}),  # 4: X-1 again
        row(day="2026-01-31"),  # 5: January again
        row(day="2026-03-15", **{"外部编号": "X-9"}),  # 6: X-9 was May's
        row(day="2026-04-15", **{"外部编号": "X-2"}),  # 7: X-2 is free (line 3 was refused)
    ]

    job = run(org, KIND, csv_file(rows))

    assert [(line, column) for line, column, _m in errors_of(job)] == [
        (3, "日期"),
        (4, "外部编号"),
        (5, "日期"),
        (6, "外部编号"),
    ]
    assert not ActualStage.objects.exists()
    assert Actual.objects.count() == 1


def test_compact_shared_strings_read_as_openpyxl_reads_them() -> None:
    import io

    from openpyxl.reader.strings import read_string_table

    from pms.core.imports import read_compact_strings

    xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>E0004</t></si>"
        '<si><r><t>一</t></r><r><t>月</t></r><rPh sb="0" eb="1"><t>yi</t></rPh></si>'
        "<si><t/></si>"
        '<si><t xml:space="preserve"> a_x005F_b </t></si>'
        "</sst>"
    ).encode()

    compact = read_compact_strings(io.BytesIO(xml))

    assert [compact[i] for i in range(len(compact))] == read_string_table(io.BytesIO(xml))
    assert compact[1] == "一月"


def test_a_large_recording_leaves_the_pairs_to_the_worker_which_finds_them_by_the_batch(
    org: TestOrg, goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    from pms.tracking.models import GoalProgress
    from pms.tracking.services import progress

    items = [raw(1, "100", "crm-1"), raw(2, "200", "crm-2")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actual_push, "INLINE_LIMIT", 0)  # every pair is "many"
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = _push(org, items, staged=True)

    assert len(callbacks) == 1  # the batch handed over, no list of pairs
    assert progress.touched_by_batch(result.batch.pk) == {
        (f"e{org.employee.pk}", "i" + str(goal.indicator_id))
    }
    assert GoalProgress.objects.get(goal=goal).values == 2


def test_distinct_reads_of_the_staging_table_do_not_return_every_line(
    org: TestOrg, goal: Goal
) -> None:
    """The staging table is ordered by (token, line): a DISTINCT over it without clearing
    the ordering selects the line too, one row per staged line (a million-row file in
    memory while applying)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pms.org.models import Department, Employee
    from pms.tracking.services import actual_stage

    rows = [HEADER, row(day="2026-01-15", value="1"), row(day="2026-02-15", value="2")]
    job = run(org, KIND, csv_file(rows), apply=False)
    token = str(job.uuid)
    assert ActualStage.objects.filter(token=token).count() == 2

    with CaptureQueriesContext(connection) as queries:
        found = list(
            actual_stage.recheck(
                token,
                people_in_reach=Employee.objects.all(),
                departments_in_reach=Department.objects.none(),
            )
        )
        actual_stage.clear_abandoned({token})

    assert found == []
    distinct = [q["sql"] for q in queries if "DISTINCT" in q["sql"]]
    # recheck's indicators, and the tokens on SQLite (on PostgreSQL: an index skip scan)
    assert len(distinct) == (1 if connection.vendor == "postgresql" else 2)
    assert not any('"line"' in sql for sql in distinct)
    assert actual_stage.staged_tokens() == {token}
    assert ActualStage.objects.filter(token=token).count() == 2
