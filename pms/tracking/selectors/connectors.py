"""Reading data connectors and their runs for the pages: a fixed number of queries per page
whatever the number of connectors or runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pms.org.roles import Principal
from pms.tracking.access import connectors_visible
from pms.tracking.models import Connector, ConnectorRun

_HINT_MIN_LENGTH = 12


def connectors_list(principal: Principal) -> QuerySet[Connector]:
    return connectors_visible(principal).select_related("last_run").order_by("name")


def connector_runs(connector: Connector) -> QuerySet[ConnectorRun]:
    return ConnectorRun.objects.filter(connector=connector).select_related("started_by")


def secret_hint(secret: str) -> str:
    """Enough to recognise a credential, never enough to use it."""
    if not secret:
        return ""
    if len(secret) < _HINT_MIN_LENGTH:
        return "••••"
    return f"••••{secret[-2:]}"


def run_problems(
    errors: list[dict[str, Any]], labels: dict[str, Any]
) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """A run's kept problems as (item, the source's id, [(field label, message)])."""
    shown = []
    for error in errors:
        fields = error.get("fields") or {}
        lines = [
            (str(labels.get(name, "")) if name != "__all__" else "", str(message))
            for name, messages in fields.items()
            for message in messages
        ]
        shown.append((int(error.get("item", 0)), str(error.get("external_id", "")), lines))
    return shown
