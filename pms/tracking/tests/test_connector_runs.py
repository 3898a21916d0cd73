"""Running a data connector against an export on loopback: values and progress recorded,
idempotent reruns, new versions for changed values, bad items reported one by one, and
failures that write nothing."""

# ruff: noqa: F811 (the loopback export and the goal are fixtures imported from connector_support)

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import Goal
from pms.org.tests.factories import TestOrg
from pms.tracking import connector_feed
from pms.tracking.connector_feed import Source
from pms.tracking.models import (
    Actual,
    ActualBatch,
    ActualSource,
    Connector,
    ConnectorRun,
    ConnectorRunStatus,
    GoalProgress,
)
from pms.tracking.services.connector_runs import (
    connector_claim,
    connector_preview,
    connector_run,
)
from pms.tracking.tests.connector_support import (  # noqa: F401 (fixtures)
    ADMIN,
    Answer,
    Export,
    connector,
    export,
    goal,
    period,
    revenue,
    value,
)

pytestmark = pytest.mark.django_db


def run(found: Connector) -> ConnectorRun:
    return connector_run(connector=found, actor=ADMIN)


# --- recording -----------------------------------------------------------------------------


def test_a_run_records_values_batch_audit_and_progress(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    url = export.json(
        [
            value(note="一月"),
            value(
                number=None,
                department_code="SALES1",
                external_id="crm-2",
                date=None,
                start="2026-01-01",
                end="2026-03-31",
                amount="3000.5",
            ),
        ]
    )
    crm = connector(url)

    result = run(crm)

    assert (result.status, result.items, result.created, result.rejected) == (
        ConnectorRunStatus.OK,
        2,
        2,
        0,
    )
    first = Actual.objects.get(external_id="crm-1")
    assert (first.source, first.source_name, first.value, first.note) == (
        ActualSource.CONNECTOR,
        "CRM",
        Decimal(100),
        "一月",
    )
    assert (first.start, first.end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert Actual.objects.get(external_id="crm-2").value == Decimal("3000.5")
    batch = ActualBatch.objects.get()
    assert result.batch == batch
    assert (batch.source, batch.source_name, batch.items, batch.created) == (
        ActualSource.CONNECTOR,
        "CRM",
        2,
        2,
    )
    entry = AuditEntry.objects.get(object_type="tracking.actualbatch")
    assert entry.action == AuditAction.IMPORT
    assert entry.after is not None
    assert entry.after["connector_run"] == str(result.uuid)
    assert GoalProgress.objects.get(goal=goal).values == 1
    crm.refresh_from_db()
    assert crm.last_run == result
    assert crm.running_since is None
    assert crm.consecutive_failures == 0


def test_a_second_run_of_the_same_data_creates_nothing(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    # one value with the source's id, one without (idempotent by its series)
    crm = connector(export.json([value(), value(external_id=None, date="2026-02-10")]))
    run(crm)

    again = run(crm)

    assert (again.status, again.created, again.changed, again.unchanged) == (
        ConnectorRunStatus.OK,
        0,
        0,
        2,
    )
    assert Actual.objects.count() == 2
    assert ActualBatch.objects.count() == 2


def test_a_changed_value_becomes_version_2_and_the_first_is_kept(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    crm = connector(export.json([value(amount=100)]))
    run(crm)
    export.json([value(amount=150)])

    changed = run(crm)

    assert (changed.created, changed.changed) == (0, 1)
    versions = list(
        Actual.objects.order_by("version").values_list("version", "value", "is_current")
    )
    assert versions == [(1, Decimal(100), False), (2, Decimal(150), True)]


def test_bad_items_are_reported_one_by_one_and_the_good_ones_recorded(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    crm = connector(
        export.json(
            {
                "items": [
                    value(),
                    value(number="E9999", external_id="crm-2"),
                    value(external_id="crm-3", amount="abc", date="2026-02-01"),
                    "not an object",
                    value(external_id="crm-1", date="2026-03-01"),
                    value(external_id="crm-6", note={"nested": True}),
                    value(number="E0007", external_id="crm-7", date="2026-04-01"),
                ]
            }
        )
    )

    result = run(crm)

    assert result.status == ConnectorRunStatus.PARTIAL
    assert (result.items, result.created, result.rejected) == (7, 2, 5)
    problems = {e["item"]: sorted(e["fields"]) for e in result.errors}
    assert problems == {
        2: ["employee_number"],
        3: ["value"],
        4: ["__all__"],
        5: ["external_id"],
        6: ["note"],
    }
    assert result.errors[0]["external_id"] == "crm-2"
    assert "E9999" in result.errors[0]["fields"]["employee_number"][0]
    assert set(Actual.objects.values_list("external_id", flat=True)) == {"crm-1", "crm-7"}
    assert result.batch is not None
    assert result.batch.rejected == 5


def test_every_item_rejected_fails_the_run(org: TestOrg, goal: Goal, export: Export) -> None:
    crm = connector(export.json([value(number="E9999")]))

    result = run(crm)

    assert result.status == ConnectorRunStatus.FAILED
    assert result.message == "Every value was rejected; nothing was written."
    assert not Actual.objects.exists()


def test_csv_with_its_own_column_names_in_gb18030(org: TestOrg, goal: Goal, export: Export) -> None:
    text = (
        "工号,指标编码,日期,数值,单号\n"
        "E0004,SAL-REV,2026-01-15,88.5,R-1\n"
        "\n"
        "E0005,SAL-REV,2026-01-20,12,R-2\n"
    )
    url = export.text(text, content_type="text/csv", encoding="gb18030")
    crm = connector(
        url,
        format="csv",
        mapping={
            "employee_number": "工号",
            "indicator_code": "指标编码",
            "date": "日期",
            "value": "数值",
            "external_id": "单号",
        },
    )

    result = run(crm)

    assert (result.status, result.created) == (ConnectorRunStatus.OK, 2)
    assert Actual.objects.get(external_id="R-1").value == Decimal("88.5")
    crm.refresh_from_db()
    assert crm.mapping["employee_number"] == "工号"


def test_json_list_under_a_nested_key_with_mapped_fields(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    url = export.json(
        {
            "data": {
                "records": [
                    {
                        "rep": {"no": "E0004"},
                        "kpi": "SAL-REV",
                        "day": "2026-01-05",
                        "amount": 12.25,
                        "id": 7,
                    }
                ]
            }
        }
    )
    crm = connector(
        url,
        items_path="data.records",
        mapping={
            "employee_number": "rep.no",
            "indicator_code": "kpi",
            "date": "day",
            "value": "amount",
            "external_id": "id",
        },
    )

    result = run(crm)

    assert (result.status, result.created) == (ConnectorRunStatus.OK, 1)
    assert Actual.objects.get().external_id == "7"
    assert Actual.objects.get().value == Decimal("12.25")


def test_the_header_is_sent_and_not_passed_on_when_redirected(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    export.json([value()])
    export.answers["/moved"] = Answer(b"", status=302, location="/export")
    crm = connector(export.url("/moved"), auth_header="Authorization", auth_secret="Bearer s3cr3t")

    result = run(crm)

    assert result.status == ConnectorRunStatus.OK
    (first_path, first), (second_path, second) = export.requests
    assert (first_path, first["authorization"]) == ("/moved", "Bearer s3cr3t")
    assert second_path == "/export"
    assert "authorization" not in second


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(b"oops", status=500), "The source answered with the HTTP status 500."),
        (Answer(b"[{"), "The answer is not valid JSON (line 1, column 3"),
        (Answer(b'{"rows": []}'), 'expected a list, or an object with "items"'),
        (Answer(b"[]", delay=1.0), "The source did not answer within 0.2 seconds."),
        (Answer(b"[" + b" " * 400 + b"]"), "The answer is larger than 0 MB."),
    ],
    ids=["http-500", "bad-json", "no-list", "timeout", "too-large"],
)
def test_an_export_that_cannot_be_read_fails_the_run_and_writes_nothing(  # noqa: PLR0917
    org: TestOrg,
    goal: Goal,
    export: Export,
    monkeypatch: pytest.MonkeyPatch,
    answer: Answer,
    message: str,
) -> None:
    monkeypatch.setattr(connector_feed, "TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(connector_feed, "MAX_BYTES", 300)
    export.answers["/export"] = answer
    crm = connector(export.url())

    result = run(crm)

    assert result.status == ConnectorRunStatus.FAILED
    assert message in result.message
    assert (result.items, result.batch) == (0, None)
    assert not Actual.objects.exists()
    assert not ActualBatch.objects.exists()
    assert not AuditEntry.objects.filter(object_type="tracking.actualbatch").exists()
    crm.refresh_from_db()
    assert (crm.consecutive_failures, crm.running_since, crm.last_run) == (1, None, result)


def test_an_unreachable_source_fails_with_a_clear_message(org: TestOrg, goal: Goal) -> None:
    crm = connector("http://127.0.0.1:9/export")

    result = run(crm)

    assert result.status == ConnectorRunStatus.FAILED
    assert result.message.startswith("The source could not be reached")


def test_a_running_connector_is_not_run_again(org: TestOrg, goal: Goal, export: Export) -> None:
    crm = connector(export.json([value()]))
    assert connector_claim(connector=crm, now=timezone.now())

    with pytest.raises(ValidationError, match="running now"):
        run(crm)

    assert not ConnectorRun.objects.exists()
    assert not export.requests


def test_an_abandoned_claim_is_taken_over(org: TestOrg, goal: Goal, export: Export) -> None:
    crm = connector(export.json([value()]))
    Connector.objects.filter(pk=crm.pk).update(running_since=timezone.now() - dt.timedelta(hours=3))

    assert run(crm).status == ConnectorRunStatus.OK


# --- testing the settings ------------------------------------------------------------------


def test_a_preview_shows_the_first_values_and_records_nothing(
    org: TestOrg, goal: Goal, export: Export
) -> None:
    url = export.json([value(number="E9999"), *[value(external_id=f"c{n}") for n in range(12)]])

    preview = connector_preview(source=Source(url=url, format="json"))

    assert (preview.total, len(preview.rows), preview.error) == (13, 10, "")
    assert sorted(preview.rows[0].problems) == ["employee_number"]
    assert preview.rows[1].problems == {}
    assert preview.rows[1].raw is not None
    assert preview.rows[1].raw.external_id == "c0"
    assert not Actual.objects.exists()
    assert not ActualBatch.objects.exists()


def test_a_preview_of_a_broken_export_says_why(org: TestOrg, export: Export) -> None:
    export.answers["/export"] = Answer(b"nope", status=403)

    preview = connector_preview(source=Source(url=export.url(), format="json"))

    assert preview.error == "The source answered with the HTTP status 403."
