from typing import Any

from django.http import HttpRequest

from pms.core.navigation import navigation_for, navigation_groups


def navigation(request: HttpRequest) -> dict[str, Any]:
    principal = getattr(request, "principal", None)
    if principal is None or not principal.is_authenticated:
        return {"nav_items": [], "nav_groups": [], "principal": principal}
    items = navigation_for(principal, request.path)
    return {"nav_items": items, "nav_groups": navigation_groups(items), "principal": principal}
