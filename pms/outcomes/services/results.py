"""Published results: writing them when a cycle's results open, confirming them, HR's
corrections, and the changes appeals make.

- ``results_materialise`` writes one ``PerformanceResult`` per review of the cycle that
  was not removed and has none yet, in batches (a fixed number of queries per thousand
  reviews): the score and grade calibration closed on, else the review's; the review's own
  score and grade kept beside them; the coefficient of the grade; the explanation (the
  review's score and edition, each calibration change with its reason, the coefficient);
  one ``ResultChange`` per calibration change of score and grade.
- ``result_confirm`` is the person's confirmation (结果确认); ``results_auto_confirm`` (a
  periodic job) confirms what is overdue, with an audit entry per result.
- ``result_correct`` is HR's correction with a reason; ``result_change_apply`` is the
  common part of a correction and an appeal's adjustment: a new version, the coefficient
  again, one ``ResultChange``, a step in the explanation, audited.

Who may do what is checked by the callers through ``pms.outcomes.access``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.calibration.models import CalibrationChange, CalibrationEntry, ChangeField, SessionStatus
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_bulk, audit_record, build_entry
from pms.core.models import AuditAction
from pms.outcomes import events
from pms.outcomes.models import (
    OPEN_APPEAL,
    AckStatus,
    OutcomeSettings,
    PerformanceResult,
    ResultChange,
    ResultSource,
)
from pms.reviews.models import Cycle, ResultKind, Review, ReviewResult, ReviewStatus
from pms.scoring.coefficients import coefficient_for, coefficients_from_data
from pms.scoring.decimals import plain
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_REASON = 500
MAX_NOTE = 500
MAX_SCORE = Decimal("9999.99")
# the steps of an explanation that are written again whenever the grade changes
COEFFICIENT_CODES = frozenset({"coefficient", "coefficient_missing"})


# --- settings ------------------------------------------------------------------------------


def outcome_settings() -> OutcomeSettings:
    """The company's settings (defaults until HR saves them)."""
    return OutcomeSettings.objects.order_by("id").first() or OutcomeSettings()


def coefficient_table(settings: OutcomeSettings | None = None) -> dict[str, Decimal]:
    """Grade → coefficient: the company's table, or the defaults when it has none. A table
    that no longer reads (saved by hand) falls back to the defaults, logged."""
    data = (settings or outcome_settings()).coefficients
    try:
        return coefficients_from_data(data)
    except ScoringError:
        logger.exception("results settings: the coefficient table does not read")
        return coefficients_from_data([])


def _text(value: Decimal | None) -> str:
    return "—" if value is None else plain(value)


def _grade(value: str) -> str:
    return value or "—"


def _step(code: str, values: dict[str, str]) -> dict[str, Any]:
    return {"code": code, "values": values}


def _coefficient_step(grade: str, table: dict[str, Decimal]) -> tuple[Decimal | None, Step]:
    return coefficient_for(grade, table)


# --- calibration changes, combined -----------------------------------------------------------


@dataclass
class CalibrationMove:
    """Score and grade changes a calibrator made together (one reason, one person, one
    field each), as one ``ResultChange``."""

    score_before: Decimal | None
    grade_before: str
    reason: str
    changed_by: int | None
    score_after: Decimal | None = None
    grade_after: str = ""
    fields: set[str] = field(default_factory=set)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() else None


def calibration_moves(
    score: Decimal | None,
    grade: str,
    changes: Iterable[tuple[str, str, str, str, int | None]],
) -> list[CalibrationMove]:
    """The calibration changes of one person (``(field, before, after, reason, by)`` in the
    order made, starting from ``score`` and ``grade``) as moves: a change joins the move
    before it when it has the same reason and author and changes the other field, so "score
    78 → 82 and grade B → A, because …" is one move; otherwise it starts a new one."""
    moves: list[CalibrationMove] = []
    for name, _before, after, reason, by in changes:
        last = moves[-1] if moves else None
        if last is None or last.reason != reason or last.changed_by != by or name in last.fields:
            last = CalibrationMove(
                score_before=score, grade_before=grade, reason=reason, changed_by=by
            )
            moves.append(last)
        if name == ChangeField.SCORE:
            score = _decimal(after)
        else:
            grade = after
        last.fields.add(name)
        last.score_after, last.grade_after = score, grade
    return moves


# --- writing the results of a cycle --------------------------------------------------------


@dataclass(frozen=True)
class _Calibrated:
    score: Decimal | None
    grade: str
    session: str
    moves: list[CalibrationMove]


def _calibrated(review_ids: Sequence[int]) -> dict[int, _Calibrated]:
    """What closed calibration sessions decided for these reviews (two queries)."""
    entries = list(
        CalibrationEntry.objects.filter(
            review_id__in=review_ids, session__status=SessionStatus.CLOSED
        ).values_list(
            "pk", "review_id", "score", "grade", "proposed_score", "proposed_grade", "session__name"
        )
    )
    if not entries:
        return {}
    changes: dict[int, list[tuple[str, str, str, str, int | None]]] = defaultdict(list)
    for entry_id, name, before, after, reason, by in (
        CalibrationChange.objects.filter(
            entry_id__in=[row[0] for row in entries],
            field__in=(ChangeField.SCORE, ChangeField.GRADE),
        )
        .order_by("entry_id", "created_at", "pk")
        .values_list("entry_id", "field", "before", "after", "reason", "changed_by_id")
    ):
        changes[entry_id].append((name, before, after, reason, by))
    found: dict[int, _Calibrated] = {}
    for entry_id, review_id, score, grade, proposed_score, proposed_grade, session in entries:
        moves = calibration_moves(proposed_score, proposed_grade, changes.get(entry_id, []))
        end = (
            (moves[-1].score_after, moves[-1].grade_after)
            if moves
            else (
                proposed_score,
                proposed_grade,
            )
        )
        if end != (score, grade):
            # the entry is what the session closed on; a history that does not lead there
            # (changed without a record) still shows the step, under the session's name
            moves.append(
                CalibrationMove(
                    score_before=end[0],
                    grade_before=end[1],
                    reason=session,
                    changed_by=None,
                    score_after=score,
                    grade_after=grade,
                    fields={ChangeField.SCORE, ChangeField.GRADE},
                )
            )
        found[review_id] = _Calibrated(score=score, grade=grade, session=session, moves=moves)
    return found


def _explanation(
    review_score: Decimal | None,
    review_grade: str,
    version: int | None,
    calibrated: _Calibrated | None,
    coefficient_step: Step,
) -> dict[str, Any]:
    edition = str(version) if version is not None else "—"
    steps = [
        _step(
            "result_review",
            {"score": _text(review_score), "grade": _grade(review_grade), "version": edition},
        )
        if review_score is not None
        else _step("result_review_unscored", {"version": edition})
    ]
    if calibrated is not None:
        if not calibrated.moves:
            steps.append(_step("result_calibration_kept", {"session": calibrated.session}))
        for move in calibrated.moves:
            steps.append(
                _step(
                    "result_calibration",
                    {
                        "session": calibrated.session,
                        "score_before": _text(move.score_before),
                        "score_after": _text(move.score_after),
                        "grade_before": _grade(move.grade_before),
                        "grade_after": _grade(move.grade_after),
                        "reason": move.reason,
                    },
                )
            )
    steps.append(_step(coefficient_step.code, dict(coefficient_step.values)))
    return {"review_version": version, "steps": steps}


def _batch(
    rows: list[tuple[int, int, int, Decimal | None, str]],
    *,
    cycle_id: int,
    table: dict[str, Decimal],
    published_at: dt.datetime,
    ack_deadline: dt.date | None,
) -> int:
    """Write the results of one batch of reviews (a fixed number of queries)."""
    ids = [row[0] for row in rows]
    versions = dict(
        ReviewResult.objects.filter(
            review_id__in=ids, kind=ResultKind.REVIEW, is_current=True
        ).values_list("review_id", "version")
    )
    calibrated = _calibrated(ids)
    results: list[PerformanceResult] = []
    for review_id, employee_id, department_id, score, grade in rows:
        found = calibrated.get(review_id)
        final_score, final_grade = (found.score, found.grade) if found else (score, grade)
        coefficient, step = _coefficient_step(final_grade, table)
        results.append(
            PerformanceResult(
                review_id=review_id,
                cycle_id=cycle_id,
                employee_id=employee_id,
                department_id=department_id,
                review_score=score,
                review_grade=grade,
                score=final_score,
                grade=final_grade,
                coefficient=coefficient,
                source=ResultSource.CALIBRATION if found and found.moves else ResultSource.REVIEW,
                explanation=_explanation(score, grade, versions.get(review_id), found, step),
                published_at=published_at,
                ack_status=AckStatus.PENDING,
                ack_deadline=ack_deadline,
            )
        )
    return _save_batch(results, calibrated)


def _save_batch(results: list[PerformanceResult], calibrated: dict[int, _Calibrated]) -> int:
    PerformanceResult.objects.bulk_create(results, batch_size=BATCH_SIZE)
    moved = [r.review_id for r in results if r.review_id in calibrated]
    if not moved:
        return len(results)
    # the new rows' ids (returned by the insert where the database can, else read back)
    ids = {r.review_id: r.pk for r in results if r.pk is not None}
    if len(ids) < len(results):
        ids = dict(
            PerformanceResult.objects.filter(review_id__in=moved).values_list("review_id", "pk")
        )
    changes = [
        ResultChange(
            result_id=ids[review_id],
            source=ResultSource.CALIBRATION,
            score_before=move.score_before,
            score_after=move.score_after,
            grade_before=move.grade_before,
            grade_after=move.grade_after,
            reason=move.reason[:MAX_REASON],
            changed_by_id=move.changed_by,
        )
        for review_id in moved
        for move in calibrated[review_id].moves
    ]
    ResultChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    return len(results)


def reviews_without_result(cycle: Cycle) -> QuerySet[Review]:
    """The reviews of ``cycle`` that were not removed and have no published result yet."""
    return Review.objects.filter(cycle=cycle, outcome__isnull=True).exclude(
        status=ReviewStatus.REMOVED
    )


def _pending_rows(cycle: Cycle) -> QuerySet[Review, tuple[int, int, int, Decimal | None, str]]:
    return (
        reviews_without_result(cycle)
        .order_by("pk")
        .values_list("pk", "employee_id", "department_id", "score", "grade")
    )


def results_materialise(
    *, cycle: Cycle, published_at: dt.datetime, ack_deadline: dt.date | None
) -> int:
    """Write the results of every review of ``cycle`` that was not removed and has none
    yet, in the caller's transaction; returns how many were written. Running it again
    writes only what is missing."""
    table = coefficient_table()
    pending = _pending_rows(cycle)
    written = 0
    last = 0
    while True:
        rows = list(pending.filter(pk__gt=last)[:BATCH_SIZE])
        if not rows:
            return written
        last = rows[-1][0]
        written += _batch(
            rows,
            cycle_id=cycle.pk,
            table=table,
            published_at=published_at,
            ack_deadline=ack_deadline,
        )


def results_materialise_batches(
    *,
    cycle: Cycle,
    published_at: dt.datetime,
    ack_deadline: dt.date | None,
    lock: Callable[[], object],
) -> int:
    """The same in the background: one transaction per batch, each holding ``lock`` (the
    cycle's release row) so that two runs never write a result twice."""
    table = coefficient_table()
    written = 0
    while True:
        with transaction.atomic():
            lock()
            rows = list(_pending_rows(cycle)[:BATCH_SIZE])
            if not rows:
                return written
            written += _batch(
                rows,
                cycle_id=cycle.pk,
                table=table,
                published_at=published_at,
                ack_deadline=ack_deadline,
            )


# --- confirmation --------------------------------------------------------------------------


def _locked(result: PerformanceResult) -> PerformanceResult:
    return (
        PerformanceResult.objects.select_for_update(of=("self",))
        .select_related("employee", "cycle")
        .get(pk=result.pk)
    )


def result_confirm(*, actor: Actor, result: PerformanceResult, note: str = "") -> PerformanceResult:
    """The person confirms their result, with an optional comment."""
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError(
            {"note": [_("Keep the comment under %(max)s characters.") % {"max": MAX_NOTE}]}
        )
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(result)
        if locked.ack_status != AckStatus.PENDING:
            raise ValidationError(_("This result does not wait for a confirmation."))
        before = {"ack_status": locked.ack_status}
        locked.ack_status = AckStatus.CONFIRMED
        locked.ack_at = now
        locked.ack_note = text
        locked.save(update_fields=["ack_status", "ack_at", "ack_note", "updated_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.APPROVE,
            before=before,
            after={"ack_status": locked.ack_status, "ack_note": text},
        )
    result.refresh_from_db()
    return result


def results_auto_confirm(now: dt.datetime) -> int:
    """Confirm every result still waiting after its deadline (``AckStatus.AUTO``), with an
    audit entry per result, a thousand at a time. Safe to run any number of times."""
    today = timezone.localdate(now)
    due = PerformanceResult.objects.filter(
        ack_status=AckStatus.PENDING, ack_deadline__lt=today
    ).order_by("pk")
    actor = Actor.system()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                due.select_for_update(of=("self",)).select_related("employee", "cycle")[:BATCH_SIZE]
            )
            if not rows:
                return done
            PerformanceResult.objects.filter(pk__in=[r.pk for r in rows]).update(
                ack_status=AckStatus.AUTO, ack_at=now, updated_at=now
            )
            audit_bulk(
                build_entry(
                    actor=actor,
                    instance=row,
                    action=AuditAction.APPROVE,
                    before={"ack_status": AckStatus.PENDING},
                    after={"ack_status": AckStatus.AUTO},
                    reason=_("Not confirmed by %(day)s: confirmed automatically.")
                    % {"day": row.ack_deadline.isoformat() if row.ack_deadline else ""},
                )
                for row in rows
            )
        done += len(rows)


# --- changes after publication: corrections and appeals ------------------------------------


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [_("Give the reason.")]})
    if len(text) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": MAX_REASON}]}
        )
    return text


def check_new_values(
    result: PerformanceResult,
    *,
    score: Decimal | None,
    grade: str,
    table: dict[str, Decimal],
    score_field: str = "score",
    grade_field: str = "grade",
) -> tuple[Decimal | None, str]:
    """The score and grade after a change (an empty one keeps what the result has), or
    ``ValidationError`` on the field that is wrong, or when nothing would change."""
    grade = (grade or "").strip()
    if score is not None and (not score.is_finite() or score < 0 or score > MAX_SCORE):
        raise ValidationError(
            {score_field: [_("Enter a score between 0 and %(max)s.") % {"max": plain(MAX_SCORE)}]}
        )
    if grade and grade not in table:
        raise ValidationError(
            {
                grade_field: [
                    _("Choose one of the grades %(grades)s.") % {"grades": ", ".join(table)}
                ]
            }
        )
    new_score = result.score if score is None else score.quantize(Decimal("0.01"))
    new_grade = grade or result.grade
    if new_score == result.score and new_grade == result.grade:
        raise ValidationError(_("The score and the grade are what the result has already."))
    return new_score, new_grade


def result_change_apply(
    *,
    actor: Actor,
    result: PerformanceResult,
    source: str,
    score: Decimal | None,
    grade: str,
    reason: str,
) -> ResultChange:
    """Change a locked result after publication (a correction or an appeal's adjustment):
    new version, coefficient again, one ``ResultChange``, a step, audited. The caller
    holds the transaction and has checked the values (``check_new_values``)."""
    table = coefficient_table()
    before = {
        "score": _text(result.score),
        "grade": result.grade,
        "coefficient": _text(result.coefficient),
        "version": result.version,
    }
    change = ResultChange.objects.create(
        result=result,
        source=source,
        score_before=result.score,
        score_after=score,
        grade_before=result.grade,
        grade_after=grade,
        reason=reason,
        changed_by=actor.user,
    )
    coefficient, step = _coefficient_step(grade, table)
    data = dict(result.explanation or {})
    steps = [s for s in data.get("steps") or [] if s.get("code") not in COEFFICIENT_CODES]
    steps.append(
        _step(
            f"result_{source}",
            {
                "score_before": _text(result.score),
                "score_after": _text(score),
                "grade_before": _grade(result.grade),
                "grade_after": _grade(grade),
                "reason": reason,
            },
        )
    )
    steps.append(_step(step.code, dict(step.values)))
    data["steps"] = steps
    result.score, result.grade, result.coefficient = score, grade, coefficient
    result.source = source
    result.version += 1
    result.explanation = data
    result.save(
        update_fields=[
            "score",
            "grade",
            "coefficient",
            "source",
            "version",
            "explanation",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        instance=result,
        action=AuditAction.UPDATE,
        before=before,
        after={
            "score": _text(score),
            "grade": grade,
            "coefficient": _text(coefficient),
            "version": result.version,
            "source": source,
        },
        reason=reason,
    )
    return change


def result_correct(
    *,
    actor: Actor,
    result: PerformanceResult,
    score: Decimal | None,
    grade: str,
    reason: str,
) -> PerformanceResult:
    """HR corrects a published result (score and/or grade) with a reason; the person is
    told. Not while an appeal against it is open: deciding the appeal changes it."""
    text = _reason(reason)
    table = coefficient_table()
    with transaction.atomic():
        locked = _locked(result)
        if locked.appeals.filter(status__in=OPEN_APPEAL).exists():
            raise ValidationError(
                _("An appeal against this result is open: decide the appeal instead.")
            )
        new_score, new_grade = check_new_values(locked, score=score, grade=grade, table=table)
        result_change_apply(
            actor=actor,
            result=locked,
            source=ResultSource.CORRECTION,
            score=new_score,
            grade=new_grade,
            reason=text,
        )
        user = locked.employee.user
        if user is not None:
            notify(
                event=events.RESULT_CORRECTED,
                recipients=[user],
                params={"cycle": locked.cycle.name, "reason": text},
                url=reverse("outcomes:result", args=[locked.uuid]),
                key=f"result:{locked.uuid}:v{locked.version}",
            )
    result.refresh_from_db()
    return result


__all__ = [
    "BATCH_SIZE",
    "CalibrationMove",
    "calibration_moves",
    "check_new_values",
    "coefficient_table",
    "outcome_settings",
    "result_change_apply",
    "result_confirm",
    "result_correct",
    "results_auto_confirm",
    "results_materialise",
    "results_materialise_batches",
    "reviews_without_result",
]
