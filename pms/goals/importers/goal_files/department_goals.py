"""Department goals from a file (``department_goals``): the session that checks and writes
the rows, and the importer."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import audit_bulk
from pms.core.imports import CHUNK_SIZE, Importer, Row, SessionContext, bulk_set
from pms.core.models import AuditAction, AuditEntry
from pms.goals import access
from pms.goals.importers.goal_files.columns import DEPARTMENT_GOAL_COLUMNS
from pms.goals.importers.goal_files.common import (
    DEPARTMENT_GOALS,
    HUNDRED,
    KIND_EXPORT_WORD,
    KIND_WORDS,
    GoalFileSession,
    _audit,
    _same,
    _values,
    _word,
)
from pms.goals.importers.indicators import PERSPECTIVE_WORDS
from pms.goals.models import Direction, Goal, GoalLevel, GoalStatus, PeriodStatus
from pms.goals.rules import validate_rule
from pms.org.importers.common import find_cycles
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.scoring.decimals import normalized

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
_PLAN_WRITE_FIELDS = [*_PLAN_VALUE_FIELDS, "updated_at"]
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
    columns = DEPARTMENT_GOAL_COLUMNS
