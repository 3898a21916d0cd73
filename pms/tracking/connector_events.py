"""The data-connector event: HR admins are told when a connector fails, once per streak of
failures (the streak's start is the notification's key), and again only after it has run
well in between. Registered by ``register_connectors`` (from ``TrackingConfig.ready``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pms.accounts.models import User
from pms.comms.events import register_event
from pms.comms.notify import notify
from pms.org.models import GrantedRole, RoleGrant
from pms.tracking.models import Connector, ConnectorRun

CATEGORY = "tracking"
CONNECTOR_FAILED = "tracking.connector_failed"


def register_connector_events() -> None:
    register_event(
        CONNECTOR_FAILED,
        title=_("The data connector %(connector)s failed"),
        body=_(
            "%(message)s It is tried again on its schedule; you are told again only after "
            "it has worked once."
        ),
        category=CATEGORY,
    )


def connector_admins() -> list[User]:
    """Company-wide HR admins; system admins when there are none."""
    hr = RoleGrant.objects.filter(
        role=GrantedRole.HR_ADMIN, departments__isnull=True, user__is_active=True
    )
    found = list(User.objects.filter(pk__in=hr.values("user_id")).order_by("pk"))
    if found:
        return found
    admins = RoleGrant.objects.filter(role=GrantedRole.SYSTEM_ADMIN, user__is_active=True)
    return list(
        User.objects.filter(Q(pk__in=admins.values("user_id")) | Q(is_superuser=True))
        .filter(is_active=True)
        .order_by("pk")
    )


def notify_connector_failed(
    connector: Connector, run: ConnectorRun, *, failing_since: dt.datetime
) -> None:
    notify(
        event=CONNECTOR_FAILED,
        recipients=connector_admins(),
        params={"connector": connector.name, "message": run.message[:300]},
        url=reverse("tracking:connector", kwargs={"uuid": connector.uuid}),
        key=f"{connector.uuid}:{failing_since.isoformat()}",
    )
