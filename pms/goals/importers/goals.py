"""Goals from a spreadsheet: individual goals on scorecards (个人目标) and department goals
(部门目标), one row per goal.

Matching and what a file changes
- A scorecard goal is matched on employee number + period + goal title, a department goal
  on department code + period + title. A row creates the goal (and, for a person without a
  scorecard in that period, the scorecard) or brings the goal in line with the file; a row
  that matches exactly changes nothing, so importing the same file twice is harmless.
- A blank optional cell clears the value; a column the file does not have at all leaves
  the stored value alone (a file of 工号, 期间, 目标名称 and 权重 only re-weights). The
  scoring rule is the exception: a blank 评分规则 keeps the goal's rule (a new goal takes
  its indicator's rule, or linear).
- Goals that are not in the file are left alone. With the "replace" kind
  (``scorecard_goals_replace``) the file is the whole scorecard instead: goals of a
  person's scorecard in that period that the file does not list are removed.
- Agreed goals are never changed by a file: a row that would change or add a goal on an
  approved or signed scorecard, or change an approved or submitted department goal, is
  refused with "change it through an adjustment". Rows that match them exactly pass.

Checks
Every row is checked before anything is written and every problem is reported with its
line and column. Across the file: the weights of each person's scorecard must total
100 % (the file's goals plus the goals it leaves alone), a key result needs its objective
(in the file or already on the scorecard), department goals aligned to one goal may
contribute at most 100 % together, and no goal may end up aligned to itself.

Who
The file is checked and applied with the rights of the person who uploaded it:
company-wide HR and system admins reach everyone; an HRBP only people and departments in
their scope — other rows are refused one by one.

Writing
Applying writes in bulk, a chunk at a time, in the import's single transaction: the same
rows and the same audit entries (create/update/delete, before and after) that the
services in ``pms.goals.services.scorecards`` and ``pms.goals.services.plan`` write.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import audit_bulk, build_entry, json_value
from pms.core.imports import (
    CHUNK_SIZE,
    Column,
    Importer,
    ImportSession,
    Row,
    SessionContext,
    bulk_set,
    register,
)
from pms.core.models import AuditAction, AuditEntry, ImportJob
from pms.goals import access
from pms.goals.importers.indicators import DIRECTION_WORDS, PERSPECTIVE_WORDS, export_word
from pms.goals.models import (
    AGREED_SCORECARD,
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Indicator,
    Period,
    PeriodStatus,
    Scorecard,
    ScorecardStatus,
    Section,
)
from pms.goals.rules import rule_from_text, validate_rule
from pms.goals.services.scorecards import (
    CHANGEABLE_STATUSES,
    DEFAULT_SECTION,
    SCORECARD_AUDIT_FIELDS,
)
from pms.org.importers.common import find_cycles, parse_date
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import ANONYMOUS, Principal, principal_for
from pms.scoring.decimals import normalized
from pms.scoring.scorecard import check_weights

SCORECARD_GOALS = "scorecard_goals"
SCORECARD_GOALS_REPLACE = "scorecard_goals_replace"
DEPARTMENT_GOALS = "department_goals"
GOAL_KINDS = (SCORECARD_GOALS, SCORECARD_GOALS_REPLACE, DEPARTMENT_GOALS)

# The words a file may use for a kind; the export writes the first of each value.
KIND_WORDS: dict[str, str] = {
    "kpi": GoalKind.KPI,
    "重点任务": GoalKind.TASK,
    "okr目标": GoalKind.OBJECTIVE,
    "关键结果": GoalKind.KEY_RESULT,
    "关键绩效指标": GoalKind.KPI,
    "重点工作": GoalKind.TASK,
    "重点工作任务": GoalKind.TASK,
    "gs": GoalKind.TASK,
    "okr": GoalKind.OBJECTIVE,
    "目标": GoalKind.OBJECTIVE,
    "kr": GoalKind.KEY_RESULT,
    "task": GoalKind.TASK,
    "key task": GoalKind.TASK,
    "objective": GoalKind.OBJECTIVE,
    "okr objective": GoalKind.OBJECTIVE,
    "key_result": GoalKind.KEY_RESULT,
    "key result": GoalKind.KEY_RESULT,
}
KIND_EXPORT_WORD: dict[str, str] = {
    GoalKind.KPI: "KPI",
    GoalKind.TASK: "重点任务",
    GoalKind.OBJECTIVE: "OKR目标",
    GoalKind.KEY_RESULT: "关键结果",
}

NUMBER_PLACES = 4  # baseline, target, upper target: DecimalField(18, 4)
NUMBER_DIGITS = 18
PERCENT_PLACES = 2  # weights and contributions: DecimalField(5, 2)
HUNDRED = Decimal(100)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，％", "0123456789.-+,%")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# Excel keeps numbers as binary floats: 0.1 + 0.2 arrives as 0.30000000000000004.
_FLOAT_NOISE = Decimal("1e-9")
_ITERATOR_CHUNK = 2000


# --- reading cells ---------------------------------------------------------------------------


def parse_number(text: str, *, places: int = NUMBER_PLACES, digits: int = NUMBER_DIGITS) -> Decimal:
    """A number as people type it (``1,200``, ``12.5``, ``85%``, full-width digits), to at
    most ``places`` decimals. Raises ``ValueError`` with the reason as its message."""
    cleaned = text.translate(_FULL_WIDTH).replace(",", "").replace(" ", "").removesuffix("%")
    if not _NUMBER_RE.match(cleaned):
        raise ValueError(_("Enter a number, such as 500 or 12.5."))
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover (the pattern lets only numbers in)
        raise ValueError(_("Enter a number, such as 500 or 12.5.")) from exc
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if abs(rounded - value) > _FLOAT_NOISE:
        raise ValueError(_("Use at most %(places)d decimal places.") % {"places": places})
    value = rounded
    if abs(value) >= Decimal(10) ** (digits - places):
        raise ValueError(_("This number is too large."))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _word(words: dict[str, str], text: str) -> str | None:
    return words.get(re.sub(r"\s+", " ", text.strip().lower()))


def _choices_text(words: dict[str, str]) -> str:
    return "、".join(dict.fromkeys(export_word(words, v) for v in words.values()))


def importing_principal(context: SessionContext) -> Principal:
    """Whose rights a file is checked and applied with: the person who uploaded it (the
    job is found by the audit batch, which is the job's uuid). Applying uses the same
    person, so an HRBP's file stays within their scope whoever presses "apply"."""
    user = None
    try:
        job = ImportJob.objects.select_related("created_by").filter(uuid=context.batch).first()
    except ValidationError:
        job = None
    if job is not None:
        user = job.created_by
    elif context.actor is not None:
        user = context.actor.user
    return principal_for(user) if user is not None else ANONYMOUS


def _values(queryset: QuerySet[Any, Any], *fields: str) -> Iterator[dict[str, Any]]:
    """``queryset.values(*fields)`` as plain dicts (the rows of a lookup table)."""
    for row in queryset.values(*fields):
        yield dict(row)


def _audit(values: dict[str, Any]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in values.items()}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored values (Decimals compare by number: 500 == 500.0000)."""
    return bool(a == b)


class GoalFileSession(ImportSession):
    """Parsing shared by both kinds: columns that may be absent, numbers, dates, words."""

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.principal = importing_principal(context)
        self.periods: dict[str, dict[str, Any]] = {
            p["name"]: p for p in _values(Period.objects.all(), "id", "name", "status", "uuid")
        }
        self.now = timezone.now()

    def ok(self, row: Row) -> bool:
        return not self.context.errors.has_errors_on(row.line)

    def error(self, row: Row | int, key: str, message: str | Promise) -> None:
        self.context.error(row, key, str(message))

    @staticmethod
    def present(row: Row, key: str) -> bool:
        """Whether the file has this column at all (a blank cell is present)."""
        return key in row.values

    def number(
        self, row: Row, key: str, *, places: int = NUMBER_PLACES, digits: int = NUMBER_DIGITS
    ) -> Decimal | None:
        text = row.get(key)
        if not text:
            return None
        try:
            return parse_number(text, places=places, digits=digits)
        except ValueError as exc:
            self.error(row, key, str(exc))
            return None

    def percent(self, row: Row, key: str) -> Decimal | None:
        value = self.number(row, key, places=PERCENT_PLACES, digits=5)
        if value is not None and not (0 <= value <= HUNDRED):
            self.error(row, key, _("Enter a percentage between 0 and 100."))
            return None
        return value

    def date(self, row: Row, key: str) -> dt.date | None:
        text = row.get(key)
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError:
            self.error(row, key, _("Enter a date such as 2026-09-30, 2026/9/30 or 2026年9月30日."))
            return None

    def choice(self, row: Row, key: str, words: dict[str, str]) -> str | None:
        """The stored value for a word, "" for a blank cell, None after an error."""
        text = row.get(key)
        if not text:
            return ""
        value = _word(words, text)
        if value is None:
            self.error(
                row,
                key,
                _("Unknown value %(value)s; use one of %(allowed)s.")
                % {"value": text, "allowed": _choices_text(words)},
            )
        return value

    def period(self, row: Row) -> dict[str, Any] | None:
        name = row.get("period")
        found = self.periods.get(name)
        if found is None:
            self.error(row, "period", _("Unknown period %(name)s.") % {"name": name})
        return found

    def rule(self, row: Row) -> dict[str, object] | None:
        text = row.get("scoring_rule")
        if not text:
            return None
        try:
            return rule_from_text(text)
        except ValidationError as error:
            self.error(row, "scoring_rule", " ".join(error.messages))
            return None

    def terms(self, row: Row) -> dict[str, Any]:
        """The measured terms both kinds share, for the columns the file has."""
        values: dict[str, Any] = {}
        for key in ("metric", "unit", "completion_standard", "description"):
            if self.present(row, key):
                values[key] = row.get(key)
        for key in ("baseline", "target", "target_max"):
            if self.present(row, key):
                values[key] = self.number(row, key)
        if self.present(row, "due_date"):
            values["due_date"] = self.date(row, "due_date")
        if self.present(row, "direction"):
            values["direction"] = self.choice(row, "direction", DIRECTION_WORDS)
        return values

    def check_range(self, row: Row, merged: dict[str, Any]) -> None:
        """A range needs its upper target, which must not lie below the target."""
        target, target_max = merged.get("target"), merged.get("target_max")
        if merged.get("direction") == Direction.RANGE and target_max is None:
            self.error(row, "target_max", _("A range goal needs an upper target."))
        elif target is not None and target_max is not None and target_max < target:
            self.error(row, "target_max", _("The upper target must not be below the target."))

    def parent_key(self, text: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(text.strip())
        except ValueError:
            return None

    def entry(
        self,
        instance: Any,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> AuditEntry:
        actor = self.context.actor
        if actor is None:
            raise RuntimeError("applying needs an actor")
        return build_entry(
            actor=actor,
            instance=instance,
            action=action,
            before=before,
            after=after,
            batch=self.context.batch,
        )


# --- scorecard goals -------------------------------------------------------------------------

# What a scorecard goal row may set, in the names of ``GOAL_AUDIT_FIELDS``.
_GOAL_VALUE_FIELDS = (
    "kind",
    "weight",
    "indicator",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "parent",
    "scoring_rule",
)
_GOAL_WRITE_FIELDS = [
    "kind",
    "section",
    "weight",
    "indicator",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "parent",
    "scoring_rule",
    "perspective",
    "customised",
    "updated_at",
]
_EXISTING_GOAL_VALUES = (
    "id",
    "scorecard_id",
    "title",
    "kind",
    "section",
    "weight",
    "indicator_id",
    "indicator__name",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "parent_id",
    "parent__title",
    "parent__kind",
    "scoring_rule",
    "perspective",
    "template_item_id",
    "customised",
    "sort_order",
    "status",
    "is_active",
)


@dataclass(slots=True)
class _Card:
    """One person's scorecard for one period, as far as the file and the check need it."""

    employee: dict[str, Any]
    period: dict[str, Any]
    first_line: int
    scorecard_id: int | None = None
    status: str | None = None  # None: the person has no scorecard in this period yet
    # active goals already on the scorecard, by title; titles used twice map to None
    existing: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    next_sort: int = 1
    titles: dict[str, int] = field(default_factory=dict)  # title → line in the file
    top_lines: list[int] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # title → kind in the file
    weights: Decimal = Decimal(0)
    weights_broken: bool = False
    key_results: list[tuple[int, str]] = field(default_factory=list)  # (line, objective)
    # key results written by this file whose objective is set once every row exists
    pending: list[tuple[Goal, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return (self.employee["id"], self.period["id"])

    @property
    def agreed(self) -> bool:
        return self.status in AGREED_SCORECARD

    @property
    def name(self) -> str:
        return str(self.employee["name"])


class ScorecardGoalSession(GoalFileSession):
    replace = False

    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.cards: dict[tuple[int, int], _Card] = {}
        self.indicators: dict[str, dict[str, Any]] = {}
        for indicator in _values(
            Indicator.objects.all(),
            "id",
            "code",
            "name",
            "unit",
            "direction",
            "perspective",
            "scoring_rule",
            "enabled",
        ):
            try:
                indicator["scoring_rule"] = validate_rule(indicator["scoring_rule"])
            except ValidationError:
                indicator["scoring_rule"] = {"type": "linear"}
            self.indicators[indicator["code"]] = indicator
        self.indicators_by_pk = {i["id"]: i for i in self.indicators.values()}
        # per period: plan goals by title (ids) and by uuid, and those this user may see
        self.plan: dict[int, tuple[dict[str, list[int]], dict[str, dict[str, Any]]]] = {}
        self.plan_visible: dict[int, set[int]] = {}
        # replace: (goal to remove, its scorecard) for the check across the file
        self.removals: list[tuple[int, _Card]] = []

    # -- lookups, a chunk at a time --

    def _plan_goals(self, period_id: int) -> tuple[dict[str, list[int]], dict[str, dict[str, Any]]]:
        if period_id not in self.plan:
            by_title: dict[str, list[int]] = defaultdict(list)
            by_uuid: dict[str, dict[str, Any]] = {}
            for goal in _values(
                Goal.objects.filter(
                    period_id=period_id,
                    level__in=[GoalLevel.COMPANY, GoalLevel.DEPARTMENT],
                    is_active=True,
                ),
                "id",
                "uuid",
                "title",
                "level",
                "kind",
                "employee_id",
                "scorecard_id",
            ):
                by_title[goal["title"]].append(goal["id"])
                by_uuid[str(goal["uuid"])] = goal
            self.plan[period_id] = (dict(by_title), by_uuid)
            self.plan_visible[period_id] = set(
                access.plan_goals_visible(self.principal)
                .filter(period_id=period_id)
                .values_list("id", flat=True)
            )
        return self.plan[period_id]

    def _load_cards(self, rows: list[Row], employees: dict[str, dict[str, Any]]) -> None:
        """Make the state of every scorecard first met in this chunk: the scorecard (if
        any) and its goals, in two queries."""
        fresh: dict[tuple[int, int], _Card] = {}
        for row in rows:
            employee = employees.get(row.get("number"))
            period = self.periods.get(row.get("period"))
            if employee is None or period is None:
                continue
            key = (employee["id"], period["id"])
            if key not in self.cards and key not in fresh:
                fresh[key] = _Card(employee=employee, period=period, first_line=row.line)
        if not fresh:
            return
        by_id: dict[int, _Card] = {}
        for pk, employee_id, period_id, status in Scorecard.objects.filter(
            employee_id__in={key[0] for key in fresh}, period_id__in={key[1] for key in fresh}
        ).values_list("id", "employee_id", "period_id", "status"):
            found = fresh.get((employee_id, period_id))
            if found is not None:
                found.scorecard_id = pk
                found.status = status
                by_id[pk] = found
        if by_id:
            for goal in _values(
                Goal.objects.filter(scorecard_id__in=by_id), *_EXISTING_GOAL_VALUES
            ):
                card = by_id[goal["scorecard_id"]]
                card.next_sort = max(card.next_sort, goal["sort_order"] + 1)
                if not goal["is_active"]:
                    continue
                title = goal["title"]
                card.existing[title] = None if title in card.existing else goal
        self.cards.update(fresh)

    def _aligned_goals(self, rows: list[Row]) -> dict[str, dict[str, Any]]:
        """Goals named by uuid in 对齐上级目标 that are not plan goals (a manager's goal)."""
        wanted: set[uuid.UUID] = set()
        for row in rows:
            period = self.periods.get(row.get("period"))
            key = self.parent_key(row.get("parent"))
            if key is None or period is None:
                continue
            if str(key) not in self._plan_goals(period["id"])[1]:
                wanted.add(key)
        if not wanted:
            return {}
        visible = set(
            access.individual_goals_visible(self.principal)
            .filter(uuid__in=wanted)
            .values_list("id", flat=True)
        )
        return {
            str(goal["uuid"]): goal
            for goal in _values(
                Goal.objects.filter(uuid__in=wanted, is_active=True),
                "id",
                "uuid",
                "title",
                "level",
                "kind",
                "employee_id",
                "scorecard_id",
                "period_id",
            )
            if goal["id"] in visible
        }

    # -- one row --

    def _parent(
        self, row: Row, card: _Card, aligned: dict[str, dict[str, Any]]
    ) -> tuple[int | None, str] | None:
        """The goal a (non key result) row aligns to: (id, title); None after an error."""
        text = row.get("parent")
        if not text:
            return (None, "")
        by_title, by_uuid = self._plan_goals(card.period["id"])
        key = self.parent_key(text)
        if key is not None:
            goal = by_uuid.get(str(key))
            if goal is not None and goal["id"] not in self.plan_visible[card.period["id"]]:
                goal = None
            if goal is None:
                other = aligned.get(str(key))
                if other is not None and other["period_id"] == card.period["id"]:
                    goal = other
            if goal is None:
                self.error(
                    row,
                    "parent",
                    _("No goal %(goal)s in the period %(period)s to align to.")
                    % {"goal": text, "period": card.period["name"]},
                )
                return None
            if goal["kind"] == GoalKind.KEY_RESULT or (
                card.scorecard_id is not None and goal["scorecard_id"] == card.scorecard_id
            ):
                self.error(
                    row, "parent", _("Align a goal to a strategy, department or manager's goal.")
                )
                return None
            if goal["level"] == GoalLevel.INDIVIDUAL and goal["employee_id"] == card.employee["id"]:
                self.error(row, "parent", _("A goal cannot be aligned to one's own goal."))
                return None
            return (goal["id"], goal["title"])
        ids = [i for i in by_title.get(text, []) if i in self.plan_visible[card.period["id"]]]
        if not ids:
            self.error(
                row,
                "parent",
                _("No company or department goal called %(goal)s in the period %(period)s.")
                % {"goal": text, "period": card.period["name"]},
            )
            return None
        if len(by_title[text]) > 1:
            self.error(
                row,
                "parent",
                _("Several goals of the period are called %(goal)s; give the goal's id instead.")
                % {"goal": text},
            )
            return None
        return (ids[0], text)

    def _desired(self, row: Row, card: _Card, aligned: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The row's values for the columns the file has, in the audit snapshot's names
        (indicator and parent as (id, text) pairs); bad cells are recorded as errors."""
        values: dict[str, Any] = {}
        kind = _word(KIND_WORDS, row.get("kind"))
        if kind is None:
            self.error(
                row,
                "kind",
                _("Unknown goal type %(value)s; use one of %(allowed)s.")
                % {"value": row.get("kind"), "allowed": "、".join(KIND_EXPORT_WORD.values())},
            )
        values["kind"] = kind
        values.update(self.terms(row))
        if self.present(row, "weight"):
            values["weight"] = self.percent(row, "weight")
        if self.present(row, "indicator"):
            code = row.get("indicator")
            indicator = self.indicators.get(code) if code else None
            if code and indicator is None:
                self.error(row, "indicator", _("Unknown indicator code %(code)s.") % {"code": code})
            values["indicator"] = (indicator["id"], indicator["name"]) if indicator else (None, "")
        rule = self.rule(row)
        if rule is not None:
            values["scoring_rule"] = rule
        if kind == GoalKind.KEY_RESULT:
            if row.get("parent"):
                self.error(
                    row,
                    "parent",
                    _(
                        "A key result counts towards its objective: name it under 所属目标 and "
                        "leave this blank."
                    ),
                )
            objective = row.get("objective")
            if not objective:
                self.error(row, "objective", _("Name the objective this key result belongs to."))
            elif objective == row.get("title"):
                self.error(row, "objective", _("A key result cannot be its own objective."))
            else:
                card.key_results.append((row.line, objective))
            values["parent"] = ("objective", objective)
        elif kind is not None:
            if row.get("objective"):
                self.error(
                    row,
                    "objective",
                    _("Only a key result belongs to an objective; leave this blank."),
                )
            if self.present(row, "parent"):
                parent = self._parent(row, card, aligned)
                if parent is not None:
                    values["parent"] = parent
        return values

    def _current(self, goal: dict[str, Any]) -> dict[str, Any]:
        """An existing goal's values in the same shape as ``_desired``."""
        values = {
            name: goal[name]
            for name in (
                "kind",
                "weight",
                "metric",
                "unit",
                "direction",
                "baseline",
                "target",
                "target_max",
                "due_date",
                "completion_standard",
                "description",
            )
        }
        values["indicator"] = (goal["indicator_id"], goal["indicator__name"] or "")
        if goal["kind"] == GoalKind.KEY_RESULT:
            values["parent"] = ("objective", goal["parent__title"] or "")
        else:
            values["parent"] = (goal["parent_id"], goal["parent__title"] or "")
        try:
            values["scoring_rule"] = validate_rule(goal["scoring_rule"])
        except ValidationError:
            values["scoring_rule"] = goal["scoring_rule"]
        return values

    def _complete(self, desired: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """Every value the goal will have: the file's, else the stored one, else the default
        a new goal gets from its indicator or the service."""
        indicator_id = (desired.get("indicator") or (current or {}).get("indicator") or (None,))[0]
        indicator = self.indicators_by_id(indicator_id)
        merged: dict[str, Any] = {}
        defaults: dict[str, Any] = {
            "weight": None,
            "indicator": (None, ""),
            "metric": "",
            "unit": "",
            "direction": "",
            "baseline": None,
            "target": None,
            "target_max": None,
            "due_date": None,
            "completion_standard": "",
            "description": "",
            "parent": (None, ""),
            "scoring_rule": None,
        }
        for name in _GOAL_VALUE_FIELDS:
            if name in desired:
                merged[name] = desired[name]
            elif current is not None:
                merged[name] = current[name]
            else:
                merged[name] = defaults[name]
        if indicator is not None:
            merged["metric"] = merged["metric"] or indicator["name"]
            merged["unit"] = merged["unit"] or indicator["unit"]
        if not merged["direction"]:
            merged["direction"] = (
                current["direction"]
                if current is not None and "direction" not in desired
                else (indicator["direction"] if indicator is not None else Direction.HIGHER)
            )
        if merged["scoring_rule"] is None:
            merged["scoring_rule"] = (
                current["scoring_rule"]
                if current is not None
                else (
                    indicator["scoring_rule"]
                    if indicator is not None
                    else validate_rule({"type": "linear"})
                )
            )
        return merged

    def _row(
        self,
        row: Row,
        card: _Card,
        aligned: dict[str, dict[str, Any]],
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
        """Check one row: (outcome, merged values, existing goal), or None when bad."""
        title = row.get("title")
        first = card.titles.get(title)
        if first is not None:
            self.error(
                row,
                "title",
                _("Duplicate goal: %(name)s's %(title)s is already on line %(line)d.")
                % {"name": card.name, "title": title, "line": first},
            )
            card.weights_broken = True
            return None
        card.titles[title] = row.line
        if not access.import_covers_department(self.principal, card.employee["department__path"]):
            self.error(
                row,
                "number",
                _("%(name)s is outside your HR scope; you may not import their goals.")
                % {"name": card.name},
            )
            return None
        desired = self._desired(row, card, aligned)
        kind = desired["kind"]
        duplicated = title in card.existing and card.existing[title] is None
        existing = card.existing.get(title)
        current = self._current(existing) if existing is not None else None
        if kind is not None:
            card.kinds[title] = kind
        if kind is not None and kind != GoalKind.KEY_RESULT:
            card.top_lines.append(row.line)
            weight = desired["weight"] if "weight" in desired else (current or {}).get("weight")
            if weight is not None:
                card.weights += weight
            elif row.get("weight"):  # an unreadable weight: reported already
                card.weights_broken = True
            else:
                self.error(row, "weight", _("Give the goal a weight between 0 and 100."))
                card.weights_broken = True
        if duplicated:
            self.error(
                row,
                "title",
                _(
                    "%(name)s's scorecard has more than one goal called %(title)s; change them "
                    "on the scorecard page."
                )
                % {"name": card.name, "title": title},
            )
            return None
        if not self.ok(row):
            return None
        merged = self._complete(desired, current)
        self.check_range(row, merged)
        if current is None:
            outcome = "create"
        else:
            outcome = (
                "update" if any(not _same(merged[n], current[n]) for n in merged) else "unchanged"
            )
        indicator_id = merged["indicator"][0]
        if indicator_id is not None and (
            current is None or current["indicator"][0] != indicator_id
        ):
            indicator = self.indicators_by_pk[indicator_id]
            if not indicator["enabled"]:
                self.error(
                    row,
                    "indicator",
                    _("The indicator %(code)s is switched off.") % {"code": indicator["code"]},
                )
        if outcome != "unchanged":
            self._check_changeable(row, card)
        if not self.ok(row):
            return None
        return outcome, merged, existing

    def _check_changeable(self, row: Row, card: _Card) -> None:
        if card.agreed:
            self.error(
                row,
                "title",
                _("%(name)s's scorecard for %(period)s is agreed: change it through an adjustment.")
                % {"name": card.name, "period": card.period["name"]},
            )
        elif card.status is not None and card.status not in CHANGEABLE_STATUSES:
            self.error(row, "title", _("This scorecard cannot be changed."))
        if card.period["status"] == PeriodStatus.CLOSED:
            self.error(
                row,
                "period",
                _("The period %(period)s is closed.") % {"period": card.period["name"]},
            )
        if card.status is None and card.employee["status"] not in CURRENT_STATUSES:
            self.error(
                row,
                "number",
                _("%(name)s has left; no scorecard can be started.") % {"name": card.name},
            )

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        employees = {
            e["number"]: e
            for e in _values(
                Employee.objects.filter(number__in={r.get("number") for r in rows}),
                "id",
                "number",
                "name",
                "status",
                "department_id",
                "department__path",
                "position_id",
            )
        }
        self._load_cards(rows, employees)
        aligned = self._aligned_goals(rows)
        writes: list[tuple[Row, _Card, str, dict[str, Any], dict[str, Any] | None]] = []
        for row in rows:
            employee = employees.get(row.get("number"))
            if employee is None:
                self.error(
                    row,
                    "number",
                    _("Unknown employee number %(number)s.") % {"number": row.get("number")},
                )
            period = self.period(row)
            if employee is None or period is None:
                continue
            card = self.cards[(employee["id"], period["id"])]
            checked = self._row(row, card, aligned)
            if checked is None:
                continue
            outcome, merged, existing = checked
            setattr(self.context.counts, outcome, getattr(self.context.counts, outcome) + 1)
            if self.context.apply and outcome != "unchanged":
                writes.append((row, card, outcome, merged, existing))
        if writes:
            self._write(writes)

    # -- writing --

    def _new_scorecards(self, cards: list[_Card]) -> list[AuditEntry]:
        scorecards = [
            Scorecard(
                period_id=card.period["id"],
                employee_id=card.employee["id"],
                department_id=card.employee["department_id"],
                position_id=card.employee["position_id"],
            )
            for card in cards
        ]
        Scorecard.objects.bulk_create(scorecards)
        entries = []
        for card, scorecard in zip(cards, scorecards, strict=True):
            card.scorecard_id = scorecard.pk
            card.status = ScorecardStatus.DRAFT
            scorecard.employee = Employee(
                pk=card.employee["id"], name=card.employee["name"], number=card.employee["number"]
            )
            scorecard.period = Period(pk=card.period["id"], name=card.period["name"])
            after: dict[str, Any] = dict.fromkeys(SCORECARD_AUDIT_FIELDS)
            after.update(status=ScorecardStatus.DRAFT.value, version=1)
            entries.append(self.entry(scorecard, AuditAction.CREATE, None, after))
        return entries

    def _goal(self, card: _Card, title: str, merged: dict[str, Any]) -> Goal:
        parent = merged["parent"]
        return Goal(
            period_id=card.period["id"],
            level=GoalLevel.INDIVIDUAL,
            kind=merged["kind"],
            title=title,
            description=merged["description"],
            department_id=card.employee["department_id"],
            employee_id=card.employee["id"],
            owner_id=card.employee["id"],
            parent_id=None if parent[0] == "objective" else parent[0],
            scorecard_id=card.scorecard_id,
            section=DEFAULT_SECTION.get(GoalKind(merged["kind"]), Section.OTHER),
            weight=merged["weight"],
            indicator_id=merged["indicator"][0],
            metric=merged["metric"],
            unit=merged["unit"],
            direction=merged["direction"],
            baseline=merged["baseline"],
            target=merged["target"],
            target_max=merged["target_max"],
            due_date=merged["due_date"],
            completion_standard=merged["completion_standard"],
            scoring_rule=merged["scoring_rule"],
            updated_at=self.now,
        )

    @staticmethod
    def _snapshot(merged: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        """The audit snapshot (``GOAL_AUDIT_FIELDS``) of a goal from its values."""
        values = {
            name: merged[name][1] if name in ("indicator", "parent") else merged[name]
            for name in _GOAL_VALUE_FIELDS
        }
        values["indicator"] = values["indicator"] or None
        values["parent"] = values["parent"] or None
        return _audit({**values, **extra})

    def _write(
        self, writes: list[tuple[Row, _Card, str, dict[str, Any], dict[str, Any] | None]]
    ) -> None:
        entries: list[AuditEntry] = []
        needing = list(
            {id(c): c for _r, c, _o, _m, _e in writes if c.scorecard_id is None}.values()
        )
        if needing:
            entries += self._new_scorecards(needing)
        new: list[tuple[Goal, dict[str, Any]]] = []
        changed: list[Goal] = []
        for row, card, outcome, merged, existing in writes:
            title = row.get("title")
            goal = self._goal(card, title, merged)
            if merged["kind"] == GoalKind.KEY_RESULT:
                card.pending.append((goal, merged["parent"][1]))
            if outcome == "create" or existing is None:
                goal.status = (
                    GoalStatus.SUBMITTED
                    if card.status == ScorecardStatus.SUBMITTED
                    else GoalStatus.DRAFT
                )
                goal.sort_order = card.next_sort
                card.next_sort += 1
                indicator = self.indicators_by_id(merged["indicator"][0])
                goal.perspective = indicator["perspective"] if indicator else ""
                new.append(
                    (
                        goal,
                        self._snapshot(
                            merged,
                            {
                                "title": title,
                                "section": goal.section,
                                "perspective": goal.perspective,
                                "contribution": None,
                                "status": goal.status,
                                "is_active": True,
                            },
                        ),
                    )
                )
                continue
            current = self._current(existing)
            goal.pk = existing["id"]
            goal.section = (
                existing["section"]
                if merged["kind"] == existing["kind"]
                else DEFAULT_SECTION.get(GoalKind(merged["kind"]), Section.OTHER)
            )
            goal.perspective = existing["perspective"]
            if merged["indicator"][0] != current["indicator"][0] and not goal.perspective:
                indicator = self.indicators_by_id(merged["indicator"][0])
                goal.perspective = indicator["perspective"] if indicator else ""
            if merged["kind"] == GoalKind.KEY_RESULT:
                goal.parent_id = existing["parent_id"]  # set to the objective at the end
            goal.customised = existing["customised"] or existing["template_item_id"] is not None
            goal.title = title
            changed.append(goal)
            names = [n for n in merged if not _same(merged[n], current[n])]
            before = {n: current[n] for n in names}
            after = {n: merged[n] for n in names}
            extra_before: dict[str, Any] = {}
            extra_after: dict[str, Any] = {}
            if goal.section != existing["section"]:
                extra_before["section"], extra_after["section"] = existing["section"], goal.section
            if goal.perspective != existing["perspective"]:
                extra_before["perspective"] = existing["perspective"]
                extra_after["perspective"] = goal.perspective
            entries.append(
                self.entry(
                    goal,
                    AuditAction.UPDATE,
                    self._partial(before, extra_before),
                    self._partial(after, extra_after),
                )
            )
        if new:
            Goal.objects.bulk_create([goal for goal, _after in new])
            entries += [self.entry(goal, AuditAction.CREATE, None, after) for goal, after in new]
        if changed:
            bulk_set(Goal, changed, _GOAL_WRITE_FIELDS)
        audit_bulk(entries)

    @staticmethod
    def _partial(values: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        shown = {
            name: (value[1] or None) if name in ("indicator", "parent") else value
            for name, value in values.items()
        }
        return _audit({**shown, **extra})

    def indicators_by_id(self, indicator_id: int | None) -> dict[str, Any] | None:
        if indicator_id is None:
            return None
        return self.indicators_by_pk.get(indicator_id)

    # -- across the file --

    def finish(self) -> None:
        for card in self.cards.values():
            self._check_card(card)
        self._check_removed_have_no_followers()
        if not self.context.apply or self.context.errors.count:
            return
        cards = [card for card in self.cards.values() if card.pending or self.replace]
        for start in range(0, len(cards), CHUNK_SIZE):
            chunk = cards[start : start + CHUNK_SIZE]
            self._set_objectives(chunk)
            if self.replace:
                self._remove_unlisted(chunk)

    def _left_alone(self, card: _Card) -> list[dict[str, Any]]:
        """Goals already on the scorecard that the file does not list."""
        return [
            goal
            for title, goal in card.existing.items()
            if goal is not None and title not in card.titles
        ]

    def _check_card(self, card: _Card) -> None:
        kept = [] if self.replace else self._left_alone(card)
        objectives = {title for title, kind in card.kinds.items() if kind == GoalKind.OBJECTIVE}
        objectives |= {g["title"] for g in kept if g["kind"] == GoalKind.OBJECTIVE}
        for line, objective in card.key_results:
            if objective not in objectives:
                self.error(
                    line,
                    "objective",
                    _(
                        "%(name)s has no objective called %(goal)s, neither in the file nor on "
                        "the scorecard."
                    )
                    % {"name": card.name, "goal": objective},
                )
        if self.replace and card.scorecard_id is not None:
            self._check_removals(card)
        if card.weights_broken or not card.top_lines:
            return
        kept_weights = [g["weight"] or Decimal(0) for g in kept if g["kind"] != GoalKind.KEY_RESULT]
        weights = check_weights([card.weights, *kept_weights])
        if weights.ok:
            return
        if kept_weights:
            message = _(
                "%(name)s's goals for %(period)s would weigh %(total)s%% together; they must "
                "total 100%% (%(file)s%% in this file, %(kept)s%% from goals on the scorecard "
                "that the file does not list)."
            ) % {
                "name": card.name,
                "period": card.period["name"],
                "total": normalized(weights.total),
                "file": normalized(card.weights),
                "kept": normalized(sum(kept_weights, Decimal(0))),
            }
        else:
            message = _(
                "%(name)s's goals for %(period)s weigh %(total)s%% together; they must total 100%%."
            ) % {
                "name": card.name,
                "period": card.period["name"],
                "total": normalized(weights.total),
            }
        for line in card.top_lines:
            self.error(line, "weight", message)

    def _check_removals(self, card: _Card) -> None:
        removed = self._left_alone(card)
        if not removed:
            return
        if card.agreed:
            self.error(
                card.first_line,
                "title",
                _(
                    "%(name)s's scorecard for %(period)s is agreed: its goals %(goals)s can "
                    "only be removed through an adjustment."
                )
                % {
                    "name": card.name,
                    "period": card.period["name"],
                    "goals": "、".join(g["title"] for g in removed),
                },
            )
            return
        self.removals.extend((goal["id"], card) for goal in removed)

    def _check_removed_have_no_followers(self) -> None:
        """Goals of other people aligned to a goal the file removes stop the removal."""
        for start in range(0, len(self.removals), CHUNK_SIZE):
            chunk = dict(self.removals[start : start + CHUNK_SIZE])
            aligned = (
                Goal.objects.filter(parent_id__in=chunk)
                .exclude(level=GoalLevel.INDIVIDUAL, kind=GoalKind.KEY_RESULT)
                .values_list("parent_id", "parent__title")
                .distinct()
                .order_by("parent_id")
            )
            for parent_id, title in aligned:
                card = chunk[parent_id]
                self.error(
                    card.first_line,
                    "title",
                    _(
                        "Other goals are aligned to %(name)s's goal %(goal)s, which the file "
                        "would remove; align them elsewhere first."
                    )
                    % {"name": card.name, "goal": title},
                )

    def _set_objectives(self, cards: list[_Card]) -> None:
        """Point the key results this file wrote at their objectives, now that all exist."""
        wanted = [card for card in cards if card.pending]
        if not wanted:
            return
        objectives: dict[tuple[int, str], int] = {}
        for goal_id, scorecard_id, title in Goal.objects.filter(
            scorecard_id__in=[card.scorecard_id for card in wanted],
            kind=GoalKind.OBJECTIVE,
            is_active=True,
        ).values_list("id", "scorecard_id", "title"):
            objectives[(scorecard_id, title)] = goal_id
        changed = []
        for card in wanted:
            for goal, objective in card.pending:
                goal.parent_id = objectives[(card.scorecard_id or 0, objective)]
                changed.append(Goal(pk=goal.pk, parent_id=goal.parent_id, updated_at=self.now))
        bulk_set(Goal, changed, ["parent", "updated_at"])

    def _remove_unlisted(self, cards: list[_Card]) -> None:
        """Replace: take the goals the file does not list off the scorecards it covers, key
        results before their objectives, each with its audit entry."""
        removed = [goal for card in cards for goal in self._left_alone(card)]
        if not removed:
            return
        removed.sort(key=lambda g: g["kind"] != GoalKind.KEY_RESULT)
        entries = []
        for goal in removed:
            current = self._current(goal)
            before = self._snapshot(
                current,
                {
                    "title": goal["title"],
                    "section": goal["section"],
                    "perspective": goal["perspective"],
                    "contribution": None,
                    "status": goal["status"],
                    "is_active": True,
                },
            )
            instance = Goal(pk=goal["id"], title=goal["title"])
            entries.append(self.entry(instance, AuditAction.DELETE, before, None))
        key_results = [g["id"] for g in removed if g["kind"] == GoalKind.KEY_RESULT]
        Goal.objects.filter(pk__in=key_results).delete()
        Goal.objects.filter(pk__in=[g["id"] for g in removed]).delete()
        audit_bulk(entries)


class ScorecardGoalReplaceSession(ScorecardGoalSession):
    replace = True


def _goal_column(
    key: str,
    header: str,
    aliases: tuple[str, ...],
    help_text: Promise,
    example: str,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> Column:
    return Column(
        key,
        header,
        aliases,
        required=required,
        max_length=max_length,
        help=help_text,
        example=example,
    )


def _shared_columns(target_example: str = "500") -> tuple[Column, ...]:
    return (
        _goal_column(
            "metric",
            "衡量指标",
            ("metric", "衡量标准"),
            gettext_lazy("What is measured; blank takes the indicator's name."),
            "销售额",
            max_length=200,
        ),
        _goal_column(
            "unit",
            "单位",
            ("unit",),
            gettext_lazy("Unit of the target, e.g. 万元, %, 个; blank takes the indicator's unit."),
            "万元",
            max_length=20,
        ),
        _goal_column(
            "direction",
            "方向",
            ("direction",),
            gettext_lazy(
                "越高越好, 越低越好 or 区间 (higher, lower, range); blank takes the "
                "indicator's direction, else 越高越好."
            ),
            "越高越好",
            max_length=20,
        ),
        _goal_column(
            "baseline",
            "基线值",
            ("baseline",),
            gettext_lazy("Where the measure stands today; a number, optional."),
            "420",
            max_length=40,
        ),
        _goal_column(
            "target",
            "目标值",
            ("target",),
            gettext_lazy("The target; a number with at most 4 decimals."),
            target_example,
            max_length=40,
        ),
        _goal_column(
            "target_max",
            "目标上限",
            ("upper target", "target max"),
            gettext_lazy("The upper end of a range target; required when the direction is 区间."),
            "",
            max_length=40,
        ),
    )


class ScorecardGoalImporter(Importer):
    kind = SCORECARD_GOALS
    label = gettext_lazy("Scorecard goals")
    session_class: type[ImportSession] = ScorecardGoalSession
    columns = (
        _goal_column(
            "number",
            "员工工号",
            ("工号", "employee number", "number"),
            gettext_lazy("Employee number of the person whose scorecard the goal is on."),
            "E0004",
            required=True,
            max_length=40,
        ),
        _goal_column(
            "period",
            "期间",
            ("考核期间", "period"),
            gettext_lazy("Name of the period, exactly as on the periods page."),
            "2026年度",
            required=True,
            max_length=100,
        ),
        _goal_column(
            "kind",
            "目标类型",
            ("类型", "goal type", "kind"),
            gettext_lazy("KPI, 重点任务, OKR目标 or 关键结果 (kpi, task, objective, key_result)."),
            "KPI",
            required=True,
            max_length=20,
        ),
        _goal_column(
            "title",
            "目标名称",
            ("目标", "goal", "title"),
            gettext_lazy(
                "What the goal is. Together with the employee number and the period it "
                "identifies the goal: a new title adds a goal, an existing one is updated."
            ),
            "销售额达到500万元",
            required=True,
            max_length=300,
        ),
        _goal_column(
            "indicator",
            "指标代码",
            ("indicator code", "indicator"),
            gettext_lazy("Code of an indicator in the library (optional); it must be switched on."),
            "",
            max_length=40,
        ),
        *_shared_columns(),
        _goal_column(
            "weight",
            "权重(%)",
            ("权重", "权重%", "权重（%）", "weight", "weight (%)"),
            gettext_lazy(
                "Weight in percent, 0 to 100. Each person's goals must total 100 (the goals in "
                "the file plus those already on the scorecard that the file does not list). "
                "A key result's weight is its share of its objective."
            ),
            "60",
            max_length=20,
        ),
        _goal_column(
            "due_date",
            "截止日期",
            ("due date", "deadline"),
            gettext_lazy("Due date, e.g. 2026-09-30; a key task needs one before submission."),
            "2026-12-31",
            max_length=40,
        ),
        _goal_column(
            "completion_standard",
            "完成标准",
            ("completion standard",),
            gettext_lazy("For a key task: what counts as done."),
            "",
        ),
        _goal_column(
            "parent",
            "对齐上级目标",
            ("aligned to", "parent goal"),
            gettext_lazy(
                "Optional: the exact title (or the id) of the company or department goal of "
                "the same period this goal supports; a manager's goal by its id."
            ),
            "",
            max_length=300,
        ),
        _goal_column(
            "objective",
            "所属目标",
            ("objective",),
            gettext_lazy(
                "For a key result: the title of its OKR objective on the same scorecard (in "
                "the file or already there). Blank for other goals."
            ),
            "",
            max_length=300,
        ),
        _goal_column(
            "description",
            "说明",
            ("description", "备注"),
            gettext_lazy("Any further explanation."),
            "",
        ),
        _goal_column(
            "scoring_rule",
            "评分规则",
            ("scoring rule", "rule"),
            gettext_lazy(
                "Optional scoring rule, e.g. linear 0-120, bands 100:100,90:80 below 0, "
                "passfail 100, milestones, deduction 100 -2 floor 0, veto D. Blank keeps the "
                "goal's rule (a new goal takes its indicator's rule, else linear)."
            ),
            "linear 0-120",
            max_length=500,
        ),
    )


class ScorecardGoalReplaceImporter(ScorecardGoalImporter):
    kind = SCORECARD_GOALS_REPLACE
    label = gettext_lazy("Scorecard goals (replacing each scorecard's goals)")
    session_class = ScorecardGoalReplaceSession


# --- department goals ------------------------------------------------------------------------

_PLAN_VALUE_FIELDS = (
    "kind",
    "perspective",
    "owner",
    "parent",
    "contribution",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "scoring_rule",
)
_PLAN_WRITE_FIELDS = [
    "kind",
    "perspective",
    "owner",
    "parent",
    "contribution",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "scoring_rule",
    "updated_at",
]
_EXISTING_PLAN_VALUES = (
    "id",
    "uuid",
    "department_id",
    "period_id",
    "title",
    "kind",
    "perspective",
    "owner_id",
    "owner__name",
    "owner__number",
    "parent_id",
    "parent__title",
    "contribution",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "due_date",
    "completion_standard",
    "description",
    "scoring_rule",
    "status",
)


def _person(name: str, number: str) -> str:
    return f"{name} ({number})"


class DepartmentGoalSession(GoalFileSession):
    def __init__(self, context: SessionContext) -> None:
        super().__init__(context)
        self.departments: dict[str, Department] = {
            d.code: d
            for d in Department.objects.only(
                "id", "code", "name", "path", "parent_id", "is_active", "head_id"
            )
        }
        self.departments_by_id = {d.pk: d for d in self.departments.values()}
        self.seen: dict[tuple[int, int, str], int] = {}  # (department, period, title) → line
        # per period: plan goals (company and department) for parents and loop checks
        self.plan: dict[int, dict[str, Any]] = {}
        # parent id → [(line, contribution)] of the file's rows; goals the file matched
        self.contributions: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        self.matched: set[int] = set()
        self.new_parents: dict[int, int | None] = {}  # existing goal → its parent per the file
        self.lines: dict[int, int] = {}  # existing goal → line
        self.heads: dict[int, tuple[int, str, str]] = {}
        head_ids = {d.head_id for d in self.departments.values() if d.head_id}
        for pk, name, number in Employee.objects.filter(pk__in=head_ids).values_list(
            "id", "name", "number"
        ):
            self.heads[pk] = (pk, name, number)

    def _period_plan(self, period_id: int) -> dict[str, Any]:
        if period_id not in self.plan:
            goals = list(
                _values(
                    Goal.objects.filter(
                        period_id=period_id,
                        level__in=[GoalLevel.COMPANY, GoalLevel.DEPARTMENT],
                    ),
                    "id",
                    "uuid",
                    "title",
                    "level",
                    "department_id",
                    "parent_id",
                    "perspective",
                    "is_active",
                )
            )
            visible = set(
                access.plan_goals_visible(self.principal)
                .filter(period_id=period_id)
                .values_list("id", flat=True)
            )
            company: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for goal in goals:
                if goal["level"] == GoalLevel.COMPANY and goal["is_active"]:
                    company[goal["title"]].append(goal)
            self.plan[period_id] = {
                "by_uuid": {str(g["uuid"]): g for g in goals},
                "by_id": {g["id"]: g for g in goals},
                "company": dict(company),
                "visible": visible,
            }
        return self.plan[period_id]

    def _parent(
        self, row: Row, department: Department, period: dict[str, Any], own_id: int | None
    ) -> tuple[int | None, str, str] | None:
        """(id, title, perspective) of the goal a row aligns to; None after an error."""
        text = row.get("parent")
        if not text:
            return (None, "", "")
        plan = self._period_plan(period["id"])
        key = self.parent_key(text)
        if key is None:
            candidates = [g for g in plan["company"].get(text, []) if g["id"] in plan["visible"]]
            if not candidates:
                self.error(
                    row,
                    "parent",
                    _("No strategic goal called %(goal)s in the period %(period)s.")
                    % {"goal": text, "period": period["name"]},
                )
                return None
            if len(plan["company"][text]) > 1:
                self.error(
                    row,
                    "parent",
                    _(
                        "Several goals of the period are called %(goal)s; give the goal's id "
                        "instead."
                    )
                    % {"goal": text},
                )
                return None
            goal = candidates[0]
            return (goal["id"], goal["title"], goal["perspective"])
        goal = plan["by_uuid"].get(str(key))
        if goal is None or goal["id"] not in plan["visible"]:
            self.error(
                row,
                "parent",
                _("No goal %(goal)s in the period %(period)s to align to.")
                % {"goal": text, "period": period["name"]},
            )
            return None
        if own_id is not None and goal["id"] == own_id:
            self.error(row, "parent", _("A goal cannot be aligned to itself."))
            return None
        if not goal["is_active"]:
            self.error(row, "parent", _("The goal to align to has been removed."))
            return None
        if goal["level"] == GoalLevel.DEPARTMENT:
            above = self.departments_by_id.get(goal["department_id"])
            if department.parent_id is None:
                self.error(
                    row, "parent", _("A top-level department's goal aligns to a strategic goal.")
                )
                return None
            if above is None or not department.path.startswith(above.path):
                self.error(
                    row,
                    "parent",
                    _(
                        "A department goal aligns to a strategic goal or to a goal of the same or "
                        "a parent department; %(department)s is neither."
                    )
                    % {"department": above.name if above else "?"},
                )
                return None
        return (goal["id"], goal["title"], goal["perspective"])

    def _existing(self, rows: list[Row]) -> dict[tuple[int, int, str], dict[str, Any] | None]:
        departments = {
            self.departments[c].pk for r in rows if (c := r.get("department")) in self.departments
        }
        periods = {self.periods[p]["id"] for r in rows if (p := r.get("period")) in self.periods}
        titles = {r.get("title") for r in rows}
        found: dict[tuple[int, int, str], dict[str, Any] | None] = {}
        if not departments or not periods:
            return found
        for goal in _values(
            Goal.objects.filter(
                level=GoalLevel.DEPARTMENT,
                is_active=True,
                department_id__in=departments,
                period_id__in=periods,
                title__in=titles,
            ),
            *_EXISTING_PLAN_VALUES,
        ):
            key = (goal["department_id"], goal["period_id"], goal["title"])
            found[key] = None if key in found else goal
        return found

    def _owners(self, rows: list[Row]) -> dict[str, dict[str, Any]]:
        numbers = {r.get("owner") for r in rows if r.get("owner")}
        return {
            e["number"]: e
            for e in _values(
                Employee.objects.filter(number__in=numbers), "id", "number", "name", "status"
            )
        }

    @staticmethod
    def _current(goal: dict[str, Any]) -> dict[str, Any]:
        values = {
            name: goal[name]
            for name in (
                "kind",
                "perspective",
                "contribution",
                "metric",
                "unit",
                "direction",
                "baseline",
                "target",
                "target_max",
                "due_date",
                "completion_standard",
                "description",
            )
        }
        values["owner"] = (
            (goal["owner_id"], _person(goal["owner__name"], goal["owner__number"]))
            if goal["owner_id"]
            else (None, "")
        )
        values["parent"] = (goal["parent_id"], goal["parent__title"] or "")
        try:
            values["scoring_rule"] = validate_rule(goal["scoring_rule"])
        except ValidationError:
            values["scoring_rule"] = goal["scoring_rule"]
        return values

    def _row(
        self,
        row: Row,
        existing_goals: dict[tuple[int, int, str], dict[str, Any] | None],
        owners: dict[str, dict[str, Any]],
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None, Department, dict[str, Any]] | None:
        code = row.get("department")
        department = self.departments.get(code)
        if department is None:
            self.error(row, "department", _("Unknown department code %(code)s.") % {"code": code})
        period = self.period(row)
        if department is None or period is None:
            return None
        title = row.get("title")
        key = (department.pk, period["id"], title)
        first = self.seen.get(key)
        if first is not None:
            self.error(
                row,
                "title",
                _("Duplicate goal: %(department)s's %(title)s is already on line %(line)d.")
                % {"department": department.name, "title": title, "line": first},
            )
            return None
        self.seen[key] = row.line
        if not access.import_covers_department(self.principal, department.path):
            self.error(
                row,
                "department",
                _("%(department)s is outside your HR scope; you may not import its goals.")
                % {"department": department.name},
            )
            return None
        if key in existing_goals and existing_goals[key] is None:
            self.error(
                row,
                "title",
                _(
                    "%(department)s has more than one goal called %(title)s in this period; "
                    "change them on the goal pages."
                )
                % {"department": department.name, "title": title},
            )
            return None
        existing = existing_goals.get(key)
        own_id = existing["id"] if existing else None
        desired: dict[str, Any] = {}
        kind = _word(KIND_WORDS, row.get("kind"))
        if kind is None:
            self.error(
                row,
                "kind",
                _("Unknown goal type %(value)s; use one of %(allowed)s.")
                % {"value": row.get("kind"), "allowed": "、".join(KIND_EXPORT_WORD.values())},
            )
        desired["kind"] = kind
        desired.update(self.terms(row))
        # blank perspective and owner: a new goal takes the defaults of
        # ``department_goal_create``, an existing one keeps its value
        if self.present(row, "perspective") and row.get("perspective"):
            desired["perspective"] = self.choice(row, "perspective", PERSPECTIVE_WORDS)
        if self.present(row, "contribution"):
            desired["contribution"] = self.percent(row, "contribution")
        rule = self.rule(row)
        if rule is not None:
            desired["scoring_rule"] = rule
        if self.present(row, "parent"):
            parent = self._parent(row, department, period, own_id)
            if parent is not None:
                desired["parent"] = (parent[0], parent[1])
        if self.present(row, "owner"):
            number = row.get("owner")
            if number:
                owner = owners.get(number)
                if owner is None:
                    self.error(
                        row, "owner", _("Unknown employee number %(number)s.") % {"number": number}
                    )
                elif owner["status"] not in CURRENT_STATUSES:
                    self.error(
                        row,
                        "owner",
                        _("%(name)s has left and cannot own a goal.") % {"name": owner["name"]},
                    )
                else:
                    desired["owner"] = (owner["id"], _person(owner["name"], owner["number"]))
        if not self.ok(row):
            return None
        current = self._current(existing) if existing is not None else None
        merged: dict[str, Any] = {}
        defaults: dict[str, Any] = {
            "perspective": "",
            "owner": (None, ""),
            "parent": (None, ""),
            "contribution": None,
            "metric": "",
            "unit": "",
            "direction": Direction.HIGHER,
            "baseline": None,
            "target": None,
            "target_max": None,
            "due_date": None,
            "completion_standard": "",
            "description": "",
            "scoring_rule": validate_rule({"type": "linear"}),
        }
        for name in _PLAN_VALUE_FIELDS:
            if name in desired:
                merged[name] = desired[name]
            elif current is not None:
                merged[name] = current[name]
            else:
                merged[name] = defaults[name]
        if not merged["direction"]:
            merged["direction"] = Direction.HIGHER
        if current is None:
            # as ``department_goal_create``: the head owns it, the perspective is the parent's
            if merged["owner"][0] is None:
                head = self.heads.get(department.head_id or 0)
                merged["owner"] = (head[0], _person(head[1], head[2])) if head else (None, "")
            if not merged["perspective"] and merged["parent"][0] is not None:
                above = self._period_plan(period["id"])["by_id"].get(merged["parent"][0])
                merged["perspective"] = above["perspective"] if above else ""
        merged["metric"] = merged["metric"].strip()
        merged["unit"] = merged["unit"].strip()
        merged["completion_standard"] = merged["completion_standard"].strip()
        self.check_range(row, merged)
        if merged["contribution"] is not None and merged["parent"][0] is None:
            self.error(
                row, "contribution", _("A contribution weight needs a goal to contribute to.")
            )
        if current is None:
            outcome = "create"
        else:
            outcome = (
                "update" if any(not _same(merged[n], current[n]) for n in merged) else "unchanged"
            )
        if outcome != "unchanged":
            self._check_changeable(row, department, period, existing)
        if not self.ok(row):
            return None
        if merged["parent"][0] is not None and merged["contribution"] is not None:
            self.contributions[merged["parent"][0]].append((row.line, merged["contribution"]))
        if existing is not None:
            self.matched.add(existing["id"])
            self.new_parents[existing["id"]] = merged["parent"][0]
            self.lines[existing["id"]] = row.line
        return outcome, merged, existing, department, period

    def _check_changeable(
        self,
        row: Row,
        department: Department,
        period: dict[str, Any],
        existing: dict[str, Any] | None,
    ) -> None:
        if existing is not None and existing["status"] == GoalStatus.APPROVED:
            self.error(row, "title", _("This goal is approved: change it through an adjustment."))
        elif existing is not None and existing["status"] == GoalStatus.SUBMITTED:
            self.error(
                row,
                "title",
                _(
                    "This goal awaits the committee's decision and cannot be changed until it "
                    "is returned."
                ),
            )
        if period["status"] == PeriodStatus.CLOSED:
            self.error(
                row, "period", _("The period %(period)s is closed.") % {"period": period["name"]}
            )
        if not department.is_active:
            self.error(
                row,
                "department",
                _("The department %(name)s is closed.") % {"name": department.name},
            )

    def process(self, rows: list[Row]) -> None:
        if not rows:
            return
        existing_goals = self._existing(rows)
        owners = self._owners(rows)
        writes = []
        for row in rows:
            checked = self._row(row, existing_goals, owners)
            if checked is None:
                continue
            outcome = checked[0]
            setattr(self.context.counts, outcome, getattr(self.context.counts, outcome) + 1)
            if self.context.apply and outcome != "unchanged":
                writes.append((row, *checked))
        if writes:
            self._write(writes)

    @staticmethod
    def _snapshot(merged: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        values = {
            name: (merged[name][1] or None) if name in ("owner", "parent") else merged[name]
            for name in merged
        }
        return _audit({**values, **extra})

    def _write(self, writes: list[Any]) -> None:
        entries: list[AuditEntry] = []
        new: list[tuple[Goal, dict[str, Any]]] = []
        changed: list[Goal] = []
        for row, outcome, merged, existing, department, period in writes:
            goal = Goal(
                period_id=period["id"],
                level=GoalLevel.DEPARTMENT,
                title=row.get("title"),
                department_id=department.pk,
                kind=merged["kind"],
                perspective=merged["perspective"],
                owner_id=merged["owner"][0],
                parent_id=merged["parent"][0],
                contribution=merged["contribution"],
                metric=merged["metric"],
                unit=merged["unit"],
                direction=merged["direction"],
                baseline=merged["baseline"],
                target=merged["target"],
                target_max=merged["target_max"],
                due_date=merged["due_date"],
                completion_standard=merged["completion_standard"],
                description=merged["description"],
                scoring_rule=merged["scoring_rule"],
                status=GoalStatus.DRAFT,
                updated_at=self.now,
            )
            if outcome == "create" or existing is None:
                after = self._snapshot(
                    merged,
                    {"title": goal.title, "department": department.name, "status": goal.status},
                )
                new.append((goal, after))
                continue
            goal.pk = existing["id"]
            changed.append(goal)
            current = self._current(existing)
            names = [n for n in merged if not _same(merged[n], current[n])]
            entries.append(
                self.entry(
                    goal,
                    AuditAction.UPDATE,
                    self._snapshot({n: current[n] for n in names}, {}),
                    self._snapshot({n: merged[n] for n in names}, {}),
                )
            )
        if new:
            Goal.objects.bulk_create([goal for goal, _after in new])
            entries += [self.entry(goal, AuditAction.CREATE, None, after) for goal, after in new]
            # counted through their rows already when contributions are added up
            self.matched.update(goal.pk for goal, _after in new)
        if changed:
            bulk_set(Goal, changed, _PLAN_WRITE_FIELDS)
        audit_bulk(entries)

    def finish(self) -> None:
        self._check_contributions()
        self._check_loops()

    def _check_contributions(self) -> None:
        """The goals aligned to one goal contribute at most 100 % together: the file's rows
        plus the goals aligned to it already that the file does not list."""
        parents = list(self.contributions)
        for start in range(0, len(parents), CHUNK_SIZE):
            chunk = parents[start : start + CHUNK_SIZE]
            others: dict[int, Decimal] = defaultdict(Decimal)
            titles: dict[int, str] = {}
            for goal_id, parent_id, contribution in Goal.objects.filter(
                parent_id__in=chunk, is_active=True
            ).values_list("id", "parent_id", "contribution"):
                if goal_id not in self.matched and contribution is not None:
                    others[parent_id] += contribution
            for goal_id, title in Goal.objects.filter(pk__in=chunk).values_list("id", "title"):
                titles[goal_id] = title
            for parent_id in chunk:
                rows = self.contributions[parent_id]
                total = others[parent_id] + sum((c for _line, c in rows), Decimal(0))
                if total <= HUNDRED:
                    continue
                message = _(
                    "The goals aligned to %(parent)s would contribute %(total)s%% together; at "
                    "most 100%% is possible."
                ) % {"parent": titles.get(parent_id, "?"), "total": normalized(total)}
                for line, _contribution in rows:
                    self.error(line, "contribution", message)

    def _check_loops(self) -> None:
        """A goal the file re-aligns must not end up above itself."""
        if not self.new_parents:
            return
        parent_of: dict[int, int | None] = {}
        for plan in self.plan.values():
            for goal in plan["by_id"].values():
                parent_of[goal["id"]] = goal["parent_id"]
        parent_of.update(self.new_parents)

        def up(node: str) -> str | None:
            parent = parent_of.get(int(node))
            return None if parent is None else str(parent)

        for cycle in find_cycles([str(i) for i in self.new_parents], up):
            for node in cycle:
                line = self.lines.get(int(node))
                if line is not None:
                    self.error(
                        line,
                        "parent",
                        _("A goal cannot be aligned to a goal that is aligned to it."),
                    )


class DepartmentGoalImporter(Importer):
    kind = DEPARTMENT_GOALS
    label = gettext_lazy("Department goals")
    session_class = DepartmentGoalSession
    columns = (
        _goal_column(
            "department",
            "部门编码",
            ("department code", "department"),
            gettext_lazy("Code of the department the goal belongs to."),
            "SALES1",
            required=True,
            max_length=40,
        ),
        _goal_column(
            "period",
            "期间",
            ("考核期间", "period"),
            gettext_lazy("Name of the period, exactly as on the periods page."),
            "2026年度",
            required=True,
            max_length=100,
        ),
        _goal_column(
            "kind",
            "目标类型",
            ("类型", "goal type", "kind"),
            gettext_lazy("KPI, 重点任务, OKR目标 or 关键结果 (kpi, task, objective, key_result)."),
            "KPI",
            required=True,
            max_length=20,
        ),
        _goal_column(
            "title",
            "目标名称",
            ("目标", "goal", "title"),
            gettext_lazy(
                "What the goal is. Together with the department and the period it identifies "
                "the goal: a new title adds a draft, an existing draft is updated."
            ),
            "主营业务A增长15%",
            required=True,
            max_length=300,
        ),
        *_shared_columns("1150"),
        _goal_column(
            "due_date",
            "截止日期",
            ("due date", "deadline"),
            gettext_lazy("Due date, e.g. 2026-12-31; a key task needs one before submission."),
            "2026-12-31",
            max_length=40,
        ),
        _goal_column(
            "completion_standard",
            "完成标准",
            ("completion standard",),
            gettext_lazy("For a key task: what counts as done."),
            "",
        ),
        _goal_column(
            "perspective",
            "BSC维度",
            ("bsc", "perspective", "平衡计分卡维度"),
            gettext_lazy(
                "财务, 客户, 内部流程 or 学习与成长. Blank: a new goal takes the perspective of "
                "the goal it aligns to, an existing goal keeps its own."
            ),
            "财务",
            max_length=20,
        ),
        _goal_column(
            "parent",
            "对齐战略目标",
            ("对齐上级目标", "aligned to", "parent goal"),
            gettext_lazy(
                "Optional: the exact title (or the id) of the strategic goal of the same period "
                "this goal carries; a goal of a parent department by its id."
            ),
            "营收增长20%",
            max_length=300,
        ),
        _goal_column(
            "contribution",
            "贡献权重(%)",
            ("贡献权重", "贡献权重%", "贡献权重（%）", "contribution", "contribution (%)"),
            gettext_lazy(
                "This goal's share of the goal it aligns to, 0 to 100; the goals aligned to one "
                "goal contribute at most 100 together."
            ),
            "60",
            max_length=20,
        ),
        _goal_column(
            "owner",
            "负责人工号",
            ("owner number", "owner"),
            gettext_lazy(
                "Employee number of the person responsible. Blank: a new goal is owned by the "
                "department's head, an existing goal keeps its owner."
            ),
            "E0003",
            max_length=40,
        ),
        _goal_column(
            "description",
            "说明",
            ("description", "备注"),
            gettext_lazy("Any further explanation."),
            "",
        ),
        _goal_column(
            "scoring_rule",
            "评分规则",
            ("scoring rule", "rule"),
            gettext_lazy(
                "Optional scoring rule, e.g. linear 0-120 or bands 100:100,90:80 below 0. Blank "
                "keeps the goal's rule (a new goal is scored linearly)."
            ),
            "",
            max_length=500,
        ),
    )


SCORECARD_GOAL_IMPORTER = register(ScorecardGoalImporter())
SCORECARD_GOAL_REPLACE_IMPORTER = register(ScorecardGoalReplaceImporter())
DEPARTMENT_GOAL_IMPORTER = register(DepartmentGoalImporter())
