"""The files of applying results, built as background exports (``pms.core.exports``):

- ``BONUS_PAYROLL`` and ``RAISE_PAYROLL``: a locked plan for payroll (.xlsx), one row per
  line of the exporter's scope. The headers are the fixed Chinese ones payroll systems
  read (工号, 姓名, 部门, 等级, 系数, 基数, 部门系数, 奖金; for raises the salary, range,
  zone, percent, amount, new salary and the effective date), whatever the reader's
  language. A plan still in simulation is never exported.
- ``PROMOTION_LIST``: the promotion eligibility list of HR's scope, with the cycles and
  grades that made each person eligible.
- ``TRAINING_NEEDS``: the training needs of a cycle, one row per competency and person.

Who may have a file is the page's own rule, asked again at every step of the job.
Rows are written one at a time through openpyxl's write-only mode into a temporary file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pms.core.access import Forbidden, NotFound
from pms.core.exports import BuiltExport, Progress
from pms.core.workbooks import Sheet, write_workbook
from pms.org.models import Department
from pms.org.roles import Principal
from pms.outcomes import access
from pms.outcomes.models import BonusPlan, RaisePlan
from pms.outcomes.selectors.pay import zone_label
from pms.outcomes.selectors.promotion import promotion_list
from pms.outcomes.selectors.training import training_cycles, training_needs
from pms.reviews.models import CycleKind

BONUS_PAYROLL = "outcomes.bonus_payroll"
RAISE_PAYROLL = "outcomes.raise_payroll"
PROMOTION_LIST = "outcomes.promotion"
TRAINING_NEEDS = "outcomes.training"
_CHUNK = 2000

BONUS_HEADER = ("工号", "姓名", "部门", "等级", "系数", "基数", "部门系数", "奖金")
RAISE_HEADER = (
    "工号",
    "姓名",
    "部门",
    "等级",
    "月薪",
    "薪级下限",
    "薪级上限",
    "区间位置",
    "调薪比例(%)",
    "调薪金额",
    "调整后月薪",
    "生效日期",
)


def _file_name(*parts: str) -> str:
    return "-".join([*parts, timezone.localdate().isoformat()]) + ".xlsx"


# --- payroll -------------------------------------------------------------------------------


def plan_export_params(plan: BonusPlan | RaisePlan) -> dict[str, str]:
    return {"plan": str(plan.uuid)}


def _bonus_plan(principal: Principal, params: dict[str, Any]) -> BonusPlan:
    plan = access.access_bonus_plan(principal, params.get("plan"))
    if not access.can_export_plan(principal, plan):
        raise Forbidden
    return plan


def _raise_plan(principal: Principal, params: dict[str, Any]) -> RaisePlan:
    plan = access.access_raise_plan(principal, params.get("plan"))
    if not access.can_export_plan(principal, plan):
        raise Forbidden
    return plan


def bonus_payroll_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    try:
        _bonus_plan(principal, params)
    except (NotFound, Forbidden):
        return False
    return True


def bonus_payroll_rows(principal: Principal, plan: BonusPlan) -> Iterator[list[Any]]:
    rows = (
        access.bonus_lines_visible(principal, plan)
        .order_by("department__path", "employee__number")
        .values_list(
            "employee__number",
            "employee__name",
            "department__name",
            "grade",
            "coefficient",
            "base",
            "factor",
            "amount",
        )
    )
    for row in rows.iterator(chunk_size=_CHUNK):
        yield list(row)


def bonus_payroll_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    plan = _bonus_plan(principal, params)
    progress(0, access.bonus_lines_visible(principal, plan).count())
    sheet = Sheet("奖金", BONUS_HEADER, bonus_payroll_rows(principal, plan))
    book = write_workbook([sheet], progress)
    return BuiltExport(file=book, name=_file_name(plan.cycle.name, plan.name))


def raise_payroll_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    try:
        _raise_plan(principal, params)
    except (NotFound, Forbidden):
        return False
    return True


def raise_payroll_rows(principal: Principal, plan: RaisePlan) -> Iterator[list[Any]]:
    rows = (
        access.raise_lines_visible(principal, plan)
        .order_by("department__path", "employee__number")
        .values_list(
            "employee__number",
            "employee__name",
            "department__name",
            "grade",
            "salary",
            "range_min",
            "range_max",
            "zone",
            "percent",
            "amount",
        )
    )
    effective = plan.effective_on.isoformat() if plan.effective_on else ""
    for row in rows.iterator(chunk_size=_CHUNK):
        number, name, department, grade, salary, low, high, zone, percent, amount = row
        new_salary = salary + amount if salary is not None else None
        yield [
            number,
            name,
            department,
            grade,
            salary,
            low,
            high,
            zone_label(zone) if zone else "",
            percent,
            amount,
            new_salary,
            effective,
        ]


def raise_payroll_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    plan = _raise_plan(principal, params)
    progress(0, access.raise_lines_visible(principal, plan).count())
    sheet = Sheet("调薪", RAISE_HEADER, raise_payroll_rows(principal, plan))
    book = write_workbook([sheet], progress)
    return BuiltExport(file=book, name=_file_name(plan.cycle.name, plan.name))


# --- promotion -----------------------------------------------------------------------------


def _department(principal: Principal, params: dict[str, Any]) -> Department | None:
    """The department filter, if any, within the reader's departments."""
    from pms.reviews.access import monitor_departments

    wanted = params.get("department")
    if not wanted:
        return None
    found = monitor_departments(principal).filter(uuid=wanted).first()
    if found is None:
        raise NotFound
    return found


def promotion_params(kind: str, department: Department | None) -> dict[str, str]:
    return {"kind": kind, "department": str(department.uuid) if department else ""}


def promotion_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    if not access.can_see_promotion(principal) or params.get("kind") not in CycleKind.values:
        return False
    try:
        _department(principal, params)
    except NotFound:
        return False
    return True


def promotion_header() -> list[str]:
    return [
        _("Employee number"),
        pgettext("person", "Name"),
        _("Department"),
        _("Hire date"),
        _("Months in the company"),
        _("Results looked at"),
        _("How the rule decided"),
    ]


def promotion_build(
    principal: Principal, params: dict[str, Any], progress: Progress
) -> BuiltExport:
    if not promotion_allowed(principal, params):
        raise Forbidden
    found = promotion_list(
        principal,
        str(params["kind"]),
        today=timezone.localdate(),
        department=_department(principal, params),
    )
    progress(0, len(found.rows))
    rows = (
        [
            row.number,
            row.name,
            row.department,
            row.hire_date,
            row.tenure,
            "；".join(f"{cycle} {grade}" for cycle, grade in row.grades),
            "；".join(row.sentences),
        ]
        for row in found.rows
    )
    book = write_workbook([Sheet(_("Promotion eligibility"), promotion_header(), rows)], progress)
    return BuiltExport(file=book, name=_file_name(_("Promotion eligibility")))


# --- training needs ------------------------------------------------------------------------


def training_params(cycle_uuid: str, department: Department | None) -> dict[str, str]:
    return {"cycle": cycle_uuid, "department": str(department.uuid) if department else ""}


def _training_cycle(principal: Principal, params: dict[str, Any]) -> Any:
    cycle = training_cycles(principal).filter(uuid=str(params.get("cycle") or "")).first()
    if cycle is None:
        raise NotFound
    return cycle


def training_allowed(principal: Principal, params: dict[str, Any]) -> bool:
    if not access.can_see_training_needs(principal):
        return False
    try:
        _training_cycle(principal, params)
        _department(principal, params)
    except (NotFound, ValueError):
        return False
    return True


def training_header() -> list[str]:
    return [
        _("Competency"),
        _("Employee number"),
        pgettext("person", "Name"),
        _("Department"),
        _("Managers' rating (percent of the scale)"),
        _("Managers who rated"),
    ]


def training_build(principal: Principal, params: dict[str, Any], progress: Progress) -> BuiltExport:
    if not training_allowed(principal, params):
        raise Forbidden
    cycle = _training_cycle(principal, params)
    needs = training_needs(principal, cycle, department=_department(principal, params))
    rows = (
        [need.title, p.number, p.name, p.department, p.points, p.raters]
        for need in needs.competencies
        for p in need.people
    )
    progress(0, sum(need.count for need in needs.competencies))
    book = write_workbook([Sheet(_("Training needs"), training_header(), rows)], progress)
    return BuiltExport(file=book, name=_file_name(cycle.name, _("Training needs")))


__all__ = [
    "BONUS_HEADER",
    "BONUS_PAYROLL",
    "PROMOTION_LIST",
    "RAISE_HEADER",
    "RAISE_PAYROLL",
    "TRAINING_NEEDS",
    "bonus_payroll_allowed",
    "bonus_payroll_build",
    "plan_export_params",
    "promotion_allowed",
    "promotion_build",
    "promotion_params",
    "raise_payroll_allowed",
    "raise_payroll_build",
    "training_allowed",
    "training_build",
    "training_params",
]
