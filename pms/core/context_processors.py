from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from pms.core.navigation import NavItem, navigation_for, navigation_groups

if TYPE_CHECKING:
    from pms.org.roles import Principal

# where a request keeps its menu once worked out
_CACHE = "_pms_navigation"


def _items(request: HttpRequest, principal: "Principal") -> list[NavItem]:
    """The menu, worked out once per request: an entry may cost a query (calibration for
    people seated on a session), so a request that renders twice pays it once."""
    found: list[NavItem] | None = getattr(request, _CACHE, None)
    if found is None:
        found = navigation_for(principal, request.path)
        setattr(request, _CACHE, found)
    return found


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the templates, lazily: only a page that draws it works it out, so
    HTMX fragments and pages without the menu pay nothing for it."""
    principal = getattr(request, "principal", None)
    if principal is None or not principal.is_authenticated:
        return {"nav_items": [], "nav_groups": [], "principal": principal}
    return {
        "nav_items": SimpleLazyObject(lambda: _items(request, principal)),
        "nav_groups": SimpleLazyObject(lambda: navigation_groups(_items(request, principal))),
        "principal": principal,
    }
