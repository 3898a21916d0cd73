"""What an HTMX request asks for."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request for a fragment (not a history restore, which wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
