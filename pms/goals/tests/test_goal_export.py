"""Exporting scorecard goals and department goals: the import's own columns (an export
imports back unchanged), the scorecards overview, and only what the user may see."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pms.core.audit import Actor
from pms.core.imports import import_job_apply, import_job_create
from pms.core.models import AuditChannel, AuditEntry, ImportStatus
from pms.goals.exporters.goals import scorecard_goal_rows
from pms.goals.importers.goal_files import DEPARTMENT_GOALS, SCORECARD_GOALS
from pms.goals.models import Direction, Goal, GoalKind, ScorecardStatus
from pms.goals.services import plan as plan_services
from pms.goals.services import scorecards as services
from pms.goals.tests import factories as f
from pms.org.tests.factories import TestOrg

ClientFor = Callable[[str], Client]


def content(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def export(client: Client, kind: str, fmt: str, **query: str) -> HttpResponseBase:
    return client.get(reverse("goals:goal_file_export", args=[kind, fmt]), query)


def reimport(org: TestOrg, kind: str, name: str, data: bytes) -> Any:
    actor = Actor(user=org.hr_admin.user, channel=AuditChannel.IMPORT)
    return import_job_create(actor=actor, kind=kind, uploaded_file=SimpleUploadedFile(name, data))


def sheet_rows(data: bytes, index: int = 0) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]
    workbook.close()
    width = len(rows[0]) if rows else 0
    return [row + [None] * (width - len(row)) for row in rows]


@pytest.fixture
def plan(org: TestOrg) -> dict[str, Any]:
    """A period with strategy, department goals and scorecards in every state the export
    has to write: alignment by title and by id, key results, ranges, rules, decimals."""
    period = f.period("2026年度")
    strategy = plan_services.company_goal_create(
        actor=f.SYSTEM, period=period, title="营收增长20%", perspective="financial"
    )
    twin_a = plan_services.company_goal_create(actor=f.SYSTEM, period=period, title="同名战略")
    plan_services.company_goal_create(actor=f.SYSTEM, period=period, title="同名战略")
    sales_goal = plan_services.department_goal_create(
        actor=f.SYSTEM,
        period=period,
        department=org.sales,
        title="主营业务A增长15%",
        parent=strategy,
        contribution=Decimal(60),
        perspective="customer",
        owner=org.manager,
        metric="主营业务A收入",
        unit="万元",
        baseline=Decimal("1000.5"),
        target=Decimal(1150),
        due_date=dt.date(2026, 12, 31),
        scoring_rule={"type": "bands", "bands": [["100", "100"], ["90", "80"]], "below": "0"},
    )
    plan_services.department_goal_create(
        actor=f.SYSTEM,
        period=period,
        department=org.sales1,
        title="一部新客户",
        kind=GoalKind.TASK,
        parent=sales_goal,
        contribution=Decimal(30),
        completion_standard="新签客户30家",
    )
    plan_services.department_goal_create(
        actor=f.SYSTEM, period=period, department=org.rnd, title="研发提速", parent=twin_a
    )
    indicator = f.indicator("回款率", code="COLLECT", unit="%")
    card = f.scorecard(org.employee, period)
    f.kpi(
        card,
        "销售额达到500万元",
        weight="40",
        baseline=Decimal("420.5"),
        parent=strategy,
        scoring_rule={"type": "bands", "bands": [["100", "100"], ["90", "80"]], "below": "0"},
        description="=SUM(A1:A3) 不是公式",
    )
    f.kpi(
        card,
        "回款率保持在90%到95%",
        weight="20",
        indicator=indicator,
        direction=Direction.RANGE,
        target=Decimal(90),
        target_max=Decimal("95.1234"),
        parent=twin_a,
    )
    f.task(card, "Q3前完成X产品V2.0上线", weight="20")
    objective = services.goal_add(
        actor=f.SYSTEM,
        scorecard=card,
        title="开拓华东市场",
        kind=GoalKind.OBJECTIVE,
        weight=Decimal(20),
    )
    for title, weight, target in (("新客户20家", "60", "20"), ("转化率0.1", "40", "0.1")):
        services.goal_add(
            actor=f.SYSTEM,
            scorecard=card,
            title=title,
            kind=GoalKind.KEY_RESULT,
            parent=objective,
            weight=Decimal(weight),
            target=Decimal(target),
        )
    manager_card = f.scorecard(org.manager, period)
    manager_goal = f.kpi(manager_card, "团队销售额2000万元", weight="100", target=Decimal(2000))
    peer_card = f.scorecard(org.peer, period)
    f.kpi(peer_card, "支撑团队销售额", weight="100", parent=manager_goal)
    agreed = f.agreed_scorecard(org.other_manager, period, Actor(user=org.head.user))
    return {"period": period, "card": card, "agreed": agreed, "strategy": strategy}


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_scorecard_goal_export_imports_back_unchanged(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any], fmt: str
) -> None:
    response = export(client_for("hr_admin"), SCORECARD_GOALS, fmt, period=str(plan["period"].uuid))
    assert response.status_code == 200
    goals = Goal.objects.filter(scorecard__isnull=False).count()
    before = list(Goal.objects.order_by("id").values())
    audit_count = AuditEntry.objects.count()

    job = reimport(org, SCORECARD_GOALS, f"export.{fmt}", content(response))

    assert [(e.line, e.column, e.message) for e in job.row_errors.all()] == []
    assert job.status == ImportStatus.VALID
    assert job.summary == {"create": 0, "update": 0, "unchanged": goals, "errors": 0}
    applied = import_job_apply(actor=Actor(user=org.hr_admin.user), job=job)
    assert applied.status == ImportStatus.APPLIED
    assert list(Goal.objects.order_by("id").values()) == before
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_department_goal_export_imports_back_unchanged(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any], fmt: str
) -> None:
    response = export(
        client_for("hr_admin"), DEPARTMENT_GOALS, fmt, period=str(plan["period"].uuid)
    )
    assert response.status_code == 200
    before = list(Goal.objects.order_by("id").values())

    job = reimport(org, DEPARTMENT_GOALS, f"export.{fmt}", content(response))

    assert [(e.line, e.column, e.message) for e in job.row_errors.all()] == []
    assert job.summary == {"create": 0, "update": 0, "unchanged": 3, "errors": 0}
    import_job_apply(actor=Actor(user=org.hr_admin.user), job=job)
    assert list(Goal.objects.order_by("id").values()) == before


def test_the_export_writes_the_import_columns_and_readable_values(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any]
) -> None:
    response = export(
        client_for("hr_admin"), SCORECARD_GOALS, "xlsx", period=str(plan["period"].uuid)
    )

    rows = sheet_rows(content(response))
    header = rows[0]
    assert header[:4] == ["员工工号", "期间", "目标类型", "目标名称"]
    by_title = {
        row[3]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == "E0004"
    }
    sales = by_title["销售额达到500万元"]
    assert sales["目标类型"] == "KPI"
    assert sales["方向"] == "越高越好"
    assert sales["权重(%)"] == 40
    assert sales["基线值"] == 420.5
    assert sales["对齐上级目标"] == "营收增长20%"
    assert sales["评分规则"] == "bands 100:100,90:80 below 0"
    assert sales["说明"] == "=SUM(A1:A3) 不是公式"
    ranged = by_title["回款率保持在90%到95%"]
    assert ranged["方向"] == "区间"
    assert ranged["目标上限"] == 95.1234
    assert ranged["指标代码"] == "COLLECT"
    # a title two goals of the period share is written as the goal's id
    assert len(ranged["对齐上级目标"]) == 36
    key_result = by_title["新客户20家"]
    assert key_result["目标类型"] == "关键结果"
    assert key_result["所属目标"] == "开拓华东市场"
    assert key_result["对齐上级目标"] is None
    task = by_title["Q3前完成X产品V2.0上线"]
    assert task["截止日期"] == dt.datetime(2026, 9, 30)


def test_the_xlsx_has_an_overview_of_the_scorecards(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any]
) -> None:
    response = export(
        client_for("hr_admin"), SCORECARD_GOALS, "xlsx", period=str(plan["period"].uuid)
    )

    overview = sheet_rows(content(response), 1)
    assert overview[0] == [
        "Employee number",
        "Name",
        "Department",
        "Status",
        "Goals",
        "Total weight (%)",
        "Signed at",
    ]
    by_number = {row[0]: row for row in overview[1:]}
    assert set(by_number) == {"E0003", "E0004", "E0005", "E0006"}
    assert by_number["E0004"][1:6] == ["陈员工", "销售一部", "Draft", 4, 100]
    assert by_number["E0006"][3] == str(ScorecardStatus.APPROVED.label)
    assert by_number["E0006"][6] is None


# --- who sees what -------------------------------------------------------------------------


def numbers_in(data: bytes) -> set[str]:
    return {row[0] for row in sheet_rows(data)[1:]}


def test_a_manager_exports_their_teams_goals_only(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any]
) -> None:
    response = export(
        client_for("manager"), SCORECARD_GOALS, "xlsx", period=str(plan["period"].uuid)
    )

    assert response.status_code == 200
    assert numbers_in(content(response)) == {"E0003", "E0004", "E0005"}


def test_an_hrbp_exports_their_scope_and_a_department_filter_narrows(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any]
) -> None:
    client = client_for("hrbp")
    period = str(plan["period"].uuid)

    everything = export(client, SCORECARD_GOALS, "xlsx", period=period)
    sales2 = export(client, SCORECARD_GOALS, "xlsx", period=period, department=str(org.sales2.uuid))

    assert numbers_in(content(everything)) == {"E0003", "E0004", "E0005", "E0006"}
    assert numbers_in(content(sales2)) == {"E0006"}


@pytest.mark.parametrize("persona", ["employee", "outsider", "committee"])
def test_people_without_export_rights_get_not_found(
    client_for: ClientFor, plan: dict[str, Any], persona: str
) -> None:
    response = export(client_for(persona), SCORECARD_GOALS, "xlsx", period=str(plan["period"].uuid))

    assert response.status_code == 404


def test_unknown_filters_and_kinds_are_not_found(
    client_for: ClientFor, plan: dict[str, Any]
) -> None:
    client = client_for("hr_admin")
    period = str(plan["period"].uuid)

    assert export(client, SCORECARD_GOALS, "xlsx").status_code == 404
    assert export(client, SCORECARD_GOALS, "xlsx", period="nope").status_code == 404
    assert export(client, SCORECARD_GOALS, "xlsx", period=period, department="x").status_code == 404
    assert export(client, "wages", "xlsx", period=period).status_code == 404
    assert export(client, SCORECARD_GOALS, "pdf", period=period).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(plan: dict[str, Any]) -> None:
    response = export(Client(), SCORECARD_GOALS, "xlsx", period=str(plan["period"].uuid))

    assert response.status_code == 302
    assert "/login" in response["Location"] or "next=" in response["Location"]


def test_department_goal_export_holds_only_visible_goals(
    org: TestOrg, client_for: ClientFor, plan: dict[str, Any]
) -> None:
    # drafts of other departments are not the manager's to see
    response = export(client_for("head"), DEPARTMENT_GOALS, "xlsx", period=str(plan["period"].uuid))

    rows = sheet_rows(content(response))
    assert {row[0] for row in rows[1:]} == {"SALES", "SALES1"}


def test_export_queries_do_not_grow_with_the_number_of_goals(
    org: TestOrg, plan: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from pms.goals.exporters.goals import GoalExportFilters
    from pms.org.roles import principal_for

    principal = principal_for(org.hr_admin.user)
    filters = GoalExportFilters(period=plan["period"])
    with django_assert_max_num_queries(3):
        small = list(scorecard_goal_rows(principal, filters))
    for n in range(20):
        f.kpi(f.scorecard(f_employee(org, n), plan["period"]), f"目标{n}", weight="100")
    with django_assert_max_num_queries(3):
        large = list(scorecard_goal_rows(principal, filters))
    assert len(large) == len(small) + 20


def f_employee(org: TestOrg, n: int) -> Any:
    from pms.org.tests import factories as org_factories

    return org_factories.employee(f"员工{n}", dept=org.sales2, manager=org.other_manager)
