"""The company's results settings (``OutcomeSettings``, one row): the grades' coefficients
(绩效系数), the days to confirm, appeal, decide an appeal and hold the interview, the
grades that call for an improvement plan, the promotion rule and the training threshold.

``outcome_settings_update`` checks everything before it writes (the coefficient table by
``pms.scoring.coefficients``; the promotion grade and PIP grades among the table's grades;
day counts, result counts, months and the percent within sensible bounds), saves the row
(made on first save) and audits the change. New plans and lists read the settings as they
are then; results already published keep their coefficients.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.outcomes.models import OutcomeSettings
from pms.reviews.wording_outcomes import outcome_error_message
from pms.scoring.coefficients import coefficients_from_data, coefficients_to_data
from pms.scoring.errors import ScoringError

FIELDS = (
    "coefficients",
    "confirm_days",
    "appeal_days",
    "appeal_sla_days",
    "interview_days",
    "pip_grades",
    "promotion_grade",
    "promotion_count",
    "promotion_tenure_months",
    "training_gap_percent",
)
# the smallest and largest value of each whole-number setting
BOUNDS: dict[str, tuple[int, int]] = {
    "confirm_days": (1, 365),
    "appeal_days": (1, 365),
    "appeal_sla_days": (1, 365),
    "interview_days": (1, 365),
    "promotion_count": (0, 20),
    "promotion_tenure_months": (0, 600),
    "training_gap_percent": (0, 100),
}


def _row() -> OutcomeSettings:
    found = OutcomeSettings.objects.select_for_update().order_by("id").first()
    return found or OutcomeSettings()


def _check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    try:
        table = coefficients_from_data(values.get("coefficients"))
    except ScoringError as error:
        errors["coefficients"] = [outcome_error_message(error)]
        table = {}
    else:
        cleaned["coefficients"] = coefficients_to_data(table)
    for name, (low, high) in BOUNDS.items():
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors.setdefault(name, []).append(
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
    if table:
        grade = str(values.get("promotion_grade") or "")
        if grade not in table:
            errors.setdefault("promotion_grade", []).append(
                _("Choose one of the grades: %(grades)s.") % {"grades": "、".join(table)}
            )
        pip = values.get("pip_grades") or []
        unknown = [g for g in pip if g not in table]
        if not isinstance(pip, list) or unknown:
            errors.setdefault("pip_grades", []).append(
                _("Choose among the grades: %(grades)s.") % {"grades": "、".join(table)}
            )
        else:
            cleaned["pip_grades"] = [g for g in table if g in pip]
    if errors:
        raise ValidationError(errors)
    return cleaned


def outcome_settings_update(*, actor: Actor, changes: dict[str, Any]) -> OutcomeSettings:
    """Save the settings in ``changes`` (fields of ``FIELDS``), checked all together."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(unknown)
    with transaction.atomic():
        row = _row()
        current = {name: getattr(row, name) for name in FIELDS}
        values = _check({**current, **changes})
        if row.pk is not None and values == current:
            return row
        before = snapshot(row, FIELDS) if row.pk is not None else None
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        created = row.pk is None
        if created:
            row.save()
        else:
            row.save(update_fields=[*FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            instance=row,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            before=before,
            after=snapshot(row, FIELDS),
        )
    return row
