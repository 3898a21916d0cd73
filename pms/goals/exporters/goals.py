"""Scorecard goals and department goals as spreadsheets, in the columns of their import, so
that an export can be edited and imported again unchanged; plus an overview sheet of the
scorecards (person, department, status, total weight, signed at) and the import templates.

What lands in a file is what the user may see: scorecards through
``access.scorecards_visible``, department goals through ``access.plan_goals_visible``.
Rows are read with ``iterator()`` and written one at a time (openpyxl's write-only mode
into a temporary file; CSV line by line), so a large company's export stays small in
memory.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.imports import Importer, get_importer
from pms.core.workbooks import Sheet
from pms.goals import access
from pms.goals.importers.goal_files import (
    DEPARTMENT_GOALS,
    KIND_EXPORT_WORD,
    SCORECARD_GOALS,
)
from pms.goals.importers.indicators import DIRECTION_WORDS, PERSPECTIVE_WORDS, export_word
from pms.goals.models import Goal, GoalKind, GoalLevel, Period, Scorecard, ScorecardStatus
from pms.goals.rules import rule_to_text
from pms.org.exporters import csv_chunks as org_csv_chunks
from pms.org.models import Department
from pms.org.roles import Principal
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError

EXPORT_KINDS = (SCORECARD_GOALS, DEPARTMENT_GOALS)
NOTES_SHEET = "说明"
SHEET_TITLES = {SCORECARD_GOALS: "个人目标", DEPARTMENT_GOALS: "部门目标"}
FILE_TITLES = {SCORECARD_GOALS: "个人目标", DEPARTMENT_GOALS: "部门目标"}
_ITERATOR_CHUNK = 2000


@dataclass(frozen=True)
class GoalExportFilters:
    """One period, optionally one department with everything below it."""

    period: Period
    department: Department | None = None


# --- values as the import reads them ---------------------------------------------------------


def _rule_text(rule: Any) -> str:
    try:
        return rule_to_text(rule)
    except ScoringError:
        return json.dumps(rule, ensure_ascii=False)


def _parent_cell(
    parent_id: int | None, uuid: Any, title: str | None, level: str | None, unique: set[str]
) -> str:
    """A parent by title where the title names one goal of the period, else by its id."""
    if parent_id is None:
        return ""
    if level in (GoalLevel.COMPANY, GoalLevel.DEPARTMENT) and title in unique:
        return title or ""
    return str(uuid)


def _unique_titles(period: Period, levels: Sequence[str]) -> set[str]:
    """Titles of goals in force at these levels that exactly one goal of the period has —
    the ones the import can find by title."""
    return set(
        Goal.objects.filter(period=period, level__in=levels, is_active=True)
        .values("title")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values_list("title", flat=True)
    )


def _columns(kind: str) -> list[str]:
    return [column.key for column in _importer(kind).columns]


def _importer(kind: str) -> Importer:
    importer = get_importer(kind)
    if importer is None:
        raise KeyError(kind)
    return importer


# --- scorecard goals -------------------------------------------------------------------------


def scorecards_for_export(principal: Principal, filters: GoalExportFilters) -> QuerySet[Scorecard]:
    """The scorecards of the period this user may see, within the department if given."""
    cards = access.scorecards_visible(principal).filter(period=filters.period)
    if filters.department is not None:
        cards = cards.filter(department__path__startswith=filters.department.path)
    return cards


def scorecard_goal_rows(principal: Principal, filters: GoalExportFilters) -> Iterator[list[Any]]:
    """One row per goal in force, in the columns of the scorecard goals import."""
    unique = _unique_titles(filters.period, (GoalLevel.COMPANY, GoalLevel.DEPARTMENT))
    keys = _columns(SCORECARD_GOALS)
    goals = (
        Goal.objects.filter(
            scorecard__in=scorecards_for_export(principal, filters),
            is_active=True,
        )
        .order_by("employee__number", "sort_order", "id")
        .values_list(
            "employee__number",
            "period__name",
            "kind",
            "title",
            "indicator__code",
            "metric",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_max",
            "weight",
            "due_date",
            "completion_standard",
            "parent_id",
            "parent__uuid",
            "parent__title",
            "parent__level",
            "description",
            "scoring_rule",
        )
    )
    for (
        number,
        period,
        kind,
        title,
        indicator,
        metric,
        unit,
        direction,
        baseline,
        target,
        target_max,
        weight,
        due_date,
        completion_standard,
        parent_id,
        parent_uuid,
        parent_title,
        parent_level,
        description,
        scoring_rule,
    ) in goals.iterator(chunk_size=_ITERATOR_CHUNK):
        key_result = kind == GoalKind.KEY_RESULT
        values = {
            "number": number,
            "period": period,
            "kind": KIND_EXPORT_WORD.get(kind, kind),
            "title": title,
            "indicator": indicator or "",
            "metric": metric,
            "unit": unit,
            "direction": export_word(DIRECTION_WORDS, direction),
            "baseline": baseline,
            "target": target,
            "target_max": target_max,
            "weight": weight,
            "due_date": due_date,
            "completion_standard": completion_standard,
            "parent": ""
            if key_result
            else _parent_cell(parent_id, parent_uuid, parent_title, parent_level, unique),
            "objective": (parent_title or "") if key_result else "",
            "description": description,
            "scoring_rule": _rule_text(scoring_rule),
        }
        yield [values[key] for key in keys]


OVERVIEW_HEADER_KEYS = ("number", "name", "department", "status", "goals", "weight", "signed_at")


def overview_header() -> list[str]:
    return [
        _("Employee number"),
        _("Name"),
        _("Department"),
        _("Status"),
        _("Goals"),
        _("Total weight (%)"),
        _("Signed at"),
    ]


def scorecard_overview_rows(
    principal: Principal, filters: GoalExportFilters
) -> Iterator[list[Any]]:
    """One row per scorecard: who, where, how far it got, whether its weights add up."""
    top = Q(goals__is_active=True) & ~Q(goals__kind=GoalKind.KEY_RESULT)
    cards = (
        scorecards_for_export(principal, filters)
        .annotate(total=Sum("goals__weight", filter=top), count=Count("goals", filter=top))
        .order_by("employee__number")
        .values_list(
            "employee__number",
            "employee__name",
            "department__name",
            "status",
            "count",
            "total",
            "signed_at",
        )
    )
    labels = {value: str(label) for value, label in ScorecardStatus.choices}
    for number, name, department, status, count, total, signed_at in cards.iterator(
        chunk_size=_ITERATOR_CHUNK
    ):
        yield [
            number,
            name,
            department,
            labels.get(status, status),
            count,
            total if total is not None else Decimal(0),
            timezone.localtime(signed_at).replace(tzinfo=None) if signed_at else None,
        ]


# --- department goals ------------------------------------------------------------------------


def department_goals_for_export(principal: Principal, filters: GoalExportFilters) -> QuerySet[Goal]:
    goals = access.plan_goals_visible(principal).filter(
        level=GoalLevel.DEPARTMENT, period=filters.period, is_active=True
    )
    if filters.department is not None:
        goals = goals.filter(department__path__startswith=filters.department.path)
    return goals


def department_goal_rows(principal: Principal, filters: GoalExportFilters) -> Iterator[list[Any]]:
    """One row per department goal in force, in the columns of the department goals import."""
    unique = _unique_titles(filters.period, (GoalLevel.COMPANY,))
    keys = _columns(DEPARTMENT_GOALS)
    goals = (
        department_goals_for_export(principal, filters)
        .order_by("department__path", "sort_order", "id")
        .values_list(
            "department__code",
            "period__name",
            "kind",
            "title",
            "metric",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_max",
            "due_date",
            "completion_standard",
            "perspective",
            "parent_id",
            "parent__uuid",
            "parent__title",
            "parent__level",
            "contribution",
            "owner__number",
            "description",
            "scoring_rule",
        )
    )
    for (
        department,
        period,
        kind,
        title,
        metric,
        unit,
        direction,
        baseline,
        target,
        target_max,
        due_date,
        completion_standard,
        perspective,
        parent_id,
        parent_uuid,
        parent_title,
        parent_level,
        contribution,
        owner,
        description,
        scoring_rule,
    ) in goals.iterator(chunk_size=_ITERATOR_CHUNK):
        # only strategic goals are found by title; a parent department's goal by its id
        level = parent_level if parent_level == GoalLevel.COMPANY else None
        values = {
            "department": department,
            "period": period,
            "kind": KIND_EXPORT_WORD.get(kind, kind),
            "title": title,
            "metric": metric,
            "unit": unit,
            "direction": export_word(DIRECTION_WORDS, direction),
            "baseline": baseline,
            "target": target,
            "target_max": target_max,
            "due_date": due_date,
            "completion_standard": completion_standard,
            "perspective": export_word(PERSPECTIVE_WORDS, perspective) if perspective else "",
            "parent": _parent_cell(parent_id, parent_uuid, parent_title, level, unique),
            "contribution": contribution,
            "owner": owner or "",
            "description": description,
            "scoring_rule": _rule_text(scoring_rule),
        }
        yield [values[key] for key in keys]


# --- templates -------------------------------------------------------------------------------

_EXAMPLES: dict[str, list[dict[str, str]]] = {
    SCORECARD_GOALS: [
        {
            "number": "E0004",
            "period": "2026年度",
            "kind": "KPI",
            "title": "销售额达到500万元",
            "metric": "销售额",
            "unit": "万元",
            "direction": "越高越好",
            "baseline": "420",
            "target": "500",
            "weight": "60",
            "due_date": "2026-12-31",
            "parent": "营收增长20%",
            "scoring_rule": "linear 0-120",
        },
        {
            "number": "E0004",
            "period": "2026年度",
            "kind": "重点任务",
            "title": "Q3前完成X产品V2.0上线",
            "weight": "40",
            "due_date": "2026-09-30",
            "completion_standard": "3轮用户测试且Bug率≤0.3%",
            "scoring_rule": "passfail 100",
        },
    ],
    DEPARTMENT_GOALS: [
        {
            "department": "SALES1",
            "period": "2026年度",
            "kind": "KPI",
            "title": "主营业务A增长15%",
            "metric": "主营业务A收入",
            "unit": "万元",
            "direction": "越高越好",
            "baseline": "1000",
            "target": "1150",
            "due_date": "2026-12-31",
            "perspective": "财务",
            "parent": "营收增长20%",
            "contribution": "60",
            "owner": "E0003",
        }
    ],
}


def headers(kind: str) -> list[str]:
    return [column.header for column in _importer(kind).columns]


def example_rows(kind: str) -> list[list[str]]:
    keys = _columns(kind)
    return [[example.get(key, "") for key in keys] for example in _EXAMPLES[kind]]


def notes_rows(kind: str) -> list[list[str]]:
    rows = [[_("Column"), _("Required"), _("Explanation")]]
    for column in _importer(kind).columns:
        rows.append([column.header, _("Yes") if column.required else _("No"), str(column.help)])
    rows.append([])
    if kind == SCORECARD_GOALS:
        rows += [
            [
                _(
                    "Rows are matched by employee number, period and goal title: a new title "
                    "adds a goal (and starts the person's scorecard if needed), an existing one "
                    "is updated to match the file, an identical row changes nothing."
                )
            ],
            [
                _(
                    "Goals already on a scorecard that the file does not list are left alone. "
                    "To make the file the whole scorecard, choose “replace each scorecard's "
                    "goals” when uploading: goals the file does not list are then removed."
                )
            ],
            [
                _(
                    "Each person's goals must weigh 100% together. Approved or signed "
                    "scorecards are not changed by a file: change them through an adjustment."
                )
            ],
        ]
    else:
        rows += [
            [
                _(
                    "Rows are matched by department code, period and goal title: a new title "
                    "adds a draft goal, an existing draft is updated to match the file, an "
                    "identical row changes nothing. Goals the file does not list are left "
                    "alone; approved goals change only through an adjustment."
                )
            ],
        ]
    rows.append(
        [
            _(
                "A blank cell clears the value; a column left out of the file keeps the stored "
                "values. Every row is checked before anything is written: one bad row and "
                "nothing changes."
            )
        ]
    )
    return rows


# --- writing files ---------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return normalized(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 (with BOM) byte chunks; numbers written as people write them."""
    return org_csv_chunks(header, ([_csv_value(v) for v in row] for row in rows))


def export_sheets(kind: str, principal: Principal, filters: GoalExportFilters) -> list[Sheet]:
    """The sheets of an .xlsx export: the goals (first, the sheet the import reads) and,
    for scorecard goals, the overview of the scorecards."""
    if kind == SCORECARD_GOALS:
        return [
            Sheet(SHEET_TITLES[kind], headers(kind), scorecard_goal_rows(principal, filters)),
            Sheet(_("Scorecards"), overview_header(), scorecard_overview_rows(principal, filters)),
        ]
    return [Sheet(SHEET_TITLES[kind], headers(kind), department_goal_rows(principal, filters))]


def export_rows(kind: str, principal: Principal, filters: GoalExportFilters) -> Iterator[list[Any]]:
    """The goal rows of an export (the CSV file, or the first sheet)."""
    if kind == SCORECARD_GOALS:
        return scorecard_goal_rows(principal, filters)
    return department_goal_rows(principal, filters)


def template_sheets(kind: str) -> list[Sheet]:
    return [
        Sheet(SHEET_TITLES[kind], headers(kind), example_rows(kind)),
        Sheet(NOTES_SHEET, notes_rows(kind)[0], notes_rows(kind)[1:]),
    ]
