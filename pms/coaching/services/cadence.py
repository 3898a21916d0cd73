"""Check-in cadences by role family (how often people meet their manager), set by HR.

Which cadence applies to a person: the row HR saved for their position's role family; else
the built-in default of that family (sales monthly, R&D quarterly); else the company
default HR saved; else quarterly. People without a position take the company default.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pms.coaching.models import (
    COMPANY_DEFAULT_FREQUENCY,
    DEFAULT_FREQUENCIES,
    CheckInCadence,
    Frequency,
)
from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import RoleFamily

CADENCE_AUDIT_FIELDS = ("role_family", "frequency", "enabled")


@dataclass(frozen=True)
class Rule:
    frequency: str
    enabled: bool = True
    explicit: bool = False  # saved by HR (else a built-in default)


@dataclass(frozen=True)
class Rules:
    company: Rule
    by_family: dict[int, Rule]

    def for_family(self, family_id: int | None) -> Rule:
        if family_id is None:
            return self.company
        return self.by_family.get(family_id, self.company)


def effective_rules() -> Rules:
    """The cadence of every role family and the company default: two queries."""
    rows = list(CheckInCadence.objects.all())
    saved_company = next((r for r in rows if r.is_company_default), None)
    company = (
        Rule(saved_company.frequency, saved_company.enabled, explicit=True)
        if saved_company is not None
        else Rule(COMPANY_DEFAULT_FREQUENCY)
    )
    saved = {r.role_family_id: r for r in rows if r.role_family_id is not None}
    by_family: dict[int, Rule] = {}
    for family_id, code in RoleFamily.objects.values_list("id", "code"):
        row = saved.get(family_id)
        if row is not None:
            by_family[family_id] = Rule(row.frequency, row.enabled, explicit=True)
        elif code in DEFAULT_FREQUENCIES:
            by_family[family_id] = Rule(DEFAULT_FREQUENCIES[code])
        else:
            by_family[family_id] = company
    return Rules(company=company, by_family=by_family)


@transaction.atomic
def cadence_set(
    *, actor: Actor, role_family: RoleFamily | None, frequency: str, enabled: bool = True
) -> CheckInCadence:
    """Save the cadence of a role family (``None``: the company default)."""
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choose how often check-ins take place.")})
    cadence = CheckInCadence.objects.filter(
        role_family=role_family, is_company_default=role_family is None
    ).first()
    if cadence is None:
        cadence = CheckInCadence(
            role_family=role_family,
            is_company_default=role_family is None,
            frequency=frequency,
            enabled=enabled,
        )
        cadence.full_clean()
        cadence.save()
        audit_record(
            actor=actor,
            instance=cadence,
            action=AuditAction.CREATE,
            after=snapshot(cadence, CADENCE_AUDIT_FIELDS),
        )
        return cadence
    if cadence.frequency == frequency and cadence.enabled == enabled:
        return cadence
    before = snapshot(cadence, CADENCE_AUDIT_FIELDS)
    cadence.frequency = frequency
    cadence.enabled = enabled
    cadence.full_clean()
    cadence.save(update_fields=["frequency", "enabled", "updated_at"])
    audit_record(
        actor=actor, instance=cadence, before=before, after=snapshot(cadence, CADENCE_AUDIT_FIELDS)
    )
    return cadence
