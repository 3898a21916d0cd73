"""Who may see what of notifications.

- A person sees and marks only their own notifications: anyone else's answers "not found".
- The company's channel switches and the chat robots (whose addresses and secrets are
  credentials) are for company-wide HR admins and system admins only; to everyone else
  those pages do not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from pms.comms.models import ChatRobot, Notification
from pms.core.access import get_visible
from pms.org.roles import Principal


def can_use_inbox(principal: Principal) -> bool:
    return principal.is_authenticated


def notifications_visible(principal: Principal) -> QuerySet[Notification]:
    if not can_use_inbox(principal) or principal.user is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=principal.user)


def access_notification(principal: Principal, uuid: object) -> Notification:
    return get_visible(notifications_visible(principal), uuid=uuid)


def can_manage_comms(principal: Principal) -> bool:
    """Company channel switches and chat robots."""
    if not principal.is_authenticated:
        return False
    return principal.hr_company or principal.is_system_admin


def robots_visible(principal: Principal) -> QuerySet[ChatRobot]:
    if not can_manage_comms(principal):
        return ChatRobot.objects.none()
    return ChatRobot.objects.all()


def access_robot(principal: Principal, uuid: object) -> ChatRobot:
    return get_visible(robots_visible(principal), uuid=uuid)
