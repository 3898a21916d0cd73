from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from pms.core.models import AuditEntry, ExportJob, object_type_label

if TYPE_CHECKING:
    from pms.accounts.models import User


@dataclass(frozen=True)
class AuditFilters:
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> AuditFilters:
        def parse_date(value: str | None) -> dt.date | None:
            try:
                return dt.date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return cls(
            object_type=query.get("object_type", "").strip(),
            object_id=query.get("object_id", "").strip(),
            actor=query.get("actor", "").strip(),
            action=query.get("action", "").strip(),
            date_from=parse_date(query.get("date_from")),
            date_to=parse_date(query.get("date_to")),
        )


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.date_from:
        qs = qs.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(at__date__lte=filters.date_to)
    return qs


def object_history(object_type: str, object_id: object) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id))


def audit_object_types() -> list[tuple[str, str]]:
    """(value, translated label) of every object type the log holds."""
    types = AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True)
    return [(t, object_type_label(t)) for t in types.distinct()]


def latest_export(user: User | None, kind: str, **params: Any) -> ExportJob | None:
    """The person's latest export of ``kind`` whose parameters hold these values, started
    within the days its file is kept (one query); a page shows it beside its export button."""
    from pms.core.exports import KEEP_DAYS

    if user is None:
        return None
    since = timezone.now() - dt.timedelta(days=KEEP_DAYS)
    lookups = {f"params__{key}": value for key, value in params.items()}
    return (
        ExportJob.objects.filter(created_by=user, kind=kind, created_at__gte=since, **lookups)
        .order_by("-created_at", "-id")
        .first()
    )
