"""Scorecard goals from a file (``scorecard_goals`` and ``scorecard_goals_replace``): the
session that checks the rows (``ScorecardGoalChecks``) and writes them, and the importers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import audit_bulk
from pms.core.imports import CHUNK_SIZE, Importer, ImportSession, Row, bulk_set
from pms.core.models import AuditAction, AuditEntry
from pms.goals.importers.goal_files.columns import SCORECARD_GOAL_COLUMNS
from pms.goals.importers.goal_files.common import (
    SCORECARD_GOALS,
    SCORECARD_GOALS_REPLACE,
    _audit,
    _same,
    _values,
)
from pms.goals.importers.goal_files.scorecard_checks import (
    _GOAL_VALUE_FIELDS,
    ScorecardGoalChecks,
    _Card,
)
from pms.goals.models import (
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Period,
    Scorecard,
    ScorecardStatus,
    Section,
)
from pms.goals.services.scorecards import DEFAULT_SECTION, SCORECARD_AUDIT_FIELDS
from pms.org.models import Employee

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


class ScorecardGoalSession(ScorecardGoalChecks):
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


class ScorecardGoalImporter(Importer):
    kind = SCORECARD_GOALS
    label = gettext_lazy("Scorecard goals")
    session_class: type[ImportSession] = ScorecardGoalSession
    columns = SCORECARD_GOAL_COLUMNS


class ScorecardGoalReplaceImporter(ScorecardGoalImporter):
    kind = SCORECARD_GOALS_REPLACE
    label = gettext_lazy("Scorecard goals (replacing each scorecard's goals)")
    session_class = ScorecardGoalReplaceSession
