"""What both goal files share: the kinds and their words, reading cells (numbers, dates,
words, scoring rules), whose rights a file is checked with, and the session base class."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from pms.core.audit import build_entry, json_value
from pms.core.imports import ImportSession, Row, SessionContext
from pms.core.models import AuditEntry, ImportJob
from pms.goals.importers.indicators import DIRECTION_WORDS, export_word
from pms.goals.models import Direction, GoalKind, Period
from pms.goals.rules import rule_from_text
from pms.org.importers.common import parse_date
from pms.org.roles import ANONYMOUS, Principal, principal_for

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
    # before rounding: quantizing a number with more digits than the context holds fails
    if value and value.adjusted() >= digits - places:
        raise ValueError(_("This number is too large."))
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
