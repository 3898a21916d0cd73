"""Checking the rows of a scorecard goals file: the state of each scorecard the file
touches, one row against it, and the checks across the file (weights, objectives, removals).
``ScorecardGoalSession`` adds the writing on top."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pms.core.imports import CHUNK_SIZE, Row, SessionContext
from pms.goals import access
from pms.goals.importers.goal_files.common import (
    KIND_EXPORT_WORD,
    KIND_WORDS,
    GoalFileSession,
    _same,
    _values,
    _word,
)
from pms.goals.models import (
    AGREED_SCORECARD,
    Direction,
    Goal,
    GoalKind,
    GoalLevel,
    Indicator,
    PeriodStatus,
    Scorecard,
)
from pms.goals.rules import validate_rule
from pms.goals.services.scorecards import CHANGEABLE_STATUSES
from pms.org.models import CURRENT_STATUSES
from pms.scoring.decimals import normalized
from pms.scoring.scorecard import check_weights

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


class ScorecardGoalChecks(GoalFileSession):
    """The scorecard goals session up to writing: lookups, row checks, checks across the
    file."""

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

    def indicators_by_id(self, indicator_id: int | None) -> dict[str, Any] | None:
        if indicator_id is None:
            return None
        return self.indicators_by_pk.get(indicator_id)

    # -- across the file --

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
