"""Factories for notifications, made through the services (append only)."""

from __future__ import annotations

from typing import Any

from pms.comms import services
from pms.comms.events import register_event
from pms.comms.models import ChatRobot
from pms.core.audit import Actor

SYSTEM = Actor.system()
TEST_EVENT = "comms.test_event"

# an event only the tests send, with a parameter in its title
register_event(
    TEST_EVENT,
    title="Hello %(name)s",
    body="Something happened to %(thing)s.",
    category="goals",
)


def robot(
    channel: str, url: str, *, secret: str = "", departments: Any = (), **kw: Any
) -> ChatRobot:
    return services.robot_create(
        actor=SYSTEM,
        channel=channel,
        name=kw.pop("name", f"{channel} robot"),
        webhook_url=url,
        secret=secret,
        departments=departments,
        **kw,
    )
