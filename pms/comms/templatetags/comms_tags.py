from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """The signed-in person's unread count (one query per request, cached on it)."""
    from pms.comms.views import unread_count_for

    request = context.get("request")
    principal = getattr(request, "principal", None)
    if request is None or principal is None or not principal.is_authenticated:
        return 0
    return unread_count_for(request)
