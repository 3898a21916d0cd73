"""Placeholder: replaced by the real views."""

from typing import Any

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("todo")


tree = children = create = detail = edit = move = close = _todo
