from typing import Any

from django.http import HttpRequest

from pms.core.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    principal = getattr(request, "principal", None)
    if principal is None or not principal.is_authenticated:
        return {"nav_items": [], "principal": principal}
    return {"nav_items": navigation_for(principal, request.path), "principal": principal}
