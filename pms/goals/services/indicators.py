"""The indicator library (指标库): library keepers create, change, switch off and on.

Indicators are never deleted — goals point at them (PROTECT) and scores are explained by
them — so "removing" one means disabling it, which hides it from choosing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.goals.models import Aggregation, DataSource, EntryBy, Indicator
from pms.goals.rules import rule_to_text, validate_rule
from pms.org.models import RoleFamily
from pms.scoring.errors import ScoringError

INDICATOR_AUDIT_FIELDS = (
    "code",
    "name",
    "definition",
    "formula",
    "unit",
    "direction",
    "data_source",
    "source_system",
    "frequency",
    "aggregation",
    "entry_by",
    "perspective",
    "enabled",
    "employee_selectable",
    "sort_order",
)
CHANGEABLE = frozenset({*INDICATOR_AUDIT_FIELDS, "scoring_rule", "role_families"} - {"enabled"})
_TEXT_FIELDS = ("code", "name", "definition", "formula", "unit", "source_system")
_CODE_RE = re.compile(r"^\S+$")


def indicator_snapshot(indicator: Indicator, families: Iterable[RoleFamily]) -> dict[str, Any]:
    """The audited values: plain fields, the rule in its compact text, role families by
    name (the history shows them as people read them)."""
    data = snapshot(indicator, INDICATOR_AUDIT_FIELDS)
    data["scoring_rule"] = _rule_text(indicator.scoring_rule)
    data["role_families"] = "、".join(sorted(family.name for family in families))
    return data


def _rule_text(rule: object) -> str:
    try:
        return rule_to_text(rule)  # type: ignore[arg-type]  # a stored rule is a dict
    except ScoringError:  # an invalid stored rule is still worth recording
        return str(rule)


def _check(indicator: Indicator) -> None:
    """Rules beyond the model's own: a free code, a valid rule, a named external system."""
    for name in _TEXT_FIELDS:
        setattr(indicator, name, (getattr(indicator, name) or "").strip())
    if not indicator.code:
        raise ValidationError({"code": _("Give the indicator a code.")})
    if not _CODE_RE.match(indicator.code):
        raise ValidationError({"code": _("A code cannot contain spaces.")})
    if not indicator.name:
        raise ValidationError({"name": _("Give the indicator a name.")})
    others = Indicator.objects.filter(code__iexact=indicator.code)
    if indicator.pk is not None:
        others = others.exclude(pk=indicator.pk)
    if others.exists():
        raise ValidationError(
            {
                "code": _("The code %(code)s is already used by another indicator.")
                % {"code": indicator.code}
            }
        )
    if indicator.data_source == DataSource.EXTERNAL and not indicator.source_system:
        raise ValidationError(
            {"source_system": _("Name the external system the values come from.")}
        )
    if indicator.data_source != DataSource.EXTERNAL:
        indicator.source_system = ""
    indicator.scoring_rule = validate_rule(indicator.scoring_rule)


@transaction.atomic
def indicator_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    definition: str = "",
    formula: str = "",
    unit: str = "",
    direction: str,
    data_source: str,
    source_system: str = "",
    frequency: str,
    aggregation: str = Aggregation.SUM,
    entry_by: str = EntryBy.EITHER,
    perspective: str = "",
    role_families: Iterable[RoleFamily] = (),
    scoring_rule: dict[str, object] | None = None,
    enabled: bool = True,
    employee_selectable: bool = True,
    sort_order: int = 0,
) -> Indicator:
    indicator = Indicator(
        code=code,
        name=name,
        definition=definition,
        formula=formula,
        unit=unit,
        direction=direction,
        data_source=data_source,
        source_system=source_system,
        frequency=frequency,
        aggregation=aggregation,
        entry_by=entry_by,
        perspective=perspective,
        enabled=enabled,
        employee_selectable=employee_selectable,
        sort_order=sort_order,
    )
    if scoring_rule is not None:
        indicator.scoring_rule = scoring_rule
    _check(indicator)
    indicator.full_clean()
    indicator.save()
    families = list(role_families)
    indicator.role_families.set(families)
    audit_record(
        actor=actor,
        instance=indicator,
        action=AuditAction.CREATE,
        after=indicator_snapshot(indicator, families),
    )
    return indicator


@transaction.atomic
def indicator_update(
    *, actor: Actor, indicator: Indicator, changes: dict[str, Any], reason: str = ""
) -> Indicator:
    """Change any field but ``enabled`` (see ``indicator_set_enabled``); ``role_families``
    replaces the tags. Goals already set keep their own copy of the terms and rule."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    current_families = list(indicator.role_families.all())
    before = indicator_snapshot(indicator, current_families)
    families = list(changes.get("role_families", current_families))
    for name, value in changes.items():
        if name != "role_families":
            setattr(indicator, name, value)
    try:
        _check(indicator)
        indicator.full_clean()
    except ValidationError:
        indicator.refresh_from_db()
        raise
    after = indicator_snapshot(indicator, families)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return indicator
    fields = [name for name in changed if name != "role_families"]
    if fields:
        indicator.save(update_fields=[*fields, "updated_at"])
    if "role_families" in changed:
        indicator.role_families.set(families)
        if not fields:
            indicator.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        instance=indicator,
        action=AuditAction.UPDATE,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        reason=reason,
    )
    return indicator


@transaction.atomic
def indicator_set_enabled(
    *, actor: Actor, indicator: Indicator, enabled: bool, reason: str = ""
) -> Indicator:
    """Switch an indicator off (hidden from choosing; goals that use it keep it) or on."""
    if indicator.enabled == enabled:
        return indicator
    indicator.enabled = enabled
    indicator.save(update_fields=["enabled", "updated_at"])
    audit_record(
        actor=actor,
        instance=indicator,
        action=AuditAction.UPDATE,
        before={"enabled": not enabled},
        after={"enabled": enabled},
        reason=reason,
    )
    return indicator
