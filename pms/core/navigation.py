"""The main navigation: each role sees only what it may use.

Apps add their entries here as they arrive; every entry names the access function that
decides whether it shows, the same one the page itself checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pms.org.roles import Principal


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool


def _entries() -> list[tuple[str | Promise, str, Callable[[Principal], bool]]]:
    from pms.org import access as org_access

    return [
        (_("Home"), "core:home", lambda p: p.is_authenticated),
        (_("Organisation"), "org:tree", org_access.is_member),
        (_("Directory"), "org:directory", org_access.is_member),
        (_("Positions"), "org:positions", org_access.is_member),
        (_("Role families"), "org:role_families", org_access.can_change_positions),
        (_("Imports"), "org:imports", org_access.can_import),
        (_("Audit log"), "core:audit", org_access.can_read_audit),
        (_("Roles"), "org:roles", org_access.can_manage_roles),
        (_("API tokens"), "accounts:tokens", org_access.can_manage_tokens),
    ]


def navigation_for(principal: Principal, current_path: str) -> list[NavItem]:
    allowed = [(label, reverse(url_name)) for label, url_name, may in _entries() if may(principal)]
    # the entry whose address is the longest prefix of the current page is the active one
    matches = [url for _, url in allowed if current_path.startswith(url) and url != "/"]
    active = max(matches, key=len) if matches else ("/" if current_path == "/" else None)
    return [NavItem(label=label, url=url, active=url == active) for label, url in allowed]
