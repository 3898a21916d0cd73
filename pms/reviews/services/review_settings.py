"""The company's review settings (one row): k, HR's identity look-ups, grade bands, reminders.

``review_settings_get`` returns the row, creating it with the defaults the first time it
is asked for (k from ``settings.PMS_ANONYMITY_MIN``, never below 2; the default grade
bands S 90, A 80, B 70, C 60, D 0; reminders two days before a deadline). That first row
is not audited: it holds the defaults every part of the system already assumed. Every
change goes through ``review_settings_update``, which validates and audits before/after.

Grade bands are stored the way ``pms.scoring.grades`` reads them:
``[{"grade": "S", "min_score": "90"}, …]``, best grade first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.rules import rule_error_message
from pms.reviews.models import ReviewSettings
from pms.scoring.errors import ScoringError
from pms.scoring.grades import (
    DEFAULT_GRADE_BANDS,
    GradeBand,
    grade_bands_from_data,
    grade_bands_to_data,
)

__all__ = [
    "K_FLOOR",
    "MAX_REMIND_DAYS",
    "SETTINGS_FIELDS",
    "grade_bands_in_force",
    "review_settings_get",
    "review_settings_update",
]

K_FLOOR = 2  # anonymity below two raters is no anonymity
MAX_K = 50
MAX_REMIND_DAYS = 60
GRADE_MAX = 2
SETTINGS_FIELDS = ("anonymity_min", "allow_identity_access", "grade_bands", "remind_days_before")


def default_k() -> int:
    return max(K_FLOOR, int(getattr(settings, "PMS_ANONYMITY_MIN", 3) or 3))


def review_settings_get() -> ReviewSettings:
    """The company's settings row, created with the defaults when there is none yet."""
    row = ReviewSettings.objects.order_by("id").first()
    if row is not None:
        return row
    with transaction.atomic():
        return ReviewSettings.objects.create(
            anonymity_min=default_k(),
            allow_identity_access=False,
            grade_bands=grade_bands_to_data(DEFAULT_GRADE_BANDS),
        )


def grade_bands_in_force(row: ReviewSettings | None) -> tuple[GradeBand, ...]:
    """The company's bands, or the default ones when none are saved.

    Rows saved before this page existed may say ``min`` instead of ``min_score``.
    """
    data: Any = list(row.grade_bands) if row is not None and row.grade_bands else []
    if not data:
        return DEFAULT_GRADE_BANDS
    rows = [
        {"grade": item.get("grade"), "min_score": item.get("min_score", item.get("min"))}
        if isinstance(item, dict)
        else item
        for item in data
    ]
    return grade_bands_from_data(rows)


def _check(
    anonymity_min: int, grade_bands: Sequence[Any], remind_days_before: int
) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    errors: dict[str, list[str]] = {}
    if anonymity_min < K_FLOOR:
        errors["anonymity_min"] = [
            _("At least %(k)d raters are needed to keep answers anonymous.") % {"k": K_FLOOR}
        ]
    elif anonymity_min > MAX_K:
        errors["anonymity_min"] = [_("At most %(k)d, please.") % {"k": MAX_K}]
    if not 0 <= remind_days_before <= MAX_REMIND_DAYS:
        errors["remind_days_before"] = [
            _("Remind between 0 and %(days)d days before a deadline.") % {"days": MAX_REMIND_DAYS}
        ]
    bands: list[dict[str, str]] = []
    try:
        bands = grade_bands_to_data(grade_bands_from_data(grade_bands))
    except ScoringError as error:
        errors["grade_bands"] = [rule_error_message(error)]
    else:
        # results store the grade in two characters ("A", "B+")
        too_long = [band["grade"] for band in bands if len(band["grade"]) > GRADE_MAX]
        if too_long:
            errors["grade_bands"] = [
                _("A grade has at most %(max)d characters: “%(grade)s” is longer.")
                % {"max": GRADE_MAX, "grade": too_long[0]}
            ]
    return errors, bands


@transaction.atomic
def review_settings_update(
    *,
    actor: Actor,
    anonymity_min: int,
    allow_identity_access: bool,
    grade_bands: Sequence[Any],
    remind_days_before: int,
) -> ReviewSettings:
    """Change the company's review settings.

    ``grade_bands`` is a list of ``{"grade": …, "min_score": …}``, best grade first; it
    must be valid bands (``check_grade_bands``). k is never below 2. Nothing is saved when
    anything is wrong; nothing is audited when nothing changed.
    """
    errors, bands = _check(anonymity_min, grade_bands, remind_days_before)
    if errors:
        raise ValidationError(errors)
    row = review_settings_get()
    row = ReviewSettings.objects.select_for_update().get(pk=row.pk)
    before = snapshot(row, SETTINGS_FIELDS)
    row.anonymity_min = anonymity_min
    row.allow_identity_access = allow_identity_access
    row.grade_bands = bands
    row.remind_days_before = remind_days_before
    after = snapshot(row, SETTINGS_FIELDS)
    if after == before:
        return row
    row.full_clean()
    row.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    audit_record(actor=actor, instance=row, action=AuditAction.UPDATE, before=before, after=after)
    return row
