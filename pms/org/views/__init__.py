"""Organisation pages. Views parse input, ask ``pms.org.access``, call one service or
selector and render; the helpers here keep them typed."""

from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, QueryDict

from pms.core.audit import Actor
from pms.core.htmx import is_htmx
from pms.org.roles import Principal


def principal_of(request: HttpRequest) -> Principal:
    """The principal the middleware attached to this request."""
    return cast(Principal, request.principal)  # type: ignore[attr-defined]


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in user making a change through a page."""
    user = request.user
    return Actor(user=None if isinstance(user, AnonymousUser) else user)


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data, or None for a GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


__all__ = ["actor_of", "is_htmx", "posted", "principal_of"]
