"""The write side of a template run: one batch of people gets the template's goals.

Called by ``pms.goals.services.templates.template_run_execute`` inside a transaction per
batch. The rules (module docstring of ``templates``) in short: no scorecard → created from
the template; an open scorecard → re-applied, keeping what people added or changed; an
agreed one → skipped.

A batch costs a fixed number of queries whatever its size: people, their scorecards, the
template goals on those, then bulk writes. New goals are written with one ``executemany``
of rows prepared once per template item: the ORM's ``bulk_create`` converts every value of
every row, which made 100,000 goals take ten times longer. Goals an item changed are
updated with one UPDATE per item, since they all take the same terms.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef

from pms.core.audit import Actor, audit_bulk, build_entry
from pms.core.models import AuditAction, AuditEntry
from pms.goals.models import (
    Goal,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Period,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    TemplateItem,
    TemplateRun,
)
from pms.goals.services.scorecards import CHANGEABLE_STATUSES
from pms.org.models import Employee

# Goal fields a template item decides; ``due_date`` of a key task is the period's end.
TERMS = (
    "kind",
    "section",
    "title",
    "description",
    "indicator_id",
    "perspective",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_max",
    "completion_standard",
    "scoring_rule",
    "weight",
    "sort_order",
    "due_date",
)


def item_terms(item: TemplateItem, period: Period) -> dict[str, Any]:
    """The terms a goal from this item has on a scorecard of this period."""
    terms = {name: getattr(item, name) for name in TERMS if name != "due_date"}
    terms["due_date"] = period.end if item.kind == GoalKind.TASK else None
    return terms


def percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def label(title: str, weight: Decimal | None) -> str:
    """How a goal is named in the audit: its title and weight."""
    return f"{title} ({percent(weight)}%)" if weight is not None else title


@dataclass
class Application:
    """What a run carries from batch to batch: the template, and the counts so far."""

    run: TemplateRun
    template: ScorecardTemplate
    period: Period
    items: list[TemplateItem]
    actor: Actor
    reason: str
    terms: dict[int, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        self.terms = {item.pk: item_terms(item, self.period) for item in self.items}


class GoalRows:
    """Inserts goals made from template items with one ``executemany`` per batch."""

    # the columns that differ from one goal of an item to the next
    PER_GOAL = ("uuid", "scorecard_id", "employee_id", "owner_id", "department_id")

    def __init__(self, app: Application, now: dt.datetime) -> None:
        self.app = app
        self.now = now
        self.fields = [f for f in Goal._meta.concrete_fields if not f.primary_key]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.uuid_field = Goal._meta.get_field("uuid")
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in self.fields)
        values = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(Goal._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 - names from the model
        self.prototypes: dict[tuple[int, str], list[Any]] = {}
        self.rows: list[list[Any]] = []

    def _prototype(self, item: TemplateItem, status: str) -> list[Any]:
        key = (item.pk, status)
        row = self.prototypes.get(key)
        if row is None:
            goal = Goal(
                period_id=self.app.period.pk,
                level=GoalLevel.INDIVIDUAL,
                status=status,
                template_item_id=item.pk,
                created_at=self.now,
                updated_at=self.now,
                **self.app.terms[item.pk],
            )
            row = [f.get_db_prep_save(getattr(goal, f.attname), connection) for f in self.fields]
            self.prototypes[key] = row
        return row

    def add(self, card: Scorecard, item: TemplateItem) -> None:
        status = (
            GoalStatus.SUBMITTED if card.status == ScorecardStatus.SUBMITTED else GoalStatus.DRAFT
        )
        row = list(self._prototype(item, status))
        position = self.position
        row[position["uuid"]] = self.uuid_field.get_db_prep_save(uuid.uuid4(), connection)
        row[position["scorecard_id"]] = card.pk
        row[position["employee_id"]] = card.employee_id
        row[position["owner_id"]] = card.employee_id
        row[position["department_id"]] = card.department_id
        self.rows.append(row)

    def write(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.rows = []


def _entry(app: Application, card: Scorecard, action: str, before: Any, after: Any) -> AuditEntry:
    return build_entry(
        actor=app.actor,
        instance=card,
        action=action,
        before=before,
        after=after,
        reason=app.reason,
        batch=str(app.run.uuid),
    )


def _template_goals(cards: list[Scorecard]) -> dict[int, list[dict[str, Any]]]:
    """The goals that came from a template (this one or another) on these scorecards."""
    goals_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not cards:
        return goals_of
    rows = (
        Goal.objects.filter(scorecard_id__in=[c.pk for c in cards], template_item__isnull=False)
        .annotate(has_children=Exists(Goal.objects.filter(parent=OuterRef("pk"))))
        .order_by()
        .values("id", "scorecard_id", "template_item_id", "customised", "has_children", *TERMS)
    )
    for row in rows:
        goals_of[row["scorecard_id"]].append(row)
    return goals_of


def apply_batch(app: Application, people: list[Employee], now: dt.datetime) -> None:
    """Give one batch of people the template (see the module docstring)."""
    by_id = {person.pk: person for person in people}
    cards = {
        card.employee_id: card
        for card in Scorecard.objects.filter(
            period=app.period, employee_id__in=list(by_id)
        ).select_related("template")
    }
    for card in cards.values():  # the audit's object text, without a query each
        card.employee = by_id[card.employee_id]
        card.period = app.period
    changeable = [c for c in cards.values() if c.status in CHANGEABLE_STATUSES]
    app.skipped += len(cards) - len(changeable)
    goals_of = _template_goals(changeable)

    new_cards = [
        Scorecard(
            period=app.period,
            employee=person,
            department_id=person.department_id,
            position_id=person.position_id,
            template=app.template,
            status=ScorecardStatus.DRAFT,
        )
        for person in people
        if person.pk not in cards
    ]
    Scorecard.objects.bulk_create(new_cards)
    rows = GoalRows(app, now)
    entries: list[AuditEntry] = []
    everything = [label(item.title, item.weight) for item in app.items]
    for card in new_cards:
        for item in app.items:
            rows.add(card, item)
        after = {"status": card.status, "template": app.template.name, "added": everything}
        entries.append(_entry(app, card, AuditAction.CREATE, None, after))
    app.created += len(new_cards)

    changed: dict[int, list[int]] = defaultdict(list)  # item → goals to bring in line
    removed: list[int] = []
    touched: list[int] = []
    for card in changeable:
        added: list[str] = []
        updated: list[str] = []
        gone: list[str] = []
        present: set[int] = set()
        for goal in goals_of[card.pk]:
            item_id = goal["template_item_id"]
            terms = app.terms.get(item_id)
            if terms is None:  # another template's: gives way unless someone changed it
                if not goal["customised"] and not goal["has_children"]:
                    removed.append(goal["id"])
                    gone.append(label(goal["title"], goal["weight"]))
                continue
            present.add(item_id)
            if goal["customised"]:
                continue
            if any(goal[name] != value for name, value in terms.items()):
                changed[item_id].append(goal["id"])
                updated.append(label(terms["title"], terms["weight"]))
        for item in app.items:
            if item.pk not in present:
                rows.add(card, item)
                added.append(label(item.title, item.weight))
        before_template = card.template.name if card.template is not None else None
        if not (added or updated or gone) and before_template == app.template.name:
            continue
        touched.append(card.pk)
        after = {
            "template": app.template.name,
            "added": added,
            "updated": updated,
            "removed": gone,
        }
        entries.append(_entry(app, card, AuditAction.UPDATE, {"template": before_template}, after))
    app.updated += len(touched)

    if removed:
        Goal.objects.filter(pk__in=removed).delete()
    for item_id, goal_ids in changed.items():
        Goal.objects.filter(pk__in=goal_ids).update(**app.terms[item_id], updated_at=now)
    rows.write()
    if touched:
        Scorecard.objects.filter(pk__in=touched).update(template=app.template, updated_at=now)
    audit_bulk(entries)
