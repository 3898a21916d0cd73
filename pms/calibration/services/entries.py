"""Changing a person's score, grade or potential in an open session, always with a reason.

- A new score without a new grade takes the grade of its band (the company's grade bands),
  so score and grade never disagree silently; a grade may also be set on its own.
- Potential places the person on the nine-box with their (calibrated) grade.
- Each changed field becomes a ``CalibrationChange`` with before, after and reason, and one
  audit entry records the whole change. ``entries_change`` moves several people at once
  with one reason (each still gets their own change rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.calibration.distribution import box_for, rule_grades, session_rule
from pms.calibration.models import (
    CalibrationChange,
    CalibrationEntry,
    CalibrationSession,
    ChangeField,
    Potential,
    SessionStatus,
)
from pms.calibration.services.settings import calibration_settings_get
from pms.core.audit import Actor, audit_bulk, build_entry
from pms.core.models import AuditAction
from pms.reviews.services.review_settings import grade_bands_in_force, review_settings_get
from pms.scoring.distribution import grades_by_rank
from pms.scoring.grades import grade_for

MAX_REASON = 500
MAX_SCORE = Decimal(200)
MAX_BULK = 500


def parse_score(raw: str | Decimal | None, errors: dict[str, list[str]]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        errors.setdefault("score", []).append(_("Give the score as a number."))
        return None
    if not value.is_finite() or value < 0 or value > MAX_SCORE:
        errors.setdefault("score", []).append(
            _("Give a score from 0 to %(max)s.") % {"max": MAX_SCORE}
        )
        return None
    return value.quantize(Decimal("0.01"))


def _reason(reason: str, errors: dict[str, list[str]]) -> str:
    text = (reason or "").strip()
    if not text:
        errors.setdefault("reason", []).append(_("Give the reason for the change."))
    elif len(text) > MAX_REASON:
        errors.setdefault("reason", []).append(
            _("Keep the reason under %(max)s characters.") % {"max": MAX_REASON}
        )
    return text


def _fmt(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    return str(value)


def _apply(
    *,
    entry: CalibrationEntry,
    session: CalibrationSession,
    score: Decimal | None,
    grade: str | None,
    potential: str | None,
    levels: dict[str, str],
) -> list[tuple[str, str, str]]:
    """Set the new values on ``entry``; the (field, before, after) that changed."""
    changes: list[tuple[str, str, str]] = []
    if score is not None and score != entry.score:
        changes.append((ChangeField.SCORE, _fmt(entry.score), _fmt(score)))
        entry.score = score
        if grade is None:
            grade, _steps = grade_for(score, grade_bands_in_force(review_settings_get()))
    if grade is not None and grade != entry.grade:
        changes.append((ChangeField.GRADE, entry.grade, grade))
        entry.grade = grade
    if potential is not None and potential != entry.potential:
        changes.append((ChangeField.POTENTIAL, entry.potential, potential))
        entry.potential = potential
    entry.box = box_for(entry.grade, entry.potential, levels)
    entry.updated_at = timezone.now()
    entry.changed = entry.score != entry.proposed_score or entry.grade != entry.proposed_grade
    return changes


def _check(
    session: CalibrationSession,
    grade: str | None,
    potential: str | None,
    errors: dict[str, list[str]],
) -> None:
    if grade is not None and grade not in rule_grades(session):
        errors.setdefault("grade", []).append(_("Choose one of the session's grades."))
    if potential is not None and potential not in Potential.values:
        errors.setdefault("potential", []).append(_("Choose low, medium or high potential."))


def _open(session: CalibrationSession) -> None:
    if session.status != SessionStatus.OPEN:
        raise ValidationError(_("This session is not open; it cannot be changed."))


def entries_change(
    *,
    actor: Actor,
    session: CalibrationSession,
    entries: Sequence[CalibrationEntry],
    reason: str,
    score: str | Decimal | None = None,
    grade: str | None = None,
    potential: str | None = None,
) -> list[CalibrationEntry]:
    """Change one or more people of an open session with one reason."""
    errors: dict[str, list[str]] = {}
    text = _reason(reason, errors)
    value = parse_score(score, errors)
    grade = (grade or "").strip() or None
    potential = (potential or "").strip() or None
    _check(session, grade, potential, errors)
    if value is None and grade is None and potential is None and "score" not in errors:
        errors.setdefault("__all__", []).append(_("Change the score, the grade or the potential."))
    if not entries:
        errors.setdefault("__all__", []).append(_("Choose the people to change."))
    if len(entries) > MAX_BULK:
        errors.setdefault("__all__", []).append(
            _("Change at most %(max)s people at once.") % {"max": MAX_BULK}
        )
    if errors:
        raise ValidationError(errors)
    levels = dict(calibration_settings_get().performance_levels or {})
    with transaction.atomic():
        locked_session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        _open(locked_session)
        ids = [e.pk for e in entries]
        rows = list(
            CalibrationEntry.objects.select_for_update(of=("self",))
            .select_related("employee")
            .filter(pk__in=ids, session=locked_session)
            .order_by("pk")
        )
        if len(rows) != len(set(ids)):
            raise ValidationError(_("Some of these people are not in this session."))
        change_rows: list[CalibrationChange] = []
        audits = []
        touched: list[CalibrationEntry] = []
        for entry in rows:
            before = {
                "score": _fmt(entry.score),
                "grade": entry.grade,
                "potential": entry.potential,
            }
            changes = _apply(
                entry=entry,
                session=locked_session,
                score=value,
                grade=grade,
                potential=potential,
                levels=levels,
            )
            if not changes:
                continue
            touched.append(entry)
            change_rows.extend(
                CalibrationChange(
                    entry=entry,
                    field=field,
                    before=old,
                    after=new,
                    reason=text,
                    changed_by=actor.user,
                )
                for field, old, new in changes
            )
            audits.append(
                build_entry(
                    actor=actor,
                    instance=entry,
                    action=AuditAction.UPDATE,
                    before=before,
                    after={
                        "score": _fmt(entry.score),
                        "grade": entry.grade,
                        "potential": entry.potential,
                    },
                    reason=text,
                )
            )
        if not touched:
            raise ValidationError(_("Nothing changed: these are already the values."))
        CalibrationEntry.objects.bulk_update(
            touched, ["score", "grade", "potential", "box", "changed", "updated_at"]
        )
        CalibrationChange.objects.bulk_create(change_rows)
        audit_bulk(audits)
    return touched


def entry_change(
    *,
    actor: Actor,
    entry: CalibrationEntry,
    reason: str,
    score: str | Decimal | None = None,
    grade: str | None = None,
    potential: str | None = None,
) -> CalibrationEntry:
    changed = entries_change(
        actor=actor,
        session=entry.session,
        entries=[entry],
        reason=reason,
        score=score,
        grade=grade,
        potential=potential,
    )
    return changed[0]


def pool_rank_apply(
    *, actor: Actor, session: CalibrationSession, pool: str, reason: str
) -> list[CalibrationEntry]:
    """Grade a pool by ranking under the session's distribution (强制分布排名): the best
    scores fill the best grade's quota and so on, equal scores sharing a grade
    (``pms.scoring.distribution.grades_by_rank``). People without a score keep their
    grade. Each person whose grade moves gets a change with the reason."""
    errors: dict[str, list[str]] = {}
    text = _reason(reason, errors)
    if errors:
        raise ValidationError(errors)
    rule = session_rule(session)
    with transaction.atomic():
        locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
        _open(locked)
        rows = list(
            CalibrationEntry.objects.select_for_update(of=("self",))
            .filter(session=locked, pool=pool, score__isnull=False)
            .order_by("pk")
        )
        if not rows:
            raise ValidationError(_("This group has nobody with a score to rank."))
        ranked = grades_by_rank(rule, [(str(e.pk), e.score) for e in rows if e.score is not None])
        target = ranked.by_key
        levels = dict(calibration_settings_get().performance_levels or {})
        change_rows: list[CalibrationChange] = []
        audits = []
        touched: list[CalibrationEntry] = []
        for entry in rows:
            grade = target[str(entry.pk)]
            before = {
                "score": _fmt(entry.score),
                "grade": entry.grade,
                "potential": entry.potential,
            }
            changes = _apply(
                entry=entry,
                session=locked,
                score=None,
                grade=grade,
                potential=None,
                levels=levels,
            )
            if not changes:
                continue
            touched.append(entry)
            change_rows.extend(
                CalibrationChange(
                    entry=entry,
                    field=field,
                    before=old,
                    after=new,
                    reason=text,
                    changed_by=actor.user,
                )
                for field, old, new in changes
            )
            audits.append(
                build_entry(
                    actor=actor,
                    instance=entry,
                    action=AuditAction.UPDATE,
                    before=before,
                    after={**before, "grade": entry.grade},
                    reason=text,
                )
            )
        CalibrationEntry.objects.bulk_update(
            touched, ["grade", "box", "changed", "updated_at"], batch_size=1000
        )
        CalibrationChange.objects.bulk_create(change_rows, batch_size=1000)
        audit_bulk(audits)
    return touched
