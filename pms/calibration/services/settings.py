"""The company's calibration defaults: distribution, smallest group held to it, enforcement,
and which grades count as low, medium or high performance on the nine-box."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.calibration.distribution import (
    DEFAULT_LEVELS,
    check_levels,
    check_rule,
    default_rule_data,
)
from pms.calibration.models import CalibrationSettings, Enforcement
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction

FIELDS = ("distribution", "min_group_size", "enforcement", "performance_levels")
MAX_GROUP = 1000


def calibration_settings_get() -> CalibrationSettings:
    """The settings row, created with the defaults when there is none yet."""
    row = CalibrationSettings.objects.order_by("id").first()
    if row is not None:
        return row
    with transaction.atomic():
        return CalibrationSettings.objects.create(
            distribution=default_rule_data(),
            min_group_size=10,
            enforcement=Enforcement.WARN,
            performance_levels=dict(DEFAULT_LEVELS),
        )


def check_group_size(value: int, errors: dict[str, list[str]]) -> None:
    if not 1 <= value <= MAX_GROUP:
        errors.setdefault("min_group_size", []).append(
            _("Give a group size from 1 to %(max)s.") % {"max": MAX_GROUP}
        )


def check_enforcement(value: str, errors: dict[str, list[str]]) -> None:
    if value not in Enforcement.values:
        errors.setdefault("enforcement", []).append(_("Choose how the distribution is held."))


def calibration_settings_update(
    *,
    actor: Actor,
    distribution: Sequence[Mapping[str, Any]],
    min_group_size: int,
    enforcement: str,
    performance_levels: Mapping[str, str],
) -> CalibrationSettings:
    errors: dict[str, list[str]] = {}
    rule = check_rule(distribution, errors)
    check_group_size(min_group_size, errors)
    check_enforcement(enforcement, errors)
    levels = check_levels(performance_levels, [g["grade"] for g in rule], errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = CalibrationSettings.objects.select_for_update().get(pk=calibration_settings_get().pk)
        before = snapshot(row, FIELDS)
        row.distribution = rule
        row.min_group_size = min_group_size
        row.enforcement = enforcement
        row.performance_levels = levels
        row.save(update_fields=[*FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            instance=row,
            action=AuditAction.UPDATE,
            before=before,
            after=snapshot(row, FIELDS),
        )
    return row
