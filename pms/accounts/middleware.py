from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from pms.org.roles import principal_for


class PrincipalMiddleware:
    """Attaches ``request.principal``, computed on first use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.principal = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: principal_for(getattr(request, "user", None))
        )
        return self.get_response(request)
